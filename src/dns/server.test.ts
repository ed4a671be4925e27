import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet, RecordType, SoaAnswer, SrvAnswer } from 'dns-packet';
import type { KubeObject } from '../api/types.js';
import { InformerFactory, Resources } from '../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { ClusterDns } from './index.js';

checkLeaksAfterAll();

const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const rcodeOf = (p: Packet) => RCODE_NAMES[(p.flags ?? 0) & 0xf];
const aa = (p: DecodedPacket) => p.flag_aa;

/** One question over UDP (or TCP), with a deadline. */
async function query(port: number, name: string, type: RecordType, options: { tcp?: boolean; edns?: number } = {}): Promise<DecodedPacket> {
  const packet: Packet = {
    type: 'query',
    id: Math.floor(Math.random() * 65535),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
    ...(options.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: options.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] } : {}),
  };
  const raw = dnsPacket.encode(packet);
  return options.tcp ? queryTcp(port, raw) : queryUdp(port, raw);
}

function queryUdp(port: number, raw: Buffer): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('query timed out'));
    }, 5000);
    socket.on('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(dnsPacket.decode(message));
    });
    socket.send(raw, port, '127.0.0.1');
  });
}

function queryTcp(port: number, raw: Buffer): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffered: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('query timed out'));
    }, 5000);
    socket.on('error', reject);
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from([raw.length >> 8, raw.length & 0xff]), raw])));
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(dnsPacket.decode(buffered.subarray(2)));
    });
  });
}

const data = (p: Packet, type: string) => (p.answers ?? []).filter((a) => a.type === type).map((a) => (a as { data: unknown }).data);

/**
 * A fake upstream resolver: example.test A 192.0.2.1; big.test TXT too large for UDP
 * (truncated there, whole over TCP); slow.test never answers; any PTR -> upstream.ptr.
 */
class FakeUpstream {
  readonly udp: UdpSocket = createSocket('udp4');
  readonly tcp: TcpServer = createServer((socket) => this.onConnection(socket));
  readonly connections = new Set<TcpSocket>();
  tcpQueries = 0;
  udpQueries = 0;
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.bind(0, '127.0.0.1', resolve));
    this.port = this.udp.address().port;
    this.udp.on('message', (message, remote) => {
      this.udpQueries++;
      const reply = this.answer(message, 'udp');
      if (reply) this.udp.send(reply, remote.port, remote.address);
    });
    await new Promise<void>((resolve) => this.tcp.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }

  private onConnection(socket: TcpSocket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      this.tcpQueries++;
      const reply = this.answer(chunk.subarray(2), 'tcp');
      if (reply) socket.write(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
    });
  }

  private answer(raw: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const q = dnsPacket.decode(raw);
    const question = q.questions![0]!;
    const base = { type: 'response' as const, id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED), questions: q.questions };
    const name = question.name.toLowerCase();
    if (name === 'slow.test') return undefined;
    if (name === 'example.test' && question.type === 'A') return dnsPacket.encode({ ...base, answers: [{ type: 'A', name: question.name, ttl: 60, data: '192.0.2.1' }] });
    if (name === 'big.test') {
      if (transport === 'udp') return dnsPacket.encode({ ...base, flags: base.flags | dnsPacket.TRUNCATED_RESPONSE });
      const answers: Answer[] = Array.from({ length: 20 }, (_, i) => ({ type: 'TXT', name: question.name, ttl: 60, data: `record-${i}-${'x'.repeat(60)}` }));
      return dnsPacket.encode({ ...base, answers });
    }
    if (question.type === 'PTR') return dnsPacket.encode({ ...base, answers: [{ type: 'PTR', name: question.name, ttl: 60, data: 'upstream.ptr' }] });
    return dnsPacket.encode({ ...base, flags: base.flags | 3 });
  }
}

describe('cluster DNS server', () => {
  let cp: TestControlPlane;
  let informers: InformerFactory;
  let dns: ClusterDns;
  let upstream: FakeUpstream;
  let port: number;
  const ns = `dns-${randomBytes(3).toString('hex')}`;

  before(async () => {
    cp = await startControlPlane({ builtinControllers: false });
    upstream = new FakeUpstream();
    await upstream.start();
    const c = cp.client;
    await c.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await c.create(Resources.services, ns, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { clusterIP: '10.96.100.10', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] },
    });
    await c.create(Resources.services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } });
    await c.create(Resources.endpointslices, ns, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'db-abcde', labels: { 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': 'test' } },
      addressType: 'IPv4',
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.1.0.5'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.1.0.6'], conditions: { ready: true } },
        { addresses: ['10.1.0.7'], hostname: 'db-2', conditions: { ready: false } },
      ],
    } as KubeObject);
    await c.create(Resources.services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.test' } });

    informers = new InformerFactory(cp.client);
    dns = new ClusterDns({ informers, listen: [{ host: '127.0.0.1', port: 0 }], upstream: [`127.0.0.1:${upstream.port}`], upstreamTimeoutMs: 300 });
    await dns.start();
    port = dns.addresses()[0]!.port;
  });

  after(async () => {
    await dns?.stop();
    await informers?.stop();
    await upstream?.stop();
    await cp?.close();
  });

  it('answers A for a ClusterIP Service, authoritatively, with the TTL and the case of the question', async () => {
    const reply = await query(port, `web.${ns}.svc.cluster.local`, 'A');
    assert.equal(rcodeOf(reply), 'NOERROR');
    assert.ok(aa(reply));
    assert.deepEqual(data(reply, 'A'), ['10.96.100.10']);
    assert.equal((reply.answers![0] as { ttl?: number }).ttl, 30);
    const mixed = await query(port, `WEB.${ns.toUpperCase()}.Svc.Cluster.Local`, 'A');
    assert.deepEqual(data(mixed, 'A'), ['10.96.100.10']);
    assert.equal(mixed.answers![0]!.name, `WEB.${ns.toUpperCase()}.Svc.Cluster.Local`);
  });

  it('tells NODATA from NXDOMAIN, with the zone SOA in authority', async () => {
    const nodata = await query(port, `web.${ns}.svc.cluster.local`, 'AAAA');
    assert.equal(rcodeOf(nodata), 'NOERROR');
    assert.equal(nodata.answers!.length, 0);
    const soa = nodata.authorities![0] as SoaAnswer;
    assert.equal(soa.type, 'SOA');
    assert.equal(soa.name, 'cluster.local');
    assert.equal(soa.data.mname, 'ns.dns.cluster.local');
    assert.equal(soa.data.rname, 'hostmaster.cluster.local');
    assert.deepEqual([soa.data.refresh, soa.data.retry, soa.data.expire, soa.data.minimum], [7200, 1800, 86400, 30]);
    for (const name of [`missing.${ns}.svc.cluster.local`, `web.no-such-ns.svc.cluster.local`, 'foo.cluster.local', `a.b.c.web.${ns}.svc.cluster.local`]) {
      const reply = await query(port, name, 'A');
      assert.equal(rcodeOf(reply), 'NXDOMAIN', name);
      assert.equal(reply.authorities![0]!.type, 'SOA', name);
    }
    // A namespace, the zone apex and svc.<zone> exist as names without records.
    for (const name of [`${ns}.svc.cluster.local`, 'cluster.local', 'svc.cluster.local']) assert.equal(rcodeOf(await query(port, name, 'A')), 'NOERROR', name);
    assert.equal(rcodeOf(await query(port, `web.${ns}.svc.cluster.local`, 'MX')), 'NOERROR');
    assert.equal(rcodeOf(await query(port, `missing.${ns}.svc.cluster.local`, 'MX')), 'NXDOMAIN');
  });

  it('answers SRV for named ports with the service name as target and its address as additional', async () => {
    const reply = await query(port, `_http._tcp.web.${ns}.svc.cluster.local`, 'SRV');
    assert.equal(rcodeOf(reply), 'NOERROR');
    const srv = reply.answers as SrvAnswer[];
    assert.deepEqual(srv.map((a) => a.data), [{ priority: 0, weight: 100, port: 80, target: `web.${ns}.svc.cluster.local` }]);
    assert.deepEqual(reply.additionals!.filter((a) => a.type === 'A').map((a) => [a.name, (a as { data: unknown }).data]), [[`web.${ns}.svc.cluster.local`, '10.96.100.10']]);
    const udp = await query(port, `_dns._udp.web.${ns}.svc.cluster.local`, 'SRV');
    assert.deepEqual((udp.answers as SrvAnswer[]).map((a) => a.data.port), [53]);
    const all = await query(port, `web.${ns}.svc.cluster.local`, 'SRV');
    assert.deepEqual((all.answers as SrvAnswer[]).map((a) => [a.data.port, a.data.weight]), [[80, 50], [53, 50]]);
    assert.equal(rcodeOf(await query(port, `_https._tcp.web.${ns}.svc.cluster.local`, 'SRV')), 'NXDOMAIN');
  });

  it('answers a headless Service with its ready endpoints, by hostname too', async () => {
    const all = await query(port, `db.${ns}.svc.cluster.local`, 'A');
    assert.deepEqual(data(all, 'A').sort(), ['10.1.0.5', '10.1.0.6']);
    assert.deepEqual(data(await query(port, `db-0.db.${ns}.svc.cluster.local`, 'A'), 'A'), ['10.1.0.5']);
    assert.deepEqual(data(await query(port, `10-1-0-6.db.${ns}.svc.cluster.local`, 'A'), 'A'), ['10.1.0.6']);
    assert.equal(rcodeOf(await query(port, `db-2.db.${ns}.svc.cluster.local`, 'A')), 'NXDOMAIN');
    const srv = await query(port, `_pg._tcp.db.${ns}.svc.cluster.local`, 'SRV');
    assert.deepEqual(
      (srv.answers as SrvAnswer[]).map((a) => [a.data.target, a.data.port, a.data.weight]).sort(),
      [[`10-1-0-6.db.${ns}.svc.cluster.local`, 5432, 50], [`db-0.db.${ns}.svc.cluster.local`, 5432, 50]],
    );
    assert.equal(srv.additionals!.filter((a) => a.type === 'A').length, 2);
  });

  it('answers PTR for ClusterIPs and endpoint addresses, and forwards unknown addresses', async () => {
    assert.deepEqual(data(await query(port, '10.100.96.10.in-addr.arpa', 'PTR'), 'PTR'), [`web.${ns}.svc.cluster.local`]);
    assert.deepEqual(data(await query(port, '5.0.1.10.in-addr.arpa', 'PTR'), 'PTR'), [`db-0.db.${ns}.svc.cluster.local`]);
    assert.deepEqual(data(await query(port, '9.9.9.10.in-addr.arpa', 'PTR'), 'PTR'), ['upstream.ptr']);
  });

  it('answers ExternalName with a CNAME and the upstream addresses of its target', async () => {
    const reply = await query(port, `ext.${ns}.svc.cluster.local`, 'A');
    assert.deepEqual(reply.answers!.map((a) => [a.type, (a as { data: unknown }).data]), [['CNAME', 'example.test'], ['A', '192.0.2.1']]);
    assert.deepEqual(data(await query(port, `ext.${ns}.svc.cluster.local`, 'CNAME'), 'CNAME'), ['example.test']);
  });

  it('answers pod records and the schema version', async () => {
    assert.deepEqual(data(await query(port, `10-1-0-5.${ns}.pod.cluster.local`, 'A'), 'A'), ['10.1.0.5']);
    assert.equal(rcodeOf(await query(port, `not-an-ip.${ns}.pod.cluster.local`, 'A')), 'NXDOMAIN');
    assert.equal(rcodeOf(await query(port, `10-1-0-5.no-such-ns.pod.cluster.local`, 'A')), 'NXDOMAIN');
    const txt = await query(port, 'dns-version.cluster.local', 'TXT');
    assert.deepEqual(data(txt, 'TXT').map((d) => (d as Buffer[]).map(String)), [['1.1.0']]);
  });

  it('forwards other names upstream, retries truncated answers over TCP, SERVFAILs on timeout', async () => {
    const forwarded = await query(port, 'example.test', 'A');
    assert.equal(rcodeOf(forwarded), 'NOERROR');
    assert.deepEqual(data(forwarded, 'A'), ['192.0.2.1']);
    assert.equal(rcodeOf(await query(port, 'nothing.test', 'A')), 'NXDOMAIN');
    // Answered from the cache (TTL 60 capped at 30, counting down), not asked again.
    const asked = upstream.udpQueries;
    const cached = await query(port, 'Example.Test', 'A');
    assert.deepEqual(data(cached, 'A'), ['192.0.2.1']);
    assert.ok(((cached.answers![0] as { ttl?: number }).ttl ?? 0) <= 30);
    assert.equal(upstream.udpQueries, asked);

    const before = upstream.tcpQueries;
    // Over UDP the whole answer does not fit in 512 bytes: TC, and the client retries over TCP.
    const overUdp = await query(port, 'big.test', 'TXT');
    assert.ok(overUdp.flag_tc);
    assert.ok(upstream.tcpQueries > before, 'the truncated upstream answer was retried over TCP');
    const overTcp = await query(port, 'big.test', 'TXT', { tcp: true });
    assert.equal(overTcp.flag_tc, false);
    assert.equal(overTcp.answers!.length, 20);
    const withEdns = await query(port, 'big.test', 'TXT', { edns: 4096 });
    assert.equal(withEdns.answers!.length, 20);

    assert.equal(rcodeOf(await query(port, 'slow.test', 'A')), 'SERVFAIL');
  });

  it('serves the cluster zone over TCP too, and truncates large UDP answers', async () => {
    assert.deepEqual(data(await query(port, `web.${ns}.svc.cluster.local`, 'A', { tcp: true }), 'A'), ['10.96.100.10']);
    await cp.client.create(Resources.services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wide' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
    await cp.client.create(Resources.endpointslices, ns, {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'wide-1', labels: { 'kubernetes.io/service-name': 'wide' } },
      addressType: 'IPv4',
      ports: [{ port: 80, protocol: 'TCP' }],
      endpoints: Array.from({ length: 100 }, (_, i) => ({ addresses: [`10.2.0.${i + 1}`] })),
    } as KubeObject);
    const name = `wide.${ns}.svc.cluster.local`;
    const overTcp = await eventually(async () => {
      const reply = await query(port, name, 'A', { tcp: true });
      assert.equal(reply.answers!.length, 100);
      return reply;
    });
    assert.equal(overTcp.flag_tc, false);
    const overUdp = await query(port, name, 'A');
    assert.ok(overUdp.flag_tc);
    assert.ok(overUdp.answers!.length > 0 && overUdp.answers!.length < 100);
    assert.ok(dnsPacket.encode(overUdp).length <= 512);
  });

  it('follows changes to Services and endpoints', async () => {
    await cp.client.create(Resources.services, ns, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'late' }, spec: { clusterIP: '10.96.100.11', ports: [{ port: 80 }] } });
    await eventually(async () => assert.deepEqual(data(await query(port, `late.${ns}.svc.cluster.local`, 'A'), 'A'), ['10.96.100.11']));
    await cp.client.delete(Resources.services, ns, 'late');
    await eventually(async () => assert.equal(rcodeOf(await query(port, `late.${ns}.svc.cluster.local`, 'A')), 'NXDOMAIN'));
  });

  it('measures A lookups per second from one client', async (t) => {
    const socket = createSocket('udp4');
    const name = `web.${ns}.svc.cluster.local`;
    const total = 20_000;
    const window = 64;
    let sent = 0;
    let received = 0;
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received}/${total} answers`)), 60_000);
      const send = () => {
        const raw = dnsPacket.encode({ type: 'query', id: sent & 0xffff, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
        sent++;
        socket.send(raw, port, '127.0.0.1');
      };
      socket.on('message', () => {
        received++;
        if (received === total) {
          clearTimeout(timer);
          resolve();
        } else if (sent < total) send();
      });
      socket.bind(0, '127.0.0.1', () => {
        for (let i = 0; i < window; i++) send();
      });
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    const rate = Math.round(total / seconds);
    t.diagnostic(`${rate} A queries/s (${total} queries, ${window} in flight, one UDP client)`);
    assert.ok(rate > 1000, `${rate} queries/s`);
  });
});
