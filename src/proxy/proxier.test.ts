// Real packets through real iptables rules, all inside private network
// namespaces: a "node" namespace with a bridge and two "pod" namespaces serving
// distinct bodies with busybox httpd.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources } from '../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { CommandError, IptablesProxier, type SyncResult, buildProxyRules, cleanupIptables, planRestore, runCommand, Iptables } from './index.js';

checkLeaksAfterAll();

function missingDependency(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: network namespaces and iptables';
  for (const tool of ['/usr/sbin/ip', '/usr/sbin/iptables-restore', '/usr/sbin/iptables-save', '/usr/bin/busybox', '/usr/sbin/sysctl']) {
    if (!existsSync(tool)) return `needs ${tool}`;
  }
  return undefined;
}
const skip = missingDependency();

const suffix = () => randomBytes(4).toString('hex');
const inNs = (ns: string, ...argv: string[]) => runCommand(['ip', 'netns', 'exec', ns, ...argv]);

/** One request from a namespace; the body, or the failure's message. */
async function fetchBody(ns: string, url: string): Promise<string> {
  try {
    return (await inNs(ns, 'busybox', 'wget', '-q', '-O-', url)).trim();
  } catch (err) {
    return err instanceof CommandError ? `error: ${err.stderr.trim()}` : `error: ${String(err)}`;
  }
}

async function bodies(ns: string, url: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(await fetchBody(ns, url));
  return out;
}

/** Waits until the proxier wrote a rule containing text (requests before that would wait for ARP timeouts). */
async function waitForRule(ns: string, table: string, text: string): Promise<void> {
  await eventually(async () => assert.ok((await inNs(ns, 'iptables-save', '-t', table)).includes(text)), { timeoutMs: 5000, intervalMs: 50 });
}

/** A node namespace with a bridge, a "node IP" on a dummy link and pods serving "pod-N". */
class TestNode {
  readonly node = `skiff-test-${suffix()}`;
  readonly pods: string[] = [];
  readonly podIPs: string[] = [];
  readonly nodeIP = '192.168.77.1';
  private readonly servers: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'skiff-proxy-'));

  async setUp(podCount: number): Promise<void> {
    const ip = (...args: string[]) => runCommand(['ip', '-n', this.node, ...args]);
    await runCommand(['ip', 'netns', 'add', this.node]);
    await ip('link', 'set', 'lo', 'up');
    await ip('link', 'add', 'br0', 'type', 'bridge');
    await ip('addr', 'add', '10.244.0.1/24', 'dev', 'br0');
    await ip('link', 'set', 'br0', 'up');
    // A veth whose peer stays here: no dummy module on these hosts.
    await ip('link', 'add', 'node0', 'type', 'veth', 'peer', 'name', 'node0-peer');
    await ip('link', 'set', 'node0-peer', 'up');
    await ip('addr', 'add', `${this.nodeIP}/24`, 'dev', 'node0');
    await ip('link', 'set', 'node0', 'up');
    // Off-cluster destinations (ClusterIPs too) go out the "node" link, as on a real host.
    await ip('route', 'add', 'default', 'dev', 'node0');
    await inNs(this.node, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    for (let i = 1; i <= podCount; i++) {
      const pod = `${this.node}-p${i}`;
      const podIP = `10.244.0.${10 + i}`;
      await runCommand(['ip', 'netns', 'add', pod]);
      this.pods.push(pod);
      this.podIPs.push(podIP);
      await ip('link', 'add', `veth${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod);
      await ip('link', 'set', `veth${i}`, 'master', 'br0', 'up');
      // As CNI bridge's hairpinMode: a pod reaching itself through a Service leaves and re-enters by its own port.
      await ip('link', 'set', `veth${i}`, 'type', 'bridge_slave', 'hairpin', 'on');
      await runCommand(['ip', '-n', pod, 'link', 'set', 'lo', 'up']);
      await runCommand(['ip', '-n', pod, 'addr', 'add', `${podIP}/24`, 'dev', 'eth0']);
      await runCommand(['ip', '-n', pod, 'link', 'set', 'eth0', 'up']);
      await runCommand(['ip', '-n', pod, 'route', 'add', 'default', 'via', '10.244.0.1']);
      const root = join(this.dir, `pod-${i}`);
      mkdirSync(root);
      writeFileSync(join(root, 'index.html'), `pod-${i}\n`);
      this.servers.push(spawn('ip', ['netns', 'exec', pod, 'busybox', 'httpd', '-f', '-p', '80', '-h', root], { stdio: 'ignore' }));
    }
    for (let i = 0; i < podCount; i++) {
      await eventually(async () => assert.equal(await fetchBody(this.node, `http://${this.podIPs[i]}/`), `pod-${i + 1}`), { timeoutMs: 5000 });
    }
  }

  async tearDown(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    for (const ns of [...this.pods, this.node]) await runCommand(['ip', 'netns', 'del', ns]).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

type Svc = Service & KubeObject;
type Slice = EndpointSlice & KubeObject;

function endpointSlice(name: string, service: string, ips: string[], port = 80): Slice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node-1' })),
  } as Slice;
}

describe('IptablesProxier in a network namespace', { skip }, () => {
  let cp: TestControlPlane;
  const node = new TestNode();
  let proxier: IptablesProxier;
  const errors: unknown[] = [];
  const syncs: SyncResult[] = [];
  let clusterIP = '';

  before(async () => {
    cp = await startControlPlane();
    await node.setUp(2);
    proxier = new IptablesProxier({
      client: cp.client,
      nodeName: 'node-1',
      nodeIPs: [node.nodeIP],
      clusterCIDR: '10.244.0.0/16',
      commandPrefix: ['ip', 'netns', 'exec', node.node],
      minSyncPeriodMs: 20,
      onError: (err) => errors.push(err),
      onSync: (result) => syncs.push(result),
    });
    await proxier.start();
    const svc = await cp.client.create<Svc>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: 30080 }], selector: { app: 'web' } },
    } as Svc);
    clusterIP = svc.spec!.clusterIP!;
    await cp.client.create(Resources.endpointslices, 'default', endpointSlice('web-1', 'web', node.podIPs));
  });

  after(async () => {
    try {
      await proxier?.stop({ cleanup: true });
      await cp?.close();
    } finally {
      await node.tearDown();
    }
  });

  it('balances the ClusterIP across both pods, with masquerade from off-cluster sources', async () => {
    await waitForRule(node.node, 'nat', '"default/web:http cluster IP"');
    await eventually(async () => assert.deepEqual(new Set(await bodies(node.node, `http://${clusterIP}/`, 12)), new Set(['pod-1', 'pod-2'])), { timeoutMs: 10_000 });
    assert.deepEqual(errors, []);
  });

  it('answers on the NodePort at the node IP and at 127.0.0.1', async () => {
    assert.deepEqual(new Set(await bodies(node.node, `http://${node.nodeIP}:30080/`, 12)), new Set(['pod-1', 'pod-2']));
    assert.deepEqual(new Set(await bodies(node.node, 'http://127.0.0.1:30080/', 12)), new Set(['pod-1', 'pod-2']));
  });

  it('reaches the service from a pod, including itself (hairpin)', async () => {
    assert.deepEqual(new Set(await bodies(node.pods[0]!, `http://${clusterIP}/`, 12)), new Set(['pod-1', 'pod-2']));
  });

  it('rejects a service without endpoints', async () => {
    const svc = await cp.client.create<Svc>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'empty' },
      spec: { ports: [{ port: 80 }], selector: { app: 'none' } },
    } as Svc);
    await waitForRule(node.node, 'filter', '"default/empty has no endpoints"');
    assert.match(await fetchBody(node.node, `http://${svc.spec!.clusterIP}/`), /refused/i);
  });

  it('follows endpoint removal', async () => {
    const slice = await cp.client.get<Slice>(Resources.endpointslices, 'default', 'web-1');
    await cp.client.update(Resources.endpointslices, 'default', { ...slice, endpoints: slice.endpoints!.filter((ep) => ep.addresses[0] === node.podIPs[1]) } as Slice);
    await eventually(async () => assert.deepEqual(new Set(await bodies(node.node, `http://${clusterIP}/`, 8)), new Set(['pod-2'])), { timeoutMs: 5000 });
    await cp.client.update(Resources.endpointslices, 'default', { ...(await cp.client.get<Slice>(Resources.endpointslices, 'default', 'web-1')), endpoints: slice.endpoints } as Slice);
    await eventually(async () => assert.deepEqual(new Set(await bodies(node.node, `http://${clusterIP}/`, 12)), new Set(['pod-1', 'pod-2'])), { timeoutMs: 10_000 });
  });

  it('keeps a client on one pod with sessionAffinity ClientIP', async () => {
    const svc = await cp.client.create<Svc>(Resources.services, 'default', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'sticky' },
      spec: { sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80 }], selector: { app: 'web' } },
    } as Svc);
    await cp.client.create(Resources.endpointslices, 'default', endpointSlice('sticky-1', 'sticky', node.podIPs));
    await waitForRule(node.node, 'nat', '"default/sticky:http cluster IP"');
    const url = `http://${svc.spec!.clusterIP}/`;
    const first = await eventually(async () => {
      const body = await fetchBody(node.node, url);
      assert.match(body, /^pod-\d$/);
      return body;
    });
    assert.deepEqual(new Set(await bodies(node.node, url, 12)), new Set([first]));
    const saved = await inNs(node.node, 'iptables-save', '-t', 'nat');
    assert.match(saved, /-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-/);
  });

  it('coalesces bursts of changes into few partial syncs', async () => {
    await proxier.syncNow();
    const before = syncs.length;
    for (let i = 0; i < 10; i++) {
      await cp.client.create(Resources.services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: `burst-${i}` }, spec: { ports: [{ port: 80 }] } } as Svc);
    }
    await waitForRule(node.node, 'filter', '"default/burst-9 has no endpoints"');
    const burst = syncs.slice(before);
    assert.ok(burst.length >= 1 && burst.length < 10, `${burst.length} syncs for 10 changes`);
    assert.ok(burst.every((s) => !s.full));
  });

  it('removes every KUBE- chain and jump on cleanup, and leaves other rules alone', async () => {
    await inNs(node.node, 'iptables', '-t', 'nat', '-N', 'OTHER-CHAIN');
    await inNs(node.node, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-j', 'OTHER-CHAIN');
    await proxier.syncNow();
    await proxier.stop({ cleanup: true });
    const saved = await inNs(node.node, 'iptables-save');
    assert.doesNotMatch(saved, /KUBE-/);
    assert.match(saved, /-A PREROUTING -j OTHER-CHAIN/);
    assert.equal(await cleanupIptables({ commandPrefix: ['ip', 'netns', 'exec', node.node] }), false);
    assert.match(await fetchBody(node.node, `http://${clusterIP}/`), /^error/);
  });
});

describe('sync cost at scale', { skip }, () => {
  it('1000 services x 10 endpoints: generate and iptables-restore', async (t) => {
    const ns = `skiff-test-${suffix()}`;
    await runCommand(['ip', 'netns', 'add', ns]);
    try {
      const services: Service[] = [];
      const slices: EndpointSlice[] = [];
      for (let s = 0; s < 1000; s++) {
        services.push({ metadata: { namespace: 'bench', name: `svc-${s}` }, spec: { type: s % 10 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: `10.96.${s >> 8}.${s & 255}`, ports: [{ name: 'http', port: 80, ...(s % 10 === 0 ? { nodePort: 30000 + s } : {}) }] } });
        slices.push({
          metadata: { namespace: 'bench', name: `svc-${s}-x`, labels: { 'kubernetes.io/service-name': `svc-${s}` } },
          addressType: 'IPv4',
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          endpoints: Array.from({ length: 10 }, (_, e) => ({ addresses: [`10.${100 + (s >> 8)}.${s & 255}.${e + 1}`], conditions: { ready: true } })),
        });
      }
      const iptables = new Iptables({ commandPrefix: ['ip', 'netns', 'exec', ns] });
      const timings: string[] = [];
      let applied: Map<string, string> | undefined;
      const passes = [
        { name: 'full sync', change: () => {} },
        { name: 'no change', change: () => {} },
        {
          name: 'one endpoint removed',
          change: () => {
            slices[500] = { ...slices[500]!, endpoints: slices[500]!.endpoints.slice(1) };
          },
        },
      ];
      for (const pass of passes) {
        pass.change();
        const t0 = performance.now();
        const rules = buildProxyRules({ services, endpointSlices: slices, nodeName: 'n', clusterCIDR: '10.100.0.0/14' });
        const t1 = performance.now();
        const plan = planRestore(rules, { applied, existing: applied ? undefined : await iptables.save() });
        const t2 = performance.now();
        for (const text of plan.transactions) await iptables.restore(text);
        const t3 = performance.now();
        applied = plan.applied;
        assert.equal(rules.endpointChains, pass.name === 'one endpoint removed' ? 9_999 : 10_000);
        const lines = plan.transactions.reduce((n, text) => n + text.split('\n').length, 0);
        timings.push(`${pass.name}: generate ${(t1 - t0).toFixed(0)} ms, plan ${(t2 - t1).toFixed(0)} ms, iptables-restore ${(t3 - t2).toFixed(0)} ms (${plan.transactions.length} transactions, ${lines} lines, ${plan.changedChains} chains changed)`);
      }
      for (const line of timings) t.diagnostic(line);
      const saved = await runCommand(['ip', 'netns', 'exec', ns, 'iptables-save', '-t', 'nat']);
      assert.equal(saved.split('\n').filter((l) => l.startsWith(':KUBE-SEP-')).length, 9_999);
    } finally {
      await runCommand(['ip', 'netns', 'del', ns]);
    }
  });
});
