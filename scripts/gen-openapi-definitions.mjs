#!/usr/bin/env node
// Generates src/api/openapi/definitions.json: the OpenAPI v2 `definitions` of
// every built-in kind Skiff serves, keyed by upstream definition names
// (io.k8s.api.core.v1.PodSpec, ...).
//
// Sources, merged:
//   1. @kubernetes/client-node 2.0.1 (generated from the Kubernetes release-1.36
//      OpenAPI spec): current fields, JSON names, types, formats, required-ness
//      and descriptions (dist/gen/models/*.js attributeTypeMap + *.d.ts JSDoc).
//   2. The upstream Kubernetes v1.14 (and v1.13) OpenAPI v2 specs shipped as
//      kube-openapi test data (Debian golang-k8s-kube-openapi-dev): upstream
//      definition names, x-kubernetes-patch-strategy / patch-merge-key /
//      list-type / list-map-keys of every field that existed then, Quantity /
//      Time / MicroTime / RawExtension references that client-node flattens,
//      original paragraph breaks in descriptions, and descriptions of fields
//      whose type is a reference (client-node drops those).
//   3. The hand-maintained tables below, for fields newer than 1.14 (checked
//      against upstream k8s.io/api types: +patchStrategy, +listType,
//      +listMapKey, +mapType, +structType markers).
//
// Usage: node scripts/gen-openapi-definitions.mjs [--check]
//   KUBE_OPENAPI_DIR overrides the kube-openapi source dir (default
//   /tmp/kox/usr/share/gocode/src/k8s.io/kube-openapi; to get it:
//   cd /tmp && apt-get download golang-k8s-kube-openapi-dev &&
//   dpkg -x golang-k8s-kube-openapi-dev_*.deb /tmp/kox).
// The output is deterministic: keys sorted, one definition per line.

import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = join(ROOT, 'node_modules/@kubernetes/client-node/dist/gen/models');
const KOX = process.env.KUBE_OPENAPI_DIR ?? '/tmp/kox/usr/share/gocode/src/k8s.io/kube-openapi';
const SPEC_114 = join(KOX, 'test/integration/testdata/aggregator/openapi.json');
const SPEC_113 = join(KOX, 'pkg/schemaconv/testdata/swagger.json');
const OUT = join(ROOT, 'src/api/openapi/definitions.json');

// ---------------------------------------------------------------------------
// Naming

const META = 'io.k8s.apimachinery.pkg.apis.meta';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}.v1.Time`;
const MICRO_TIME = `${META}.v1.MicroTime`;
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/** API group -> upstream definition package prefix. */
const GROUP_PKG = {
  '': 'io.k8s.api.core',
  admissionregistration: 'io.k8s.api.admissionregistration',
  'admissionregistration.k8s.io': 'io.k8s.api.admissionregistration',
  apiextensions: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  apiregistration: 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
  apps: 'io.k8s.api.apps',
  authentication: 'io.k8s.api.authentication',
  'authentication.k8s.io': 'io.k8s.api.authentication',
  authorization: 'io.k8s.api.authorization',
  'authorization.k8s.io': 'io.k8s.api.authorization',
  autoscaling: 'io.k8s.api.autoscaling',
  batch: 'io.k8s.api.batch',
  certificates: 'io.k8s.api.certificates',
  'certificates.k8s.io': 'io.k8s.api.certificates',
  coordination: 'io.k8s.api.coordination',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  core: 'io.k8s.api.core',
  discovery: 'io.k8s.api.discovery',
  'discovery.k8s.io': 'io.k8s.api.discovery',
  events: 'io.k8s.api.events',
  'events.k8s.io': 'io.k8s.api.events',
  flowcontrol: 'io.k8s.api.flowcontrol',
  networking: 'io.k8s.api.networking',
  'networking.k8s.io': 'io.k8s.api.networking',
  policy: 'io.k8s.api.policy',
  rbac: 'io.k8s.api.rbac',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
  resource: 'io.k8s.api.resource',
  scheduling: 'io.k8s.api.scheduling',
  'scheduling.k8s.io': 'io.k8s.api.scheduling',
  storage: 'io.k8s.api.storage',
  'storage.k8s.io': 'io.k8s.api.storage',
};

/** The kinds Skiff serves: [group, version, kind, client-node class]. Lists are added when client-node has `${class}List`. */
const KINDS = [
  ['', 'v1', 'Namespace', 'V1Namespace'],
  ['', 'v1', 'Pod', 'V1Pod'],
  ['', 'v1', 'Binding', 'V1Binding'],
  ['', 'v1', 'Service', 'V1Service'],
  ['', 'v1', 'Endpoints', 'V1Endpoints'],
  ['', 'v1', 'ConfigMap', 'V1ConfigMap'],
  ['', 'v1', 'Secret', 'V1Secret'],
  ['', 'v1', 'ServiceAccount', 'V1ServiceAccount'],
  ['', 'v1', 'Event', 'CoreV1Event'],
  ['', 'v1', 'Node', 'V1Node'],
  ['', 'v1', 'PersistentVolume', 'V1PersistentVolume'],
  ['', 'v1', 'PersistentVolumeClaim', 'V1PersistentVolumeClaim'],
  ['', 'v1', 'ResourceQuota', 'V1ResourceQuota'],
  ['', 'v1', 'LimitRange', 'V1LimitRange'],
  ['', 'v1', 'PodTemplate', 'V1PodTemplate'],
  ['', 'v1', 'ReplicationController', 'V1ReplicationController'],
  ['', 'v1', 'ComponentStatus', 'V1ComponentStatus'],
  ['policy', 'v1', 'Eviction', 'V1Eviction'],
  ['apps', 'v1', 'Deployment', 'V1Deployment'],
  ['apps', 'v1', 'ReplicaSet', 'V1ReplicaSet'],
  ['apps', 'v1', 'StatefulSet', 'V1StatefulSet'],
  ['apps', 'v1', 'DaemonSet', 'V1DaemonSet'],
  ['apps', 'v1', 'ControllerRevision', 'V1ControllerRevision'],
  ['autoscaling', 'v1', 'Scale', 'V1Scale'],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'V2HorizontalPodAutoscaler'],
  ['batch', 'v1', 'Job', 'V1Job'],
  ['batch', 'v1', 'CronJob', 'V1CronJob'],
  ['coordination.k8s.io', 'v1', 'Lease', 'V1Lease'],
  ['discovery.k8s.io', 'v1', 'EndpointSlice', 'V1EndpointSlice'],
  ['events.k8s.io', 'v1', 'Event', 'EventsV1Event'],
  ['policy', 'v1', 'PodDisruptionBudget', 'V1PodDisruptionBudget'],
  ['networking.k8s.io', 'v1', 'NetworkPolicy', 'V1NetworkPolicy'],
  ['networking.k8s.io', 'v1', 'Ingress', 'V1Ingress'],
  ['networking.k8s.io', 'v1', 'IngressClass', 'V1IngressClass'],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'V1Role'],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'V1RoleBinding'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'V1ClusterRole'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'V1ClusterRoleBinding'],
  ['scheduling.k8s.io', 'v1', 'PriorityClass', 'V1PriorityClass'],
  ['storage.k8s.io', 'v1', 'StorageClass', 'V1StorageClass'],
  ['storage.k8s.io', 'v1', 'CSIDriver', 'V1CSIDriver'],
  ['storage.k8s.io', 'v1', 'CSINode', 'V1CSINode'],
  ['storage.k8s.io', 'v1', 'VolumeAttachment', 'V1VolumeAttachment'],
  ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'V1CustomResourceDefinition'],
  ['authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'V1SelfSubjectAccessReview'],
  ['authorization.k8s.io', 'v1', 'SubjectAccessReview', 'V1SubjectAccessReview'],
  ['authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', 'V1LocalSubjectAccessReview'],
  ['authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'V1SelfSubjectRulesReview'],
  ['authentication.k8s.io', 'v1', 'SelfSubjectReview', 'V1SelfSubjectReview'],
  ['authentication.k8s.io', 'v1', 'TokenReview', 'V1TokenReview'],
  ['authentication.k8s.io', 'v1', 'TokenRequest', 'AuthenticationV1TokenRequest'],
  ['certificates.k8s.io', 'v1', 'CertificateSigningRequest', 'V1CertificateSigningRequest'],
  ['admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'V1ValidatingWebhookConfiguration'],
  ['admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'V1MutatingWebhookConfiguration'],
];

/** meta/v1 kinds (GVK group "" version v1) that are served as responses. */
const META_KINDS = [
  ['Status', 'V1Status'],
  ['APIResourceList', 'V1APIResourceList'],
  ['APIGroup', 'V1APIGroup'],
  ['APIGroupList', 'V1APIGroupList'],
  ['APIVersions', 'V1APIVersions'],
];
/** meta/v1 types without a GVK of their own that are still wanted. */
const META_EXTRA = ['V1DeleteOptions', 'V1WatchEvent', 'V1Preconditions'];

/** Classes whose upstream package cannot be derived from 1.14 or the referencing type. */
const CLASS_OVERRIDES = {
  V1Condition: `${META}.v1.Condition`,
  V1FieldSelectorRequirement: `${META}.v1.FieldSelectorRequirement`,
  V1ManagedFieldsEntry: `${META}.v1.ManagedFieldsEntry`,
};

/** Types renamed since 1.14: new short name -> old short name in the sibling package. */
const RENAMED = {
  MutatingWebhook: 'Webhook',
  ValidatingWebhook: 'Webhook',
  AdmissionregistrationV1WebhookClientConfig: 'WebhookClientConfig',
};

/** Where to look for the 1.14 ancestor of a definition whose exact name did not exist then. */
const SIBLING_PKGS = {
  'io.k8s.api.networking.v1': ['io.k8s.api.networking.v1beta1', 'io.k8s.api.extensions.v1beta1'],
  'io.k8s.api.policy.v1': ['io.k8s.api.policy.v1beta1'],
  'io.k8s.api.events.v1': ['io.k8s.api.events.v1beta1'],
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1': ['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1'],
  'io.k8s.api.admissionregistration.v1': ['io.k8s.api.admissionregistration.v1beta1'],
  'io.k8s.api.autoscaling.v2': ['io.k8s.api.autoscaling.v2beta2', 'io.k8s.api.autoscaling.v2beta1'],
  'io.k8s.api.batch.v1': ['io.k8s.api.batch.v1beta1', 'io.k8s.api.batch.v2alpha1'],
  'io.k8s.api.certificates.v1': ['io.k8s.api.certificates.v1beta1'],
  'io.k8s.api.storage.v1': ['io.k8s.api.storage.v1beta1'],
  'io.k8s.api.scheduling.v1': ['io.k8s.api.scheduling.v1beta1'],
  'io.k8s.api.coordination.v1': ['io.k8s.api.coordination.v1beta1'],
  'io.k8s.api.discovery.v1': [],
};

// ---------------------------------------------------------------------------
// Hand-maintained extensions for fields newer than (or changed since) 1.14.
// Keys are `<definition>.<field>`; values are merged over what 1.14 says.
// Checked against upstream k8s.io/api markers (+patchStrategy, +patchMergeKey,
// +listType, +listMapKey, +mapType) of release-1.3x.

const C = 'io.k8s.api.core.v1';
const FIELD_EXT = {
  // meta
  [`${META}.v1.ObjectMeta.finalizers`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
  [`${META}.v1.ObjectMeta.ownerReferences`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'] },
  [`${META}.v1.ObjectMeta.managedFields`]: { 'x-kubernetes-list-type': 'atomic' },
  // core: pods
  [`${C}.PodSpec.ephemeralContainers`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.containers`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.initContainers`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.imagePullSecrets`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.hostAliases`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['ip'] },
  [`${C}.PodSpec.volumes`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.tolerations`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodSpec.readinessGates`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodSpec.topologySpreadConstraints`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'topologyKey', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['topologyKey', 'whenUnsatisfiable'] },
  [`${C}.PodSpec.schedulingGates`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.resourceClaims`]: { 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSpec.nodeSelector`]: { 'x-kubernetes-map-type': 'atomic' },
  [`${C}.PodStatus.conditions`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  [`${C}.PodStatus.podIPs`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['ip'] },
  [`${C}.PodStatus.hostIPs`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodStatus.containerStatuses`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodStatus.initContainerStatuses`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodStatus.ephemeralContainerStatuses`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodStatus.resourceClaimStatuses`]: { 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.Container.ports`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
  [`${C}.Container.resizePolicy`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.EphemeralContainer.ports`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
  [`${C}.EphemeralContainer.env`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
  [`${C}.EphemeralContainer.volumeMounts`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'mountPath' },
  [`${C}.EphemeralContainer.volumeDevices`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'devicePath' },
  [`${C}.EphemeralContainer.resizePolicy`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ResourceRequirements.claims`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.PodSecurityContext.supplementalGroups`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PodSecurityContext.sysctls`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ContainerStatus.allocatedResourcesStatus`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.ContainerStatus.volumeMounts`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'mountPath', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['mountPath'] },
  // core: services, nodes, volumes, namespaces
  [`${C}.ServiceSpec.ports`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'] },
  [`${C}.ServiceSpec.clusterIPs`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ServiceSpec.ipFamilies`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ServiceSpec.externalIPs`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ServiceSpec.loadBalancerSourceRanges`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ServiceSpec.selector`]: { 'x-kubernetes-map-type': 'atomic' },
  [`${C}.ServiceStatus.conditions`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  [`${C}.LoadBalancerStatus.ingress`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.LoadBalancerIngress.ports`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ReplicationControllerSpec.selector`]: { 'x-kubernetes-map-type': 'atomic' },
  [`${C}.NodeSpec.podCIDRs`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
  [`${C}.NodeSpec.taints`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.NodeStatus.runtimeHandlers`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.PersistentVolumeClaimStatus.conditions`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  [`${C}.NamespaceStatus.conditions`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  [`${C}.Endpoints.subsets`]: { 'x-kubernetes-list-type': 'atomic' },
  [`${C}.ServiceAccount.secrets`]: { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${C}.ServiceAccount.imagePullSecrets`]: { 'x-kubernetes-list-type': 'atomic' },
  // apps
  'io.k8s.api.apps.v1.DeploymentStatus.conditions': { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'io.k8s.api.apps.v1.ReplicaSetStatus.conditions': { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'io.k8s.api.apps.v1.DaemonSetStatus.conditions': { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'io.k8s.api.apps.v1.StatefulSetStatus.conditions': { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'io.k8s.api.apps.v1.StatefulSetSpec.volumeClaimTemplates': { 'x-kubernetes-list-type': 'atomic' },
  // batch
  'io.k8s.api.batch.v1.JobStatus.conditions': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.batch.v1.CronJobStatus.active': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.batch.v1.PodFailurePolicy.rules': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.batch.v1.PodFailurePolicyRule.onPodConditions': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement.values': { 'x-kubernetes-list-type': 'set' },
  'io.k8s.api.batch.v1.SuccessPolicy.rules': { 'x-kubernetes-list-type': 'atomic' },
  // autoscaling/v2
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec.metrics': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.currentMetrics': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus.conditions': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'io.k8s.api.autoscaling.v2.HPAScalingRules.policies': { 'x-kubernetes-list-type': 'atomic' },
  // policy
  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus.conditions': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  // discovery
  'io.k8s.api.discovery.v1.EndpointSlice.endpoints': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.discovery.v1.EndpointSlice.ports': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.discovery.v1.Endpoint.addresses': { 'x-kubernetes-list-type': 'set' },
  'io.k8s.api.discovery.v1.EndpointHints.forZones': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.discovery.v1.EndpointHints.forNodes': { 'x-kubernetes-list-type': 'atomic' },
  // networking
  'io.k8s.api.networking.v1.IngressSpec.rules': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.networking.v1.IngressSpec.tls': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.networking.v1.IngressTLS.hosts': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.networking.v1.HTTPIngressRuleValue.paths': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.networking.v1.IngressLoadBalancerStatus.ingress': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.networking.v1.IngressLoadBalancerIngress.ports': { 'x-kubernetes-list-type': 'atomic' },
  // storage
  'io.k8s.api.storage.v1.CSIDriverSpec.volumeLifecycleModes': { 'x-kubernetes-list-type': 'set' },
  'io.k8s.api.storage.v1.CSIDriverSpec.tokenRequests': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.storage.v1.CSINodeSpec.drivers': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  'io.k8s.api.storage.v1.CSINodeDriver.topologyKeys': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.storage.v1.StorageClass.mountOptions': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.storage.v1.StorageClass.allowedTopologies': { 'x-kubernetes-list-type': 'atomic' },
  // rbac
  'io.k8s.api.rbac.v1.Role.rules': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.ClusterRole.rules': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.RoleBinding.subjects': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.ClusterRoleBinding.subjects': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.AggregationRule.clusterRoleSelectors': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.PolicyRule.verbs': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.PolicyRule.apiGroups': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.PolicyRule.resources': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.PolicyRule.resourceNames': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.rbac.v1.PolicyRule.nonResourceURLs': { 'x-kubernetes-list-type': 'atomic' },
  // admissionregistration
  'io.k8s.api.admissionregistration.v1.MutatingWebhookConfiguration.webhooks': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  'io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration.webhooks': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  'io.k8s.api.admissionregistration.v1.MutatingWebhook.matchConditions': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  'io.k8s.api.admissionregistration.v1.ValidatingWebhook.matchConditions': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  // apiextensions
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec.versions': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus.conditions': { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus.storedVersions': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionVersion.additionalPrinterColumns': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionVersion.selectableFields': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames.shortNames': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames.categories': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.x-kubernetes-validations': { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'rule', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['rule'] },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.x-kubernetes-list-map-keys': { 'x-kubernetes-list-type': 'atomic' },
  // certificates
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec.usages': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec.groups': { 'x-kubernetes-list-type': 'atomic' },
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec.extra': {},
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus.conditions': { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
};

/** Struct-level `+structType=atomic` (emitted as x-kubernetes-map-type: atomic on the definition). */
const ATOMIC_STRUCTS = [
  `${META}.v1.LabelSelector`,
  `${C}.ConfigMapKeySelector`,
  `${C}.SecretKeySelector`,
  `${C}.ObjectFieldSelector`,
  `${C}.ResourceFieldSelector`,
  `${C}.LocalObjectReference`,
  `${C}.ObjectReference`,
  `${C}.TypedLocalObjectReference`,
  `${C}.SecretReference`,
  `${C}.NodeSelector`,
  `${C}.NodeSelectorTerm`,
  `${C}.TopologySelectorTerm`,
  `${C}.EndpointAddress`,
  `${C}.EndpointPort`,
  'io.k8s.api.discovery.v1.EndpointPort',
  'io.k8s.api.networking.v1.ServiceBackendPort',
];

/** Primitive defaults upstream declares with +default (needed for SSA list-map keys). */
const FIELD_DEFAULTS = {
  [`${C}.ContainerPort.protocol`]: 'TCP',
  [`${C}.ServicePort.protocol`]: 'TCP',
};

/**
 * Enum values of common +enum string fields (upstream emits them as `enum`, and
 * kubectl explain prints them; client-node drops them). Sorted as upstream.
 */
const FIELD_ENUMS = {
  'io.k8s.api.apps.v1.DeploymentStrategy.type': ['Recreate', 'RollingUpdate'],
  'io.k8s.api.apps.v1.StatefulSetSpec.podManagementPolicy': ['OrderedReady', 'Parallel'],
  'io.k8s.api.apps.v1.StatefulSetUpdateStrategy.type': ['OnDelete', 'RollingUpdate'],
  'io.k8s.api.apps.v1.DaemonSetUpdateStrategy.type': ['OnDelete', 'RollingUpdate'],
  'io.k8s.api.batch.v1.CronJobSpec.concurrencyPolicy': ['Allow', 'Forbid', 'Replace'],
  'io.k8s.api.batch.v1.JobSpec.completionMode': ['Indexed', 'NonIndexed'],
  [`${C}.Container.imagePullPolicy`]: ['Always', 'IfNotPresent', 'Never'],
  [`${C}.Container.terminationMessagePolicy`]: ['FallbackToLogsOnError', 'File'],
  [`${C}.EphemeralContainer.imagePullPolicy`]: ['Always', 'IfNotPresent', 'Never'],
  [`${C}.EphemeralContainer.terminationMessagePolicy`]: ['FallbackToLogsOnError', 'File'],
  [`${C}.ContainerPort.protocol`]: ['SCTP', 'TCP', 'UDP'],
  [`${C}.ServicePort.protocol`]: ['SCTP', 'TCP', 'UDP'],
  [`${C}.HTTPGetAction.scheme`]: ['HTTP', 'HTTPS'],
  [`${C}.PodSpec.restartPolicy`]: ['Always', 'Never', 'OnFailure'],
  [`${C}.PodSpec.dnsPolicy`]: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
  [`${C}.PodSpec.preemptionPolicy`]: ['Never', 'PreemptLowerPriority'],
  [`${C}.PodStatus.phase`]: ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'],
  [`${C}.PodStatus.qosClass`]: ['BestEffort', 'Burstable', 'Guaranteed'],
  [`${C}.Toleration.operator`]: ['Equal', 'Exists'],
  [`${C}.Toleration.effect`]: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'],
  [`${C}.Taint.effect`]: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'],
  [`${C}.NodeSelectorRequirement.operator`]: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'],
  [`${C}.TopologySpreadConstraint.whenUnsatisfiable`]: ['DoNotSchedule', 'ScheduleAnyway'],
  [`${C}.ServiceSpec.type`]: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
  [`${C}.ServiceSpec.sessionAffinity`]: ['ClientIP', 'None'],
  [`${C}.ServiceSpec.externalTrafficPolicy`]: ['Cluster', 'Local'],
  [`${C}.ServiceSpec.internalTrafficPolicy`]: ['Cluster', 'Local'],
  [`${C}.ServiceSpec.ipFamilyPolicy`]: ['PreferDualStack', 'RequireDualStack', 'SingleStack'],
  [`${C}.PersistentVolumeSpec.persistentVolumeReclaimPolicy`]: ['Delete', 'Recycle', 'Retain'],
  [`${C}.PersistentVolumeSpec.volumeMode`]: ['Block', 'Filesystem'],
  [`${C}.PersistentVolumeClaimSpec.volumeMode`]: ['Block', 'Filesystem'],
  [`${C}.NamespaceStatus.phase`]: ['Active', 'Terminating'],
  [`${C}.SeccompProfile.type`]: ['Localhost', 'RuntimeDefault', 'Unconfined'],
  [`${C}.HostPathVolumeSource.type`]: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'],
  'io.k8s.api.networking.v1.HTTPIngressPath.pathType': ['Exact', 'ImplementationSpecific', 'Prefix'],
  'io.k8s.api.discovery.v1.EndpointSlice.addressType': ['FQDN', 'IPv4', 'IPv6'],
};

/** Fields whose client-node type is lossy and that did not exist (with that type) in 1.14. */
const FIELD_TYPES = {
  [`${C}.PodSpec.overhead`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${C}.ContainerStatus.allocatedResources`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${C}.PersistentVolumeClaimStatus.allocatedResources`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${C}.PodStatus.allocatedResources`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${C}.NodeAllocatableResourceClaimStatus.resources`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${C}.VolumeResourceRequirements.limits`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${C}.VolumeResourceRequirements.requests`]: { type: 'object', additionalProperties: { $ref: QUANTITY } },
  [`${META}.v1.ManagedFieldsEntry.fieldsV1`]: { $ref: `${META}.v1.FieldsV1` },
  'io.k8s.api.autoscaling.v2.HPAScalingRules.tolerance': { $ref: QUANTITY },
};

/** Definitions that exist in neither client-node (as classes) nor 1.14. */
const EXTRA_DEFINITIONS = {
  [`${META}.v1.FieldsV1`]: {
    description: "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.\n\nEach key is either a '.' representing the field itself, and will always map to an empty set, or a string representing a sub-field or item. The string will follow one of these four formats: 'f:<name>', where <name> is the name of a field in a struct, or key in a map 'v:<value>', where <value> is the exact json formatted value of a list item 'i:<index>', where <index> is position of a item in a list 'k:<keys>', where <keys> is a map of  a list item's key fields to their unique values If a key maps to an empty Fields value, the field that key represents is part of the set.\n\nThe exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
  },
  [`${META}.v1.Table`]: {
    description: 'Table is a tabular representation of a set of API resources. The server transforms the object into a set of preferred columns for quickly reviewing the objects.',
    type: 'object',
    required: ['columnDefinitions', 'rows'],
    properties: {
      apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      metadata: { description: 'Standard list metadata.', $ref: `${META}.v1.ListMeta` },
      columnDefinitions: { description: 'columnDefinitions describes each column in the returned items array. The number of cells per row will always match the number of column definitions.', type: 'array', items: { $ref: `${META}.v1.TableColumnDefinition` }, 'x-kubernetes-list-type': 'atomic' },
      rows: { description: 'rows is the list of items in the table.', type: 'array', items: { $ref: `${META}.v1.TableRow` }, 'x-kubernetes-list-type': 'atomic' },
    },
    'x-kubernetes-group-version-kind': [{ group: 'meta.k8s.io', kind: 'Table', version: 'v1' }],
  },
  [`${META}.v1.TableColumnDefinition`]: {
    description: 'TableColumnDefinition contains information about a column returned in the Table.',
    type: 'object',
    required: ['name', 'type', 'format', 'description', 'priority'],
    properties: {
      name: { description: 'name is a human readable name for the column.', type: 'string' },
      type: { description: 'type is an OpenAPI type definition for this column, such as number, integer, string, or array. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for more.', type: 'string' },
      format: { description: "format is an optional OpenAPI type modifier for this column. A format modifies the type and imposes additional rules, like date or time formatting for a string. The 'name' format is applied to the primary identifier column which has type 'string' to assist in clients identifying column is the resource name. See https://github.com/OAI/OpenAPI-Specification/blob/master/versions/2.0.md#data-types for more.", type: 'string' },
      description: { description: 'description is a human readable description of this column.', type: 'string' },
      priority: { description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority. Columns that may be omitted in limited space scenarios should be given a higher priority.', type: 'integer', format: 'int32' },
    },
  },
  [`${META}.v1.TableRow`]: {
    description: 'TableRow is an individual row in a table.',
    type: 'object',
    required: ['cells'],
    properties: {
      cells: { description: 'cells will be as wide as the column definitions array and may contain strings, numbers (float64 or int64), booleans, simple maps, lists, or null. See the type field of the column definition for a more detailed description.', type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, 'x-kubernetes-list-type': 'atomic' },
      conditions: { description: 'conditions describe additional status of a row that are relevant for a human user. These conditions apply to the row, not to the object, and will be specific to table output. The only defined condition type is \'Completed\', for a row that indicates a resource that has run to completion and can be given less visual priority.', type: 'array', items: { $ref: `${META}.v1.TableRowCondition` }, 'x-kubernetes-list-type': 'atomic' },
      object: { description: 'This field contains the requested additional information about each object based on the includeObject policy when requesting the Table. If "None", this field is empty, if "Object" this will be the default serialization of the object for the current API version, and if "Metadata" (the default) will contain the object metadata. Check the returned kind and apiVersion of the object before parsing. The media type of the object will always match the enclosing list - if this as a JSON table, these will be JSON encoded objects.', $ref: RAW_EXTENSION },
    },
  },
  [`${META}.v1.TableRowCondition`]: {
    description: 'TableRowCondition allows a row to be marked with additional information.',
    type: 'object',
    required: ['type', 'status'],
    properties: {
      type: { description: 'Type of row condition. The only defined value is \'Completed\' indicating that the object this row represents has reached a completed state and may be given less visual priority than other rows. Clients are not required to honor any conditions but should be consistent where possible about handling the conditions.', type: 'string' },
      status: { description: 'Status of the condition, one of True, False, Unknown.', type: 'string' },
      reason: { description: "(brief) machine readable reason for the condition's last transition.", type: 'string' },
      message: { description: 'Human readable message indicating details about last transition.', type: 'string' },
    },
  },
  [`${META}.v1.PartialObjectMetadata`]: {
    description: 'PartialObjectMetadata is a generic representation of any object with ObjectMeta. It allows clients to get access to a particular ObjectMeta schema without knowing the details of the version.',
    type: 'object',
    properties: {
      apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      metadata: { description: 'Standard object\'s metadata.', $ref: `${META}.v1.ObjectMeta` },
    },
    'x-kubernetes-group-version-kind': [{ group: 'meta.k8s.io', kind: 'PartialObjectMetadata', version: 'v1' }],
  },
  [`${META}.v1.PartialObjectMetadataList`]: {
    description: 'PartialObjectMetadataList contains a list of objects containing only their metadata',
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: 'APIVersion defines the versioned schema of this representation of an object.', type: 'string' },
      kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
      metadata: { description: 'Standard list metadata.', $ref: `${META}.v1.ListMeta` },
      items: { description: 'items contains each of the included items.', type: 'array', items: { $ref: `${META}.v1.PartialObjectMetadata` } },
    },
    'x-kubernetes-group-version-kind': [{ group: 'meta.k8s.io', kind: 'PartialObjectMetadataList', version: 'v1' }],
  },
};

const OBJECT_META_DESCRIPTION = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_META_DESCRIPTION = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const SPEC_STATUS = 'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status';

/** Descriptions for reference-typed fields added after 1.14 (client-node drops them). */
const FIELD_DESCRIPTIONS = {
  'io.k8s.api.admissionregistration.v1.MutatingWebhook.objectSelector': 'ObjectSelector decides whether to run the webhook based on if the object has matching labels. objectSelector is evaluated against both the oldObject and newObject that would be sent to the webhook, and is considered to match if either object matches the selector. A null object (oldObject in the case of create, or newObject in the case of delete) or an object that cannot have labels (like a DeploymentRollback or a PodProxyOptions object) is not considered to match. Use the object selector only if the webhook is opt-in, because end users may skip the admission webhook by setting the labels. Default to the empty LabelSelector, which matches everything.',
  'io.k8s.api.admissionregistration.v1.ValidatingWebhook.objectSelector': 'ObjectSelector decides whether to run the webhook based on if the object has matching labels. objectSelector is evaluated against both the oldObject and newObject that would be sent to the webhook, and is considered to match if either object matches the selector. A null object (oldObject in the case of create, or newObject in the case of delete) or an object that cannot have labels (like a DeploymentRollback or a PodProxyOptions object) is not considered to match. Use the object selector only if the webhook is opt-in, because end users may skip the admission webhook by setting the labels. Default to the empty LabelSelector, which matches everything.',
  'io.k8s.api.authentication.v1.TokenRequest.spec': 'Spec holds information about the request being evaluated',
  'io.k8s.api.authentication.v1.TokenRequest.status': 'Status is filled in by the server and indicates whether the token can be authenticated.',
  'io.k8s.api.authentication.v1.TokenRequestSpec.boundObjectRef': "BoundObjectRef is a reference to an object that the token will be bound to. The token will only be valid for as long as the bound object exists. NOTE: The API server's TokenReview endpoint will validate the BoundObjectRef, but other audiences may not. Keep ExpirationSeconds small if you want prompt revocation.",
  'io.k8s.api.autoscaling.v2.ContainerResourceMetricSource.target': 'target specifies the target value for the given metric',
  'io.k8s.api.autoscaling.v2.ContainerResourceMetricStatus.current': 'current contains the current value for the given metric',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior.scaleDown': 'scaleDown is scaling policy for scaling Down. If not set, the default value is to allow to scale down to minReplicas pods, with a 300 second stabilization window (i.e., the highest recommendation for the last 300sec is used).',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior.scaleUp': 'scaleUp is scaling policy for scaling Up. If not set, the default value is the higher of:\n  * increase no more than 4 pods per 60 seconds\n  * double the number of pods per 60 seconds\nNo stabilization is used.',
  'io.k8s.api.autoscaling.v2.MetricSpec.containerResource': 'containerResource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod of the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.',
  'io.k8s.api.autoscaling.v2.MetricStatus.containerResource': 'container resource refers to a resource metric (such as those specified in requests and limits) known to Kubernetes describing a single container in each pod in the current scale target (e.g. CPU or memory). Such metrics are built in to Kubernetes, and have special scaling options on top of those available to normal per-pod metrics using the "pods" source.',
  'io.k8s.api.autoscaling.v2.ObjectMetricSource.describedObject': 'describedObject specifies the descriptions of a object,such as kind,name apiVersion',
  'io.k8s.api.autoscaling.v2.ObjectMetricStatus.describedObject': 'DescribedObject specifies the descriptions of a object,such as kind,name apiVersion',
  'io.k8s.api.apps.v1.RollingUpdateDaemonSet.maxSurge': 'The maximum number of nodes with an existing available DaemonSet pod that can have an updated DaemonSet pod during during an update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). This can not be 0 if MaxUnavailable is 0. Absolute number is calculated from percentage by rounding up to a minimum of 1. Default value is 0. Example: when this is set to 30%, at most 30% of the total number of nodes that should be running the daemon pod (i.e. status.desiredNumberScheduled) can have their a new pod created before the old pod is marked as deleted. The update starts by launching new pods on 30% of nodes. Once an updated pod is available (Ready for at least minReadySeconds) the old DaemonSet pod on that node is marked deleted. If the old pod becomes unavailable for any reason (Ready transitions to false, is evicted, or is drained) an updated pod is immediatedly created on that node without considering surge limits. Allowing surge implies the possibility that the resources consumed by the daemonset on any given node can double if the readiness check fails, and so resource intensive daemonsets should take into account that they may cause evictions during disruption.',
  'io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy.maxUnavailable': 'The maximum number of pods that can be unavailable during the update. Value can be an absolute number (ex: 5) or a percentage of desired pods (ex: 10%). Absolute number is calculated from percentage by rounding up. This can not be 0. Defaults to 1. This field is alpha-level and is only honored by servers that enable the MaxUnavailableStatefulSet feature. The field applies to all pods in the range 0 to Replicas-1. That means if there is any unavailable pod in the range 0 to Replicas-1, it will be counted towards MaxUnavailable.',
  'io.k8s.api.batch.v1.PodFailurePolicyRule.onExitCodes': 'Represents the requirement on the container exit codes.',
  [`${C}.CSIPersistentVolumeSource.controllerExpandSecretRef`]: 'controllerExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI ControllerExpandVolume call. This field is optional, and may be empty if no secret is required. If the secret object contains more than one secret, all secrets are passed.',
  [`${C}.CSIPersistentVolumeSource.nodeExpandSecretRef`]: 'nodeExpandSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodeExpandVolume call. This field is optional, may be omitted if no secret is required. If the secret object contains more than one secret, all secrets are passed.',
  [`${C}.CSIVolumeSource.nodePublishSecretRef`]: 'nodePublishSecretRef is a reference to the secret object containing sensitive information to pass to the CSI driver to complete the CSI NodePublishVolume and NodeUnpublishVolume calls. This field is optional, and  may be empty if no secret is required. If the secret object contains more than one secret, all secret references are passed.',
  [`${C}.ClusterTrustBundleProjection.labelSelector`]: 'Select all ClusterTrustBundles that match this label selector.  Only has effect if signerName is set.  Mutually-exclusive with name.  If unset, interpreted as "match nothing".  If set but empty, interpreted as "match everything".',
  [`${C}.ContainerStatus.resources`]: 'Resources represents the compute resource requests and limits that have been successfully enacted on the running container after it has been started or has been successfully resized.',
  [`${C}.ContainerStatus.user`]: 'User represents user identity information initially attached to the first process of the container',
  [`${C}.ContainerUser.linux`]: 'Linux holds user identity information initially attached to the first process of the containers in Linux. Note that the actual running identity can be changed if the process has enough privilege to do so.',
  [`${C}.EphemeralContainer.lifecycle`]: 'Lifecycle is not allowed for ephemeral containers.',
  [`${C}.EphemeralContainer.livenessProbe`]: 'Probes are not allowed for ephemeral containers.',
  [`${C}.EphemeralContainer.readinessProbe`]: 'Probes are not allowed for ephemeral containers.',
  [`${C}.EphemeralContainer.startupProbe`]: 'Probes are not allowed for ephemeral containers.',
  [`${C}.EphemeralContainer.resources`]: 'Resources are not allowed for ephemeral containers. Ephemeral containers use spare resources already allocated to the pod.',
  [`${C}.EphemeralContainer.securityContext`]: 'Optional: SecurityContext defines the security options the ephemeral container should be run with. If set, the fields of SecurityContext override the equivalent fields of PodSecurityContext.',
  [`${C}.EphemeralVolumeSource.volumeClaimTemplate`]: 'Will be used to create a stand-alone PVC to provision the volume. The pod in which this EphemeralVolumeSource is embedded will be the owner of the PVC, i.e. the PVC will be deleted together with the pod.  The name of the PVC will be `<pod name>-<volume name>` where `<volume name>` is the name from the `PodSpec.Volumes` array entry. Pod validation will reject the pod if the concatenated name is not valid for a PVC (for example, too long).\n\nAn existing PVC with that name that is not owned by the pod will *not* be used for the pod to avoid using an unrelated volume by mistake. Starting the pod is then blocked until the unrelated PVC is removed. If such a pre-created PVC is meant to be used by the pod, the PVC has to updated with an owner reference to the pod once the pod exists. Normally this should not be necessary, but it may be useful when manually reconstructing a broken cluster.\n\nThis field is read-only and no changes will be made by Kubernetes to the PVC after it has been created.\n\nRequired, must not be nil.',
  [`${C}.LifecycleHandler.exec`]: 'Exec specifies a command to execute in the container.',
  [`${C}.LifecycleHandler.httpGet`]: 'HTTPGet specifies an HTTP GET request to perform.',
  [`${C}.LifecycleHandler.tcpSocket`]: 'Deprecated. TCPSocket is NOT supported as a LifecycleHandler and kept for backward compatibility. There is no validation of this field and lifecycle hooks will fail at runtime when it is specified.',
  [`${C}.NodeRuntimeHandler.features`]: 'Supported features.',
  [`${C}.NodeStatus.features`]: 'Features describes the set of features implemented by the CRI implementation.',
  [`${C}.NodeSystemInfo.swap`]: 'Swap Info reported by the node.',
  [`${C}.PersistentVolumeClaimStatus.modifyVolumeStatus`]: 'ModifyVolumeStatus represents the status object of ControllerModifyVolume operation. When this is unset, there is no ModifyVolume operation being attempted.',
  [`${C}.PersistentVolumeClaimTemplate.metadata`]: 'May contain labels and annotations that will be copied into the PVC when creating it. No other fields are allowed and will be rejected during validation.',
  [`${C}.PersistentVolumeClaimTemplate.spec`]: 'The specification for the PersistentVolumeClaim. The entire content is copied unchanged into the PVC that gets created from this template. The same fields as in a PersistentVolumeClaim are also valid here.',
  [`${C}.PodAffinityTerm.namespaceSelector`]: 'A label query over the set of namespaces that the term applies to. The term is applied to the union of the namespaces selected by this field and the ones listed in the namespaces field. null selector and null or empty namespaces list means "this pod\'s namespace". An empty selector ({}) matches all namespaces.',
  [`${C}.PodSecurityContext.windowsOptions`]: "The Windows specific settings applied to all containers. If unspecified, the options within a container's SecurityContext will be used. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Note that this field cannot be set when spec.os.name is linux.",
  [`${C}.SecurityContext.windowsOptions`]: 'The Windows specific settings applied to all containers. If unspecified, the options from the PodSecurityContext will be used. If set in both SecurityContext and PodSecurityContext, the value specified in SecurityContext takes precedence. Note that this field cannot be set when spec.os.name is linux.',
  [`${C}.PodStatus.resources`]: 'Resources represents the compute resource requests and limits that have been applied at the pod level if pod-level requests or limits are set in PodSpec.Resources',
  [`${C}.TopologySpreadConstraint.labelSelector`]: 'LabelSelector is used to find matching pods. Pods that match this label selector are counted to determine the number of pods in their corresponding topology domain.',
  [`${C}.Volume.csi`]: 'csi (Container Storage Interface) represents ephemeral storage that is handled by certain external CSI drivers.',
  [`${C}.VolumeProjection.clusterTrustBundle`]: 'ClusterTrustBundle allows a pod to access the `.spec.trustBundle` field of ClusterTrustBundle objects in an auto-updating file.\n\nClusterTrustBundle objects can either be selected by name, or by the combination of signer name and a label selector.\n\nKubelet performs aggressive normalization of the PEM contents written into the pod filesystem.  Esoteric PEM features such as inter-block comments and block headers are stripped.  Certificates are deduplicated. The ordering of certificates within the file is arbitrary, and Kubelet may change the order over time.',
  'io.k8s.api.networking.v1.IngressBackend.resource': 'resource is an ObjectRef to another Kubernetes resource in the namespace of the Ingress object. If resource is specified, a service.Name and service.Port must not be specified. This is a mutually exclusive setting with "Service".',
  'io.k8s.api.networking.v1.IngressClass.spec': `spec is the desired state of the IngressClass. ${SPEC_STATUS}`,
  'io.k8s.api.storage.v1.CSIDriver.spec': 'spec represents the specification of the CSI Driver.',
  'io.k8s.api.storage.v1.CSINode.spec': 'spec is the specification of CSINode',
  'io.k8s.api.storage.v1.CSINodeDriver.allocatable': 'allocatable represents the volume resources of a node that are available for scheduling. This field is beta.',
  'io.k8s.api.storage.v1.VolumeAttachmentSource.inlineVolumeSpec': "inlineVolumeSpec contains all the information necessary to attach a persistent volume defined by a pod's inline VolumeSource. This field is populated only for the CSIMigration feature. It contains translated fields from a pod's inline VolumeSource to a PersistentVolumeSpec. This field is beta-level and is only honored by servers that enabled the CSIMigration feature.",
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceConversion.webhook': 'webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.WebhookConversion.clientConfig': 'clientConfig is the instructions for how to call the webhook if strategy is `Webhook`.',
  [`${C}.PodSpec.os`]: 'Specifies the OS of the containers in the pod. Some pod and container fields are restricted if this is set.\n\nIf the OS field is set to linux, the following fields must be unset: -securityContext.windowsOptions\n\nIf the OS field is set to windows, following fields must be unset: - spec.hostPID - spec.hostIPC - spec.hostUsers - spec.resources - spec.securityContext.appArmorProfile - spec.securityContext.seLinuxOptions - spec.securityContext.seccompProfile - spec.securityContext.fsGroup - spec.securityContext.fsGroupChangePolicy - spec.securityContext.sysctls - spec.shareProcessNamespace - spec.securityContext.runAsUser - spec.securityContext.runAsGroup - spec.securityContext.supplementalGroups - spec.securityContext.supplementalGroupsPolicy - spec.containers[*].securityContext.appArmorProfile - spec.containers[*].securityContext.seLinuxOptions - spec.containers[*].securityContext.seccompProfile - spec.containers[*].securityContext.capabilities - spec.containers[*].securityContext.readOnlyRootFilesystem - spec.containers[*].securityContext.privileged - spec.containers[*].securityContext.allowPrivilegeEscalation - spec.containers[*].securityContext.procMount - spec.containers[*].securityContext.runAsUser - spec.containers[*].securityContext.runAsGroup',
  [`${C}.PodSpec.resources`]: 'Resources is the total amount of CPU and Memory resources required by all containers in the pod. It supports specifying Requests and Limits for "cpu", "memory" and "hugepages-" resource names only. ResourceClaims are not supported.\n\nThis field enables fine-grained control over resource allocation for the entire pod, allowing resource sharing among containers in a pod.',
  [`${C}.Container.startupProbe`]: 'StartupProbe indicates that the Pod has successfully initialized. If specified, no other probes are executed until this completes successfully. If this probe fails, the Pod will be restarted, just as if the livenessProbe failed. This can be used to provide different probe parameters at the beginning of a Pod\'s lifecycle, when it might take a long time to load data or warm a cache, than during steady-state operation. This cannot be updated. More info: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle#container-probes',
  [`${C}.SecurityContext.seccompProfile`]: 'The seccomp options to use by this container. If seccomp options are provided at both the pod & container level, the container options override the pod options. Note that this field cannot be set when spec.os.name is windows.',
  [`${C}.PodSecurityContext.seccompProfile`]: 'The seccomp options to use by the containers in this pod. Note that this field cannot be set when spec.os.name is windows.',
  [`${C}.SecurityContext.appArmorProfile`]: 'appArmorProfile is the AppArmor options to use by this container. If set, this profile overrides the pod\'s appArmorProfile. Note that this field cannot be set when spec.os.name is windows.',
  [`${C}.PodSecurityContext.appArmorProfile`]: 'appArmorProfile is the AppArmor options to use by the containers in this pod. Note that this field cannot be set when spec.os.name is windows.',
  [`${C}.Volume.ephemeral`]: 'ephemeral represents a volume that is handled by a cluster storage driver. The volume\'s lifecycle is tied to the pod that defines it - it will be created before the pod starts, and deleted when the pod is removed.',
  [`${C}.Volume.image`]: 'image represents an OCI object (a container image or artifact) pulled and mounted on the kubelet\'s host machine.',
  [`${C}.LifecycleHandler.sleep`]: 'Sleep represents a duration that the container should sleep.',
  [`${C}.Probe.grpc`]: 'GRPC specifies a GRPC HealthCheckRequest.',
  [`${C}.PersistentVolumeClaimSpec.dataSourceRef`]: 'dataSourceRef specifies the object from which to populate the volume with data, if a non-empty volume is desired. This may be any object from a non-empty API group (non core object) or a PersistentVolumeClaim object. When this field is specified, volume binding will only succeed if the type of the specified object matches some installed volume populator or dynamic provisioner.',
  [`${C}.PersistentVolumeClaimSpec.resources`]: 'resources represents the minimum resources the volume should have. If RecoverVolumeExpansionFailure feature is enabled users are allowed to specify resource requirements that are lower than previous value but must still be higher than capacity recorded in the status field of the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#resources',
  'io.k8s.api.apps.v1.StatefulSetSpec.persistentVolumeClaimRetentionPolicy': 'persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates. By default, all persistent volume claims are created as needed and retained until manually deleted. This policy allows the lifecycle to be altered, for example by deleting persistent volume claims when their stateful set is deleted, or when their pod is scaled down.',
  'io.k8s.api.apps.v1.StatefulSetSpec.ordinals': 'ordinals controls the numbering of replica indices in a StatefulSet. The default ordinals behavior assigns a "0" index to the first replica and increments the index by one for each additional replica requested.',
  'io.k8s.api.batch.v1.JobSpec.podFailurePolicy': 'Specifies the policy of handling failed pods. In particular, it allows to specify the set of actions and conditions which need to be satisfied to take the associated action. If empty, the default behaviour applies - the counter of failed pods, represented by the jobs\'s .status.failed field, is incremented and it is checked against the backoffLimit. This field cannot be used in combination with restartPolicy=OnFailure.',
  'io.k8s.api.batch.v1.JobSpec.successPolicy': 'successPolicy specifies the policy when the Job can be declared as succeeded. If empty, the default behavior applies - the Job is declared as succeeded only when the number of succeeded pods equals to the completions. When the field is specified, it must be immutable and works only for the Indexed Jobs. Once the Job meets the SuccessPolicy, the lingering pods are terminated.',
  'io.k8s.api.batch.v1.JobStatus.uncountedTerminatedPods': 'uncountedTerminatedPods holds the UIDs of Pods that have terminated but the job controller hasn\'t yet accounted for in the status counters.\n\nThe job controller creates pods with a finalizer. When a pod terminates (succeeded or failed), the controller does three steps to account for it in the job status:\n\n1. Add the pod UID to the arrays in this field. 2. Remove the pod finalizer. 3. Remove the pod UID from the arrays while increasing the corresponding\n    counter.\n\nOld jobs might not be tracked using this field, in which case the field remains empty. The structure is empty for finished jobs.',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec.behavior': 'behavior configures the scaling behavior of the target in both Up and Down directions (scaleUp and scaleDown fields respectively). If not set, the default HPAScalingRules for scale up and scale down are used.',
  'io.k8s.api.networking.v1.IngressSpec.defaultBackend': 'defaultBackend is the backend that should handle requests that don\'t match any rule. If Rules are not specified, DefaultBackend must be specified. If DefaultBackend is not set, the handling of requests that do not match any of the rules will be up to the Ingress controller.',
  'io.k8s.api.networking.v1.IngressBackend.service': 'service references a service as a backend. This is a mutually exclusive setting with "Resource".',
  'io.k8s.api.networking.v1.IngressServiceBackend.port': 'port of the referenced service. A port name or port number is required for a IngressServiceBackend.',
  'io.k8s.api.networking.v1.IngressClassSpec.parameters': 'parameters is a link to a custom resource containing additional configuration for the controller. This is optional if the controller does not require extra parameters.',
  'io.k8s.api.networking.v1.IngressStatus.loadBalancer': 'loadBalancer contains the current status of the load-balancer.',
  'io.k8s.api.discovery.v1.Endpoint.conditions': 'conditions contains information about the current status of the endpoint.',
  'io.k8s.api.discovery.v1.Endpoint.hints': 'hints contains information associated with how an endpoint should be consumed.',
  'io.k8s.api.discovery.v1.Endpoint.targetRef': 'targetRef is a reference to a Kubernetes object that represents this endpoint.',
  'io.k8s.api.events.v1.Event.deprecatedFirstTimestamp': 'deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.',
  'io.k8s.api.events.v1.Event.deprecatedLastTimestamp': 'deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.',
  'io.k8s.api.events.v1.Event.deprecatedSource': 'deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.',
  'io.k8s.api.events.v1.Event.regarding': 'regarding contains the object this Event is about. In most cases it\'s an Object reporting controller implements, e.g. ReplicaSetController implements ReplicaSets and this event is emitted because it acts on some changes in a ReplicaSet object.',
  'io.k8s.api.events.v1.Event.related': 'related is the optional secondary object for more complex actions. E.g. when regarding object triggers a creation or deletion of related object.',
  'io.k8s.api.events.v1.Event.series': 'series is data about the Event series this event represents or nil if it\'s a singleton Event.',
  'io.k8s.api.authentication.v1.SelfSubjectReview.status': 'Status is filled in by the server with the user attributes.',
  'io.k8s.api.authentication.v1.SelfSubjectReviewStatus.userInfo': 'User attributes of the user making this request.',
  'io.k8s.api.authorization.v1.ResourceAttributes.fieldSelector': 'fieldSelector describes the limitation on access based on field.  It can only limit access, not broaden it.',
  'io.k8s.api.authorization.v1.ResourceAttributes.labelSelector': 'labelSelector describes the limitation on access based on labels.  It can only limit access, not broaden it.',
  'io.k8s.api.certificates.v1.CertificateSigningRequest.spec': 'spec contains the certificate request, and is immutable after creation. Only the request, signerName, expirationSeconds, and usages fields can be set on creation. Other fields are derived by Kubernetes and cannot be modified by users.',
  'io.k8s.api.certificates.v1.CertificateSigningRequest.status': 'status contains information about whether the request is approved or denied, and the certificate issued by the signer, or the failure condition indicating signer failure.',
};

// ---------------------------------------------------------------------------
// Load sources

const clone = (v) => JSON.parse(JSON.stringify(v));

function loadSpec(path) {
  if (!existsSync(path)) {
    throw new Error(`missing ${path}: cd /tmp && apt-get download golang-k8s-kube-openapi-dev && dpkg -x golang-k8s-kube-openapi-dev_*.deb /tmp/kox`);
  }
  return JSON.parse(readFileSync(path, 'utf8')).definitions;
}
const OLD = { ...loadSpec(SPEC_113), ...loadSpec(SPEC_114) };

function unescapeDoc(s) {
  return s.replace(/\\\\/g, '\\').replace(/\\(["'])/g, '$1').trim();
}

/** Parses one client-node model .d.ts: class description, field descriptions, optionality. */
function parseDts(text) {
  const lines = text.split('\n');
  let classDoc;
  const fields = new Map();
  let doc;
  let inClass = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === '/**') {
      const body = [];
      i++;
      while (i < lines.length && lines[i].trim() !== '*/') {
        body.push(lines[i].trim().replace(/^\* ?/, ''));
        i++;
      }
      doc = unescapeDoc(body.join(' '));
      continue;
    }
    if (/^export declare class /.test(trimmed)) {
      classDoc = doc;
      doc = undefined;
      inClass = true;
      continue;
    }
    if (!inClass) continue;
    const m = /^'([^']+)'(\?)?:/.exec(trimmed);
    if (m && /^ {4}'/.test(line)) {
      fields.set(m[1], { description: doc, optional: m[2] === '?' });
      doc = undefined;
    } else if (/^static |^constructor/.test(trimmed)) {
      doc = undefined;
    }
  }
  return { classDoc, fields };
}

const allModels = await import(pathToFileURL(join(MODELS, 'all.js')).href);
const CLASSES = new Map();
for (const file of readdirSync(MODELS)) {
  if (!file.endsWith('.d.ts') || file === 'all.d.ts' || file === 'ObjectSerializer.d.ts') continue;
  const name = file.slice(0, -5);
  const cls = allModels[name];
  if (typeof cls !== 'function' || !Array.isArray(cls.attributeTypeMap)) continue;
  const { classDoc, fields } = parseDts(readFileSync(join(MODELS, file), 'utf8'));
  CLASSES.set(name, {
    name,
    description: classDoc,
    attrs: cls.attributeTypeMap.map((a) => {
      const f = fields.get(a.name);
      if (!f) throw new Error(`${name}.${a.name}: not found in .d.ts`);
      return { json: a.baseName, type: a.type, format: a.format, description: f.description, optional: f.optional };
    }),
  });
}

// ---------------------------------------------------------------------------
// Class -> upstream definition name

const OLD_BY_SUFFIX = new Map(); // "v1.PodSpec" -> [full names]
for (const n of Object.keys(OLD)) {
  const parts = n.split('.');
  const key = parts.slice(-2).join('.');
  if (!OLD_BY_SUFFIX.has(key)) OLD_BY_SUFFIX.set(key, []);
  OLD_BY_SUFFIX.get(key).push(n);
}
const pkgOf = (def) => def.slice(0, def.lastIndexOf('.', def.lastIndexOf('.') - 1));
const shortOf = (def) => def.slice(def.lastIndexOf('.') + 1);

function parseClassName(cls) {
  const m = /^([A-Z][a-z]+)?V(\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(cls);
  if (!m) throw new Error(`cannot parse class name ${cls}`);
  return { groupHint: m[1]?.toLowerCase(), version: `v${m[2]}`, short: m[3] };
}

const classToDef = new Map();
const defToClass = new Map();

function assign(cls, def) {
  const prev = classToDef.get(cls);
  if (prev) {
    if (prev !== def) throw new Error(`${cls} mapped to both ${prev} and ${def}`);
    return false;
  }
  if (defToClass.has(def)) throw new Error(`${def} claimed by ${defToClass.get(def)} and ${cls}`);
  classToDef.set(cls, def);
  defToClass.set(def, cls);
  return true;
}

function resolveClass(cls, ownerPkg) {
  if (classToDef.has(cls)) return classToDef.get(cls);
  if (CLASS_OVERRIDES[cls]) return CLASS_OVERRIDES[cls];
  const { groupHint, version, short } = parseClassName(cls);
  if (groupHint) {
    const pkg = GROUP_PKG[groupHint];
    if (!pkg) throw new Error(`unknown group prefix in ${cls}`);
    return `${pkg}.${version}.${short}`;
  }
  const candidates = (OLD_BY_SUFFIX.get(`${version}.${short}`) ?? []).filter((n) => !/^io\.k8s\.(kube-aggregator|kubernetes)\./.test(n));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1) {
    const own = candidates.find((n) => pkgOf(n) === ownerPkg);
    if (own) return own;
    throw new Error(`${cls}: ambiguous ${candidates.join(', ')} (owner ${ownerPkg})`);
  }
  // New since 1.14: same group as the type referencing it.
  return `${ownerPkg}.${version}.${short}`;
}

// ---------------------------------------------------------------------------
// 1.14 ancestor lookup

function oldDefinitionFor(def) {
  if (OLD[def]) return { name: def, schema: OLD[def] };
  const pkgVersion = def.slice(0, def.lastIndexOf('.'));
  const short = shortOf(def);
  const cls = defToClass.get(def);
  const oldShort = RENAMED[cls] ?? RENAMED[short] ?? short;
  const siblings = SIBLING_PKGS[pkgVersion] ?? [];
  for (const sib of siblings) {
    const n = `${sib}.${oldShort}`;
    if (OLD[n]) return { name: n, schema: OLD[n] };
  }
  return undefined;
}

/** Rewrites a 1.14 $ref from the ancestor's package/version to the target's. */
function rewriteOldRef(ref, oldName, def) {
  const name = ref.replace('#/definitions/', '');
  const oldPv = oldName.slice(0, oldName.lastIndexOf('.'));
  const newPv = def.slice(0, def.lastIndexOf('.'));
  if (oldPv !== newPv && name.startsWith(`${oldPv}.`)) return `${newPv}.${name.slice(oldPv.length + 1)}`;
  return name;
}

// ---------------------------------------------------------------------------
// Build

const defs = {};
const pending = [];
const fallbackDescriptions = new Map(); // "<def>.<field>" -> description from 1.14 or the table
const needOld = new Set(); // definitions to copy from 1.14 (opaque types)

/** 1.14 descriptions point at the pre-2019 location of the API conventions. */
function modernize(desc) {
  return desc.replaceAll('https://git.k8s.io/community/contributors/devel/api-conventions.md', 'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md');
}

function norm(s) {
  return s.replace(/\s+/g, ' ').trim();
}

function typeFromClientNode(t, format, ownerDef, field) {
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { type: 'array', items: typeFromClientNode(arr[1], format, ownerDef, field) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (map) return { type: 'object', additionalProperties: typeFromClientNode(map[1], format, ownerDef, field) };
  switch (t) {
    case 'string':
      return format ? { type: 'string', format } : { type: 'string' };
    case 'number':
      if (format === 'double' || format === 'float') return { type: 'number', format };
      return format ? { type: 'integer', format } : { type: 'integer' };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return { $ref: TIME };
    case 'V1MicroTime':
      return { $ref: MICRO_TIME };
    case 'IntOrString':
      return { $ref: INT_OR_STRING };
    case 'any':
      return { __any: true };
    default: {
      if (!CLASSES.has(t)) throw new Error(`${ownerDef}.${field}: unknown client-node type ${t}`);
      const target = resolveClass(t, pkgOf(ownerDef));
      if (assign(t, target)) pending.push(t);
      return { $ref: target };
    }
  }
}

/** Replaces lossy client-node types with what 1.14 or the tables say. */
function refine(schema, oldProp, oldName, def, field) {
  const key = `${def}.${field}`;
  if (key in FIELD_TYPES && FIELD_TYPES[key]) return clone(FIELD_TYPES[key]);
  if (schema.__any) {
    if (!oldProp) throw new Error(`${key}: untyped in client-node and unknown in 1.14; add it to FIELD_TYPES`);
    return convertOld(oldProp, oldName, def);
  }
  if (!oldProp) return schema;
  const oldRef = oldProp.$ref && oldProp.$ref.replace('#/definitions/', '');
  if (schema.$ref === TIME && oldRef === MICRO_TIME) return { $ref: MICRO_TIME };
  if (schema.type === 'string' && !schema.format && oldRef === QUANTITY) return { $ref: QUANTITY };
  if (schema.type === 'object' && schema.additionalProperties) {
    const oldAp = oldProp.additionalProperties;
    if (oldAp?.$ref === `#/definitions/${QUANTITY}` && schema.additionalProperties.type === 'string') {
      return { type: 'object', additionalProperties: { $ref: QUANTITY } };
    }
    if (schema.additionalProperties.__any && oldAp) return { type: 'object', additionalProperties: convertOld(oldAp, oldName, def) };
  }
  if (schema.type === 'array' && schema.items.__any && oldProp.items) {
    return { type: 'array', items: convertOld(oldProp.items, oldName, def) };
  }
  return schema;
}

/** Converts a 1.14 property schema (for opaque types) into the output form. */
function convertOld(s, oldName, def) {
  const out = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'description') continue;
    if (k === '$ref') {
      const target = rewriteOldRef(v, oldName, def);
      out.$ref = target;
      if (!defToClass.has(target)) needOld.add(target);
    } else if (k === 'items' || k === 'additionalProperties') {
      out[k] = typeof v === 'object' ? convertOld(v, oldName, def) : v;
    } else {
      out[k] = v;
    }
  }
  return out;
}

const EXT_KEYS = ['x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type'];

function buildDefinition(cls) {
  const def = classToDef.get(cls);
  const c = CLASSES.get(cls);
  const old = oldDefinitionFor(def);
  const out = { type: 'object' };
  const classDesc = c.description && old?.schema.description && norm(old.schema.description) === norm(c.description) ? old.schema.description : c.description;
  if (classDesc) out.description = classDesc;
  const props = {};
  const required = [];
  for (const a of c.attrs) {
    const oldProp = old?.schema.properties?.[a.json];
    let s = typeFromClientNode(a.type, a.format, def, a.json);
    s = refine(s, oldProp, old?.name, def, a.json);
    const key = `${def}.${a.json}`;
    let desc = a.description;
    if (desc && oldProp?.description && norm(oldProp.description) === norm(desc)) desc = oldProp.description;
    if (!desc && FIELD_DESCRIPTIONS[key]) desc = FIELD_DESCRIPTIONS[key];
    if (!desc && oldProp?.description) desc = modernize(oldProp.description);
    if (!desc && a.json === 'metadata' && s.$ref === `${META}.v1.ObjectMeta`) desc = OBJECT_META_DESCRIPTION;
    if (!desc && a.json === 'metadata' && s.$ref === `${META}.v1.ListMeta`) desc = LIST_META_DESCRIPTION;
    const fallback = FIELD_DESCRIPTIONS[key] ?? (oldProp?.description && modernize(oldProp.description));
    if (fallback) fallbackDescriptions.set(key, fallback);
    const prop = {};
    if (desc) prop.description = desc;
    if (FIELD_DEFAULTS[key] !== undefined) prop.default = FIELD_DEFAULTS[key];
    if (FIELD_ENUMS[key]) prop.enum = FIELD_ENUMS[key];
    Object.assign(prop, s);
    if (oldProp) for (const e of EXT_KEYS) if (oldProp[e] !== undefined) prop[e] = oldProp[e];
    if (FIELD_EXT[key]) Object.assign(prop, FIELD_EXT[key]);
    if (prop.type === 'array' && !(a.json === 'items' && GVKS.has(def))) applyListType(prop);
    props[a.json] = prop;
    if (!a.optional) required.push(a.json);
  }
  if (Object.keys(props).length) out.properties = props;
  if (required.length) out.required = required;
  if (ATOMIC_STRUCTS.includes(def)) out['x-kubernetes-map-type'] = 'atomic';
  if (old?.schema['x-kubernetes-map-type']) out['x-kubernetes-map-type'] = old.schema['x-kubernetes-map-type'];
  defs[def] = out;
}

/**
 * Upstream's rule for server-side apply (kube-openapi schemaconv): an explicit
 * x-kubernetes-list-type wins; otherwise a list with patch strategy "merge" is
 * a map keyed by its patch merge key (a set when it has none); otherwise it is
 * atomic. Emitted explicitly so SSA needs to read only one extension.
 */
function applyListType(prop) {
  if (prop['x-kubernetes-list-type']) return;
  const strategy = prop['x-kubernetes-patch-strategy'] ?? '';
  if (strategy.split(',').includes('merge')) {
    const key = prop['x-kubernetes-patch-merge-key'];
    if (key) {
      prop['x-kubernetes-list-type'] = 'map';
      prop['x-kubernetes-list-map-keys'] = [key];
    } else {
      prop['x-kubernetes-list-type'] = 'set';
    }
  } else {
    prop['x-kubernetes-list-type'] = 'atomic';
  }
}

// Roots
const GVKS = new Map(); // def -> [{group, kind, version}]
function addGvk(def, gvk) {
  if (!GVKS.has(def)) GVKS.set(def, []);
  GVKS.get(def).push(gvk);
}
for (const [group, version, kind, cls] of KINDS) {
  if (!CLASSES.has(cls)) throw new Error(`client-node has no ${cls}`);
  const def = `${GROUP_PKG[group]}.${version}.${kind}`;
  if (assign(cls, def)) pending.push(cls);
  addGvk(def, { group, kind, version });
  if (CLASSES.has(`${cls}List`)) {
    if (assign(`${cls}List`, `${def}List`)) pending.push(`${cls}List`);
    addGvk(`${def}List`, { group, kind: `${kind}List`, version });
  }
}
for (const [kind, cls] of META_KINDS) {
  const def = `${META}.v1.${kind}`;
  if (assign(cls, def)) pending.push(cls);
  addGvk(def, { group: '', kind, version: 'v1' });
}
for (const cls of META_EXTRA) {
  if (assign(cls, `${META}.v1.${parseClassName(cls).short}`)) pending.push(cls);
}
// DeleteOptions and WatchEvent carry the GVK of every served group version (as upstream).
const groupVersions = [...new Set(KINDS.map(([g, v]) => `${g}/${v}`))].map((gv) => gv.split('/'));
groupVersions.sort((a, b) => (a[0] + '/' + a[1]).localeCompare(b[0] + '/' + b[1]));
for (const kind of ['DeleteOptions', 'WatchEvent']) {
  for (const [group, version] of groupVersions) addGvk(`${META}.v1.${kind}`, { group, kind, version });
}

while (pending.length) buildDefinition(pending.shift());

// Opaque types referenced by the above (Quantity, Time, IntOrString, RawExtension, JSON, ...).
needOld.add(QUANTITY).add(INT_OR_STRING).add(TIME).add(MICRO_TIME).add(RAW_EXTENSION).add(`${META}.v1.Patch`);
for (const name of [...needOld].sort()) {
  if (defs[name]) continue;
  if (EXTRA_DEFINITIONS[name]) continue;
  const old = OLD[name] ? { name, schema: OLD[name] } : oldDefinitionFor(name);
  if (!old) throw new Error(`no 1.14 definition for ${name}`);
  // 1.14 mis-described RawExtension as {Raw: byte}; upstream now says "type: object".
  if (old.schema.properties && name !== RAW_EXTENSION) throw new Error(`${name} is not opaque; expected a client-node class`);
  const out = name === RAW_EXTENSION ? { type: 'object' } : convertOld(old.schema, old.name, name);
  if (old.schema.description) out.description = modernize(old.schema.description);
  defs[name] = out;
}
for (const [name, schema] of Object.entries(EXTRA_DEFINITIONS)) defs[name] = clone(schema);

// client-node gives fields of inlined types (IntOrString, JSON, ...) the type's description instead of the field's.
let typeDescriptionsReplaced = 0;
for (const [def, schema] of Object.entries(defs)) {
  for (const [field, prop] of Object.entries(schema.properties ?? {})) {
    const ref = prop.$ref ?? prop.items?.$ref ?? prop.additionalProperties?.$ref;
    if (!ref || !prop.description || defs[ref]?.description !== prop.description) continue;
    const fallback = fallbackDescriptions.get(`${def}.${field}`);
    if (fallback === prop.description) continue;
    if (fallback) prop.description = fallback;
    else delete prop.description;
    typeDescriptionsReplaced++;
  }
}

for (const [def, gvks] of GVKS) {
  if (!defs[def]) throw new Error(`root ${def} not built`);
  defs[def]['x-kubernetes-group-version-kind'] = gvks;
}

// $refs are stored in v2 form.
function fixRefs(s) {
  if (Array.isArray(s)) return s.forEach(fixRefs);
  if (!s || typeof s !== 'object') return;
  if (typeof s.$ref === 'string' && !s.$ref.startsWith('#/')) s.$ref = `#/definitions/${s.$ref}`;
  for (const v of Object.values(s)) fixRefs(v);
}
for (const s of Object.values(defs)) fixRefs(s);

// Check every $ref resolves.
function checkRefs(s, where) {
  if (Array.isArray(s)) return s.forEach((x) => checkRefs(x, where));
  if (!s || typeof s !== 'object') return;
  if (typeof s.$ref === 'string' && !defs[s.$ref.slice('#/definitions/'.length)]) throw new Error(`${where}: dangling ${s.$ref}`);
  for (const v of Object.values(s)) checkRefs(v, where);
}
for (const [n, s] of Object.entries(defs)) checkRefs(s, n);
// Every hand-maintained key must name a real field, or it is stale.
for (const key of [...Object.keys(FIELD_EXT), ...Object.keys(FIELD_DEFAULTS), ...Object.keys(FIELD_ENUMS), ...Object.keys(FIELD_DESCRIPTIONS), ...Object.keys(FIELD_TYPES)]) {
  const def = Object.keys(defs).filter((d) => key.startsWith(`${d}.`)).sort((a, b) => b.length - a.length)[0];
  if (!def) {
    process.stderr.write(`warning: ${key}: no such definition\n`);
    continue;
  }
  const field = key.slice(def.length + 1);
  if (!defs[def].properties?.[field]) process.stderr.write(`warning: ${key}: no such field\n`);
}

// ---------------------------------------------------------------------------
// Deterministic output: keys sorted at every level; one definition per line,
// and within it one property per line, so a changed field is a one-line diff.

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!v || typeof v !== 'object') return v;
  const out = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}
function serializeDefinition(schema) {
  const sorted = sortKeys(schema);
  const parts = Object.entries(sorted).map(([k, v]) => {
    if (k !== 'properties') return `${JSON.stringify(k)}: ${JSON.stringify(v)}`;
    const props = Object.entries(v).map(([name, p]) => `    ${JSON.stringify(name)}: ${JSON.stringify(p)}`);
    return `"properties": {\n${props.join(',\n')}\n  }`;
  });
  return `{${parts.join(', ')}}`;
}
const names = Object.keys(defs).sort();
const text = '{\n' + names.map((n, i) => `  ${JSON.stringify(n)}: ${serializeDefinition(defs[n])}${i < names.length - 1 ? ',' : ''}`).join('\n') + '\n}\n';

if (process.argv.includes('--check')) {
  const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (current !== text) {
    process.stderr.write(`${OUT} is out of date; run node scripts/gen-openapi-definitions.mjs\n`);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
}
process.stdout.write(`${names.length} definitions, ${text.length} bytes -> ${OUT} (${typeDescriptionsReplaced} type descriptions dropped from fields)\n`);
