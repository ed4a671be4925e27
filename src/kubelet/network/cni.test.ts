import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLeaksAfterAll, eventually } from '../../testing/index.js';
import type { PodNetworkAttachment } from '../runtime/types.js';
import { CniNetwork, NETWORK_NAME, buildConfList, cleanupNodeNetwork, cniPaths } from './index.js';
import { BUSYBOX, TestNamespaces, check, fetchIn, networkTestsUnavailable, randomSuffix } from './testnet.js';

checkLeaksAfterAll();

const CLUSTER_CIDR = '10.244.0.0/16';

/** The client address the CGI script reports (busybox httpd gives IPv4 clients as [::ffff:a.b.c.d]). */
function clientOf(body: string | undefined): string | undefined {
  return body?.match(/^client=(?:\[::ffff:)?([\d.]+)\]?$/m)?.[1];
}

describe('buildConfList', () => {
  it('is a bridge + host-local + portmap conflist without the plugin masquerade', () => {
    const list = buildConfList({ podCIDR: '10.244.3.0/24', clusterCIDR: CLUSTER_CIDR, dataDir: '/var/lib/skiff/network', mtu: 1450 });
    assert.equal(list.cniVersion, '1.0.0');
    assert.deepEqual(
      list.plugins.map((p) => p.type),
      ['bridge', 'portmap'],
    );
    assert.deepEqual(list.plugins[0], {
      type: 'bridge',
      bridge: 'skiff0',
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      mtu: 1450,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.3.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: '/var/lib/skiff/network/ipam' },
    });
    assert.deepEqual(list.plugins[1]?.capabilities, { portMappings: true });
  });
});

const unavailable = networkTestsUnavailable();

describe('CniNetwork on real plugins', { skip: unavailable }, () => {
  const namespaces = new TestNamespaces();
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cni-'));
  // Two "nodes" joined by a link, each with its own pod CIDR and routes to the other's.
  const nodes = [
    { ns: '', ip: '192.0.2.1', podCIDR: '10.244.1.0/24', dataDir: join(dir, 'node-a'), network: undefined as CniNetwork | undefined },
    { ns: '', ip: '192.0.2.2', podCIDR: '10.244.2.0/24', dataDir: join(dir, 'node-b'), network: undefined as CniNetwork | undefined },
  ] as const;
  const pods: { attachment: PodNetworkAttachment; ns: string; ip: string }[] = [];
  const bridge = `skiff0`;

  const network = (i: 0 | 1) => nodes[i].network!;
  const podAttachment = (ns: string, name: string): PodNetworkAttachment => ({
    sandboxId: `sandbox-${name}-${randomSuffix()}`,
    netnsPath: `/run/netns/${ns}`,
    podUid: `uid-${name}-${randomSuffix()}`,
    name,
    namespace: 'default',
    portMappings: [],
  });

  before(async () => {
    for (const node of nodes) {
      (node as { ns: string }).ns = await namespaces.add('node');
    }
    const [a, b] = nodes;
    await check(['ip', 'netns', 'exec', a.ns, 'ip', 'link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink', 'netns', b.ns]);
    for (const [node, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await check(['ip', 'netns', 'exec', node.ns, 'ip', 'addr', 'add', `${node.ip}/24`, 'dev', 'uplink']);
      await check(['ip', 'netns', 'exec', node.ns, 'ip', 'link', 'set', 'uplink', 'up']);
      await check(['ip', 'netns', 'exec', node.ns, 'ip', 'route', 'add', other.podCIDR, 'via', other.ip]);
      (node as { network: CniNetwork }).network = new CniNetwork({
        podCIDR: node.podCIDR,
        clusterCIDR: CLUSTER_CIDR,
        dataDir: node.dataDir,
        bridgeName: bridge,
        commandPrefix: ['ip', 'netns', 'exec', node.ns],
      });
    }
    // Web roots: a CGI script answering with the client's address shows whether traffic was masqueraded.
    const www = join(dir, 'www');
    mkdirSync(join(www, 'cgi-bin'), { recursive: true });
    writeFileSync(join(www, 'index.html'), 'hello from a pod\n');
    writeFileSync(join(www, 'cgi-bin', 'ip'), `#!${BUSYBOX} sh\necho "Content-Type: text/plain"\necho\necho "client=$REMOTE_ADDR"\n`);
    chmodSync(join(www, 'cgi-bin', 'ip'), 0o755);
    namespaces.httpd(b.ns, 8081, www);
  });

  after(async () => {
    await namespaces.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets up pods: loopback, eth0 with an IP of the node pod CIDR, conflist on disk', async () => {
    for (const [i, name] of [
      [0, 'a1'],
      [0, 'a2'],
      [1, 'b1'],
    ] as const) {
      const ns = await namespaces.add('pod');
      const attachment = podAttachment(ns, name);
      const { ip } = await network(i).setUp(attachment);
      pods.push({ attachment, ns, ip });
    }
    const [a1, a2, b1] = pods;
    assert.match(a1!.ip, /^10\.244\.1\.\d+$/);
    assert.match(a2!.ip, /^10\.244\.1\.\d+$/);
    assert.notEqual(a1!.ip, a2!.ip);
    assert.match(b1!.ip, /^10\.244\.2\.\d+$/);
    const addr = await check(['ip', 'netns', 'exec', a1!.ns, 'ip', '-j', 'addr', 'show']);
    const links = JSON.parse(addr) as { ifname: string; operstate: string; addr_info: { local: string }[] }[];
    assert.ok(links.find((l) => l.ifname === 'eth0')?.addr_info.some((a) => a.local === a1!.ip));
    assert.ok(links.find((l) => l.ifname === 'lo')?.addr_info.some((a) => a.local === '127.0.0.1'), 'lo is up');
    const conflist = JSON.parse(readFileSync(cniPaths(nodes[0].dataDir).conflist, 'utf8')) as { name: string };
    assert.equal(conflist.name, NETWORK_NAME);
    const stats = network(0).stats;
    assert.equal(stats.adds, 2);
    console.log(`CNI ADD (loopback and bridge, through ip netns exec): last ${stats.lastAddMs.toFixed(1)} ms, max ${stats.maxAddMs.toFixed(1)} ms`);
  });

  it('connects pods on one node, the node to its pods, and pods across nodes without masquerade', async () => {
    const [a1, a2, b1] = pods;
    const www = join(dir, 'www');
    namespaces.httpd(a1!.ns, 8080, www);
    const url = `http://${a1!.ip}:8080/index.html`;
    await eventually(async () => assert.equal(await fetchIn(a2!.ns, url), 'hello from a pod\n'), { timeoutMs: 10_000, intervalMs: 50 });
    assert.equal(await fetchIn(nodes[0].ns, url), 'hello from a pod\n');
    await check(['ip', 'netns', 'exec', a2!.ns, BUSYBOX, 'ping', '-c', '1', '-W', '2', a1!.ip]);
    // Hairpin: a pod reaching itself through the bridge.
    assert.equal(await fetchIn(a1!.ns, url), 'hello from a pod\n');
    // Across nodes, the source stays the pod's IP.
    assert.equal(clientOf(await fetchIn(b1!.ns, `http://${a1!.ip}:8080/cgi-bin/ip`)), b1!.ip);
    // Leaving the cluster network (to node B's own address), it is masqueraded as node A.
    assert.equal(clientOf(await fetchIn(a1!.ns, `http://${nodes[1].ip}:8081/cgi-bin/ip`)), nodes[0].ip);
  });

  it('forwards hostPorts with portmap and removes the forwarding on teardown', async () => {
    const ns = await namespaces.add('pod');
    const attachment = { ...podAttachment(ns, 'hostport'), portMappings: [{ containerPort: 8080, hostPort: 30080, protocol: 'TCP' as const }] };
    await network(1).setUp(attachment);
    namespaces.httpd(ns, 8080, join(dir, 'www'));
    const url = `http://${nodes[1].ip}:30080/index.html`;
    await eventually(async () => assert.equal(await fetchIn(nodes[0].ns, url), 'hello from a pod\n'), { timeoutMs: 10_000, intervalMs: 50 });
    const natRules = () => check(['ip', 'netns', 'exec', nodes[1].ns, 'iptables', '-t', 'nat', '-S']);
    assert.match(await natRules(), /--dport 30080/);
    await network(1).tearDown(attachment);
    assert.doesNotMatch(await natRules(), /--dport 30080/);
    await namespaces.remove(ns);
  });

  it('tears down: releases the IP and the veth, idempotent, also when the namespace is gone', async () => {
    const [, a2] = pods;
    const ipamFile = join(cniPaths(nodes[0].dataDir).ipamDir, NETWORK_NAME, a2!.ip);
    assert.ok(existsSync(ipamFile), 'host-local holds the IP');
    const vethsBefore = await bridgePorts(nodes[0].ns);
    await network(0).tearDown(a2!.attachment);
    assert.ok(!existsSync(ipamFile), 'host-local released the IP');
    assert.equal(await bridgePorts(nodes[0].ns), vethsBefore - 1);
    await network(0).tearDown(a2!.attachment);

    // A pod whose namespace vanished first (a crashed sandbox) still gives back its IP.
    const [a1] = pods;
    const a1File = join(cniPaths(nodes[0].dataDir).ipamDir, NETWORK_NAME, a1!.ip);
    await namespaces.remove(a1!.ns);
    await network(0).tearDown(a1!.attachment);
    assert.ok(!existsSync(a1File));
    assert.equal(await bridgePorts(nodes[0].ns), vethsBefore - 2);
  });

  it('serializes setUp and tearDown of one pod', async () => {
    const ns = await namespaces.add('pod');
    const attachment = podAttachment(ns, 'racer');
    const [setUp, tornDown] = await Promise.allSettled([network(1).setUp(attachment), network(1).tearDown(attachment)]);
    assert.equal(setUp.status, 'fulfilled');
    assert.equal(tornDown.status, 'fulfilled');
    const ip = setUp.status === 'fulfilled' ? setUp.value.ip : '';
    assert.ok(!existsSync(join(cniPaths(nodes[1].dataDir).ipamDir, NETWORK_NAME, ip)), 'the DEL ran after the ADD');
  });

  it('installs the masquerade rule and cleanupNodeNetwork removes bridge, rules and state', async () => {
    const rules = await check(['ip', 'netns', 'exec', nodes[0].ns, 'iptables', '-t', 'nat', '-S', 'SKIFF-POSTROUTING']);
    assert.match(rules, /-A SKIFF-POSTROUTING -s 10\.244\.1\.0\/24 ! -d 10\.244\.0\.0\/16 .*-j MASQUERADE/);
    const ipForward = await check(['ip', 'netns', 'exec', nodes[0].ns, 'cat', '/proc/sys/net/ipv4/ip_forward']);
    assert.equal(ipForward.trim(), '1');
    // Node setup is idempotent.
    await new CniNetwork({ podCIDR: nodes[0].podCIDR, clusterCIDR: CLUSTER_CIDR, dataDir: nodes[0].dataDir, commandPrefix: ['ip', 'netns', 'exec', nodes[0].ns] }).prepare();
    const again = await check(['ip', 'netns', 'exec', nodes[0].ns, 'iptables', '-t', 'nat', '-S', 'POSTROUTING']);
    assert.equal(again.split('\n').filter((l) => l.includes('SKIFF-POSTROUTING')).length, 1);

    for (const node of nodes) {
      await cleanupNodeNetwork({ dataDir: node.dataDir, bridgeName: bridge, commandPrefix: ['ip', 'netns', 'exec', node.ns] });
      const link = await check(['ip', 'netns', 'exec', node.ns, 'ip', '-j', 'link', 'show']);
      assert.ok(!link.includes(`"${bridge}"`), 'bridge removed');
      const nat = await check(['ip', 'netns', 'exec', node.ns, 'iptables', '-t', 'nat', '-S']);
      const filter = await check(['ip', 'netns', 'exec', node.ns, 'iptables', '-S']);
      assert.ok(!nat.includes('SKIFF-') && !filter.includes('SKIFF-'), 'rules removed');
      assert.ok(!nat.includes('CNI-HOSTPORT-'), `portmap chains removed:\n${nat}`);
      assert.ok(!existsSync(cniPaths(node.dataDir).ipamDir));
    }
    // Twice is fine.
    await cleanupNodeNetwork({ dataDir: nodes[0].dataDir, bridgeName: bridge, commandPrefix: ['ip', 'netns', 'exec', nodes[0].ns] });
  });

  /** Interfaces enslaved to the bridge: one veth per pod. */
  async function bridgePorts(ns: string): Promise<number> {
    const out = await check(['ip', 'netns', 'exec', ns, 'ip', '-j', 'link', 'show', 'master', bridge]);
    return (JSON.parse(out || '[]') as unknown[]).length;
  }
});
