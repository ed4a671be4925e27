// Public face of api/defaults: upstream's scheme defaulting (SetDefaults_* and
// the generated SetObjectDefaults_* walkers) for the built-in kinds, applied
// to objects in their v1 JSON form. Pure: no I/O imports.

import {
  defaultEndpoints,
  defaultLimitRange,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultPod,
  defaultPodTemplate,
  defaultReplicationController,
  defaultResourceQuota,
  defaultSecret,
} from './core.js';
import {
  defaultCSIDriver,
  defaultEndpointSlice,
  defaultIngressClass,
  defaultNetworkPolicy,
  defaultPriorityClass,
  defaultRoleBinding,
  defaultStorageClass,
} from './cluster.js';
import { ensureObj, objAt, objsAt, type Obj } from './util.js';
import { defaultCronJob, defaultDaemonSet, defaultDeployment, defaultJob, defaultReplicaSet, defaultStatefulSet } from './workloads.js';

export { imageTag } from './image.js';
export { generateJobSelector } from './workloads.js';
export { defaultPodSpec, defaultContainer, defaultVolume } from './core.js';

type Defaulter = (obj: Obj) => void;

/** Keyed by "group/Kind" ("" is the core group). */
const DEFAULTERS: ReadonlyMap<string, Defaulter> = new Map<string, Defaulter>([
  ['/Pod', defaultPod],
  ['/PodTemplate', defaultPodTemplate],
  ['/ReplicationController', defaultReplicationController],
  ['/Secret', defaultSecret],
  ['/PersistentVolume', defaultPersistentVolume],
  ['/PersistentVolumeClaim', defaultPersistentVolumeClaim],
  ['/Endpoints', defaultEndpoints],
  ['/LimitRange', defaultLimitRange],
  ['/ResourceQuota', defaultResourceQuota],
  ['/Node', defaultNode],
  ['apps/Deployment', defaultDeployment],
  ['apps/ReplicaSet', defaultReplicaSet],
  ['apps/StatefulSet', defaultStatefulSet],
  ['apps/DaemonSet', defaultDaemonSet],
  ['batch/Job', defaultJob],
  ['batch/CronJob', defaultCronJob],
  ['networking.k8s.io/NetworkPolicy', defaultNetworkPolicy],
  ['networking.k8s.io/IngressClass', defaultIngressClass],
  ['rbac.authorization.k8s.io/RoleBinding', defaultRoleBinding],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', defaultRoleBinding],
  ['storage.k8s.io/StorageClass', defaultStorageClass],
  ['storage.k8s.io/CSIDriver', defaultCSIDriver],
  ['scheduling.k8s.io/PriorityClass', defaultPriorityClass],
  ['discovery.k8s.io/EndpointSlice', defaultEndpointSlice],
]);

/**
 * Mutates `obj` the way upstream's scheme defaulting does for group/version/kind.
 * Kinds without defaults (and Service and Namespace, defaulted elsewhere) are
 * left untouched. Only v1 of each group is served, so the version is not consulted.
 */
export function applyDefaults(group: string, _version: string, kind: string, obj: Record<string, unknown>): void {
  DEFAULTERS.get(`${group}/${kind}`)?.(obj);
}

/** Whether applyDefaults changes objects of this kind at all. */
export function hasDefaults(group: string, kind: string): boolean {
  return DEFAULTERS.has(`${group}/${kind}`);
}

function nullTimestamp(template: Obj | undefined): void {
  if (!template) return;
  const metadata = ensureObj(template, 'metadata');
  if (!('creationTimestamp' in metadata)) metadata.creationTimestamp = null;
}

/**
 * Serialisation quirk of Kubernetes up to 1.33: an embedded ObjectMeta (pod
 * templates, job templates, PVC templates) always prints
 * `metadata: {creationTimestamp: null}` because metav1.Time is a struct that
 * omitempty does not drop (fixed by kubernetes#130989 in 1.34). Kept apart from
 * applyDefaults because it is not a default: callers decide whether stored
 * objects should carry it.
 */
export function addTemplateCreationTimestamps(group: string, kind: string, obj: Record<string, unknown>): void {
  const spec = objAt(obj, 'spec');
  switch (`${group}/${kind}`) {
    case '/PodTemplate':
      nullTimestamp(objAt(obj, 'template'));
      return;
    case '/ReplicationController':
      nullTimestamp(objAt(spec, 'template'));
      return;
    case 'apps/Deployment':
    case 'apps/ReplicaSet':
    case 'apps/DaemonSet':
    case 'batch/Job':
      nullTimestamp(objAt(spec, 'template'));
      return;
    case 'apps/StatefulSet':
      nullTimestamp(objAt(spec, 'template'));
      objsAt(spec, 'volumeClaimTemplates').forEach(nullTimestamp);
      return;
    case 'batch/CronJob': {
      const jobTemplate = objAt(spec, 'jobTemplate');
      nullTimestamp(jobTemplate);
      nullTimestamp(objAt(objAt(jobTemplate, 'spec'), 'template'));
      return;
    }
    default:
      return;
  }
}
