import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { StatusError } from '../status.js';
import { admitPodPriority, validatePriorityClass } from './priority.js';

checkLeaksAfterAll();

function pc(name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass {
  return { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra };
}

function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, name = 'web'): Pod {
  return { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

function admitted(result: Pod | StatusError): Pod {
  if (result instanceof StatusError) throw result;
  return result;
}

describe('Priority admission', () => {
  const classes = [pc('high', 1000, { preemptionPolicy: 'Never' }), pc('low', 10)];

  it('resolves spec.priority and preemptionPolicy from the named class', () => {
    const out = admitted(admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'high' }) }, classes));
    assert.equal(out.spec?.priority, 1000);
    assert.equal(out.spec?.preemptionPolicy, 'Never');
    const low = admitted(admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'low' }) }, classes));
    assert.deepEqual([low.spec?.priority, low.spec?.preemptionPolicy], [10, 'PreemptLowerPriority']);
  });

  it('gives pods without a class priority 0, or the globalDefault class', () => {
    const none = admitted(admitPodPriority({ operation: 'CREATE', pod: pod() }, classes));
    assert.deepEqual([none.spec?.priority, none.spec?.priorityClassName, none.spec?.preemptionPolicy], [0, undefined, 'PreemptLowerPriority']);
    const withDefault = [...classes, pc('default-a', 50, { globalDefault: true }), pc('default-b', 40, { globalDefault: true })];
    const out = admitted(admitPodPriority({ operation: 'CREATE', pod: pod() }, withDefault));
    assert.deepEqual([out.spec?.priority, out.spec?.priorityClassName], [40, 'default-b'], 'the lowest of racing defaults');
  });

  it('knows the system-critical classes', () => {
    assert.equal(admitted(admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'system-node-critical' }) }, [])).spec?.priority, 2000001000);
    assert.equal(admitted(admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'system-cluster-critical' }) }, [])).spec?.priority, 2000000000);
  });

  it('forbids unknown classes and priorities that disagree with the class', () => {
    const missing = admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'nope' }) }, classes);
    assert.ok(missing instanceof StatusError);
    assert.equal(missing.code, 403);
    assert.equal(missing.reason, 'Forbidden');
    assert.equal(missing.message, 'pods "web" is forbidden: no PriorityClass with name nope was found');
    const generated = admitPodPriority({ operation: 'CREATE', pod: { ...pod({ priorityClassName: 'nope' }), metadata: { generateName: 'web-' } } }, classes);
    assert.equal((generated as StatusError).message, 'pods "web-" is forbidden: no PriorityClass with name nope was found');
    const wrong = admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'low', priority: 5 }) }, classes);
    assert.equal(
      (wrong as StatusError).message,
      'pods "web" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 10 from the given PriorityClass name',
    );
    assert.equal(admitted(admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'low', priority: 10 }) }, classes)).spec?.priority, 10);
    const policy = admitPodPriority({ operation: 'CREATE', pod: pod({ priorityClassName: 'high', preemptionPolicy: 'PreemptLowerPriority' }) }, classes);
    assert.equal(
      (policy as StatusError).message,
      'pods "web" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
    );
  });

  it('keeps the priority on updates that leave it out, and ignores subresources', () => {
    const old = pod({ priorityClassName: 'low', priority: 10, preemptionPolicy: 'PreemptLowerPriority' });
    const out = admitted(admitPodPriority({ operation: 'UPDATE', pod: pod({ priorityClassName: 'low' }), oldPod: old }, classes));
    assert.deepEqual([out.spec?.priority, out.spec?.preemptionPolicy], [10, 'PreemptLowerPriority']);
    const status = pod({ priorityClassName: 'nope' });
    assert.equal(admitPodPriority({ operation: 'CREATE', subresource: 'status', pod: status }, classes), status);
  });

  it('does not change its argument', () => {
    const input = pod({ priorityClassName: 'low' });
    const copy = structuredClone(input);
    admitPodPriority({ operation: 'CREATE', pod: input }, classes);
    assert.deepEqual(input, copy);
  });
});

describe('PriorityClass validation', () => {
  it('allows only one globalDefault', () => {
    const existing = [pc('default', 5, { globalDefault: true }), pc('other', 1)];
    const second = validatePriorityClass('CREATE', pc('another', 7, { globalDefault: true }), existing);
    assert.equal(second?.message, 'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass default is already marked as default. Only one default can exist');
    assert.equal(validatePriorityClass('UPDATE', pc('default', 6, { globalDefault: true }), existing), undefined);
    assert.ok(validatePriorityClass('UPDATE', pc('other', 1, { globalDefault: true }), existing));
    assert.equal(validatePriorityClass('CREATE', pc('plain', 3), existing), undefined);
  });
});
