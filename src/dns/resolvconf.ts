// A pod's resolver configuration, as kubelet's pkg/kubelet/network/dns forms it:
// dnsPolicy (ClusterFirst, ClusterFirstWithHostNet, Default, None), pod.spec.dnsConfig
// merged on top, then cut to the resolver limits. Pure code: the host's resolv.conf is
// passed in, parsed by parseResolvConf.

import type { Pod } from 'kubernetes-types/core/v1.js';

export interface ResolverConfig {
  readonly nameservers: readonly string[];
  readonly searches: readonly string[];
  readonly options: readonly string[];
}

/** A warning kubelet records as an Event (reason DNSConfigForming or MissingClusterDNS). */
export interface DnsConfigWarning {
  readonly reason: 'DNSConfigForming' | 'MissingClusterDNS';
  readonly message: string;
}

export interface PodDnsConfigResult extends ResolverConfig {
  readonly warnings: readonly DnsConfigWarning[];
}

export interface PodDnsOptions {
  /** The cluster DNS server addresses (kubelet --cluster-dns); empty: ClusterFirst falls back to Default. */
  readonly clusterDNS: readonly string[];
  /** kubelet --cluster-domain ("cluster.local"); empty: no cluster search domains. */
  readonly clusterDomain: string;
  /** The node's resolver (kubelet --resolv-conf), parsed; undefined: --resolv-conf="" (no host resolver). */
  readonly hostResolvConf: ResolverConfig | undefined;
}

// Limits of pkg/apis/core/validation (ExpandedDNSConfig is GA since 1.28).
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const DEFAULT_DNS_OPTIONS = ['ndots:5'];

/** Parses resolv.conf text like kubelet: nameservers accumulate, the last search and options lines win. */
export function parseResolvConf(text: string): ResolverConfig {
  const nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter((f) => f !== '');
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields[1] !== undefined) nameservers.push(fields[1]);
    // The same domain with and without a trailing dot counts once.
    if (fields[0] === 'search') searches = fields.slice(1).map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    if (fields[0] === 'options') options = fields.slice(1);
  }
  return { nameservers, searches, options };
}

/** resolv.conf text in the CRI runtimes' layout (containerd's parseDNSOptions). */
export function renderResolvConf(config: ResolverConfig): string {
  let content = '';
  if (config.searches.length > 0) content += `search ${config.searches.join(' ')}\n`;
  if (config.nameservers.length > 0) content += `nameserver ${config.nameservers.join('\nnameserver ')}\n`;
  if (config.options.length > 0) content += `options ${config.options.join(' ')}\n`;
  return content;
}

type PodDnsType = 'cluster' | 'host' | 'none';

function podDnsType(pod: Pod): PodDnsType {
  switch (pod.spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
    default:
      // ClusterFirst falls back to Default for pods on the host network; an invalid
      // policy (the API server rejects those) is treated as ClusterFirst, like kubelet.
      return pod.spec?.hostNetwork && (pod.spec?.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst' ? 'host' : 'cluster';
  }
}

function omitDuplicates(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Options as name[:value]; the pod's dnsConfig options override the base ones by name. */
function mergeOptions(base: readonly string[], podOptions: ReadonlyArray<{ name?: string; value?: string }>): string[] {
  const byName = new Map<string, string>();
  for (const option of base) {
    const colon = option.indexOf(':');
    if (colon >= 0) byName.set(option.slice(0, colon), option.slice(colon + 1));
    else byName.set(option, '');
  }
  for (const option of podOptions) byName.set(option.name ?? '', option.value ?? '');
  return [...byName].map(([name, value]) => (value !== '' ? `${name}:${value}` : name));
}

function fitSearches(searches: string[], warnings: DnsConfigWarning[]): string[] {
  let exceeded = false;
  let composed = searches;
  if (composed.length > MAX_DNS_SEARCH_PATHS) {
    composed = composed.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  // Some resolvers (glibc 2.28) abort on a search path over 255 characters.
  const fitting = composed.filter((s) => s.length <= DNS1123_SUBDOMAIN_MAX_LENGTH);
  if (fitting.length !== composed.length) exceeded = true;
  composed = fitting;
  const lineLength = composed.join(' ').length;
  if (lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
    let cutCount = 0;
    let cutLength = 0;
    for (let i = composed.length - 1; i >= 0; i--) {
      cutLength += composed[i]!.length + 1;
      cutCount++;
      if (lineLength - cutLength <= MAX_DNS_SEARCH_LIST_CHARS) break;
    }
    composed = composed.slice(0, composed.length - cutCount);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${composed.join(' ')}`,
    });
  }
  return composed;
}

function fitNameservers(nameservers: string[], warnings: DnsConfigWarning[]): string[] {
  if (nameservers.length <= MAX_DNS_NAMESERVERS) return nameservers;
  const kept = nameservers.slice(0, MAX_DNS_NAMESERVERS);
  warnings.push({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${kept.join(' ')}` });
  return kept;
}

/** kubelet's Configurer.GetPodDNS. */
export function podDnsConfig(pod: Pod, options: PodDnsOptions): PodDnsConfigResult {
  const warnings: DnsConfigWarning[] = [];
  const host = options.hostResolvConf;
  let nameservers = [...(host?.nameservers ?? [])];
  let searches = [...(host?.searches ?? [])];
  let resolverOptions = [...(host?.options ?? [])];

  let type = podDnsType(pod);
  if (type === 'none') {
    nameservers = [];
    searches = [];
    resolverOptions = [];
  } else if (type === 'cluster') {
    if (options.clusterDNS.length > 0) {
      // The cluster DNS server is the pod's only nameserver: it forwards what it cannot answer.
      nameservers = [...options.clusterDNS];
      if (options.clusterDomain !== '') {
        const namespace = pod.metadata?.namespace ?? 'default';
        const zone = options.clusterDomain;
        searches = omitDuplicates([`${namespace}.svc.${zone}`, `svc.${zone}`, zone, ...searches]);
      }
      resolverOptions = [...DEFAULT_DNS_OPTIONS];
    } else {
      warnings.push({
        reason: 'MissingClusterDNS',
        message: `pod: "${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      });
      type = 'host';
    }
  }
  if (type === 'host' && host === undefined) {
    // No host resolver (--resolv-conf=""): the local machine's nameserver, no search.
    nameservers = ['127.0.0.1'];
    searches = ['.'];
  }

  const podConfig = pod.spec?.dnsConfig;
  if (podConfig) {
    nameservers = omitDuplicates([...nameservers, ...(podConfig.nameservers ?? [])]);
    searches = omitDuplicates([...searches, ...(podConfig.searches ?? [])]);
    resolverOptions = mergeOptions(resolverOptions, podConfig.options ?? []);
  }
  return { nameservers: fitNameservers(nameservers, warnings), searches: fitSearches(searches, warnings), options: resolverOptions, warnings };
}
