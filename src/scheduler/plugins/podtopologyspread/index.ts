// PodTopologySpread: DoNotSchedule constraints filter nodes whose domain would
// exceed maxSkew; ScheduleAnyway constraints score nodes by how many matching pods
// their domains hold. Pods without constraints get the system defaults (hostname
// maxSkew 3, zone maxSkew 5, ScheduleAnyway) over the selector of the Services,
// ReplicationControllers, ReplicaSets and StatefulSets that own or select them.

import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, ReplicationController, Service, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labels } from '../../../machinery/index.js';
import {
  Code,
  MAX_NODE_SCORE,
  QueueingHint,
  SKIP,
  SUCCESS,
  status,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type NodeInfo,
  type NodeScore,
  type PluginFactory,
  type PodInfo,
  type PreFilterExtensions,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  type ChangeCursor,
  type NodeInfoLister,
  StateSlot,
} from '../../framework/types.js';
import {
  EMPTY_LABELS,
  LABEL_HOSTNAME,
  LABEL_TOPOLOGY_ZONE,
  asNode,
  asPod,
  findUntoleratedTaint,
  isDoNotScheduleTaint,
  isStatus,
  missingState,
  nodeLabels,
  podLabels,
  readState,
  requiredNodeAffinityOf,
  selectorMatches,
  type LabelSelector,
  type Labels,
  type RequiredNodeAffinity,
} from '../helper/index.js';

export const NAME = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

/** The constraints a pod without its own gets under system defaulting. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_TOPOLOGY_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
]);

/** Computes the selector default constraints spread over (see defaultSelector). */
export type DefaultSelectorFn = (pod: Pod) => LabelSelector;

export interface PodTopologySpreadArgs {
  /** 'System' (default) uses SYSTEM_DEFAULT_CONSTRAINTS; 'List' uses defaultConstraints. */
  readonly defaultingType?: 'System' | 'List';
  readonly defaultConstraints?: readonly TopologySpreadConstraint[];
  /** Supplied by the runtime from its listers; without it pods get no default constraints. */
  readonly defaultSelector?: DefaultSelectorFn;
}

const REJECTED: Status = Object.freeze({ code: Code.Unschedulable, reasons: Object.freeze([ERR_REASON_CONSTRAINTS_NOT_MATCH]) });
const REJECTED_MISSING_LABEL: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON_NODE_LABEL_NOT_MATCH]) });
const NODE_NOT_FOUND: Status = Object.freeze({ code: Code.Error, reasons: Object.freeze(['node not found']) });

// ---- default selector (helper.DefaultSelector) --------------------------------------------

/** Where defaultSelector finds the objects that select or own a pod. */
export interface DefaultSelectorSources {
  services?(namespace: string): readonly Service[];
  replicationController?(namespace: string, name: string): ReplicationController | undefined;
  replicaSet?(namespace: string, name: string): ReplicaSet | undefined;
  statefulSet?(namespace: string, name: string): StatefulSet | undefined;
}

/**
 * helper.DefaultSelector: the merged selectors of the pod's Services, plus its
 * controlling ReplicationController, ReplicaSet or StatefulSet.
 */
export function defaultSelector(pod: Pod, sources: DefaultSelectorSources): LabelSelector {
  const ns = pod.metadata?.namespace ?? '';
  const own = podLabels(pod);
  let set: Record<string, string> = {};
  for (const svc of sources.services?.(ns) ?? []) {
    const sel = svc.spec?.selector;
    // Services with nil selectors match nothing, not everything.
    if (!sel) continue;
    if (selectorMatches(labels.selectorFromSet(sel), own)) set = { ...set, ...sel };
  }
  let selector = labels.selectorFromSet(set);
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!owner) return selector;
  if (owner.apiVersion === 'v1' && owner.kind === 'ReplicationController') {
    const rc = sources.replicationController?.(ns, owner.name);
    if (rc?.spec?.selector) selector = labels.selectorFromSet({ ...set, ...rc.spec.selector });
  } else if (owner.apiVersion === 'apps/v1' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
    const ctrl = owner.kind === 'ReplicaSet' ? sources.replicaSet?.(ns, owner.name) : sources.statefulSet?.(ns, owner.name);
    const other = ctrl?.spec?.selector ? labels.fromLabelSelector(ctrl.spec.selector) : undefined;
    if (other && !('error' in other) && other.selectable) selector = selector.add(...other.requirements);
  }
  return selector;
}

// ---- constraints --------------------------------------------------------------------------

/** topologySpreadConstraint: the API constraint with its selector parsed and defaults applied. */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelector;
  /** Identifies namespace + selector in the per-node count memo. */
  readonly countKey: number;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: string;
  readonly nodeTaintsPolicy: string;
}

function makeConstraint(c: TopologySpreadConstraint, selector: LabelSelector, namespace: string): SpreadConstraint {
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    selector,
    countKey: countKeyId(namespace, selector),
    minDomains: c.minDomains ?? 1,
    nodeAffinityPolicy: c.nodeAffinityPolicy ?? 'Honor',
    nodeTaintsPolicy: c.nodeTaintsPolicy ?? 'Ignore',
  };
}

/** filterTopologySpreadConstraints: the constraints of one action, matchLabelKeys merged in. */
function filterConstraints(
  constraints: readonly TopologySpreadConstraint[],
  pod: Pod,
  action: string,
): SpreadConstraint[] | string {
  const out: SpreadConstraint[] = [];
  const own = podLabels(pod);
  const ns = pod.metadata?.namespace ?? '';
  for (const c of constraints) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = labels.fromLabelSelector(c.labelSelector);
    if ('error' in selector) return selector.error;
    if (c.matchLabelKeys && c.matchLabelKeys.length > 0 && selector.selectable) {
      const extra: labels.Requirement[] = [];
      for (const key of c.matchLabelKeys) {
        const value = own[key];
        if (value !== undefined) extra.push({ key, operator: '=', values: [value] });
      }
      if (extra.length > 0) selector = selector.add(...extra);
    }
    out.push(makeConstraint(c, selector, ns));
  }
  return out;
}

function nodeHasAllTopologyKeys(set: Labels, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (set[c.topologyKey] === undefined) return false;
  return true;
}

/** matchNodeInclusionPolicies: whether the node counts for this constraint's domains. */
function nodeIncluded(c: SpreadConstraint, pod: Pod, node: Node, required: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !required.matches(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint)) return false;
  return true;
}

// ---- counting, kept across cycles --------------------------------------------------------

// Counting walks every pod of every node, which costs memory latency more than compute.
// Counts are kept per (namespace, selector) by snapshot slot and brought up to date from
// the snapshot's change log: a cycle recounts only the nodes changed since the selector
// was last used, and of those only the pods appended since. Domains are small integer
// ids kept per topology key for every selector, so per-node work is array reads.
const MAX_COUNT_KEYS = 100_000;
const countKeyIds = new Map<string, number>();

/** A small integer naming a (namespace, selector) pair, so memo lookups compare numbers. */
function countKeyId(namespace: string, selector: LabelSelector): number {
  const text = `${namespace}\n${selector.toString()}`;
  let id = countKeyIds.get(text);
  if (id === undefined) {
    // Ids are only compared with ids handed out since the last reset: start over when full.
    if (countKeyIds.size >= MAX_COUNT_KEYS) countKeyIds.clear();
    id = nextCountKeyId++;
    countKeyIds.set(text, id);
  }
  return id;
}
let nextCountKeyId = 1;

/** Grows a typed array to size, keeping what it held and filling the rest. */
function resized<A extends Int32Array | Uint32Array | Float64Array>(array: A, size: number, fill: number): A {
  if (array.length === size) return array;
  const out = new (array.constructor as new (n: number) => A)(size);
  out.set(array.subarray(0, Math.min(size, array.length)));
  if (size > array.length) out.fill(fill, array.length);
  return out;
}

/**
 * Each snapshot slot's domain for one topology key, as small integer ids, shared by
 * every selector. `version` changes whenever any slot's domain does (or the list size).
 */
class DomainIndex {
  /** Per slot: the domain id (nodes without the label in missingDomain), -1 for none. */
  domainIds = new Int32Array(0);
  /** Per slot: the domain id when the node carries the label itself, else -1 (Score skips those). */
  labelledIds = new Int32Array(0);
  private generations = new Float64Array(0);
  private readonly ids = new Map<string, number>();
  private nodesIn: number[] = [];
  /** Domains holding at least one node. */
  populated = 0;
  version = 0;
  private cursor: ChangeCursor | undefined = undefined;
  private list: readonly NodeInfo[] = [];

  constructor(
    private readonly topologyKey: string,
    /** The domain of nodes without the label ('' as upstream's system defaulting), or undefined to leave them out. */
    private readonly missingDomain: string | undefined,
  ) {}

  /** The number of domain ids handed out (an upper bound for ids). */
  get domainCount(): number {
    return this.nodesIn.length;
  }

  refresh(snapshot: NodeInfoLister): void {
    const nodes = snapshot.list();
    this.list = nodes;
    const changes = snapshot.changesSince?.(this.cursor);
    this.cursor = changes?.cursor;
    if (changes?.indexes !== undefined && this.domainIds.length === nodes.length) {
      const indexes = changes.indexes;
      for (let k = changes.from; k < indexes.length; k++) {
        const i = indexes[k] as number;
        this.update(i, nodes[i] as NodeInfo);
      }
      return;
    }
    if (this.domainIds.length !== nodes.length) {
      for (let i = nodes.length; i < this.domainIds.length; i++) this.count(this.domainIds[i] as number, -1);
      this.domainIds = resized(this.domainIds, nodes.length, -1);
      this.labelledIds = resized(this.labelledIds, nodes.length, -1);
      this.generations = resized(this.generations, nodes.length, -1);
      this.version++;
    }
    for (let i = 0; i < nodes.length; i++) this.update(i, nodes[i] as NodeInfo);
  }

  private update(i: number, info: NodeInfo): void {
    if (this.generations[i] === info.generation) return;
    this.generations[i] = info.generation;
    const label = info.node !== undefined ? info.labels[this.topologyKey] : undefined;
    const value = info.node !== undefined ? label ?? this.missingDomain : undefined;
    const id = value === undefined ? -1 : this.idOf(value);
    this.labelledIds[i] = label === undefined ? -1 : id;
    const before = this.domainIds[i] as number;
    if (before === id) return;
    this.count(before, -1);
    this.count(id, 1);
    this.domainIds[i] = id;
    this.version++;
  }

  private idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.nodesIn.length;
      this.ids.set(value, id);
      this.nodesIn.push(0);
    }
    return id;
  }

  private count(id: number, nodes: 1 | -1): void {
    if (id < 0) return;
    const before = this.nodesIn[id] as number;
    this.nodesIn[id] = before + nodes;
    if (before === 0) this.populated++;
    else if (before + nodes === 0) this.populated--;
  }

  /** The node's domain id as counted (nodes without the label in missingDomain), -1 for none. */
  domainIdOf(nodeInfo: NodeInfo): number {
    const i = nodeInfo.slot;
    if (i >= 0 && this.list[i] === nodeInfo && i < this.domainIds.length) return this.domainIds[i] as number;
    const value = nodeInfo.node !== undefined ? nodeInfo.labels[this.topologyKey] ?? this.missingDomain : undefined;
    return value === undefined ? -1 : this.ids.get(value) ?? -1;
  }

  /** The node's domain id when it carries the label, else -1. */
  labelledIdOf(nodeInfo: NodeInfo): number {
    const i = nodeInfo.slot;
    if (i >= 0 && this.list[i] === nodeInfo && i < this.labelledIds.length) return this.labelledIds[i] as number;
    const value = nodeInfo.node !== undefined ? nodeInfo.labels[this.topologyKey] : undefined;
    return value === undefined ? -1 : this.ids.get(value) ?? -1;
  }
}

/**
 * Matching pods per snapshot slot for one (namespace, selector), and their totals per
 * domain of each DomainIndex asked about. A slot's count stays valid while its node's
 * removalGeneration does and its pods only grew: then only the appended pods are counted.
 * Twelve bytes a node, so every selector of a busy cluster can keep its counts.
 */
class SelectorCounts {
  private counts = new Int32Array(0);
  /** Pods counted per slot; -1 for a slot never counted. */
  private lengths = new Int32Array(0);
  /** The low 32 bits of the slot's removalGeneration when counted. */
  private removals = new Uint32Array(0);
  private list: readonly NodeInfo[] = [];
  private cursor: ChangeCursor | undefined = undefined;
  private readonly totals = new Map<DomainIndex, { version: number; size: number; byId: number[] }>();

  constructor(
    private readonly selector: LabelSelector,
    private readonly namespace: string,
  ) {}

  /** Brings the counts up to date with the snapshot; call once per cycle before reading. */
  refresh(snapshot: NodeInfoLister): void {
    const nodes = snapshot.list();
    this.list = nodes;
    // Only the nodes whose pods changed as counts see them (not status updates).
    const changes = snapshot.changesSince?.(this.cursor, true);
    this.cursor = changes?.cursor;
    if (changes?.indexes !== undefined && this.counts.length === nodes.length) {
      const indexes = changes.indexes;
      for (let k = changes.from; k < indexes.length; k++) {
        const i = indexes[k] as number;
        this.update(i, nodes[i] as NodeInfo);
      }
      return;
    }
    if (this.counts.length !== nodes.length) {
      this.counts = resized(this.counts, nodes.length, 0);
      this.lengths = resized(this.lengths, nodes.length, -1);
      this.removals = resized(this.removals, nodes.length, 0);
      // Slots may name other nodes now: totals are summed again when next asked for.
      this.totals.clear();
    }
    for (let i = 0; i < nodes.length; i++) this.update(i, nodes[i] as NodeInfo);
  }

  /** Matching pods on the node (counted directly for a NodeInfo outside the refreshed snapshot). */
  at(nodeInfo: NodeInfo): number {
    const i = nodeInfo.slot;
    if (i >= 0 && this.list[i] === nodeInfo && i < this.counts.length) return this.counts[i] as number;
    return countPods(nodeInfo.pods, 0, this.selector, this.namespace);
  }

  /** Matching pods per domain id of index (refreshed for the same snapshot). */
  totalsBy(index: DomainIndex): readonly number[] {
    let entry = this.totals.get(index);
    if (entry === undefined || entry.version !== index.version || entry.size !== this.counts.length) {
      const byId = new Array<number>(index.domainCount).fill(0);
      const ids = index.domainIds;
      for (let i = 0; i < this.counts.length; i++) {
        const id = ids[i] as number;
        if (id >= 0) byId[id] = (byId[id] as number) + (this.counts[i] as number);
      }
      entry = { version: index.version, size: this.counts.length, byId };
      if (this.totals.size >= MAX_TOTALS_PER_SELECTOR) this.totals.clear();
      this.totals.set(index, entry);
    }
    return entry.byId;
  }

  private update(i: number, info: NodeInfo): void {
    const pods = info.pods;
    const removal = info.removalGeneration >>> 0;
    const counted = this.lengths[i] as number;
    const before = this.counts[i] as number;
    let count: number;
    if (counted >= 0 && this.removals[i] === removal && pods.length >= counted) {
      if (pods.length === counted) return;
      count = before + countPods(pods, counted, this.selector, this.namespace);
    } else {
      count = countPods(pods, 0, this.selector, this.namespace);
    }
    this.counts[i] = count;
    this.lengths[i] = pods.length;
    this.removals[i] = removal;
    if (count === before) return;
    // Totals of indexes unchanged since they were summed follow the count.
    for (const [index, entry] of this.totals) {
      if (entry.version !== index.version || entry.size !== this.counts.length) continue;
      const id = index.domainIds[i] as number;
      if (id >= 0) entry.byId[id] = (entry.byId[id] ?? 0) + count - before;
    }
  }
}

const MAX_SELECTOR_COUNTS = 512;
const MAX_DOMAIN_INDEXES = 64;
/** Domain indexes a selector keeps totals for (more are summed again when asked). */
const MAX_TOTALS_PER_SELECTOR = 8;

function countPods(pods: readonly PodInfo[], from: number, selector: LabelSelector, namespace: string): number {
  let count = 0;
  for (let i = from; i < pods.length; i++) {
    const meta = (pods[i] as PodInfo).pod.metadata;
    // Terminating pods are leaving: they do not count.
    if (meta?.deletionTimestamp || (meta?.namespace ?? '') !== namespace) continue;
    if (selectorMatches(selector, meta?.labels ?? EMPTY_LABELS)) count++;
  }
  return count;
}

/** The two domains with the fewest matching pods (criticalPaths), so AddPod/RemovePod stay O(1). */
class CriticalPaths {
  values: [string | undefined, string | undefined] = [undefined, undefined];
  nums: [number, number] = [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

  update(value: string, num: number): void {
    const i = value === this.values[0] ? 0 : value === this.values[1] ? 1 : undefined;
    if (i !== undefined) {
      this.nums[i] = num;
      if (this.nums[0] > this.nums[1]) {
        this.values = [this.values[1], this.values[0]];
        this.nums = [this.nums[1], this.nums[0]];
      }
    } else if (num < this.nums[0]) {
      this.values = [value, this.values[0]];
      this.nums = [num, this.nums[0]];
    } else if (num < this.nums[1]) {
      this.values[1] = value;
      this.nums[1] = num;
    }
  }

  clone(): CriticalPaths {
    const copy = new CriticalPaths();
    copy.values = [...this.values];
    copy.nums = [...this.nums];
    return copy;
  }
}

class PreFilterState {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** Per constraint: topology value -> matching pods. */
    readonly matchNum: Map<string, number>[],
    readonly criticalPaths: CriticalPaths[],
    /** Per constraint: the number of eligible domains (fixed for the cycle). */
    readonly domains: readonly number[],
  ) {}

  minMatchNum(i: number): number {
    const c = this.constraints[i] as SpreadConstraint;
    // Fewer eligible domains than minDomains: the global minimum counts as 0.
    if ((this.domains[i] as number) < c.minDomains) return 0;
    return (this.criticalPaths[i] as CriticalPaths).nums[0];
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.matchNum.map((m) => new Map(m)),
      this.criticalPaths.map((p) => p.clone()),
      this.domains,
    );
  }
}

/** How Score finds one constraint's part of a node's score. */
type ConstraintScorer =
  /** Per node (the hostname key): from the node's own matching pods. */
  | { readonly kind: 'node'; readonly counts: SelectorCounts | undefined; readonly maxSkew: number; readonly weight: number }
  /** Per domain, worked out in PreScore for every domain id of a DomainIndex. */
  | { readonly kind: 'domain'; readonly index: DomainIndex; readonly parts: Float64Array }
  /** Per domain, by label value: constraints that count only some nodes. */
  | { readonly kind: 'value'; readonly topologyKey: string; readonly counts: Map<string, number>; readonly maxSkew: number; readonly weight: number };

interface PreScoreState {
  readonly ignoredNodes: ReadonlySet<string>;
  readonly scorers: readonly ConstraintScorer[];
}

/** What PreScore works out each constraint's scorer from. */
interface ScoringContext {
  readonly pod: Pod;
  readonly constraints: readonly SpreadConstraint[];
  readonly filteredNodes: readonly NodeInfo[];
  readonly ignoredNodes: ReadonlySet<string>;
  readonly requireAllTopologies: boolean;
  readonly snapshot: NodeInfoLister;
}

// ---- plugin ---------------------------------------------------------------------------

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, PreFilterExtensions {
  readonly name = NAME;
  private readonly defaultConstraints: readonly TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;
  private readonly defaultSelectorFn: DefaultSelectorFn | undefined;
  /** Per-domain totals by (namespace + selector, topology key), least recently used first. */
  /** Counts by (namespace, selector) id, least recently used first. */
  private readonly selectorCounts = new Map<number, SelectorCounts>();
  /** Domain ids by topology key and the domain of nodes without it. */
  private readonly domainIndexes = new Map<string, DomainIndex>();
  private readonly preScoreState = new StateSlot<PreScoreState>(PRE_SCORE_STATE_KEY);

  constructor(
    private readonly handle: Handle,
    args: PodTopologySpreadArgs = {},
  ) {
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaultConstraints = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : args.defaultConstraints ?? [];
    this.defaultSelectorFn = args.defaultSelector;
  }

  /** The pod's constraints of one action, or the defaults over its default selector. */
  constraintsFor(pod: Pod, action: 'DoNotSchedule' | 'ScheduleAnyway'): SpreadConstraint[] | string {
    const own = pod.spec?.topologySpreadConstraints;
    if (own && own.length > 0) return filterConstraints(own, pod, action);
    // Cheap exit before computing a selector: most defaults are ScheduleAnyway only.
    if (!this.defaultSelectorFn || !this.defaultConstraints.some((c) => c.whenUnsatisfiable === action)) return [];
    // Pods no Service or controller selects (an empty selector) get no default constraints.
    const selector = this.defaultSelectorFn(pod);
    if (!selector.selectable || selector.isEmpty()) return [];
    const constraints = filterConstraints(this.defaultConstraints, pod, action);
    if (typeof constraints === 'string' || constraints.length === 0) return constraints;
    const ns = pod.metadata?.namespace ?? '';
    const countKey = countKeyId(ns, selector);
    return constraints.map((c) => ({ ...c, selector, countKey }));
  }

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    if (typeof constraints === 'string') return { status: status(Code.Error, `obtaining pod's hard topology spread constraints: ${constraints}`) };
    if (constraints.length === 0) return { status: SKIP };
    const ns = pod.metadata?.namespace ?? '';
    const required = requiredNodeAffinityOf(pod);
    const matchNum = constraints.map(() => new Map<string, number>());
    const snapshot = this.handle.snapshot();
    const counts = constraints.map((c) => this.countsFor(c, ns, snapshot));
    for (const nodeInfo of snapshot.list()) {
      const node = nodeInfo.node;
      if (!node) continue;
      const set = nodeLabels(node);
      if (!nodeHasAllTopologyKeys(set, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i] as SpreadConstraint;
        if (!nodeIncluded(c, pod, node, required)) continue;
        const value = set[c.topologyKey] as string;
        const domainCounts = matchNum[i] as Map<string, number>;
        domainCounts.set(value, (domainCounts.get(value) ?? 0) + (counts[i]?.at(nodeInfo) ?? 0));
      }
    }
    const criticalPaths = matchNum.map((counts) => {
      const paths = new CriticalPaths();
      for (const [value, num] of counts) paths.update(value, num);
      return paths;
    });
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(constraints, matchNum, criticalPaths, matchNum.map((m) => m.size)));
    return { status: SUCCESS };
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateWithPod(state, podInfoToAdd.pod, podToSchedule, nodeInfo.node, 1);
  }

  removePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateWithPod(state, podInfoToRemove.pod, podToSchedule, nodeInfo.node, -1);
  }

  private updateWithPod(state: CycleState, updated: Pod, preemptor: Pod, node: Node | undefined, delta: number): Status {
    const s = readState<PreFilterState>(state, PRE_FILTER_STATE_KEY);
    if (isStatus(s)) return s;
    if (!node || (updated.metadata?.namespace ?? '') !== (preemptor.metadata?.namespace ?? '')) return SUCCESS;
    const set = nodeLabels(node);
    if (!nodeHasAllTopologyKeys(set, s.constraints)) return SUCCESS;
    const required = requiredNodeAffinityOf(preemptor);
    const own = podLabels(updated);
    s.constraints.forEach((c, i) => {
      if (!selectorMatches(c.selector, own) || !nodeIncluded(c, preemptor, node, required)) return;
      const value = set[c.topologyKey] as string;
      const counts = s.matchNum[i] as Map<string, number>;
      const next = (counts.get(value) ?? 0) + delta;
      counts.set(value, next);
      (s.criticalPaths[i] as CriticalPaths).update(value, next);
    });
    return SUCCESS;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (nodeInfo.node === undefined) return NODE_NOT_FOUND;
    const s = readState<PreFilterState>(state, PRE_FILTER_STATE_KEY);
    if (isStatus(s)) return s;
    const set = nodeInfo.labels;
    const own = podLabels(pod);
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i] as SpreadConstraint;
      const value = set[c.topologyKey];
      if (value === undefined) return REJECTED_MISSING_LABEL;
      const selfMatch = selectorMatches(c.selector, own) ? 1 : 0;
      const matchNum = (s.matchNum[i] as Map<string, number>).get(value) ?? 0;
      // 'existing matching num' + 'self-match' - 'global minimum' <= 'maxSkew'
      if (matchNum + selfMatch - s.minMatchNum(i) > c.maxSkew) return REJECTED;
    }
    return SUCCESS;
  }

  preScore(state: CycleState, pod: Pod, filteredNodes: readonly NodeInfo[]): Status {
    const snapshot = this.handle.snapshot();
    if (snapshot.list().length === 0) return SKIP;
    const constraints = this.constraintsFor(pod, 'ScheduleAnyway');
    if (typeof constraints === 'string') return status(Code.Error, `calculating preScoreState: ${constraints}`);
    if (constraints.length === 0) return SKIP;
    // Only user constraints require every topology label: nodes without a zone still get hostname spreading.
    const requireAllTopologies = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    const ignoredNodes = new Set<string>();
    if (requireAllTopologies) {
      for (const nodeInfo of filteredNodes) if (!nodeHasAllTopologyKeys(nodeInfo.labels, constraints)) ignoredNodes.add(nodeInfo.name);
    }
    const context: ScoringContext = { pod, constraints, filteredNodes, ignoredNodes, requireAllTopologies, snapshot };
    const scorers = constraints.map((c) => this.scorerFor(c, context));
    this.preScoreState.write(state, { ignoredNodes, scorers });
    return SUCCESS;
  }

  private scorerFor(c: SpreadConstraint, ctx: ScoringContext): ConstraintScorer {
    const { pod, filteredNodes, ignoredNodes, requireAllTopologies, snapshot } = ctx;
    const ns = pod.metadata?.namespace ?? '';
    // Per-node (hostname) counts are taken in Score.
    if (c.topologyKey === LABEL_HOSTNAME) {
      const weight = topologyNormalizingWeight(filteredNodes.length - ignoredNodes.size);
      return { kind: 'node', counts: this.countsFor(c, ns, snapshot), maxSkew: c.maxSkew, weight };
    }
    const required = requiredNodeAffinityOf(pod);
    const everyNodeIncluded = (c.nodeAffinityPolicy !== 'Honor' || !required.restricts) && c.nodeTaintsPolicy !== 'Honor';
    if (everyNodeIncluded && (!requireAllTopologies || ctx.constraints.length === 1)) {
      // The common case: per-domain totals kept up to date across cycles.
      const index = this.domainIndex(c.topologyKey, requireAllTopologies ? undefined : '', snapshot);
      index.refresh(snapshot);
      const totals = this.countsFor(c, ns, snapshot)?.totalsBy(index);
      // The domains of the scored nodes: every populated one, once that many are seen.
      const seen = new Uint8Array(index.domainCount);
      let size = 0;
      for (const nodeInfo of filteredNodes) {
        if (ignoredNodes.size > 0 && ignoredNodes.has(nodeInfo.name)) continue;
        const id = index.domainIdOf(nodeInfo);
        if (id < 0 || seen[id] === 1) continue;
        seen[id] = 1;
        if (++size === index.populated) break;
      }
      const weight = topologyNormalizingWeight(size);
      const parts = new Float64Array(index.domainCount);
      for (let id = 0; id < parts.length; id++) parts[id] = scoreForCount(seen[id] === 1 ? totals?.[id] ?? 0 : 0, c.maxSkew, weight);
      return { kind: 'domain', index, parts };
    }
    const counts = new Map<string, number>();
    for (const nodeInfo of filteredNodes) {
      if (ignoredNodes.size > 0 && ignoredNodes.has(nodeInfo.name)) continue;
      const value = nodeInfo.labels[c.topologyKey] ?? '';
      if (!counts.has(value)) counts.set(value, 0);
    }
    const weight = topologyNormalizingWeight(counts.size);
    const matching = counts.size === 0 ? undefined : this.countsFor(c, ns, snapshot);
    for (const nodeInfo of snapshot.list()) {
      const node = nodeInfo.node;
      if (!node || counts.size === 0) continue;
      const set = nodeLabels(node);
      if (requireAllTopologies && !nodeHasAllTopologyKeys(set, ctx.constraints)) continue;
      if (!nodeIncluded(c, pod, node, required)) continue;
      const value = set[c.topologyKey] ?? '';
      const current = counts.get(value);
      if (current !== undefined) counts.set(value, current + (matching?.at(nodeInfo) ?? 0));
    }
    return { kind: 'value', topologyKey: c.topologyKey, counts, maxSkew: c.maxSkew, weight };
  }

  /** The constraint's counts, up to date with the snapshot; undefined when its selector matches nothing. */
  private countsFor(c: SpreadConstraint, namespace: string, snapshot: NodeInfoLister): SelectorCounts | undefined {
    const selector = c.selector;
    if (!selector.selectable || selector.isEmpty()) return undefined;
    // Count keys name (namespace, selector): the same key always counts the same pods.
    let counts = this.selectorCounts.get(c.countKey);
    if (counts) {
      this.selectorCounts.delete(c.countKey);
    } else {
      counts = new SelectorCounts(selector, namespace);
      if (this.selectorCounts.size >= MAX_SELECTOR_COUNTS) this.selectorCounts.delete(this.selectorCounts.keys().next().value as number);
    }
    this.selectorCounts.set(c.countKey, counts);
    counts.refresh(snapshot);
    return counts;
  }

  private domainIndex(topologyKey: string, missingDomain: string | undefined, snapshot: NodeInfoLister): DomainIndex {
    const key = `${topologyKey}\n${missingDomain ?? '\u0000'}`;
    let index = this.domainIndexes.get(key);
    // Ids are never reused: start over when label churn has left many unused.
    if (!index || index.domainCount > 2 * snapshot.list().length + 64) {
      if (this.domainIndexes.size >= MAX_DOMAIN_INDEXES) this.domainIndexes.clear();
      this.domainIndexes.set(key, (index = new DomainIndex(topologyKey, missingDomain)));
    }
    return index;
  }

  /** The weighted number of matching pods in the node's domains (fewer is better; normalized later). */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = this.preScoreState.read(state);
    if (s === undefined) return missingState(PRE_SCORE_STATE_KEY);
    if (s.ignoredNodes.size > 0 && s.ignoredNodes.has(nodeInfo.name)) return 0;
    let score = 0;
    for (const scorer of s.scorers) {
      if (scorer.kind === 'domain') {
        const id = scorer.index.labelledIdOf(nodeInfo);
        if (id >= 0) score += scorer.parts[id] as number;
      } else if (scorer.kind === 'node') {
        // A constant key: a named property load, cheaper than a keyed one in this loop.
        if (nodeInfo.labels[LABEL_HOSTNAME] === undefined) continue;
        const count = scorer.counts === undefined || nodeInfo.pods.length === 0 ? 0 : scorer.counts.at(nodeInfo);
        score += scoreForCount(count, scorer.maxSkew, scorer.weight);
      } else {
        const value = nodeInfo.labels[scorer.topologyKey];
        if (value === undefined) continue;
        score += scoreForCount(scorer.counts.get(value) ?? 0, scorer.maxSkew, scorer.weight);
      }
    }
    return Math.round(score);
  }

  /** Fewest matching pods scores 100; ignored nodes score 0. */
  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = this.preScoreState.read(state);
    if (s === undefined) return missingState(PRE_SCORE_STATE_KEY);
    const ignored = s.ignoredNodes.size > 0 ? s.ignoredNodes : undefined;
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (const n of scores) {
      if (ignored?.has(n.name)) continue;
      if (n.score < min) min = n.score;
      if (n.score > max) max = n.score;
    }
    for (const n of scores) {
      if (ignored?.has(n.name)) n.score = 0;
      else if (max === 0) n.score = MAX_NODE_SCORE;
      else n.score = Math.trunc((MAX_NODE_SCORE * (max + min - n.score)) / max);
    }
    return SUCCESS;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    const podHint = (pod: Pod, oldObj: unknown, newObj: unknown) => this.isSchedulableAfterPodChange(pod, oldObj, newObj);
    const nodeHint = (pod: Pod, oldObj: unknown, newObj: unknown) => this.isSchedulableAfterNodeChange(pod, oldObj, newObj);
    return [
      { event: { resource: 'Pod', action: 'Add' }, hint: podHint },
      { event: { resource: 'Pod', action: 'UpdatePodLabel' }, hint: podHint },
      { event: { resource: 'Pod', action: 'UpdatePodTolerations' }, hint: podHint },
      { event: { resource: 'Pod', action: 'Delete' }, hint: podHint },
      { event: { resource: 'Node', action: 'Add' }, hint: nodeHint },
      { event: { resource: 'Node', action: 'Delete' }, hint: nodeHint },
      { event: { resource: 'Node', action: 'UpdateNodeLabel' }, hint: nodeHint },
      { event: { resource: 'Node', action: 'UpdateNodeTaint' }, hint: nodeHint },
    ];
  }

  private isSchedulableAfterPodChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
    const original = asPod(oldObj);
    const modified = asPod(newObj);
    // Only the pod itself, or assigned pods of its namespace, take part in its spreading.
    const involved = (other: Pod) =>
      other.metadata?.uid === pod.metadata?.uid || (!!other.spec?.nodeName && other.metadata?.namespace === pod.metadata?.namespace);
    if ((modified && !involved(modified)) || (original && !involved(original))) return QueueingHint.Skip;
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    if (typeof constraints === 'string') return QueueingHint.Queue;
    const matchesAny = (set: Labels) => constraints.some((c) => selectorMatches(c.selector, set));
    if (original && modified) {
      if (original.metadata?.uid === pod.metadata?.uid) {
        // The pod itself: new tolerations matter with nodeTaintsPolicy Honor.
        return JSON.stringify(original.spec?.tolerations ?? []) === JSON.stringify(modified.spec?.tolerations ?? []) ? QueueingHint.Skip : QueueingHint.Queue;
      }
      const before = podLabels(original);
      const after = podLabels(modified);
      return constraints.some((c) => selectorMatches(c.selector, before) !== selectorMatches(c.selector, after)) ? QueueingHint.Queue : QueueingHint.Skip;
    }
    if (modified) return matchesAny(podLabels(modified)) ? QueueingHint.Queue : QueueingHint.Skip;
    if (original) return matchesAny(podLabels(original)) ? QueueingHint.Queue : QueueingHint.Skip;
    return QueueingHint.Queue;
  }

  private isSchedulableAfterNodeChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
    const original = asNode(oldObj);
    const modified = asNode(newObj);
    const constraints = this.constraintsFor(pod, 'DoNotSchedule');
    if (typeof constraints === 'string') return QueueingHint.Queue;
    const originalMatching = original ? nodeHasAllTopologyKeys(nodeLabels(original), constraints) : false;
    const modifiedMatching = modified ? nodeHasAllTopologyKeys(nodeLabels(modified), constraints) : false;
    if (original && modified) {
      if (originalMatching !== modifiedMatching) return QueueingHint.Queue;
      if (!modifiedMatching) return QueueingHint.Skip;
      const before = nodeLabels(original);
      const after = nodeLabels(modified);
      const labelsChanged = constraints.some((c) => before[c.topologyKey] !== after[c.topologyKey]);
      const taintsChanged = JSON.stringify(original.spec?.taints ?? []) !== JSON.stringify(modified.spec?.taints ?? []);
      return labelsChanged || taintsChanged ? QueueingHint.Queue : QueueingHint.Skip;
    }
    if (modified) return modifiedMatching ? QueueingHint.Queue : QueueingHint.Skip;
    return originalMatching ? QueueingHint.Queue : QueueingHint.Skip;
  }
}

/** log(size + 2): counts in small topologies are not watered down by big ones. */
function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** maxSkew - 1 is added so differences between domains within the skew matter less. */
function scoreForCount(count: number, maxSkew: number, weight: number): number {
  return count * weight + (maxSkew - 1);
}

export const newPodTopologySpread: PluginFactory = (args, handle) => new PodTopologySpread(handle, (args ?? {}) as PodTopologySpreadArgs);
