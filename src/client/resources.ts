// ResourceTypes of the built-in kinds controllers use, by name.

import type { ResourceType } from './types.js';

const t = (group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType => ({ group, version, kind, plural, namespaced });

export const Resources = {
  pods: t('', 'v1', 'Pod', 'pods'),
  nodes: t('', 'v1', 'Node', 'nodes', false),
  namespaces: t('', 'v1', 'Namespace', 'namespaces', false),
  services: t('', 'v1', 'Service', 'services'),
  endpoints: t('', 'v1', 'Endpoints', 'endpoints'),
  events: t('', 'v1', 'Event', 'events'),
  configmaps: t('', 'v1', 'ConfigMap', 'configmaps'),
  secrets: t('', 'v1', 'Secret', 'secrets'),
  serviceaccounts: t('', 'v1', 'ServiceAccount', 'serviceaccounts'),
  persistentvolumeclaims: t('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  persistentvolumes: t('', 'v1', 'PersistentVolume', 'persistentvolumes', false),
  resourcequotas: t('', 'v1', 'ResourceQuota', 'resourcequotas'),
  limitranges: t('', 'v1', 'LimitRange', 'limitranges'),
  replicationcontrollers: t('', 'v1', 'ReplicationController', 'replicationcontrollers'),
  deployments: t('apps', 'v1', 'Deployment', 'deployments'),
  replicasets: t('apps', 'v1', 'ReplicaSet', 'replicasets'),
  statefulsets: t('apps', 'v1', 'StatefulSet', 'statefulsets'),
  daemonsets: t('apps', 'v1', 'DaemonSet', 'daemonsets'),
  controllerrevisions: t('apps', 'v1', 'ControllerRevision', 'controllerrevisions'),
  jobs: t('batch', 'v1', 'Job', 'jobs'),
  cronjobs: t('batch', 'v1', 'CronJob', 'cronjobs'),
  leases: t('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  endpointslices: t('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  poddisruptionbudgets: t('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  priorityclasses: t('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false),
  storageclasses: t('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false),
  certificatesigningrequests: t('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false),
} as const satisfies Record<string, ResourceType>;

/** apiVersion of a resource type ("v1", "apps/v1"). */
export function apiVersionOfType(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}
