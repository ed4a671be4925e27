import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { TriggerTimeTracker, computeSubsets, findPort, repackSubsets, rfc3339Nano, servicesToUpdateOnPodChange, subsetsEqual, truncateSubsets } from './index.js';

checkLeaksAfterAll();

const service = (spec: Partial<NonNullable<Service['spec']>> = {}, name = 'web'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { selector: { app: 'web' }, clusterIP: '10.0.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
});

function pod(name: string, ip: string | undefined, ready: boolean, extra: { ports?: Array<{ name: string; containerPort: number }>; hostname?: string; subdomain?: string; deleting?: boolean; phase?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'web' }, resourceVersion: '1', ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'c', ports: (extra.ports ?? []).map((p) => ({ ...p, protocol: 'TCP' })) }],
      ...(extra.hostname ? { hostname: extra.hostname } : {}),
      ...(extra.subdomain ? { subdomain: extra.subdomain } : {}),
    },
    status: {
      phase: extra.phase ?? 'Running',
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-01-01T00:01:00Z' }],
    },
  };
}

const ref = (name: string) => ({ kind: 'Pod', namespace: 'ns', name, uid: `uid-${name}` });

describe('Endpoints subsets', () => {
  it('puts ready pods in addresses and unready ones in notReadyAddresses, sharing one subset per port set', () => {
    const { subsets, ready, notReady } = computeSubsets(service(), [pod('b', '10.1.0.2', true), pod('a', '10.1.0.1', true), pod('c', '10.1.0.3', false)]);
    assert.equal(ready, 2);
    assert.equal(notReady, 1);
    assert.deepEqual(subsets, [
      {
        addresses: [
          { ip: '10.1.0.1', nodeName: 'node-1', targetRef: ref('a') },
          { ip: '10.1.0.2', nodeName: 'node-1', targetRef: ref('b') },
        ],
        notReadyAddresses: [{ ip: '10.1.0.3', nodeName: 'node-1', targetRef: ref('c') }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('leaves out pods without an IP, terminal pods and terminating pods', () => {
    const { subsets } = computeSubsets(service(), [pod('noip', undefined, true), pod('done', '10.1.0.4', false, { phase: 'Succeeded' }), pod('going', '10.1.0.5', true, { deleting: true })]);
    assert.deepEqual(subsets, []);
  });

  it('publishes unready and terminating pods as ready with publishNotReadyAddresses', () => {
    const { subsets } = computeSubsets(service({ publishNotReadyAddresses: true }), [pod('a', '10.1.0.1', false), pod('b', '10.1.0.2', true, { deleting: true })]);
    assert.deepEqual(subsets[0]?.addresses?.map((a) => a.ip), ['10.1.0.1', '10.1.0.2']);
    assert.equal(subsets[0]?.notReadyAddresses, undefined);
  });

  it('resolves named target ports per pod and splits pods serving different ports', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] });
    const { subsets } = computeSubsets(svc, [pod('a', '10.1.0.1', true, { ports: [{ name: 'web', containerPort: 8080 }] }), pod('b', '10.1.0.2', true, { ports: [{ name: 'web', containerPort: 9090 }] }), pod('c', '10.1.0.3', true)]);
    assert.deepEqual(
      subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]),
      [
        [['10.1.0.1'], [8080]],
        [['10.1.0.2'], [9090]],
      ],
    );
  });

  it('sets the hostname when the pod names the service as its subdomain', () => {
    const { subsets } = computeSubsets(service(), [pod('a', '10.1.0.1', true, { hostname: 'db-0', subdomain: 'web' }), pod('b', '10.1.0.2', true, { hostname: 'db-1', subdomain: 'other' })]);
    assert.deepEqual(subsets[0]?.addresses?.map((a) => a.hostname), ['db-0', undefined]);
  });

  it('keeps port-less addresses of a headless service', () => {
    const { subsets } = computeSubsets(service({ clusterIP: 'None', ports: [] }), [pod('a', '10.1.0.1', true)]);
    assert.deepEqual(subsets, [{ addresses: [{ ip: '10.1.0.1', nodeName: 'node-1', targetRef: ref('a') }] }]);
  });

  it('repacks an address unready on one subset as unready for that port', () => {
    const address = { ip: '10.1.0.1', targetRef: ref('a') };
    const port = { name: 'p', port: 1, protocol: 'TCP' };
    assert.deepEqual(repackSubsets([{ addresses: [address], ports: [port] }, { notReadyAddresses: [address], ports: [port] }]), [{ notReadyAddresses: [address], ports: [port] }]);
  });

  it('truncates to 1000 addresses, ready ones first', () => {
    const many = Array.from({ length: 1200 }, (_, i) => ({ ip: `10.2.${Math.floor(i / 250)}.${i % 250}` }));
    const subsets = [{ addresses: many.slice(0, 900), notReadyAddresses: many.slice(900) }];
    assert.equal(truncateSubsets(subsets), true);
    assert.equal(subsets[0]!.addresses!.length, 900);
    assert.equal(subsets[0]!.notReadyAddresses!.length, 100);
  });

  it('compares subsets ignoring empty lists and target resource versions', () => {
    const a = [{ addresses: [{ ip: '1.1.1.1', targetRef: { ...ref('a'), resourceVersion: '5' } }], notReadyAddresses: [], ports: [{ port: 80 }] }];
    const b = [{ addresses: [{ ip: '1.1.1.1', targetRef: ref('a') }], ports: [{ port: 80, protocol: 'TCP' }] }];
    assert.equal(subsetsEqual(a, b), true);
    assert.equal(subsetsEqual(a, [{ addresses: [{ ip: '1.1.1.2', targetRef: ref('a') }], ports: [{ port: 80 }] }]), false);
  });

  it('resolves numeric and named target ports, named ones by protocol', () => {
    const p = pod('a', '10.1.0.1', true, { ports: [{ name: 'dns', containerPort: 53 }] });
    assert.equal(findPort(p, { port: 80 }), 80);
    assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'TCP' }), 53);
    assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' }), undefined);
  });
});

describe('Endpoints membership', () => {
  const services = [service(), service({ selector: { tier: 'db' } }, 'db'), service({ selector: undefined }, 'manual')];

  it('enqueues the services a pod joins or leaves when its labels change', () => {
    const old = pod('a', '10.1.0.1', true);
    const cur: Pod = { ...old, metadata: { ...old.metadata, labels: { tier: 'db' }, resourceVersion: '2' } };
    assert.deepEqual([...servicesToUpdateOnPodChange(services, old, cur)].sort(), ['ns/db', 'ns/web']);
  });

  it('enqueues nothing for an update that cannot change endpoints', () => {
    const old = pod('a', '10.1.0.1', true);
    const cur: Pod = { ...old, metadata: { ...old.metadata, annotations: { x: 'y' }, resourceVersion: '2' } };
    assert.equal(servicesToUpdateOnPodChange(services, old, cur).size, 0);
  });

  it('enqueues the matching services when readiness changes', () => {
    const old = pod('a', '10.1.0.1', false);
    const cur = { ...pod('a', '10.1.0.1', true), metadata: { ...old.metadata, resourceVersion: '2' } };
    assert.deepEqual([...servicesToUpdateOnPodChange(services, old, cur)], ['ns/web']);
  });
});

describe('TriggerTimeTracker', () => {
  it("reports the service's creation first, then the earliest new ready transition, then nothing", () => {
    const tracker = new TriggerTimeTracker();
    const svc = service();
    const a = pod('a', '10.1.0.1', true);
    assert.equal(tracker.compute(svc, [a]), Date.parse('2026-01-01T00:00:00Z'));
    assert.equal(tracker.compute(svc, [a]), undefined);
    const b: Pod = { ...pod('b', '10.1.0.2', true), status: { ...a.status, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:05:00Z' }] } };
    assert.equal(tracker.compute(svc, [a, b]), Date.parse('2026-01-01T00:05:00Z'));
    assert.equal(rfc3339Nano(Date.parse('2026-01-01T00:05:00Z')), '2026-01-01T00:05:00Z');
    assert.equal(rfc3339Nano(Date.parse('2026-01-01T00:05:00.120Z')), '2026-01-01T00:05:00.12Z');
  });
});
