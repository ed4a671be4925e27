// The cluster zone's records, answered the way CoreDNS's kubernetes plugin answers
// them (pods insecure, ttl from the options): A/AAAA/SRV/CNAME/TXT/PTR/NS/SOA for
// <svc>.<ns>.svc.<zone>, <endpoint>.<svc>.<ns>.svc.<zone>, _<port>._<proto>.<svc>.<ns>.svc.<zone>,
// <a-b-c-d>.<ns>.pod.<zone>, dns-version.<zone>; NXDOMAIN versus NODATA with the
// zone's SOA in the authority section. Pure code over a ClusterView.

import { isIP } from 'node:net';
import type { Answer, Question } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

/** What the record logic reads of the cluster; names are lower case. */
export interface ClusterView {
  /** False until the caches are filled: a name error then is SERVFAIL, not NXDOMAIN. */
  readonly synced: boolean;
  namespaceExists(namespace: string): boolean;
  service(namespace: string, name: string): Service | undefined;
  endpointSlices(namespace: string, serviceName: string): readonly EndpointSlice[];
  servicesByClusterIP(ip: string): readonly Service[];
  endpointSlicesByAddress(ip: string): readonly EndpointSlice[];
  /** Addresses this DNS server is reached at (for ns.dns.<zone> and NS), with their names. */
  nameserverAddresses(zone: string): ReadonlyArray<{ name: string; ip: string }>;
  /** The SOA serial: when the cluster data last changed (Unix seconds). */
  serial(): number;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';

export interface ZoneAnswer {
  readonly rcode: Rcode;
  readonly answers: Answer[];
  readonly authorities: Answer[];
  readonly additionals: Answer[];
}

/** Resolves a name outside the zone (an ExternalName target); undefined when it fails. */
export type UpstreamLookup = (name: string, type: 'A' | 'AAAA') => Promise<Answer[] | undefined>;

export interface ZoneOptions {
  readonly clusterDomain: string;
  readonly ttl: number;
}

/** 'forward': the name is not ours (or a reverse name we do not know): ask upstream. */
export type Resolution = ZoneAnswer | 'forward';

export const DNS_SCHEMA_VERSION = '1.1.0';
const REVERSE_ZONES = ['in-addr.arpa', 'ip6.arpa'];
const NAME_ERROR = Symbol('name error');
type NameError = typeof NAME_ERROR;

/** CoreDNS's msg.Service: one target (an IP, or a name for CNAMEs) at a domain path. */
interface Target {
  readonly host: string;
  /** -1: the service or endpoint has no ports (no SRV record). */
  readonly port: number;
  /** The owner name of this target: <svc>.<ns>.svc.<zone> or <endpoint>.<svc>.<ns>.svc.<zone>. */
  readonly domain: string;
}

interface RecordRequest {
  port: string;
  protocol: string;
  endpoint: string;
  service: string;
  namespace: string;
  podOrSvc: string;
}

function stripUnderscore(label: string): string {
  return label.startsWith('_') ? label.slice(1) : label;
}

/** CoreDNS parseRequest: _port._protocol.service.namespace.svc|pod, endpoint.service.namespace.svc, ... */
function parseRequest(base: string): RecordRequest | NameError {
  const r: RecordRequest = { port: '', protocol: '', endpoint: '', service: '', namespace: '', podOrSvc: '' };
  if (base === '' || base === 'svc' || base === 'pod') return r;
  const segs = base.split('.');
  let last = segs.length - 1;
  r.podOrSvc = segs[last]!;
  if (r.podOrSvc !== 'pod' && r.podOrSvc !== 'svc') return NAME_ERROR;
  if (--last < 0) return r;
  r.namespace = segs[last]!;
  if (--last < 0) return r;
  r.service = segs[last]!;
  if (--last < 0) return r;
  if (last === 0) r.endpoint = segs[0]!;
  else if (last === 1) {
    r.protocol = stripUnderscore(segs[1]!);
    r.port = stripUnderscore(segs[0]!);
  } else return NAME_ERROR;
  return r;
}

function matchPortAndProtocol(wantPort: string, port: string, wantProtocol: string, protocol: string): boolean {
  return (wantPort === '' || wantPort === port.toLowerCase()) && (wantProtocol === '' || wantProtocol === protocol.toLowerCase());
}

/** CoreDNS endpointHostname: the endpoint's hostname, else its IP with dashes. */
function endpointHostname(hostname: string | undefined, ip: string): string {
  if (hostname) return hostname;
  if (ip.includes('.')) return ip.replaceAll('.', '-');
  if (ip.includes(':')) return ip.replaceAll(':', '-');
  return '';
}

interface ReadyAddress {
  readonly ip: string;
  readonly hostname: string | undefined;
  readonly ports: ReadonlyArray<{ name: string; protocol: string; port: number }>;
}

/** Ready addresses of a Service's slices, as CoreDNS converts EndpointSlices to Endpoints. */
function readyAddresses(slices: readonly EndpointSlice[]): ReadyAddress[] {
  const out: ReadyAddress[] = [];
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const ports = (slice.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }));
    const effectivePorts = ports.length > 0 ? ports : [{ name: '', protocol: '', port: -1 }];
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false) continue;
      for (const ip of endpoint.addresses) out.push({ ip, hostname: endpoint.hostname, ports: effectivePorts });
    }
  }
  return out;
}

function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : []);
  return ips.filter((ip) => ip !== '' && ip !== 'None');
}

function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** The IP a reverse name stands for, or '' (CoreDNS dnsutil.ExtractAddressFromReverse). */
export function addressFromReverse(name: string): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.in-addr.arpa')) {
    const labels = lower.slice(0, -'.in-addr.arpa'.length).split('.');
    const ip = labels.reverse().join('.');
    return labels.length === 4 && isIP(ip) === 4 ? ip : '';
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return '';
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g)!.map((g) => g.replace(/^0{1,3}/, ''));
    return compressIPv6(groups.join(':'));
  }
  return '';
}

/** Canonical IPv6 text (RFC 5952) through the URL parser. */
function compressIPv6(ip: string): string {
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return '';
  }
}

function canonicalIP(ip: string): string {
  return isIP(ip) === 6 ? compressIPv6(ip) : ip;
}

function nameInZone(nameLower: string, zone: string): boolean {
  return nameLower === zone || nameLower.endsWith(`.${zone}`);
}

export class ClusterZone {
  private readonly zone: string;

  constructor(
    private readonly view: ClusterView,
    private readonly options: ZoneOptions,
  ) {
    this.zone = options.clusterDomain.toLowerCase().replace(/\.$/, '');
  }

  /** Answers a question for the cluster zone, or says it belongs upstream. */
  async resolve(question: Question, upstream: UpstreamLookup): Promise<Resolution> {
    const qname = question.name.replace(/\.$/, '');
    const lower = qname.toLowerCase();
    if ((question.class ?? 'IN') !== 'IN') return 'forward';
    if (nameInZone(lower, this.zone)) return this.resolveInZone(qname, question.type, upstream);
    // Reverse zones: PTRs for ClusterIPs and endpoint addresses; the rest falls through upstream.
    if (REVERSE_ZONES.some((z) => nameInZone(lower, z)) && question.type === 'PTR') {
      const ip = addressFromReverse(lower);
      const targets = ip ? this.reverse(ip) : [];
      if (targets.length === 0) return 'forward';
      return this.reply('NOERROR', [...new Set(targets)].map((target) => ({ type: 'PTR', name: qname, ttl: this.options.ttl, data: target })));
    }
    return 'forward';
  }

  private async resolveInZone(qname: string, type: Question['type'], upstream: UpstreamLookup): Promise<ZoneAnswer> {
    // Keep the case of the question in the zone's owner names, like CoreDNS.
    const zone = qname.slice(qname.length - this.zone.length);
    const apex = qname.length === zone.length;
    let answers: Answer[] = [];
    let additionals: Answer[] = [];
    let error = false;
    switch (type) {
      case 'A':
      case 'AAAA': {
        const result = await this.addresses(qname, zone, type, upstream, 0);
        if (result === NAME_ERROR) error = true;
        else answers = result;
        break;
      }
      case 'TXT': {
        if (qname.slice(0, qname.length - zone.length).toLowerCase() === 'dns-version.') {
          answers = [{ type: 'TXT', name: qname, ttl: 28800, data: DNS_SCHEMA_VERSION }];
        } else {
          const found = this.targets(qname, zone);
          if (found === NAME_ERROR || found.length === 0) error = true;
        }
        break;
      }
      case 'CNAME': {
        const found = this.targets(qname, zone);
        if (found === NAME_ERROR) error = true;
        else if (found[0] && isIP(found[0].host) === 0) answers = [{ type: 'CNAME', name: qname, ttl: this.options.ttl, data: found[0].host }];
        break;
      }
      case 'SRV': {
        const result = this.srv(qname, zone);
        if (result === NAME_ERROR) error = true;
        else ({ answers, additionals } = result);
        break;
      }
      case 'SOA':
        if (apex) answers = [this.soa(zone)];
        break;
      case 'AXFR':
      case 'IXFR':
        return { rcode: 'REFUSED', answers: [], authorities: [], additionals: [] };
      case 'NS':
        if (apex) {
          for (const ns of this.view.nameserverAddresses(zone)) {
            if (!answers.some((a) => a.type === 'NS' && a.data === ns.name)) answers.push({ type: 'NS', name: qname, ttl: this.options.ttl, data: ns.name });
            additionals.push({ type: isIP(ns.ip) === 6 ? 'AAAA' : 'A', name: ns.name, ttl: this.options.ttl, data: ns.ip });
          }
          break;
        }
        error = (await this.addresses(qname, zone, 'A', upstream, 0)) === NAME_ERROR;
        break;
      default:
        // A stand-in A lookup tells NODATA from NXDOMAIN.
        error = (await this.addresses(qname, zone, 'A', upstream, 0)) === NAME_ERROR;
    }
    if (error) return { rcode: this.view.synced ? 'NXDOMAIN' : 'SERVFAIL', answers: [], authorities: [this.soa(zone)], additionals: [] };
    if (answers.length === 0) return { rcode: 'NOERROR', answers: [], authorities: [this.soa(zone)], additionals: [] };
    return { rcode: 'NOERROR', answers, authorities: [], additionals };
  }

  private reply(rcode: Rcode, answers: Answer[]): ZoneAnswer {
    return { rcode, answers, authorities: [], additionals: [] };
  }

  private soa(zone: string): Answer {
    const ttl = this.options.ttl;
    return {
      type: 'SOA',
      name: zone,
      ttl: Math.min(300, ttl),
      data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.view.serial() >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
    };
  }

  /** CoreDNS Records (through Services): the targets a name in the zone stands for. */
  private targets(qname: string, zone: string): Target[] | NameError {
    const lower = qname.toLowerCase();
    const base = lower.slice(0, lower.length - zone.length).replace(/\.$/, '');
    if (base === 'ns.dns') return this.view.nameserverAddresses(zone).map((ns) => ({ host: ns.ip, port: -1, domain: qname }));
    const r = parseRequest(base);
    if (r === NAME_ERROR) return NAME_ERROR;
    if (r.podOrSvc === '') return [];
    if (!this.view.namespaceExists(r.namespace)) return NAME_ERROR;
    return r.podOrSvc === 'pod' ? this.findPod(r, zone) : this.findServices(r, zone);
  }

  private findPod(r: RecordRequest, zone: string): Target[] | NameError {
    if (r.service === '') return [];
    const name = r.service;
    const ip = (name.split('-').length - 1 === 3 && !name.includes('--')) ? name.replaceAll('-', '.') : name.replaceAll('-', ':');
    if (isIP(ip) === 0) return NAME_ERROR;
    return [{ host: canonicalIP(ip), port: -1, domain: `${name}.${r.namespace}.pod.${zone}` }];
  }

  private findServices(r: RecordRequest, zone: string): Target[] | NameError {
    if (r.service === '') return [];
    const svc = this.view.service(r.namespace, r.service);
    if (!svc) return NAME_ERROR;
    const name = svc.metadata?.name ?? r.service;
    const serviceDomain = `${name}.${r.namespace}.svc.${zone}`;
    if (svc.spec?.type === 'ExternalName') {
      const external = (svc.spec.externalName ?? '').replace(/\.$/, '');
      // External services have no endpoints; an IP as externalName makes no record.
      if (r.endpoint !== '' || external === '' || isIP(external) !== 0) return NAME_ERROR;
      return [{ host: external, port: -1, domain: serviceDomain }];
    }
    const targets: Target[] = [];
    let matched = false;
    if (isHeadless(svc) || r.endpoint !== '') {
      for (const address of readyAddresses(this.view.endpointSlices(r.namespace, name))) {
        const hostname = endpointHostname(address.hostname, address.ip);
        if (r.endpoint !== '' && r.endpoint !== hostname.toLowerCase()) continue;
        for (const port of address.ports) {
          if (!matchPortAndProtocol(r.port, port.name, r.protocol, port.protocol)) continue;
          matched = true;
          targets.push({ host: address.ip, port: port.port, domain: `${hostname}.${serviceDomain}` });
        }
      }
    } else {
      for (const port of svc.spec?.ports ?? []) {
        if (!matchPortAndProtocol(r.port, port.name ?? '', r.protocol, port.protocol ?? 'TCP')) continue;
        matched = true;
        for (const ip of clusterIPsOf(svc)) targets.push({ host: ip, port: port.port, domain: serviceDomain });
      }
    }
    return matched ? targets : NAME_ERROR;
  }

  /** CoreDNS plugin.A / plugin.AAAA, following CNAMEs inside the zone and asking upstream outside it. */
  private async addresses(qname: string, zone: string, type: 'A' | 'AAAA', upstream: UpstreamLookup, depth: number): Promise<Answer[] | NameError> {
    const found = this.targets(qname, zone);
    if (found === NAME_ERROR) return NAME_ERROR;
    const records: Answer[] = [];
    const seen = new Set<string>();
    for (const target of found) {
      const family = isIP(target.host);
      if (family === 0) {
        // x CNAME x loops; more than 8 CNAMEs in a chain are dropped.
        if (target.host.toLowerCase() === qname.toLowerCase() || depth > 7) continue;
        const cname: Answer = { type: 'CNAME', name: qname, ttl: this.options.ttl, data: target.host };
        if (nameInZone(target.host.toLowerCase(), this.zone)) {
          const next = await this.addresses(target.host, target.host.slice(target.host.length - this.zone.length), type, upstream, depth + 1);
          if (next !== NAME_ERROR && next.length > 0) records.push(cname, ...next);
          continue;
        }
        const resolved = await upstream(target.host, type);
        if (resolved) records.push(cname, ...resolved);
        continue;
      }
      if ((family === 4) !== (type === 'A') || seen.has(target.host)) continue;
      seen.add(target.host);
      records.push({ type, name: qname, ttl: this.options.ttl, data: target.host });
    }
    return records;
  }

  /** CoreDNS plugin.SRV: one SRV per (target name, port), weights summing to 100, addresses as additionals. */
  private srv(qname: string, zone: string): { answers: Answer[]; additionals: Answer[] } | NameError {
    const found = this.targets(qname, zone);
    if (found === NAME_ERROR) return NAME_ERROR;
    // SRV for external (CNAME) services is not implemented upstream either.
    const internal = found.filter((t) => isIP(t.host) !== 0);
    const weight = Math.max(1, Math.floor((100 / (100 * internal.length)) * 100));
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    const seen = new Set<string>();
    for (const target of internal) {
      if (target.port === -1) continue;
      const srvKey = `${target.domain.toLowerCase()}|${target.port}`;
      if (!seen.has(srvKey)) {
        seen.add(srvKey);
        answers.push({ type: 'SRV', name: qname, ttl: this.options.ttl, data: { priority: 0, weight, port: target.port, target: target.domain } });
      }
      const addressKey = `${target.domain.toLowerCase()}|${target.host}`;
      if (!seen.has(addressKey)) {
        seen.add(addressKey);
        additionals.push({ type: isIP(target.host) === 6 ? 'AAAA' : 'A', name: target.domain, ttl: this.options.ttl, data: target.host });
      }
    }
    return { answers, additionals };
  }

  /** CoreDNS serviceRecordForIP: a ClusterIP's service name, else the names of endpoints with that address. */
  private reverse(ip: string): string[] {
    for (const svc of this.view.servicesByClusterIP(ip)) {
      return [`${svc.metadata?.name}.${svc.metadata?.namespace}.svc.${this.zone}`];
    }
    const names: string[] = [];
    for (const slice of this.view.endpointSlicesByAddress(ip)) {
      const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
      if (!service) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const address of endpoint.addresses) {
          if (canonicalIP(address) === ip) names.push(`${endpointHostname(endpoint.hostname, address)}.${service}.${slice.metadata?.namespace}.svc.${this.zone}`);
        }
      }
    }
    return names;
  }
}
