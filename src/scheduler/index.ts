// Public face of the scheduler: the kube-scheduler controller and its parts.

import type { Controller, ControllerContext, NamedControllerFactory } from '../controllers/index.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export { Scheduler, defaultRegistry, nodeUpdateEvents, type SchedulerOptions } from './scheduler.js';
export { SchedulerCache, Snapshot, NodeTree } from './cache.js';
export { SchedulingQueue, Nominator, Events, eventMatches, prioritySortLess, type QueuedPodInfo, type NominatingInfo } from './queue.js';
export {
  Framework,
  FitError,
  NoNodesAvailableError,
  PluginError,
  DEFAULT_SCHEDULER_NAME,
  fitErrorMessage,
  numFeasibleNodesToFind,
  type Profile,
  type Registry,
  type SchedulerServices,
} from './framework/runtime.js';
export { defaultProfile, inTreeRegistry } from './plugins/index.js';
export { CycleState, Code, type Status, type NodeInfo, type PodInfo } from './framework/types.js';
export { newPodInfo, MutableNodeInfo } from './framework/nodeinfo.js';

/** kube-scheduler as a controller named "scheduler" (ControllerFactory-compatible). */
export function newScheduler(ctx: ControllerContext, options: SchedulerOptions = {}): Controller {
  return new Scheduler(ctx, options);
}

/** kube-scheduler with the default profile, as a component `skiff server` runs (on its thread or one of its own). */
export function schedulerComponent(): NamedControllerFactory {
  return { name: 'scheduler', factory: (ctx) => newScheduler(ctx) };
}
