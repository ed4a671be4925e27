import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Answer } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { addressFromReverse, ClusterZone, type ClusterView, type UpstreamLookup, type ZoneAnswer } from './index.js';

checkLeaksAfterAll();

const services: Service[] = [
  { metadata: { name: 'v6', namespace: 'app' }, spec: { clusterIP: 'fd00:96::a', clusterIPs: ['fd00:96::a'], ipFamilies: ['IPv6'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
  { metadata: { name: 'alias', namespace: 'app' }, spec: { type: 'ExternalName', externalName: 'v6.app.svc.cluster.local' } },
  { metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } },
  { metadata: { name: 'trio', namespace: 'app' }, spec: { clusterIP: 'None', ports: [{ name: 'p', port: 7000 }] } },
  { metadata: { name: 'bare', namespace: 'app' }, spec: { clusterIP: 'None' } },
];
const slices: EndpointSlice[] = [
  {
    metadata: { name: 'trio-1', namespace: 'app', labels: { 'kubernetes.io/service-name': 'trio' } },
    addressType: 'IPv4',
    ports: [{ name: 'p', port: 7000, protocol: 'TCP' }],
    endpoints: ['10.1.1.1', '10.1.1.2', '10.1.1.3'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  },
  {
    metadata: { name: 'bare-1', namespace: 'app', labels: { 'kubernetes.io/service-name': 'bare' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.2.1'] }],
  },
];

function view(synced = true): ClusterView {
  return {
    synced,
    namespaceExists: (ns) => ns === 'app' || ns === 'kube-system',
    service: (ns, name) => services.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
    endpointSlices: (ns, name) => slices.filter((s) => s.metadata?.namespace === ns && s.metadata?.labels?.['kubernetes.io/service-name'] === name),
    servicesByClusterIP: (ip) => services.filter((s) => s.spec?.clusterIPs?.includes(ip)),
    endpointSlicesByAddress: (ip) => slices.filter((s) => s.endpoints?.some((e) => e.addresses.includes(ip))),
    nameserverAddresses: (zone) => [{ name: `kube-dns.kube-system.svc.${zone}`, ip: '10.96.0.10' }],
    serial: () => 1700000000,
  };
}

const noUpstream: UpstreamLookup = async () => undefined;
const zone = new ClusterZone(view(), { clusterDomain: 'cluster.local', ttl: 30 });

async function ask(name: string, type: 'A' | 'AAAA' | 'SRV' | 'PTR' | 'NS' | 'SOA' | 'AXFR' | 'TXT', z = zone): Promise<ZoneAnswer> {
  const result = await z.resolve({ name, type, class: 'IN' }, noUpstream);
  assert.notEqual(result, 'forward', `${name} ${type} was forwarded`);
  return result as ZoneAnswer;
}
const values = (answers: Answer[]) => answers.map((a) => [a.type, (a as { data: unknown }).data]);

describe('cluster zone records', () => {
  it('answers AAAA for IPv6 ClusterIPs and PTR in ip6.arpa', async () => {
    assert.deepEqual(values((await ask('v6.app.svc.cluster.local', 'AAAA')).answers), [['AAAA', 'fd00:96::a']]);
    const a = await ask('v6.app.svc.cluster.local', 'A');
    assert.deepEqual([a.rcode, a.answers.length, a.authorities[0]?.type], ['NOERROR', 0, 'SOA']);
    const reverse = 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.0.d.f.ip6.arpa';
    assert.equal(addressFromReverse(reverse), 'fd00:96::a');
    assert.deepEqual(values((await ask(reverse, 'PTR')).answers), [['PTR', 'v6.app.svc.cluster.local']]);
    assert.equal(await zone.resolve({ name: '1.2.3.4.in-addr.arpa', type: 'PTR' }, noUpstream), 'forward');
    assert.equal(await zone.resolve({ name: '10.0.96.10.in-addr.arpa', type: 'A' }, noUpstream), 'forward');
    assert.equal(await zone.resolve({ name: 'example.com', type: 'A' }, noUpstream), 'forward');
  });

  it('follows an ExternalName CNAME that points inside the zone', async () => {
    assert.deepEqual(values((await ask('alias.app.svc.cluster.local', 'AAAA')).answers), [['CNAME', 'v6.app.svc.cluster.local'], ['AAAA', 'fd00:96::a']]);
  });

  it('splits SRV weight evenly and skips SRV for endpoints without ports', async () => {
    const srv = await ask('trio.app.svc.cluster.local', 'SRV');
    assert.deepEqual(srv.answers.map((a) => (a as { data: { weight: number } }).data.weight), [33, 33, 33]);
    assert.deepEqual(srv.additionals.map((a) => a.name), ['10-1-1-1.trio.app.svc.cluster.local', '10-1-1-2.trio.app.svc.cluster.local', '10-1-1-3.trio.app.svc.cluster.local']);
    const bare = await ask('bare.app.svc.cluster.local', 'SRV');
    assert.deepEqual([bare.rcode, bare.answers.length], ['NOERROR', 0]);
    assert.deepEqual(values((await ask('bare.app.svc.cluster.local', 'A')).answers), [['A', '10.1.2.1']]);
  });

  it('answers NS and SOA at the apex, ns.dns A, refuses zone transfers', async () => {
    const ns = await ask('cluster.local', 'NS');
    assert.deepEqual(values(ns.answers), [['NS', 'kube-dns.kube-system.svc.cluster.local']]);
    assert.deepEqual(values(ns.additionals), [['A', '10.96.0.10']]);
    const soa = await ask('cluster.local', 'SOA');
    assert.equal((soa.answers[0] as { data: { serial: number } }).data.serial, 1700000000);
    assert.deepEqual(values((await ask('ns.dns.cluster.local', 'A')).answers), [['A', '10.96.0.10']]);
    assert.equal((await ask('cluster.local', 'AXFR')).rcode, 'REFUSED');
  });

  it('is SERVFAIL rather than NXDOMAIN before the caches are synced', async () => {
    const cold = new ClusterZone(view(false), { clusterDomain: 'cluster.local', ttl: 30 });
    assert.equal((await ask('missing.app.svc.cluster.local', 'A', cold)).rcode, 'SERVFAIL');
    assert.equal((await ask('missing.app.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
    // A TXT question for a name with records is NODATA; without, NXDOMAIN.
    assert.equal((await ask('trio.app.svc.cluster.local', 'TXT')).rcode, 'NOERROR');
    assert.equal((await ask('missing.app.svc.cluster.local', 'TXT')).rcode, 'NXDOMAIN');
  });
});
