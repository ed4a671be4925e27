// Cluster DNS: a CoreDNS-compatible server for the cluster zone (Services, endpoints,
// pods) forwarding the rest upstream, pods' resolver configuration as kubelet forms
// it, and the kube-dns Service with its per-node EndpointSlices.
export { ClusterDns, hostUpstreams, type ClusterDnsOptions, type ListenAddress } from './server.js';
export { ClusterZone, addressFromReverse, DNS_SCHEMA_VERSION, type ClusterView, type Rcode, type Resolution, type UpstreamLookup, type ZoneAnswer, type ZoneOptions } from './records.js';
export { Forwarder, parseUpstream, type UpstreamServer } from './forwarder.js';
export {
  podDnsConfig,
  parseResolvConf,
  renderResolvConf,
  MAX_DNS_NAMESERVERS,
  MAX_DNS_SEARCH_PATHS,
  MAX_DNS_SEARCH_LIST_CHARS,
  type DnsConfigWarning,
  type PodDnsConfigResult,
  type PodDnsOptions,
  type ResolverConfig,
} from './resolvconf.js';
export {
  ensureClusterDnsService,
  publishDnsEndpoint,
  kubeDnsService,
  dnsEndpointSlice,
  dnsEndpointSliceName,
  KUBE_DNS_NAMESPACE,
  KUBE_DNS_SERVICE,
  DNS_MANAGED_BY,
  type DnsEndpointOptions,
  type DnsEndpointPublication,
  type KubeDnsServiceOptions,
} from './bootstrap.js';
export { ResponseCache } from './cache.js';
