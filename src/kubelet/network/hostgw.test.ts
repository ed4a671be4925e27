import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { InformerFactory, Resources, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { HOST_GW_ROUTE_PROTOCOL, HostGwRoutes, desiredRoutes } from './index.js';
import { TestNamespaces, check, networkTestsUnavailable } from './testnet.js';

checkLeaksAfterAll();

function node(name: string, podCIDR: string | undefined, internalIP: string | undefined): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: internalIP ? { addresses: [{ type: 'InternalIP', address: internalIP }, { type: 'Hostname', address: name }] } : {},
  };
}

describe('desiredRoutes', () => {
  it('routes every other node with a pod CIDR and an InternalIP', () => {
    const routes = desiredRoutes([node('self', '10.244.0.0/24', '192.0.2.1'), node('b', '10.244.1.0/24', '192.0.2.2'), node('no-cidr', undefined, '192.0.2.3'), node('no-ip', '10.244.3.0/24', undefined)], 'self');
    assert.deepEqual([...routes], [['10.244.1.0/24', '192.0.2.2']]);
  });
});

async function createNode(client: ApiClient, obj: Node): Promise<void> {
  const created = await client.create(Resources.nodes, '', { ...obj, status: undefined } as KubeObject);
  await client.update(Resources.nodes, '', { ...created, status: obj.status }, { subresource: 'status' });
}

describe('HostGwRoutes in a network namespace', { skip: networkTestsUnavailable() }, () => {
  const namespaces = new TestNamespaces();
  let cp: TestControlPlane;
  let ns: string;
  let informers: InformerFactory;
  let routes: HostGwRoutes;
  const errors: string[] = [];

  const ourRoutes = async () => {
    const out = await check(['ip', 'netns', 'exec', ns, 'ip', '-j', 'route', 'show', 'proto', HOST_GW_ROUTE_PROTOCOL]);
    return new Map((JSON.parse(out || '[]') as { dst: string; gateway: string }[]).map((r) => [r.dst, r.gateway]));
  };

  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
    ns = await namespaces.add('node');
    // The other nodes' InternalIPs are on a connected network of this "node".
    await check(['ip', 'netns', 'exec', ns, 'ip', 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'peer']);
    await check(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'uplink']);
    await check(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'uplink', 'up']);
    await check(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'peer', 'up']);
    // A route that is not ours must survive everything.
    await check(['ip', 'netns', 'exec', ns, 'ip', 'route', 'add', '10.244.200.0/24', 'via', '192.0.2.200']);
    await createNode(cp.client, node('self', '10.244.0.0/24', '192.0.2.1'));
    await createNode(cp.client, node('b', '10.244.1.0/24', '192.0.2.2'));
    informers = new InformerFactory(cp.client);
    routes = new HostGwRoutes({ informers, nodeName: 'self', onError: (err) => errors.push(String(err)), commandPrefix: ['ip', 'netns', 'exec', ns] });
    informers.start();
    routes.start();
  });

  after(async () => {
    await routes?.stop();
    await informers?.stop();
    await cp?.close();
    await namespaces.cleanup();
  });

  it('routes other nodes’ pod CIDRs via their InternalIPs, follows changes and deletions', async () => {
    await eventually(async () => assert.deepEqual([...(await ourRoutes())], [['10.244.1.0/24', '192.0.2.2']]));
    await createNode(cp.client, node('c', '10.244.2.0/24', '192.0.2.3'));
    await eventually(async () => assert.equal((await ourRoutes()).get('10.244.2.0/24'), '192.0.2.3'));

    // A new InternalIP moves the route.
    const c = await cp.client.get<Node & KubeObject>(Resources.nodes, '', 'c');
    await cp.client.update(Resources.nodes, '', { ...c, status: { addresses: [{ type: 'InternalIP', address: '192.0.2.4' }] } } as KubeObject, { subresource: 'status' });
    await eventually(async () => assert.equal((await ourRoutes()).get('10.244.2.0/24'), '192.0.2.4'));

    await cp.client.delete(Resources.nodes, '', 'b');
    await eventually(async () => assert.deepEqual([...(await ourRoutes())], [['10.244.2.0/24', '192.0.2.4']]));
    assert.deepEqual(errors, []);
  });

  it('reports a gateway it cannot reach and routes it once reachable', async () => {
    await createNode(cp.client, node('far', '10.244.3.0/24', '198.51.100.9'));
    await eventually(() => assert.ok(errors.some((e) => e.includes('10.244.3.0/24 via 198.51.100.9'))));
    assert.equal((await ourRoutes()).get('10.244.2.0/24'), '192.0.2.4', 'the other routes stay');
    await check(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'uplink']);
    await eventually(async () => assert.equal((await ourRoutes()).get('10.244.3.0/24'), '198.51.100.9'), { timeoutMs: 10_000 });
  });

  it('removes its routes, and only its, on stop with cleanup', async () => {
    await routes.stop({ cleanup: true });
    assert.equal((await ourRoutes()).size, 0);
    const all = await check(['ip', 'netns', 'exec', ns, 'ip', 'route', 'show', '10.244.200.0/24']);
    assert.match(all, /via 192\.0\.2\.200/);
  });
});
