import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { FakeClock, Resources, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { rfc3339, typed, type Typed } from '../common/index.js';
import { newDisruptionController } from './index.js';

checkLeaksAfterAll();

type PDB = Typed<PodDisruptionBudget>;
const ns = 'default';

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

async function ownedPod(client: ApiClient, name: string, app: string, owner: Typed<ReplicaSet> | undefined, ready: boolean): Promise<void> {
  const created = await client.create<Typed<Pod>>(Resources.pods, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app }, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true }] } : {}) },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
  });
  await client.update(Resources.pods, ns, { ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

async function replicaSet(client: ApiClient, name: string, replicas: number, owner?: Typed<Deployment>): Promise<Typed<ReplicaSet>> {
  return client.create<Typed<ReplicaSet>>(
    Resources.replicasets,
    ns,
    typed<ReplicaSet>({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true }] } : {}) },
      spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name) },
    }),
  );
}

async function budget(client: ApiClient, name: string, app: string, spec: Partial<NonNullable<PodDisruptionBudget['spec']>>): Promise<void> {
  await client.create(Resources.poddisruptionbudgets, ns, typed<PodDisruptionBudget>({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { selector: { matchLabels: { app } }, ...spec } }));
}

const statusOf = async (client: ApiClient, name: string) => (await client.get<PDB>(Resources.poddisruptionbudgets, ns, name)).status;

describe('Disruption controller', () => {
  const clock = new FakeClock();
  let cp: TestControlPlane;
  let stop: () => Promise<void>;

  before(async () => {
    cp = await startControlPlane({ clock });
    ({ stop } = await cp.run(newDisruptionController));
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('reports healthy, desired and expected pods of a percentage budget, scaled by the ReplicaSet', async () => {
    const rs = await replicaSet(cp.client, 'web', 4);
    for (let i = 0; i < 4; i++) await ownedPod(cp.client, `web-${i}`, 'web', rs, i < 3);
    await budget(cp.client, 'web', 'web', { minAvailable: '50%' });
    await eventually(async () => {
      const status = await statusOf(cp.client, 'web');
      assert.deepEqual(
        { ...status, conditions: undefined },
        { currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, disruptionsAllowed: 1, observedGeneration: 1, conditions: undefined },
      );
      assert.deepEqual(status?.conditions, [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: rfc3339(clock.now()) }]);
    });
  });

  it("uses a Deployment's replicas for pods of its ReplicaSets and follows readiness", async () => {
    const deployment = await cp.client.create<Typed<Deployment>>(
      Resources.deployments,
      ns,
      typed<Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 3, selector: { matchLabels: { app: 'api' } }, template: template('api') } }),
    );
    const rs = await replicaSet(cp.client, 'api', 2, deployment);
    for (let i = 0; i < 2; i++) await ownedPod(cp.client, `api-${i}`, 'api', rs, true);
    await budget(cp.client, 'api', 'api', { maxUnavailable: 1 });
    await eventually(async () => assert.deepEqual({ ...(await statusOf(cp.client, 'api')), conditions: undefined }, { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0, observedGeneration: 1, conditions: undefined }));
    assert.equal((await statusOf(cp.client, 'api'))?.conditions?.[0]?.reason, 'InsufficientPods');
    await ownedPod(cp.client, 'api-2', 'api', rs, true);
    await eventually(async () => assert.equal((await statusOf(cp.client, 'api'))?.disruptionsAllowed, 1));
  });

  it('holds an approved eviction against the budget for two minutes, then drops it', async () => {
    await budget(cp.client, 'solo', 'solo', { minAvailable: 1 });
    await ownedPod(cp.client, 'solo-0', 'solo', undefined, true);
    await ownedPod(cp.client, 'solo-1', 'solo', undefined, true);
    await eventually(async () => assert.equal((await statusOf(cp.client, 'solo'))?.disruptionsAllowed, 1));
    // What the eviction API records when it approves evicting solo-0.
    const approved = rfc3339(clock.now());
    const current = await cp.client.get<PDB>(Resources.poddisruptionbudgets, ns, 'solo');
    await cp.client.update(Resources.poddisruptionbudgets, ns, { ...current, status: { ...current.status, disruptionsAllowed: 0, disruptedPods: { 'solo-0': approved } } }, { subresource: 'status' });
    await eventually(async () => {
      const status = await statusOf(cp.client, 'solo');
      assert.deepEqual(status?.disruptedPods, { 'solo-0': approved });
      assert.equal(status?.currentHealthy, 1);
      assert.equal(status?.disruptionsAllowed, 0);
    });
    // The pod was never deleted: after the timeout it counts again.
    clock.advance(2 * 60 * 1000 + 1000);
    await eventually(async () => {
      const status = await statusOf(cp.client, 'solo');
      assert.equal(status?.disruptedPods, undefined);
      assert.equal(status?.currentHealthy, 2);
      assert.equal(status?.disruptionsAllowed, 1);
    });
  });

  it('resets a DisruptionTarget condition whose pod was never deleted', async () => {
    const created = await cp.client.create<Typed<Pod>>(Resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'spared' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(clock.now()) };
    await cp.client.update(Resources.pods, ns, { ...created, status: { phase: 'Running', conditions: [condition] } }, { subresource: 'status' });
    const disruption = async () => (await cp.client.get<Typed<Pod>>(Resources.pods, ns, 'spared')).status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    clock.advance(60_000);
    assert.equal((await disruption())?.status, 'True');
    clock.advance(61_000);
    await eventually(async () => assert.deepEqual(await disruption(), { type: 'DisruptionTarget', status: 'False', lastTransitionTime: rfc3339(clock.now()) }));
    assert.deepEqual(cp.errors, []);
  });
});
