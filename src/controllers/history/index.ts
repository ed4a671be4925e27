// ControllerRevision history shared by the StatefulSet and DaemonSet controllers
// (pkg/controller/history): naming and hashing, ordering, equality, truncation, and
// the revisions of a parent read from and written to the API.
export { fnv32, goJson } from '../common/index.js';
export {
  CONTROLLER_REVISION_HASH_LABEL,
  POD_REVISION_LABEL,
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  hashControllerRevision,
  maxRevision,
  newControllerRevision,
  nextRevision,
  revisionsToTruncate,
  sortControllerRevisions,
} from './revision.js';
export { RevisionHistory, type CollisionCount } from './history.js';
