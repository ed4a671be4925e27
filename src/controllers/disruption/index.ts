// The disruption controller: PodDisruptionBudget status.
export { DISRUPTION_TARGET_CONDITION, DisruptionController, STALE_POD_DISRUPTION_TIMEOUT_MS, newDisruptionController, type DisruptionControllerOptions } from './controller.js';
export {
  DELETION_TIMEOUT_MS,
  DISRUPTION_ALLOWED_CONDITION,
  INSUFFICIENT_PODS_REASON,
  SUFFICIENT_PODS_REASON,
  SYNC_FAILED_REASON,
  conditionsAreUpToDate,
  countHealthyPods,
  disruptedPodMap,
  expectedPodCount,
  failSafeStatus,
  nextStatus,
  pdbSelector,
  setStatusCondition,
  withDisruptionAllowedCondition,
  type ControllerScale,
  type ExpectedCount,
} from './status.js';
