// Node lifecycle: heartbeats, NotReady/unreachable taints, pods of lost nodes marked
// not Ready; and the node/pod helpers the taint eviction and pod GC controllers share.
export { newNodeLifecycleController, NODE_LEASE_NAMESPACE, POD_NODE_NAME_INDEX, type NodeLifecycleOptions } from './controller.js';
export {
  cloneForUpdate,
  getNodeCondition,
  getPodCondition,
  isNodeReady,
  nodeRef,
  NOT_READY_TAINT,
  parallelize,
  parseTime,
  rfc3339,
  SerialPass,
  swapNodeTaints,
  taintExists,
  taintMatches,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_OUT_OF_SERVICE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  UNREACHABLE_TAINT,
  updatePodCondition,
  zoneKey,
  type Mutable,
  type NodeObject,
  type PodObject,
} from './nodeutil.js';
export { computeZoneState, RateLimitedTimedQueue, TokenBucket, type ZoneState } from './ratelimit.js';
