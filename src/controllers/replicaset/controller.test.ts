import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, Resources, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { controllerRefOf, rfc3339, typed, type Typed } from '../common/index.js';
import { newReplicaSetController } from './index.js';

checkLeaksAfterAll();

type RS = Typed<ReplicaSet>;
type P = Typed<Pod>;

function replicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): RS {
  return typed<ReplicaSet>({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...extra,
    },
  });
}

async function podsOf(client: ApiClient, ns: string, rs: RS): Promise<P[]> {
  const list = await client.list<P>(Resources.pods, ns);
  return list.items.filter((p) => controllerRefOf(p)?.uid === rs.metadata?.uid && !p.metadata?.deletionTimestamp);
}

/** What a kubelet would report: Running and Ready since `at`. */
async function markReady(client: ApiClient, pod: P, at: number): Promise<void> {
  const fresh = await client.get<P>(Resources.pods, pod.metadata!.namespace!, pod.metadata!.name!);
  await client.update(Resources.pods, fresh.metadata!.namespace!, { ...fresh, status: { ...fresh.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(at) }] } }, { subresource: 'status' });
}

async function setPhase(client: ApiClient, pod: P, phase: string): Promise<void> {
  const fresh = await client.get<P>(Resources.pods, pod.metadata!.namespace!, pod.metadata!.name!);
  await client.update(Resources.pods, fresh.metadata!.namespace!, { ...fresh, status: { ...fresh.status, phase } }, { subresource: 'status' });
}

async function scale(client: ApiClient, ns: string, name: string, replicas: number): Promise<void> {
  await client.patch(Resources.replicasets, ns, name, 'merge', { spec: { replicas } });
}

async function events(client: ApiClient, ns: string, name: string): Promise<Event[]> {
  const list = await client.list<Typed<Event>>(Resources.events, ns);
  return list.items.filter((e) => e.involvedObject.name === name);
}

describe('ReplicaSet controller', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;
  const ns = 'default';

  before(async () => {
    cp = await startControlPlane();
    ({ stop } = await cp.run(newReplicaSetController));
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('creates pods from the template, owned by the ReplicaSet, and reports them', async () => {
    const rs = await cp.client.create<RS>(Resources.replicasets, ns, replicaSet('web', 3));
    const pods = await eventually(async () => {
      const pods = await podsOf(cp.client, ns, rs);
      assert.equal(pods.length, 3);
      return pods;
    });
    for (const pod of pods) {
      assert.match(pod.metadata!.name!, /^web-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata!.labels, { app: 'web' });
      assert.deepEqual(pod.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    }
    await eventually(async () => {
      const cur = await cp.client.get<RS>(Resources.replicasets, ns, 'web');
      assert.deepEqual(cur.status, { replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
    });
    for (const pod of pods) await markReady(cp.client, pod, cp.clock.now());
    await eventually(async () => {
      const cur = await cp.client.get<RS>(Resources.replicasets, ns, 'web');
      assert.equal(cur.status?.readyReplicas, 3);
      assert.equal(cur.status?.availableReplicas, 3);
    });
    await eventually(async () => {
      const created = (await events(cp.client, ns, 'web')).filter((e) => e.reason === 'SuccessfulCreate');
      assert.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata!.name}`).sort());
    });
  });

  it('scales down, deleting the least useful pods first', async () => {
    const rs = await cp.client.create<RS>(Resources.replicasets, ns, replicaSet('down', 3));
    const pods = await eventually(async () => {
      const pods = await podsOf(cp.client, ns, rs);
      assert.equal(pods.length, 3);
      return pods;
    });
    const [ready, running, pending] = pods as [P, P, P];
    await markReady(cp.client, ready, cp.clock.now());
    await setPhase(cp.client, running, 'Running');
    await eventually(async () => assert.equal((await cp.client.get<RS>(Resources.replicasets, ns, 'down')).status?.readyReplicas, 1));
    await scale(cp.client, ns, 'down', 2);
    await eventually(async () => assert.deepEqual((await podsOf(cp.client, ns, rs)).map((p) => p.metadata!.name).sort(), [ready.metadata!.name, running.metadata!.name].sort()));
    await scale(cp.client, ns, 'down', 1);
    await eventually(async () => assert.deepEqual((await podsOf(cp.client, ns, rs)).map((p) => p.metadata!.name), [ready.metadata!.name]));
    await eventually(async () => {
      const cur = await cp.client.get<RS>(Resources.replicasets, ns, 'down');
      assert.equal(cur.status?.replicas, 1);
      assert.equal(cur.status?.observedGeneration, 3);
      const deleted = (await events(cp.client, ns, 'down')).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message).sort();
      assert.deepEqual(deleted, [`Deleted pod: ${pending.metadata!.name}`, `Deleted pod: ${running.metadata!.name}`].sort());
    });
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    const orphan = await cp.client.create<P>(Resources.pods, ns, typed<Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
    const rs = await cp.client.create<RS>(Resources.replicasets, ns, replicaSet('adopt', 2));
    const pods = await eventually(async () => {
      const pods = await podsOf(cp.client, ns, rs);
      assert.equal(pods.length, 2);
      return pods;
    });
    assert.ok(pods.some((p) => p.metadata!.uid === orphan.metadata!.uid), 'the orphan was adopted');
    const adopted = await cp.client.get<P>(Resources.pods, ns, 'stray');
    assert.deepEqual(controllerRefOf(adopted), { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopt', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true });

    // A pod relabelled out of the selector is released and replaced.
    await cp.client.patch(Resources.pods, ns, 'stray', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    await eventually(async () => {
      const released = await cp.client.get<P>(Resources.pods, ns, 'stray');
      assert.equal(released.metadata!.ownerReferences?.length ?? 0, 0);
      const owned = await podsOf(cp.client, ns, rs);
      assert.equal(owned.length, 2);
      assert.ok(owned.every((p) => p.metadata!.name !== 'stray'));
    });
  });

  it('replaces terminal pods and does not count them', async () => {
    const rs = await cp.client.create<RS>(Resources.replicasets, ns, replicaSet('terminal', 2));
    const pods = await eventually(async () => {
      const pods = await podsOf(cp.client, ns, rs);
      assert.equal(pods.length, 2);
      return pods;
    });
    await setPhase(cp.client, pods[0]!, 'Failed');
    await eventually(async () => {
      const all = await podsOf(cp.client, ns, rs);
      assert.equal(all.length, 3);
      assert.equal(all.filter((p) => p.status?.phase !== 'Failed').length, 2);
      assert.equal((await cp.client.get<RS>(Resources.replicasets, ns, 'terminal')).status?.replicas, 2);
    });
  });
});

describe('ReplicaSet controller on a fake clock', () => {
  it('counts a pod available only minReadySeconds after it became ready', async () => {
    const clock = new FakeClock();
    const cp = await startControlPlane({ clock });
    const { stop } = await cp.run(newReplicaSetController);
    try {
      const rs = await cp.client.create<RS>(Resources.replicasets, 'default', replicaSet('slow', 2, { minReadySeconds: 10 }));
      const pods = await eventually(async () => {
        const pods = await podsOf(cp.client, 'default', rs);
        assert.equal(pods.length, 2);
        return pods;
      });
      for (const pod of pods) await markReady(cp.client, pod, clock.now());
      await eventually(async () => {
        const cur = await cp.client.get<RS>(Resources.replicasets, 'default', 'slow');
        assert.equal(cur.status?.readyReplicas, 2);
        assert.equal(cur.status?.availableReplicas ?? 0, 0);
      });
      clock.advance(5_000);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal((await cp.client.get<RS>(Resources.replicasets, 'default', 'slow')).status?.availableReplicas ?? 0, 0);
      // The controller re-checks on its own once minReadySeconds have passed.
      clock.advance(15_000);
      await eventually(async () => assert.equal((await cp.client.get<RS>(Resources.replicasets, 'default', 'slow')).status?.availableReplicas, 2));
    } finally {
      await stop();
      await cp.close();
    }
  });
});
