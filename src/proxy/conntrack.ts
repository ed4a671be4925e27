// Stale UDP conntrack entries, cleared as kube-proxy clears them after a sync: UDP
// has no connection to end, so a flow DNATed to an endpoint that is gone keeps going
// there until its entry times out (DNS lookups fail for minutes when a DNS pod goes).
// - an endpoint removed from a UDP service port: entries to its ClusterIP (and
//   NodePort) whose replies come from that endpoint (that is, NATed to it);
// - a UDP service port that had no endpoints and now has some: every entry to its
//   ClusterIP (and NodePort), made while packets were rejected.

import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { endpointsForPort, isProxiedService } from './rules.js';

export interface UdpServicePort {
  readonly clusterIP: string;
  readonly nodePort?: number;
  /** IPs of the endpoints traffic goes to. */
  readonly endpoints: ReadonlySet<string>;
}

/** UDP service ports by "namespace/name:port". */
export type UdpServicePorts = ReadonlyMap<string, UdpServicePort>;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** The UDP service ports of the cluster and where their traffic goes now. */
export function udpServicePorts(services: readonly Service[], slices: readonly EndpointSlice[], nodeName: string): UdpServicePorts {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const key = `${slice.metadata?.namespace ?? ''}/${slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
    slicesByService.set(key, [...(slicesByService.get(key) ?? []), slice]);
  }
  const result = new Map<string, UdpServicePort>();
  for (const svc of services) {
    if (!isProxiedService(svc)) continue;
    const service = `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
    for (const port of svc.spec?.ports ?? []) {
      if (port.protocol !== 'UDP') continue;
      const all = endpointsForPort(slicesByService.get(service) ?? [], port, nodeName);
      // Where the rules send traffic: ready endpoints, else serving terminating ones.
      const ready = all.filter((e) => e.ready);
      const used = ready.length > 0 ? ready : all.filter((e) => e.serving && e.terminating);
      result.set(`${service}:${port.port}`, {
        clusterIP: svc.spec!.clusterIP!,
        ...(port.nodePort ? { nodePort: port.nodePort } : {}),
        endpoints: new Set(used.map((e) => e.ip)),
      });
    }
  }
  return result;
}

/** `conntrack` arguments for the entries that changed from `previous` to `current` made stale. */
export function staleUdpEntries(previous: UdpServicePorts, current: UdpServicePorts): string[][] {
  const deletions = new Map<string, string[]>();
  const add = (args: string[]) => deletions.set(args.join(' '), args);
  for (const [key, before] of previous) {
    const after = current.get(key);
    for (const ip of before.endpoints) {
      if (after?.endpoints.has(ip)) continue;
      add(['-D', '-p', 'udp', '--orig-dst', before.clusterIP, '--reply-src', ip]);
      if (before.nodePort) add(['-D', '-p', 'udp', '--orig-port-dst', String(before.nodePort), '--reply-src', ip]);
    }
  }
  for (const [key, after] of current) {
    if (after.endpoints.size === 0 || (previous.get(key)?.endpoints.size ?? 0) > 0) continue;
    add(['-D', '-p', 'udp', '--orig-dst', after.clusterIP]);
    if (after.nodePort) add(['-D', '-p', 'udp', '--orig-port-dst', String(after.nodePort)]);
  }
  return [...deletions.values()];
}
