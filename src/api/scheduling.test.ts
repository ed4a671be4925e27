import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../testing/index.js';
import { matchingTolerations, minTolerationMs, toleratesTaint } from './scheduling.js';

checkLeaksAfterAll();

const taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };

describe('tolerations', () => {
  it('match taints by key, value and effect as core/v1 does', () => {
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint), true, 'empty operator is Equal, empty effect any');
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, taint), false);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true, 'empty key with Exists tolerates everything');
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, taint), false);
    assert.equal(toleratesTaint({ key: 'other', operator: 'Exists' }, taint), false);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Gt', value: 'gpu' }, taint), false);
  });

  it('report whether all taints are tolerated and by which tolerations', () => {
    const second = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
    const a = { key: 'dedicated', operator: 'Exists', tolerationSeconds: 60 };
    const b = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 };
    assert.deepEqual(matchingTolerations([taint, second], [b, a]), { allTolerated: true, used: [a, b] });
    assert.deepEqual(matchingTolerations([taint, second], [a]), { allTolerated: false, used: [] });
    assert.deepEqual(matchingTolerations([], []), { allTolerated: true, used: [] });
  });

  it('take the shortest tolerationSeconds; none means forever, zero or less means now', () => {
    assert.equal(minTolerationMs([{ tolerationSeconds: 300 }, { tolerationSeconds: 60 }, {}]), 60_000);
    assert.equal(minTolerationMs([{}, { operator: 'Exists' }]), -1);
    assert.equal(minTolerationMs([{ tolerationSeconds: -5 }, { tolerationSeconds: 60 }]), 0);
    assert.equal(minTolerationMs([]), 0);
  });
});
