// Downward API values: fieldRef (pkg/api/v1/pod fieldpath.ExtractFieldPathAsString plus
// kubelet's podFieldSelectorRuntimeValue) and resourceFieldRef
// (pkg/api/v1/resource.ExtractContainerResourceValue). Shared by env and volumes.

import type { Container, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { quantity } from '../../machinery/index.js';

/** Where pod status values come from when the pod object does not carry them yet. */
export interface PodRuntimeIPs {
  readonly podIPs?: readonly string[];
  readonly hostIPs?: readonly string[];
}

/** Go's fieldpath.FormatMap: sorted `key="value"` lines. */
export function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map![key])}`)
    .join('\n');
}

/** metadata.* paths a downwardAPI volume may use (no status or spec fields there). */
export function metadataFieldValue(pod: Pod, fieldPath: string): string | Error {
  const meta = pod.metadata ?? {};
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscript) {
    const map = subscript[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[subscript[2]!] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  return new Error(`unsupported fieldPath: ${fieldPath}`);
}

function ipsOf(primary: string | undefined, list: readonly { ip?: string }[] | undefined): string[] {
  const ips = (list ?? []).map((entry) => entry.ip ?? '').filter((ip) => ip !== '');
  return ips.length > 0 ? ips : primary ? [primary] : [];
}

/** A fieldRef value for env (kubelet's podFieldSelectorRuntimeValue). */
export function podFieldValue(pod: Pod, fieldPath: string, runtime: PodRuntimeIPs = {}): string | Error {
  const podIPs = runtime.podIPs ?? ipsOf(pod.status?.podIP, pod.status?.podIPs);
  const hostIPs = runtime.hostIPs ?? ipsOf(pod.status?.hostIP, pod.status?.hostIPs);
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return hostIPs[0] ?? '';
    case 'status.hostIPs':
      return hostIPs.join(',');
    case 'status.podIP':
      return podIPs[0] ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
  }
  return metadataFieldValue(pod, fieldPath);
}

const DEFAULTED_LIMITS = ['cpu', 'memory', 'ephemeral-storage'];

/** kubelet's MergeContainerResourceLimits: unset limits become the node's allocatable. */
export function withDefaultLimits(container: Container, allocatable: Readonly<Record<string, string>> | undefined): Container {
  if (!allocatable) return container;
  const limits: Record<string, string> = { ...((container.resources?.limits ?? {}) as Record<string, string>) };
  for (const name of DEFAULTED_LIMITS) {
    if (limits[name] === undefined && allocatable[name] !== undefined) limits[name] = allocatable[name]!;
  }
  return { ...container, resources: { ...container.resources, limits } };
}

function parsed(text: string | undefined): quantity.Quantity {
  if (text === undefined) return quantity.zeroQuantity();
  const q = quantity.parseQuantity(String(text));
  return q instanceof quantity.Quantity ? q : quantity.zeroQuantity();
}

/** The value of a resourceFieldRef for a container: ceil(value / divisor), as upstream. */
export function containerResourceValue(selector: ResourceFieldSelector, container: Container): string | Error {
  const divisorQuantity = selector.divisor === undefined ? undefined : parsed(String(selector.divisor));
  const divisor = divisorQuantity === undefined || divisorQuantity.isZero() ? quantity.mustParseQuantity('1') : divisorQuantity;
  const match = /^(limits|requests)\.(.+)$/.exec(selector.resource);
  if (match) {
    const list = (match[1] === 'limits' ? container.resources?.limits : container.resources?.requests) as Record<string, string> | undefined;
    const resource = match[2]!;
    const value = parsed(list?.[resource]);
    if (resource === 'cpu') return String(Math.ceil(value.milliValueNumber() / divisor.milliValueNumber()));
    if (resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) {
      return String(Math.ceil(value.valueNumber() / divisor.valueNumber()));
    }
  }
  return new Error(`unsupported container resource : ${selector.resource}`);
}

/** resourceFieldRef with an explicit containerName (volumes must name one). */
export function podContainerResourceValue(selector: ResourceFieldSelector, pod: Pod, defaultContainer: Container | undefined, allocatable?: Readonly<Record<string, string>>): string | Error {
  let container = defaultContainer;
  if (selector.containerName) {
    const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
    container = all.find((c) => c.name === selector.containerName);
    if (!container) return new Error(`container ${selector.containerName} not found`);
  }
  if (!container) return new Error(`resourceFieldRef ${selector.resource} needs a containerName`);
  return containerResourceValue(selector, withDefaultLimits(container, allocatable));
}
