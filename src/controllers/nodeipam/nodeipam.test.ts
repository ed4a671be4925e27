import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event, Node } from 'kubernetes-types/core/v1.js';
import { Resources, type ApiClient } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane } from '../../testing/index.js';
import type { Typed } from '../common/index.js';
import type { ControllerContext } from '../types.js';
import { CidrSet, newNodeIpamController, parseIpv4Cidr, formatCidr } from './index.js';

checkLeaksAfterAll();

type N = Typed<Node>;

async function createNode(client: ApiClient, name: string, podCIDR?: string): Promise<N> {
  const spec = podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {};
  return client.create<N>(Resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec });
}

async function podCIDRs(client: ApiClient): Promise<Map<string, string | undefined>> {
  const list = await client.list<N>(Resources.nodes, '');
  return new Map(list.items.map((n) => [n.metadata?.name ?? '', n.spec?.podCIDR]));
}

describe('CidrSet', () => {
  it('allocates node subnets round robin, occupies and releases', () => {
    const set = new CidrSet(parseIpv4Cidr('10.244.0.0/22')!, 24);
    set.occupy(parseIpv4Cidr('10.244.1.0/24')!);
    const got = [set.allocateNext(), set.allocateNext(), set.allocateNext()].map((c) => c && formatCidr(c));
    assert.deepEqual(got, ['10.244.0.0/24', '10.244.2.0/24', '10.244.3.0/24']);
    assert.equal(set.allocateNext(), undefined);
    set.release(parseIpv4Cidr('10.244.2.0/24')!);
    assert.equal(formatCidr(set.allocateNext()!), '10.244.2.0/24');
    assert.throws(() => set.occupy(parseIpv4Cidr('10.245.0.0/24')!), /out the range of cluster cidr 10\.244\.0\.0\/22/);
    // A larger CIDR occupies every node subnet it covers.
    const wide = new CidrSet(parseIpv4Cidr('10.0.0.0/16')!, 24);
    wide.occupy(parseIpv4Cidr('10.0.0.0/23')!);
    assert.equal(wide.allocatedCount, 2);
    assert.equal(parseIpv4Cidr('10.1.2.3/16') && formatCidr(parseIpv4Cidr('10.1.2.3/16')!), '10.1.0.0/16');
    assert.equal(parseIpv4Cidr('10.1.2/16'), undefined);
  });
});

describe('node IPAM controller', () => {
  it('gives every node its own pod CIDR, rebuilds the used set on restart, releases on delete', async () => {
    const cp = await startControlPlane();
    try {
      await createNode(cp.client, 'preset', '10.244.0.0/24');
      const factory = (ctx: ControllerContext) => newNodeIpamController(ctx, { clusterCIDR: '10.244.0.0/16', nodeCidrMaskSize: 24 });
      let running = await cp.run(factory);
      for (const name of ['a', 'b', 'c']) await createNode(cp.client, name);
      const first = await eventually(async () => {
        const cidrs = await podCIDRs(cp.client);
        assert.ok([...cidrs.values()].every((c) => c !== undefined), 'every node has a CIDR');
        return cidrs;
      });
      assert.equal(first.get('preset'), '10.244.0.0/24');
      assert.equal(new Set(first.values()).size, 4, 'no two nodes share a CIDR');
      const node = await cp.client.get<N>(Resources.nodes, '', 'a');
      assert.deepEqual(node.spec?.podCIDRs, [node.spec?.podCIDR]);

      // Restarted, the controller knows which subnets are taken.
      await running.stop();
      running = await cp.run(factory);
      await createNode(cp.client, 'd');
      const second = await eventually(async () => {
        const cidrs = await podCIDRs(cp.client);
        assert.ok(cidrs.get('d'));
        return cidrs;
      });
      assert.equal(new Set(second.values()).size, 5);

      // The API server refuses changing a pod CIDR once set.
      await assert.rejects(
        cp.client.patch(Resources.nodes, '', 'a', 'strategic', { spec: { podCIDR: '10.244.99.0/24', podCIDRs: ['10.244.99.0/24'] } }),
        (err: { code?: number }) => err.code === 422,
      );
      await running.stop();
      assert.deepEqual(cp.errors, []);
    } finally {
      await cp.close();
    }
  });

  it('reports CIDRNotAvailable when the cluster CIDR is exhausted and serves waiting nodes after a delete', async () => {
    const cp = await startControlPlane();
    try {
      const running = await cp.run((ctx) => newNodeIpamController(ctx, { clusterCIDR: '10.99.0.0/23', nodeCidrMaskSize: 24 }));
      await createNode(cp.client, 'n1');
      await createNode(cp.client, 'n2');
      await eventually(async () => assert.ok([...(await podCIDRs(cp.client)).values()].every((c) => c)));
      await createNode(cp.client, 'n3');
      const event = await eventually(async () => {
        const events = await cp.client.list<Typed<Event>>(Resources.events, '');
        const found = events.items.find((e) => e.reason === 'CIDRNotAvailable');
        assert.ok(found, 'CIDRNotAvailable event');
        return found;
      });
      assert.equal(event.type, 'Normal');
      assert.equal(event.message, 'Node n3 status is now: CIDRNotAvailable');
      assert.equal(event.involvedObject.kind, 'Node');
      assert.equal(event.involvedObject.name, 'n3');
      assert.equal(event.source?.component, 'cidrAllocator');

      const freed = (await cp.client.get<N>(Resources.nodes, '', 'n1')).spec?.podCIDR;
      await cp.client.delete(Resources.nodes, '', 'n1');
      await eventually(async () => assert.equal((await podCIDRs(cp.client)).get('n3'), freed));
      await running.stop();
      assert.deepEqual(cp.errors, []);
    } finally {
      await cp.close();
    }
  });
});
