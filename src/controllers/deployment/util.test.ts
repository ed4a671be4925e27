import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { calculateStatus } from './status.js';
import {
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  deploymentTimedOut,
  equalIgnoreHash,
  findActiveOrLatest,
  lastRevision,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportion,
  resolveFenceposts,
  setNewReplicaSetAnnotations,
} from './util.js';

checkLeaksAfterAll();

function rolling(replicas: number, surge: number | string, unavailable: number | string, extra: Partial<Deployment> = {}): Deployment {
  return {
    metadata: { name: 'd', annotations: {} },
    spec: { replicas, selector: { matchLabels: { app: 'd' } }, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } },
    ...extra,
  };
}

function rs(name: string, replicas: number, opts: { created?: string; maxReplicas?: number; revision?: string; available?: number } = {}): ReplicaSet {
  return {
    metadata: {
      name,
      uid: name,
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      annotations: {
        ...(opts.maxReplicas !== undefined ? { [MAX_REPLICAS_ANNOTATION]: String(opts.maxReplicas) } : {}),
        ...(opts.revision !== undefined ? { [REVISION_ANNOTATION]: opts.revision } : {}),
      },
    },
    spec: { replicas, selector: {} },
    status: { replicas, availableReplicas: opts.available ?? replicas },
  };
}

describe('rolling update fenceposts', () => {
  it('rounds maxSurge up and maxUnavailable down, never both zero', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts(0, '10%', 5), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('0%', 0, 5), { surge: 0, unavailable: 1 });
    assert.throws(() => resolveFenceposts('x', 0, 5), /not a percentage/);
  });

  it('caps maxUnavailable at the desired replicas and is zero for Recreate', () => {
    assert.equal(maxUnavailable(rolling(2, 0, 5)), 2);
    assert.equal(maxUnavailable(rolling(0, 1, 1)), 0);
    assert.equal(maxUnavailable({ spec: { replicas: 3, selector: {}, template: {}, strategy: { type: 'Recreate' } } }), 0);
    assert.equal(maxSurge(rolling(10, '25%', 0)), 3);
  });

  it('grows the new ReplicaSet within maxSurge and never past desired', () => {
    const d = rolling(10, 3, 2);
    assert.equal(newRSNewReplicas(d, [rs('old', 10), rs('new', 0)], rs('new', 0)), 3);
    assert.equal(newRSNewReplicas(d, [rs('old', 8), rs('new', 3)], rs('new', 3)), 5);
    assert.equal(newRSNewReplicas(d, [rs('old', 10), rs('new', 3)], rs('new', 3)), 3);
    assert.equal(newRSNewReplicas(d, [rs('old', 0), rs('new', 9)], rs('new', 9)), 10);
  });
});

describe('proportional scaling', () => {
  it('gives each ReplicaSet its share of a resize, from the size it was last scaled for', () => {
    // 10 -> 20 replicas with maxSurge 3: the allowed total goes from 13 to 23.
    const d = rolling(20, 3, 2);
    const old = rs('old', 8, { maxReplicas: 13 });
    const next = rs('new', 5, { maxReplicas: 13 });
    assert.equal(proportion(old, d, 10, 0), 6);
    assert.equal(proportion(next, d, 10, 6), 4);
    // Never more than what is left to hand out.
    assert.equal(proportion(next, d, 10, 9), 1);
    // Scaling down to zero takes everything.
    assert.equal(proportion(old, rolling(0, 3, 2), -13, 0), -8);
    assert.equal(proportion(rs('empty', 0), d, 10, 0), 0);
  });
});

describe('revisions and annotations', () => {
  it('raises a reused ReplicaSet to the new revision and remembers the old one', () => {
    const d = rolling(3, 1, 0, { metadata: { name: 'd', annotations: { team: 'a', [REVISION_ANNOTATION]: '9' } } });
    const reused = rs('v1', 0, { revision: '1' });
    reused.metadata!.annotations![REVISION_HISTORY_ANNOTATION] = '0';
    assert.equal(setNewReplicaSetAnnotations(d, reused, 3, true, 2000), true);
    assert.equal(reused.metadata!.annotations![REVISION_ANNOTATION], '3');
    assert.equal(reused.metadata!.annotations![REVISION_HISTORY_ANNOTATION], '0,1');
    assert.equal(reused.metadata!.annotations!.team, 'a', "the Deployment's own annotations are copied");
    assert.equal(setNewReplicaSetAnnotations(d, reused, 3, true, 2000), false, 'nothing left to change');

    const fresh = rs('v2', 0);
    setNewReplicaSetAnnotations(d, fresh, 1, false, 2000);
    assert.deepEqual(fresh.metadata!.annotations, {
      team: 'a',
      [REVISION_ANNOTATION]: '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
  });

  it('finds the revision before the latest', () => {
    assert.equal(lastRevision([rs('a', 0, { revision: '1' }), rs('b', 0, { revision: '4' }), rs('c', 0, { revision: '2' })]), 2);
    assert.equal(lastRevision([rs('a', 0, { revision: '1' })]), 0);
  });

  it('compares templates ignoring the pod-template-hash label and empty fields', () => {
    const a = { metadata: { labels: { app: 'x', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'i', env: [] }] } };
    const b = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    assert.equal(equalIgnoreHash(a, b), true);
    assert.equal(equalIgnoreHash(a, { ...b, spec: { containers: [{ name: 'c', image: 'j' }] } }), false);
  });

  it('picks the only active ReplicaSet, or the newest when none is active', () => {
    const older = rs('older', 0, { created: '2026-01-01T00:00:00Z' });
    const newer = rs('newer', 0, { created: '2026-01-02T00:00:00Z' });
    assert.equal(findActiveOrLatest(undefined, [older, newer])?.metadata?.name, 'newer');
    assert.equal(findActiveOrLatest(undefined, [rs('a', 2), newer])?.metadata?.name, 'a');
    assert.equal(findActiveOrLatest(rs('n', 1), [rs('a', 2)]), undefined);
  });
});

describe('conditions', () => {
  it('reports minimum availability against maxUnavailable', () => {
    const d = rolling(4, 1, 1, { metadata: { name: 'd', generation: 2 } });
    const status = calculateStatus([rs('old', 1, { available: 1 }), rs('new', 3, { available: 2 })], rs('new', 3, { available: 2 }), d, Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(status.availableReplicas, 3);
    assert.equal(status.unavailableReplicas, 1);
    assert.equal(status.updatedReplicas, 3);
    assert.equal(status.observedGeneration, 2);
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.']]);
  });

  it('times out strictly after progressDeadlineSeconds without progress', () => {
    const d = rolling(1, 1, 0, { spec: { ...rolling(1, 1, 0).spec!, progressDeadlineSeconds: 60 } });
    const status = { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2026-01-01T00:00:00Z' }] };
    const at = Date.parse('2026-01-01T00:01:00Z');
    assert.equal(deploymentTimedOut(d, status, at), false);
    assert.equal(deploymentTimedOut(d, status, at + 1), true);
    assert.equal(deploymentTimedOut(d, { conditions: [{ ...status.conditions[0]!, reason: 'NewReplicaSetAvailable' }] }, at + 1), false);
  });
});
