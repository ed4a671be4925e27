// Schemas shared by this folder's tests: the MergeItem type upstream's
// strategicpatch tests are written against (as a type table and as OpenAPI
// definitions, so every case runs against both builders), and the slice of
// the Kubernetes API the kubectl-flow tests touch, with the patch strategies
// and merge keys of k8s.io/api.

import { schemaFromOpenAPIDefinitions, schemaFromTypes, type OpenAPIDefinitions, type PatchSchema, type TypeTable } from './schema.js';

const MERGE_ITEM_TYPES: TypeTable = {
  mergeItem: {
    name: 'string',
    value: 'string',
    other: 'string',
    mergingList: { list: 'mergeItem', patchStrategy: 'merge', patchMergeKey: 'name' },
    nonMergingList: { list: 'mergeItem' },
    mergingIntList: { list: 'integer', patchStrategy: 'merge' },
    nonMergingIntList: { list: 'integer' },
    mergeItemPtr: { list: 'mergeItem', patchStrategy: 'merge', patchMergeKey: 'name' },
    simpleMap: { map: 'string' },
    replacingItem: { type: 'rawExtension', patchStrategy: 'replace' },
    retainKeysMap: { type: 'retainKeysMergeItem', patchStrategy: 'retainKeys' },
    retainKeysMergingList: { list: 'mergeItem', patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
  },
  retainKeysMergeItem: {
    name: 'string',
    value: 'string',
    other: 'string',
    simpleMap: { map: 'string' },
    mergingIntList: { list: 'integer', patchStrategy: 'merge' },
    mergingList: { list: 'mergeItem', patchStrategy: 'merge', patchMergeKey: 'name' },
    nonMergingList: { list: 'mergeItem' },
  },
};

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const str = { type: 'string' };
const ints = { type: 'array', items: { type: 'integer' } };

const MERGE_ITEM_DEFINITIONS: OpenAPIDefinitions = {
  mergeItem: {
    type: 'object',
    properties: {
      name: str,
      value: str,
      other: str,
      mergingList: { type: 'array', items: ref('mergeItem'), 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
      nonMergingList: { type: 'array', items: ref('mergeItem') },
      mergingIntList: { ...ints, 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingIntList: ints,
      mergeItemPtr: { type: 'array', items: ref('mergeItem'), 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
      simpleMap: { type: 'object', additionalProperties: str },
      replacingItem: { type: 'object', 'x-kubernetes-patch-strategy': 'replace' },
      retainKeysMap: { ...ref('retainKeysMergeItem'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      retainKeysMergingList: {
        type: 'array',
        items: ref('mergeItem'),
        'x-kubernetes-patch-strategy': 'merge,retainKeys',
        'x-kubernetes-patch-merge-key': 'name',
      },
    },
  },
  retainKeysMergeItem: {
    type: 'object',
    properties: {
      name: str,
      value: str,
      other: str,
      simpleMap: { type: 'object', additionalProperties: str },
      mergingIntList: { ...ints, 'x-kubernetes-patch-strategy': 'merge' },
      mergingList: { type: 'array', items: ref('mergeItem'), 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
      nonMergingList: { type: 'array', items: ref('mergeItem') },
    },
  },
};

/** The same MergeItem type built both ways. */
export const MERGE_ITEM_SCHEMAS: ReadonlyArray<readonly [string, PatchSchema]> = [
  ['type table', schemaFromTypes(MERGE_ITEM_TYPES, 'mergeItem')],
  ['OpenAPI definitions', schemaFromOpenAPIDefinitions(MERGE_ITEM_DEFINITIONS, 'mergeItem')],
];

const core = (name: string) => `io.k8s.api.core.v1.${name}`;
const meta = (name: string) => `io.k8s.apimachinery.pkg.apis.meta.v1.${name}`;
const byName = { patchStrategy: 'merge', patchMergeKey: 'name' } as const;

/** The parts of k8s.io/api the kubectl-flow tests use. */
export const KUBE_TYPES: TypeTable = {
  [meta('ObjectMeta')]: {
    labels: { map: 'string' },
    annotations: { map: 'string' },
    finalizers: { list: 'string', patchStrategy: 'merge' },
    ownerReferences: { list: meta('OwnerReference'), patchStrategy: 'merge', patchMergeKey: 'uid' },
    managedFields: { list: meta('ManagedFieldsEntry') },
  },
  [meta('LabelSelector')]: {
    matchLabels: { map: 'string' },
    matchExpressions: { list: meta('LabelSelectorRequirement') },
  },
  'io.k8s.api.apps.v1.Deployment': {
    metadata: meta('ObjectMeta'),
    spec: 'io.k8s.api.apps.v1.DeploymentSpec',
    status: 'io.k8s.api.apps.v1.DeploymentStatus',
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    selector: meta('LabelSelector'),
    template: core('PodTemplateSpec'),
    strategy: { type: 'io.k8s.api.apps.v1.DeploymentStrategy', patchStrategy: 'retainKeys' },
  },
  'io.k8s.api.apps.v1.DeploymentStrategy': {
    type: 'string',
    rollingUpdate: 'io.k8s.api.apps.v1.RollingUpdateDeployment',
  },
  'io.k8s.api.apps.v1.DeploymentStatus': {
    conditions: { list: 'io.k8s.api.apps.v1.DeploymentCondition', patchStrategy: 'merge', patchMergeKey: 'type' },
  },
  [core('PodTemplateSpec')]: { metadata: meta('ObjectMeta'), spec: core('PodSpec') },
  [core('Pod')]: { metadata: meta('ObjectMeta'), spec: core('PodSpec') },
  [core('PodSpec')]: {
    volumes: { list: core('Volume'), patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' },
    initContainers: { list: core('Container'), ...byName },
    containers: { list: core('Container'), ...byName },
    imagePullSecrets: { list: core('LocalObjectReference'), ...byName },
    tolerations: { list: core('Toleration') },
    hostAliases: { list: core('HostAlias'), patchStrategy: 'merge', patchMergeKey: 'ip' },
    nodeSelector: { map: 'string' },
    affinity: core('Affinity'),
  },
  [core('Volume')]: {
    configMap: core('ConfigMapVolumeSource'),
    emptyDir: core('EmptyDirVolumeSource'),
    hostPath: core('HostPathVolumeSource'),
    secret: core('SecretVolumeSource'),
  },
  [core('Container')]: {
    args: { list: 'string' },
    command: { list: 'string' },
    env: { list: core('EnvVar'), ...byName },
    envFrom: { list: core('EnvFromSource') },
    ports: { list: core('ContainerPort'), patchStrategy: 'merge', patchMergeKey: 'containerPort' },
    resources: core('ResourceRequirements'),
    volumeMounts: { list: core('VolumeMount'), patchStrategy: 'merge', patchMergeKey: 'mountPath' },
  },
  [core('EnvVar')]: { valueFrom: core('EnvVarSource') },
  [core('ResourceRequirements')]: { limits: { map: 'string' }, requests: { map: 'string' } },
  [core('Service')]: { metadata: meta('ObjectMeta'), spec: core('ServiceSpec') },
  [core('ServiceSpec')]: {
    ports: { list: core('ServicePort'), patchStrategy: 'merge', patchMergeKey: 'port' },
    selector: { map: 'string' },
    externalIPs: { list: 'string' },
  },
  [core('Node')]: { metadata: meta('ObjectMeta'), spec: core('NodeSpec') },
  [core('NodeSpec')]: { taints: { list: core('Taint') }, podCIDRs: { list: 'string', patchStrategy: 'merge' } },
  'io.k8s.api.autoscaling.v1.Scale': { metadata: meta('ObjectMeta'), spec: 'io.k8s.api.autoscaling.v1.ScaleSpec' },
};

export const DEPLOYMENT_SCHEMA = schemaFromTypes(KUBE_TYPES, 'io.k8s.api.apps.v1.Deployment');
export const SERVICE_SCHEMA = schemaFromTypes(KUBE_TYPES, core('Service'));
export const POD_SCHEMA = schemaFromTypes(KUBE_TYPES, core('Pod'));
export const NODE_SCHEMA = schemaFromTypes(KUBE_TYPES, core('Node'));
