// The catalog of built-in resources the API server serves: names, scope, verbs,
// subresources, as `kubectl api-resources` lists them upstream. Behaviour per kind
// (defaults, validation, status handling) is its Strategy (strategies.ts).

export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
export type ResourceVerb = (typeof STANDARD_VERBS)[number];

export interface ScaleSubresource {
  /** JSON paths into the object, as CRD scale subresources spell them. */
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly ResourceVerb[];
  /** Subresources served besides the object itself: status, scale, log, exec, ... */
  readonly subresources: readonly string[];
  readonly scale?: ScaleSubresource;
  /** Kinds with a status subresource ignore status on create/update of the main resource. */
  readonly hasStatus: boolean;
  /** Stored and served but not persisted (reviews): create only returns a computed object. */
  readonly virtual?: boolean;
}

interface Options {
  shortNames?: string[];
  categories?: string[];
  verbs?: readonly ResourceVerb[];
  subresources?: string[];
  scale?: ScaleSubresource;
  virtual?: boolean;
  singular?: string;
}

function res(group: string, version: string, kind: string, plural: string, namespaced: boolean, options: Options = {}): ResourceInfo {
  const subresources = options.subresources ?? [];
  return {
    group,
    version,
    kind,
    plural,
    singular: options.singular ?? kind.toLowerCase(),
    namespaced,
    shortNames: options.shortNames ?? [],
    categories: options.categories ?? [],
    verbs: options.verbs ?? STANDARD_VERBS,
    subresources,
    hasStatus: subresources.includes('status'),
    ...(options.scale ? { scale: options.scale } : {}),
    ...(options.virtual ? { virtual: true } : {}),
  };
}

const REPLICAS_SCALE: ScaleSubresource = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
const ALL = ['all'];
const CREATE_ONLY: ResourceVerb[] = ['create'];
const READ_ONLY: ResourceVerb[] = ['get', 'list'];

export const BUILTIN_RESOURCES: readonly ResourceInfo[] = [
  // core/v1
  res('', 'v1', 'Binding', 'bindings', true, { verbs: CREATE_ONLY, virtual: true }),
  res('', 'v1', 'ComponentStatus', 'componentstatuses', false, { shortNames: ['cs'], verbs: READ_ONLY, virtual: true }),
  res('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  res('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  res('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  res('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  res('', 'v1', 'Namespace', 'namespaces', false, { shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['finalize', 'status'] }),
  res('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['proxy', 'status'] }),
  res('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  res('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  res('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ALL,
    subresources: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status'],
  }),
  res('', 'v1', 'PodTemplate', 'podtemplates', true),
  res('', 'v1', 'ReplicationController', 'replicationcontrollers', true, { shortNames: ['rc'], categories: ALL, subresources: ['scale', 'status'], scale: REPLICAS_SCALE }),
  res('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'] }),
  res('', 'v1', 'Secret', 'secrets', true),
  res('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  res('', 'v1', 'Service', 'services', true, { shortNames: ['svc'], categories: ALL, subresources: ['proxy', 'status'] }),
  // admissionregistration.k8s.io/v1
  res('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { categories: ['api-extensions'] }),
  res('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { categories: ['api-extensions'] }),
  // apiextensions.k8s.io/v1
  res('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'] }),
  // apps/v1
  res('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  res('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ALL, subresources: ['status'] }),
  res('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ALL, subresources: ['scale', 'status'], scale: REPLICAS_SCALE }),
  res('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: ALL, subresources: ['scale', 'status'], scale: REPLICAS_SCALE }),
  res('apps', 'v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: ALL, subresources: ['scale', 'status'], scale: REPLICAS_SCALE }),
  // authentication.k8s.io/v1
  res('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', false, { verbs: CREATE_ONLY, virtual: true }),
  res('authentication.k8s.io', 'v1', 'TokenReview', 'tokenreviews', false, { verbs: CREATE_ONLY, virtual: true }),
  // authorization.k8s.io/v1
  res('authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, { verbs: CREATE_ONLY, virtual: true }),
  res('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, { verbs: CREATE_ONLY, virtual: true }),
  res('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, { verbs: CREATE_ONLY, virtual: true }),
  res('authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', false, { verbs: CREATE_ONLY, virtual: true }),
  // autoscaling/v2
  res('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { shortNames: ['hpa'], categories: ALL, subresources: ['status'] }),
  // batch/v1
  res('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ALL, subresources: ['status'] }),
  res('batch', 'v1', 'Job', 'jobs', true, { categories: ALL, subresources: ['status'] }),
  // certificates.k8s.io/v1
  res('certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'certificatesigningrequests', false, { shortNames: ['csr'], subresources: ['approval', 'status'] }),
  // coordination.k8s.io/v1
  res('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  // discovery.k8s.io/v1
  res('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  // events.k8s.io/v1
  res('events.k8s.io', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  // networking.k8s.io/v1
  res('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  res('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { shortNames: ['ing'], subresources: ['status'] }),
  res('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { shortNames: ['netpol'] }),
  // policy/v1
  res('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  // rbac.authorization.k8s.io/v1
  res('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  res('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  res('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  res('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  // scheduling.k8s.io/v1
  res('scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, { shortNames: ['pc'] }),
  // storage.k8s.io/v1
  res('storage.k8s.io', 'v1', 'CSIDriver', 'csidrivers', false),
  res('storage.k8s.io', 'v1', 'CSINode', 'csinodes', false),
  res('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
  res('storage.k8s.io', 'v1', 'VolumeAttachment', 'volumeattachments', false, { subresources: ['status'] }),
];

/** Preferred order of groups in discovery, as kube-apiserver lists them. */
export const GROUP_ORDER = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

/** The storage key of an object: /registry/<group|core>/<plural>/[<namespace>/]<name>. */
export function storageKey(info: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace: string, name: string): string {
  const group = info.group || 'core';
  return info.namespaced ? `/registry/${group}/${info.plural}/${namespace}/${name}` : `/registry/${group}/${info.plural}/${name}`;
}

/** The storage prefix of a resource, or of one namespace of it. */
export function storagePrefix(info: Pick<ResourceInfo, 'group' | 'plural' | 'namespaced'>, namespace = ''): string {
  const group = info.group || 'core';
  return info.namespaced && namespace ? `/registry/${group}/${info.plural}/${namespace}/` : `/registry/${group}/${info.plural}/`;
}
