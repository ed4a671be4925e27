// InterPodAffinity: required pod affinity / anti-affinity filter nodes (the incoming
// pod's terms and existing pods' anti-affinity against it); preferred terms, and
// existing pods' terms towards the incoming pod, score them. PreFilter counts
// matching pods per topology domain once, so Filter is a few map lookups per node.

import type { Node, Pod, PodAffinityTerm, WeightedPodAffinityTerm } from 'kubernetes-types/core/v1.js';
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
} from '../../framework/types.js';
import { EMPTY_LABELS, asNode, asPod, isStatus, nodeLabels, podLabels, readState, selectorMatches, type LabelSelector, type Labels } from '../helper/index.js';

export const NAME = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

/** Labels of a namespace, for namespaceSelector terms; undefined when the namespace is unknown. */
export type NamespaceLabels = (namespace: string) => Labels | undefined;

export interface InterPodAffinityArgs {
  /** Score given for each existing pod's required affinity term the incoming pod matches (default 1). */
  readonly hardPodAffinityWeight?: number;
  readonly ignorePreferredTermsOfExistingPods?: boolean;
  /** Supplied by the runtime from its namespace informer; without it only namespaceSelector {} matches. */
  readonly namespaceLabels?: NamespaceLabels;
}

const REJECTED_AFFINITY: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON_AFFINITY_RULES_NOT_MATCH]) });
const REJECTED_ANTI_AFFINITY: Status = Object.freeze({ code: Code.Unschedulable, reasons: Object.freeze([ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH]) });
const REJECTED_EXISTING: Status = Object.freeze({ code: Code.Unschedulable, reasons: Object.freeze([ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH]) });
const NODE_NOT_FOUND: Status = Object.freeze({ code: Code.Error, reasons: Object.freeze(['node not found']) });

// ---- affinity terms --------------------------------------------------------------------

/** framework.AffinityTerm: a PodAffinityTerm with its selectors parsed. */
export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  readonly namespaceSelector: LabelSelector;
  readonly selector: LabelSelector;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** A pod's four lists of parsed terms, or the parse error. */
export interface PodAffinityTerms {
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinity: readonly WeightedAffinityTerm[];
  readonly error?: string;
}

const NO_TERMS: PodAffinityTerms = Object.freeze({ requiredAffinity: [], requiredAntiAffinity: [], preferredAffinity: [], preferredAntiAffinity: [] });

function parseTerm(pod: Pod, term: PodAffinityTerm, errors: string[]): AffinityTerm | undefined {
  const selector = labels.fromLabelSelector(term.labelSelector);
  const namespaceSelector = labels.fromLabelSelector(term.namespaceSelector);
  if ('error' in selector) errors.push(selector.error);
  if ('error' in namespaceSelector) errors.push(namespaceSelector.error);
  if ('error' in selector || 'error' in namespaceSelector) return undefined;
  // No namespaces and no namespaceSelector: the pod's own namespace.
  const own = (term.namespaces?.length ?? 0) === 0 && !term.namespaceSelector;
  const namespaces = new Set(own ? [pod.metadata?.namespace ?? ''] : term.namespaces ?? []);
  return { namespaces, namespaceSelector, selector, topologyKey: term.topologyKey };
}

function parseTerms(pod: Pod, terms: readonly PodAffinityTerm[] | undefined, errors: string[]): AffinityTerm[] {
  const out: AffinityTerm[] = [];
  for (const t of terms ?? []) {
    const parsed = parseTerm(pod, t, errors);
    if (parsed) out.push(parsed);
  }
  return out;
}

function parseWeighted(pod: Pod, terms: readonly WeightedPodAffinityTerm[] | undefined, errors: string[]): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms ?? []) {
    const parsed = parseTerm(pod, t.podAffinityTerm, errors);
    if (parsed) out.push({ ...parsed, weight: t.weight });
  }
  return out;
}

const termsCache = new WeakMap<Pod, PodAffinityTerms>();

/** The pod's parsed affinity terms, computed once per pod object. */
export function affinityTermsOf(pod: Pod): PodAffinityTerms {
  const cached = termsCache.get(pod);
  if (cached) return cached;
  const affinity = pod.spec?.affinity;
  let terms = NO_TERMS;
  if (affinity?.podAffinity || affinity?.podAntiAffinity) {
    const errors: string[] = [];
    terms = {
      requiredAffinity: parseTerms(pod, affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, errors),
      requiredAntiAffinity: parseTerms(pod, affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, errors),
      preferredAffinity: parseWeighted(pod, affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, errors),
      preferredAntiAffinity: parseWeighted(pod, affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, errors),
      ...(errors.length > 0 ? { error: errors.join(', ') } : {}),
    };
  }
  termsCache.set(pod, terms);
  return terms;
}

/** AffinityTerm.Matches: the pod is in the term's namespaces (listed or selected) and its labels match. */
export function termMatches(term: AffinityTerm, pod: Pod, namespaceLabels: NamespaceLabels | undefined): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.namespaces.has(ns)) {
    const nsSelector = term.namespaceSelector;
    if (!nsSelector.selectable) return false;
    if (!nsSelector.isEmpty()) {
      const nsLabels = namespaceLabels?.(ns);
      if (nsLabels === undefined || !selectorMatches(nsSelector, nsLabels)) return false;
    }
  }
  return selectorMatches(term.selector, podLabels(pod));
}

/** podMatchesAllAffinityTerms: true only for a non-empty list the pod matches entirely. */
function matchesAllTerms(terms: readonly AffinityTerm[], pod: Pod, namespaceLabels: NamespaceLabels | undefined): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, namespaceLabels)) return false;
  return true;
}

// ---- topology counts -------------------------------------------------------------------

/** topologyToMatchedTermCount: topology key -> value -> count, nested so lookups build no strings. */
class TopologyCounts {
  readonly byKey = new Map<string, Map<string, number>>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  /** Adds delta to the node's domain of key; entries that reach zero are dropped. */
  update(node: Node, key: string, delta: number): void {
    const value = nodeLabels(node)[key];
    if (value === undefined) return;
    let values = this.byKey.get(key);
    if (!values) {
      values = new Map();
      this.byKey.set(key, values);
    }
    const next = (values.get(value) ?? 0) + delta;
    if (next === 0) {
      values.delete(value);
      if (values.size === 0) this.byKey.delete(key);
    } else {
      values.set(value, next);
    }
  }

  updateWithAffinityTerms(terms: readonly AffinityTerm[], pod: Pod, node: Node, delta: number, nsLabels: NamespaceLabels | undefined): void {
    if (!matchesAllTerms(terms, pod, nsLabels)) return;
    for (const t of terms) this.update(node, t.topologyKey, delta);
  }

  updateWithAntiAffinityTerms(terms: readonly AffinityTerm[], pod: Pod, node: Node, delta: number, nsLabels: NamespaceLabels | undefined): void {
    for (const t of terms) if (termMatches(t, pod, nsLabels)) this.update(node, t.topologyKey, delta);
  }

  /** True when some label of the node names a domain with a positive count. */
  anyPositiveFor(node: Node): boolean {
    const set = nodeLabels(node);
    for (const key in set) {
      const values = this.byKey.get(key);
      if (values && (values.get(set[key] as string) ?? 0) > 0) return true;
    }
    return false;
  }

  clone(): TopologyCounts {
    const copy = new TopologyCounts();
    for (const [k, values] of this.byKey) copy.byKey.set(k, new Map(values));
    return copy;
  }
}

/** PreFilter state; clone() gives preemption its own copy to add and remove pods in. */
class PreFilterState {
  constructor(
    readonly pod: Pod,
    readonly terms: PodAffinityTerms,
    readonly existingAntiAffinityCounts: TopologyCounts,
    readonly affinityCounts: TopologyCounts,
    readonly antiAffinityCounts: TopologyCounts,
    readonly namespaceLabels: NamespaceLabels | undefined,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.terms,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
      this.namespaceLabels,
    );
  }

  updateWithPod(other: Pod, node: Node, delta: number): void {
    this.existingAntiAffinityCounts.updateWithAntiAffinityTerms(affinityTermsOf(other).requiredAntiAffinity, this.pod, node, delta, this.namespaceLabels);
    this.affinityCounts.updateWithAffinityTerms(this.terms.requiredAffinity, other, node, delta, this.namespaceLabels);
    this.antiAffinityCounts.updateWithAntiAffinityTerms(this.terms.requiredAntiAffinity, other, node, delta, this.namespaceLabels);
  }
}

interface PreScoreState {
  /** topology key -> value -> accumulated weight. */
  readonly topologyScore: Map<string, Map<string, number>>;
}

function addScore(scores: Map<string, Map<string, number>>, key: string, value: string, delta: number): void {
  let values = scores.get(key);
  if (!values) {
    values = new Map();
    scores.set(key, values);
  }
  values.set(value, (values.get(value) ?? 0) + delta);
}

// ---- plugin ---------------------------------------------------------------------------

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions, PreFilterExtensions {
  readonly name = NAME;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;
  private readonly namespaceLabels: NamespaceLabels | undefined;

  constructor(
    private readonly handle: Handle,
    args: InterPodAffinityArgs = {},
  ) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
    this.namespaceLabels = args.namespaceLabels;
  }

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const terms = affinityTermsOf(pod);
    if (terms.error) return { status: status(Code.UnschedulableAndUnresolvable, `parsing pod: ${terms.error}`) };
    const snapshot = this.handle.snapshot();
    const ns = this.namespaceLabels;

    const existing = new TopologyCounts();
    for (const nodeInfo of snapshot.havePodsWithRequiredAntiAffinityList()) {
      const node = nodeInfo.node;
      if (!node) continue;
      for (const other of nodeInfo.podsWithRequiredAntiAffinity) {
        existing.updateWithAntiAffinityTerms(affinityTermsOf(other.pod).requiredAntiAffinity, pod, node, 1, ns);
      }
    }
    const hasOwnTerms = terms.requiredAffinity.length > 0 || terms.requiredAntiAffinity.length > 0;
    if (existing.size === 0 && !hasOwnTerms) return { status: SKIP };

    const affinity = new TopologyCounts();
    const antiAffinity = new TopologyCounts();
    if (hasOwnTerms) {
      for (const nodeInfo of snapshot.list()) {
        const node = nodeInfo.node;
        if (!node) continue;
        for (const other of nodeInfo.pods) {
          affinity.updateWithAffinityTerms(terms.requiredAffinity, other.pod, node, 1, ns);
          antiAffinity.updateWithAntiAffinityTerms(terms.requiredAntiAffinity, other.pod, node, 1, ns);
        }
      }
    }
    state.write(PRE_FILTER_STATE_KEY, new PreFilterState(pod, terms, existing, affinity, antiAffinity, ns));
    return { status: SUCCESS };
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, _podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateState(state, podInfoToAdd, nodeInfo, 1);
  }

  removePod(state: CycleState, _podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status {
    return this.updateState(state, podInfoToRemove, nodeInfo, -1);
  }

  private updateState(state: CycleState, podInfo: PodInfo, nodeInfo: NodeInfo, delta: number): Status {
    const s = readState<PreFilterState>(state, PRE_FILTER_STATE_KEY);
    if (isStatus(s)) return s;
    if (nodeInfo.node) s.updateWithPod(podInfo.pod, nodeInfo.node, delta);
    return SUCCESS;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (!node) return NODE_NOT_FOUND;
    const s = readState<PreFilterState>(state, PRE_FILTER_STATE_KEY);
    if (isStatus(s)) return s;
    if (!satisfyPodAffinity(s, node)) return REJECTED_AFFINITY;
    if (!satisfyPodAntiAffinity(s, node)) return REJECTED_ANTI_AFFINITY;
    if (s.existingAntiAffinityCounts.size > 0 && s.existingAntiAffinityCounts.anyPositiveFor(node)) return REJECTED_EXISTING;
    return SUCCESS;
  }

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    if (nodes.length === 0) return SKIP;
    const terms = affinityTermsOf(pod);
    if (terms.error) return status(Code.Error, `failed to parse pod: ${terms.error}`);
    const hasConstraints = terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return SKIP;
    const snapshot = this.handle.snapshot();
    // Unless the pod has preferred terms, only nodes hosting pods with affinity matter.
    const candidates = hasConstraints ? snapshot.list() : snapshot.havePodsWithAffinityList();
    const topologyScore = new Map<string, Map<string, number>>();
    let touched = false;
    for (const nodeInfo of candidates) {
      const node = nodeInfo.node;
      if (!node) continue;
      const set = nodeLabels(node);
      if (set === EMPTY_LABELS) continue;
      const pods = hasConstraints ? nodeInfo.pods : nodeInfo.podsWithAffinity;
      for (const existing of pods) {
        if (this.processExistingPod(terms, existing.pod, pod, set, topologyScore)) touched = true;
      }
    }
    if (!touched) return SKIP;
    state.write(PRE_SCORE_STATE_KEY, { topologyScore } satisfies PreScoreState);
    return SUCCESS;
  }

  /** Adds the weights the existing pod contributes to its node's domains; true when any term applied. */
  private processExistingPod(
    terms: PodAffinityTerms,
    existing: Pod,
    incoming: Pod,
    set: Labels,
    scores: Map<string, Map<string, number>>,
  ): boolean {
    const ns = this.namespaceLabels;
    let applied = false;
    const apply = (term: AffinityTerm, weight: number, target: Pod): void => {
      if (!termMatches(term, target, ns)) return;
      const value = set[term.topologyKey];
      if (value === undefined) return;
      addScore(scores, term.topologyKey, value, weight);
      applied = true;
    };
    // The incoming pod's preferred terms against the existing pod.
    for (const t of terms.preferredAffinity) apply(t, t.weight, existing);
    for (const t of terms.preferredAntiAffinity) apply(t, -t.weight, existing);
    // The existing pod's terms against the incoming pod.
    const theirs = affinityTermsOf(existing);
    if (this.hardPodAffinityWeight > 0) for (const t of theirs.requiredAffinity) apply(t, this.hardPodAffinityWeight, incoming);
    for (const t of theirs.preferredAffinity) apply(t, t.weight, incoming);
    for (const t of theirs.preferredAntiAffinity) apply(t, -t.weight, incoming);
    return applied;
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = readState<PreScoreState>(state, PRE_SCORE_STATE_KEY);
    if (isStatus(s)) return s;
    const set = nodeInfo.labels;
    let score = 0;
    for (const [key, values] of s.topologyScore) {
      const value = set[key];
      if (value !== undefined) score += values.get(value) ?? 0;
    }
    return score;
  }

  /** Min-max scales scores to 0..100. */
  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = readState<PreScoreState>(state, PRE_SCORE_STATE_KEY);
    if (isStatus(s)) return s;
    if (s.topologyScore.size === 0) return SUCCESS;
    let min = Infinity;
    let max = -Infinity;
    for (const n of scores) {
      if (n.score > max) max = n.score;
      if (n.score < min) min = n.score;
    }
    const diff = max - min;
    for (const n of scores) n.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((n.score - min) / diff)) : 0;
    return SUCCESS;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    const podHint = (pod: Pod, oldObj: unknown, newObj: unknown) => this.isSchedulableAfterPodChange(pod, oldObj, newObj);
    const nodeHint = (pod: Pod, oldObj: unknown, newObj: unknown) => isSchedulableAfterNodeChange(pod, oldObj, newObj);
    return [
      { event: { resource: 'AssignedPod', action: 'Add' }, hint: podHint },
      { event: { resource: 'AssignedPod', action: 'UpdatePodLabel' }, hint: podHint },
      { event: { resource: 'AssignedPod', action: 'Delete' }, hint: podHint },
      { event: { resource: 'Node', action: 'Add' }, hint: nodeHint },
      { event: { resource: 'Node', action: 'UpdateNodeLabel' }, hint: nodeHint },
    ];
  }

  private isSchedulableAfterPodChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
    const original = asPod(oldObj);
    const modified = asPod(newObj);
    if ((modified && !modified.spec?.nodeName) || (original && !original.spec?.nodeName)) return QueueingHint.Skip;
    const terms = affinityTermsOf(pod);
    if (terms.error) return QueueingHint.Queue;
    const ns = this.namespaceLabels;
    const matchesAffinity = (p: Pod) => matchesAllTerms(terms.requiredAffinity, p, ns);
    const matchesAnti = (p: Pod) => matchesAllTerms(terms.requiredAntiAffinity, p, ns);
    if (original && modified) {
      if (!matchesAffinity(original) && matchesAffinity(modified)) return QueueingHint.Queue;
      if (matchesAnti(original) && !matchesAnti(modified)) return QueueingHint.Queue;
      return QueueingHint.Skip;
    }
    if (modified) return matchesAffinity(modified) ? QueueingHint.Queue : QueueingHint.Skip;
    if (!original) return QueueingHint.Queue;
    // A deleted pod frees its domain if the pod hated it, or if its own anti-affinity kept the pod out.
    if (matchesAnti(original)) return QueueingHint.Queue;
    const theirs = affinityTermsOf(original).requiredAntiAffinity;
    return theirs.some((t) => termMatches(t, pod, ns)) ? QueueingHint.Queue : QueueingHint.Skip;
  }
}

function satisfyPodAffinity(s: PreFilterState, node: Node): boolean {
  const terms = s.terms.requiredAffinity;
  if (terms.length === 0) return true;
  const set = nodeLabels(node);
  let podsExist = true;
  for (const t of terms) {
    const value = set[t.topologyKey];
    // Every topology label must be on the node.
    if (value === undefined) return false;
    if (s.affinityCounts.get(t.topologyKey, value) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: allow it when no pod anywhere
  // matches the terms yet and the pod matches its own terms.
  return s.affinityCounts.size === 0 && matchesAllTerms(terms, s.pod, s.namespaceLabels);
}

function satisfyPodAntiAffinity(s: PreFilterState, node: Node): boolean {
  const terms = s.terms.requiredAntiAffinity;
  if (terms.length === 0 || s.antiAffinityCounts.size === 0) return true;
  const set = nodeLabels(node);
  for (const t of terms) {
    const value = set[t.topologyKey];
    if (value !== undefined && s.antiAffinityCounts.get(t.topologyKey, value) > 0) return false;
  }
  return true;
}

/** Queue when a node gains (or changes) a topology label the pod's terms use. */
function isSchedulableAfterNodeChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  const original = asNode(oldObj);
  const modified = asNode(newObj);
  if (!modified) return QueueingHint.Skip;
  const terms = affinityTermsOf(pod);
  const after = nodeLabels(modified);
  const before = original ? nodeLabels(original) : undefined;
  for (const t of terms.requiredAffinity) {
    const now = after[t.topologyKey];
    if (!before) {
      if (now !== undefined) return QueueingHint.Queue;
      continue;
    }
    const then = before[t.topologyKey];
    if (now !== undefined && (then === undefined || then !== now)) return QueueingHint.Queue;
  }
  for (const t of terms.requiredAntiAffinity) {
    // Any new node may take a pod with anti-affinity (without the key it always can).
    if (!before) return QueueingHint.Queue;
    const then = before[t.topologyKey];
    const now = after[t.topologyKey];
    if (then !== undefined && (now === undefined || then !== now)) return QueueingHint.Queue;
  }
  return QueueingHint.Skip;
}

export const newInterPodAffinity: PluginFactory = (args, handle) => new InterPodAffinity(handle, (args ?? {}) as InterPodAffinityArgs);
