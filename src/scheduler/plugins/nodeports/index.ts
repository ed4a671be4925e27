// NodePorts: a pod's host ports must be free on the node (0.0.0.0 clashes with
// every address). Pods without host ports skip the plugin.

import type { Pod } from 'kubernetes-types/core/v1.js';
import { hostPortsOf, portConflicts } from '../../framework/nodeinfo.js';
import {
  Code,
  QueueingHint,
  SKIP,
  SUCCESS,
  type ClusterEventWithHint,
  type CycleState,
  type EnqueueExtensions,
  type FilterPlugin,
  type HostPortInfo,
  type NodeInfo,
  type PluginFactory,
  type PreFilterPlugin,
  type Status,
} from '../../framework/types.js';
import { asPod, isStatus, readState } from '../helper/index.js';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";
const PRE_FILTER_STATE_KEY = 'PreFilter' + NAME;

const REJECTED: Status = Object.freeze({ code: Code.Unschedulable, reasons: Object.freeze([ERR_REASON]) });

/** fitsPorts: none of the wanted ports conflicts with the used ones. */
export function fitsPorts(want: readonly HostPortInfo[], used: readonly HostPortInfo[]): boolean {
  if (used.length === 0) return true;
  for (const p of want) if (portConflicts(used, p)) return false;
  return true;
}

export class NodePorts implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {
  readonly name = NAME;

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const ports = hostPortsOf(pod);
    if (ports.length === 0) return { status: SKIP };
    state.write(PRE_FILTER_STATE_KEY, ports);
    return { status: SUCCESS };
  }

  preFilterExtensions(): undefined {
    return undefined;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const want = readState<HostPortInfo[]>(state, PRE_FILTER_STATE_KEY);
    if (isStatus(want)) return want;
    return fitsPorts(want, nodeInfo.usedPorts) ? SUCCESS : REJECTED;
  }

  eventsToRegister(): readonly ClusterEventWithHint[] {
    return [
      // Container ports are immutable: only a deletion frees ports.
      { event: { resource: 'Pod', action: 'Delete' }, hint: isSchedulableAfterPodDeleted },
      { event: { resource: 'Node', action: 'Add' } },
    ];
  }
}

/** Queue when the deleted pod was placed and held a port this pod wants. */
function isSchedulableAfterPodDeleted(pod: Pod, oldObj: unknown): QueueingHint {
  const deleted = asPod(oldObj);
  if (!deleted) return QueueingHint.Queue;
  if (!deleted.spec?.nodeName && !deleted.status?.nominatedNodeName) return QueueingHint.Skip;
  const freed = hostPortsOf(deleted);
  if (freed.length === 0) return QueueingHint.Skip;
  return fitsPorts(hostPortsOf(pod), freed) ? QueueingHint.Skip : QueueingHint.Queue;
}

export const newNodePorts: PluginFactory = () => new NodePorts();
