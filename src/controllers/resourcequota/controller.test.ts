import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod, ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { typed, type Typed } from '../common/index.js';
import { newResourceQuotaController } from './index.js';

checkLeaksAfterAll();

type RQ = Typed<ResourceQuota>;
const ns = 'quota';

async function pod(client: ApiClient, name: string, cpu: string | undefined, phase = 'Running'): Promise<void> {
  const resources = cpu ? { requests: { cpu }, limits: { cpu } } : {};
  const created = await client.create<Typed<Pod>>(Resources.pods, ns, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', resources }] } });
  await client.update(Resources.pods, ns, { ...created, status: { ...created.status, phase } }, { subresource: 'status' });
}

async function quota(client: ApiClient, name: string, hard: Record<string, string>, scopes?: string[]): Promise<void> {
  await client.create(Resources.resourcequotas, ns, typed<ResourceQuota>({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard, ...(scopes ? { scopes } : {}) } }));
}

const statusOf = async (client: ApiClient, name: string) => (await client.get<RQ>(Resources.resourcequotas, ns, name)).status;

describe('ResourceQuota controller', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;

  before(async () => {
    cp = await startControlPlane();
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    ({ stop } = await cp.run(newResourceQuotaController));
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('reports hard limits and what the namespace uses of them', async () => {
    await pod(cp.client, 'a', '100m');
    await pod(cp.client, 'b', '250m');
    await pod(cp.client, 'idle', undefined);
    await pod(cp.client, 'done', '1', 'Succeeded');
    await cp.client.create(Resources.services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] } });
    await cp.client.create(Resources.configmaps, ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    const hard = { pods: '10', 'requests.cpu': '2', 'limits.cpu': '4', 'count/pods': '20', services: '5', 'services.nodeports': '3', configmaps: '5', 'count/deployments.apps': '2' };
    await quota(cp.client, 'all', hard);
    await eventually(async () => {
      const status = await statusOf(cp.client, 'all');
      assert.deepEqual(status?.hard, hard);
      assert.deepEqual(status?.used, { configmaps: '1', 'count/deployments.apps': '0', 'count/pods': '4', 'limits.cpu': '350m', pods: '3', 'requests.cpu': '350m', services: '1', 'services.nodeports': '1' });
    });
  });

  it('gives back what deleted and finished pods used', async () => {
    await cp.client.delete(Resources.pods, ns, 'a', { gracePeriodSeconds: 0 });
    await eventually(async () => assert.deepEqual({ ...(await statusOf(cp.client, 'all'))?.used }, { configmaps: '1', 'count/deployments.apps': '0', 'count/pods': '3', 'limits.cpu': '250m', pods: '2', 'requests.cpu': '250m', services: '1', 'services.nodeports': '1' }));
    const b = await cp.client.get<Typed<Pod>>(Resources.pods, ns, 'b');
    await cp.client.update(Resources.pods, ns, { ...b, status: { ...b.status, phase: 'Failed' } }, { subresource: 'status' });
    await eventually(async () => assert.equal((await statusOf(cp.client, 'all'))?.used?.['requests.cpu'], '0'));
  });

  it('counts only the pods in its scope, and follows changes of its limits', async () => {
    await quota(cp.client, 'best-effort', { pods: '3' }, ['BestEffort']);
    await eventually(async () => assert.deepEqual((await statusOf(cp.client, 'best-effort'))?.used, { pods: '1' }));
    await cp.client.patch(Resources.resourcequotas, ns, 'best-effort', 'merge', { spec: { hard: { pods: '4', 'count/pods': '9' } } });
    await eventually(async () => assert.deepEqual(await statusOf(cp.client, 'best-effort'), { hard: { 'count/pods': '9', pods: '4' }, used: { 'count/pods': '1', pods: '1' } }));
  });

  it('agrees with quota admission charging through the API', async () => {
    await quota(cp.client, 'tight', { 'count/configmaps': '2' });
    await eventually(async () => assert.deepEqual((await statusOf(cp.client, 'tight'))?.used, { 'count/configmaps': '1' }));
    const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });
    await cp.client.create(Resources.configmaps, ns, configMap('second'));
    await assert.rejects(cp.client.create(Resources.configmaps, ns, configMap('third')), {
      code: 403,
      message: 'configmaps "third" is forbidden: exceeded quota: tight, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2',
    });
    await cp.client.delete(Resources.configmaps, ns, 'second');
    await eventually(async () => assert.deepEqual((await statusOf(cp.client, 'tight'))?.used, { 'count/configmaps': '1' }));
    assert.deepEqual(cp.errors, []);
  });
});
