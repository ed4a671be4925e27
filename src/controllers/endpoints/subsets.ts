// The subsets of a Service's Endpoints (pkg/controller/endpoint and
// pkg/api/v1/endpoints): one address per backing pod, ready or not, grouped by the
// set of ports they serve, with upstream's cap of 1000 addresses. Pure.

import type { EndpointAddress, EndpointPort, EndpointSubset, Pod, Service } from 'kubernetes-types/core/v1.js';
import { canonicalJson, isPodReady } from '../common/index.js';
import { findPort, isIPv6, podIPs, serviceIPFamily, shouldPodBeInEndpoints, shouldSetHostname } from './membership.js';

/** maxCapacity: at most this many addresses in one Endpoints object. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** v1.EndpointsOverCapacity, set to "truncated" when addresses were dropped. */
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

/** podToEndpointAddressForService: the pod's address in the Service's IP family, or undefined when it has none. */
export function podToEndpointAddress(service: Service, pod: Pod): EndpointAddress | undefined {
  const family = serviceIPFamily(service, pod);
  const ip = podIPs(pod).find((candidate) => isIPv6(candidate) === (family === 'IPv6'));
  if (!ip) return undefined;
  const address: EndpointAddress = {
    ip,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, service)) address.hostname = pod.spec!.hostname!;
  return address;
}

export interface ComputedSubsets {
  readonly subsets: EndpointSubset[];
  readonly ready: number;
  readonly notReady: number;
}

/** The part of syncService that turns the selected pods into repacked subsets. */
export function computeSubsets(service: Service, pods: readonly Pod[]): ComputedSubsets {
  const publishNotReady = service.spec?.publishNotReadyAddresses ?? false;
  const headless = service.spec?.clusterIP === 'None';
  const raw: EndpointSubset[] = [];
  let ready = 0;
  let notReady = 0;
  const add = (pod: Pod, address: EndpointAddress, port: EndpointPort | undefined) => {
    const ports = port ? [port] : [];
    if (publishNotReady || isPodReady(pod)) {
      raw.push({ addresses: [address], ports });
      ready++;
    } else {
      raw.push({ notReadyAddresses: [address], ports });
      notReady++;
    }
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address = podToEndpointAddress(service, pod);
    if (!address) continue;
    const servicePorts = service.spec?.ports ?? [];
    // A headless Service may have no ports at all.
    if (servicePorts.length === 0) {
      if (headless) add(pod, address, undefined);
      continue;
    }
    for (const servicePort of servicePorts) {
      const portNumber = findPort(pod, servicePort);
      if (portNumber === undefined) continue;
      const port: EndpointPort = { name: servicePort.name ?? '', port: portNumber, protocol: servicePort.protocol ?? 'TCP' };
      if (servicePort.appProtocol) port.appProtocol = servicePort.appProtocol;
      add(pod, address, port);
    }
  }
  return { subsets: repackSubsets(raw), ready, notReady };
}

function addressKey(address: EndpointAddress): string {
  return `${address.ip}\u0000${address.targetRef?.uid ?? ''}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareStrings(a.ip, b.ip) || compareStrings(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return compareStrings(a.name ?? '', b.name ?? '') || a.port - b.port || compareStrings(a.protocol ?? '', b.protocol ?? '');
}

/**
 * RepackSubsets: maps each port to the addresses serving it (an address that is not
 * ready on any subset of a port is not ready for that port), then groups ports
 * served by the same addresses into one subset. Sorted for stable comparison.
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  // port key -> (address key -> ready)
  const byPort = new Map<string, { port: EndpointPort | undefined; ready: Map<string, boolean> }>();
  const note = (port: EndpointPort | undefined, address: EndpointAddress, ready: boolean) => {
    const key = addressKey(address);
    if (!addresses.has(key)) addresses.set(key, address);
    const portKey = port ? canonicalJson(port) : '';
    let entry = byPort.get(portKey);
    if (!entry) byPort.set(portKey, (entry = { port, ready: new Map() }));
    // Not ready always wins over ready.
    if (entry.ready.get(key) !== false) entry.ready.set(key, ready);
  };
  for (const subset of subsets) {
    const ports: Array<EndpointPort | undefined> = subset.ports?.length ? subset.ports : [undefined];
    for (const port of ports) {
      for (const address of subset.addresses ?? []) note(port, address, true);
      for (const address of subset.notReadyAddresses ?? []) note(port, address, false);
    }
  }
  // Group ports by their exact (address, ready) sets.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const { port, ready } of byPort.values()) {
    const key = [...ready.entries()]
      .map(([address, isReady]) => `${address}=${isReady}`)
      .sort()
      .join('|');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ready, ports: [] }));
    if (port) group.ports.push(port);
  }
  const result: EndpointSubset[] = [];
  for (const { ready, ports } of groups.values()) {
    const readyAddresses: EndpointAddress[] = [];
    const notReadyAddresses: EndpointAddress[] = [];
    for (const [key, isReady] of ready) (isReady ? readyAddresses : notReadyAddresses).push(addresses.get(key)!);
    const subset: EndpointSubset = {};
    if (readyAddresses.length) subset.addresses = readyAddresses.sort(compareAddresses);
    if (notReadyAddresses.length) subset.notReadyAddresses = notReadyAddresses.sort(compareAddresses);
    if (ports.length) subset.ports = ports.sort(comparePorts);
    result.push(subset);
  }
  return result.sort((a, b) => compareStrings(canonicalJson(a), canonicalJson(b)));
}

/**
 * truncateEndpoints: keeps MAX_ENDPOINTS_CAPACITY addresses, ready ones first, spread
 * over subsets in proportion to their size. Returns whether anything was dropped.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const subset of subsets) {
    totalReady += subset.addresses?.length ?? 0;
    totalNotReady += subset.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const subset of subsets) {
    const inSubset = (truncateReady ? subset.addresses?.length : subset.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(Math.ceil((inSubset / total) * max), canBeAdded);
    if (truncateReady) {
      subset.addresses = (subset.addresses ?? []).slice(0, toBeAdded);
      delete subset.notReadyAddresses;
      canBeAdded -= subset.addresses.length;
    } else {
      subset.notReadyAddresses = (subset.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= subset.notReadyAddresses.length;
    }
  }
  return true;
}

/** The comparable form of subsets: empty lists and unset fields dropped, targetRef resourceVersions ignored. */
function normalized(subsets: readonly EndpointSubset[] | undefined): unknown {
  const address = (a: EndpointAddress) => ({
    ip: a.ip,
    hostname: a.hostname || undefined,
    nodeName: a.nodeName || undefined,
    targetRef: a.targetRef ? { ...a.targetRef, resourceVersion: undefined } : undefined,
  });
  const port = (p: EndpointPort) => ({ name: p.name || undefined, port: p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol || undefined });
  return (subsets ?? []).map((s) => ({
    addresses: s.addresses?.length ? s.addresses.map(address) : undefined,
    notReadyAddresses: s.notReadyAddresses?.length ? s.notReadyAddresses.map(address) : undefined,
    ports: s.ports?.length ? s.ports.map(port) : undefined,
  }));
}

/** endpointSubsetsEqualIgnoreResourceVersion. */
export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  return canonicalJson(normalized(a)) === canonicalJson(normalized(b));
}
