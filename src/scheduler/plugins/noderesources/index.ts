// NodeResourcesFit (filter on requests vs allocatable, LeastAllocated/MostAllocated
// scoring) and NodeResourcesBalancedAllocation (favour nodes whose cpu and memory
// fractions stay close), sharing upstream's resourceAllocationScorer.

import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  MutableNodeInfo,
  NodeNumber,
  RESOURCE_CPU,
  RESOURCE_EPHEMERAL_STORAGE,
  RESOURCE_MEMORY,
  isExtendedResourceName,
  isScalarResourceName,
  podInfoOf,
  resourceFromList,
} from '../../framework/nodeinfo.js';
import {
  Code,
  MAX_NODE_SCORE,
  QueueingHint,
  SKIP,
  SUCCESS,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type NodeInfo,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReadonlyResource,
  type ScorePlugin,
  type Status,
  StateSlot,
} from '../../framework/types.js';
import { asNode, asPod, missingState } from '../helper/index.js';

export const FIT_NAME = 'NodeResourcesFit';
export const BALANCED_ALLOCATION_NAME = 'NodeResourcesBalancedAllocation';
const FIT_PRE_FILTER_STATE_KEY = 'PreFilter' + FIT_NAME;
const FIT_PRE_SCORE_STATE_KEY = 'PreScore' + FIT_NAME;
const BALANCED_PRE_SCORE_STATE_KEY = 'PreScore' + BALANCED_ALLOCATION_NAME;

export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

/** NodeResourcesFitArgs (RequestedToCapacityRatio is not supported). */
export interface NodeResourcesFitArgs {
  readonly ignoredResources?: readonly string[];
  readonly ignoredResourceGroups?: readonly string[];
  readonly scoringStrategy?: { readonly type: ScoringStrategyType; readonly resources?: readonly ResourceSpec[] };
}

export interface NodeResourcesBalancedAllocationArgs {
  readonly resources?: readonly ResourceSpec[];
}

/** The v1 defaults: cpu and memory, weight 1 each. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: RESOURCE_CPU, weight: 1 },
  { name: RESOURCE_MEMORY, weight: 1 },
]);

// ---- Filter ----------------------------------------------------------------------------

/** InsufficientResource: why a node cannot hold the pod's requests. */
export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** The pod asks for more than the node has in total: preemption cannot help. */
  readonly unresolvable: boolean;
}

function insufficient(resourceName: string, reason: string, requested: number, used: number, capacity: number, unresolvable = requested > capacity): InsufficientResource {
  return { resourceName, reason, requested, used, capacity, unresolvable };
}

/**
 * fitsRequest: every resource the pod requests that the node cannot hold any more.
 * Returns undefined (no allocation) when the pod fits, the common case.
 */
export function fitsRequest(
  podRequest: ReadonlyResource,
  nodeInfo: NodeInfo,
  ignoredExtendedResources?: ReadonlySet<string>,
  ignoredResourceGroups?: ReadonlySet<string>,
): InsufficientResource[] | undefined {
  let out: InsufficientResource[] | undefined;
  const allocatable = nodeInfo.allocatable;
  const requested = nodeInfo.requested;
  const podCount = nodeInfo.pods.length;
  if (podCount + 1 > allocatable.allowedPodNumber) {
    (out ??= []).push(insufficient('pods', 'Too many pods', 1, podCount, allocatable.allowedPodNumber, false));
  }
  if (podRequest.milliCPU === 0 && podRequest.memory === 0 && podRequest.ephemeralStorage === 0 && podRequest.scalar.size === 0) return out;
  if (podRequest.milliCPU > 0 && podRequest.milliCPU > allocatable.milliCPU - requested.milliCPU) {
    (out ??= []).push(insufficient(RESOURCE_CPU, 'Insufficient cpu', podRequest.milliCPU, requested.milliCPU, allocatable.milliCPU));
  }
  if (podRequest.memory > 0 && podRequest.memory > allocatable.memory - requested.memory) {
    (out ??= []).push(insufficient(RESOURCE_MEMORY, 'Insufficient memory', podRequest.memory, requested.memory, allocatable.memory));
  }
  if (podRequest.ephemeralStorage > 0 && podRequest.ephemeralStorage > allocatable.ephemeralStorage - requested.ephemeralStorage) {
    (out ??= []).push(
      insufficient(RESOURCE_EPHEMERAL_STORAGE, 'Insufficient ephemeral-storage', podRequest.ephemeralStorage, requested.ephemeralStorage, allocatable.ephemeralStorage),
    );
  }
  for (const [name, quantity] of podRequest.scalar) {
    if (quantity === 0) continue;
    if (isExtendedResourceName(name)) {
      const group = name.split('/')[0] ?? '';
      if (ignoredExtendedResources?.has(name) || ignoredResourceGroups?.has(group)) continue;
    }
    const capacity = allocatable.scalar.get(name) ?? 0;
    const used = requested.scalar.get(name) ?? 0;
    if (quantity > capacity - used) (out ??= []).push(insufficient(name, `Insufficient ${name}`, quantity, used, capacity));
  }
  return out;
}

/** Fits: what Filter checks, for one pod against one node (used by queueing hints and preemption). */
export function fits(pod: Pod, nodeInfo: NodeInfo): InsufficientResource[] {
  return fitsRequest(podInfoOf(pod).requests, nodeInfo) ?? [];
}

function fitsEmptyNode(pod: Pod, node: Node): boolean {
  return fits(pod, new MutableNodeInfo(node)).length === 0;
}

// ---- scoring (resourceAllocationScorer) ---------------------------------------------------

/** leastRequestedScore: the unused share of capacity, 0..100. */
function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** mostRequestedScore: the used share of capacity, 0..100 (requests above capacity count as full). */
function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}

/** The pod's request of one resource, from the requests or the non-zero requests. */
function podRequestOf(r: ReadonlyResource, name: string): number {
  switch (name) {
    case RESOURCE_CPU:
      return r.milliCPU;
    case RESOURCE_MEMORY:
      return r.memory;
    case RESOURCE_EPHEMERAL_STORAGE:
      return r.ephemeralStorage;
    default:
      return r.scalar.get(name) ?? 0;
  }
}

const KIND_CPU = 0;
const KIND_MEMORY = 1;
const KIND_EPHEMERAL_STORAGE = 2;
const KIND_SCALAR = 3;

function resourceKind(name: string): number {
  switch (name) {
    case RESOURCE_CPU:
      return KIND_CPU;
    case RESOURCE_MEMORY:
      return KIND_MEMORY;
    case RESOURCE_EPHEMERAL_STORAGE:
      return KIND_EPHEMERAL_STORAGE;
    default:
      return KIND_SCALAR;
  }
}

/**
 * Scores remembered by snapshot slot (NodeInfo.slot) with what they were computed from:
 * the node's generation and the pod's cpu and memory requests. A cycle scores hundreds
 * of nodes, and between two visits of a node only the few that got a pod change.
 */
class SlotScores {
  private generations = new Float64Array(0);
  private cpu = new Float64Array(0);
  private memory = new Float64Array(0);
  private scores = new Float64Array(0);

  /** The remembered score, or -1. */
  get(slot: number, generation: number, cpu: number, memory: number): number {
    if (slot >= this.scores.length || this.generations[slot] !== generation || this.cpu[slot] !== cpu || this.memory[slot] !== memory) return -1;
    return this.scores[slot]!;
  }

  set(slot: number, generation: number, cpu: number, memory: number, score: number): void {
    if (slot >= this.scores.length) this.grow(slot + 1);
    this.generations[slot] = generation;
    this.cpu[slot] = cpu;
    this.memory[slot] = memory;
    this.scores[slot] = score;
  }

  private grow(size: number): void {
    const capacity = Math.max(size, this.scores.length * 2, 64);
    const grown = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.generations = grown(this.generations);
    this.cpu = grown(this.cpu);
    this.memory = grown(this.memory);
    this.scores = grown(this.scores);
  }
}

const enum Strategy {
  LeastAllocated,
  MostAllocated,
  /** NodeResourcesBalancedAllocation's balancedResourceScorer. */
  Balanced,
}

/**
 * Scores a node from the pod's requests (upstream's resourceAllocationScorer and its
 * scorer functions in one loop). Called for hundreds of nodes per cycle: no closures
 * and no allocation per node; the fractions buffer is reused (one Score runs at a time).
 */
class ResourceAllocationScorer {
  private readonly kinds: readonly number[];
  private readonly names: readonly string[];
  private readonly weights: readonly number[];
  private readonly scalar: readonly boolean[];
  private readonly fractions: Float64Array;
  /** The resources are cpu then memory (the default): score() takes a straight path. */
  private readonly cpuThenMemory: boolean;
  private readonly remembered = new SlotScores();

  constructor(
    readonly resources: readonly ResourceSpec[],
    /** Balanced allocation uses actual requests; Fit's strategies the non-zero ones. */
    private readonly useRequested: boolean,
    private readonly strategy: Strategy,
  ) {
    this.names = resources.map((r) => r.name);
    this.kinds = this.names.map(resourceKind);
    this.weights = resources.map((r) => r.weight);
    this.scalar = this.names.map(isScalarResourceName);
    this.fractions = new Float64Array(resources.length);
    this.cpuThenMemory = this.kinds.length === 2 && this.kinds[0] === KIND_CPU && this.kinds[1] === KIND_MEMORY;
  }

  podRequests(pod: Pod): number[] {
    const info = podInfoOf(pod);
    const source = this.useRequested ? info.requests : info.nonZeroRequests;
    return this.resources.map((r) => podRequestOf(source, r.name));
  }

  score(nodeInfo: NodeInfo, podRequests: readonly number[]): number {
    if (this.cpuThenMemory) {
      const slot = nodeInfo.slot;
      if (slot < 0) return this.scoreCPUThenMemory(nodeInfo, podRequests);
      const remembered = this.remembered.get(slot, nodeInfo.generation, podRequests[0]!, podRequests[1]!);
      if (remembered >= 0) return remembered;
      const score = this.scoreCPUThenMemory(nodeInfo, podRequests);
      this.remembered.set(slot, nodeInfo.generation, podRequests[0]!, podRequests[1]!, score);
      return score;
    }
    const n = nodeInfo.numbers;
    const b = nodeInfo.base;
    const requestedCPU = b + (this.useRequested ? NodeNumber.RequestedMilliCPU : NodeNumber.NonZeroRequestedMilliCPU);
    const requestedMemory = b + (this.useRequested ? NodeNumber.RequestedMemory : NodeNumber.NonZeroRequestedMemory);
    const strategy = this.strategy;
    let weighted = 0;
    let weightSum = 0;
    let count = 0;
    let total = 0;
    for (let i = 0; i < this.kinds.length; i++) {
      const podRequest = podRequests[i] as number;
      // An extended resource the pod does not request is left out of the score.
      if (podRequest === 0 && this.scalar[i]) continue;
      let alloc: number;
      let req: number;
      switch (this.kinds[i]) {
        case KIND_CPU:
          alloc = n[b + NodeNumber.AllocatableMilliCPU]!;
          req = n[requestedCPU]! + podRequest;
          break;
        case KIND_MEMORY:
          alloc = n[b + NodeNumber.AllocatableMemory]!;
          req = n[requestedMemory]! + podRequest;
          break;
        case KIND_EPHEMERAL_STORAGE:
          alloc = n[b + NodeNumber.AllocatableEphemeralStorage]!;
          req = n[b + NodeNumber.RequestedEphemeralStorage]! + podRequest;
          break;
        default: {
          const name = this.names[i] as string;
          alloc = nodeInfo.allocatable.scalar.get(name) ?? 0;
          req = (nodeInfo.requested.scalar.get(name) ?? 0) + podRequest;
        }
      }
      // Resources the node does not have are left out too.
      if (alloc === 0) continue;
      if (strategy === Strategy.Balanced) {
        const fraction = Math.min(req / alloc, 1);
        this.fractions[count++] = fraction;
        total += fraction;
      } else {
        const weight = this.weights[i] as number;
        weighted += (strategy === Strategy.LeastAllocated ? leastRequestedScore(req, alloc) : mostRequestedScore(req, alloc)) * weight;
        weightSum += weight;
      }
    }
    if (strategy !== Strategy.Balanced) return weightSum === 0 ? 0 : Math.trunc(weighted / weightSum);
    return balancedScore(this.fractions, count, total);
  }

  /** score() for exactly [cpu, memory]: the loop in score() without the loop (hundreds of calls per cycle). */
  private scoreCPUThenMemory(nodeInfo: NodeInfo, podRequests: readonly number[]): number {
    const n = nodeInfo.numbers;
    const b = nodeInfo.base;
    const strategy = this.strategy;
    const allocCPU = n[b + NodeNumber.AllocatableMilliCPU]!;
    const allocMemory = n[b + NodeNumber.AllocatableMemory]!;
    const reqCPU = n[b + (this.useRequested ? NodeNumber.RequestedMilliCPU : NodeNumber.NonZeroRequestedMilliCPU)]! + podRequests[0]!;
    const reqMemory = n[b + (this.useRequested ? NodeNumber.RequestedMemory : NodeNumber.NonZeroRequestedMemory)]! + podRequests[1]!;
    if (strategy === Strategy.Balanced) {
      // With one resource (or none) the deviation is 0.
      if (allocCPU === 0 || allocMemory === 0) return MAX_NODE_SCORE;
      const std = Math.abs((Math.min(reqCPU / allocCPU, 1) - Math.min(reqMemory / allocMemory, 1)) / 2);
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    }
    const least = strategy === Strategy.LeastAllocated;
    let weighted = 0;
    let weightSum = 0;
    if (allocCPU !== 0) {
      const weight = this.weights[0]!;
      weighted += (least ? leastRequestedScore(reqCPU, allocCPU) : mostRequestedScore(reqCPU, allocCPU)) * weight;
      weightSum += weight;
    }
    if (allocMemory !== 0) {
      const weight = this.weights[1]!;
      weighted += (least ? leastRequestedScore(reqMemory, allocMemory) : mostRequestedScore(reqMemory, allocMemory)) * weight;
      weightSum += weight;
    }
    return weightSum === 0 ? 0 : Math.trunc(weighted / weightSum);
  }
}

/** balancedResourceScorer: (1 - standard deviation of the requested fractions) × 100. */
function balancedScore(fractions: Float64Array, count: number, total: number): number {
  let std = 0;
  if (count === 2) {
    std = Math.abs(((fractions[0] as number) - (fractions[1] as number)) / 2);
  } else if (count > 2) {
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const d = (fractions[i] as number) - mean;
      sum += d * d;
    }
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

// ---- NodeResourcesFit ----------------------------------------------------------------------

/** Fit's PreFilter state: the pod's requests, and whether it asks for no extended resources (Filter's fast path). */
interface FitPreFilterState {
  readonly requests: ReadonlyResource;
  readonly noScalar: boolean;
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = FIT_NAME;
  private readonly ignoredResources: ReadonlySet<string>;
  private readonly ignoredResourceGroups: ReadonlySet<string>;
  private readonly scorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignoredResources = new Set(args.ignoredResources ?? []);
    this.ignoredResourceGroups = new Set(args.ignoredResourceGroups ?? []);
    const strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    const resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
    if (strategy === 'LeastAllocated') this.scorer = new ResourceAllocationScorer(resources, false, Strategy.LeastAllocated);
    else if (strategy === 'MostAllocated') this.scorer = new ResourceAllocationScorer(resources, false, Strategy.MostAllocated);
    else throw new Error(`scoring strategy ${String(strategy)} is not supported`);
  }

  private readonly preFilterState = new StateSlot<FitPreFilterState>(FIT_PRE_FILTER_STATE_KEY);
  private readonly preScoreState = new StateSlot<number[]>(FIT_PRE_SCORE_STATE_KEY);

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const requests = podInfoOf(pod).requests;
    this.preFilterState.write(state, { requests, noScalar: requests.scalar.size === 0 });
    return { status: SUCCESS };
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = this.preFilterState.read(state);
    if (s === undefined) return missingState(FIT_PRE_FILTER_STATE_KEY);
    const podRequest = s.requests;
    // The common case first, from the flat numbers: room for everything (fitsRequest finds the reasons otherwise).
    const n = nodeInfo.numbers;
    const b = nodeInfo.base;
    if (
      s.noScalar &&
      n[b + NodeNumber.PodCount]! < n[b + NodeNumber.AllowedPodNumber]! &&
      podRequest.milliCPU <= n[b + NodeNumber.AllocatableMilliCPU]! - n[b + NodeNumber.RequestedMilliCPU]! &&
      podRequest.memory <= n[b + NodeNumber.AllocatableMemory]! - n[b + NodeNumber.RequestedMemory]! &&
      podRequest.ephemeralStorage <= n[b + NodeNumber.AllocatableEphemeralStorage]! - n[b + NodeNumber.RequestedEphemeralStorage]!
    ) {
      return SUCCESS;
    }
    const missing = fitsRequest(podRequest, nodeInfo, this.ignoredResources, this.ignoredResourceGroups);
    if (!missing) return SUCCESS;
    const code = missing.some((m) => m.unresolvable) ? Code.UnschedulableAndUnresolvable : Code.Unschedulable;
    return { code, reasons: missing.map((m) => m.reason) };
  }

  preScore(state: CycleState, pod: Pod): Status {
    this.preScoreState.write(state, this.scorer.podRequests(pod));
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const podRequests = this.preScoreState.read(state) ?? this.scorer.podRequests(pod);
    return this.scorer.score(nodeInfo, podRequests);
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [
      { event: { resource: 'Pod', action: 'Delete' }, hint: isSchedulableAfterPodEvent },
      { event: { resource: 'Pod', action: 'UpdatePodScaleDown' }, hint: isSchedulableAfterPodEvent },
      { event: { resource: 'Node', action: 'Add' }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Node', action: 'UpdateNodeAllocatable' }, hint: isSchedulableAfterNodeChange },
    ];
  }
}

/** A deleted or scaled-down assigned pod may free what this pod needs. */
function isSchedulableAfterPodEvent(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  const original = asPod(oldObj);
  const modified = asPod(newObj);
  if (!modified) {
    if (!original) return QueueingHint.Queue;
    return !original.spec?.nodeName && !original.status?.nominatedNodeName ? QueueingHint.Skip : QueueingHint.Queue;
  }
  if (!original) return QueueingHint.Skip;
  if (modified.metadata?.uid === pod.metadata?.uid) return QueueingHint.Queue;
  if (!modified.spec?.nodeName) return QueueingHint.Skip;
  const before = podInfoOf(original).requests;
  const after = podInfoOf(modified).requests;
  const wanted = podInfoOf(pod).requests;
  if (wanted.milliCPU > 0 && before.milliCPU > after.milliCPU) return QueueingHint.Queue;
  if (wanted.memory > 0 && before.memory > after.memory) return QueueingHint.Queue;
  if (wanted.ephemeralStorage > 0 && before.ephemeralStorage > after.ephemeralStorage) return QueueingHint.Queue;
  for (const [name, value] of wanted.scalar) {
    if (value > 0 && (before.scalar.get(name) ?? 0) > (after.scalar.get(name) ?? 0)) return QueueingHint.Queue;
  }
  return QueueingHint.Skip;
}

/** A new node, or a node that grew in something the pod requests, may now fit it. */
function isSchedulableAfterNodeChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  const original = asNode(oldObj);
  const modified = asNode(newObj);
  if (!modified || !fitsEmptyNode(pod, modified)) return QueueingHint.Skip;
  if (!original) return QueueingHint.Queue;
  return haveRequestedResourcesIncreased(pod, original, modified) ? QueueingHint.Queue : QueueingHint.Skip;
}

function haveRequestedResourcesIncreased(pod: Pod, original: Node, modified: Node): boolean {
  const request = podInfoOf(pod).requests;
  const before = resourceFromList(original.status?.allocatable);
  const after = resourceFromList(modified.status?.allocatable);
  if (after.allowedPodNumber > before.allowedPodNumber) return true;
  if (request.milliCPU > 0 && after.milliCPU > before.milliCPU) return true;
  if (request.memory > 0 && after.memory > before.memory) return true;
  if (request.ephemeralStorage > 0 && after.ephemeralStorage > before.ephemeralStorage) return true;
  for (const [name, value] of request.scalar) {
    if (value > 0 && (after.scalar.get(name) ?? 0) > (before.scalar.get(name) ?? 0)) return true;
  }
  return false;
}

export const newNodeResourcesFit: PluginFactory = (args) => new NodeResourcesFit((args ?? {}) as NodeResourcesFitArgs);

// ---- NodeResourcesBalancedAllocation -------------------------------------------------------

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = BALANCED_ALLOCATION_NAME;
  private readonly scorer: ResourceAllocationScorer;
  private readonly preScoreState = new StateSlot<number[]>(BALANCED_PRE_SCORE_STATE_KEY);

  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    this.scorer = new ResourceAllocationScorer(args.resources ?? DEFAULT_RESOURCES, true, Strategy.Balanced);
  }

  preScore(state: CycleState, pod: Pod): Status {
    const podRequests = this.scorer.podRequests(pod);
    // Best-effort pods skip: balancing on zero requests would pile them onto one node.
    if (podRequests.every((r) => r === 0)) return SKIP;
    this.preScoreState.write(state, podRequests);
    return SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    let podRequests = this.preScoreState.read(state);
    if (!podRequests) {
      podRequests = this.scorer.podRequests(pod);
      if (podRequests.every((r) => r === 0)) return 0;
    }
    return this.scorer.score(nodeInfo, podRequests);
  }

  /** A score plugin never rejects a pod, so no event can make one schedulable. */
  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [];
  }
}

export const newNodeResourcesBalancedAllocation: PluginFactory = (args) =>
  new NodeResourcesBalancedAllocation((args ?? {}) as NodeResourcesBalancedAllocationArgs);
