// NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint.

import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import {
  Code,
  QueueingHint,
  SUCCESS,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type NodeInfo,
  type PluginFactory,
  type Status,
} from '../../framework/types.js';
import { TAINT_NODE_UNSCHEDULABLE, asNode, asPod, tolerationsTolerateTaint } from '../helper/index.js';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT: Taint = Object.freeze({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
const REJECTED: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON_UNSCHEDULABLE]) });
const UNKNOWN: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON_UNKNOWN_CONDITION]) });

function toleratesUnschedulable(pod: Pod): boolean {
  return tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT);
}

export class NodeUnschedulable implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    // A comparison, not a truthiness test: that would read the Node object, a cache miss per node.
    if (nodeInfo.node === undefined) return UNKNOWN;
    if (!nodeInfo.unschedulable) return SUCCESS;
    return toleratesUnschedulable(pod) ? SUCCESS : REJECTED;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [
      { event: { resource: 'Node', action: 'Add' }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Node', action: 'UpdateNodeTaint' }, hint: isSchedulableAfterNodeChange },
      { event: { resource: 'Pod', action: 'UpdatePodTolerations' }, hint: isSchedulableAfterPodTolerationChange },
    ];
  }
}

/** Queue when a node appears schedulable, or stops being unschedulable. */
function isSchedulableAfterNodeChange(_pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint {
  const original: Node | undefined = asNode(oldObj);
  const modified = asNode(newObj);
  if (!modified || modified.spec?.unschedulable) return QueueingHint.Skip;
  return !original || original.spec?.unschedulable ? QueueingHint.Queue : QueueingHint.Skip;
}

/** Queue when the rejected pod itself now tolerates the unschedulable taint. */
function isSchedulableAfterPodTolerationChange(pod: Pod, _oldObj: unknown, newObj: unknown): QueueingHint {
  const modified = asPod(newObj);
  if (modified && modified.metadata?.uid === pod.metadata?.uid && toleratesUnschedulable(modified)) return QueueingHint.Queue;
  return QueueingHint.Skip;
}

export const newNodeUnschedulable: PluginFactory = () => new NodeUnschedulable();
