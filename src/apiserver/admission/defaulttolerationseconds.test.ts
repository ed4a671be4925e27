import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { withDefaultTolerations } from './defaulttolerationseconds.js';

checkLeaksAfterAll();

const pod = (tolerations?: NonNullable<Pod['spec']>['tolerations']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(tolerations ? { tolerations } : {}) },
});

const notReady = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const unreachable = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

describe('DefaultTolerationSeconds admission', () => {
  it('adds both tolerations, not-ready first, to a pod without any', () => {
    const input = pod();
    const admitted = withDefaultTolerations(input);
    assert.deepEqual(admitted.spec?.tolerations, [notReady, unreachable]);
    assert.equal(input.spec?.tolerations, undefined, 'the input is left alone');
  });

  it('keeps the tolerations a pod has and adds only the missing one', () => {
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 6000 };
    const other = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
    assert.deepEqual(withDefaultTolerations(pod([other, own])).spec?.tolerations, [other, own, notReady]);
  });

  it('counts a toleration with an empty key or effect as tolerating', () => {
    const everything = pod([{ operator: 'Exists' }]);
    assert.equal(withDefaultTolerations(everything), everything);
    const anyEffect = pod([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }]);
    assert.deepEqual(withDefaultTolerations(anyEffect).spec?.tolerations, [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, unreachable]);
  });

  it('does not count a NoSchedule toleration of the same key', () => {
    const noSchedule = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
    assert.deepEqual(withDefaultTolerations(pod([noSchedule])).spec?.tolerations, [noSchedule, notReady, unreachable]);
  });

  it('uses the configured seconds', () => {
    const admitted = withDefaultTolerations(pod(), { notReadySeconds: 30, unreachableSeconds: 60 });
    assert.deepEqual(
      admitted.spec?.tolerations?.map((t) => t.tolerationSeconds),
      [30, 60],
    );
  });
});
