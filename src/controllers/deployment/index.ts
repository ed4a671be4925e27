// The Deployment controller.
export { DeploymentController, newDeploymentController } from './controller.js';
export {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  ROLLBACK_TO_ANNOTATION,
  equalIgnoreHash,
  lastRevision,
  maxSurge,
  maxUnavailable,
  resolveFenceposts,
  revisionOf,
} from './util.js';
