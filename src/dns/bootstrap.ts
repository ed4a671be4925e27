// The kube-dns Service (kubeadm's shape, without a selector) and, per node, an
// EndpointSlice pointing at that node's DNS listener, so Service routing (the proxy)
// takes the ClusterIP 10.96.0.10 to a live server.

import { isIP } from 'node:net';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/types.js';
import { isAlreadyExists, isConflict, isNotFound, Resources, type ApiClient } from '../client/index.js';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_SERVICE = 'kube-dns';
export const DNS_MANAGED_BY = 'skiff-dns';

export interface KubeDnsServiceOptions {
  /** kubeadm's default: the tenth address of 10.96.0.0/12. */
  readonly clusterIP?: string;
}

export function kubeDnsService(clusterIP: string): Service & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: KUBE_DNS_SERVICE,
      namespace: KUBE_DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      // No selector: the node agents publish their listeners as EndpointSlices.
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  } as Service & KubeObject;
}

/** Creates kube-system/kube-dns when missing; an existing Service is left as it is. */
export async function ensureClusterDnsService(client: ApiClient, options: KubeDnsServiceOptions = {}): Promise<Service> {
  try {
    return await client.get<Service & KubeObject>(Resources.services, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    return await client.create<Service & KubeObject>(Resources.services, KUBE_DNS_NAMESPACE, kubeDnsService(options.clusterIP ?? '10.96.0.10'));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return client.get<Service & KubeObject>(Resources.services, KUBE_DNS_NAMESPACE, KUBE_DNS_SERVICE);
  }
}

export interface DnsEndpointOptions {
  readonly nodeName: string;
  /** The node's address its DNS server listens on. */
  readonly address: string;
  readonly port: number;
  /** How often the slice is checked and restored (default 60 s). */
  readonly resyncMs?: number;
  readonly onError?: (err: unknown) => void;
}

export interface DnsEndpointPublication {
  /** Writes the slice now (create, or update when it drifted). */
  sync(): Promise<void>;
  /** Stops the resync and deletes the slice. */
  stop(): Promise<void>;
}

export function dnsEndpointSliceName(nodeName: string): string {
  return `${KUBE_DNS_SERVICE}-${nodeName}`;
}

export function dnsEndpointSlice(options: Pick<DnsEndpointOptions, 'nodeName' | 'address' | 'port'>): EndpointSlice & KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: dnsEndpointSliceName(options.nodeName),
      namespace: KUBE_DNS_NAMESPACE,
      labels: { 'kubernetes.io/service-name': KUBE_DNS_SERVICE, 'endpointslice.kubernetes.io/managed-by': DNS_MANAGED_BY },
    },
    addressType: isIP(options.address) === 6 ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [options.address], conditions: { ready: true, serving: true, terminating: false }, nodeName: options.nodeName }],
    ports: [
      { name: 'dns', port: options.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: options.port, protocol: 'TCP' },
    ],
  } as EndpointSlice & KubeObject;
}

function sameContent(a: EndpointSlice, b: EndpointSlice): boolean {
  const pick = (s: EndpointSlice) => JSON.stringify([s.addressType, s.endpoints, s.ports, s.metadata?.labels?.['kubernetes.io/service-name'], s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by']]);
  return pick(a) === pick(b);
}

/** Keeps kube-system/kube-dns-<node> pointing at this node's DNS listener until stop(). */
export function publishDnsEndpoint(client: ApiClient, options: DnsEndpointOptions): DnsEndpointPublication {
  const desired = dnsEndpointSlice(options);
  const name = dnsEndpointSliceName(options.nodeName);
  const onError = options.onError ?? (() => {});
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const writeOnce = async (): Promise<void> => {
    let current: EndpointSlice & KubeObject;
    try {
      current = await client.get<EndpointSlice & KubeObject>(Resources.endpointslices, KUBE_DNS_NAMESPACE, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await client.create(Resources.endpointslices, KUBE_DNS_NAMESPACE, desired);
      } catch (createErr) {
        if (!isAlreadyExists(createErr)) throw createErr;
      }
      return;
    }
    if (sameContent(current, desired)) return;
    const updated = structuredClone(current);
    updated.addressType = desired.addressType;
    updated.endpoints = desired.endpoints;
    updated.ports = desired.ports;
    updated.metadata = { ...updated.metadata, labels: { ...updated.metadata?.labels, ...desired.metadata?.labels } };
    try {
      await client.update(Resources.endpointslices, KUBE_DNS_NAMESPACE, updated);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  };
  const sync = (): Promise<void> => {
    running = running.catch(() => {}).then(() => (stopped ? undefined : writeOnce()));
    return running;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      sync().catch(onError).finally(() => {
        if (!stopped) schedule();
      });
    }, options.resyncMs ?? 60_000);
  };
  sync().catch(onError);
  schedule();

  return {
    sync,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => {});
      try {
        await client.delete(Resources.endpointslices, KUBE_DNS_NAMESPACE, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}
