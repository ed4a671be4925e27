// The StatefulSet controller against the in-process control plane. There is no
// kubelet: tests mark pods Running and Ready through pod status updates, by hand or
// with a small stand-in that readies every pod it sees.

import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Event, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, Resources, isNotFound, type ApiClient, type WatchHandle } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import type { KubeObject } from '../../api/types.js';
import { newStatefulSetController } from './index.js';

checkLeaksAfterAll();

/** Each test works in a namespace of its own, so nothing needs cleaning up between them. */
let NS = 'default';
let namespaces = 0;
type Obj<T> = T & KubeObject;

function statefulSet(name: string, replicas: number, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      ...spec,
    },
  };
}

async function podNames(client: ApiClient): Promise<string[]> {
  const list = await client.list<Obj<Pod>>(Resources.pods, NS);
  return list.items.map((p) => p.metadata?.name ?? '').sort();
}

async function getSet(client: ApiClient, name: string): Promise<Obj<StatefulSet>> {
  return client.get<Obj<StatefulSet>>(Resources.statefulsets, NS, name);
}

/** What a kubelet would report for a started pod: Running, Ready since now. */
async function markReady(client: ApiClient, name: string, nowMs = Date.now()): Promise<void> {
  const pod = structuredClone(await client.get<Obj<Pod>>(Resources.pods, NS, name));
  const now = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  (pod as KubeObject).status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] };
  await client.update(Resources.pods, NS, pod, { subresource: 'status' });
}

async function setPhase(client: ApiClient, name: string, phase: string): Promise<void> {
  const pod = structuredClone(await client.get<Obj<Pod>>(Resources.pods, NS, name));
  (pod as KubeObject).status = { ...pod.status, phase, conditions: [] };
  await client.update(Resources.pods, NS, pod, { subresource: 'status' });
}

/** A stand-in kubelet: every pod that shows up (and is not terminating) is marked Running and Ready. */
async function readyEveryPod(client: ApiClient): Promise<WatchHandle> {
  return client.watch<Obj<Pod>>(Resources.pods, NS, {}, (event) => {
    const pod = event.object;
    if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Running') return;
    markReady(client, pod.metadata?.name ?? '').catch((err: unknown) => {
      if (!isNotFound(err) && !(err instanceof Error && /conflict|modified/i.test(err.message))) throw err;
    });
  });
}

async function events(client: ApiClient, involved: string): Promise<string[]> {
  const list = await client.list<Obj<Event>>(Resources.events, NS);
  return list.items.filter((e) => e.involvedObject.name === involved).map((e) => `${e.reason}: ${e.message}`);
}

async function revisions(client: ApiClient): Promise<Array<Obj<ControllerRevision>>> {
  const list = await client.list<Obj<ControllerRevision>>(Resources.controllerrevisions, NS);
  return list.items.sort((a, b) => a.revision - b.revision);
}

async function setImage(client: ApiClient, name: string, image: string): Promise<void> {
  await client.patch(Resources.statefulsets, NS, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
}

async function rolledOut(client: ApiClient, name: string, replicas: number): Promise<Obj<StatefulSet>> {
  const set = await getSet(client, name);
  assert.equal(set.status?.observedGeneration, set.metadata?.generation);
  assert.equal(set.status?.readyReplicas, replicas);
  assert.equal(set.status?.updatedReplicas, replicas);
  assert.equal(set.status?.currentRevision, set.status?.updateRevision);
  return set;
}

describe('StatefulSet controller', () => {
  let cp: TestControlPlane;
  let controllers: { stop(): Promise<void> };
  let kubelet: WatchHandle | undefined;

  before(async () => {
    cp = await startControlPlane();
  });
  after(async () => cp?.close());
  beforeEach(async () => {
    NS = `sts-${++namespaces}`;
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    controllers = await cp.run(newStatefulSetController);
  });
  afterEach(async () => {
    kubelet?.close();
    kubelet = undefined;
    await controllers.stop();
  });

  it('OrderedReady creates web-0, and web-1 only once web-0 is Running and Ready', async () => {
    await cp.client.create(Resources.statefulsets, NS, statefulSet('web', 3));
    await eventually(async () => assert.equal((await getSet(cp.client, 'web')).status?.replicas, 1));
    assert.deepEqual(await podNames(cp.client), ['web-0']);

    const pod = await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'web-0');
    const set = await getSet(cp.client, 'web');
    assert.equal(pod.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(pod.metadata?.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.equal(pod.metadata?.labels?.['controller-revision-hash'], set.status?.updateRevision);
    assert.equal(pod.spec?.hostname, 'web-0');
    assert.equal(pod.spec?.subdomain, 'web');
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata?.uid, controller: true, blockOwnerDeletion: true }]);

    await markReady(cp.client, 'web-0');
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['web-0', 'web-1']));
    await eventually(async () => assert.equal((await getSet(cp.client, 'web')).status?.readyReplicas, 1));
    assert.deepEqual(await podNames(cp.client), ['web-0', 'web-1']);

    await markReady(cp.client, 'web-1');
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['web-0', 'web-1', 'web-2']));
    await markReady(cp.client, 'web-2');
    await eventually(async () => {
      const status = (await getSet(cp.client, 'web')).status;
      assert.equal(status?.readyReplicas, 3);
      assert.equal(status?.availableReplicas, 3);
      assert.equal(status?.currentReplicas, 3);
    });
    await eventually(async () => assert.ok((await events(cp.client, 'web')).includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful')));
  });

  it('Parallel creates every pod at once and scale-down removes the highest ordinals', async () => {
    await cp.client.create(Resources.statefulsets, NS, statefulSet('par', 3, { podManagementPolicy: 'Parallel' }));
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['par-0', 'par-1', 'par-2']));
    await cp.client.patch(Resources.statefulsets, NS, 'par', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['par-0']));
  });

  it('OrderedReady scales down one pod at a time, highest ordinal first', async () => {
    kubelet = await readyEveryPod(cp.client);
    await cp.client.create(Resources.statefulsets, NS, statefulSet('web', 3));
    await eventually(async () => assert.equal((await getSet(cp.client, 'web')).status?.readyReplicas, 3), { timeoutMs: 10_000 });

    const deleted: string[] = [];
    const watch = await cp.client.watch(Resources.pods, NS, { resourceVersion: (await cp.client.list(Resources.pods, NS)).metadata.resourceVersion }, (event) => {
      if (event.type === 'DELETED') deleted.push(event.object.metadata?.name ?? '');
    });
    try {
      await cp.client.patch(Resources.statefulsets, NS, 'web', 'merge', { spec: { replicas: 1 } });
      await eventually(async () => assert.deepEqual(await podNames(cp.client), ['web-0']));
      await eventually(() => assert.deepEqual(deleted, ['web-2', 'web-1']));
    } finally {
      watch.close();
    }
    await eventually(async () => {
      const seen = await events(cp.client, 'web');
      assert.ok(seen.includes('SuccessfulDelete: delete Pod web-2 in StatefulSet web successful'));
      assert.ok(seen.includes('SuccessfulDelete: delete Pod web-1 in StatefulSet web successful'));
    });
  });

  it('creates claims from volumeClaimTemplates before the pods that mount them', async () => {
    kubelet = await readyEveryPod(cp.client);
    const claimTemplate = { metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    await cp.client.create(
      Resources.statefulsets,
      NS,
      statefulSet('db', 2, { volumeClaimTemplates: [claimTemplate], persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }),
    );
    await eventually(async () => assert.equal((await getSet(cp.client, 'db')).status?.readyReplicas, 2), { timeoutMs: 10_000 });
    const set = await getSet(cp.client, 'db');
    for (const ordinal of [0, 1]) {
      const pod = await cp.client.get<Obj<Pod>>(Resources.pods, NS, `db-${ordinal}`);
      assert.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'www')?.persistentVolumeClaim, { claimName: `www-db-${ordinal}` });
      const claim = await cp.client.get<Obj<PersistentVolumeClaim>>(Resources.persistentvolumeclaims, NS, `www-db-${ordinal}`);
      assert.equal(claim.metadata?.labels?.app, 'db');
      assert.equal(claim.spec?.resources?.requests?.storage, '1Gi');
      // whenDeleted=Delete: the set owns the claims of its live pods.
      await eventually(async () => {
        const fresh = await cp.client.get<Obj<PersistentVolumeClaim>>(Resources.persistentvolumeclaims, NS, `www-db-${ordinal}`);
        assert.deepEqual(fresh.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}/${r.uid === set.metadata?.uid}`), ['StatefulSet/db/true']);
      });
    }
    await eventually(async () => assert.ok((await events(cp.client, 'db')).includes('SuccessfulCreate: create Claim www-db-0 Pod db-0 in StatefulSet db success')));

    // whenScaled=Delete: scaling down hands the claim to its pod, and the garbage collector removes both.
    await cp.client.patch(Resources.statefulsets, NS, 'db', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => {
      const claims = (await cp.client.list(Resources.persistentvolumeclaims, NS)).items.map((c) => c.metadata?.name);
      assert.deepEqual(claims, ['www-db-0']);
    }, { timeoutMs: 10_000 });
  });

  it('rolls pods at or above the partition onto the new revision, highest ordinal first', async () => {
    kubelet = await readyEveryPod(cp.client);
    await cp.client.create(Resources.statefulsets, NS, statefulSet('web', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    await eventually(async () => assert.equal((await getSet(cp.client, 'web')).status?.readyReplicas, 3), { timeoutMs: 10_000 });
    const before = (await getSet(cp.client, 'web')).status!;

    await setImage(cp.client, 'web', 'nginx:2');
    await eventually(async () => {
      const status = (await getSet(cp.client, 'web')).status!;
      assert.notEqual(status.updateRevision, before.updateRevision);
      assert.equal(status.currentRevision, before.currentRevision);
      assert.equal(status.updatedReplicas, 2);
      assert.equal(status.currentReplicas, 1);
      assert.equal(status.readyReplicas, 3);
    }, { timeoutMs: 10_000 });
    const images = async () => {
      const list = await cp.client.list<Obj<Pod>>(Resources.pods, NS);
      return Object.fromEntries(list.items.map((p) => [p.metadata?.name, p.spec?.containers[0]?.image]));
    };
    assert.deepEqual(await images(), { 'web-0': 'nginx:1', 'web-1': 'nginx:2', 'web-2': 'nginx:2' });

    await cp.client.patch(Resources.statefulsets, NS, 'web', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    const done = await eventually(() => rolledOut(cp.client, 'web', 3), { timeoutMs: 10_000 });
    assert.equal(done.status?.currentReplicas, 3);
    assert.deepEqual(await images(), { 'web-0': 'nginx:2', 'web-1': 'nginx:2', 'web-2': 'nginx:2' });
  });

  it('OnDelete moves a pod to the new revision only when it is deleted', async () => {
    kubelet = await readyEveryPod(cp.client);
    await cp.client.create(Resources.statefulsets, NS, statefulSet('od', 2, { updateStrategy: { type: 'OnDelete' } }));
    await eventually(async () => assert.equal((await getSet(cp.client, 'od')).status?.readyReplicas, 2), { timeoutMs: 10_000 });
    await setImage(cp.client, 'od', 'nginx:2');
    await eventually(async () => assert.equal((await getSet(cp.client, 'od')).status?.observedGeneration, 2));
    assert.equal((await getSet(cp.client, 'od')).status?.updatedReplicas, 0);
    await cp.client.delete(Resources.pods, NS, 'od-1');
    await eventually(async () => {
      const pod = await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'od-1');
      assert.equal(pod.spec?.containers[0]?.image, 'nginx:2');
      assert.equal((await getSet(cp.client, 'od')).status?.updatedReplicas, 1);
    });
    assert.equal((await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'od-0')).spec?.containers[0]?.image, 'nginx:1');
  });

  it('recreates a failed pod', async () => {
    await cp.client.create(Resources.statefulsets, NS, statefulSet('fail', 1));
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['fail-0']));
    const first = await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'fail-0');
    await setPhase(cp.client, 'fail-0', 'Failed');
    await eventually(async () => {
      const pod = await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'fail-0');
      assert.notEqual(pod.metadata?.uid, first.metadata?.uid);
      assert.equal(pod.status?.phase, 'Pending');
    });
  });

  it('writes ControllerRevisions, numbers them, reuses one on rollback and truncates history', async () => {
    kubelet = await readyEveryPod(cp.client);
    await cp.client.create(Resources.statefulsets, NS, statefulSet('hist', 1, { revisionHistoryLimit: 2 }));
    await eventually(() => rolledOut(cp.client, 'hist', 1), { timeoutMs: 10_000 });
    const [first] = await revisions(cp.client);
    assert.equal(first?.revision, 1);
    assert.match(first?.metadata?.name ?? '', /^hist-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(first?.metadata?.labels?.['controller.kubernetes.io/hash'], first?.metadata?.name?.slice('hist-'.length));
    assert.equal(first?.metadata?.labels?.app, 'hist');
    assert.equal((first?.data as { spec: { template: { $patch: string } } }).spec.template.$patch, 'replace');
    assert.equal(first?.metadata?.ownerReferences?.[0]?.name, 'hist');

    for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await setImage(cp.client, 'hist', image);
      await eventually(async () => {
        const set = await rolledOut(cp.client, 'hist', 1);
        assert.equal(set.status?.updateRevision, (await revisions(cp.client)).at(-1)?.metadata?.name);
      }, { timeoutMs: 10_000 });
    }
    // Four revisions made; the live one plus two of history remain.
    await eventually(async () => assert.deepEqual((await revisions(cp.client)).map((r) => r.revision), [2, 3, 4]));

    // Back to nginx:3: its revision is renumbered rather than a new one written.
    const three = (await revisions(cp.client)).find((r) => r.revision === 3)!;
    await setImage(cp.client, 'hist', 'nginx:3');
    await eventually(async () => {
      const set = await rolledOut(cp.client, 'hist', 1);
      assert.equal(set.status?.updateRevision, three.metadata?.name);
      assert.deepEqual((await revisions(cp.client)).map((r) => [r.revision, r.metadata?.name === three.metadata?.name]), [[2, false], [4, false], [5, true]]);
    }, { timeoutMs: 10_000 });
  });

  it('numbers pods from spec.ordinals.start', async () => {
    await cp.client.create(Resources.statefulsets, NS, statefulSet('ord', 2, { podManagementPolicy: 'Parallel', ordinals: { start: 3 } }));
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['ord-3', 'ord-4']));
    assert.equal((await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'ord-3')).metadata?.labels?.['apps.kubernetes.io/pod-index'], '3');
  });

  it('replaces up to maxUnavailable pods at once', async () => {
    await cp.client.create(Resources.statefulsets, NS, statefulSet('mu', 3, { podManagementPolicy: 'Parallel', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }));
    await eventually(async () => assert.deepEqual(await podNames(cp.client), ['mu-0', 'mu-1', 'mu-2']));
    for (const name of ['mu-0', 'mu-1', 'mu-2']) await markReady(cp.client, name);
    await eventually(async () => assert.equal((await getSet(cp.client, 'mu')).status?.readyReplicas, 3));

    await setImage(cp.client, 'mu', 'nginx:2');
    await eventually(async () => {
      const list = await cp.client.list<Obj<Pod>>(Resources.pods, NS);
      const images = Object.fromEntries(list.items.map((p) => [p.metadata?.name, `${p.spec?.containers[0]?.image} ${p.status?.phase}`]));
      assert.deepEqual(images, { 'mu-0': 'nginx:1 Running', 'mu-1': 'nginx:2 Pending', 'mu-2': 'nginx:2 Pending' });
    });
    await markReady(cp.client, 'mu-1');
    await markReady(cp.client, 'mu-2');
    await eventually(async () => assert.equal((await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'mu-0')).spec?.containers[0]?.image, 'nginx:2'));
  });

  it('adopts a matching orphan pod and gives it the identity of its ordinal', async () => {
    await cp.client.create(Resources.pods, NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } });
    await markReady(cp.client, 'web-0');
    const orphan = await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'web-0');
    await cp.client.create(Resources.statefulsets, NS, statefulSet('web', 1, { updateStrategy: { type: 'OnDelete' } }));
    const set = await getSet(cp.client, 'web');
    await eventually(async () => {
      const pod = await cp.client.get<Obj<Pod>>(Resources.pods, NS, 'web-0');
      assert.equal(pod.metadata?.uid, orphan.metadata?.uid);
      assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, set.metadata?.uid);
      assert.equal(pod.metadata?.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
      assert.equal(pod.metadata?.labels?.['apps.kubernetes.io/pod-index'], '0');
    });
  });
});

describe('StatefulSet controller on a fake clock', () => {
  it('OrderedReady waits until web-0 has been ready for minReadySeconds before creating web-1', async () => {
    const clock = new FakeClock();
    const cp = await startControlPlane({ clock });
    try {
      NS = 'default';
      await cp.run(newStatefulSetController);
      await cp.client.create(Resources.statefulsets, NS, statefulSet('web', 2, { minReadySeconds: 10 }));
      await eventually(async () => assert.deepEqual(await podNames(cp.client), ['web-0']));
      await markReady(cp.client, 'web-0', clock.now());
      await eventually(async () => {
        const status = (await getSet(cp.client, 'web')).status;
        assert.equal(status?.readyReplicas, 1);
        assert.equal(status?.availableReplicas, 0);
      });
      assert.deepEqual(await podNames(cp.client), ['web-0']);
      clock.advance(11_000);
      await eventually(async () => assert.deepEqual(await podNames(cp.client), ['web-0', 'web-1']));
      await eventually(async () => assert.equal((await getSet(cp.client, 'web')).status?.availableReplicas, 1));
    } finally {
      await cp.close();
    }
  });
});
