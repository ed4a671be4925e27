import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Error, quantityError, SchemaCompiler, validateAgainstSchema, type SchemaObject } from './index.js';

const POD = 'io.k8s.api.core.v1.Pod';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const strict = { unknownFields: 'strict' as const };

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'deployment.kubernetes.io/revision': '1' }, creationTimestamp: '2024-05-01T10:00:00Z', generation: 3, resourceVersion: '123', uid: 'a-b-c', managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] },
  spec: {
    replicas: 3,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [{
          name: 'nginx',
          image: 'nginx:1.25',
          imagePullPolicy: 'IfNotPresent',
          args: ['-g', 'daemon off;'],
          ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
          env: [{ name: 'A', value: '1' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { limits: { cpu: '500m', memory: '128Mi', 'nvidia.com/gpu': 1 }, requests: { cpu: 0.25, memory: '64Mi' } },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 3, periodSeconds: 10 },
          readinessProbe: { tcpSocket: { port: 80 } },
          volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
          securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
        }],
        volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a' }] } }],
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } } },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }],
        nodeSelector: { disk: 'ssd' },
        terminationGracePeriodSeconds: 30,
        securityContext: { fsGroup: 2000 },
      },
    },
  },
  status: { replicas: 3, readyReplicas: 3, conditions: [{ type: 'Available', status: 'True', lastUpdateTime: '2024-05-01T10:00:00Z', lastTransitionTime: '2024-05-01T10:00:00.123456Z', reason: 'MinimumReplicasAvailable', message: 'ok' }] },
};

describe('validateAgainstSchema', () => {
  it('accepts realistic objects', () => {
    assert.deepEqual(validateAgainstSchema(deployment, DEPLOYMENT, strict), { unknownFields: [], typeErrors: [] });
    const service = {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 's' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, protocol: 'TCP' }, { port: 443, targetPort: 8443 }], clusterIPs: ['10.0.0.1'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None' },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ports: [{ port: 80, protocol: 'TCP' }] }] } },
    };
    assert.deepEqual(validateAgainstSchema(service, 'io.k8s.api.core.v1.Service', strict), { unknownFields: [], typeErrors: [] });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true, blockOwnerDeletion: true }], finalizers: ['x/y'], deletionTimestamp: null }, spec: deployment.spec.template.spec, status: { phase: 'Running', podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }], startTime: '2024-05-01T10:00:00Z', containerStatuses: [{ name: 'nginx', ready: true, restartCount: 0, image: 'nginx', imageID: 'sha', state: { running: { startedAt: '2024-05-01T10:00:01Z' } } }] } };
    assert.deepEqual(validateAgainstSchema(pod, POD, strict), { unknownFields: [], typeErrors: [] });
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'aGVsbG8=', b: '' }, stringData: { c: 'plain' } };
    assert.deepEqual(validateAgainstSchema(secret, 'io.k8s.api.core.v1.Secret', strict), { unknownFields: [], typeErrors: [] });
    const revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { anything: ['goes', 1, { here: true }] } };
    assert.deepEqual(validateAgainstSchema(revision, 'io.k8s.api.apps.v1.ControllerRevision', strict), { unknownFields: [], typeErrors: [] });
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2024-05-01T10:00:00.000000Z' } };
    assert.deepEqual(validateAgainstSchema(lease, 'io.k8s.api.coordination.v1.Lease', strict), { unknownFields: [], typeErrors: [] });
  });

  it('reports unknown fields at nested paths as upstream prints them', () => {
    const obj = structuredClone(deployment) as Record<string, unknown> & typeof deployment;
    Object.assign(obj.spec, { foo: 1 });
    Object.assign(obj.metadata, { unknownMeta: 'x' });
    Object.assign(obj.spec.template.spec.containers[0] as object, { imagePullPolice: 'Always' });
    Object.assign(obj.spec.template.spec.containers[0]!.ports[0] as object, { contaierPort: 80 });
    Object.assign(obj.spec.template.spec.volumes[0]!.emptyDir as object, { medium2: 'x' });
    Object.assign(obj.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0] as object, { bogus: true });
    const result = validateAgainstSchema(obj, DEPLOYMENT, strict);
    assert.deepEqual(result.typeErrors, []);
    assert.deepEqual(result.unknownFields.sort(), [
      'unknown field "metadata.unknownMeta"',
      'unknown field "spec.foo"',
      'unknown field "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].bogus"',
      'unknown field "spec.template.spec.containers[0].imagePullPolice"',
      'unknown field "spec.template.spec.containers[0].ports[0].contaierPort"',
      'unknown field "spec.template.spec.volumes[0].emptyDir.medium2"',
    ]);
    assert.deepEqual(validateAgainstSchema(obj, DEPLOYMENT, { unknownFields: 'warn' }).unknownFields.length, 6);
    assert.deepEqual(validateAgainstSchema(obj, DEPLOYMENT, { unknownFields: 'ignore' }), { unknownFields: [], typeErrors: [] });
  });

  it('reports unknown fields inside map values of structs', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'foos.example.com' },
      spec: {
        group: 'example.com', scope: 'Namespaced', names: { plural: 'foos', singular: 'foo', kind: 'Foo', listKind: 'FooList', shortNames: ['fo'] },
        versions: [{
          name: 'v1', served: true, storage: true, subresources: { status: {} },
          additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, typo: 1, properties: { size: { type: 'integer', default: 3, minimum: 1 } }, required: ['size'] } }, items: { type: 'string' } } },
        }],
      },
    };
    const result = validateAgainstSchema(crd, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', strict);
    assert.deepEqual(result.typeErrors, []);
    assert.deepEqual(result.unknownFields, ['unknown field "spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"']);
  });

  it('reports wrong JSON types with the decoder\'s message', () => {
    const check = (obj: unknown, def = POD) => validateAgainstSchema(obj, def, strict).typeErrors;
    assert.deepEqual(check({ spec: { containers: 'nginx' } }), [{ path: 'spec.containers', message: 'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container' }]);
    assert.deepEqual(check({ spec: { containers: [5] } }), [{ path: 'spec.containers[0]', message: 'json: cannot unmarshal number into Go struct field PodSpec.spec.containers of type v1.Container' }]);
    assert.deepEqual(check({ spec: 'x' }), [{ path: 'spec', message: 'json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec' }]);
    assert.deepEqual(check({ spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'PORT', value: 5432 }] }] } } } }, DEPLOYMENT), [
      { path: 'spec.template.spec.containers[0].env[0].value', message: 'json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string' },
    ]);
    assert.deepEqual(check({ metadata: { labels: { a: true } } }), [{ path: 'metadata.labels.a', message: 'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string' }]);
    assert.deepEqual(check({ metadata: { labels: ['a'] } }), [{ path: 'metadata.labels', message: 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string' }]);
    assert.deepEqual(check({ spec: { replicas: '3' } }, DEPLOYMENT), [{ path: 'spec.replicas', message: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' }]);
    assert.deepEqual(check({ spec: { replicas: 1.5 } }, DEPLOYMENT), [{ path: 'spec.replicas', message: 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32' }]);
    assert.deepEqual(check({ spec: { replicas: 3000000000 } }, DEPLOYMENT), [{ path: 'spec.replicas', message: 'json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32' }]);
    assert.deepEqual(check({ spec: { paused: 'yes' } }, DEPLOYMENT), [{ path: 'spec.paused', message: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool' }]);
    assert.deepEqual(check({ spec: { containers: [{ name: 'a', imagePullPolicy: 1 }] } }), [{ path: 'spec.containers[0].imagePullPolicy', message: 'json: cannot unmarshal number into Go struct field Container.spec.containers.imagePullPolicy of type v1.PullPolicy' }]);
    assert.deepEqual(check({ spec: { activeDeadlineSeconds: 'x' } }), [{ path: 'spec.activeDeadlineSeconds', message: 'json: cannot unmarshal string into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64' }]);
    // null is the zero value everywhere.
    assert.deepEqual(check({ metadata: null, spec: { containers: null, nodeSelector: null, activeDeadlineSeconds: null } }), []);
  });

  it('decodes IntOrString, Quantity, Time and bytes as their Go types do', () => {
    const check = (obj: unknown, def = DEPLOYMENT) => validateAgainstSchema(obj, def, strict).typeErrors;
    assert.deepEqual(check({ spec: { strategy: { rollingUpdate: { maxSurge: 2, maxUnavailable: '10%' } } } }), []);
    assert.deepEqual(check({ spec: { strategy: { rollingUpdate: { maxSurge: true } } } }), [
      { path: 'spec.strategy.rollingUpdate.maxSurge', message: 'json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32' },
    ]);
    assert.deepEqual(check({ spec: { strategy: { rollingUpdate: { maxSurge: 1.5 } } } }).length, 1);
    assert.deepEqual(check({ spec: { containers: [{ name: 'a', resources: { limits: { memory: '1Gx' }, requests: { cpu: '2Kb' } } }] } }, POD), [
      { path: 'spec.containers[0].resources.limits.memory', message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" },
      { path: 'spec.containers[0].resources.requests.cpu', message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" },
    ]);
    assert.deepEqual(check({ metadata: { creationTimestamp: 'yesterday' } }), [
      { path: 'metadata.creationTimestamp', message: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"' },
    ]);
    assert.deepEqual(check({ metadata: { creationTimestamp: 5 } }), [
      { path: 'metadata.creationTimestamp', message: 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string' },
    ]);
    assert.deepEqual(check({ data: { a: 'not base64!' } }, 'io.k8s.api.core.v1.Secret'), [{ path: 'data.a', message: 'illegal base64 data at input byte 3' }]);
    assert.deepEqual(check({ data: { a: 5 } }, 'io.k8s.api.core.v1.Secret'), [{ path: 'data.a', message: 'json: cannot unmarshal number into Go struct field Secret.data of type []uint8' }]);
  });

  it('parses quantities and base64 like resource.ParseQuantity and base64.StdEncoding', () => {
    for (const ok of ['1', '0.5', '.5', '500m', '1Gi', '128Mi', '1e3', '1E-3', '+1k', '-2', '1.5Ti', '100n', '4u']) assert.equal(quantityError(ok), undefined, ok);
    for (const bad of ['', 'abc', '1Gx', 'G1', '1..5', '1 Gi x']) assert.ok(quantityError(bad), bad);
    assert.equal(quantityError('2Kb'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert.equal(quantityError('1Gi5'), "unable to parse quantity's suffix");
    assert.equal(base64Error(''), -1);
    assert.equal(base64Error('aGVsbG8='), -1);
    assert.equal(base64Error('aGVs\nbG8='), -1);
    assert.equal(base64Error('aGVsbA=='), -1);
    assert.equal(base64Error('abc'), 0);
    assert.equal(base64Error('abcde'), 4);
    assert.equal(base64Error('a$bc'), 1);
    assert.equal(base64Error('aGVsbG8=x'), 8);
    assert.equal(base64Error('a==='), 1);
  });

  it('honours x-kubernetes-preserve-unknown-fields and free-form types', () => {
    const defs: Record<string, SchemaObject> = {
      'example.v1.Thing': {
        type: 'object',
        properties: {
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { size: { type: 'integer', format: 'int32' } } },
          raw: { $ref: '#/definitions/io.k8s.apimachinery.pkg.runtime.RawExtension' },
          list: { type: 'array', items: { $ref: '#/definitions/example.v1.Thing' } },
        },
      },
      'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
    };
    const compiler = new SchemaCompiler(defs);
    const result = validateAgainstSchema({ spec: { size: 'big', extra: { deep: 1 } }, raw: [1, 'x'], list: [{ spec: {}, oops: 1 }] }, 'example.v1.Thing', strict, compiler);
    assert.deepEqual(result.unknownFields, ['unknown field "list[0].oops"']);
    assert.deepEqual(result.typeErrors, [{ path: 'spec.size', message: 'json: cannot unmarshal string into Go struct field Thing.spec.size of type int32' }]);
  });

  it('is fast enough to run on every write', () => {
    validateAgainstSchema(deployment, DEPLOYMENT, strict);
    const n = 2000;
    const start = performance.now();
    for (let i = 0; i < n; i++) validateAgainstSchema(deployment, DEPLOYMENT, strict);
    const perCall = (performance.now() - start) / n;
    assert.ok(perCall < 1, `${perCall.toFixed(3)} ms per Deployment`);
  });

  it('rejects an unknown definition', () => {
    assert.throws(() => validateAgainstSchema({}, 'io.k8s.api.core.v1.Nope', strict), /unknown definition/);
  });
});
