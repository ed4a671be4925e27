import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { staleUdpEntries, udpServicePorts } from './conntrack.js';
import { Iptables } from './iptables.js';

function conntrackSkipReason(): string | false {
  let reason: string | false = false;
  if (process.getuid?.() !== 0) reason = 'needs root';
  else {
    try {
      execFileSync('conntrack', ['--version'], { stdio: 'ignore' });
    } catch {
      reason = 'needs conntrack (scripts/install-host-deps.sh)';
    }
  }
  if (reason && process.env.CI === 'true') throw new Error(`CI must provide what the conntrack test needs: ${reason}`);
  return reason;
}

function dnsService(extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    metadata: { namespace: 'kube-system', name: 'kube-dns' },
    spec: {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
      ...extra,
    },
  };
}

function slice(ips: string[], notReady: string[] = []): EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { namespace: 'kube-system', name: 'kube-dns-x', labels: { 'kubernetes.io/service-name': 'kube-dns' } },
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
    endpoints: [...ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })), ...notReady.map((ip) => ({ addresses: [ip], conditions: { ready: false } }))],
  };
}

describe('stale UDP conntrack entries', () => {
  it('tracks only UDP ports of proxied services, with the endpoints traffic goes to', () => {
    const ports = udpServicePorts([dnsService(), { metadata: { namespace: 'x', name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 53, protocol: 'UDP' }] } }], [slice(['10.244.0.5'], ['10.244.1.9'])], 'n1');
    assert.deepEqual([...ports.keys()], ['kube-system/kube-dns:53']);
    assert.deepEqual([...ports.get('kube-system/kube-dns:53')!.endpoints], ['10.244.0.5']);
  });

  it('clears flows NATed to a removed endpoint, from the ClusterIP and the NodePort', () => {
    const svc = dnsService({ type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] });
    const before = udpServicePorts([svc], [slice(['10.244.0.5', '10.244.1.6'])], 'n1');
    const after = udpServicePorts([svc], [slice(['10.244.0.5'])], 'n1');
    assert.deepEqual(staleUdpEntries(before, after), [
      ['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--reply-src', '10.244.1.6'],
      ['-D', '-p', 'udp', '--orig-port-dst', '30053', '--reply-src', '10.244.1.6'],
    ]);
  });

  it('clears flows to a service that had no endpoints and now has one', () => {
    const before = udpServicePorts([dnsService()], [slice([], ['10.244.0.5'])], 'n1');
    const after = udpServicePorts([dnsService()], [slice(['10.244.0.5'])], 'n1');
    assert.deepEqual(staleUdpEntries(before, after), [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10']]);
  });

  it('clears flows of a deleted service and nothing when nothing changed', () => {
    const before = udpServicePorts([dnsService()], [slice(['10.244.0.5'])], 'n1');
    assert.deepEqual(staleUdpEntries(before, before), []);
    assert.deepEqual(staleUdpEntries(before, udpServicePorts([], [], 'n1')), [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--reply-src', '10.244.0.5']]);
  });

  it('deletes a real flow whose replies come from the removed endpoint, and says when there is none', { skip: conntrackSkipReason() }, async () => {
    const ns = `skiff-ct-${randomBytes(3).toString('hex')}`;
    execFileSync('ip', ['netns', 'add', ns]);
    try {
      const insert = ['-I', '-p', 'udp', '-s', '10.244.0.50', '-d', '10.96.0.10', '--sport', '5555', '--dport', '53', '--reply-src', '10.244.1.6', '--reply-dst', '10.244.0.50', '--reply-port-src', '53', '--reply-port-dst', '5555', '--timeout', '60'];
      execFileSync('ip', ['netns', 'exec', ns, 'conntrack', ...insert], { stdio: 'ignore' });
      const before = udpServicePorts([dnsService()], [slice(['10.244.0.5', '10.244.1.6'])], 'n1');
      const after = udpServicePorts([dnsService()], [slice(['10.244.0.5'])], 'n1');
      const [args] = staleUdpEntries(before, after);
      const iptables = new Iptables({ commandPrefix: ['ip', 'netns', 'exec', ns] });
      assert.equal(await iptables.conntrack(args!), true);
      assert.equal(await iptables.conntrack(args!), false);
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
});
