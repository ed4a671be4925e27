// Helpers the workload controllers share (pkg/controller's controller_utils,
// controller_ref_manager and expectations; pod and int-or-percent utilities).
export { typed, type Typed } from './typed.js';
export { rfc3339, parseTime } from './time.js';
export { scaledValue, type IntOrString } from './intstr.js';
export { canonicalJson, computeHash, fnv32, fnv32a, goJson, safeEncodeString, utf8 } from './hash.js';
export { SLOW_START_INITIAL_BATCH_SIZE, slowStartBatch, type SlowStartResult } from './slow-start.js';
export { filterActivePods, isPodActive, isPodAvailable, isPodReady, isPodTerminal, podFromTemplate, podKey, podReadyCondition } from './pods.js';
export { POD_DELETION_COST_ANNOTATION, deleteBefore, podDeletionCost, sortPodsForDeletion } from './pod-ranking.js';
export { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS } from './expectations.js';
export {
  CONTROLLER_INDEX,
  ControllerRefManager,
  adoptPatch,
  claimCandidates,
  controlledBy,
  controllerIndexValues,
  controllerRefOf,
  indexByController,
  newControllerRef,
  recheckOwner,
  releasePatch,
  type LabelMatcher,
} from './controller-ref.js';
export { NAMESPACE_TERMINATING_CAUSE, errorMessage, hasStatusCause } from './errors.js';
/**
 * How often one busy object (a ReplicaSet whose 500 pods all change) is reconciled
 * at most: events in between are coalesced into the next sync.
 */
export const SYNC_COALESCE_MS = 50;
