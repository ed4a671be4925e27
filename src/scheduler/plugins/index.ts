// The in-tree plugins and kube-scheduler's v1 default profile. The runtime adds the
// plugins that need I/O (DefaultPreemption, DefaultBinder) to the registry, and the
// listers some plugins take through their args (PodTopologySpread.defaultSelector,
// InterPodAffinity.namespaceLabels).

import type { PluginFactory } from '../framework/types.js';
import { NAME as INTER_POD_AFFINITY, newInterPodAffinity } from './interpodaffinity/index.js';
import { NAME as NODE_AFFINITY, newNodeAffinity } from './nodeaffinity/index.js';
import { NAME as NODE_NAME, newNodeName } from './nodename/index.js';
import { NAME as NODE_PORTS, newNodePorts } from './nodeports/index.js';
import { BALANCED_ALLOCATION_NAME, FIT_NAME, newNodeResourcesBalancedAllocation, newNodeResourcesFit } from './noderesources/index.js';
import { NAME as NODE_UNSCHEDULABLE, newNodeUnschedulable } from './nodeunschedulable/index.js';
import { NAME as POD_TOPOLOGY_SPREAD, newPodTopologySpread } from './podtopologyspread/index.js';
import { NAME as PRIORITY_SORT, newPrioritySort } from './queuesort/index.js';
import { NAME as TAINT_TOLERATION, newTaintToleration } from './tainttoleration/index.js';
import { NAME as VOLUME_BINDING, newVolumeBinding } from './volumebinding/index.js';

export * as interpodaffinity from './interpodaffinity/index.js';
export * as nodeaffinity from './nodeaffinity/index.js';
export * as nodename from './nodename/index.js';
export * as nodeports from './nodeports/index.js';
export * as noderesources from './noderesources/index.js';
export * as nodeunschedulable from './nodeunschedulable/index.js';
export * as podtopologyspread from './podtopologyspread/index.js';
export * as queuesort from './queuesort/index.js';
export * as tainttoleration from './tainttoleration/index.js';
export * as volumebinding from './volumebinding/index.js';
export * as helper from './helper/index.js';

export { isQueueSort, prioritySortCompare, prioritySortLess, type QueueSortPlugin, type QueuedPodInfoLike } from './queuesort/index.js';
export { defaultSelector, type DefaultSelectorSources, type PodTopologySpreadArgs } from './podtopologyspread/index.js';
export type { InterPodAffinityArgs, NamespaceLabels } from './interpodaffinity/index.js';
export type { NodeResourcesFitArgs, NodeResourcesBalancedAllocationArgs } from './noderesources/index.js';
export type { NodeAffinityArgs } from './nodeaffinity/index.js';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const DEFAULT_BINDER = 'DefaultBinder';

/** Factories of the pure in-tree plugins, by upstream name. */
export const inTreeRegistry: Record<string, PluginFactory> = {
  [PRIORITY_SORT]: newPrioritySort,
  [NODE_UNSCHEDULABLE]: newNodeUnschedulable,
  [NODE_NAME]: newNodeName,
  [TAINT_TOLERATION]: newTaintToleration,
  [NODE_AFFINITY]: newNodeAffinity,
  [NODE_PORTS]: newNodePorts,
  [FIT_NAME]: newNodeResourcesFit,
  [POD_TOPOLOGY_SPREAD]: newPodTopologySpread,
  [INTER_POD_AFFINITY]: newInterPodAffinity,
  [BALANCED_ALLOCATION_NAME]: newNodeResourcesBalancedAllocation,
  [VOLUME_BINDING]: newVolumeBinding,
};

export interface ProfilePlugin {
  readonly name: string;
  /** Score weight; only meaningful for Score plugins. */
  readonly weight?: number;
}

export interface Profile {
  readonly schedulerName: string;
  /** Enabled plugins in upstream's multiPoint order (which is also their order at each extension point). */
  readonly plugins: readonly ProfilePlugin[];
  /** Per-plugin args, by plugin name (defaults when absent). */
  readonly pluginConfig?: Readonly<Record<string, unknown>>;
}

/**
 * kube-scheduler's v1 default profile, minus the volume plugins other than
 * VolumeBinding, ImageLocality and SchedulingGates (no image states here). DefaultPreemption and
 * DefaultBinder keep their places; their factories come from the runtime.
 */
export const defaultProfile: Profile = Object.freeze({
  schedulerName: 'default-scheduler',
  plugins: Object.freeze([
    { name: PRIORITY_SORT },
    { name: NODE_UNSCHEDULABLE },
    { name: NODE_NAME },
    { name: TAINT_TOLERATION, weight: 3 },
    { name: NODE_AFFINITY, weight: 2 },
    { name: NODE_PORTS },
    { name: FIT_NAME, weight: 1 },
    { name: VOLUME_BINDING },
    { name: POD_TOPOLOGY_SPREAD, weight: 2 },
    { name: INTER_POD_AFFINITY, weight: 2 },
    { name: DEFAULT_PREEMPTION },
    { name: BALANCED_ALLOCATION_NAME, weight: 1 },
    { name: DEFAULT_BINDER },
  ]),
});
