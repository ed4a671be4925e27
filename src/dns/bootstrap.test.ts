import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/types.js';
import { isNotFound, Resources } from '../client/index.js';
import { newEndpointSliceController } from '../controllers/endpointslice/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { dnsEndpointSliceName, ensureClusterDnsService, publishDnsEndpoint } from './index.js';

checkLeaksAfterAll();

describe('kube-dns Service and per-node EndpointSlices', () => {
  let cp: TestControlPlane;
  let stopControllers: () => Promise<void>;

  before(async () => {
    cp = await startControlPlane();
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }).catch(() => undefined);
    ({ stop: stopControllers } = await cp.run(newEndpointSliceController));
  });
  after(async () => {
    await stopControllers?.();
    await cp?.close();
  });

  it('creates kube-system/kube-dns like kubeadm, once', async () => {
    const svc = await ensureClusterDnsService(cp.client, { clusterIP: '10.96.0.10' });
    assert.equal(svc.spec?.clusterIP, '10.96.0.10');
    assert.deepEqual(
      svc.spec?.ports?.map((p) => [p.name, p.port, p.protocol]),
      [['dns', 53, 'UDP'], ['dns-tcp', 53, 'TCP'], ['metrics', 9153, 'TCP']],
    );
    assert.equal(svc.metadata?.labels?.['k8s-app'], 'kube-dns');
    assert.equal(svc.metadata?.labels?.['kubernetes.io/name'], 'CoreDNS');
    assert.equal(svc.spec?.selector, undefined);
    const again = await ensureClusterDnsService(cp.client);
    assert.equal(again.metadata?.uid, svc.metadata?.uid);
  });

  it('keeps a node slice that the EndpointSlice controller leaves alone, and deletes it on stop', async () => {
    const node = `node-${randomBytes(3).toString('hex')}`;
    const name = dnsEndpointSliceName(node);
    const get = () => cp.client.get<EndpointSlice & KubeObject>(Resources.endpointslices, 'kube-system', name);
    const publication = publishDnsEndpoint(cp.client, { nodeName: node, address: '192.168.50.4', port: 1053 });
    try {
      await publication.sync();
      const slice = await get();
      assert.equal(slice.metadata?.labels?.['kubernetes.io/service-name'], 'kube-dns');
      assert.equal(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'skiff-dns');
      assert.deepEqual(slice.endpoints?.map((e) => [e.addresses, e.conditions?.ready, e.nodeName]), [[['192.168.50.4'], true, node]]);
      assert.deepEqual(slice.ports?.map((p) => [p.name, p.port, p.protocol]), [['dns', 1053, 'UDP'], ['dns-tcp', 1053, 'TCP']]);

      // A Service change makes the controller sync kube-dns; its sync must not touch our slice.
      const svc = structuredClone(await cp.client.get<Service & KubeObject>(Resources.services, 'kube-system', 'kube-dns'));
      svc.metadata = { ...svc.metadata, labels: { ...svc.metadata?.labels, touched: 'yes' } };
      await cp.client.update(Resources.services, 'kube-system', svc);
      const probe = await cp.client.create<Service & KubeObject>(Resources.services, 'kube-system', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `probe-${node}` },
        spec: { selector: { app: 'none' }, ports: [{ port: 80 }] },
      });
      // The controller has synced once the probe Service (queued after kube-dns) has its slice.
      await eventually(async () => {
        const slices = await cp.client.list(Resources.endpointslices, 'kube-system', { labelSelector: `kubernetes.io/service-name=${probe.metadata?.name}` });
        assert.equal(slices.items.length, 1);
      });
      assert.equal((await get()).metadata?.uid, slice.metadata?.uid);

      // Deleted by someone else: restored on the next sync.
      await cp.client.delete(Resources.endpointslices, 'kube-system', name);
      await publication.sync();
      assert.deepEqual((await get()).endpoints?.[0]?.addresses, ['192.168.50.4']);
    } finally {
      await publication.stop();
    }
    await assert.rejects(get(), (err) => isNotFound(err));
  });
});
