import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { Resources, isNotFound, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { typed, type Typed } from '../common/index.js';
import { LAST_CHANGE_TRIGGER_TIME_ANNOTATION, newEndpointsController } from './index.js';

checkLeaksAfterAll();

type P = Typed<Pod>;
type Ep = Typed<Endpoints>;

const ns = 'default';

function service(name: string, selector: Record<string, string> | undefined, extra: Partial<NonNullable<Service['spec']>> = {}): Typed<Service> {
  return typed<Service>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { team: 'a' } },
    spec: { ...(selector ? { selector } : {}), ports: [{ name: 'http', port: 80, targetPort: 'web' }], ...extra },
  });
}

/** A pod as a kubelet would leave it: bound, with an IP, Ready or not. */
async function runningPod(client: ApiClient, name: string, app: string, ip: string, ready: boolean): Promise<P> {
  const created = await client.create<P>(Resources.pods, ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app } },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'web', containerPort: 8080 }] }] },
  });
  return setReady(client, created, ip, ready);
}

async function setReady(client: ApiClient, pod: P, ip: string, ready: boolean): Promise<P> {
  const fresh = await client.get<P>(Resources.pods, ns, pod.metadata!.name!);
  const status = { ...fresh.status, phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
  return client.update<P>(Resources.pods, ns, { ...fresh, status }, { subresource: 'status' });
}

async function endpointsOf(client: ApiClient, name: string): Promise<Ep | undefined> {
  try {
    return await client.get<Ep>(Resources.endpoints, ns, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function ips(ep: Ep | undefined): { ready: string[]; notReady: string[] } {
  return {
    ready: (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
    notReady: (ep?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort(),
  };
}

describe('Endpoints controller', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;

  before(async () => {
    cp = await startControlPlane();
    ({ stop } = await cp.run(newEndpointsController));
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('lists the selected pods, following readiness and deletion', async () => {
    await cp.client.create(Resources.services, ns, service('web', { app: 'web' }));
    const a = await runningPod(cp.client, 'web-a', 'web', '10.1.0.1', true);
    await runningPod(cp.client, 'web-b', 'web', '10.1.0.2', false);
    await runningPod(cp.client, 'other', 'other', '10.1.0.9', true);
    const ep = await eventually(async () => {
      const ep = await endpointsOf(cp.client, 'web');
      assert.deepEqual(ips(ep), { ready: ['10.1.0.1'], notReady: ['10.1.0.2'] });
      return ep!;
    });
    assert.deepEqual(ep.metadata?.labels, { team: 'a' });
    assert.match(ep.metadata?.annotations?.[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(ep.subsets?.[0]?.addresses?.[0], { ip: '10.1.0.1', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: ns, name: 'web-a', uid: a.metadata!.uid! } });

    await setReady(cp.client, a, '10.1.0.1', false);
    await eventually(async () => assert.deepEqual(ips(await endpointsOf(cp.client, 'web')), { ready: [], notReady: ['10.1.0.1', '10.1.0.2'] }));
    await cp.client.delete(Resources.pods, ns, 'web-b', { gracePeriodSeconds: 0 });
    await eventually(async () => assert.deepEqual(ips(await endpointsOf(cp.client, 'web')), { ready: [], notReady: ['10.1.0.1'] }));
  });

  it('does not rewrite Endpoints when nothing they show changed', async () => {
    await cp.client.create(Resources.services, ns, service('quiet', { app: 'quiet' }));
    const pod = await runningPod(cp.client, 'quiet-a', 'quiet', '10.1.1.1', true);
    const before = await eventually(async () => {
      const ep = await endpointsOf(cp.client, 'quiet');
      assert.deepEqual(ips(ep).ready, ['10.1.1.1']);
      return ep!;
    });
    // A change the Endpoints do not show, then one they do: only the second is written.
    await cp.client.patch(Resources.pods, ns, pod.metadata!.name!, 'merge', { metadata: { annotations: { note: 'x' } } });
    await cp.client.create(Resources.services, ns, service('marker', { app: 'quiet' }));
    await eventually(async () => assert.ok(await endpointsOf(cp.client, 'marker')));
    const after = await endpointsOf(cp.client, 'quiet');
    assert.equal(after?.metadata?.resourceVersion, before.metadata?.resourceVersion);
  });

  it('leaves Endpoints of services without a selector to their users, and removes those of deleted services', async () => {
    await cp.client.create(Resources.services, ns, service('manual', undefined));
    await cp.client.create(Resources.endpoints, ns, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] });
    await cp.client.create(Resources.services, ns, service('gone', { app: 'gone' }));
    await eventually(async () => assert.ok(await endpointsOf(cp.client, 'gone')));
    await cp.client.delete(Resources.services, ns, 'gone');
    await eventually(async () => assert.equal(await endpointsOf(cp.client, 'gone'), undefined));
    assert.deepEqual(ips(await endpointsOf(cp.client, 'manual')).ready, ['192.0.2.1']);
  });

  it('recreates deleted Endpoints and marks headless services', async () => {
    await cp.client.create(Resources.services, ns, service('headless', { app: 'headless' }, { clusterIP: 'None' }));
    await runningPod(cp.client, 'headless-a', 'headless', '10.1.2.1', true);
    await eventually(async () => assert.deepEqual(ips(await endpointsOf(cp.client, 'headless')).ready, ['10.1.2.1']));
    const ep = await endpointsOf(cp.client, 'headless');
    assert.equal(ep?.metadata?.labels?.['service.kubernetes.io/headless'], '');
    await cp.client.delete(Resources.endpoints, ns, 'headless');
    await eventually(async () => {
      const again = await endpointsOf(cp.client, 'headless');
      assert.ok(again && again.metadata?.uid !== ep?.metadata?.uid);
      assert.deepEqual(ips(again).ready, ['10.1.2.1']);
    });
  });

  it("leaves the kubernetes service's endpoints alone", async () => {
    const before = await endpointsOf(cp.client, 'kubernetes');
    await cp.client.patch(Resources.services, ns, 'kubernetes', 'merge', { metadata: { labels: { touched: 'yes' } } });
    await cp.client.create(Resources.services, ns, service('marker2', { app: 'none' }));
    await eventually(async () => assert.ok(await endpointsOf(cp.client, 'marker2')));
    assert.deepEqual(await endpointsOf(cp.client, 'kubernetes'), before);
    assert.deepEqual(cp.errors, []);
  });
});
