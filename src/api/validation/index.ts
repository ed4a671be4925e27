// Public face of api/validation: upstream's per-kind validation (the spec
// part of Validate<Kind> / Validate<Kind>Update and the immutability checks
// the registry strategies add) for objects in their v1 JSON form. ObjectMeta
// is left to the registry's generic check. Pure: no I/O imports.

import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateClusterRoleBindingUpdate,
  validateCSIDriver,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validateLease,
  validateNetworkPolicy,
  validatePodDisruptionBudget,
  validatePriorityClass,
  validatePriorityClassUpdate,
  validateRole,
  validateRoleBinding,
  validateRoleBindingUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './cluster.js';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateEndpoints,
  validateLimitRange,
  validateNode,
  validateNodeUpdate,
  validateResourceQuota,
  validateResourceQuotaUpdate,
  validateSecret,
  validateSecretUpdate,
} from './core-other.js';
import { validatePod, validatePodTemplate, validatePodUpdate } from './pod.js';
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeUpdate,
} from './storage-core.js';
import type { FieldError, Obj } from './util.js';
import {
  validateCronJob,
  validateCronJobUpdate,
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentUpdate,
  validateJob,
  validateJobUpdate,
  validateReplicaSet,
  validateReplicaSetUpdate,
  validateReplicationController,
  validateStatefulSet,
  validateStatefulSetUpdate,
} from './workloads.js';

export { cronScheduleError } from './cron.js';
export { validatePodSpec, validatePodTemplateSpec } from './pod.js';

type Validator = (obj: Obj) => FieldError[];
type UpdateValidator = (obj: Obj, old: Obj) => FieldError[];

interface KindValidation {
  readonly create: Validator;
  /** Full update validation; defaults to running `create` on the new object. */
  readonly update?: UpdateValidator;
}

/** Keyed by "group/Kind" ("" is the core group). */
const VALIDATORS: ReadonlyMap<string, KindValidation> = new Map<string, KindValidation>([
  ['/Pod', { create: validatePod, update: validatePodUpdate }],
  ['/PodTemplate', { create: validatePodTemplate }],
  ['/ReplicationController', { create: validateReplicationController }],
  ['/ConfigMap', { create: validateConfigMap, update: validateConfigMapUpdate }],
  ['/Secret', { create: validateSecret, update: validateSecretUpdate }],
  ['/Node', { create: validateNode, update: validateNodeUpdate }],
  ['/Endpoints', { create: validateEndpoints }],
  ['/LimitRange', { create: validateLimitRange }],
  ['/ResourceQuota', { create: validateResourceQuota, update: validateResourceQuotaUpdate }],
  ['/PersistentVolume', { create: validatePersistentVolume, update: validatePersistentVolumeUpdate }],
  ['/PersistentVolumeClaim', { create: validatePersistentVolumeClaim, update: validatePersistentVolumeClaimUpdate }],
  ['apps/Deployment', { create: validateDeployment, update: validateDeploymentUpdate }],
  ['apps/ReplicaSet', { create: validateReplicaSet, update: validateReplicaSetUpdate }],
  ['apps/StatefulSet', { create: validateStatefulSet, update: validateStatefulSetUpdate }],
  ['apps/DaemonSet', { create: validateDaemonSet, update: validateDaemonSetUpdate }],
  ['batch/Job', { create: validateJob, update: validateJobUpdate }],
  ['batch/CronJob', { create: validateCronJob, update: validateCronJobUpdate }],
  ['networking.k8s.io/Ingress', { create: validateIngress }],
  ['networking.k8s.io/IngressClass', { create: validateIngressClass, update: validateIngressClassUpdate }],
  ['networking.k8s.io/NetworkPolicy', { create: validateNetworkPolicy }],
  ['policy/PodDisruptionBudget', { create: validatePodDisruptionBudget }],
  ['scheduling.k8s.io/PriorityClass', { create: validatePriorityClass, update: validatePriorityClassUpdate }],
  ['storage.k8s.io/StorageClass', { create: validateStorageClass, update: validateStorageClassUpdate }],
  ['storage.k8s.io/CSIDriver', { create: validateCSIDriver }],
  ['rbac.authorization.k8s.io/Role', { create: validateRole }],
  ['rbac.authorization.k8s.io/ClusterRole', { create: validateClusterRole }],
  ['rbac.authorization.k8s.io/RoleBinding', { create: validateRoleBinding, update: validateRoleBindingUpdate }],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', { create: validateClusterRoleBinding, update: validateClusterRoleBindingUpdate }],
  ['coordination.k8s.io/Lease', { create: validateLease }],
  ['discovery.k8s.io/EndpointSlice', { create: validateEndpointSlice, update: validateEndpointSliceUpdate }],
]);

/**
 * Create-time validation of a defaulted object, with upstream's field paths
 * and messages. Unknown kinds (and Namespace and Service, validated elsewhere)
 * yield no errors. ObjectMeta is not checked here.
 */
export function validate(group: string, _version: string, kind: string, obj: Record<string, unknown>): FieldError[] {
  return VALIDATORS.get(`${group}/${kind}`)?.create(obj) ?? [];
}

/** Update validation: the new object's own validity plus what may not change from `old`. */
export function validateUpdate(group: string, _version: string, kind: string, obj: Record<string, unknown>, old: Record<string, unknown>): FieldError[] {
  const entry = VALIDATORS.get(`${group}/${kind}`);
  if (!entry) return [];
  return entry.update ? entry.update(obj, old) : entry.create(obj);
}

/** Whether validate/validateUpdate know this kind. */
export function hasValidation(group: string, kind: string): boolean {
  return VALIDATORS.has(`${group}/${kind}`);
}
