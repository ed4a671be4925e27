// The scheduling framework's contract (kube-scheduler's pkg/scheduler/framework):
// one small interface per extension point, expected outcomes returned as a Status
// with a code, exceptions only for bugs. Pure: no I/O imports here or in plugins.

import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';

export enum Code {
  Success = 0,
  /** An internal error: the pod is retried with backoff. */
  Error = 1,
  /** The pod does not fit now; preemption may help. */
  Unschedulable = 2,
  /** The pod does not fit and preemption cannot help (e.g. node affinity). */
  UnschedulableAndUnresolvable = 3,
  /** Permit: wait for approval. */
  Wait = 4,
  /** PreFilter/PreScore: the plugin has nothing to do for this pod; skip its Filter/Score. */
  Skip = 5,
  /** PreFilter: nothing can make this pod fit but another PreFilter may; treat like Unschedulable. */
  Pending = 6,
}

export interface Status {
  readonly code: Code;
  /** Human-readable reasons, as upstream's FailedScheduling messages aggregate them ("Insufficient cpu"). */
  readonly reasons: readonly string[];
  /** The plugin that returned it (the framework fills this in). */
  readonly plugin?: string;
}

export const SUCCESS: Status = Object.freeze({ code: Code.Success, reasons: [] as string[] });
export const SKIP: Status = Object.freeze({ code: Code.Skip, reasons: [] as string[] });

export function status(code: Code, ...reasons: string[]): Status {
  return { code, reasons };
}

export function isSuccess(s: Status | undefined): boolean {
  return !s || s.code === Code.Success;
}

export function isRejected(s: Status): boolean {
  return s.code === Code.Unschedulable || s.code === Code.UnschedulableAndUnresolvable || s.code === Code.Pending;
}

/** Per-cycle scratch space plugins share between extension points (PreFilter -> Filter). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Bumped on every write and delete, so StateSlot memos know when to look again. */
  private writes = 0;
  /** Plugins whose PreFilter/PreScore returned Skip. */
  readonly skipFilterPlugins = new Set<string>();
  readonly skipScorePlugins = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
    this.writes++;
  }

  delete(key: string): void {
    this.data.delete(key);
    this.writes++;
  }

  /** How many writes and deletes this state has seen (StateSlot's staleness check). */
  get version(): number {
    return this.writes;
  }

  /** For preemption's what-if runs; values with a clone() method are cloned, others shared. */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) {
      const cloneable = v as { clone?: () => unknown } | null;
      copy.data.set(k, cloneable && typeof cloneable === 'object' && typeof cloneable.clone === 'function' ? cloneable.clone() : v);
    }
    for (const p of this.skipFilterPlugins) copy.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) copy.skipScorePlugins.add(p);
    return copy;
  }
}

/**
 * One plugin's key in CycleState with a one-entry memo: Filter and Score read their
 * PreFilter/PreScore state once per node, hundreds of times per cycle, and a map
 * lookup each time shows in profiles. The memo is checked against the state object
 * and its version, so writes through CycleState itself are never missed.
 */
export class StateSlot<T> {
  private lastState: CycleState | undefined = undefined;
  private lastVersion = -1;
  private lastValue: T | undefined = undefined;

  constructor(readonly key: string) {}

  read(state: CycleState): T | undefined {
    if (state === this.lastState && state.version === this.lastVersion) return this.lastValue;
    const value = state.read<T>(this.key);
    this.lastState = state;
    this.lastVersion = state.version;
    this.lastValue = value;
    return value;
  }

  write(state: CycleState, value: T): void {
    state.write(this.key, value);
  }
}

/** Resource amounts: cpu in millicores, memory and storage in bytes, extended resources by name. */
export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  scalar: Map<string, number>;
}

/** A Resource that is read, never changed (PodInfo's, shared between pods). */
export interface ReadonlyResource {
  readonly milliCPU: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  readonly allowedPodNumber: number;
  readonly scalar: ReadonlyMap<string, number>;
}

export interface HostPortInfo {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/** A pod with what plugins need precomputed once (requests, affinity terms). */
export interface PodInfo {
  readonly pod: Pod;
  /** Effective requests (max of init containers vs sum of containers, plus overhead); shared by pods of one template. */
  readonly requests: ReadonlyResource;
  /** Requests with upstream's non-zero defaults (100m cpu, 200Mi memory) for scoring. */
  readonly nonZeroRequests: ReadonlyResource;
  readonly hasAffinity: boolean;
  readonly hasRequiredAntiAffinity: boolean;
}

/** A node and the pods assigned (or assumed) to it; the cache owns and mutates it. */
export interface NodeInfo {
  readonly node: Node | undefined;
  readonly name: string;
  /** node.metadata.labels (empty without a node). */
  readonly labels: Readonly<Record<string, string>>;
  /** node.spec.taints (empty without a node). */
  readonly taints: readonly Taint[];
  /** node.spec.unschedulable. */
  readonly unschedulable: boolean;
  readonly pods: readonly PodInfo[];
  readonly podsWithAffinity: readonly PodInfo[];
  readonly podsWithRequiredAntiAffinity: readonly PodInfo[];
  readonly usedPorts: readonly HostPortInfo[];
  readonly requested: Resource;
  readonly nonZeroRequested: Resource;
  readonly allocatable: Resource;
  /** Bumped on every change, so snapshots copy only changed nodes. */
  readonly generation: number;
  /**
   * The generation at which a pod last left pods or changed what a selector sees of
   * it (labels, namespace, deletion): while it stays the same, pods only grew at the
   * end, so a count of matching pods kept from before needs only the pods appended since.
   */
  readonly removalGeneration: number;
  /**
   * The pod count and the cpu, memory and ephemeral-storage sums above as flat
   * numbers (nodeinfo.ts NodeNumber), at numbers[base + NodeNumber.X]: what the hot
   * Filter and Score loops read.
   */
  readonly numbers: Float64Array;
  readonly base: number;
  /**
   * The NodeInfo's position in the list() of the snapshot it belongs to, -1 outside
   * one: plugins keeping per-node values across cycles index arrays with it (and
   * check NodeInfo identity and generation before trusting what they kept).
   */
  readonly slot: number;
}

/** Where a reader of NodeInfoLister.changesSince stopped reading. */
export interface ChangeCursor {
  readonly epoch: number;
  readonly position: number;
  /** A cursor into the log of pod changes (changesSince with podsOnly). */
  readonly podsOnly?: boolean;
}

/** The snapshot of the cluster one scheduling cycle sees. */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  havePodsWithAffinityList(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /**
   * For plugins that keep per-node sums across cycles: the positions in list() whose
   * NodeInfo changed since cursor (from an earlier call), and the cursor to pass next
   * time. `indexes` is undefined when the lister cannot tell (no cursor yet, the list
   * was rebuilt, the log was trimmed): then every node may have changed.
   * With podsOnly, only positions whose pods changed in a way a count of matching pods
   * can see: pods added or removed, or a pod's labels, namespace or deletion changed
   * (NodeInfo.pods.length or removalGeneration moved); not status updates.
   */
  changesSince?(
    cursor: ChangeCursor | undefined,
    podsOnly?: boolean,
  ): { readonly indexes: readonly number[] | undefined; readonly from: number; readonly cursor: ChangeCursor };
}

/** What a plugin may use from the framework, given at construction. */
export interface Handle {
  snapshot(): NodeInfoLister;
}

export interface Plugin {
  readonly name: string;
}

export interface PreFilterResult {
  /** When set, only these nodes are evaluated further. */
  readonly nodeNames?: ReadonlySet<string>;
}

/** Incremental updates of PreFilter state, for preemption's what-if evaluation. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status;
  removePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { result?: PreFilterResult; status: Status };
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

/** Per-node outcome of filtering, for PostFilter and the FailedScheduling message. */
export type NodeToStatus = ReadonlyMap<string, Status>;

export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus): Promise<{ nominatedNodeName?: string; status: Status }>;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

export interface NodeScore {
  readonly name: string;
  score: number;
}

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface ScorePlugin extends Plugin {
  /**
   * The node's score, or the Status of a failure (upstream's (int64, *Status)). A bare
   * number because Score runs for hundreds of nodes per cycle: no result object each time.
   */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status;
  /** Rescales scores in place to [MIN_NODE_SCORE, MAX_NODE_SCORE]. */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip means "not mine, ask the next bind plugin". */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Cluster changes that can make an unschedulable pod schedulable. */
export type EventResource = 'Pod' | 'AssignedPod' | 'UnscheduledPod' | 'Node' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'CSINode' | '*';
export type ActionType = 'Add' | 'Delete' | 'UpdateNodeAllocatable' | 'UpdateNodeLabel' | 'UpdateNodeTaint' | 'UpdateNodeCondition' | 'UpdatePodLabel' | 'UpdatePodScaleDown' | 'UpdatePodTolerations' | 'UpdatePodSchedulingGatesEliminated' | 'Update' | 'All';

export interface ClusterEvent {
  readonly resource: EventResource;
  readonly action: ActionType;
}

export enum QueueingHint {
  Skip = 0,
  Queue = 1,
}

/** Decides whether an event can make a pod this plugin rejected schedulable. */
export type QueueingHintFn = (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;

export interface ClusterEventWithHint {
  readonly event: ClusterEvent;
  readonly hint?: QueueingHintFn;
}

export interface EnqueueExtensions {
  eventsToRegister(): readonly ClusterEventWithHint[];
}

/** Builds a plugin from its configuration args and the framework handle. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;

export function isPreFilter(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === 'function';
}
export function isFilter(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === 'function';
}
export function isPostFilter(p: Plugin): p is PostFilterPlugin {
  return typeof (p as Partial<PostFilterPlugin>).postFilter === 'function';
}
export function isPreScore(p: Plugin): p is PreScorePlugin {
  return typeof (p as Partial<PreScorePlugin>).preScore === 'function';
}
export function isScore(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === 'function';
}
export function isReserve(p: Plugin): p is ReservePlugin {
  return typeof (p as Partial<ReservePlugin>).reserve === 'function';
}
export function isPermit(p: Plugin): p is PermitPlugin {
  return typeof (p as Partial<PermitPlugin>).permit === 'function';
}
export function isPreBind(p: Plugin): p is PreBindPlugin {
  return typeof (p as Partial<PreBindPlugin>).preBind === 'function';
}
export function isBind(p: Plugin): p is BindPlugin {
  return typeof (p as Partial<BindPlugin>).bind === 'function';
}
export function isPostBind(p: Plugin): p is PostBindPlugin {
  return typeof (p as Partial<PostBindPlugin>).postBind === 'function';
}
export function hasEnqueueExtensions(p: Plugin): p is Plugin & EnqueueExtensions {
  return typeof (p as Partial<EnqueueExtensions>).eventsToRegister === 'function';
}
