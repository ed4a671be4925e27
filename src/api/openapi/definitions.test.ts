import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_RESOURCES } from '../resources.js';
import { definitionForKind, definitions, reachableDefinitions, refName, type SchemaObject } from './index.js';

const C = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

function prop(def: string, field: string): SchemaObject {
  const schema = definitions[def]?.properties?.[field];
  assert.ok(schema, `${def}.${field} exists`);
  return schema;
}

function forEachRef(value: unknown, fn: (ref: string) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) forEachRef(v, fn);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') fn(v);
      else forEachRef(v, fn);
    }
  }
}

/** The kinds Skiff serves (the generator's list). */
const KINDS: Array<[string, string, string]> = [
  ['', 'v1', 'Namespace'], ['', 'v1', 'Pod'], ['', 'v1', 'Binding'], ['', 'v1', 'Service'], ['', 'v1', 'Endpoints'],
  ['', 'v1', 'ConfigMap'], ['', 'v1', 'Secret'], ['', 'v1', 'ServiceAccount'], ['', 'v1', 'Event'], ['', 'v1', 'Node'],
  ['', 'v1', 'PersistentVolume'], ['', 'v1', 'PersistentVolumeClaim'], ['', 'v1', 'ResourceQuota'], ['', 'v1', 'LimitRange'],
  ['', 'v1', 'PodTemplate'], ['', 'v1', 'ReplicationController'], ['', 'v1', 'ComponentStatus'], ['policy', 'v1', 'Eviction'],
  ['apps', 'v1', 'Deployment'], ['apps', 'v1', 'ReplicaSet'], ['apps', 'v1', 'StatefulSet'], ['apps', 'v1', 'DaemonSet'],
  ['apps', 'v1', 'ControllerRevision'], ['autoscaling', 'v1', 'Scale'], ['autoscaling', 'v2', 'HorizontalPodAutoscaler'],
  ['batch', 'v1', 'Job'], ['batch', 'v1', 'CronJob'], ['coordination.k8s.io', 'v1', 'Lease'], ['discovery.k8s.io', 'v1', 'EndpointSlice'],
  ['events.k8s.io', 'v1', 'Event'], ['policy', 'v1', 'PodDisruptionBudget'], ['networking.k8s.io', 'v1', 'NetworkPolicy'],
  ['networking.k8s.io', 'v1', 'Ingress'], ['networking.k8s.io', 'v1', 'IngressClass'], ['rbac.authorization.k8s.io', 'v1', 'Role'],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding'], ['rbac.authorization.k8s.io', 'v1', 'ClusterRole'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding'], ['scheduling.k8s.io', 'v1', 'PriorityClass'],
  ['storage.k8s.io', 'v1', 'StorageClass'], ['storage.k8s.io', 'v1', 'CSIDriver'], ['storage.k8s.io', 'v1', 'CSINode'],
  ['storage.k8s.io', 'v1', 'VolumeAttachment'], ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'],
  ['authorization.k8s.io', 'v1', 'SelfSubjectAccessReview'], ['authorization.k8s.io', 'v1', 'SubjectAccessReview'],
  ['authorization.k8s.io', 'v1', 'SelfSubjectRulesReview'], ['authorization.k8s.io', 'v1', 'LocalSubjectAccessReview'],
  ['authentication.k8s.io', 'v1', 'SelfSubjectReview'], ['authentication.k8s.io', 'v1', 'TokenReview'], ['authentication.k8s.io', 'v1', 'TokenRequest'],
  ['certificates.k8s.io', 'v1', 'CertificateSigningRequest'], ['admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration'],
  ['admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration'],
];

describe('openapi definitions', () => {
  it('has a definition with its GVK for every kind Skiff serves', () => {
    for (const [group, version, kind] of KINDS) {
      const name = definitionForKind(group, version, kind);
      assert.ok(name, `${group}/${version} ${kind}`);
      assert.equal(name.slice(name.lastIndexOf('.') + 1), kind);
      assert.deepEqual(definitions[name]?.['x-kubernetes-group-version-kind'], [{ group, kind, version }]);
    }
    for (const r of BUILTIN_RESOURCES) {
      assert.ok(definitionForKind(r.group, r.version, r.kind), `served ${r.group}/${r.version} ${r.kind}`);
      if (r.verbs.includes('list')) assert.ok(definitionForKind(r.group, r.version, `${r.kind}List`), `${r.kind}List`);
    }
  });

  it('keeps upstream definition names and the two Events apart', () => {
    assert.equal(definitionForKind('', 'v1', 'Event'), `${C}.Event`);
    assert.equal(definitionForKind('events.k8s.io', 'v1', 'Event'), 'io.k8s.api.events.v1.Event');
    assert.equal(definitionForKind('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'), 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
    assert.equal(definitionForKind('', 'v1', 'Status'), `${META}.Status`);
    assert.equal(definitionForKind('apps', 'v1', 'NoSuchKind'), undefined);
    for (const name of [`${META}.ObjectMeta`, `${META}.ListMeta`, `${META}.DeleteOptions`, `${META}.WatchEvent`, `${META}.APIResourceList`, `${META}.Table`, `${META}.Patch`, `${C}.PodSpec`]) {
      assert.ok(definitions[name], name);
    }
  });

  it('resolves every $ref', () => {
    for (const [name, schema] of Object.entries(definitions)) {
      forEachRef(schema, (ref) => {
        assert.ok(ref.startsWith('#/definitions/'), `${name}: ${ref}`);
        assert.ok(definitions[refName(ref)], `${name}: dangling ${ref}`);
      });
    }
  });

  it('keeps only what the served kinds reach', () => {
    const roots = Object.entries(definitions).filter(([, s]) => s['x-kubernetes-group-version-kind']).map(([n]) => n);
    roots.push(`${META}.Patch`); // the body of every PATCH operation
    const reachable = new Set(reachableDefinitions(roots));
    const unreachable = Object.keys(definitions).filter((n) => !reachable.has(n));
    assert.deepEqual(unreachable, []);
    assert.ok(!Object.keys(definitions).some((n) => /v1alpha|v1beta|v2beta/.test(n)), 'no pre-release versions');
  });

  it('carries strategic-merge and server-side-apply metadata of key fields', () => {
    const containers = prop(`${C}.PodSpec`, 'containers');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-list-type'], 'map');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);

    const env = prop(`${C}.Container`, 'env');
    assert.equal(env['x-kubernetes-patch-merge-key'], 'name');
    assert.deepEqual(env['x-kubernetes-list-map-keys'], ['name']);

    const mounts = prop(`${C}.Container`, 'volumeMounts');
    assert.equal(mounts['x-kubernetes-patch-merge-key'], 'mountPath');
    assert.deepEqual(mounts['x-kubernetes-list-map-keys'], ['mountPath']);

    const ports = prop(`${C}.Container`, 'ports');
    assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(prop(`${C}.ContainerPort`, 'protocol').default, 'TCP');

    const servicePorts = prop(`${C}.ServiceSpec`, 'ports');
    assert.equal(servicePorts['x-kubernetes-patch-merge-key'], 'port');
    assert.deepEqual(servicePorts['x-kubernetes-list-map-keys'], ['port', 'protocol']);

    const tolerations = prop(`${C}.PodSpec`, 'tolerations');
    assert.equal(tolerations['x-kubernetes-list-type'], 'atomic');
    assert.equal(tolerations['x-kubernetes-patch-strategy'], undefined);

    const volumes = prop(`${C}.PodSpec`, 'volumes');
    assert.equal(volumes['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal(volumes['x-kubernetes-patch-merge-key'], 'name');

    assert.equal(prop(`${C}.PodSpec`, 'ephemeralContainers')['x-kubernetes-patch-merge-key'], 'name');
    assert.deepEqual(prop(`${C}.PodSpec`, 'topologySpreadConstraints')['x-kubernetes-list-map-keys'], ['topologyKey', 'whenUnsatisfiable']);
    assert.equal(prop(`${C}.PodSpec`, 'resourceClaims')['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    assert.equal(prop(`${C}.ServiceSpec`, 'ipFamilies')['x-kubernetes-list-type'], 'atomic');

    const finalizers = prop(`${META}.ObjectMeta`, 'finalizers');
    assert.equal(finalizers['x-kubernetes-patch-strategy'], 'merge');
    assert.equal(finalizers['x-kubernetes-list-type'], 'set');

    const owners = prop(`${META}.ObjectMeta`, 'ownerReferences');
    assert.equal(owners['x-kubernetes-patch-merge-key'], 'uid');
    assert.deepEqual(owners['x-kubernetes-list-map-keys'], ['uid']);

    const conditions = prop(`${C}.PodStatus`, 'conditions');
    assert.equal(conditions['x-kubernetes-patch-merge-key'], 'type');
    assert.deepEqual(conditions['x-kubernetes-list-map-keys'], ['type']);
    assert.deepEqual(prop('io.k8s.api.apps.v1.DeploymentStatus', 'conditions')['x-kubernetes-list-map-keys'], ['type']);
    assert.equal(prop('io.k8s.api.batch.v1.JobStatus', 'conditions')['x-kubernetes-list-type'], 'atomic');

    assert.equal(prop('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')['x-kubernetes-patch-strategy'], 'retainKeys');
    assert.equal(definitions[`${META}.LabelSelector`]?.['x-kubernetes-map-type'], 'atomic');
    assert.equal(prop(`${C}.PodSpec`, 'nodeSelector')['x-kubernetes-map-type'], 'atomic');
  });

  it('gives every list a list type, and map lists their keys', () => {
    for (const [name, schema] of Object.entries(definitions)) {
      const isListKind = Boolean(schema['x-kubernetes-group-version-kind']) && name.endsWith('List');
      for (const [field, p] of Object.entries(schema.properties ?? {})) {
        if (p.type !== 'array' || (isListKind && field === 'items')) continue;
        const listType = p['x-kubernetes-list-type'];
        assert.ok(listType === 'atomic' || listType === 'set' || listType === 'map', `${name}.${field}`);
        if (listType === 'map') assert.ok(p['x-kubernetes-list-map-keys']?.length, `${name}.${field} keys`);
      }
    }
  });

  it('types IntOrString, Quantity and Time as upstream does', () => {
    assert.deepEqual(prop('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge').$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    const intOrString = definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'];
    assert.equal(intOrString?.type, 'string');
    assert.equal(intOrString?.format, 'int-or-string');
    assert.equal(definitions['io.k8s.apimachinery.pkg.api.resource.Quantity']?.type, 'string');
    assert.equal(definitions[`${META}.Time`]?.format, 'date-time');
    assert.equal(definitions[`${META}.MicroTime`]?.format, 'date-time');
    assert.equal(prop(`${META}.ObjectMeta`, 'creationTimestamp').$ref, `#/definitions/${META}.Time`);
    assert.equal(prop('io.k8s.api.coordination.v1.LeaseSpec', 'renewTime').$ref, `#/definitions/${META}.MicroTime`);
    for (const [def, field] of [[`${C}.ResourceRequirements`, 'limits'], [`${C}.PodSpec`, 'overhead'], [`${C}.NodeStatus`, 'capacity'], [`${C}.VolumeResourceRequirements`, 'requests']] as const) {
      const ap = prop(def, field).additionalProperties as SchemaObject;
      assert.equal(ap.$ref, '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity', `${def}.${field}`);
    }
    assert.equal(prop(`${C}.EmptyDirVolumeSource`, 'sizeLimit').$ref, '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.equal((prop(`${C}.Secret`, 'data').additionalProperties as SchemaObject).format, 'byte');
    assert.equal(prop('io.k8s.api.apps.v1.DeploymentSpec', 'replicas').format, 'int32');
    assert.equal(prop('io.k8s.api.apps.v1.ControllerRevision', 'data').$ref, '#/definitions/io.k8s.apimachinery.pkg.runtime.RawExtension');
  });

  it('has descriptions for kinds and nearly all fields, not their types\' text', () => {
    const intOrStringText = definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']?.description;
    let fields = 0;
    let described = 0;
    for (const [name, schema] of Object.entries(definitions)) {
      if (schema.properties) assert.ok(schema.description, `${name} description`);
      for (const [field, p] of Object.entries(schema.properties ?? {})) {
        fields++;
        if (p.description) described++;
        assert.notEqual(p.description, intOrStringText, `${name}.${field} has IntOrString's text`);
      }
    }
    assert.ok(described / fields > 0.97, `${described}/${fields} fields described`);
    assert.match(prop(`${C}.PodSpec`, 'containers').description ?? '', /List of containers belonging to the pod/);
    assert.match(prop(`${C}.PodSpec`, 'affinity').description ?? '', /scheduling constraints/);
    assert.match(prop('io.k8s.api.apps.v1.RollingUpdateDeployment', 'maxSurge').description ?? '', /maximum number of pods that can be scheduled above/);
    assert.ok(!JSON.stringify(definitions).includes('contributors/devel/api-conventions.md'), 'old convention links modernised');
  });
});
