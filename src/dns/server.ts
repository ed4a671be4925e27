// The cluster DNS server: UDP and TCP listeners on each address, answers for the
// cluster zone from informer caches (Services, EndpointSlices, Namespaces), everything
// else forwarded upstream (SERVFAIL when no upstream answers).

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, isIP, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet, Question } from 'dns-packet';
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources, type Informer, type InformerFactory } from '../client/index.js';
import { ResponseCache } from './cache.js';
import { Forwarder, parseUpstream } from './forwarder.js';
import { ClusterZone, type ClusterView, type Rcode, type UpstreamLookup, type ZoneAnswer } from './records.js';
import { parseResolvConf } from './resolvconf.js';

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port (the same one for UDP and TCP); see ClusterDns.addresses(). */
  readonly port: number;
}

export interface ClusterDnsOptions {
  readonly informers: InformerFactory;
  /** Default 'cluster.local'. */
  readonly clusterDomain?: string;
  readonly listen: readonly ListenAddress[];
  /** Upstream nameservers ("ip", "ip:port", "[ipv6]:port"); default: the nameservers of /etc/resolv.conf. */
  readonly upstream?: readonly string[];
  /** TTL of the cluster records (default 30, kubeadm's Corefile). */
  readonly ttl?: number;
  /** Upstream answers are cached at most this long (default 30, the Corefile's `cache 30`); 0 disables. */
  readonly cacheTtlSeconds?: number;
  /** Per upstream attempt (default 2000 ms). */
  readonly upstreamTimeoutMs?: number;
  /** How long start() waits for the caches before serving anyway (default 5000 ms, like CoreDNS). */
  readonly syncTimeoutMs?: number;
  readonly onError?: (err: unknown) => void;
}

const AUTHORITATIVE = 1 << 10;
const TRUNCATED = 1 << 9;
const RECURSION_DESIRED = 1 << 8;
const RCODES: Record<Rcode | 'FORMERR', number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };
const MIN_UDP_SIZE = 512;
const TCP_IDLE_MS = 10_000;
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const INDEX_SLICE_SERVICE = 'skiff-dns/service';
const INDEX_SLICE_ADDRESS = 'skiff-dns/address';
const INDEX_CLUSTER_IP = 'skiff-dns/cluster-ip';

/** The nameservers of the host's /etc/resolv.conf. */
export function hostUpstreams(path = '/etc/resolv.conf'): string[] {
  try {
    return [...parseResolvConf(readFileSync(path, 'utf8')).nameservers];
  } catch {
    return [];
  }
}

/** ClusterView over shared informers, with indexes of its own. */
class InformerView implements ClusterView {
  private modified = Math.floor(Date.now() / 1000);

  constructor(
    private readonly services: Informer<Service & KubeObject>,
    private readonly slices: Informer<EndpointSlice & KubeObject>,
    private readonly namespaces: Informer<Namespace & KubeObject>,
    private readonly listenHosts: () => string[],
  ) {
    services.addIndex(INDEX_CLUSTER_IP, (svc) => (svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])).filter((ip) => ip !== 'None'));
    slices.addIndex(INDEX_SLICE_SERVICE, (slice) => {
      const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      return service ? [`${slice.metadata?.namespace ?? ''}/${service}`] : [];
    });
    slices.addIndex(INDEX_SLICE_ADDRESS, (slice) => (slice.endpoints ?? []).flatMap((e) => e.addresses));
  }

  /** Handlers that only move the SOA serial; the caches are read at query time. */
  watchChanges(): Array<{ dispose(): void }> {
    const touch = () => (this.modified = Math.floor(Date.now() / 1000));
    const handlers = { add: touch, update: touch, delete: touch };
    return [this.services.addHandlers(handlers), this.slices.addHandlers(handlers), this.namespaces.addHandlers(handlers)];
  }

  get synced(): boolean {
    return this.services.hasSynced && this.slices.hasSynced && this.namespaces.hasSynced;
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.get('', namespace) !== undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(namespace, name);
  }

  endpointSlices(namespace: string, serviceName: string): readonly EndpointSlice[] {
    return this.slices.byIndex(INDEX_SLICE_SERVICE, `${namespace}/${serviceName}`);
  }

  servicesByClusterIP(ip: string): readonly Service[] {
    return this.services.byIndex(INDEX_CLUSTER_IP, ip);
  }

  endpointSlicesByAddress(ip: string): readonly EndpointSlice[] {
    return this.slices.byIndex(INDEX_SLICE_ADDRESS, ip);
  }

  /** CoreDNS nsAddrs, simplified: the kube-dns Service's ClusterIPs, else the addresses we listen on. */
  nameserverAddresses(zone: string): ReadonlyArray<{ name: string; ip: string }> {
    const kubeDns = this.services.get('kube-system', 'kube-dns');
    const ips = kubeDns && kubeDns.spec?.clusterIP !== 'None' ? (kubeDns.spec?.clusterIPs ?? [kubeDns.spec?.clusterIP ?? '']).filter((ip) => isIP(ip) !== 0) : [];
    if (ips.length > 0) return ips.map((ip) => ({ name: `kube-dns.kube-system.svc.${zone}`, ip }));
    const local = this.listenHosts().filter((ip) => isIP(ip) !== 0 && ip !== '0.0.0.0' && ip !== '::');
    return (local.length > 0 ? local : ['127.0.0.1']).map((ip) => ({ name: `ns.dns.${zone}`, ip }));
  }

  serial(): number {
    return this.modified;
  }
}

export class ClusterDns {
  private readonly view: InformerView;
  private readonly informers: ReadonlyArray<{ start(): void; readonly synced: Promise<void> }>;
  private readonly zone: ClusterZone;
  private readonly forwarder: Forwarder;
  private readonly cache: ResponseCache | undefined;
  private readonly udpSockets: UdpSocket[] = [];
  private readonly tcpServers: TcpServer[] = [];
  private readonly tcpConnections = new Set<TcpSocket>();
  private readonly disposables: Array<{ dispose(): void }> = [];
  private readonly bound: ListenAddress[] = [];
  private readonly onError: (err: unknown) => void;
  private readonly syncTimeoutMs: number;
  private running = false;

  constructor(private readonly options: ClusterDnsOptions) {
    const services = options.informers.informer<Service & KubeObject>(Resources.services);
    const slices = options.informers.informer<EndpointSlice & KubeObject>(Resources.endpointslices);
    const namespaces = options.informers.informer<Namespace & KubeObject>(Resources.namespaces);
    this.informers = [services, slices, namespaces];
    this.view = new InformerView(services, slices, namespaces, () => this.bound.map((a) => a.host));
    this.zone = new ClusterZone(this.view, { clusterDomain: options.clusterDomain ?? 'cluster.local', ttl: options.ttl ?? 30 });
    const upstreams = (options.upstream ?? hostUpstreams()).map(parseUpstream);
    this.forwarder = new Forwarder(upstreams, options.upstreamTimeoutMs ?? 2000);
    const cacheTtl = options.cacheTtlSeconds ?? 30;
    this.cache = cacheTtl > 0 ? new ResponseCache(cacheTtl) : undefined;
    this.onError = options.onError ?? (() => {});
    this.syncTimeoutMs = options.syncTimeoutMs ?? 5000;
  }

  /** The addresses actually bound (ports resolved when 0 was asked for). */
  addresses(): readonly ListenAddress[] {
    return this.bound;
  }

  /** Starts its informers, waits (bounded) for them to sync, then listens. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.disposables.push(...this.view.watchChanges());
    for (const informer of this.informers) informer.start();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.informers.map((i) => i.synced)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.syncTimeoutMs))),
    ]);
    clearTimeout(timer);
    try {
      for (const address of this.options.listen) this.bound.push(await this.listenOn(address));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Closes the listeners and upstream sockets; the informers belong to the factory's owner. */
  async stop(): Promise<void> {
    this.running = false;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.forwarder.stop();
    for (const connection of this.tcpConnections) connection.destroy();
    this.tcpConnections.clear();
    await Promise.all(this.udpSockets.splice(0).map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    await Promise.all(this.tcpServers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.bound.length = 0;
  }

  /** Answers one wire-format query; over UDP the reply is cut to the client's size (512 or its EDNS size) with TC set. */
  async handle(query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let request: DecodedPacket;
    try {
      request = dnsPacket.decode(query);
    } catch {
      return query.length >= 12 ? errorReply(query, 'FORMERR') : undefined;
    }
    if (request.type !== 'query') return undefined;
    const question = request.questions?.[0];
    if (!question || request.questions!.length !== 1) return errorReply(query, 'FORMERR');
    const maxSize = transport === 'udp' ? udpSizeOf(request) : undefined;
    const resolution = await this.zone.resolve(question, this.upstreamLookup);
    if (resolution === 'forward') {
      const reply = (await this.forward(query, request, question)) ?? errorReply(query, 'SERVFAIL', true);
      return maxSize !== undefined && reply.length > maxSize ? truncate(reply, maxSize) : reply;
    }
    return encodeAnswer(request, question, resolution, maxSize);
  }

  private async forward(query: Buffer, request: DecodedPacket, question: Question): Promise<Buffer | undefined> {
    const key = ResponseCache.key(question, request.additionals?.some((a) => a.type === 'OPT') ?? false);
    const cached = this.cache?.get(key, request.id ?? 0);
    if (cached) return cached;
    const reply = await this.forwarder.exchange(query);
    if (reply) this.cache?.put(key, reply);
    return reply;
  }

  /** Resolves ExternalName targets outside the zone through the upstreams. */
  private readonly upstreamLookup: UpstreamLookup = async (name, type) => {
    const query = dnsPacket.encode({ type: 'query', id: 0, flags: RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
    const reply = await this.forwarder.exchange(query);
    if (!reply) return undefined;
    try {
      const decoded = dnsPacket.decode(reply);
      return (decoded.flags ?? 0) & 0xf ? undefined : (decoded.answers ?? []);
    } catch {
      return undefined;
    }
  };

  private async listenOn(address: ListenAddress): Promise<ListenAddress> {
    const family = isIP(address.host) === 6 ? 'udp6' : 'udp4';
    const udp = createSocket({ type: family, reuseAddr: false });
    this.udpSockets.push(udp);
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(address.port, address.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => this.onError(err));
    udp.on('message', (message, remote) => this.onDatagram(udp, message, remote));
    const port = udp.address().port;

    const tcp = createServer((socket) => this.onConnection(socket));
    this.tcpServers.push(tcp);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, address.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', (err) => this.onError(err));
    return { host: address.host, port };
  }

  private onDatagram(socket: UdpSocket, message: Buffer, remote: RemoteInfo): void {
    this.handle(message, 'udp').then(
      (reply) => {
        if (reply && this.running) socket.send(reply, remote.port, remote.address, (err) => err && this.onError(err));
      },
      (err) => this.onError(err),
    );
  }

  /** DNS over TCP: 2-byte length-prefixed messages, answered in any order, until idle. */
  private onConnection(socket: TcpSocket): void {
    this.tcpConnections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on('close', () => this.tcpConnections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const size = buffered.readUInt16BE(0);
        if (buffered.length < 2 + size) break;
        const message = Buffer.from(buffered.subarray(2, 2 + size));
        buffered = buffered.subarray(2 + size);
        this.handle(message, 'tcp').then(
          (reply) => {
            if (!reply || socket.destroyed) return;
            const length = Buffer.alloc(2);
            length.writeUInt16BE(reply.length);
            socket.write(Buffer.concat([length, reply]));
          },
          (err) => this.onError(err),
        );
      }
    });
  }
}

function udpSizeOf(request: Packet): number {
  const opt = request.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  return Math.max(MIN_UDP_SIZE, opt?.udpPayloadSize ?? MIN_UDP_SIZE);
}

/** A header-only reply keeping the query's ID, question and RD bit. */
function errorReply(query: Buffer, rcode: Rcode | 'FORMERR', keepQuestion = false): Buffer {
  if (keepQuestion) {
    try {
      const request = dnsPacket.decode(query);
      return dnsPacket.encode({ type: 'response', id: request.id, flags: ((request.flags ?? 0) & RECURSION_DESIRED) | RCODES[rcode], questions: request.questions ?? [] });
    } catch {
      // fall back to the bare header
    }
  }
  const reply = Buffer.alloc(12);
  reply.writeUInt16BE(query.readUInt16BE(0), 0);
  reply.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & RECURSION_DESIRED) | RCODES[rcode], 2);
  return reply;
}

function encodeAnswer(request: DecodedPacket, question: Question, answer: ZoneAnswer, maxSize: number | undefined): Buffer {
  const opt = request.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  const echoedOpt: Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: opt.udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [];
  const packet: Packet = {
    type: 'response',
    id: request.id,
    flags: ((request.flags ?? 0) & RECURSION_DESIRED) | (answer.rcode === 'REFUSED' ? 0 : AUTHORITATIVE) | RCODES[answer.rcode],
    questions: [question],
    answers: answer.answers,
    authorities: answer.authorities,
    additionals: [...answer.additionals, ...echoedOpt],
  };
  const encoded = dnsPacket.encode(packet);
  return maxSize !== undefined && encoded.length > maxSize ? truncatePacket(packet, echoedOpt, maxSize) : encoded;
}

/** Drops records from the end until the reply fits, and sets TC (like miekg/dns Truncate). */
function truncatePacket(packet: Packet, opt: Answer[], maxSize: number): Buffer {
  const answers = [...(packet.answers ?? [])];
  const fit = (n: number): Packet => ({ ...packet, flags: (packet.flags ?? 0) | TRUNCATED, answers: answers.slice(0, n), authorities: [], additionals: opt });
  let n = answers.length;
  while (n > 0 && dnsPacket.encodingLength(fit(n)) > maxSize) n--;
  return dnsPacket.encode(fit(n));
}

function truncate(reply: Buffer, maxSize: number): Buffer {
  try {
    const decoded = dnsPacket.decode(reply);
    const opt = (decoded.additionals ?? []).filter((a) => a.type === 'OPT');
    return truncatePacket(decoded, opt, maxSize);
  } catch {
    return errorReply(reply, 'SERVFAIL');
  }
}
