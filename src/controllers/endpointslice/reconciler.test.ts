import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { reconcileSlices, type ReconcileInput, type Slice } from './index.js';

checkLeaksAfterAll();

const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.0.0.10', ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

const nodes: Record<string, Node> = { 'node-1': { metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'zone-a' } } } };

function pod(i: number, options: { ready?: boolean; deleting?: boolean; node?: string } = {}): Pod {
  const name = `web-${String(i).padStart(3, '0')}`;
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: options.node ?? 'node-1', containers: [{ name: 'c' }] },
    status: { phase: 'Running', podIP: `10.1.${Math.floor(i / 250)}.${i % 250}`, podIPs: [{ ip: `10.1.${Math.floor(i / 250)}.${i % 250}` }], conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

const input = (pods: Pod[], existing: Slice[] = []): ReconcileInput => ({ service, pods, existing, nodeByName: (n) => nodes[n], maxEndpointsPerSlice: 100 });

/** What the API server does with a create: names it. */
function created(slices: Slice[]): Slice[] {
  return slices.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}`, resourceVersion: '1' } }));
}

const podNames = (slice: Slice) => slice.endpoints.map((e) => e.targetRef?.name);

describe('EndpointSlice reconciler', () => {
  it('splits endpoints into slices of at most 100, labelled and owned by the service', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const changes = reconcileSlices(input(pods));
    assert.deepEqual(changes.errors, []);
    assert.deepEqual(
      changes.create.map((s) => s.endpoints.length),
      [100, 100, 50],
    );
    assert.equal(changes.update.length + changes.delete.length, 0);
    const slice = changes.create[0]!;
    assert.equal(slice.metadata?.generateName, 'web-');
    assert.deepEqual(slice.metadata?.labels, { team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    assert.deepEqual(slice.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(slice.endpoints[0], {
      addresses: ['10.1.0.0'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'ns', name: 'web-000', uid: 'uid-web-000' },
      nodeName: 'node-1',
      zone: 'zone-a',
    });
  });

  it('touches only the slices that changed', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const existing = created(reconcileSlices(input(pods)).create);
    assert.deepEqual(reconcileSlices(input(pods, existing)), { create: [], update: [], delete: [], errors: [] });
    // One pod goes, another comes: the slice that lost one takes the newcomer.
    const next = [...pods.filter((p) => p.metadata?.name !== 'web-150'), pod(300)];
    const changes = reconcileSlices(input(next, existing));
    assert.equal(changes.create.length + changes.delete.length, 0);
    assert.equal(changes.update.length, 1);
    assert.equal(changes.update[0]?.metadata?.name, 'web-1');
    assert.ok(podNames(changes.update[0]!).includes('web-300'));
    assert.ok(!podNames(changes.update[0]!).includes('web-150'));
  });

  it('updates endpoint conditions in place', () => {
    const existing = created(reconcileSlices(input([pod(1), pod(2)])).create);
    const changes = reconcileSlices(input([pod(1, { deleting: true }), pod(2, { ready: false })], existing));
    assert.equal(changes.update.length, 1);
    assert.deepEqual(
      changes.update[0]!.endpoints.map((e) => e.conditions),
      [
        { ready: false, serving: true, terminating: true },
        { ready: false, serving: false, terminating: false },
      ],
    );
  });

  it('keeps one empty placeholder slice when nothing backs the service', () => {
    const changes = reconcileSlices(input([]));
    assert.equal(changes.create.length, 1);
    assert.deepEqual(changes.create[0]?.endpoints, []);
    assert.deepEqual(changes.create[0]?.ports, []);
    const placeholder = created(changes.create);
    assert.deepEqual(reconcileSlices(input([], placeholder)), { create: [], update: [], delete: [], errors: [] });
    // When the last pod goes, the slice is rewritten as the placeholder rather than deleted and recreated.
    const withPod = created(reconcileSlices(input([pod(1)])).create);
    const emptied = reconcileSlices(input([], withPod));
    assert.equal(emptied.create.length + emptied.delete.length, 0);
    assert.deepEqual(emptied.update[0]?.endpoints, []);
    assert.equal(emptied.update[0]?.metadata?.name, 'web-0');
  });

  it('skips pods on unknown nodes and reports them for a retry', () => {
    const changes = reconcileSlices(input([pod(1), pod(2, { node: 'ghost' })]));
    assert.deepEqual(changes.create.flatMap(podNames), ['web-001']);
    assert.deepEqual(changes.errors, ['skipping Pod web-002 for Service ns/web: Node ghost Not Found']);
  });

  it('replaces slices not owned by this incarnation of the service', () => {
    const foreign = created(reconcileSlices(input([pod(1)])).create).map((s) => ({ ...s, metadata: { ...s.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old-uid' }] } }));
    const changes = reconcileSlices(input([pod(1)], foreign));
    assert.equal(changes.create.length, 1);
    assert.deepEqual(changes.delete.map((s) => s.metadata?.name), ['web-0']);
  });

  it('stamps the last change trigger time on written slices', () => {
    const changes = reconcileSlices({ ...input([pod(1)]), triggerTime: Date.parse('2026-01-01T00:00:00Z') });
    assert.equal(changes.create[0]?.metadata?.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'], '2026-01-01T00:00:00Z');
  });
});
