// TaintToleration: NoSchedule/NoExecute taints a pod does not tolerate keep it off
// a node; nodes with fewer untolerated PreferNoSchedule taints score higher.

import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import {
  Code,
  MAX_NODE_SCORE,
  QueueingHint,
  SUCCESS,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type NodeInfo,
  type NodeScore,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  StateSlot,
} from '../../framework/types.js';
import {
  asNode,
  asPod,
  defaultNormalizeScore,
  findUntoleratedTaint,
  isDoNotScheduleTaint,
  missingState,
  tolerationsTolerateTaint,
} from '../helper/index.js';

export const NAME = 'TaintToleration';
const PRE_SCORE_STATE_KEY = 'PreScore' + NAME;

/** The Filter reason, naming the first untolerated taint. */
export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

function untoleratedOn(node: Node | undefined, pod: Pod) {
  return findUntoleratedTaint(node?.spec?.taints, pod.spec?.tolerations, isDoNotScheduleTaint);
}

/** Tolerations that can tolerate PreferNoSchedule: that effect, or any effect. */
function preferNoScheduleTolerations(tolerations: readonly Toleration[] | undefined): Toleration[] {
  return (tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, EnqueueExtensions {
  readonly name = NAME;

  private readonly preScoreState = new StateSlot<Toleration[]>(PRE_SCORE_STATE_KEY);

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const taints = nodeInfo.taints;
    if (taints.length === 0) return SUCCESS;
    const taint = findUntoleratedTaint(taints, pod.spec?.tolerations, isDoNotScheduleTaint);
    if (!taint) return SUCCESS;
    return { code: Code.UnschedulableAndUnresolvable, reasons: [untoleratedTaintReason(taint.key, taint.value)] };
  }

  preScore(state: CycleState, pod: Pod): Status {
    this.preScoreState.write(state, preferNoScheduleTolerations(pod.spec?.tolerations));
    return SUCCESS;
  }

  /** The number of PreferNoSchedule taints the pod does not tolerate (fewer is better). */
  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const tolerations = this.preScoreState.read(state);
    if (tolerations === undefined) return missingState(PRE_SCORE_STATE_KEY);
    const taints = nodeInfo.taints;
    if (taints.length === 0) return 0;
    let intolerable = 0;
    for (const taint of taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) intolerable++;
    }
    return intolerable;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    return defaultNormalizeScore(MAX_NODE_SCORE, true, scores) ?? SUCCESS;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', action: 'Add' }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Node', action: 'UpdateNodeTaint' }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Pod', action: 'UpdatePodTolerations' }, hint: isSchedulableAfterPodTolerationChange },
    ];
  }
}

/** Queue when the node went from having an untolerated taint to having none. */
function isSchedulableAfterNodeChange(pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  const original = asNode(oldObj);
  const modified = asNode(newObj);
  if (!modified) return QueueingHint.Skip;
  const wasUntolerated = original ? untoleratedOn(original, pod) !== undefined : true;
  const isUntolerated = untoleratedOn(modified, pod) !== undefined;
  return wasUntolerated && !isUntolerated ? QueueingHint.Queue : QueueingHint.Skip;
}

/** Queue when the rejected pod itself got new tolerations. */
function isSchedulableAfterPodTolerationChange(pod: Pod, _oldObj: unknown, newObj: unknown): QueueingHint {
  const modified = asPod(newObj);
  return modified && modified.metadata?.uid === pod.metadata?.uid ? QueueingHint.Queue : QueueingHint.Skip;
}

export const newTaintToleration: PluginFactory = () => new TaintToleration();
