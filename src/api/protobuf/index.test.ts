import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROTOBUF_MEDIA_TYPE,
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  formatGoDuration,
  parseGoDuration,
  preloadProtobufSchema,
} from './index.js';
import { KUBECTL_1_33_CAN_I, KUBECTL_1_33_FIXTURES, KUBECTL_1_33_TOKEN_REQUEST, KUBECTL_1_33_WHOAMI } from './kubectl-fixtures.js';

type Json = Record<string, unknown>;

function decodeOk(body: Uint8Array): Json {
  const result = decodeKubernetesProtobuf(body);
  if (!result.ok) assert.fail(`decode failed: ${result.message}`);
  return result.object;
}

function roundTrip(object: Json): Json {
  const body = encodeKubernetesProtobuf(object);
  assert.ok(body, `no protobuf encoding for ${String(object['apiVersion'])} ${String(object['kind'])}`);
  return decodeOk(body);
}

// ---- a hand-rolled envelope writer, to build bodies the encoder refuses to make

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

function lengthDelimited(field: number, bytes: Uint8Array | number[]): number[] {
  return [(field << 3) | 2, ...varint(bytes.length), ...bytes];
}

const utf8 = (text: string): number[] => [...Buffer.from(text, 'utf8')];

function envelope(apiVersion: string, kind: string, raw: Uint8Array | number[], contentEncoding = '', contentType = ''): Uint8Array {
  const typeMeta = [...lengthDelimited(1, utf8(apiVersion)), ...lengthDelimited(2, utf8(kind))];
  return Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...lengthDelimited(1, typeMeta),
    ...lengthDelimited(2, raw),
    ...lengthDelimited(3, utf8(contentEncoding)),
    ...lengthDelimited(4, utf8(contentType)),
  ]);
}

describe('kubectl 1.33 request bodies', () => {
  for (const fixture of Object.values(KUBECTL_1_33_FIXTURES)) {
    it(`decodes \`kubectl ${fixture.command}\` to what kubectl sends as JSON`, () => {
      const decoded = decodeOk(Buffer.from(fixture.protobuf, 'base64'));
      assert.deepEqual(decoded, fixture.json);
    });
    it(`re-encodes \`kubectl ${fixture.command}\``, () => {
      const decoded = decodeOk(Buffer.from(fixture.protobuf, 'base64'));
      assert.deepEqual(roundTrip(decoded), decoded);
    });
  }

  it('keeps a pointer field set to zero (replicas: 0) and omits unset value fields', () => {
    const zero = decodeOk(Buffer.from(KUBECTL_1_33_FIXTURES['deploymentZeroReplicas']!.protobuf, 'base64'));
    assert.equal((zero['spec'] as Json)['replicas'], 0);
    // gogo wrote generateName "", uid "", generation 0 ...; none of them is set.
    assert.deepEqual(Object.keys(zero['metadata'] as Json).sort(), ['creationTimestamp', 'labels', 'name', 'namespace']);
  });

  it('prints Go value fields without omitempty even when zero or absent (PriorityClass.value)', () => {
    const zero = roundTrip({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' }, value: 0, globalDefault: false });
    assert.deepEqual(zero, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' }, value: 0 });
    const absent = roundTrip({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'low' } });
    assert.deepEqual(absent, zero);
  });

  it('decodes binary ConfigMap data, Secret data and IntOrString of both kinds', () => {
    const configMap = decodeOk(Buffer.from(KUBECTL_1_33_FIXTURES['configMap']!.protobuf, 'base64'));
    assert.deepEqual(Buffer.from((configMap['binaryData'] as Record<string, string>)['bin.dat']!, 'base64'), Buffer.from([0, 1, 2, 0xff, 0xfe]));
    const service = decodeOk(Buffer.from(KUBECTL_1_33_FIXTURES['service']!.protobuf, 'base64'));
    const ports = (service['spec'] as Json)['ports'] as Json[];
    assert.deepEqual(
      ports.map((p) => p['targetPort']),
      [8080, 'https'],
    );
    const quota = decodeOk(Buffer.from(KUBECTL_1_33_FIXTURES['resourceQuota']!.protobuf, 'base64'));
    assert.deepEqual((quota['spec'] as Json)['hard'], { cpu: '1500m', memory: '2Gi', pods: '10' });
  });

  it('decodes `kubectl create token` (TokenRequest, int64 expirationSeconds)', () => {
    assert.deepEqual(decodeOk(Buffer.from(KUBECTL_1_33_TOKEN_REQUEST, 'base64')), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { creationTimestamp: null },
      spec: { audiences: ['api'], expirationSeconds: 3600 },
      status: { token: '', expirationTimestamp: null },
    });
  });

  it('decodes `kubectl auth can-i` and `kubectl auth whoami`', () => {
    assert.deepEqual(decodeOk(Buffer.from(KUBECTL_1_33_CAN_I, 'base64')), {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
      status: { allowed: false },
    });
    assert.deepEqual(decodeOk(Buffer.from(KUBECTL_1_33_WHOAMI, 'base64')), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: null },
      status: { userInfo: {} },
    });
  });
});

describe('round trips of built objects', () => {
  it('Deployment: int64, Time, FieldsV1, Quantity, IntOrString, inline structs, pointer zeros', () => {
    preloadProtobufSchema();
    const deployment: Json = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'web',
        namespace: 'prod',
        uid: '0b5c2a9e-4b4c-4d5e-9f00-1a2b3c4d5e6f',
        resourceVersion: '42',
        generation: 2 ** 40,
        creationTimestamp: '2024-05-06T07:08:09Z',
        deletionTimestamp: '2024-05-07T00:00:00Z',
        deletionGracePeriodSeconds: 0,
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '3' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Foo', name: 'o', uid: 'u1', controller: false, blockOwnerDeletion: true }],
        finalizers: ['example.com/cleanup'],
        managedFields: [
          { manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2024-05-06T07:08:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ],
      },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
        template: {
          metadata: { creationTimestamp: null, labels: { app: 'web' } },
          spec: {
            volumes: [
              { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'k', path: 'p', mode: 0o644 }], defaultMode: 420, optional: false } },
              { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
            ],
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.25',
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                env: [
                  { name: 'A', value: '1' },
                  { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw', optional: true } } },
                ],
                resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } },
                livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 3, periodSeconds: 10 },
                readinessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 3 },
                volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
                securityContext: { runAsNonRoot: true, runAsUser: 0, allowPrivilegeEscalation: false },
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            dnsPolicy: 'ClusterFirst',
            tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 300 }],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 2,
        conditions: [
          { type: 'Available', status: 'True', lastUpdateTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'MinimumReplicasAvailable', message: 'ok' },
        ],
      },
    };
    assert.deepEqual(roundTrip(deployment), deployment);
  });

  it('inline structs sit in the parent message on the wire, not in the JSON', async () => {
    // Volume.volumeSource and ConfigMapVolumeSource.localObjectReference are embedded Go
    // structs: decode the raw message with the plain schema to see where the name went.
    const protobuf = (await import('protobufjs/light.js')).default;
    const descriptors = (await import('./descriptors.json', { with: { type: 'json' } })).default;
    const root = protobuf.Root.fromJSON(descriptors as unknown as protobuf.INamespace);
    const body = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', configMap: { name: 'cm' } }] } })!;
    const unknown = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown').decode(body.subarray(4)) as unknown as { raw: Uint8Array };
    const pod = root.lookupType('k8s.io.api.core.v1.Pod').toObject(root.lookupType('k8s.io.api.core.v1.Pod').decode(unknown.raw));
    assert.deepEqual(pod['spec'].volumes, [{ name: 'v', volumeSource: { configMap: { localObjectReference: { name: 'cm' } } } }]);
  });

  it('MicroTime keeps microseconds; Time drops sub-seconds', () => {
    const event: Json = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1', namespace: 'default' },
      eventTime: '2024-05-06T07:08:09.123456Z',
      series: { count: 2, lastObservedTime: '2024-05-06T07:09:00.000001Z' },
      reportingController: 'skiff/kubelet',
      reportingInstance: 'node-1',
      action: 'Pulling',
      reason: 'Pulling',
      regarding: { kind: 'Pod', namespace: 'default', name: 'p', uid: 'u', apiVersion: 'v1', resourceVersion: '7', fieldPath: 'spec.containers{c}' },
      note: 'Pulling image "nginx"',
      type: 'Normal',
    };
    assert.deepEqual(roundTrip(event), event);
    const lease = roundTrip({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2024-05-06T07:08:09.987Z' },
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-06T07:08:09.5Z', leaseTransitions: 0 },
    });
    assert.deepEqual(lease['metadata'], { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: '2024-05-06T07:08:09Z' });
    assert.deepEqual(lease['spec'], { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-05-06T07:08:09.500000Z', leaseTransitions: 0 });
  });

  it('fields whose proto names are not their JSON names (Webhooks, Variable.Name, uID, aPIGroup)', () => {
    const webhooks: Json = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'v' },
      webhooks: [
        {
          name: 'v.example.com',
          clientConfig: { service: { namespace: 'ns', name: 'svc', path: '/validate', port: 443 }, caBundle: 'AAEC' },
          rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: 10,
          matchConditions: [{ name: 'not-system', expression: '!request.userInfo.username.startsWith("system:")' }],
        },
      ],
    };
    assert.deepEqual(roundTrip(webhooks), webhooks);
    const policy: Json = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'p' },
      spec: {
        variables: [{ name: 'replicas', expression: 'object.spec.replicas' }],
        validations: [{ expression: 'variables.replicas <= 5', message: 'too many' }],
        failurePolicy: 'Fail',
      },
    };
    assert.deepEqual(roundTrip(policy), policy);
    const token: Json = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'sa1', namespace: 'default' },
      spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: '1234' } },
    };
    assert.deepEqual(roundTrip(token), token);
    const ingressClass: Json = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'lb', scope: 'Namespace', namespace: 'ns' } },
    };
    assert.deepEqual(roundTrip(ingressClass), ingressClass);
  });

  it('RawExtension, ExtraValue, autoscaling/v2 and meta kinds in any group', () => {
    const revision: Json = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'web-5d8f', namespace: 'default' },
      data: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } },
      revision: 3,
    };
    assert.deepEqual(roundTrip(revision), revision);
    const review: Json = {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: { user: 'bob', groups: ['dev'], extra: { scopes: ['a', 'b'] }, uid: 'u', resourceAttributes: { namespace: 'ns', verb: 'get', resource: 'pods' } },
    };
    assert.deepEqual(roundTrip(review), review);
    const hpa: Json = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
      },
    };
    assert.deepEqual(roundTrip(hpa), hpa);
    const deleteOptions: Json = {
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u', resourceVersion: '5' },
      dryRun: ['All'],
    };
    assert.deepEqual(roundTrip(deleteOptions), deleteOptions);
    const eviction: Json = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 30 } };
    assert.deepEqual(roundTrip(eviction), eviction);
  });

  it('a nested protobuf object in a RawExtension decodes too', () => {
    const inner = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } })!;
    // meta/v1 WatchEvent { type = 1, object = 2 (RawExtension { raw = 1 }) }
    const watchEvent = envelope('v1', 'WatchEvent', [...lengthDelimited(1, utf8('ADDED')), ...lengthDelimited(2, lengthDelimited(1, inner))]);
    assert.deepEqual(decodeOk(watchEvent), {
      apiVersion: 'v1',
      kind: 'WatchEvent',
      type: 'ADDED',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } },
    });
  });

  it('bounds how deep objects nest', () => {
    let body: Uint8Array = encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })!;
    for (let i = 0; i < 20; i++) body = envelope('v1', 'WatchEvent', [...lengthDelimited(1, utf8('ADDED')), ...lengthDelimited(2, lengthDelimited(1, body))]);
    const result = decodeKubernetesProtobuf(body);
    assert.deepEqual(result.ok ? undefined : [result.code, result.message], [400, 'protobuf objects nest deeper than 16 levels']);
  });

  it('encodes nothing for kinds without a schema or values of the wrong type', () => {
    assert.equal(encodeKubernetesProtobuf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), undefined);
    assert.equal(encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Container', name: 'c' }), undefined);
    assert.equal(encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 7 } }), undefined);
    assert.equal(encodeKubernetesProtobuf({ kind: 'ConfigMap' }), undefined);
  });
});

describe('decode errors', () => {
  it('rejects bodies without the k8s prefix', () => {
    for (const body of [new Uint8Array(), Buffer.from('{"kind":"ConfigMap"}'), Uint8Array.of(0x6b, 0x38, 0x73)]) {
      const result = decodeKubernetesProtobuf(body);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.code, 400);
        assert.match(result.message, /does not start with "k8s\\x00"/);
      }
    }
  });

  it('rejects truncated bodies', () => {
    const body = Buffer.from(KUBECTL_1_33_FIXTURES['deployment']!.protobuf, 'base64');
    for (const cut of [5, 20, body.length - 8]) {
      const result = decodeKubernetesProtobuf(body.subarray(0, cut));
      assert.equal(result.ok, false, `cut at ${cut}`);
      if (!result.ok) assert.equal(result.code, 400);
    }
    const truncatedRaw = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [0x0a, 0x05, 0x0a]));
    assert.deepEqual(truncatedRaw.ok ? undefined : [truncatedRaw.code, truncatedRaw.message.startsWith('cannot decode v1 ConfigMap from protobuf')], [400, true]);
  });

  it('answers 415 for kinds it has no schema for, 400 for an envelope without a kind', () => {
    const cases: [Uint8Array, 400 | 415, RegExp][] = [
      [envelope('apiextensions.k8s.io/v1', 'CustomResourceDefinition', []), 415, /no protobuf schema for kind "CustomResourceDefinition" in "apiextensions.k8s.io\/v1"/],
      [envelope('example.com/v1', 'Widget', []), 415, /no protobuf schema/],
      [envelope('v1', 'Container', []), 415, /no protobuf schema/],
      [envelope('v1', 'ConfigMap', [], 'gzip'), 415, /content encoding "gzip"/],
      [envelope('v1', 'ConfigMap', [], '', 'application/cbor'), 415, /content type "application\/cbor"/],
      [envelope('', '', []), 400, /does not name an apiVersion and kind/],
      [envelope('apps/v1', 'ControllerRevision', [...lengthDelimited(2, lengthDelimited(1, utf8('not json')))]), 400, /RawExtension holds neither JSON/],
    ];
    for (const [body, code, message] of cases) {
      const result = decodeKubernetesProtobuf(body);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.code, code, result.message);
        assert.match(result.message, message);
      }
    }
  });

  it('passes JSON through when the envelope says its raw is JSON', () => {
    const body = envelope('v1', 'ConfigMap', utf8('{"metadata":{"name":"j"},"data":{"a":"b"}}'), '', 'application/json');
    assert.deepEqual(decodeOk(body), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' }, data: { a: 'b' } });
  });

  it('exports the media type', () => {
    assert.equal(PROTOBUF_MEDIA_TYPE, 'application/vnd.kubernetes.protobuf');
  });
});

describe('Go durations', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1100n, '1.1µs'],
    [2_200_000n, '2.2ms'],
    [1_500_000_000n, '1.5s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [-1_500_000_000n, '-1.5s'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
  ];
  it('formats like time.Duration.String()', () => {
    for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text);
  });
  it('parses like time.ParseDuration', () => {
    for (const [ns, text] of cases) assert.equal(parseGoDuration(text), ns);
    assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
    assert.equal(parseGoDuration('300us'), 300_000n);
    assert.equal(parseGoDuration('.5s'), 500_000_000n);
    assert.throws(() => parseGoDuration('5'));
    assert.throws(() => parseGoDuration('1d'));
    assert.throws(() => parseGoDuration(''));
  });
});
