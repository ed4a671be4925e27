// The EndpointSlice reconciler (k8s.io/endpointslice): given a Service, the pods it
// selects and the slices it has, the slices to create, update and delete, with
// upstream's minimal-churn strategy: keep endpoints where they are, update them in
// place, fill slices that changed anyway, and only then fill untouched slices or
// create new ones. Pure: the controller performs the writes.

import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from '../../api/types.js';
import { canonicalJson, isPodReady, typed, type Typed } from '../common/index.js';
import { HEADLESS_SERVICE_LABEL, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, findPort, isIPv6, isServiceIPSet, podIPs, rfc3339Nano, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoints/index.js';

export type Slice = Typed<EndpointSlice>;
export type AddressType = 'IPv4' | 'IPv6';

/** discovery.LabelServiceName. */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy. */
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
/** The managed-by value of this controller. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** v1.LabelTopologyZone. */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** --max-endpoints-per-slice default. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface ReconcileInput {
  readonly service: Service;
  readonly pods: readonly Pod[];
  /** This controller's slices of the Service (not being deleted). */
  readonly existing: readonly Slice[];
  readonly nodeByName: (name: string) => Node | undefined;
  readonly maxEndpointsPerSlice: number;
  /** The last-change-trigger-time to stamp on written slices; undefined clears it. */
  readonly triggerTime?: number;
}

export interface SliceChanges {
  readonly create: Slice[];
  readonly update: Slice[];
  readonly delete: Slice[];
  /** Pods skipped because their Node is unknown: the sync is retried for them. */
  readonly errors: string[];
}

/** getAddressTypesForService: the families in spec.ipFamilies, else that of the cluster IP, else both (headless). */
export function addressTypesForService(service: Service): Set<AddressType> {
  const types = new Set<AddressType>();
  for (const family of service.spec?.ipFamilies ?? []) if (family === 'IPv4' || family === 'IPv6') types.add(family);
  if (types.size > 0) return types;
  if (isServiceIPSet(service)) return new Set([isIPv6(service.spec!.clusterIP!) ? 'IPv6' : 'IPv4']);
  return new Set(['IPv4', 'IPv6']);
}

/** ownedBy: the slice has an owner reference to this Service incarnation. */
export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  return (slice.metadata?.ownerReferences ?? []).some((ref) => ref.uid === service.metadata?.uid && ref.kind === 'Service' && ref.apiVersion === 'v1');
}

/** getEndpointPorts: one port per Service port whose target resolves on the pod. */
export function endpointPorts(service: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  if ((service.spec?.ports ?? []).length === 0 && service.spec?.clusterIP === 'None') return ports;
  for (const servicePort of service.spec?.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    const endpointPort: EndpointPort = { name: servicePort.name ?? '', port, protocol: servicePort.protocol ?? 'TCP' };
    if (servicePort.appProtocol) endpointPort.appProtocol = servicePort.appProtocol;
    ports.push(endpointPort);
  }
  return ports;
}

/** podToEndpoint. */
export function podToEndpoint(pod: Pod, node: Node | undefined, service: Service, addressType: AddressType): Endpoint {
  const serving = isPodReady(pod);
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  // Never ready while terminating, unless unready addresses are published anyway.
  const ready = (service.spec?.publishNotReadyAddresses ?? false) || (serving && !terminating);
  const endpoint: Endpoint = {
    addresses: podIPs(pod).filter((ip) => isIPv6(ip) === (addressType === 'IPv6')),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
  };
  if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
  const zone = node?.metadata?.labels?.[LABEL_TOPOLOGY_ZONE];
  if (zone) endpoint.zone = zone;
  if (shouldSetHostname(pod, service)) endpoint.hostname = pod.spec!.hostname!;
  return endpoint;
}

/** NewPortMapKey: the identity of a set of ports, whatever their order and defaulting. */
export function portMapKey(ports: readonly EndpointPort[] | undefined): string {
  const normal = (ports ?? []).map((p) => JSON.stringify([p.name ?? '', p.port ?? null, p.protocol ?? 'TCP', p.appProtocol ?? null]));
  return normal.sort().join('|');
}

/** hashEndpoint: addresses, hostname and the target's name identify an endpoint; everything else may change in place. */
function endpointHash(endpoint: Endpoint): string {
  return JSON.stringify([[...endpoint.addresses].sort(), endpoint.hostname ?? '', endpoint.targetRef?.namespace ?? '', endpoint.targetRef?.name ?? '']);
}

/** EndpointsEqualBeyondHash. */
function endpointsEqualBeyondHash(a: Endpoint, b: Endpoint): boolean {
  const ra = a.targetRef;
  const rb = b.targetRef;
  const sameRef = ra === undefined || rb === undefined ? ra === rb : ra.kind === rb.kind && ra.namespace === rb.namespace && ra.name === rb.name && ra.uid === rb.uid && ra.apiVersion === rb.apiVersion && ra.fieldPath === rb.fieldPath;
  return (
    (a.nodeName ?? '') === (b.nodeName ?? '') &&
    (a.zone ?? '') === (b.zone ?? '') &&
    a.conditions?.ready === b.conditions?.ready &&
    a.conditions?.serving === b.conditions?.serving &&
    a.conditions?.terminating === b.conditions?.terminating &&
    sameRef
  );
}

function isReservedLabel(key: string): boolean {
  return key === LABEL_SERVICE_NAME || key === LABEL_MANAGED_BY || key === HEADLESS_SERVICE_LABEL;
}

/** setEndpointSliceLabels: the Service's labels plus the reserved ones; and whether the slice's own labels differ. */
export function sliceLabels(slice: EndpointSlice | undefined, service: Service): { labels: Record<string, string>; changed: boolean } {
  const own = Object.entries(slice?.metadata?.labels ?? {}).filter(([k]) => !isReservedLabel(k));
  const wanted = Object.entries(service.metadata?.labels ?? {}).filter(([k]) => !isReservedLabel(k));
  const changed = canonicalJson(Object.fromEntries(own)) !== canonicalJson(Object.fromEntries(wanted));
  const labels: Record<string, string> = Object.fromEntries(wanted);
  if (!isServiceIPSet(service)) labels[HEADLESS_SERVICE_LABEL] = '';
  labels[LABEL_SERVICE_NAME] = service.metadata?.name ?? '';
  labels[LABEL_MANAGED_BY] = CONTROLLER_NAME;
  return { labels, changed };
}

function serviceOwnerRef(service: Service): OwnerReference {
  return { apiVersion: 'v1', kind: 'Service', name: service.metadata?.name ?? '', uid: service.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** newEndpointSlice: an empty slice named `<service>-<random>` by the API server. */
export function newEndpointSlice(service: Service, ports: EndpointPort[], addressType: AddressType): Slice {
  const name = service.metadata?.name ?? '';
  return typed<EndpointSlice>({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      // A name too long for the dash falls back to the bare Service name as prefix.
      generateName: name.length + 1 <= 253 ? `${name}-` : name,
      namespace: service.metadata?.namespace ?? '',
      labels: sliceLabels(undefined, service).labels,
      ownerReferences: [serviceOwnerRef(service)],
    },
    addressType,
    endpoints: [],
    ports,
  });
}

/** placeholderSliceCompare: an existing slice that is already the placeholder the Service needs. */
function isPlaceholder(slice: Slice, placeholder: Slice): boolean {
  return (
    slice.addressType === placeholder.addressType &&
    (slice.endpoints ?? []).length === 0 &&
    (slice.ports ?? []).length === 0 &&
    canonicalJson(slice.metadata?.labels ?? {}) === canonicalJson(placeholder.metadata?.labels ?? {}) &&
    canonicalJson(slice.metadata?.ownerReferences ?? []) === canonicalJson(placeholder.metadata?.ownerReferences ?? [])
  );
}

/** getSliceToFill: the unchanged slice closest to full once `count` endpoints are added. */
function sliceToFill(slices: readonly Slice[], count: number, max: number): Slice | undefined {
  let closestDiff = max;
  let closest: Slice | undefined;
  for (const slice of slices) {
    const diff = max - (count + slice.endpoints.length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = slice;
      if (diff === 0) break;
    }
  }
  return closest;
}

function byPodName(a: Endpoint, b: Endpoint): number {
  const an = a.targetRef?.name ?? '';
  const bn = b.targetRef?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** reconcileByPortMapping: the changes for the slices of one set of ports. */
function reconcileByPortMapping(service: Service, existing: readonly Slice[], desired: Map<string, Endpoint>, ports: EndpointPort[], addressType: AddressType, max: number): { create: Slice[]; update: Slice[]; delete: Slice[] } {
  const byName = new Map<string, Slice>();
  const unchanged = new Set<string>();
  const toUpdate = new Set<string>();
  const toDelete = new Set<string>();
  // 1. Keep wanted endpoints where they are (updated in place), drop the others.
  for (const slice of existing) {
    const name = slice.metadata?.name ?? '';
    byName.set(name, slice);
    const kept: Endpoint[] = [];
    let endpointUpdated = false;
    for (const endpoint of slice.endpoints ?? []) {
      const hash = endpointHash(endpoint);
      const want = desired.get(hash);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, endpoint)) endpointUpdated = true;
      desired.delete(hash);
    }
    const { labels, changed: labelsChanged } = sliceLabels(slice, service);
    if (endpointUpdated || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) toDelete.add(name);
      else {
        byName.set(name, { ...structuredClone(slice), endpoints: kept, metadata: { ...structuredClone(slice.metadata), labels } });
        toUpdate.add(name);
      }
    } else if (labelsChanged) {
      byName.set(name, { ...structuredClone(slice), metadata: { ...structuredClone(slice.metadata), labels } });
      toUpdate.add(name);
    } else {
      unchanged.add(name);
    }
  }
  const pop = (): Endpoint => {
    const [hash, endpoint] = desired.entries().next().value as [string, Endpoint];
    desired.delete(hash);
    return endpoint;
  };
  // 2. Fill the slices being written anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate].map((n) => byName.get(n)!).sort((a, b) => b.endpoints.length - a.endpoints.length);
    for (const slice of slices) {
      while (desired.size > 0 && slice.endpoints.length < max) slice.endpoints.push(pop());
    }
  }
  // 3. Put what is left into the untouched slice it fits best, or into new slices.
  const create: Slice[] = [];
  while (desired.size > 0) {
    let fill: Slice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const found = sliceToFill([...unchanged].map((n) => byName.get(n)!), desired.size, max);
      if (found) {
        fill = structuredClone(found);
        byName.set(found.metadata?.name ?? '', fill);
      }
    }
    fill ??= newEndpointSlice(service, ports, addressType);
    while (desired.size > 0 && fill.endpoints.length < max) fill.endpoints.push(pop());
    const name = fill.metadata?.name;
    if (name) {
      toUpdate.add(name);
      unchanged.delete(name);
    } else {
      create.push(fill);
    }
  }
  return { create, update: [...toUpdate].map((n) => byName.get(n)!), delete: [...toDelete].map((n) => byName.get(n)!) };
}

/** reconcileByAddressType plus finalize's turning of creates into updates of slices due for deletion. */
function reconcileByAddressType(input: ReconcileInput, existing: readonly Slice[], addressType: AddressType, errors: string[]): { create: Slice[]; update: Slice[]; delete: Slice[] } {
  const { service, maxEndpointsPerSlice: max } = input;
  let create: Slice[] = [];
  let update: Slice[] = [];
  let remove: Slice[] = [];
  const existingByPorts = new Map<string, Slice[]>();
  for (const slice of existing) {
    if (!ownedBy(slice, service)) {
      remove.push(slice);
      continue;
    }
    const key = portMapKey(slice.ports);
    existingByPorts.set(key, [...(existingByPorts.get(key) ?? []), slice]);
  }
  const desiredByPorts = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(service, pod);
    const key = portMapKey(ports);
    let group = desiredByPorts.get(key);
    if (!group) desiredByPorts.set(key, (group = { ports, endpoints: [] }));
    const nodeName = pod.spec?.nodeName ?? '';
    const node = input.nodeByName(nodeName);
    if (!node && !service.spec?.publishNotReadyAddresses) {
      // A pod on an unknown Node is left out now and the Service retried later.
      errors.push(`skipping Pod ${pod.metadata?.name ?? ''} for Service ${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}: Node ${nodeName} Not Found`);
      continue;
    }
    const endpoint = podToEndpoint(pod, node, service, addressType);
    if (endpoint.addresses.length > 0) group.endpoints.push(endpoint);
  }
  for (const [key, { ports, endpoints }] of desiredByPorts) {
    const desired = new Map(endpoints.sort(byPodName).map((e) => [endpointHash(e), e] as const));
    const changes = reconcileByPortMapping(service, existingByPorts.get(key) ?? [], desired, ports, addressType, max);
    create.push(...changes.create);
    update.push(...changes.update);
    remove.push(...changes.delete);
  }
  // Port sets no longer wanted take their slices with them.
  for (const [key, slices] of existingByPorts) if (!desiredByPorts.has(key)) remove.push(...slices);
  // A Service always has at least one slice: an empty placeholder when it has no endpoints.
  if (existing.length === remove.length && create.length === 0) {
    const placeholder = newEndpointSlice(service, [], addressType);
    if (remove.length === 1 && isPlaceholder(remove[0]!, placeholder)) remove = [];
    else create.push(placeholder);
  }
  // finalize: rather than create one slice and delete another, rewrite the one being deleted.
  for (let i = 0; i < remove.length && create.length > 0; ) {
    const doomed = remove[i]!;
    if (doomed.addressType === addressType && ownedBy(doomed, service)) {
      const replacement = create.pop()!;
      const metadata = { ...structuredClone(doomed.metadata), labels: replacement.metadata?.labels ?? {} };
      update = [...update, { ...structuredClone(doomed), metadata, endpoints: replacement.endpoints, ports: replacement.ports }];
      remove = [...remove.slice(0, i), ...remove.slice(i + 1)];
    } else {
      i++;
    }
  }
  create = [...create];
  return { create, update, delete: remove };
}

function withTriggerTime(slice: Slice, triggerTime: number | undefined): Slice {
  const annotations = { ...slice.metadata?.annotations };
  if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = rfc3339Nano(triggerTime);
  else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
  return { ...slice, metadata: { ...slice.metadata, annotations } };
}

/** Reconcile: the changes that make the Service's slices show its pods. */
export function reconcileSlices(input: ReconcileInput): SliceChanges {
  const supported = addressTypesForService(input.service);
  const errors: string[] = [];
  const create: Slice[] = [];
  const update: Slice[] = [];
  const remove: Slice[] = [];
  const byType = new Map<AddressType, Slice[]>();
  for (const slice of input.existing) {
    const type = slice.addressType as AddressType;
    // Slices of a family the Service no longer has go.
    if (!supported.has(type)) remove.push(slice);
    else byType.set(type, [...(byType.get(type) ?? []), slice]);
  }
  for (const type of supported) {
    const changes = reconcileByAddressType(input, byType.get(type) ?? [], type, errors);
    create.push(...changes.create);
    update.push(...changes.update);
    remove.push(...changes.delete);
  }
  // Slices are not created for a Service being deleted: the garbage collector is removing them.
  const creatable = input.service.metadata?.deletionTimestamp ? [] : create;
  return {
    create: creatable.map((s) => withTriggerTime(s, input.triggerTime)),
    update: update.map((s) => withTriggerTime(s, input.triggerTime)),
    delete: remove,
    errors,
  };
}
