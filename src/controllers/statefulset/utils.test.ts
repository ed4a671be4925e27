// Pure StatefulSet helpers: identities, storage, revisions of new pods, claim
// ownership under each retention policy, and rolling-update bookkeeping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import {
  applyRevision,
  completeRollingUpdate,
  getPatch,
  identityMatches,
  isClaimOwnerUpToDate,
  maxUnavailableOf,
  newRevision,
  newVersionedStatefulSetPod,
  parentNameAndOrdinal,
  storageMatches,
  updateClaimOwnerRefs,
  type TypedStatefulSet,
} from './utils.js';

checkLeaksAfterAll();

function set(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): TypedStatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', annotations: { note: 'x' } },
    spec: {
      replicas: 3,
      serviceName: 'svc',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      ...spec,
    },
    status: { replicas: 0, ...status },
  } as TypedStatefulSet;
}

describe('identity and storage', () => {
  it('parses <parent>-<ordinal> names', () => {
    assert.deepEqual(parentNameAndOrdinal('web-0'), { parent: 'web', ordinal: 0 });
    assert.deepEqual(parentNameAndOrdinal('my-app-12'), { parent: 'my-app', ordinal: 12 });
    assert.deepEqual(parentNameAndOrdinal('web'), { parent: '', ordinal: -1 });
    assert.deepEqual(parentNameAndOrdinal('web-x'), { parent: '', ordinal: -1 });
    assert.equal(parentNameAndOrdinal('web-99999999999').ordinal, -1);
  });

  it('builds pods with their identity, storage and revision', () => {
    const s = set();
    const pod = newVersionedStatefulSetPod(s, s, 'cur', 'upd', 2);
    assert.equal(pod.metadata?.name, 'web-2');
    assert.equal(pod.metadata?.namespace, 'ns');
    assert.deepEqual(pod.metadata?.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'upd' });
    assert.equal(pod.spec?.hostname, 'web-2');
    assert.equal(pod.spec?.subdomain, 'svc');
    assert.deepEqual(pod.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }]);
    assert.ok(identityMatches(s, pod));
    assert.ok(storageMatches(s, pod));
    const renamed: Pod = { ...pod, spec: { ...pod.spec!, volumes: [] } };
    assert.ok(!storageMatches(s, renamed));
  });

  it('gives ordinals below the partition the current revision', () => {
    const current = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, ordinals: { start: 5 } });
    const update = set({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v2' }] } } });
    const below = newVersionedStatefulSetPod(current, update, 'cur', 'upd', 6);
    const above = newVersionedStatefulSetPod(current, update, 'cur', 'upd', 7);
    assert.equal(below.metadata?.labels?.['controller-revision-hash'], 'cur');
    assert.equal(below.spec?.containers[0]?.image, 'v1');
    assert.equal(above.metadata?.labels?.['controller-revision-hash'], 'upd');
    assert.equal(above.spec?.containers[0]?.image, 'v2');
  });
});

describe('revisions', () => {
  it('stores the template as a replace patch and restores it', () => {
    const s = set();
    const cr = newRevision(s, 1, 0);
    assert.deepEqual(getPatch(s).spec.template.$patch, 'replace');
    assert.equal(cr.metadata?.annotations?.note, 'x');
    const changed = set({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v9' }] } } });
    const restored = applyRevision(changed, cr);
    assert.deepEqual(restored.spec?.template, s.spec?.template);
    assert.equal(changed.spec?.template.spec?.containers[0]?.image, 'v9', 'the input stays untouched');
  });

  it('completes a rolling update once every replica is updated and ready', () => {
    const status = { replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 1, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set(), status);
    assert.equal(status.currentRevision, 'b');
    assert.equal(status.currentReplicas, 3);
    const partial = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'b' };
    completeRollingUpdate(set(), partial);
    assert.equal(partial.currentRevision, 'a');
  });

  it('scales maxUnavailable down from percentages, never below one', () => {
    assert.equal(maxUnavailableOf(set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } }), 5), 2);
    assert.equal(maxUnavailableOf(set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%' } } }), 5), 1);
    assert.equal(maxUnavailableOf(set(), 5), 1);
  });
});

describe('claim retention', () => {
  const pod = (ordinal: number): Pod => ({ metadata: { name: `web-${ordinal}`, namespace: 'ns', uid: `pod-${ordinal}` } });
  const claim = (): PersistentVolumeClaim => ({ metadata: { name: 'data-web-0', namespace: 'ns' } });
  const owners = (c: PersistentVolumeClaim) => (c.metadata?.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`);
  const policy = (whenDeleted: string, whenScaled: string) => set({ persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled } });

  it('owns nothing under Retain/Retain', () => {
    const c = claim();
    assert.ok(isClaimOwnerUpToDate(c, policy('Retain', 'Retain'), pod(0)));
  });

  it('hands the claim to the set under whenDeleted=Delete', () => {
    const s = policy('Delete', 'Retain');
    const c = claim();
    assert.ok(!isClaimOwnerUpToDate(c, s, pod(0)));
    updateClaimOwnerRefs(c, s, pod(0));
    assert.deepEqual(owners(c), ['StatefulSet/web']);
    assert.ok(isClaimOwnerUpToDate(c, s, pod(0)));
  });

  it('hands a scaled-down pod its claim under whenScaled=Delete, and the set the live ones under Delete/Delete', () => {
    const s = policy('Delete', 'Delete');
    const live = claim();
    updateClaimOwnerRefs(live, s, pod(0));
    assert.deepEqual(owners(live), ['StatefulSet/web']);
    const condemned = claim();
    updateClaimOwnerRefs(condemned, s, pod(5));
    assert.deepEqual(owners(condemned), ['Pod/web-5']);
    assert.ok(isClaimOwnerUpToDate(condemned, s, pod(5)));
    // Scaled back up, the pod's claim moves to the set again.
    assert.ok(!isClaimOwnerUpToDate(condemned, set({ replicas: 6, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }), pod(5)));
  });

  it('leaves claims another controller manages alone', () => {
    const c: PersistentVolumeClaim = { metadata: { name: 'data-web-0', ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'o', controller: true }] } };
    const s = policy('Delete', 'Delete');
    assert.ok(isClaimOwnerUpToDate(c, s, pod(0)));
    updateClaimOwnerRefs(c, s, pod(0));
    assert.deepEqual(owners(c), ['Other/o']);
  });
});
