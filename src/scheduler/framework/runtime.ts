// The framework runtime (kube-scheduler's pkg/scheduler/framework/runtime and the
// generic scheduling algorithm of schedule_one.go): builds a profile's plugins from
// a registry, runs them per extension point, finds feasible nodes (adaptive
// percentageOfNodesToScore, round-robin start), scores them with weights and picks a
// host among the best. Pure: the I/O the bind and preemption plugins need comes in
// through the handle the scheduler provides.

import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Clock, TimerHandle } from '../../client/index.js';
import { MutableNodeInfo } from './nodeinfo.js';
import {
  Code,
  CycleState,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  SUCCESS,
  hasEnqueueExtensions,
  isBind,
  isFilter,
  isPermit,
  isPostBind,
  isPostFilter,
  isPreBind,
  isPreFilter,
  isPreScore,
  isRejected,
  isReserve,
  isScore,
  isSuccess,
  status,
  type BindPlugin,
  type ClusterEventWithHint,
  type FilterPlugin,
  type Handle,
  type NodeInfo,
  type NodeInfoLister,
  type NodeScore,
  type PermitPlugin,
  type Plugin,
  type PluginFactory,
  type PodInfo,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
  type Status,
} from './types.js';

/** A plugin enabled in a profile: it runs at every extension point it implements. */
export interface PluginEntry {
  readonly name: string;
  /** Score weight (default 1). */
  readonly weight?: number;
}

/** One KubeSchedulerProfile (the shape of plugins/index.ts defaultProfile). */
export interface Profile {
  readonly schedulerName: string;
  /** In order; the order is also each extension point's order. */
  readonly plugins: readonly PluginEntry[];
  /** Plugin args by plugin name. */
  readonly pluginConfig?: Readonly<Record<string, unknown>>;
  /** 0 or unset: the adaptive default (50 - nodes/125, at least 5%). */
  readonly percentageOfNodesToScore?: number;
}

export type Registry = Readonly<Record<string, PluginFactory>>;

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Upstream's minFeasibleNodesToFind, minFeasibleNodesPercentageToFind and the adaptive base. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;

/** How many feasible nodes to look for before scoring (schedule_one.go numFeasibleNodesToFind). */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore ?? 0;
  if (percentage <= 0) {
    percentage = BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return numNodes < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : numNodes;
}

/** Pods nominated to nodes by preemption (the scheduling queue's nominator). */
export interface PodNominator {
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** How many pods are nominated anywhere (0 lets filtering skip the per-node lookup). */
  readonly size: number;
}

/** What the scheduler gives plugins beyond the snapshot: the I/O of binding and preemption. */
export interface SchedulerServices {
  readonly nominator: PodNominator;
  readonly clock: Clock;
  /** POST pods/NAME/binding. */
  bindPod(pod: Pod, nodeName: string): Promise<void>;
  /** Deletes a preemption victim (after setting its DisruptionTarget condition). */
  preemptPod(victim: Pod, preemptor: Pod, nodeName: string): Promise<void>;
  /** Clears status.nominatedNodeName of a pod that lost its nomination. */
  clearNomination(pod: Pod): Promise<void>;
  /** PodDisruptionBudgets, for preemption's preference not to violate them. */
  podDisruptionBudgets(): readonly PodDisruptionBudgetLike[];
  /** The live pod (informer view), or undefined when it is gone. */
  getPod(namespace: string, name: string): Pod | undefined;
}

/** The parts of a policy/v1 PodDisruptionBudget preemption reads. */
export interface PodDisruptionBudgetLike {
  readonly metadata?: { readonly namespace?: string; readonly name?: string };
  readonly spec?: { readonly selector?: unknown };
  readonly status?: { readonly disruptionsAllowed?: number; readonly disruptedPods?: Readonly<Record<string, string>> };
}

/** The handle runtime-aware plugins (DefaultPreemption, DefaultBinder) receive. */
export interface FrameworkHandle extends Handle {
  readonly framework: Framework;
  readonly services: SchedulerServices;
}

export function isFrameworkHandle(handle: Handle): handle is FrameworkHandle {
  return 'framework' in handle && 'services' in handle;
}

/** What a QueueSort plugin compares: a pod and when it entered the queue. */
export interface QueueSortItem {
  readonly pod: Pod;
  readonly timestamp: number;
  /** spec.priority as the queue cached it (immutable on a pod). */
  readonly priority?: number;
}

interface QueueSortPlugin extends Plugin {
  less(a: QueueSortItem, b: QueueSortItem): boolean;
}

function isQueueSortPlugin(p: Plugin): p is QueueSortPlugin {
  return typeof (p as Partial<QueueSortPlugin>).less === 'function';
}

interface WeightedScorePlugin {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/** Per-node outcome of one scheduling attempt that found no node (framework.Diagnosis). */
export interface Diagnosis {
  readonly nodeToStatus: Map<string, Status>;
  readonly unschedulablePlugins: Set<string>;
  readonly pendingPlugins: Set<string>;
  /** A PreFilter rejection's message: every node got the same status. */
  preFilterMsg: string;
  /** What PostFilter (preemption) said. */
  postFilterMsg: string;
}

export function newDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set(), pendingPlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}

export const NO_NODE_AVAILABLE_MSG = '0/%v nodes are available';

/** framework.FitError: no node fits; its message is FailedScheduling's. */
export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    // No message argument: an own `message` property would hide the getter below.
    super();
    this.name = 'FitError';
  }

  override get message(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
}

/** FitError.Error(): "0/3 nodes are available: 1 reason, 2 other reason. preemption: ..." */
export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMsg) {
    msg += ` ${diagnosis.preFilterMsg}.`;
  } else {
    const histogram = reasonHistogram(diagnosis.nodeToStatus);
    if (histogram.length > 0) msg += ` ${histogram.join(', ')}.`;
  }
  if (diagnosis.postFilterMsg) msg += ` ${diagnosis.postFilterMsg}`;
  return msg;
}

/** sortReasonsHistogram: "COUNT reason" per distinct reason, sorted as strings. */
export function reasonHistogram(nodeToStatus: ReadonlyMap<string, Status>): string[] {
  const counts = new Map<string, number>();
  for (const s of nodeToStatus.values()) for (const reason of s.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const out: string[] = [];
  for (const [reason, count] of counts) out.push(`${count} ${reason}`);
  // Go's sort.Strings: byte order, not locale order.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ScheduleResult {
  readonly suggestedHost: string;
  readonly evaluatedNodes: number;
  readonly feasibleNodes: number;
}

/** A pod waiting at Permit: plugins that asked to wait allow it or anyone rejects it. */
export class WaitingPod {
  private readonly pending: Set<string>;
  private readonly timers: TimerHandle[] = [];
  private settle!: (s: Status) => void;
  readonly done: Promise<Status> = new Promise((resolve) => (this.settle = resolve));
  private settled = false;

  constructor(
    readonly pod: Pod,
    waits: ReadonlyMap<string, number>,
    clock: Clock,
  ) {
    this.pending = new Set(waits.keys());
    for (const [plugin, timeoutMs] of waits) {
      this.timers.push(clock.setTimeout(() => this.reject(plugin, `rejected due to timeout after waiting ${timeoutMs / 1000}s at plugin ${plugin}`), timeoutMs));
    }
  }

  allow(plugin: string): void {
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.finish(SUCCESS);
  }

  reject(plugin: string, message: string): void {
    this.finish({ code: Code.Unschedulable, reasons: [message], plugin });
  }

  private finish(s: Status): void {
    if (this.settled) return;
    this.settled = true;
    for (const t of this.timers) t.cancel();
    this.settle(s);
  }
}

const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

function withPlugin(s: Status, plugin: string): Status {
  return s.plugin === plugin ? s : { code: s.code, reasons: s.reasons, plugin };
}

function errorStatus(plugin: string, err: unknown): Status {
  return { code: Code.Error, reasons: [err instanceof Error ? err.message : String(err)], plugin };
}

/** One profile's plugins, ready to run; also the Handle plugins were built with. */
export class Framework implements FrameworkHandle {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly plugins: readonly Plugin[];
  readonly preFilterPlugins: readonly PreFilterPlugin[];
  readonly filterPlugins: readonly FilterPlugin[];
  readonly postFilterPlugins: readonly PostFilterPlugin[];
  readonly preScorePlugins: readonly PreScorePlugin[];
  readonly scorePlugins: readonly WeightedScorePlugin[];
  readonly reservePlugins: readonly ReservePlugin[];
  readonly permitPlugins: readonly PermitPlugin[];
  readonly preBindPlugins: readonly PreBindPlugin[];
  readonly bindPlugins: readonly BindPlugin[];
  readonly postBindPlugins: readonly PostBindPlugin[];
  /** The QueueSort plugin's order (PrioritySort), when the profile has one. */
  readonly queueSortLess: ((a: QueueSortItem, b: QueueSortItem) => boolean) | undefined;
  /** Cluster events each plugin registered, by plugin name. */
  readonly eventsToRegister: ReadonlyMap<string, readonly ClusterEventWithHint[]>;
  private readonly waitingPods = new Map<string, WaitingPod>();
  private totalsScratch = new Float64Array(0);
  private readonly scoreScratch: NodeScore[] = [];
  private currentSnapshot: NodeInfoLister = EMPTY_SNAPSHOT;
  /** Where the next filter pass starts (round robin over the node list). */
  private nextStartNodeIndex = 0;

  constructor(
    registry: Registry,
    profile: Profile,
    readonly services: SchedulerServices,
    private readonly random: () => number = Math.random,
  ) {
    this.profileName = profile.schedulerName;
    this.percentageOfNodesToScore = profile.percentageOfNodesToScore;
    const plugins: Plugin[] = [];
    const weights = new Map<string, number>();
    for (const entry of profile.plugins) {
      const factory = registry[entry.name];
      if (!factory) throw new Error(`scheduler profile ${profile.schedulerName}: plugin ${entry.name} is not registered`);
      plugins.push(factory(profile.pluginConfig?.[entry.name], this));
      weights.set(entry.name, entry.weight ?? 1);
    }
    this.plugins = plugins;
    const queueSort = plugins.find(isQueueSortPlugin);
    this.queueSortLess = queueSort ? (a, b) => queueSort.less(a, b) : undefined;
    this.preFilterPlugins = plugins.filter(isPreFilter);
    this.filterPlugins = plugins.filter(isFilter);
    this.postFilterPlugins = plugins.filter(isPostFilter);
    this.preScorePlugins = plugins.filter(isPreScore);
    this.scorePlugins = plugins.filter(isScore).map((plugin) => ({ plugin, weight: weights.get(plugin.name) ?? 1 }));
    this.reservePlugins = plugins.filter(isReserve);
    this.permitPlugins = plugins.filter(isPermit);
    this.preBindPlugins = plugins.filter(isPreBind);
    this.bindPlugins = plugins.filter(isBind);
    this.postBindPlugins = plugins.filter(isPostBind);
    const events = new Map<string, readonly ClusterEventWithHint[]>();
    for (const p of plugins) if (hasEnqueueExtensions(p)) events.set(p.name, p.eventsToRegister());
    this.eventsToRegister = events;
  }

  get framework(): Framework {
    return this;
  }

  snapshot(): NodeInfoLister {
    return this.currentSnapshot;
  }

  /** The snapshot the coming cycle sees (the scheduler refreshes it per cycle). */
  setSnapshot(snapshot: NodeInfoLister): void {
    this.currentSnapshot = snapshot;
  }

  // ---- the scheduling algorithm -------------------------------------------------

  /**
   * schedulePod: filter, score, select. Throws FitError when no node fits and plain
   * errors for plugin Errors; both carry what the failure handling needs.
   */
  schedulePod(state: CycleState, pod: Pod): ScheduleResult {
    const nodes = this.currentSnapshot.list();
    if (nodes.length === 0) throw new NoNodesAvailableError();
    const { feasible, diagnosis } = this.findNodesThatFitPod(state, pod, nodes);
    if (feasible.length === 0) throw new FitError(pod, nodes.length, diagnosis);
    if (feasible.length === 1) return { suggestedHost: feasible[0]!.name, evaluatedNodes: 1 + diagnosis.nodeToStatus.size, feasibleNodes: 1 };
    const totals = this.scoreNodes(state, pod, feasible);
    const host = feasible[selectBest(totals, feasible.length, this.random)]!.name;
    return { suggestedHost: host, evaluatedNodes: feasible.length + diagnosis.nodeToStatus.size, feasibleNodes: feasible.length };
  }

  /** findNodesThatFitPod: PreFilter, the nominated node first, then Filter over the nodes. */
  findNodesThatFitPod(state: CycleState, pod: Pod, allNodes: readonly NodeInfo[]): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const diagnosis = newDiagnosis();
    const pre = this.runPreFilterPlugins(state, pod, allNodes);
    if (!isSuccess(pre.status)) {
      if (!isRejected(pre.status)) throw new PluginError(pre.status);
      // Every node gets the PreFilter's verdict; the message names it once.
      for (const n of allNodes) diagnosis.nodeToStatus.set(n.name, pre.status);
      diagnosis.preFilterMsg = pre.status.reasons.join(', ');
      if (pre.status.plugin) {
        if (pre.status.code === Code.Pending) diagnosis.pendingPlugins.add(pre.status.plugin);
        else diagnosis.unschedulablePlugins.add(pre.status.plugin);
      }
      return { feasible: [], diagnosis };
    }

    // A pod nominated by an earlier preemption tries its node first.
    const nominated = pod.status?.nominatedNodeName;
    if (nominated) {
      const nodeInfo = this.currentSnapshot.get(nominated);
      if (nodeInfo?.node && (!pre.nodeNames || pre.nodeNames.has(nominated))) {
        const s = this.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
        if (isSuccess(s)) return { feasible: [nodeInfo], diagnosis };
        if (!isRejected(s)) throw new PluginError(s);
      }
    }

    let nodes = allNodes;
    if (pre.nodeNames) {
      const narrowed: NodeInfo[] = [];
      for (const n of allNodes) {
        if (pre.nodeNames.has(n.name)) narrowed.push(n);
        else diagnosis.nodeToStatus.set(n.name, FILTERED_BY_PREFILTER);
      }
      nodes = narrowed;
    }
    const feasible = this.findNodesThatPassFilters(state, pod, diagnosis, nodes);
    return { feasible, diagnosis };
  }

  private findNodesThatPassFilters(state: CycleState, pod: Pod, diagnosis: Diagnosis, nodes: readonly NodeInfo[]): NodeInfo[] {
    const numAllNodes = nodes.length;
    if (numAllNodes === 0) return [];
    const numNodesToFind = numFeasibleNodesToFind(this.percentageOfNodesToScore, numAllNodes);
    const start = this.nextStartNodeIndex % numAllNodes;
    // Sized once: growing it push by push would copy it several times per cycle.
    const feasible = new Array<NodeInfo>(numNodesToFind);
    let found = 0;
    const plugins = this.activeFilterPlugins(state);
    if (plugins.length === 0) {
      for (let i = 0; i < numNodesToFind; i++) feasible[i] = nodes[(start + i) % numAllNodes]!;
      this.nextStartNodeIndex = (start + numNodesToFind) % numAllNodes;
      return feasible;
    }
    // The hot loop of a cycle (hundreds of nodes per pod): no per-node lookups it can avoid.
    // Filtering does not change nominations, so one look says whether any node has some.
    const anyNominated = this.services.nominator.size > 0;
    let processed = 0;
    for (let i = 0; i < numAllNodes && found < numNodesToFind; i++) {
      let index = start + i;
      if (index >= numAllNodes) index -= numAllNodes;
      const nodeInfo = nodes[index]!;
      processed++;
      const s = anyNominated ? this.runFilterPluginsWithNominatedPods(state, pod, nodeInfo) : runFilters(plugins, state, pod, nodeInfo);
      if (s.code === Code.Success) {
        feasible[found++] = nodeInfo;
        continue;
      }
      if (!isRejected(s)) throw new PluginError(s);
      diagnosis.nodeToStatus.set(nodeInfo.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
    feasible.length = found;
    this.nextStartNodeIndex = (start + processed) % numAllNodes;
    return feasible;
  }

  /** The Filter plugins whose PreFilter did not say Skip, in order. */
  private activeFilterPlugins(state: CycleState): readonly FilterPlugin[] {
    const skip = state.skipFilterPlugins;
    return skip.size === 0 ? this.filterPlugins : this.filterPlugins.filter((p) => !skip.has(p.name));
  }

  /** prioritizeNodes: PreScore, Score, NormalizeScore, weights; the total per node. */
  prioritizeNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): NodeScore[] {
    const totals = this.scoreNodes(state, pod, nodes);
    return nodes.map((n, i) => ({ name: n.name, score: totals[i]! }));
  }

  /** selectHost: the highest total score, ties broken uniformly at random. */
  selectHost(scores: readonly NodeScore[]): string {
    if (scores.length === 0) throw new Error('empty priorityList');
    return scores[selectBest(Float64Array.from(scores, (s) => s.score), scores.length, this.random)]!.name;
  }

  /**
   * prioritizeNodes without the NodeScore objects: totals[i] is nodes[i]'s total. The
   * array is scratch space the next cycle reuses (scoring runs every cycle, for
   * hundreds of nodes).
   */
  private scoreNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Float64Array {
    const n = nodes.length;
    if (this.totalsScratch.length < n) this.totalsScratch = new Float64Array(n);
    const totals = this.totalsScratch;
    if (this.scorePlugins.length === 0) return totals.fill(1, 0, n);
    totals.fill(0, 0, n);
    const pre = this.runPreScorePlugins(state, pod, nodes);
    if (!isSuccess(pre)) throw new PluginError(pre);
    this.runScorePlugins(state, pod, nodes, totals);
    return totals;
  }

  // ---- extension points ---------------------------------------------------------

  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { status: Status; nodeNames?: ReadonlySet<string> } {
    let nodeNames: Set<string> | undefined;
    let filteredBy: string[] = [];
    for (const p of this.preFilterPlugins) {
      let out: ReturnType<PreFilterPlugin['preFilter']>;
      try {
        out = p.preFilter(state, pod, nodes);
      } catch (err) {
        return { status: errorStatus(p.name, err) };
      }
      const s = out.status;
      if (s.code === Code.Skip) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (!isSuccess(s)) return { status: withPlugin(s, p.name) };
      const names = out.result?.nodeNames;
      if (names) {
        filteredBy = [...filteredBy, p.name];
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => names.has(n))) : new Set(names);
        if (nodeNames.size === 0) {
          const msg = filteredBy.length === 1 ? `node(s) didn't satisfy plugin ${p.name}` : `node(s) didn't satisfy plugin(s) [${filteredBy.join(' ')}] simultaneously`;
          return { status: { code: Code.UnschedulableAndUnresolvable, reasons: [msg], plugin: p.name } };
        }
      }
    }
    return nodeNames ? { status: SUCCESS, nodeNames } : { status: SUCCESS };
  }

  /** RunFilterPlugins: the first plugin that rejects the node decides. */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    return runFilters(this.activeFilterPlugins(state), state, pod, nodeInfo);
  }

  /**
   * RunFilterPluginsWithNominatedPods: filters as if pods nominated to the node with
   * equal or higher priority were already there, then (if any were) without them too,
   * because some filters (anti-affinity) could pass only with them present.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const nominator = this.services.nominator;
    const nominated = nominator.size === 0 ? EMPTY_POD_INFOS : nominator.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length === 0) return this.runFilterPlugins(state, pod, nodeInfo);
    const added = this.addNominatedPods(state, pod, nodeInfo, nominated);
    if (!added) return this.runFilterPlugins(state, pod, nodeInfo);
    const withNominated = this.runFilterPlugins(added.state, pod, added.nodeInfo);
    if (!isSuccess(withNominated)) return withNominated;
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  private addNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo, nominated: readonly PodInfo[]): { state: CycleState; nodeInfo: NodeInfo } | undefined {
    const priority = pod.spec?.priority ?? 0;
    const uid = pod.metadata?.uid;
    let copyState: CycleState | undefined;
    let copyInfo: MutableNodeInfo | undefined;
    for (const pi of nominated) {
      if ((pi.pod.spec?.priority ?? 0) < priority || pi.pod.metadata?.uid === uid) continue;
      copyState ??= state.clone();
      copyInfo ??= cloneNodeInfo(nodeInfo);
      copyInfo.addPod(pi);
      const s = this.runPreFilterExtensionAddPod(copyState, pod, pi, copyInfo);
      if (!isSuccess(s)) throw new PluginError(s);
    }
    return copyState && copyInfo ? { state: copyState, nodeInfo: copyInfo } : undefined;
  }

  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (!ext) continue;
      const s = ext.addPod(state, podToSchedule, podInfoToAdd, nodeInfo);
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (!ext) continue;
      const s = ext.removePod(state, podToSchedule, podInfoToRemove, nodeInfo);
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** RunPostFilterPlugins: the first plugin that succeeds (nominates a node) or errors wins. */
  async runPostFilterPlugins(state: CycleState, pod: Pod, filtered: ReadonlyMap<string, Status>): Promise<{ nominatedNodeName?: string; status: Status }> {
    const reasons: string[] = [];
    let rejectedBy: string | undefined;
    let nominatedNodeName: string | undefined;
    for (const p of this.postFilterPlugins) {
      let out: { nominatedNodeName?: string; status: Status };
      try {
        out = await p.postFilter(state, pod, filtered);
      } catch (err) {
        return { status: errorStatus(p.name, err) };
      }
      if (isSuccess(out.status)) return out;
      if (!isRejected(out.status)) return { status: withPlugin(out.status, p.name) };
      reasons.push(...out.status.reasons);
      rejectedBy ??= p.name;
      // A plugin can ask to clear the nomination ("") while rejecting.
      if (out.nominatedNodeName !== undefined) nominatedNodeName = out.nominatedNodeName;
    }
    const s: Status = { code: Code.Unschedulable, reasons, ...(rejectedBy ? { plugin: rejectedBy } : {}) };
    return nominatedNodeName !== undefined ? { status: s, nominatedNodeName } : { status: s };
  }

  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    for (const p of this.preScorePlugins) {
      let s: Status;
      try {
        s = p.preScore(state, pod, nodes);
      } catch (err) {
        return errorStatus(p.name, err);
      }
      if (s.code === Code.Skip) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /**
   * RunScorePlugins + NormalizeScore + weights, added into totals (totals[i] for
   * nodes[i]). Plugin by plugin: one without NormalizeScore adds its weighted scores
   * straight away; one with it fills a reused NodeScore list first. The nodes' hot data
   * is compact (NodeInfo.numbers), so walking them once per plugin is cheap.
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], totals: Float64Array): void {
    const n = nodes.length;
    const skip = state.skipScorePlugins;
    for (const { plugin, weight } of this.scorePlugins) {
      if (skip.size > 0 && skip.has(plugin.name)) continue;
      if (!plugin.normalizeScore) {
        for (let i = 0; i < n; i++) {
          const score = plugin.score(state, pod, nodes[i]!);
          if (typeof score !== 'number') throw new PluginError(withPlugin(score, plugin.name));
          if (score > MAX_NODE_SCORE || score < MIN_NODE_SCORE) throw invalidScore(plugin.name, score);
          totals[i] = totals[i]! + score * weight;
        }
        continue;
      }
      // Scratch list reused across cycles: no NodeScore allocated per node and plugin.
      const scores = this.scoreScratch;
      for (let i = scores.length; i < n; i++) scores.push({ name: '', score: 0 });
      scores.length = n;
      for (let i = 0; i < n; i++) {
        const nodeInfo = nodes[i]!;
        const score = plugin.score(state, pod, nodeInfo);
        if (typeof score !== 'number') throw new PluginError(withPlugin(score, plugin.name));
        const entry = scores[i] as { name: string; score: number };
        entry.name = nodeInfo.name;
        entry.score = score;
      }
      const s = plugin.normalizeScore(state, pod, scores);
      if (!isSuccess(s)) throw new PluginError(withPlugin(s, plugin.name));
      for (let i = 0; i < n; i++) {
        const score = (scores[i] as NodeScore).score;
        if (score > MAX_NODE_SCORE || score < MIN_NODE_SCORE) throw invalidScore(plugin.name, score);
        totals[i] = totals[i]! + score * weight;
      }
    }
  }

  /** RunReservePluginsReserve; on failure the caller runs Unreserve. */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const p of this.reservePlugins) {
      let s: Status;
      try {
        s = p.reserve(state, pod, nodeName);
      } catch (err) {
        return errorStatus(p.name, err);
      }
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** RunReservePluginsUnreserve: in reverse order, failures ignored. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]!.unreserve(state, pod, nodeName);
      } catch {
        // Unreserve is best effort, as upstream.
      }
    }
  }

  /** RunPermitPlugins: Success, a rejection, or Wait (the pod is parked until allowed). */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): Status {
    const waits = new Map<string, number>();
    for (const p of this.permitPlugins) {
      let out: ReturnType<PermitPlugin['permit']>;
      try {
        out = p.permit(state, pod, nodeName);
      } catch (err) {
        return errorStatus(p.name, err);
      }
      if (out.status.code === Code.Wait) {
        waits.set(p.name, Math.min(out.timeoutMs, MAX_PERMIT_TIMEOUT_MS));
        continue;
      }
      if (!isSuccess(out.status)) return withPlugin(out.status, p.name);
    }
    if (waits.size === 0) return SUCCESS;
    const uid = pod.metadata?.uid ?? '';
    this.waitingPods.set(uid, new WaitingPod(pod, waits, this.services.clock));
    return { code: Code.Wait, reasons: [] };
  }

  /** WaitOnPermit: resolves once a parked pod is allowed or rejected (immediately if not parked). */
  async waitOnPermit(pod: Pod): Promise<Status> {
    const uid = pod.metadata?.uid ?? '';
    const waiting = this.waitingPods.get(uid);
    if (!waiting) return SUCCESS;
    try {
      return await waiting.done;
    } finally {
      this.waitingPods.delete(uid);
    }
  }

  getWaitingPod(uid: string): WaitingPod | undefined {
    return this.waitingPods.get(uid);
  }

  /** Rejects every parked pod (shutdown). */
  rejectWaitingPods(message: string): void {
    for (const w of this.waitingPods.values()) w.reject('', message);
  }

  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.preBindPlugins) {
      let s: Status;
      try {
        s = await p.preBind(state, pod, nodeName);
      } catch (err) {
        return errorStatus(p.name, err);
      }
      if (!isSuccess(s)) return withPlugin(s, p.name);
    }
    return SUCCESS;
  }

  /** RunBindPlugins: the first plugin that does not Skip binds. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.bindPlugins) {
      let s: Status;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        return errorStatus(p.name, err);
      }
      if (s.code === Code.Skip) continue;
      return isSuccess(s) ? SUCCESS : withPlugin(s, p.name);
    }
    return { code: Code.Skip, reasons: ['all bind plugins skipped'] };
  }

  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBindPlugins) {
      try {
        p.postBind(state, pod, nodeName);
      } catch {
        // PostBind is informational.
      }
    }
  }
}

/** A plugin returned Error (or broke): the pod goes to backoff, not to unschedulable. */
export class PluginError extends Error {
  constructor(readonly status: Status) {
    super(status.plugin ? `running "${status.plugin}" plugin: ${status.reasons.join(', ')}` : status.reasons.join(', '));
    this.name = 'PluginError';
  }
}

/** ErrNoNodesAvailable: the cluster has no nodes at all. */
export class NoNodesAvailableError extends Error {
  constructor() {
    super('no nodes available to schedule pods');
    this.name = 'NoNodesAvailableError';
  }
}

const EMPTY_POD_INFOS: readonly PodInfo[] = Object.freeze([]);

/**
 * selectHost: the index of the highest total, ties broken uniformly at random. Upstream
 * samples a reservoir (one random number per tie); counting the ties first and drawing
 * once gives the same distribution for one random number per cycle.
 */
function selectBest(totals: Float64Array, n: number, random: () => number): number {
  let max = -Infinity;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    const score = totals[i]!;
    if (score > max) {
      max = score;
      ties = 1;
    } else if (score === max) {
      ties++;
    }
  }
  let pick = Math.min(Math.floor(random() * ties), ties - 1);
  for (let i = 0; i < n; i++) {
    if (totals[i] === max && pick-- === 0) return i;
  }
  return 0;
}

function invalidScore(plugin: string, score: number): PluginError {
  return new PluginError(
    status(Code.Error, `plugin "${plugin}" returns an invalid score ${score}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`),
  );
}

/** The filter loop over one node; a throwing plugin is an Error status, not a crash. */
function runFilters(plugins: readonly FilterPlugin[], state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
  let i = 0;
  try {
    for (; i < plugins.length; i++) {
      const s = plugins[i]!.filter(state, pod, nodeInfo);
      if (s.code !== Code.Success) return withPlugin(s, plugins[i]!.name);
    }
  } catch (err) {
    return errorStatus(plugins[i]!.name, err);
  }
  return SUCCESS;
}

const FILTERED_BY_PREFILTER: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: ['node is filtered out by the prefilter result'] });

/** A what-if copy of a node (preemption, nominated pods). */
export function cloneNodeInfo(nodeInfo: NodeInfo): MutableNodeInfo {
  if (nodeInfo instanceof MutableNodeInfo) return nodeInfo.clone();
  const copy = new MutableNodeInfo(nodeInfo.name);
  if (nodeInfo.node) copy.setNode(nodeInfo.node);
  for (const pi of nodeInfo.pods) copy.addPod(pi);
  return copy;
}

const EMPTY_SNAPSHOT: NodeInfoLister = {
  list: () => [],
  get: () => undefined,
  havePodsWithAffinityList: () => [],
  havePodsWithRequiredAntiAffinityList: () => [],
};

export { CycleState };
