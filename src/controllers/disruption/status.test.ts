import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { countHealthyPods, disruptedPodMap, expectedPodCount, failSafeStatus, nextStatus } from './index.js';

checkLeaksAfterAll();

const NOW = Date.parse('2026-01-01T00:10:00Z');

function pod(name: string, ready: boolean, owner?: string): Pod {
  return {
    metadata: { name, namespace: 'ns', labels: { app: 'a' }, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, controller: true }] } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const pdb = (spec: Partial<NonNullable<PodDisruptionBudget['spec']>>, status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({
  metadata: { name: 'budget', namespace: 'ns', generation: 1 },
  spec: { selector: { matchLabels: { app: 'a' } }, ...spec },
  ...(status ? { status } : {}),
});

const scales: Record<string, number> = { 'uid-rs1': 4, 'uid-rs2': 2 };
const finder = (p: Pod) => {
  const uid = p.metadata?.ownerReferences?.[0]?.uid ?? '';
  return uid in scales ? { uid, scale: scales[uid]! } : undefined;
};

describe('PodDisruptionBudget status', () => {
  it('takes an integer minAvailable as is and counts the selected pods as expected', () => {
    assert.deepEqual(expectedPodCount(pdb({ minAvailable: 2 }), [pod('a', true), pod('b', false)], finder), { expectedCount: 2, desiredHealthy: 2, unmanagedPods: [] });
  });

  it("scales percentages by the pods' controllers, rounding up", () => {
    const pods = [pod('a', true, 'rs1'), pod('b', true, 'rs1'), pod('c', true, 'rs2')];
    assert.deepEqual(expectedPodCount(pdb({ minAvailable: '50%' }), pods, finder), { expectedCount: 6, desiredHealthy: 3, unmanagedPods: [] });
    assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: '10%' }), pods, finder), { expectedCount: 6, desiredHealthy: 5, unmanagedPods: [] });
    assert.deepEqual(expectedPodCount(pdb({ maxUnavailable: 1 }), [...pods, pod('bare', true)], finder), { expectedCount: 6, desiredHealthy: 5, unmanagedPods: ['bare'] });
  });

  it('fails when a pod names a controller that cannot be found', () => {
    const result = expectedPodCount(pdb({ minAvailable: '50%' }), [pod('a', true, 'ghost')], finder);
    assert.ok(result instanceof Error);
    assert.equal(result.message, 'found no controllers for pod "a"');
  });

  it('keeps evictions in flight for two minutes and does not count their pods as healthy', () => {
    const budget = pdb({ minAvailable: 1 }, { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 1, disruptedPods: { a: '2026-01-01T00:09:00Z', b: '2026-01-01T00:07:00Z' } });
    const pods = [pod('a', true), pod('b', true)];
    const map = disruptedPodMap(pods, budget, NOW);
    assert.deepEqual(map.disrupted, { a: '2026-01-01T00:09:00Z' });
    assert.equal(map.recheckAt, Date.parse('2026-01-01T00:11:00Z'));
    assert.deepEqual(map.notDeleted.map((p) => p.metadata?.name), ['b']);
    assert.equal(countHealthyPods(pods, map.disrupted, NOW), 1);
  });

  it('allows the healthy pods beyond the desired ones to be disrupted, with the condition saying so', () => {
    const status = nextStatus(pdb({ minAvailable: 1 }), 3, 1, 3, {}, NOW);
    assert.deepEqual(status, {
      currentHealthy: 3,
      desiredHealthy: 1,
      expectedPods: 3,
      disruptionsAllowed: 2,
      observedGeneration: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:10:00Z' }],
    });
    // Nothing to write when the status already says it.
    assert.equal(nextStatus(pdb({ minAvailable: 1 }, status), 3, 1, 3, {}, NOW + 1000), undefined);
    const closed = nextStatus(pdb({ minAvailable: 1 }, status), 1, 1, 3, {}, NOW + 1000);
    assert.equal(closed?.disruptionsAllowed, 0);
    assert.deepEqual(closed?.conditions?.map((c) => [c.status, c.reason, c.lastTransitionTime]), [['False', 'InsufficientPods', '2026-01-01T00:10:01Z']]);
  });

  it('allows nothing while no pods are expected', () => {
    assert.equal(nextStatus(pdb({ minAvailable: 0 }), 0, 0, 0, {}, NOW)?.disruptionsAllowed, 0);
  });

  it('fails safe with no disruptions allowed and a SyncFailed condition', () => {
    const status = failSafeStatus(pdb({ minAvailable: 1 }, { currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, disruptionsAllowed: 2, observedGeneration: 1 }), 'boom', NOW);
    assert.equal(status.disruptionsAllowed, 0);
    assert.deepEqual(status.conditions?.map((c) => [c.status, c.reason, c.message]), [['False', 'SyncFailed', 'boom']]);
  });
});
