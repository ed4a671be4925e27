// NodeName: a pod that names a node (spec.nodeName) fits only that node.

import type { Node, Pod } from 'kubernetes-types/core/v1.js';
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
import { asNode } from '../helper/index.js';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

const REJECTED: Status = Object.freeze({ code: Code.UnschedulableAndUnresolvable, reasons: Object.freeze([ERR_REASON]) });

/** Fits: the pod names no node, or names this one. */
export function fits(pod: Pod, node: Node | undefined): boolean {
  const wanted = pod.spec?.nodeName;
  return !wanted || wanted === node?.metadata?.name;
}

export class NodeName implements FilterPlugin, EnqueueExtensions {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const wanted = pod.spec?.nodeName;
    // nodeInfo.name is the node's name; the Node object itself stays unread (a cache miss per node).
    return !wanted || (nodeInfo.node !== undefined && wanted === nodeInfo.name) ? SUCCESS : REJECTED;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [{ event: { resource: 'Node', action: 'Add' }, hint: isSchedulableAfterNodeAdd }];
  }
}

function isSchedulableAfterNodeAdd(pod: Pod, _oldObj: unknown, newObj: unknown): QueueingHint {
  return fits(pod, asNode(newObj)) ? QueueingHint.Queue : QueueingHint.Skip;
}

export const newNodeName: PluginFactory = () => new NodeName();
