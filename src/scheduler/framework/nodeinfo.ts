// NodeInfo, PodInfo and Resource as kube-scheduler's framework/types.go computes
// them: effective pod requests (sidecar-aware init container maxima, overhead),
// the non-zero defaults used by scoring, host ports, and per-node aggregates the
// cache mutates and snapshots. Pure and allocation-conscious: a cluster has 5000
// nodes and 10000+ pods, and quantity strings repeat, so parsed values are memoized.

import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { labels, quantity } from '../../machinery/index.js';
import type { HostPortInfo, NodeInfo, PodInfo, Resource } from './types.js';

/** schedutil.DefaultMilliCPURequest: what scoring assumes for a container without a cpu request. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** schedutil.DefaultMemoryRequest: 200Mi, for a container without a memory request. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';

type ResourceList = Readonly<Record<string, string>> | null | undefined;

// ---- quantities --------------------------------------------------------------

interface ParsedQuantity {
  readonly milli: number;
  readonly value: number;
}

const ZERO_QUANTITY: ParsedQuantity = { milli: 0, value: 0 };
const MAX_CACHED_QUANTITIES = 4096;
const quantityCache = new Map<string, ParsedQuantity>();

/** Parses a quantity string once; invalid text counts as zero (the API server rejects it on write). */
function parseCached(text: string): ParsedQuantity {
  let parsed = quantityCache.get(text);
  if (parsed !== undefined) return parsed;
  const q = quantity.parseQuantity(text);
  parsed = 'error' in q ? ZERO_QUANTITY : { milli: Number(q.milliValue()), value: Number(q.value()) };
  if (quantityCache.size >= MAX_CACHED_QUANTITIES) quantityCache.clear();
  quantityCache.set(text, parsed);
  return parsed;
}

/** MilliValue of a quantity string (cpu). */
export function milliValue(text: string): number {
  return parseCached(text).milli;
}

/** Value of a quantity string (bytes, counts). */
export function quantityValue(text: string): number {
  return parseCached(text).value;
}

// ---- resource names ------------------------------------------------------------

export const RESOURCE_CPU = 'cpu';
export const RESOURCE_MEMORY = 'memory';
export const RESOURCE_PODS = 'pods';
export const RESOURCE_EPHEMERAL_STORAGE = 'ephemeral-storage';

/** v1helper.IsPrefixedNativeResource: in the kubernetes.io namespace. */
function isPrefixedNativeResource(name: string): boolean {
  return name.includes('kubernetes.io/');
}

/** v1helper.IsExtendedResourceName: has a domain that is not kubernetes.io, and is not a quota "requests." name. */
export function isExtendedResourceName(name: string): boolean {
  const native = !name.includes('/') || isPrefixedNativeResource(name);
  return !native && !name.startsWith('requests.');
}

/** schedutil.IsScalarResourceName: extended, hugepages, prefixed native or attachable-volume resources. */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    name.startsWith('hugepages-') ||
    isPrefixedNativeResource(name) ||
    name.startsWith('attachable-volumes-')
  );
}

// ---- Resource ------------------------------------------------------------------

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() };
}

export function cloneResource(r: Resource): Resource {
  return {
    milliCPU: r.milliCPU,
    memory: r.memory,
    ephemeralStorage: r.ephemeralStorage,
    allowedPodNumber: r.allowedPodNumber,
    scalar: r.scalar.size === 0 ? new Map() : new Map(r.scalar),
  };
}

/** Adds one named quantity into r (Resource.Add); names that are no resource of the scheduler's are ignored. */
function addNamed(r: Resource, name: string, text: string): void {
  switch (name) {
    case RESOURCE_CPU:
      r.milliCPU += milliValue(text);
      return;
    case RESOURCE_MEMORY:
      r.memory += quantityValue(text);
      return;
    case RESOURCE_PODS:
      r.allowedPodNumber += quantityValue(text);
      return;
    case RESOURCE_EPHEMERAL_STORAGE:
      r.ephemeralStorage += quantityValue(text);
      return;
    default:
      if (isScalarResourceName(name)) r.scalar.set(name, (r.scalar.get(name) ?? 0) + quantityValue(text));
  }
}

/** NewResource: a ResourceList (node allocatable, a container's requests) in scheduler units. */
export function resourceFromList(list: ResourceList): Resource {
  const r = emptyResource();
  if (list) for (const name in list) addNamed(r, name, list[name] as string);
  return r;
}

function addInto(target: Resource, other: Resource, sign = 1): void {
  target.milliCPU += sign * other.milliCPU;
  target.memory += sign * other.memory;
  target.ephemeralStorage += sign * other.ephemeralStorage;
  target.allowedPodNumber += sign * other.allowedPodNumber;
  if (other.scalar.size === 0) return;
  for (const [name, value] of other.scalar) target.scalar.set(name, (target.scalar.get(name) ?? 0) + sign * value);
}

function maxInto(target: Resource, other: Resource): void {
  target.milliCPU = Math.max(target.milliCPU, other.milliCPU);
  target.memory = Math.max(target.memory, other.memory);
  target.ephemeralStorage = Math.max(target.ephemeralStorage, other.ephemeralStorage);
  target.allowedPodNumber = Math.max(target.allowedPodNumber, other.allowedPodNumber);
  for (const [name, value] of other.scalar) target.scalar.set(name, Math.max(target.scalar.get(name) ?? 0, value));
}

// ---- pod requests ----------------------------------------------------------------

/** A container's requests; with defaults, cpu/memory missing from the list get the scoring defaults. */
function containerRequests(container: Container, withDefaults: boolean): Resource {
  const r = emptyResource();
  addContainerRequests(r, container, withDefaults);
  return r;
}

/** Adds a container's requests (as containerRequests computes them) into r. */
function addContainerRequests(r: Resource, container: Container, withDefaults: boolean): void {
  const requests = container.resources?.requests;
  if (requests) for (const name in requests) addNamed(r, name, requests[name] as string);
  if (withDefaults) {
    if (requests?.[RESOURCE_CPU] === undefined) r.milliCPU += DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.[RESOURCE_MEMORY] === undefined) r.memory += DEFAULT_MEMORY_REQUEST;
  }
}

function isRestartableInitContainer(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/**
 * resourcehelper.PodRequests: the sum of the containers plus every restartable (sidecar)
 * init container, against the largest init container running beside the sidecars
 * started before it; plus pod overhead. Pod-level requests (spec.resources), when set,
 * replace the container aggregate for cpu and memory.
 */
function podRequests(pod: Pod, withDefaults: boolean): Resource {
  const spec = pod.spec;
  const containers = spec?.containers;
  // Pods of one template share their (hash-consed) containers array: when nothing else
  // adds to the sum, they share one read-only Resource too.
  const byContainersOnly =
    containers !== undefined && (spec?.initContainers?.length ?? 0) === 0 && !spec?.overhead && !(spec as { resources?: unknown }).resources;
  if (byContainersOnly) {
    const memo = requestsByContainers.get(containers);
    const known = withDefaults ? memo?.withDefaults : memo?.plain;
    if (known) return known;
  }
  const total = sumPodRequests(pod, withDefaults);
  // Kept for as long as the pod is: most pods ask for no extended resource.
  if (total.scalar.size === 0) total.scalar = NO_SCALARS;
  if (byContainersOnly) {
    const memo = requestsByContainers.get(containers) ?? {};
    if (withDefaults) memo.withDefaults = total;
    else memo.plain = total;
    requestsByContainers.set(containers, memo);
  }
  return total;
}

/** Requests by containers array, with and without defaults (see podRequests). */
const requestsByContainers = new WeakMap<readonly Container[], { plain?: Resource; withDefaults?: Resource }>();

/** A Map that stays empty: the extended resources of a pod that requests none, shared by all of them. */
class EmptyScalars extends Map<string, number> {
  override set(): this {
    throw new Error('the shared empty extended resources of pods are read-only');
  }
}
const NO_SCALARS: Map<string, number> = new EmptyScalars();

function sumPodRequests(pod: Pod, withDefaults: boolean): Resource {
  const total = emptyResource();
  const spec = pod.spec;
  if (!spec) return total;
  // Straight into the total: one Resource per pod, not one per container.
  for (const container of spec.containers ?? []) addContainerRequests(total, container, withDefaults);
  const initContainers = spec.initContainers;
  if (initContainers && initContainers.length > 0) {
    const sidecars = emptyResource();
    const initMax = emptyResource();
    for (const container of initContainers) {
      const requests = containerRequests(container, withDefaults);
      if (isRestartableInitContainer(container)) {
        addInto(total, requests);
        addInto(sidecars, requests);
        maxInto(initMax, sidecars);
      } else {
        addInto(requests, sidecars);
        maxInto(initMax, requests);
      }
    }
    maxInto(total, initMax);
  }
  const podLevel = (spec as { resources?: { requests?: ResourceList } }).resources?.requests;
  if (podLevel) {
    if (podLevel[RESOURCE_CPU] !== undefined) total.milliCPU = milliValue(podLevel[RESOURCE_CPU]);
    if (podLevel[RESOURCE_MEMORY] !== undefined) total.memory = quantityValue(podLevel[RESOURCE_MEMORY]);
  }
  if (spec.overhead) addInto(total, resourceFromList(spec.overhead));
  return total;
}

/** schedutil.GetHostPorts, sanitized: host ports of containers and sidecar init containers. */
export function hostPortsOf(pod: Pod): HostPortInfo[] {
  const ports: HostPortInfo[] = [];
  const spec = pod.spec;
  if (!spec) return ports;
  const collect = (container: Container): void => {
    for (const p of container.ports ?? []) {
      if (p.hostPort !== undefined && p.hostPort > 0) {
        ports.push({ ip: p.hostIP || DEFAULT_BIND_ALL_HOST_IP, protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
  };
  for (const container of spec.initContainers ?? []) if (isRestartableInitContainer(container)) collect(container);
  for (const container of spec.containers ?? []) collect(container);
  return ports;
}

/** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every IP, any IP with itself and 0.0.0.0. */
export function portConflicts(used: readonly HostPortInfo[], want: HostPortInfo): boolean {
  const ip = want.ip || DEFAULT_BIND_ALL_HOST_IP;
  const protocol = want.protocol || 'TCP';
  for (const u of used) {
    if (u.port !== want.port || u.protocol !== protocol) continue;
    if (ip === DEFAULT_BIND_ALL_HOST_IP || u.ip === DEFAULT_BIND_ALL_HOST_IP || u.ip === ip) return true;
  }
  return false;
}

/** podWithAffinity: the pod has a podAffinity or podAntiAffinity stanza. */
export function podHasAffinity(pod: Pod): boolean {
  const affinity = pod.spec?.affinity;
  return !!affinity && (!!affinity.podAffinity || !!affinity.podAntiAffinity);
}

/** podWithRequiredAntiAffinity: at least one required anti-affinity term. */
export function podHasRequiredAntiAffinity(pod: Pod): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/** A PodInfo with the host ports precomputed too, so adding it to a node is cheap. */
export interface ScheduledPodInfo extends PodInfo {
  readonly hostPorts: readonly HostPortInfo[];
}

const podInfoCache = new WeakMap<Pod, ScheduledPodInfo>();

/** NewPodInfo: computes the pod's requests, non-zero requests, host ports and affinity flags once. */
export function newPodInfo(pod: Pod): ScheduledPodInfo {
  const requests = podRequests(pod, false);
  // Only pods that leave cpu or memory out somewhere need the second pass.
  const nonZeroRequests = needsDefaults(pod) ? podRequests(pod, true) : requests;
  const info: ScheduledPodInfo = {
    pod,
    requests,
    nonZeroRequests,
    hasAffinity: podHasAffinity(pod),
    hasRequiredAntiAffinity: podHasRequiredAntiAffinity(pod),
    hostPorts: hostPortsOf(pod),
  };
  // Plugins look the same pod object up through podInfoOf: share this computation.
  podInfoCache.set(pod, info);
  return info;
}

/**
 * The PodInfo of a pod object, computed once per object. Pods from informers are
 * immutable, so several plugins (and the cache) can share one computation.
 */
export function podInfoOf(pod: Pod): ScheduledPodInfo {
  let info = podInfoCache.get(pod);
  if (info === undefined) {
    info = newPodInfo(pod);
    podInfoCache.set(pod, info);
  }
  return info;
}

/**
 * Drops the PodInfo computed for a pod object that has been superseded or deleted:
 * the API server's watch history keeps old versions alive for minutes, and their
 * PodInfos with them (most of the scheduler's PodInfos, before this).
 */
export function forgetPodInfo(pod: Pod): void {
  podInfoCache.delete(pod);
}

function needsDefaults(pod: Pod): boolean {
  const spec = pod.spec;
  if (!spec) return false;
  const missing = (c: Container): boolean =>
    c.resources?.requests?.[RESOURCE_CPU] === undefined || c.resources?.requests?.[RESOURCE_MEMORY] === undefined;
  return (spec.containers ?? []).some(missing) || (spec.initContainers ?? []).some(missing);
}

function hostPortsOfInfo(podInfo: PodInfo): readonly HostPortInfo[] {
  return (podInfo as Partial<ScheduledPodInfo>).hostPorts ?? hostPortsOf(podInfo.pod);
}

// ---- NodeInfo ----------------------------------------------------------------------

let lastGeneration = 0;

/** nextGeneration: monotonic across all NodeInfos, so a re-created node never reuses one. */
export function nextGeneration(): number {
  return ++lastGeneration;
}

/** A pod's identity in a NodeInfo (GetPodKey): its uid, else namespace/name. */
export function podKey(pod: Pod): string {
  return pod.metadata?.uid || `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function removeByKey(list: PodInfo[], key: string): PodInfo | undefined {
  for (let i = 0; i < list.length; i++) {
    const candidate = list[i] as PodInfo;
    if (podKey(candidate.pod) === key) {
      // Swap-remove like upstream: order of pods on a node carries no meaning.
      list[i] = list[list.length - 1] as PodInfo;
      list.pop();
      return candidate;
    }
  }
  return undefined;
}

/**
 * Where each of a node's hot numbers sits in NodeInfo.numbers, counted from
 * NodeInfo.base. Filter and Score read these for hundreds of nodes per cycle; a
 * snapshot keeps all its nodes' numbers in one buffer, in list order, so a cycle
 * reads them sequentially instead of chasing Resource objects and boxed doubles.
 */
export const enum NodeNumber {
  PodCount,
  AllowedPodNumber,
  AllocatableMilliCPU,
  AllocatableMemory,
  AllocatableEphemeralStorage,
  RequestedMilliCPU,
  RequestedMemory,
  RequestedEphemeralStorage,
  NonZeroRequestedMilliCPU,
  NonZeroRequestedMemory,
  /** Numbers per node. */
  Stride,
}

const NO_TAINTS: readonly Taint[] = Object.freeze([]);
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Whether label selectors see the two versions of a pod alike: the same labels, namespace and deletion state. */
function sameForSelectors(a: Pod, b: Pod): boolean {
  const am = a.metadata;
  const bm = b.metadata;
  return (am?.namespace ?? '') === (bm?.namespace ?? '') && !am?.deletionTimestamp === !bm?.deletionTimestamp && labels.equalLabels(am?.labels, bm?.labels);
}

/** Swap-removes item from list; false when it is not there. */
function removeItem<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list[i] = list[list.length - 1] as T;
  list.pop();
  return true;
}

/**
 * The scheduler cache's per-node aggregate; snapshots copy it when its generation
 * changed. The fields filters and scores read for every node (labels, taints,
 * unschedulable, the resource sums as flat numbers) are set from the Node and pods
 * once, so the hot loops do not walk node.spec/status objects. Change it only through
 * its methods: they keep the numbers in step with the pods and Resources.
 */
export class MutableNodeInfo implements NodeInfo {
  // Declaration order is the objects' field order: what every filter reads comes first,
  // within the object's first cache line.
  /** The NodeNumber values, from base: a buffer of its own, or its snapshot's. */
  numbers: Float64Array = new Float64Array(NodeNumber.Stride);
  base = 0;
  node: Node | undefined = undefined;
  taints: readonly Taint[] = NO_TAINTS;
  unschedulable = false;
  name: string;
  /** Its position in its snapshot's list, -1 outside a snapshot. */
  slot = -1;
  generation = nextGeneration();
  removalGeneration = nextGeneration();
  labels: Readonly<Record<string, string>> = NO_LABELS;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts: HostPortInfo[] = [];
  requested: Resource = emptyResource();
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();

  /** A node, or only its name when pods are known before the Node object. */
  constructor(node?: Node | string) {
    if (typeof node === 'string') {
      this.name = node;
    } else {
      this.name = '';
      if (node) this.setNode(node);
    }
  }

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? this.name;
    this.labels = node.metadata?.labels ?? NO_LABELS;
    const taints = node.spec?.taints;
    this.taints = taints && taints.length > 0 ? taints : NO_TAINTS;
    this.unschedulable = node.spec?.unschedulable === true;
    this.allocatable = resourceFromList(node.status?.allocatable);
    this.generation = nextGeneration();
    this.syncNumbers();
  }

  /** RemoveNode: forgets the Node object but keeps the pods still assigned to it. */
  removeNode(): void {
    this.node = undefined;
    this.labels = NO_LABELS;
    this.taints = NO_TAINTS;
    this.unschedulable = false;
    this.generation = nextGeneration();
    this.syncNumbers();
  }

  addPod(podInfo: PodInfo): void {
    this.pods.push(podInfo);
    if (podInfo.hasAffinity) this.podsWithAffinity.push(podInfo);
    if (podInfo.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(podInfo);
    this.update(podInfo, 1);
  }

  /** Removes the pod with pod's uid; returns false when it was not on this node. */
  removePod(pod: Pod): boolean {
    const key = podKey(pod);
    const removed = removeByKey(this.pods, key);
    if (!removed) return false;
    this.removalGeneration = nextGeneration();
    if (removed.hasAffinity) removeByKey(this.podsWithAffinity, key);
    if (removed.hasRequiredAntiAffinity) removeByKey(this.podsWithRequiredAntiAffinity, key);
    this.update(removed, -1);
    return true;
  }

  /** Removes this very PodInfo (the cache knows what it added); false when it is not here. */
  removePodInfo(podInfo: PodInfo): boolean {
    if (!removeItem(this.pods, podInfo)) return false;
    this.removalGeneration = nextGeneration();
    if (podInfo.hasAffinity) removeItem(this.podsWithAffinity, podInfo);
    if (podInfo.hasRequiredAntiAffinity) removeItem(this.podsWithRequiredAntiAffinity, podInfo);
    this.update(podInfo, -1);
    return true;
  }

  /**
   * Counts next instead of previous, a version of the same pod on this node, in its
   * place: a pod's status updates leave the pods before and after it where they were.
   * False when previous is not here.
   */
  replacePodInfo(previous: PodInfo, next: PodInfo): boolean {
    const i = this.pods.indexOf(previous);
    if (i < 0) return false;
    this.pods[i] = next;
    if (!sameForSelectors(previous.pod, next.pod)) this.removalGeneration = nextGeneration();
    if (previous.hasAffinity) removeItem(this.podsWithAffinity, previous);
    if (previous.hasRequiredAntiAffinity) removeItem(this.podsWithRequiredAntiAffinity, previous);
    if (next.hasAffinity) this.podsWithAffinity.push(next);
    if (next.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(next);
    this.update(previous, -1);
    this.update(next, 1);
    return true;
  }

  private update(podInfo: PodInfo, sign: 1 | -1): void {
    const requests = podInfo.requests;
    this.requested.milliCPU += sign * requests.milliCPU;
    this.requested.memory += sign * requests.memory;
    this.requested.ephemeralStorage += sign * requests.ephemeralStorage;
    if (requests.scalar.size > 0) {
      for (const [name, value] of requests.scalar) this.requested.scalar.set(name, (this.requested.scalar.get(name) ?? 0) + sign * value);
    }
    this.nonZeroRequested.milliCPU += sign * podInfo.nonZeroRequests.milliCPU;
    this.nonZeroRequested.memory += sign * podInfo.nonZeroRequests.memory;
    for (const port of hostPortsOfInfo(podInfo)) {
      if (sign > 0) {
        this.usedPorts.push(port);
      } else {
        const i = this.usedPorts.findIndex((u) => u.ip === port.ip && u.protocol === port.protocol && u.port === port.port);
        if (i >= 0) this.usedPorts.splice(i, 1);
      }
    }
    this.generation = nextGeneration();
    this.syncNumbers();
  }

  /** A copy that later changes to this one do not affect (pod infos are shared: they are immutable). */
  clone(): MutableNodeInfo {
    const copy = new MutableNodeInfo(this.name);
    copy.copyFrom(this);
    return copy;
  }

  /**
   * Makes this NodeInfo a copy of other, reusing its own arrays and Resource objects.
   * Snapshots update their NodeInfos this way: the objects a cycle walks stay where
   * they were first allocated, close together in list order, instead of being
   * scattered over the heap by a fresh copy per change.
   */
  copyFrom(other: MutableNodeInfo): void {
    this.node = other.node;
    this.name = other.name;
    this.labels = other.labels;
    this.taints = other.taints;
    this.unschedulable = other.unschedulable;
    copyArray(this.pods, other.pods);
    copyArray(this.podsWithAffinity, other.podsWithAffinity);
    copyArray(this.podsWithRequiredAntiAffinity, other.podsWithRequiredAntiAffinity);
    copyArray(this.usedPorts, other.usedPorts);
    copyResource(this.requested, other.requested);
    copyResource(this.nonZeroRequested, other.nonZeroRequested);
    copyResource(this.allocatable, other.allocatable);
    this.generation = other.generation;
    this.removalGeneration = other.removalGeneration;
    this.syncNumbers();
  }

  /** Moves this node's numbers to buffer at base (a snapshot gathering its nodes' numbers in one place). */
  bindNumbers(buffer: Float64Array, slot: number): void {
    this.numbers = buffer;
    this.slot = slot;
    this.base = slot * NodeNumber.Stride;
    this.syncNumbers();
  }

  /** Writes the NodeNumber values from the pods and Resources (the source of truth). */
  private syncNumbers(): void {
    const n = this.numbers;
    const b = this.base;
    n[b + NodeNumber.PodCount] = this.pods.length;
    n[b + NodeNumber.AllowedPodNumber] = this.allocatable.allowedPodNumber;
    n[b + NodeNumber.AllocatableMilliCPU] = this.allocatable.milliCPU;
    n[b + NodeNumber.AllocatableMemory] = this.allocatable.memory;
    n[b + NodeNumber.AllocatableEphemeralStorage] = this.allocatable.ephemeralStorage;
    n[b + NodeNumber.RequestedMilliCPU] = this.requested.milliCPU;
    n[b + NodeNumber.RequestedMemory] = this.requested.memory;
    n[b + NodeNumber.RequestedEphemeralStorage] = this.requested.ephemeralStorage;
    n[b + NodeNumber.NonZeroRequestedMilliCPU] = this.nonZeroRequested.milliCPU;
    n[b + NodeNumber.NonZeroRequestedMemory] = this.nonZeroRequested.memory;
  }
}

function copyArray<T>(target: T[], source: readonly T[]): void {
  target.length = source.length;
  for (let i = 0; i < source.length; i++) target[i] = source[i] as T;
}

function copyResource(target: Resource, source: Resource): void {
  target.milliCPU = source.milliCPU;
  target.memory = source.memory;
  target.ephemeralStorage = source.ephemeralStorage;
  target.allowedPodNumber = source.allowedPodNumber;
  if (target.scalar.size > 0) target.scalar.clear();
  if (source.scalar.size > 0) for (const [name, value] of source.scalar) target.scalar.set(name, value);
}
