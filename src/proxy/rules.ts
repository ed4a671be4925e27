// The pure half of the iptables service proxy: Services + EndpointSlices in,
// iptables-restore text out. Follows kube-proxy's iptables mode
// (pkg/proxy/iptables/proxier.go syncProxyRules): chain names, rule order,
// comments and probabilities match upstream so `iptables-save` looks familiar.
//
// Not implemented (yet): loadBalancerSourceRanges (KUBE-FW-*), health-check node
// ports for externalTrafficPolicy Local, topology-aware hints, IPv6.

import { createHash } from 'node:crypto';
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';
/** The bit KUBE-MARK-MASQ sets and KUBE-POSTROUTING masquerades on (kube-proxy's default masqueradeBit 14). */
export const MASQUERADE_MARK = '0x4000';

/** Chains of per-service-port and per-endpoint rules, all owned by the proxy. */
export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;

export type Table = 'filter' | 'nat';

/** A jump from a built-in chain into one of ours, as upstream's iptablesJumpChains. */
export interface JumpRule {
  readonly table: Table;
  readonly from: string;
  readonly to: string;
  /** The rule's arguments without "-A CHAIN". */
  readonly args: string;
}

export function jumpRules(localhostNodePorts: boolean): JumpRule[] {
  const jump = (table: Table, from: string, to: string, comment: string, extra = ''): JumpRule => ({
    table,
    from,
    to,
    args: `${comment ? `-m comment --comment "${comment}" ` : ''}${extra ? `${extra} ` : ''}-j ${to}`,
  });
  const ctNew = '-m conntrack --ctstate NEW';
  const jumps = [
    jump('filter', 'INPUT', KUBE_EXTERNAL_SERVICES, 'kubernetes externally-visible service portals', ctNew),
    jump('filter', 'FORWARD', KUBE_EXTERNAL_SERVICES, 'kubernetes externally-visible service portals', ctNew),
    jump('filter', 'FORWARD', KUBE_SERVICES, 'kubernetes service portals', ctNew),
    jump('filter', 'OUTPUT', KUBE_SERVICES, 'kubernetes service portals', ctNew),
    jump('filter', 'FORWARD', KUBE_FORWARD, 'kubernetes forwarding rules'),
    jump('nat', 'OUTPUT', KUBE_SERVICES, 'kubernetes service portals'),
    jump('nat', 'PREROUTING', KUBE_SERVICES, 'kubernetes service portals'),
    jump('nat', 'POSTROUTING', KUBE_POSTROUTING, 'kubernetes postrouting rules'),
  ];
  // route_localnet makes 127.0.0.1:<nodePort> work; this drops what it would let in from outside.
  if (localhostNodePorts) jumps.push(jump('filter', 'INPUT', KUBE_FIREWALL, ''), jump('filter', 'OUTPUT', KUBE_FIREWALL, ''));
  return jumps;
}

export interface ProxyRulesInput {
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  /** Endpoints whose nodeName is this one are local (externalTrafficPolicy/internalTrafficPolicy Local). */
  readonly nodeName: string;
  /** Pod CIDR(s) of the cluster: traffic to ClusterIPs from outside them is masqueraded. */
  readonly clusterCIDR?: string;
  /** Masquerade all traffic to ClusterIPs (upstream --masquerade-all). */
  readonly masqueradeAll?: boolean;
  /** Accept NodePorts on 127.0.0.1 (needs route_localnet=1; upstream default true). */
  readonly localhostNodePorts?: boolean;
}

export interface ProxyRules {
  /** Chains declared in each table (flushed and rewritten by the restore). */
  readonly chains: Record<Table, string[]>;
  /** "-A ..." lines for each table. */
  readonly rules: Record<Table, string[]>;
  /** The nat chains of each service port (KUBE-SVC/SVL/EXT/SEP) with their rules, for partial syncs. */
  readonly servicePortChains: Array<Map<string, string[]>>;
  /** Number of service ports and endpoint chains, for logs and metrics. */
  readonly servicePorts: number;
  readonly endpointChains: number;
}

export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly local: boolean;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Go's base32.StdEncoding of the first 10 bytes: 16 characters, no padding. */
function base32Prefix16(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    buffer = (buffer << 8) | (bytes[i] ?? 0);
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

function hash16(text: string): string {
  return base32Prefix16(createHash('sha256').update(text).digest());
}

/** "ns/name:port", or "ns/name" for an unnamed port (proxy.ServicePortName.String()). */
export function servicePortNameString(namespace: string, name: string, portName: string | undefined): string {
  return `${namespace}/${name}${portName ? `:${portName}` : ''}`;
}

/** Upstream's portProtoHash-based names; protocol lower-case. */
export function servicePortChainName(prefix: 'KUBE-SVC-' | 'KUBE-SVL-' | 'KUBE-EXT-' | 'KUBE-FW-', servicePortName: string, protocol: string): string {
  return prefix + hash16(servicePortName + protocol);
}

export function endpointChainName(servicePortName: string, protocol: string, endpoint: string): string {
  return 'KUBE-SEP-' + hash16(servicePortName + protocol + endpoint);
}

/** "%0.10f" of 1/n, as upstream's probability(). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function isIPv4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

/** Whether kube-proxy programs this Service at all: ClusterIP set, not headless, not ExternalName. */
export function isProxiedService(svc: Service): boolean {
  return svc.spec?.type !== 'ExternalName' && isIPv4(svc.spec?.clusterIP);
}

/**
 * Endpoints of one service port from all the service's slices, deduplicated and
 * sorted by "ip:port" like upstream's endpoint slice cache.
 */
export function endpointsForPort(slices: readonly EndpointSlice[], port: ServicePort, nodeName: string): EndpointInfo[] {
  const protocol = port.protocol ?? 'TCP';
  const byAddress = new Map<string, EndpointInfo>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol);
    if (!slicePort?.port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const ip = endpoint.addresses?.[0];
      if (!isIPv4(ip)) continue;
      const ready = endpoint.conditions?.ready ?? true;
      const info: EndpointInfo = {
        ip,
        port: slicePort.port,
        ready,
        serving: endpoint.conditions?.serving ?? ready,
        terminating: endpoint.conditions?.terminating ?? false,
        local: endpoint.nodeName === nodeName,
      };
      const key = `${ip}:${slicePort.port}`;
      if (!byAddress.has(key)) byAddress.set(key, info);
    }
  }
  return [...byAddress.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ep]) => ep);
}

interface Categorized {
  readonly cluster: EndpointInfo[];
  readonly local: EndpointInfo[];
  readonly allReachable: EndpointInfo[];
  readonly hasAny: boolean;
}

/** proxy.CategorizeEndpoints without topology: ready ones, else serving+terminating ones. */
export function categorizeEndpoints(endpoints: readonly EndpointInfo[], usesCluster: boolean, usesLocal: boolean): Categorized {
  const servingTerminating = (ep: EndpointInfo) => ep.serving && ep.terminating;
  let cluster: EndpointInfo[] = [];
  let hasAny = false;
  if (usesCluster) {
    cluster = endpoints.filter((ep) => ep.ready);
    if (cluster.length === 0) cluster = endpoints.filter(servingTerminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocal) return { cluster, local: [], allReachable: cluster, hasAny };
  let local = endpoints.filter((ep) => ep.local && ep.ready);
  if (local.length === 0) local = endpoints.filter((ep) => ep.local && servingTerminating(ep));
  if (endpoints.some((ep) => ep.ready || servingTerminating(ep))) hasAny = true;
  if (!usesCluster) return { cluster, local, allReachable: local, hasAny };
  const union = new Set([...cluster, ...local]);
  return { cluster, local, allReachable: endpoints.filter((ep) => union.has(ep)), hasAny };
}

const DEFAULT_STICKY_SECONDS = 10800;

/** Generates the full rule set for the nat and filter tables (upstream's syncProxyRules). */
export function buildProxyRules(input: ProxyRulesInput): ProxyRules {
  const localhostNodePorts = input.localhostNodePorts ?? true;
  const chains: Record<Table, string[]> = {
    filter: [KUBE_NODEPORTS, KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, ...(localhostNodePorts ? [KUBE_FIREWALL] : [])],
    nat: [KUBE_NODEPORTS, KUBE_SERVICES, KUBE_MARK_MASQ, KUBE_POSTROUTING],
  };
  const filter: string[] = [];
  const nat: string[] = [];
  const mark = `${MASQUERADE_MARK}/${MASQUERADE_MARK}`;

  if (localhostNodePorts) {
    filter.push(`-A ${KUBE_FIREWALL} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }
  filter.push(
    `-A ${KUBE_FORWARD} -m conntrack --ctstate INVALID -j DROP`,
    `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark} -j ACCEPT`,
    `-A ${KUBE_FORWARD} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  );
  nat.push(
    `-A ${KUBE_POSTROUTING} -m mark ! --mark ${mark} -j RETURN`,
    // Clear the mark so a packet re-traversing the stack is not masqueraded twice.
    `-A ${KUBE_POSTROUTING} -j MARK --xor-mark ${MASQUERADE_MARK}`,
    `-A ${KUBE_POSTROUTING} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`,
    `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${MASQUERADE_MARK}`,
  );

  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of input.endpointSlices) {
    const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
    if (!service) continue;
    const key = `${slice.metadata?.namespace ?? ''}/${service}`;
    const list = slicesByService.get(key);
    if (list) list.push(slice);
    else slicesByService.set(key, [slice]);
  }

  const services = input.services.filter(isProxiedService).sort((a, b) => serviceKey(a).localeCompare(serviceKey(b)));
  let servicePorts = 0;
  let endpointChains = 0;
  const servicePortChains: Array<Map<string, string[]>> = [];
  for (const svc of services) {
    const slices = slicesByService.get(serviceKey(svc)) ?? [];
    for (const port of svc.spec?.ports ?? []) {
      const portChains: string[] = [];
      const portRules: string[] = [];
      endpointChains += writeServicePort(svc, port, endpointsForPort(slices, port, input.nodeName), input, portChains, portRules, filter);
      servicePorts++;
      const byChain = new Map<string, string[]>(portChains.map((chain) => [chain, []]));
      for (const rule of portRules) {
        const chain = rule.slice(3, rule.indexOf(' ', 3));
        const own = byChain.get(chain);
        if (own) own.push(rule);
        else nat.push(rule); // KUBE-SERVICES, KUBE-NODEPORTS
      }
      chains.nat.push(...portChains);
      servicePortChains.push(byChain);
    }
  }

  // Tail-call to the node ports chain: after every other service portal rule.
  const destinations = localhostNodePorts ? '-m addrtype --dst-type LOCAL' : '-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8';
  nat.push(`-A ${KUBE_SERVICES} -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" ${destinations} -j ${KUBE_NODEPORTS}`);
  for (const byChain of servicePortChains) for (const lines of byChain.values()) nat.push(...lines);

  return { chains, rules: { filter, nat }, servicePortChains, servicePorts, endpointChains };
}

function serviceKey(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/** Writes one service port's rules; returns how many endpoint chains it made. */
function writeServicePort(svc: Service, port: ServicePort, endpoints: EndpointInfo[], input: ProxyRulesInput, natChains: string[], nat: string[], filter: string[]): number {
  const spec = svc.spec ?? {};
  const name = servicePortNameString(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '', port.name);
  const protocol = (port.protocol ?? 'TCP').toLowerCase();
  const proto = `-m ${protocol} -p ${protocol}`;
  const clusterIP = spec.clusterIP!;
  const nodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? (port.nodePort ?? 0) : 0;
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const loadBalancerIPs = spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(isIPv4) : [];
  const externallyAccessible = nodePort !== 0 || externalIPs.length > 0 || loadBalancerIPs.length > 0;
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const externalPolicyLocal = externallyAccessible && spec.externalTrafficPolicy === 'Local';
  // Cluster endpoints are needed for external traffic even with policy Local (short-circuiting local sources).
  const usesClusterEndpoints = !internalPolicyLocal || externallyAccessible;
  const usesLocalEndpoints = internalPolicyLocal || externalPolicyLocal;
  const { cluster, local, allReachable, hasAny: hasEndpoints } = categorizeEndpoints(endpoints, usesClusterEndpoints, usesLocalEndpoints);

  const clusterPolicyChain = servicePortChainName('KUBE-SVC-', name, protocol);
  const localPolicyChain = servicePortChainName('KUBE-SVL-', name, protocol);
  const externalTrafficChain = servicePortChainName('KUBE-EXT-', name, protocol);
  const usesClusterPolicyChain = cluster.length > 0 && usesClusterEndpoints;
  const usesLocalPolicyChain = local.length > 0 && usesLocalEndpoints;

  const internalTrafficChain = internalPolicyLocal ? localPolicyChain : clusterPolicyChain;
  const hasInternalEndpoints = hasEndpoints && !(internalPolicyLocal && local.length === 0);
  const externalPolicyChain = externalPolicyLocal ? localPolicyChain : clusterPolicyChain;
  const hasExternalEndpoints = hasEndpoints && !(externalPolicyLocal && local.length === 0);
  const usesExternalTrafficChain = hasEndpoints && externallyAccessible;

  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  if (!hasEndpoints) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = `"${name} has no endpoints"`;
  } else {
    if (!hasInternalEndpoints) {
      internalFilterTarget = 'DROP';
      internalFilterComment = `"${name} has no local endpoints"`;
    }
    if (!hasExternalEndpoints) {
      externalFilterTarget = 'DROP';
      externalFilterComment = `"${name} has no local endpoints"`;
    }
  }

  // Capture the clusterIP.
  if (hasInternalEndpoints) {
    nat.push(`-A ${KUBE_SERVICES} -m comment --comment "${name} cluster IP" ${proto} -d ${clusterIP} --dport ${port.port} -j ${internalTrafficChain}`);
  } else {
    filter.push(`-A ${KUBE_SERVICES} -m comment --comment ${internalFilterComment} ${proto} -d ${clusterIP} --dport ${port.port} -j ${internalFilterTarget}`);
  }

  // Capture externalIPs and load-balancer ingress IPs.
  for (const [ips, what] of [
    [externalIPs, 'external IP'],
    [loadBalancerIPs, 'loadbalancer IP'],
  ] as const) {
    for (const ip of ips) {
      if (hasEndpoints) nat.push(`-A ${KUBE_SERVICES} -m comment --comment "${name} ${what}" ${proto} -d ${ip} --dport ${port.port} -j ${externalTrafficChain}`);
      if (!hasExternalEndpoints) filter.push(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} ${proto} -d ${ip} --dport ${port.port} -j ${externalFilterTarget}`);
    }
  }

  // Capture nodeports.
  if (nodePort !== 0) {
    if (hasEndpoints) nat.push(`-A ${KUBE_NODEPORTS} -m comment --comment ${name} ${proto} --dport ${nodePort} -j ${externalTrafficChain}`);
    if (!hasExternalEndpoints) {
      filter.push(`-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilterComment} -m addrtype --dst-type LOCAL ${proto} --dport ${nodePort} -j ${externalFilterTarget}`);
    }
  }

  // The external traffic chain: masquerade, or for policy Local short-circuit traffic from pods and the node itself.
  if (usesExternalTrafficChain) {
    natChains.push(externalTrafficChain);
    if (!externalPolicyLocal) {
      nat.push(`-A ${externalTrafficChain} -m comment --comment "masquerade traffic for ${name} external destinations" -j ${KUBE_MARK_MASQ}`);
    } else {
      if (input.clusterCIDR) {
        nat.push(`-A ${externalTrafficChain} -m comment --comment "pod traffic for ${name} external destinations" -s ${input.clusterCIDR} -j ${clusterPolicyChain}`);
      }
      nat.push(
        `-A ${externalTrafficChain} -m comment --comment "masquerade LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`,
        `-A ${externalTrafficChain} -m comment --comment "route LOCAL traffic for ${name} external destinations" -m addrtype --src-type LOCAL -j ${clusterPolicyChain}`,
      );
    }
    if (hasExternalEndpoints) nat.push(`-A ${externalTrafficChain} -j ${externalPolicyChain}`);
  }

  const sticky = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_SECONDS) : 0;
  const endpointChain = (ep: EndpointInfo) => endpointChainName(name, protocol, `${ep.ip}:${ep.port}`);

  if (usesClusterPolicyChain) {
    natChains.push(clusterPolicyChain);
    // Masquerade off-cluster traffic to the VIP: the reply may leave through another node.
    if (input.masqueradeAll) {
      nat.push(`-A ${clusterPolicyChain} -m comment --comment "${name} cluster IP" ${proto} -d ${clusterIP} --dport ${port.port} -j ${KUBE_MARK_MASQ}`);
    } else if (input.clusterCIDR) {
      nat.push(`-A ${clusterPolicyChain} -m comment --comment "${name} cluster IP" ${proto} -d ${clusterIP} --dport ${port.port} ! -s ${input.clusterCIDR} -j ${KUBE_MARK_MASQ}`);
    }
    writeServiceToEndpointRules(nat, name, clusterPolicyChain, cluster, sticky, endpointChain);
  }
  if (usesLocalPolicyChain) {
    natChains.push(localPolicyChain);
    writeServiceToEndpointRules(nat, name, localPolicyChain, local, sticky, endpointChain);
  }

  // One chain per endpoint: hairpin masquerade, affinity bookkeeping, DNAT.
  for (const ep of allReachable) {
    const chain = endpointChain(ep);
    natChains.push(chain);
    const args = `-A ${chain} -m comment --comment ${name}`;
    nat.push(`${args} -s ${ep.ip} -j ${KUBE_MARK_MASQ}`);
    const affinity = sticky ? ` -m recent --name ${chain} --set` : '';
    nat.push(`${args}${affinity} ${proto} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
  }
  return allReachable.length;
}

function writeServiceToEndpointRules(nat: string[], name: string, chain: string, endpoints: readonly EndpointInfo[], stickySeconds: number, endpointChain: (ep: EndpointInfo) => string): void {
  if (stickySeconds > 0) {
    for (const ep of endpoints) {
      const sep = endpointChain(ep);
      nat.push(`-A ${chain} -m comment --comment "${name} -> ${ep.ip}:${ep.port}" -m recent --name ${sep} --rcheck --seconds ${stickySeconds} --reap -j ${sep}`);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const statistic = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    nat.push(`-A ${chain} -m comment --comment "${name} -> ${ep.ip}:${ep.port}"${statistic} -j ${endpointChain(ep)}`);
  });
}

/** Whether a chain name is one the proxy owns (and may delete when stale or on cleanup). */
export function isOwnedChain(table: Table, chain: string): boolean {
  if (SERVICE_CHAIN_PREFIXES.some((prefix) => chain.startsWith(prefix))) return table === 'nat';
  const fixed = table === 'nat' ? [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ] : [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_FIREWALL, 'KUBE-PROXY-FIREWALL'];
  return fixed.includes(chain);
}

/** What `iptables-save` reports for one table: chain names and "-A ..." lines. */
export interface SavedTable {
  readonly chains: Set<string>;
  readonly rules: string[];
}

export function parseIptablesSave(text: string): Map<Table, SavedTable> {
  const tables = new Map<Table, SavedTable>();
  let current: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      current = name === 'nat' || name === 'filter' ? { chains: new Set(), rules: [] } : undefined;
      if (current) tables.set(name as Table, current);
    } else if (!current) {
      continue;
    } else if (line.startsWith(':')) {
      current.chains.add(line.slice(1).split(' ')[0]!);
    } else if (line.startsWith('-A ')) {
      current.rules.push(line);
    }
  }
  return tables;
}

function hasJump(saved: SavedTable | undefined, jump: JumpRule): boolean {
  return !!saved?.rules.some((rule) => rule.startsWith(`-A ${jump.from} `) && rule.endsWith(` -j ${jump.to}`));
}

/**
 * iptables-restore --noflush input: every chain we own rewritten, jumps from the
 * built-in chains added when missing, and our chains that are no longer used deleted.
 */
export function renderRestore(rules: ProxyRules, existing: Map<Table, SavedTable>, localhostNodePorts = true): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const active = new Set(rules.chains[table]);
    const saved = existing.get(table);
    const stale = [...(saved?.chains ?? [])].filter((chain) => !active.has(chain) && isOwnedChain(table, chain) && SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p)));
    out.push(`*${table}`);
    for (const chain of [...active, ...stale]) out.push(`:${chain} - [0:0]`);
    for (const jump of jumpRules(localhostNodePorts)) {
      if (jump.table === table && !hasJump(saved, jump)) out.push(`-I ${jump.from} ${jump.args}`);
    }
    for (const rule of rules.rules[table]) out.push(rule);
    for (const chain of stale) out.push(`-X ${chain}`);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

/** iptables-restore --noflush input removing every rule and chain the proxy owns; '' when there is none. */
export function renderCleanup(existing: Map<Table, SavedTable>): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const saved = existing.get(table);
    if (!saved) continue;
    const owned = [...saved.chains].filter((chain) => isOwnedChain(table, chain));
    if (owned.length === 0) continue;
    const ownedSet = new Set(owned);
    out.push(`*${table}`);
    for (const chain of owned) out.push(`:${chain} - [0:0]`);
    for (const rule of saved.rules) {
      const [, chain] = rule.split(' ');
      const target = / -j (\S+)$/.exec(rule)?.[1] ?? / -j (\S+) /.exec(rule)?.[1];
      if (chain && !ownedSet.has(chain) && target && ownedSet.has(target)) out.push(`-D ${rule.slice(3)}`);
    }
    for (const chain of owned) out.push(`-X ${chain}`);
    out.push('COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

export interface RestorePlanOptions {
  /** Rules of each service chain as last applied ("\n"-joined); absent for a full sync. */
  readonly applied?: ReadonlyMap<string, string>;
  /** iptables-save's view (full syncs): missing jumps are added and stale chains found from it. */
  readonly existing?: Map<Table, SavedTable>;
  /** iptables-nft's restore cost grows with the square of a transaction's size: split bigger writes. */
  readonly maxLinesPerRestore?: number;
  readonly localhostNodePorts?: boolean;
}

export interface RestorePlan {
  /** iptables-restore --noflush inputs, applied in order; the last one rewrites the fixed chains. */
  readonly transactions: string[];
  /** What `applied` becomes once every transaction succeeded. */
  readonly applied: Map<string, string>;
  readonly changedChains: number;
  readonly staleChains: number;
}

/**
 * Upstream's partial sync: the fixed chains (KUBE-SERVICES, ...) and the filter
 * table are rewritten every time; service and endpoint chains only when their rules
 * changed, in batches of whole service ports (each batch's chains reference only
 * chains already present or written in the same batch). Stale chains are deleted in
 * the last transaction, after KUBE-SERVICES stopped pointing at them.
 */
export function planRestore(rules: ProxyRules, options: RestorePlanOptions = {}): RestorePlan {
  const maxLines = options.maxLinesPerRestore ?? 4000;
  const applied = new Map<string, string>();
  const batches: Array<{ chains: string[]; rules: string[] }> = [];
  let batch = { chains: [] as string[], rules: [] as string[] };
  let changedChains = 0;
  for (const group of rules.servicePortChains) {
    const changed: Array<[string, string[]]> = [];
    for (const [chain, lines] of group) {
      const text = lines.join('\n');
      applied.set(chain, text);
      if (options.applied?.get(chain) !== text) changed.push([chain, lines]);
    }
    if (changed.length === 0) continue;
    const size = changed.reduce((n, [, lines]) => n + lines.length + 1, 0);
    if (batch.chains.length > 0 && batch.chains.length + batch.rules.length + size > maxLines) {
      batches.push(batch);
      batch = { chains: [], rules: [] };
    }
    for (const [chain, lines] of changed) {
      batch.chains.push(chain);
      batch.rules.push(...lines);
    }
    changedChains += changed.length;
  }

  const previous = options.applied ? [...options.applied.keys()] : [...(options.existing?.get('nat')?.chains ?? [])].filter((c) => SERVICE_CHAIN_PREFIXES.some((p) => c.startsWith(p)));
  const stale = previous.filter((chain) => !applied.has(chain));
  const fixedNat = rules.chains.nat.filter((chain) => !SERVICE_CHAIN_PREFIXES.some((p) => chain.startsWith(p)));
  const fixedNatRules = rules.rules.nat.filter((rule) => fixedNat.includes(rule.slice(3, rule.indexOf(' ', 3))));
  const jumps = jumpRules(options.localhostNodePorts ?? true).filter((jump) => options.existing && !hasJump(options.existing.get(jump.table), jump));

  // Batches before the last jump to KUBE-MARK-MASQ, which may not exist yet: the first
  // writes it (the same one rule, so rewriting it in place changes nothing).
  const markMasq = [`:${KUBE_MARK_MASQ} - [0:0]`, `-A ${KUBE_MARK_MASQ} -j MARK --or-mark ${MASQUERADE_MARK}`];
  const transactions = batches.map((b, i) => ['*nat', ...(i === 0 ? markMasq : []), ...b.chains.map((c) => `:${c} - [0:0]`), ...b.rules, 'COMMIT', ''].join('\n'));
  const last: string[] = ['*filter'];
  for (const chain of rules.chains.filter) last.push(`:${chain} - [0:0]`);
  for (const jump of jumps) if (jump.table === 'filter') last.push(`-I ${jump.from} ${jump.args}`);
  last.push(...rules.rules.filter, 'COMMIT', '*nat');
  for (const chain of [...fixedNat, ...batch.chains, ...stale]) last.push(`:${chain} - [0:0]`);
  for (const jump of jumps) if (jump.table === 'nat') last.push(`-I ${jump.from} ${jump.args}`);
  last.push(...fixedNatRules, ...batch.rules);
  for (const chain of stale) last.push(`-X ${chain}`);
  last.push('COMMIT', '');
  transactions.push(last.join('\n'));
  return { transactions, applied, changedChains, staleChains: stale.length };
}
