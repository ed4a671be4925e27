import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { Resources, isNotFound, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { typed, type Typed } from '../common/index.js';
import { newEndpointSliceController, type Slice } from './index.js';

checkLeaksAfterAll();

type P = Typed<Pod>;
const ns = 'default';

async function readyPod(client: ApiClient, name: string, app: string, ip: string): Promise<P> {
  const created = await client.create<P>(Resources.pods, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
  });
  const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] };
  return client.update<P>(Resources.pods, ns, { ...created, status }, { subresource: 'status' });
}

async function slicesOf(client: ApiClient, service: string): Promise<Slice[]> {
  const list = await client.list<Slice>(Resources.endpointslices, ns, { labelSelector: `kubernetes.io/service-name=${service}` });
  return list.items;
}

describe('EndpointSlice controller', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;

  before(async () => {
    cp = await startControlPlane();
    await cp.client.create(Resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } });
    ({ stop } = await cp.run(newEndpointSliceController));
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('publishes the selected pods in slices of at most 100 endpoints', async () => {
    for (let i = 0; i < 204; i++) await readyPod(cp.client, `big-${i}`, 'big', `10.2.${Math.floor(i / 200)}.${i % 200}`);
    const svc = await cp.client.create<Typed<Service>>(Resources.services, ns, typed<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'big' }, spec: { selector: { app: 'big' }, ports: [{ port: 80, targetPort: 8080 }] } }));
    await eventually(async () => assert.equal((await slicesOf(cp.client, 'big')).reduce((n, s) => n + (s.endpoints?.length ?? 0), 0), 204));
    // One more fills the slice with room, without a new slice.
    await readyPod(cp.client, 'big-204', 'big', '10.2.1.4');
    const slices = await eventually(
      async () => {
        const slices = await slicesOf(cp.client, 'big');
        assert.deepEqual(slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a), [100, 100, 5]);
        return slices;
      },
      { timeoutMs: 10_000 },
    );
    for (const slice of slices) {
      assert.match(slice.metadata!.name!, /^big-[a-z0-9]{5}$/);
      assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(slice.addressType, 'IPv4');
      assert.equal(slice.metadata?.ownerReferences?.[0]?.uid, svc.metadata?.uid);
      assert.deepEqual(slice.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
    }
    const endpoint = slices.flatMap((s) => s.endpoints ?? []).find((e) => e.targetRef?.name === 'big-0');
    assert.deepEqual(endpoint?.conditions, { ready: true, serving: true, terminating: false });
    assert.equal(endpoint?.nodeName, 'node-1');
    assert.equal(endpoint?.zone, 'zone-a');

    // Pods going away shrink the slices they were in; the others are left as they are.
    const names = slices.map((s) => s.metadata?.name).sort();
    for (let i = 0; i < 5; i++) await cp.client.delete(Resources.pods, ns, `big-${200 + i}`, { gracePeriodSeconds: 0 });
    await eventually(async () => {
      const now = await slicesOf(cp.client, 'big');
      assert.equal(now.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0), 200);
    });
    const after = await slicesOf(cp.client, 'big');
    assert.ok(after.every((s) => names.includes(s.metadata?.name)), 'no slice was replaced');
  });

  it('marks terminating endpoints, and keeps a placeholder when no pod is left', async () => {
    await cp.client.create(Resources.services, ns, typed<Service>({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'small' }, spec: { selector: { app: 'small' }, ports: [{ port: 80 }] } }));
    const pod = await readyPod(cp.client, 'small-0', 'small', '10.3.0.1');
    await eventually(async () => assert.equal((await slicesOf(cp.client, 'small'))[0]?.endpoints?.length, 1));
    // A finalizer keeps the pod around while it terminates.
    await cp.client.patch(Resources.pods, ns, 'small-0', 'merge', { metadata: { finalizers: ['test/hold'] } });
    await cp.client.delete(Resources.pods, ns, 'small-0', { gracePeriodSeconds: 0 });
    await eventually(async () => assert.deepEqual((await slicesOf(cp.client, 'small'))[0]?.endpoints?.[0]?.conditions, { ready: false, serving: true, terminating: true }));
    await cp.client.patch(Resources.pods, ns, pod.metadata!.name!, 'merge', { metadata: { finalizers: null } });
    await eventually(async () => {
      const slices = await slicesOf(cp.client, 'small');
      assert.equal(slices.length, 1);
      assert.deepEqual(slices[0]?.endpoints ?? [], []);
    });
  });

  it("mirrors the API server's endpoints into the `kubernetes` slice", async () => {
    const subsets = [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }];
    try {
      const current = await cp.client.get<Typed<Endpoints>>(Resources.endpoints, ns, 'kubernetes');
      await cp.client.update(Resources.endpoints, ns, { ...current, subsets });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await cp.client.create(Resources.endpoints, ns, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes' }, subsets });
    }
    await eventually(async () => {
      const slice = await cp.client.get<Slice>(Resources.endpointslices, ns, 'kubernetes');
      assert.deepEqual(slice.metadata?.labels, { 'kubernetes.io/service-name': 'kubernetes' });
      assert.equal(slice.addressType, 'IPv4');
      assert.deepEqual(slice.endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
      assert.deepEqual(slice.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
    });
    assert.deepEqual(cp.errors, []);
  });
});
