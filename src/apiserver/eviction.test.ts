import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources, isConflict, isNotFound, type ApiClient } from '../client/index.js';
import { newDisruptionController } from '../controllers/disruption/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { evictPod, type EvictionDeps } from './eviction.js';
import { StatusError } from './status.js';

checkLeaksAfterAll();

type PDB = PodDisruptionBudget & KubeObject;
type P = Pod & KubeObject;
const ns = 'default';

/** The registry callbacks, here over the in-process client. */
function depsOver(client: ApiClient): EvictionDeps {
  return {
    getPod: (namespace, name) => client.get<P>(Resources.pods, namespace, name),
    async updatePodStatus(namespace, name, mutate) {
      for (;;) {
        const current = await client.get<P>(Resources.pods, namespace, name);
        try {
          return await client.update<P>(Resources.pods, namespace, mutate(current) as P, { subresource: 'status' });
        } catch (err) {
          if (!isConflict(err) || (err as StatusError).message.includes('Precondition')) throw err;
        }
      }
    },
    async deletePod(namespace, name, options) {
      await client.delete(Resources.pods, namespace, name, options);
    },
    listPodDisruptionBudgets: async (namespace) => (await client.list<PDB>(Resources.poddisruptionbudgets, namespace)).items,
    getPodDisruptionBudget: (namespace, name) => client.get<PDB>(Resources.poddisruptionbudgets, namespace, name),
    updatePodDisruptionBudgetStatus: (namespace, pdb) => client.update<PDB>(Resources.poddisruptionbudgets, namespace, pdb as PDB, { subresource: 'status' }),
  };
}

async function pod(client: ApiClient, name: string, app: string, phase: string, ready: boolean): Promise<void> {
  const created = await client.create<P>(Resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] } });
  await client.update(Resources.pods, ns, { ...created, status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
}

async function budget(client: ApiClient, name: string, app: string, spec: Partial<NonNullable<PodDisruptionBudget['spec']>>): Promise<void> {
  await client.create(Resources.poddisruptionbudgets, ns, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { selector: { matchLabels: { app } }, ...spec } });
}

const eviction = (name: string, deleteOptions?: Record<string, unknown>): KubeObject => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...(deleteOptions ? { deleteOptions } : {}) });

/** Gone, or marked for deletion. */
async function evicted(client: ApiClient, name: string): Promise<boolean> {
  try {
    return Boolean((await client.get<P>(Resources.pods, ns, name)).metadata?.deletionTimestamp);
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

async function refusal(promise: Promise<unknown>): Promise<StatusError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail('the eviction was not refused');
}

describe('pods/eviction', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;
  let deps: EvictionDeps;
  const request = () => ({ namespace: ns, dryRun: false, now: new Date() });

  before(async () => {
    cp = await startControlPlane();
    ({ stop } = await cp.run(newDisruptionController));
    deps = depsOver(cp.client);
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('evicts while the budget allows, records the disruption, then refuses with 429', async () => {
    for (const name of ['web-0', 'web-1', 'web-2']) await pod(cp.client, name, 'web', 'Running', true);
    await budget(cp.client, 'web', 'web', { minAvailable: 2 });
    await eventually(async () => assert.equal((await deps.getPodDisruptionBudget(ns, 'web')).status?.disruptionsAllowed, 1));

    const result = await evictPod(deps, eviction('web-0'), request(), 'web-0');
    assert.deepEqual(result, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.ok(await evicted(cp.client, 'web-0'));
    const after = await deps.getPodDisruptionBudget(ns, 'web');
    assert.equal(after.status?.disruptionsAllowed, 0);

    await eventually(async () => assert.equal((await deps.getPodDisruptionBudget(ns, 'web')).status?.currentHealthy, 2));
    const refused = await refusal(evictPod(deps, eviction('web-1'), request(), 'web-1'));
    assert.equal(refused.code, 429);
    assert.equal(refused.status.reason, 'TooManyRequests');
    assert.equal(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(refused.status.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }]);
    assert.equal(await evicted(cp.client, 'web-1'), false);
  });

  it('marks the evicted pod as a disruption target', async () => {
    await pod(cp.client, 'mark-0', 'mark', 'Running', true);
    await evictPod(deps, eviction('mark-0', { gracePeriodSeconds: 30 }), request(), 'mark-0');
    const marked = await cp.client.get<P>(Resources.pods, ns, 'mark-0');
    assert.ok(marked.metadata?.deletionTimestamp);
    const condition = marked.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual({ ...condition, lastTransitionTime: undefined }, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: undefined });
  });

  it('deletes pending pods without asking their budget', async () => {
    await pod(cp.client, 'tight-0', 'tight', 'Running', true);
    await pod(cp.client, 'tight-1', 'tight', 'Pending', false);
    await budget(cp.client, 'tight', 'tight', { minAvailable: 1 });
    await eventually(async () => assert.equal((await deps.getPodDisruptionBudget(ns, 'tight')).status?.expectedPods, 2));
    await evictPod(deps, eviction('tight-1'), request(), 'tight-1');
    assert.ok(await evicted(cp.client, 'tight-1'));
    assert.equal((await refusal(evictPod(deps, eviction('tight-0'), request(), 'tight-0'))).code, 429);
  });

  it('lets an unhealthy pod go when the policy is AlwaysAllow, without spending the budget', async () => {
    await pod(cp.client, 'sick-0', 'sick', 'Running', false);
    await pod(cp.client, 'sick-1', 'sick', 'Running', true);
    await budget(cp.client, 'sick', 'sick', { minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    await eventually(async () => assert.equal((await deps.getPodDisruptionBudget(ns, 'sick')).status?.expectedPods, 2));
    await evictPod(deps, eviction('sick-0'), request(), 'sick-0');
    assert.ok(await evicted(cp.client, 'sick-0'));
    assert.equal((await deps.getPodDisruptionBudget(ns, 'sick')).status?.disruptedPods, undefined);
  });

  it('refuses a pod selected by two budgets with 500', async () => {
    await pod(cp.client, 'twice-0', 'twice', 'Running', true);
    await budget(cp.client, 'twice-a', 'twice', { maxUnavailable: 1 });
    await budget(cp.client, 'twice-b', 'twice', { maxUnavailable: 1 });
    const refused = await refusal(evictPod(deps, eviction('twice-0'), request(), 'twice-0'));
    assert.equal(refused.code, 500);
    assert.equal(refused.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  it('refuses an eviction naming another pod, and changes nothing on a dry run', async () => {
    assert.equal((await refusal(evictPod(deps, eviction('other'), request(), 'web-1'))).code, 400);
    await pod(cp.client, 'dry-0', 'dry', 'Running', true);
    await evictPod(deps, eviction('dry-0', { dryRun: ['All'] }), request(), 'dry-0');
    assert.equal(await evicted(cp.client, 'dry-0'), false);
    assert.equal((await refusal(evictPod(deps, eviction('missing'), request(), 'missing'))).code, 404);
    assert.deepEqual(cp.errors, []);
  });
});
