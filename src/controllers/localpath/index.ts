// Built-in local-path storage: the default StorageClass, its provisioner and the PV/PVC binder.
export {
  ANNOTATION_BIND_COMPLETED,
  ANNOTATION_BOUND_BY_CONTROLLER,
  ANNOTATION_DEFAULT_CLASS,
  ANNOTATION_CLEANUP,
  ANNOTATION_NODE_LOCAL_PATH,
  ANNOTATION_PROVISIONED_BY,
  ANNOTATION_SELECTED_NODE,
  DEFAULT_LOCAL_PATH_DIR,
  LOCAL_PATH_CLASS,
  LOCAL_PATH_PROVISIONER,
  LocalPathController,
  claimClassName,
  ensureLocalPathStorageClass,
  newLocalPathController,
  volumeFitsClaim,
  type LocalPathControllerOptions,
} from './controller.js';
