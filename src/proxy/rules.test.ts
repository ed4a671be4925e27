import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { buildProxyRules, categorizeEndpoints, endpointChainName, parseIptablesSave, planRestore, probability, renderCleanup, renderRestore, servicePortChainName, type ProxyRulesInput } from './rules.js';

checkLeaksAfterAll();

function service(ns: string, name: string, spec: Service['spec'], status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ...spec }, ...(status ? { status } : {}) };
}

interface Ep {
  ip: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  node?: string;
}

function slice(ns: string, svc: string, ports: Array<{ name?: string; port: number; protocol?: string }>, endpoints: Array<string | Ep>, name = `${svc}-abcde`): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports,
    endpoints: endpoints.map((e) => {
      const ep = typeof e === 'string' ? { ip: e } : e;
      return {
        addresses: [ep.ip],
        conditions: { ready: ep.ready ?? true, ...(ep.serving !== undefined ? { serving: ep.serving } : {}), ...(ep.terminating !== undefined ? { terminating: ep.terminating } : {}) },
        ...(ep.node ? { nodeName: ep.node } : {}),
      };
    }),
  };
}

function build(services: Service[], slices: EndpointSlice[], extra: Partial<ProxyRulesInput> = {}) {
  const rules = buildProxyRules({ services, endpointSlices: slices, nodeName: 'node-1', clusterCIDR: '10.0.0.0/8', ...extra });
  return { rules, nat: rules.rules.nat, filter: rules.rules.filter };
}

const svc1 = service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }] });

describe('chain names', () => {
  it('hash like upstream (sha256, base32, 16 chars)', () => {
    assert.equal(servicePortChainName('KUBE-SVC-', 'ns1/svc1:p80', 'tcp'), 'KUBE-SVC-XPGD46QRK7WJZT7O');
    assert.equal(servicePortChainName('KUBE-EXT-', 'ns1/svc1:p80', 'tcp'), 'KUBE-EXT-XPGD46QRK7WJZT7O');
    assert.equal(endpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
    assert.equal(endpointChainName('ns1/svc1:p80', 'tcp', '10.180.0.2:80'), 'KUBE-SEP-LXVODXWDISEETFEF');
  });
  it('formats probabilities with ten decimals', () => {
    assert.equal(probability(2), '0.5000000000');
    assert.equal(probability(3), '0.3333333333');
    assert.equal(probability(10), '0.1000000000');
  });
});

describe('buildProxyRules', () => {
  it('writes the fixed chains like upstream', () => {
    const { rules, nat, filter } = build([], []);
    assert.deepEqual(rules.chains.nat, ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']);
    assert.deepEqual(nat, [
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
      '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ]);
    assert.ok(filter.includes('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT'));
  });

  it('balances a ClusterIP randomly across ready endpoints, exactly like upstream', () => {
    const { nat, rules } = build([svc1], [slice('ns1', 'svc1', [{ name: 'p80', port: 80, protocol: 'TCP' }], ['10.180.0.2', '10.180.0.1'])]);
    const svcRules = nat.filter((r) => !r.startsWith('-A KUBE-POSTROUTING') && !r.startsWith('-A KUBE-MARK-MASQ'));
    assert.deepEqual(svcRules, [
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.1:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-SXIVWICOYRO3J4NJ',
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.180.0.2:80" -j KUBE-SEP-LXVODXWDISEETFEF',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80',
      '-A KUBE-SEP-LXVODXWDISEETFEF -m comment --comment ns1/svc1:p80 -s 10.180.0.2 -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-LXVODXWDISEETFEF -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.2:80',
    ]);
    assert.equal(rules.servicePorts, 1);
    assert.equal(rules.endpointChains, 2);
    assert.ok(rules.chains.nat.includes('KUBE-SVC-XPGD46QRK7WJZT7O'));
  });

  it('uses probabilities 1/n, 1/(n-1), ... and no statistic on the last endpoint', () => {
    const ips = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'];
    const { nat } = build([svc1], [slice('ns1', 'svc1', [{ name: 'p80', port: 80 }], ips)]);
    const probs = nat.filter((r) => r.startsWith('-A KUBE-SVC-') && r.includes(' -> ')).map((r) => /--probability (\S+)/.exec(r)?.[1] ?? 'none');
    assert.deepEqual(probs, ['0.2500000000', '0.3333333333', '0.5000000000', 'none']);
  });

  it('rejects a service without endpoints in the filter table and writes no nat chains for it', () => {
    const { nat, filter, rules } = build([svc1], []);
    assert.ok(filter.includes('-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j REJECT'));
    assert.ok(!nat.some((r) => r.includes('ns1/svc1')));
    assert.ok(!rules.chains.nat.some((c) => c.startsWith('KUBE-SVC-')));
  });

  it('uses only ready endpoints, falling back to serving terminating ones', () => {
    const ports = [{ name: 'p80', port: 80 }];
    let { nat } = build([svc1], [slice('ns1', 'svc1', ports, ['10.1.0.1', { ip: '10.1.0.2', ready: false }, { ip: '10.1.0.3', ready: false, serving: true, terminating: true }])]);
    assert.deepEqual(
      nat.filter((r) => r.includes('DNAT')).map((r) => r.split(' ').at(-1)),
      ['10.1.0.1:80'],
    );
    ({ nat } = build([svc1], [slice('ns1', 'svc1', ports, [{ ip: '10.1.0.2', ready: false }, { ip: '10.1.0.3', ready: false, serving: true, terminating: true }])]));
    assert.deepEqual(
      nat.filter((r) => r.includes('DNAT')).map((r) => r.split(' ').at(-1)),
      ['10.1.0.3:80'],
    );
    const { filter } = build([svc1], [slice('ns1', 'svc1', ports, [{ ip: '10.1.0.2', ready: false, serving: false, terminating: true }])]);
    assert.ok(filter.some((r) => r.includes('has no endpoints')));
  });

  it('merges slices, drops duplicates and matches ports by name and protocol', () => {
    const svc = service('ns1', 'multi', {
      clusterIP: '172.30.0.50',
      ports: [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    });
    const slices = [
      slice('ns1', 'multi', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }], ['10.1.0.1'], 'multi-a'),
      slice('ns1', 'multi', [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }], ['10.1.0.1', '10.1.0.2'], 'multi-b'),
      slice('ns2', 'multi', [{ name: 'http', port: 9999, protocol: 'TCP' }], ['10.9.9.9'], 'other-ns'),
    ];
    const { nat } = build([svc], slices);
    const dnat = nat.filter((r) => r.includes('DNAT')).map((r) => `${/-p (\w+)/.exec(r)?.[1]} ${r.split(' ').at(-1)}`);
    assert.deepEqual(dnat.sort(), ['tcp 10.1.0.1:8080', 'tcp 10.1.0.2:8080', 'udp 10.1.0.1:5353', 'udp 10.1.0.2:5353']);
    assert.ok(nat.includes(`-A KUBE-SERVICES -m comment --comment "ns1/multi:dns cluster IP" -m udp -p udp -d 172.30.0.50 --dport 53 -j ${servicePortChainName('KUBE-SVC-', 'ns1/multi:dns', 'udp')}`));
  });

  it('names an unnamed port ns/name and supports SCTP', () => {
    const svc = service('default', 'web', { clusterIP: '10.96.0.10', ports: [{ port: 80 }, { name: 's', port: 9, protocol: 'SCTP' }] });
    const { nat } = build([svc], [slice('default', 'web', [{ port: 8080 }, { name: 's', port: 9, protocol: 'SCTP' }], ['10.1.0.1'])]);
    assert.ok(nat.some((r) => r.startsWith('-A KUBE-SERVICES -m comment --comment "default/web cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 80 -j KUBE-SVC-')));
    assert.ok(nat.some((r) => r.includes('-m comment --comment default/web -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:8080')));
    assert.ok(nat.some((r) => r.includes('-m sctp -p sctp -j DNAT --to-destination 10.1.0.1:9')));
  });

  it('skips headless and ExternalName services', () => {
    const headless = service('ns1', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] });
    const external = service('ns1', 'ext', { type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80 }] });
    const { nat, filter, rules } = build([headless, external], [slice('ns1', 'headless', [{ port: 80 }], ['10.1.0.1'])]);
    assert.equal(rules.servicePorts, 0);
    assert.ok(!nat.some((r) => r.includes('ns1/')));
    assert.ok(!filter.some((r) => r.includes('ns1/')));
  });

  it('writes NodePorts into KUBE-NODEPORTS through a KUBE-EXT chain that masquerades', () => {
    const svc = service('ns2', 'svc2', { type: 'NodePort', clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const { nat, rules } = build([svc], [slice('ns2', 'svc2', [{ name: 'p80', port: 80 }], ['10.180.0.2'])]);
    const ext = servicePortChainName('KUBE-EXT-', 'ns2/svc2:p80', 'tcp');
    const svcChain = servicePortChainName('KUBE-SVC-', 'ns2/svc2:p80', 'tcp');
    assert.equal(ext, 'KUBE-EXT-GNZBNJ2PO5MGZ6GT');
    assert.ok(nat.includes(`-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j ${ext}`));
    assert.ok(nat.includes(`-A ${ext} -m comment --comment "masquerade traffic for ns2/svc2:p80 external destinations" -j KUBE-MARK-MASQ`));
    assert.ok(nat.includes(`-A ${ext} -j ${svcChain}`));
    assert.ok(rules.chains.nat.includes(ext));
    // The node ports jump stays the last rule of KUBE-SERVICES.
    assert.match(nat.filter((r) => r.startsWith('-A KUBE-SERVICES ')).at(-1)!, /-j KUBE-NODEPORTS$/);
  });

  it('rejects a NodePort without endpoints on local addresses', () => {
    const svc = service('ns2', 'svc2', { type: 'NodePort', clusterIP: '172.30.0.42', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const { filter } = build([svc], []);
    assert.ok(filter.includes('-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 3001 -j REJECT'));
  });

  it('blocks localhost NodePorts when localhostNodePorts is off', () => {
    const { nat, rules } = build([], [], { localhostNodePorts: false });
    assert.match(nat.filter((r) => r.startsWith('-A KUBE-SERVICES ')).at(-1)!, /-m addrtype --dst-type LOCAL ! -d 127.0.0.0\/8 -j KUBE-NODEPORTS$/);
    assert.ok(!rules.chains.filter.includes('KUBE-FIREWALL'));
  });

  it('sends external IPs and load-balancer IPs to the KUBE-EXT chain', () => {
    const svc = service('ns1', 'lb', { type: 'LoadBalancer', clusterIP: '172.30.0.60', externalIPs: ['192.0.2.10'], ports: [{ port: 80, nodePort: 30080 }] }, { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } });
    const { nat } = build([svc], [slice('ns1', 'lb', [{ port: 80 }], ['10.1.0.1'])]);
    const ext = servicePortChainName('KUBE-EXT-', 'ns1/lb', 'tcp');
    assert.ok(nat.includes(`-A KUBE-SERVICES -m comment --comment "ns1/lb external IP" -m tcp -p tcp -d 192.0.2.10 --dport 80 -j ${ext}`));
    assert.ok(nat.includes(`-A KUBE-SERVICES -m comment --comment "ns1/lb loadbalancer IP" -m tcp -p tcp -d 198.51.100.1 --dport 80 -j ${ext}`));
  });

  it('writes session affinity with recent matches', () => {
    const svc = service('ns1', 'sticky', { clusterIP: '172.30.0.70', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ port: 80 }] });
    const { nat } = build([svc], [slice('ns1', 'sticky', [{ port: 80 }], ['10.1.0.1', '10.1.0.2'])]);
    const chain = servicePortChainName('KUBE-SVC-', 'ns1/sticky', 'tcp');
    const sep1 = endpointChainName('ns1/sticky', 'tcp', '10.1.0.1:80');
    const sep2 = endpointChainName('ns1/sticky', 'tcp', '10.1.0.2:80');
    const svcRules = nat.filter((r) => r.startsWith(`-A ${chain} `));
    assert.deepEqual(svcRules.slice(1), [
      `-A ${chain} -m comment --comment "ns1/sticky -> 10.1.0.1:80" -m recent --name ${sep1} --rcheck --seconds 600 --reap -j ${sep1}`,
      `-A ${chain} -m comment --comment "ns1/sticky -> 10.1.0.2:80" -m recent --name ${sep2} --rcheck --seconds 600 --reap -j ${sep2}`,
      `-A ${chain} -m comment --comment "ns1/sticky -> 10.1.0.1:80" -m statistic --mode random --probability 0.5000000000 -j ${sep1}`,
      `-A ${chain} -m comment --comment "ns1/sticky -> 10.1.0.2:80" -j ${sep2}`,
    ]);
    assert.ok(nat.includes(`-A ${sep1} -m comment --comment ns1/sticky -m recent --name ${sep1} --set -m tcp -p tcp -j DNAT --to-destination 10.1.0.1:80`));
    // Default timeout is 10800 s.
    const dflt = service('ns1', 'sticky', { clusterIP: '172.30.0.70', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] });
    assert.ok(build([dflt], [slice('ns1', 'sticky', [{ port: 80 }], ['10.1.0.1'])]).nat.some((r) => r.includes('--seconds 10800 --reap')));
  });

  it('masquerades everything with masqueradeAll and nothing without a cluster CIDR', () => {
    const slices = [slice('ns1', 'svc1', [{ name: 'p80', port: 80 }], ['10.180.0.1'])];
    const all = build([svc1], slices, { masqueradeAll: true }).nat;
    assert.ok(all.includes('-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-MARK-MASQ'));
    const none = build([svc1], slices, { clusterCIDR: undefined }).nat;
    assert.ok(!none.some((r) => r.startsWith('-A KUBE-SVC-') && r.includes('KUBE-MARK-MASQ')));
  });

  it('implements externalTrafficPolicy Local with a KUBE-SVL chain of local endpoints', () => {
    const svc = service('ns1', 'local', { type: 'NodePort', clusterIP: '172.30.0.80', externalTrafficPolicy: 'Local', ports: [{ port: 80, nodePort: 30081 }] });
    const slices = [slice('ns1', 'local', [{ port: 80 }], [{ ip: '10.1.0.1', node: 'node-1' }, { ip: '10.2.0.1', node: 'node-2' }])];
    const { nat } = build([svc], slices);
    const ext = servicePortChainName('KUBE-EXT-', 'ns1/local', 'tcp');
    const svl = servicePortChainName('KUBE-SVL-', 'ns1/local', 'tcp');
    const svcChain = servicePortChainName('KUBE-SVC-', 'ns1/local', 'tcp');
    assert.deepEqual(
      nat.filter((r) => r.startsWith(`-A ${ext} `)),
      [
        `-A ${ext} -m comment --comment "pod traffic for ns1/local external destinations" -s 10.0.0.0/8 -j ${svcChain}`,
        `-A ${ext} -m comment --comment "masquerade LOCAL traffic for ns1/local external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
        `-A ${ext} -m comment --comment "route LOCAL traffic for ns1/local external destinations" -m addrtype --src-type LOCAL -j ${svcChain}`,
        `-A ${ext} -j ${svl}`,
      ],
    );
    assert.deepEqual(
      nat.filter((r) => r.startsWith(`-A ${svl} `)),
      [`-A ${svl} -m comment --comment "ns1/local -> 10.1.0.1:80" -j ${endpointChainName('ns1/local', 'tcp', '10.1.0.1:80')}`],
    );
    // No local endpoints: external traffic dropped, cluster traffic still served.
    const remote = [slice('ns1', 'local', [{ port: 80 }], [{ ip: '10.2.0.1', node: 'node-2' }])];
    const { filter, nat: nat2 } = build([svc], remote);
    assert.ok(filter.includes('-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/local has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30081 -j DROP'));
    assert.ok(nat2.some((r) => r.includes('"ns1/local cluster IP"') && r.startsWith('-A KUBE-SERVICES')));
  });

  it('sorts services so the output is stable', () => {
    const a = service('a', 's', { clusterIP: '10.96.0.1', ports: [{ port: 80 }] });
    const b = service('b', 's', { clusterIP: '10.96.0.2', ports: [{ port: 80 }] });
    assert.deepEqual(build([a, b], []).filter, build([b, a], []).filter);
  });
});

describe('categorizeEndpoints', () => {
  const ep = (ip: string, ready: boolean, local: boolean, terminating = false) => ({ ip, port: 80, ready, serving: ready || terminating, terminating, local });
  it('returns local ready endpoints, else local serving terminating ones', () => {
    const eps = [ep('10.0.0.1', true, false), ep('10.0.0.2', false, true, true)];
    const result = categorizeEndpoints(eps, true, true);
    assert.deepEqual(result.cluster.map((e) => e.ip), ['10.0.0.1']);
    assert.deepEqual(result.local.map((e) => e.ip), ['10.0.0.2']);
    assert.deepEqual(result.allReachable.map((e) => e.ip), ['10.0.0.1', '10.0.0.2']);
    assert.equal(result.hasAny, true);
  });
});

describe('renderRestore and renderCleanup', () => {
  const saved = parseIptablesSave(
    [
      '*filter',
      ':INPUT ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      '-A INPUT -m comment --comment "kubernetes externally-visible service portals" -m conntrack --ctstate NEW -j KUBE-EXTERNAL-SERVICES',
      'COMMIT',
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-SVC-OLD - [0:0]',
      ':KUBE-SEP-OLD - [0:0]',
      ':CNI-HOSTPORT-DNAT - [0:0]',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT',
      '-A KUBE-SVC-OLD -j KUBE-SEP-OLD',
      'COMMIT',
    ].join('\n'),
  );

  it('adds missing jumps, rewrites our chains and deletes stale service chains only', () => {
    const text = renderRestore(build([], []).rules, saved);
    assert.ok(text.includes('-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'));
    assert.ok(text.includes('-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'));
    assert.ok(!text.includes('-I PREROUTING'), 'existing jump is not added twice');
    assert.ok(!text.includes('-I INPUT -m comment --comment "kubernetes externally-visible'));
    assert.ok(text.includes(':KUBE-SVC-OLD - [0:0]') && text.includes('-X KUBE-SVC-OLD') && text.includes('-X KUBE-SEP-OLD'));
    assert.ok(!text.includes('CNI-HOSTPORT'));
    assert.match(text, /^\*filter\n[\s\S]*COMMIT\n\*nat\n[\s\S]*COMMIT\n$/);
  });

  it('cleans up our jumps and chains and nothing else', () => {
    const text = renderCleanup(saved);
    assert.ok(text.includes('-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'));
    assert.ok(text.includes('-D INPUT -m comment --comment "kubernetes externally-visible service portals" -m conntrack --ctstate NEW -j KUBE-EXTERNAL-SERVICES') === false, 'KUBE-EXTERNAL-SERVICES does not exist there');
    assert.ok(text.includes('-X KUBE-SERVICES') && text.includes('-X KUBE-SVC-OLD'));
    assert.ok(!text.includes('CNI-HOSTPORT'));
    assert.equal(renderCleanup(parseIptablesSave('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n')), '');
  });
});

describe('planRestore (partial syncs)', () => {
  const ports = [{ name: 'p80', port: 80 }];
  const many = (n: number) => Array.from({ length: n }, (_, i) => service('ns', `s${i}`, { clusterIP: `10.96.0.${i + 1}`, ports: [{ name: 'p80', port: 80 }] }));
  const slicesFor = (n: number, eps = ['10.1.0.1', '10.1.0.2']) => Array.from({ length: n }, (_, i) => slice('ns', `s${i}`, ports, eps));

  it('writes everything in one transaction when small, and only changed chains next time', () => {
    const first = planRestore(build(many(3), slicesFor(3)).rules);
    assert.equal(first.transactions.length, 1);
    assert.equal(first.changedChains, 9);
    const next = build(many(3), [...slicesFor(2), slice('ns', 's2', ports, ['10.1.0.1'])]).rules;
    const plan = planRestore(next, { applied: first.applied });
    assert.equal(plan.transactions.length, 1);
    const text = plan.transactions[0]!;
    const svc2 = servicePortChainName('KUBE-SVC-', 'ns/s2:p80', 'tcp');
    const gone = endpointChainName('ns/s2:p80', 'tcp', '10.1.0.2:80');
    assert.equal(plan.changedChains, 1, 'only the KUBE-SVC chain of s2 changed');
    assert.ok(text.includes(`:${svc2} - [0:0]`));
    assert.ok(!text.includes(`:${servicePortChainName('KUBE-SVC-', 'ns/s0:p80', 'tcp')} - [0:0]`), 'unchanged services are not rewritten');
    assert.ok(text.includes(`:${gone} - [0:0]`) && text.trimEnd().split('\n').at(-2) === `-X ${gone}`);
    assert.ok(text.includes(':KUBE-SERVICES - [0:0]') && text.includes('*filter'));
  });

  it('splits a big write into batches of whole service ports, fixed chains last', () => {
    const plan = planRestore(build(many(50), slicesFor(50)).rules, { maxLinesPerRestore: 40 });
    assert.ok(plan.transactions.length > 5);
    for (const t of plan.transactions.slice(0, -1)) {
      assert.ok(!t.includes('KUBE-SERVICES'));
      // Every chain a batch jumps to is declared in it.
      for (const [, target] of t.matchAll(/-j (KUBE-SEP-\w+)/g)) assert.ok(t.includes(`:${target} - [0:0]`));
    }
    assert.ok(plan.transactions.at(-1)!.includes(':KUBE-SERVICES - [0:0]'));
  });
});
