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

// ---- counting, kept per node generation -----------------------------------------------------

// Counting walks every pod of every node, which costs memory latency more than compute;
// the counts only change when a node's generation does, so they are kept per node
// under a small integer id of (namespace, selector).
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

/**
 * Matching pods per node for one (namespace, selector), kept by snapshot slot
 * (NodeInfo.slot) and recounted only when the node's NodeInfo or generation changed:
 * a cycle scores hundreds of nodes, and most of them have not changed since the last.
 * A node whose pods only grew at the end since (no pod removed, none changed labels)
 * has only its new pods counted.
 */
class NodeCounts {
  private readonly infos: (NodeInfo | undefined)[] = [];
  private readonly generations: number[] = [];
  private readonly removals: number[] = [];
  private readonly lengths: number[] = [];
  private readonly counts: number[] = [];

  constructor(
    private readonly selector: LabelSelector,
    private readonly namespace: string,
  ) {}

  get(nodeInfo: NodeInfo): number {
    const i = nodeInfo.slot;
    const pods = nodeInfo.pods;
    if (i < 0) return countPods(pods, 0, this.selector, this.namespace);
    if (this.infos[i] === nodeInfo) {
      if (this.generations[i] === nodeInfo.generation) return this.counts[i] as number;
      const counted = this.lengths[i] as number;
      if (this.removals[i] === nodeInfo.removalGeneration && pods.length >= counted) {
        const count = (this.counts[i] as number) + countPods(pods, counted, this.selector, this.namespace);
        this.remember(i, nodeInfo, count);
        return count;
      }
    }
    const count = countPods(pods, 0, this.selector, this.namespace);
    while (this.infos.length <= i) {
      this.infos.push(undefined);
      this.generations.push(0);
      this.removals.push(0);
      this.lengths.push(0);
      this.counts.push(0);
    }
    this.remember(i, nodeInfo, count);
    return count;
  }

  private remember(i: number, nodeInfo: NodeInfo, count: number): void {
    this.infos[i] = nodeInfo;
    this.generations[i] = nodeInfo.generation;
    this.removals[i] = nodeInfo.removalGeneration;
    this.lengths[i] = nodeInfo.pods.length;
    this.counts[i] = count;
  }
}

const MAX_NODE_COUNTS = 64;
const nodeCountsByKey = new Map<number, NodeCounts>();

/** countPodsMatchSelector: live pods of the namespace on the node matching the selector (an empty selector counts none). */
function countMatchingPods(nodeInfo: NodeInfo, c: SpreadConstraint, namespace: string): number {
  const selector = c.selector;
  if (nodeInfo.pods.length === 0 || !selector.selectable || selector.isEmpty()) return 0;
  let counts = nodeCountsByKey.get(c.countKey);
  if (counts === undefined) {
    // Count keys name (namespace, selector): the same key always counts the same pods.
    if (nodeCountsByKey.size >= MAX_NODE_COUNTS) nodeCountsByKey.clear();
    nodeCountsByKey.set(c.countKey, (counts = new NodeCounts(selector, namespace)));
  }
  return counts.get(nodeInfo);
}

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

const MAX_DOMAIN_COUNTERS = 32;

/**
 * Matching pods per topology domain over all nodes, for one (namespace, selector,
 * topology key). Each refresh recounts only the nodes that changed since the last one:
 * those the snapshot's change log names when it has one (a few per cycle), else every
 * node whose NodeInfo or generation differs from what was counted.
 */
class DomainCounter {
  private infos: (NodeInfo | undefined)[] = [];
  private generations: number[] = [];
  private domains: (string | undefined)[] = [];
  private counts: number[] = [];
  private readonly totals = new Map<string, number>();
  private cursor: ChangeCursor | undefined = undefined;

  constructor(
    private readonly constraint: SpreadConstraint,
    private readonly namespace: string,
    /** The domain of nodes without the topology label ('' as upstream's system defaulting), or undefined to leave them out. */
    private readonly missingDomain: string | undefined,
  ) {}

  refresh(snapshot: NodeInfoLister): ReadonlyMap<string, number> {
    const nodes = snapshot.list();
    const changes = snapshot.changesSince?.(this.cursor);
    this.cursor = changes?.cursor;
    if (changes?.indexes !== undefined && this.infos.length === nodes.length) {
      const indexes = changes.indexes;
      for (let k = changes.from; k < indexes.length; k++) {
        const i = indexes[k] as number;
        const info = nodes[i] as NodeInfo;
        if (this.infos[i] !== info || this.generations[i] !== info.generation) this.replace(i, info);
      }
      return this.totals;
    }
    for (let i = 0; i < nodes.length; i++) {
      const info = nodes[i] as NodeInfo;
      if (this.infos[i] !== info || this.generations[i] !== info.generation) this.replace(i, info);
    }
    for (let i = nodes.length; i < this.infos.length; i++) this.add(this.domains[i], -(this.counts[i] as number));
    if (this.infos.length > nodes.length) {
      this.infos.length = nodes.length;
      this.generations.length = nodes.length;
      this.domains.length = nodes.length;
      this.counts.length = nodes.length;
    }
    return this.totals;
  }

  private replace(i: number, info: NodeInfo): void {
    if (this.infos[i] !== undefined) this.add(this.domains[i], -(this.counts[i] as number));
    const domain = info.node !== undefined ? info.labels[this.constraint.topologyKey] ?? this.missingDomain : undefined;
    const count = domain === undefined ? 0 : countMatchingPods(info, this.constraint, this.namespace);
    this.infos[i] = info;
    this.generations[i] = info.generation;
    this.domains[i] = domain;
    this.counts[i] = count;
    this.add(domain, count);
  }

  private add(domain: string | undefined, delta: number): void {
    if (domain === undefined || delta === 0) return;
    const next = (this.totals.get(domain) ?? 0) + delta;
    if (next === 0) this.totals.delete(domain);
    else this.totals.set(domain, next);
  }
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

interface PreScoreState {
  readonly constraints: readonly SpreadConstraint[];
  readonly ignoredNodes: ReadonlySet<string>;
  /** Per constraint: topology value -> matching pods (hostname constraints count in Score). */
  readonly podCounts: readonly Map<string, number>[];
  readonly weights: readonly number[];
}

// ---- plugin ---------------------------------------------------------------------------

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, PreFilterExtensions {
  readonly name = NAME;
  private readonly defaultConstraints: readonly TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;
  private readonly defaultSelectorFn: DefaultSelectorFn | undefined;
  /** Per-domain totals by (namespace + selector, topology key), least recently used first. */
  private readonly domainCounters = new Map<string, DomainCounter>();
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
    for (const nodeInfo of this.handle.snapshot().list()) {
      const node = nodeInfo.node;
      if (!node) continue;
      const set = nodeLabels(node);
      if (!nodeHasAllTopologyKeys(set, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i] as SpreadConstraint;
        if (!nodeIncluded(c, pod, node, required)) continue;
        const value = set[c.topologyKey] as string;
        const counts = matchNum[i] as Map<string, number>;
        counts.set(value, (counts.get(value) ?? 0) + countMatchingPods(nodeInfo, c, ns));
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
    const allNodes = this.handle.snapshot().list();
    if (allNodes.length === 0) return SKIP;
    const constraints = this.constraintsFor(pod, 'ScheduleAnyway');
    if (typeof constraints === 'string') return status(Code.Error, `calculating preScoreState: ${constraints}`);
    if (constraints.length === 0) return SKIP;
    // Only user constraints require every topology label: nodes without a zone still get hostname spreading.
    const requireAllTopologies = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    const ignoredNodes = new Set<string>();
    const podCounts = constraints.map(() => new Map<string, number>());
    const topologySize = constraints.map(() => 0);
    for (const nodeInfo of filteredNodes) {
      const set = nodeInfo.labels;
      if (requireAllTopologies && !nodeHasAllTopologyKeys(set, constraints)) {
        ignoredNodes.add(nodeInfo.name);
        continue;
      }
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i] as SpreadConstraint;
        // Per-node (hostname) counts are taken in Score.
        if (c.topologyKey === LABEL_HOSTNAME) continue;
        const value = set[c.topologyKey] ?? '';
        const counts = podCounts[i] as Map<string, number>;
        if (!counts.has(value)) {
          counts.set(value, 0);
          topologySize[i] = (topologySize[i] as number) + 1;
        }
      }
    }
    const weights = constraints.map((c, i) =>
      topologyNormalizingWeight(c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignoredNodes.size : (topologySize[i] as number)),
    );
    const ns = pod.metadata?.namespace ?? '';
    const required = requiredNodeAffinityOf(pod);
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i] as SpreadConstraint;
      const counts = podCounts[i] as Map<string, number>;
      // Domains without a candidate node, and per-node (hostname) counts, are skipped here.
      if (counts.size === 0) continue;
      const everyNodeIncluded = (c.nodeAffinityPolicy !== 'Honor' || !required.restricts) && c.nodeTaintsPolicy !== 'Honor';
      if (everyNodeIncluded && (!requireAllTopologies || constraints.length === 1)) {
        // The common case: per-domain totals kept up to date across cycles.
        const totals = this.domainCounter(c, ns, requireAllTopologies).refresh(this.handle.snapshot());
        for (const value of counts.keys()) counts.set(value, totals.get(value) ?? 0);
        continue;
      }
      for (const nodeInfo of allNodes) {
        const node = nodeInfo.node;
        if (!node) continue;
        const set = nodeLabels(node);
        if (requireAllTopologies && !nodeHasAllTopologyKeys(set, constraints)) continue;
        if (!nodeIncluded(c, pod, node, required)) continue;
        const value = set[c.topologyKey] ?? '';
        const current = counts.get(value);
        if (current !== undefined) counts.set(value, current + countMatchingPods(nodeInfo, c, ns));
      }
    }
    this.preScoreState.write(state, { constraints, ignoredNodes, podCounts, weights });
    return SUCCESS;
  }

  private domainCounter(c: SpreadConstraint, namespace: string, requireKey: boolean): DomainCounter {
    const key = `${c.countKey}\n${c.topologyKey}\n${requireKey}`;
    let counter = this.domainCounters.get(key);
    if (counter) {
      this.domainCounters.delete(key);
    } else {
      counter = new DomainCounter(c, namespace, requireKey ? undefined : '');
      if (this.domainCounters.size >= MAX_DOMAIN_COUNTERS) this.domainCounters.delete(this.domainCounters.keys().next().value as string);
    }
    this.domainCounters.set(key, counter);
    return counter;
  }

  /** The weighted number of matching pods in the node's domains (fewer is better; normalized later). */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = this.preScoreState.read(state);
    if (s === undefined) return missingState(PRE_SCORE_STATE_KEY);
    if (s.ignoredNodes.size > 0 && s.ignoredNodes.has(nodeInfo.name)) return 0;
    const set = nodeInfo.labels;
    const ns = pod.metadata?.namespace ?? '';
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i] as SpreadConstraint;
      const value = set[c.topologyKey];
      if (value === undefined) continue;
      const count = c.topologyKey === LABEL_HOSTNAME ? countMatchingPods(nodeInfo, c, ns) : ((s.podCounts[i] as Map<string, number>).get(value) ?? 0);
      score += scoreForCount(count, c.maxSkew, s.weights[i] as number);
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
