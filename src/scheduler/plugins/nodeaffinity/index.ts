// NodeAffinity: spec.nodeSelector and required node affinity filter nodes; preferred
// node affinity terms score them. A pod pinned to node names through metadata.name
// match fields narrows the candidate nodes already in PreFilter.

import type { NodeAffinity as NodeAffinitySpec, Pod } from 'kubernetes-types/core/v1.js';
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
  type NodeInfo,
  type NodeScore,
  type PluginFactory,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from '../../framework/types.js';
import {
  NodeSelectorMatcher,
  PreferredSchedulingTerms,
  RequiredNodeAffinity,
  asNode,
  defaultNormalizeScore,
  isStatus,
  readState,
  requiredNodeAffinityOf,
} from '../helper/index.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

/** NodeAffinityArgs: node affinity the scheduler adds to every pod of the profile. */
export interface NodeAffinityArgs {
  readonly addedAffinity?: NodeAffinitySpec;
}

const REJECTED_POD: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON_POD]) });
const REJECTED_ENFORCED: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON_ENFORCED]) });

/**
 * The node names the required terms pin the pod to: each term's metadata.name In
 * fields intersected, the terms unioned. Undefined when some term does not pin names.
 */
function nodeNamesFromTerms(pod: Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  let union: Set<string> | undefined;
  for (const term of terms) {
    let termNames: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const values = new Set(r.values ?? []);
      termNames = termNames ? new Set([...termNames].filter((n) => values.has(n))) : values;
    }
    // A term without name fields admits every node: the terms are ORed.
    if (!termNames) return undefined;
    union ??= new Set();
    for (const n of termNames) union.add(n);
  }
  return union;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;
  private readonly addedNodeSelector: NodeSelectorMatcher | undefined;
  private readonly addedPreferred: PreferredSchedulingTerms | undefined;

  constructor(args: NodeAffinityArgs = {}) {
    const required = args.addedAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    this.addedNodeSelector = required ? new NodeSelectorMatcher(required) : undefined;
    const preferred = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (preferred && preferred.length > 0) {
      const parsed = PreferredSchedulingTerms.parse(preferred);
      if ('error' in parsed) throw new Error(`parsing addedAffinity.preferredDuringSchedulingIgnoredDuringExecution: ${parsed.error}`);
      this.addedPreferred = parsed;
    }
  }

  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && !this.addedNodeSelector && !pod.spec?.nodeSelector) return { status: SKIP };
    state.write(PRE_FILTER_STATE_KEY, requiredNodeAffinityOf(pod));
    const nodeNames = nodeNamesFromTerms(pod);
    if (nodeNames === undefined) return { status: SUCCESS };
    // Every term pins names, but no name survives: nothing can match.
    if (nodeNames.size === 0) return { status: status(Code.UnschedulableAndUnresolvable, ERR_REASON_CONFLICT) };
    return { result: { nodeNames }, status: SUCCESS };
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (this.addedNodeSelector && !this.addedNodeSelector.matches(node)) return REJECTED_ENFORCED;
    // Without PreFilter state (PreFilter disabled), compute it here as upstream does.
    const required = state.read<RequiredNodeAffinity>(PRE_FILTER_STATE_KEY) ?? requiredNodeAffinityOf(pod);
    return required.matches(node) ? SUCCESS : REJECTED_POD;
  }

  preScore(state: CycleState, pod: Pod): Status {
    const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    let parsed: PreferredSchedulingTerms | undefined;
    if (preferred) {
      const result = PreferredSchedulingTerms.parse(preferred);
      if ('error' in result) return status(Code.Error, result.error);
      parsed = result;
    }
    if (!parsed && !this.addedPreferred) return SKIP;
    state.write(PRE_SCORE_STATE_KEY, { preferred: parsed });
    return SUCCESS;
  }

  /** The sum of the weights of the preferred terms (pod's and added) the node matches. */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const node = nodeInfo.node;
    if (!node) return 0;
    const s = readState<{ preferred?: PreferredSchedulingTerms }>(state, PRE_SCORE_STATE_KEY);
    if (isStatus(s)) return s;
    let count = this.addedPreferred ? this.addedPreferred.score(node) : 0;
    if (s.preferred) count += s.preferred.score(node);
    return count;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    return defaultNormalizeScore(MAX_NODE_SCORE, false, scores) ?? SUCCESS;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    const hint = (pod: Pod, oldObj: unknown, newObj: unknown) => this.isSchedulableAfterNodeChange(pod, oldObj, newObj);
    return [
      { event: { resource: 'Node', action: 'Add' }, hint },
      { event: { resource: 'Node', action: 'UpdateNodeLabel' }, hint },
    ];
  }

  /** Queue when a node now matches the pod's required affinity and did not before (or is new). */
  private isSchedulableAfterNodeChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
    const original = asNode(oldObj);
    const modified = asNode(newObj);
    if (!modified) return QueueingHint.Skip;
    if (this.addedNodeSelector && !this.addedNodeSelector.matches(modified)) return QueueingHint.Skip;
    const required = requiredNodeAffinityOf(pod);
    if (!required.matches(modified)) return QueueingHint.Skip;
    if (!original) return QueueingHint.Queue;
    return required.matches(original) ? QueueingHint.Skip : QueueingHint.Queue;
  }
}

export const newNodeAffinity: PluginFactory = (args) => new NodeAffinity((args ?? {}) as NodeAffinityArgs);
