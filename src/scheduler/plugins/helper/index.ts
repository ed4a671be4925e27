// Shared pieces of the in-tree plugins, as upstream keeps them in plugins/helper and
// component-helpers/scheduling: score normalization, taints and tolerations, node
// selectors (required node affinity, preferred terms), fast label matching, and the
// cycle-state plumbing. Pure: no I/O.

import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm, Taint } from 'kubernetes-types/core/v1.js';
import { labels } from '../../../machinery/index.js';
import { Code, status, type CycleState, type NodeScore, type Status } from '../../framework/types.js';

export type Labels = labels.Labels;
export type LabelSelector = labels.LabelSelector;

export const EMPTY_LABELS: Labels = Object.freeze({});

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export function podLabels(pod: Pod): Labels {
  return pod.metadata?.labels ?? EMPTY_LABELS;
}

export function nodeLabels(node: Node | undefined): Labels {
  return node?.metadata?.labels ?? EMPTY_LABELS;
}

/** corev1helpers.PodPriority: spec.priority, 0 when unset. */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** Selector.Matches without the closure LabelSelector.matches allocates per call. */
export function selectorMatches(selector: LabelSelector, set: Labels): boolean {
  if (!selector.selectable) return false;
  const reqs = selector.requirements;
  for (let i = 0; i < reqs.length; i++) {
    if (!labels.requirementMatches(reqs[i] as labels.Requirement, set)) return false;
  }
  return true;
}

/** The Error status upstream returns when a plugin's PreFilter/PreScore state is missing. */
export function missingState(key: string): Status {
  return status(Code.Error, `reading ${JSON.stringify(key)} from cycleState: not found`);
}

/** Reads a plugin's state, or the Error status upstream returns when it is missing. */
export function readState<T>(state: CycleState, key: string): T | Status {
  const value = state.read<T>(key);
  return value === undefined ? missingState(key) : value;
}

export function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && 'code' in value && 'reasons' in value && Array.isArray((value as Status).reasons);
}

// ---- scores ----------------------------------------------------------------------

/**
 * helper.DefaultNormalizeScore: scales scores so the highest becomes maxPriority
 * (integer division, as upstream), reversed when asked; all zero stays zero (or
 * becomes maxPriority when reversed).
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: NodeScore[]): Status | undefined {
  let maxCount = 0;
  for (const s of scores) if (s.score > maxCount) maxCount = s.score;
  if (maxCount === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return undefined;
  }
  for (const s of scores) {
    let score = Math.trunc((maxPriority * s.score) / maxCount);
    if (reverse) score = maxPriority - score;
    s.score = score;
  }
  return undefined;
}

// ---- taints and tolerations -------------------------------------------------------------

export { findUntoleratedTaint, toleratesTaint, tolerationsTolerateTaint } from '../../../api/scheduling.js';

/** helper.DoNotScheduleTaintsFilterFunc: NoSchedule and NoExecute taints keep pods off a node. */
export function isDoNotScheduleTaint(taint: Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}

// ---- node selectors (component-helpers/scheduling/corev1/nodeaffinity) --------------------

const NODE_SELECTOR_OPERATORS: ReadonlyMap<string, labels.Operator> = new Map<string, labels.Operator>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
  ['Gt', 'gt'],
  ['Lt', 'lt'],
]);

const OBJECT_NAME_FIELD = 'metadata.name';

interface FieldRequirement {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
}

/** One parsed NodeSelectorTerm; a term that failed to parse matches nothing and carries its errors. */
class ParsedNodeSelectorTerm {
  constructor(
    readonly matchLabels: LabelSelector | undefined,
    readonly matchFields: readonly FieldRequirement[] | undefined,
    readonly errors: readonly string[],
  ) {}

  static parse(term: NodeSelectorTerm): ParsedNodeSelectorTerm {
    const errors: string[] = [];
    let matchLabels: LabelSelector | undefined;
    let matchFields: FieldRequirement[] | undefined;
    if (term.matchExpressions && term.matchExpressions.length > 0) {
      const reqs: labels.Requirement[] = [];
      for (const expr of term.matchExpressions) {
        const req = labelRequirement(expr);
        if (typeof req === 'string') errors.push(req);
        else reqs.push(req);
      }
      matchLabels = labels.LabelSelector.of(reqs);
    }
    if (term.matchFields && term.matchFields.length > 0) {
      matchFields = [];
      for (const expr of term.matchFields) {
        const values = expr.values ?? [];
        if (expr.operator !== 'In' && expr.operator !== 'NotIn') {
          errors.push(`matchFields.operator: Unsupported value: "${expr.operator}": supported values: "In", "NotIn"`);
        } else if (values.length !== 1) {
          errors.push('matchFields.values: Invalid value: must have one element');
        } else {
          matchFields.push({ key: expr.key, equal: expr.operator === 'In', value: values[0] as string });
        }
      }
    }
    return new ParsedNodeSelectorTerm(matchLabels, matchFields, errors);
  }

  matches(node: Node): boolean {
    if (this.errors.length > 0) return false;
    if (this.matchLabels && !selectorMatches(this.matchLabels, nodeLabels(node))) return false;
    const name = node.metadata?.name ?? '';
    if (this.matchFields && name !== '') {
      for (const f of this.matchFields) {
        const actual = f.key === OBJECT_NAME_FIELD ? name : '';
        if ((actual === f.value) !== f.equal) return false;
      }
    }
    return true;
  }
}

function labelRequirement(expr: NodeSelectorRequirement): labels.Requirement | string {
  const operator = NODE_SELECTOR_OPERATORS.get(expr.operator);
  if (operator === undefined) {
    return `matchExpressions.operator: Unsupported value: "${expr.operator}": supported values: "DoesNotExist", "Exists", "Gt", "In", "Lt", "NotIn"`;
  }
  const req = labels.newRequirement(expr.key, operator, expr.values ?? []);
  return 'error' in req ? req.error : req;
}

function isEmptyTerm(term: NodeSelectorTerm): boolean {
  return (term.matchExpressions?.length ?? 0) === 0 && (term.matchFields?.length ?? 0) === 0;
}

/** LazyErrorNodeSelector: terms are ORed; empty terms select nothing; a bad term fails alone. */
export class NodeSelectorMatcher {
  private readonly terms: readonly ParsedNodeSelectorTerm[];

  constructor(selector: NodeSelector) {
    this.terms = (selector.nodeSelectorTerms ?? []).filter((t) => !isEmptyTerm(t)).map((t) => ParsedNodeSelectorTerm.parse(t));
  }

  matches(node: Node | undefined): boolean {
    if (!node) return false;
    for (const term of this.terms) if (term.matches(node)) return true;
    return false;
  }

  /** Parse errors of all terms (upstream reports them lazily, only when nothing matched). */
  errors(): string[] {
    return this.terms.flatMap((t) => t.errors);
  }
}

/** RequiredNodeAffinity: spec.nodeSelector AND the required node affinity terms. */
export class RequiredNodeAffinity {
  private constructor(
    private readonly nodeSelector: LabelSelector | undefined,
    private readonly affinity: NodeSelectorMatcher | undefined,
  ) {}

  static of(pod: Pod): RequiredNodeAffinity {
    const spec = pod.spec;
    const set = spec?.nodeSelector;
    const nodeSelector = set && Object.keys(set).length > 0 ? labels.selectorFromSet(set) : undefined;
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    return new RequiredNodeAffinity(nodeSelector, required ? new NodeSelectorMatcher(required) : undefined);
  }

  /** True when the pod restricts nodes at all. */
  get restricts(): boolean {
    return this.nodeSelector !== undefined || this.affinity !== undefined;
  }

  matches(node: Node | undefined): boolean {
    if (!node) return false;
    if (this.nodeSelector && !selectorMatches(this.nodeSelector, nodeLabels(node))) return false;
    return this.affinity ? this.affinity.matches(node) : true;
  }
}

const requiredAffinityCache = new WeakMap<Pod, RequiredNodeAffinity>();

/** GetRequiredNodeAffinity, computed once per pod object. */
export function requiredNodeAffinityOf(pod: Pod): RequiredNodeAffinity {
  let found = requiredAffinityCache.get(pod);
  if (!found) {
    found = RequiredNodeAffinity.of(pod);
    requiredAffinityCache.set(pod, found);
  }
  return found;
}

/** PreferredSchedulingTerms: the sum of the weights of the terms a node matches. */
export class PreferredSchedulingTerms {
  private constructor(private readonly terms: readonly { term: ParsedNodeSelectorTerm; weight: number }[]) {}

  /** Parses the terms; any parse error fails the whole list, as upstream's NewPreferredSchedulingTerms. */
  static parse(terms: readonly PreferredSchedulingTerm[]): PreferredSchedulingTerms | { error: string } {
    const parsed: { term: ParsedNodeSelectorTerm; weight: number }[] = [];
    const errors: string[] = [];
    for (const t of terms) {
      if (!t.weight || isEmptyTerm(t.preference)) continue;
      const term = ParsedNodeSelectorTerm.parse(t.preference);
      if (term.errors.length > 0) errors.push(...term.errors);
      else parsed.push({ term, weight: t.weight });
    }
    return errors.length > 0 ? { error: errors.join(', ') } : new PreferredSchedulingTerms(parsed);
  }

  score(node: Node): number {
    let score = 0;
    for (const { term, weight } of this.terms) if (term.matches(node)) score += weight;
    return score;
  }
}

// ---- cluster events -------------------------------------------------------------------

/** Narrows a queueing hint's untyped old/new objects. */
export function asPod(obj: unknown): Pod | undefined {
  return obj && typeof obj === 'object' ? (obj as Pod) : undefined;
}

export function asNode(obj: unknown): Node | undefined {
  return obj && typeof obj === 'object' ? (obj as Node) : undefined;
}
