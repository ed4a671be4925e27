import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../defaults/index.js';
import { validate, validateUpdate } from './index.js';

type Obj = Record<string, unknown>;

function pod(spec: Obj, name = 'web'): Obj {
  const obj: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec };
  applyDefaults('', 'v1', 'Pod', obj);
  return obj;
}

function messages(obj: Obj): string[] {
  return validate('', 'v1', 'Pod', obj).map((e) => e.toString());
}

function updateMessages(obj: Obj, old: Obj): string[] {
  return validateUpdate('', 'v1', 'Pod', obj, old).map((e) => e.toString());
}

test('a realistic pod is valid', () => {
  const valid = pod({
    serviceAccountName: 'default',
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'] }],
    containers: [
      {
        name: 'web',
        image: 'nginx:1.25',
        ports: [{ name: 'http', containerPort: 80 }],
        env: [
          { name: 'MODE', value: 'prod' },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
        envFrom: [{ configMapRef: { name: 'settings' } }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        volumeMounts: [
          { name: 'data', mountPath: '/data' },
          { name: 'cfg', mountPath: '/etc/cfg', readOnly: true },
        ],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
        readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, initialDelaySeconds: 5 },
        lifecycle: { preStop: { sleep: { seconds: 5 } } },
        securityContext: { runAsUser: 1000, allowPrivilegeEscalation: false },
      },
    ],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'a', path: 'a.conf' }] } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
    ],
  });
  assert.deepEqual(messages(valid), []);
});

test('containers are required; names must be unique DNS labels; images required', () => {
  assert.deepEqual(messages(pod({ containers: [] })), ['spec.containers: Required value']);
  assert.deepEqual(
    messages(
      pod({
        containers: [
          { name: 'web', image: 'nginx' },
          { name: 'web', image: 'nginx' },
          { name: 'Bad_Name', image: '' },
        ],
      }),
    ),
    [
      'spec.containers[1].name: Duplicate value: "web"',
      `spec.containers[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.containers[2].image: Required value',
    ],
  );
  assert.deepEqual(messages(pod({ containers: [{ name: 'c', image: ' nginx' }] })), [
    'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
  ]);
});

test('ports: containerPort range, protocol values, unique names', () => {
  const p = pod({
    containers: [
      {
        name: 'c',
        image: 'x',
        ports: [
          { name: 'http', containerPort: 80 },
          { name: 'http', containerPort: 70000, protocol: 'tcp' },
          { containerPort: 0 },
        ],
      },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.containers[0].ports[1].name: Duplicate value: "http"',
    'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.containers[0].ports[1].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"',
    'spec.containers[0].ports[2].containerPort: Required value',
  ]);
});

test('env names and valueFrom sources', () => {
  const p = pod({
    containers: [
      {
        name: 'c',
        image: 'x',
        env: [
          { name: '' },
          { name: 'A=B' },
          { name: 'X', valueFrom: {} },
          { name: 'Y', valueFrom: { fieldRef: { fieldPath: 'spec.foo' } } },
          { name: 'Z', valueFrom: { fieldRef: { fieldPath: 'metadata.nodeName' } } },
        ],
      },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.containers[0].env[0].name: Required value',
    `spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    'spec.containers[0].env[2].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    'spec.containers[0].env[3].valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo',
    'spec.containers[0].env[4].valueFrom.fieldRef.fieldPath: Invalid value: "metadata.nodeName": error converting fieldPath: field label not supported: metadata.nodeName',
  ]);
});

test('volumeMounts must refer to declared volumes; volumes need one source and unique names', () => {
  const p = pod({
    containers: [{ name: 'c', image: 'x', volumeMounts: [{ name: 'missing', mountPath: '/a' }, { name: 'v', mountPath: '/a' }] }],
    volumes: [
      { name: 'v', emptyDir: {} },
      { name: 'v', emptyDir: {} },
      { name: 'both', emptyDir: {}, configMap: { name: 'c' } },
      { name: 'hp', hostPath: { path: '/x/../etc', type: 'Dir' } },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.volumes[1].name: Duplicate value: "v"',
    'spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type',
    `spec.volumes[3].hostPath.path: Invalid value: "/x/../etc": must not contain '..'`,
    'spec.volumes[3].hostPath.type: Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
    'spec.containers[0].volumeMounts[0].name: Not found: "missing"',
    'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/a": must be unique',
  ]);
});

test('restartPolicy, dnsPolicy and nodeSelector', () => {
  const p = pod({ restartPolicy: 'Sometimes', dnsPolicy: 'Cluster', nodeSelector: { 'bad key!': 'v' }, containers: [{ name: 'c', image: 'x' }] });
  assert.deepEqual(messages(p), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    `spec.nodeSelector: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  ]);
});

test('resources: requests must not exceed limits; quantities non-negative; names standard', () => {
  const p = pod({
    containers: [
      { name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
      { name: 'b', image: 'x', resources: { requests: { memory: '-1' } } },
      { name: 'c', image: 'x', resources: { limits: { foo: '1' } } },
      { name: 'd', image: 'x', resources: { requests: { 'example.com/gpu': '1' } } },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    'spec.containers[1].resources.requests[memory]: Invalid value: "-1": must be greater than or equal to 0',
    'spec.containers[2].resources.limits[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
    'spec.containers[2].resources.limits[foo]: Invalid value: "foo": must be a standard resource for containers',
    'spec.containers[2].resources.requests[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
    'spec.containers[2].resources.requests[foo]: Invalid value: "foo": must be a standard resource for containers',
    'spec.containers[3].resources.limits: Required value: Limit must be set for non overcommitable resources',
  ]);
});

test('probes: one handler, successThreshold 1 for liveness, valid ports and schemes', () => {
  const p = pod({
    containers: [
      {
        name: 'c',
        image: 'x',
        livenessProbe: { successThreshold: 2, exec: { command: ['true'] }, httpGet: { port: 80 } },
        readinessProbe: { httpGet: { port: 0, scheme: 'FTP' } },
        startupProbe: {},
      },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type',
    'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    'spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"',
    'spec.containers[0].startupProbe: Required value: must specify a handler type',
  ]);
});

test('tolerations', () => {
  const p = pod({
    containers: [{ name: 'c', image: 'x' }],
    tolerations: [
      { operator: 'Equal', value: 'x' },
      { key: 'k', operator: 'Exists', value: 'v' },
      { key: 'k', effect: 'NoSchedule', tolerationSeconds: 10 },
      { key: 'k', operator: 'Equal', effect: 'Sometimes' },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    "spec.tolerations[1].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
    "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    'spec.tolerations[3].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
  ]);
});

test('pod updates may only change images, activeDeadlineSeconds and add tolerations', () => {
  const old = pod({ containers: [{ name: 'c', image: 'nginx:1.24' }], tolerations: [{ key: 'a', operator: 'Exists' }] });
  const newImage = structuredClone(old);
  ((newImage.spec as Obj).containers as Obj[])[0]!.image = 'nginx:1.25';
  (newImage.spec as Obj).activeDeadlineSeconds = 60;
  (newImage.spec as Obj).tolerations = [
    { key: 'a', operator: 'Exists' },
    { key: 'b', operator: 'Exists' },
  ];
  assert.deepEqual(updateMessages(newImage, old), []);

  const newPorts = structuredClone(old);
  ((newPorts.spec as Obj).containers as Obj[])[0]!.ports = [{ containerPort: 80, protocol: 'TCP' }];
  const errs = updateMessages(newPorts, old);
  assert.equal(errs.length, 1);
  assert.ok(
    errs[0]?.startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n  core.PodSpec{',
    ),
  );

  const removed = structuredClone(old);
  (removed.spec as Obj).tolerations = [];
  assert.deepEqual(updateMessages(removed, old), ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);

  const more = structuredClone(old);
  ((more.spec as Obj).containers as Obj[]).push({ name: 'd', image: 'x', imagePullPolicy: 'Always', terminationMessagePolicy: 'File', resources: {} });
  assert.deepEqual(updateMessages(more, old), ['spec.containers: Forbidden: pod updates may not add or remove containers']);
});

test('explicit zero values of non-pointer fields are not changes', () => {
  const old = pod({ containers: [{ name: 'c', image: 'x' }] });
  const same = structuredClone(old);
  (same.spec as Obj).hostNetwork = false;
  (same.spec as Obj).nodeName = '';
  assert.deepEqual(updateMessages(same, old), []);
});

test('ephemeral containers cannot be set on create', () => {
  const p = pod({ containers: [{ name: 'c', image: 'x' }], ephemeralContainers: [{ name: 'debug', image: 'busybox' }] });
  assert.deepEqual(messages(p), ['spec.ephemeralContainers: Forbidden: cannot be set on create']);
});

test('a projected service account token needs a service account', () => {
  const p = pod({ containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] });
  assert.deepEqual(messages(p), ['spec.volumes[0].projected.sources[0].serviceAccountToken: Forbidden: must not be specified when serviceAccountName is not set']);
});

test('volume sources: required fields, file modes, downward API paths', () => {
  const p = pod({
    containers: [{ name: 'c', image: 'x' }],
    volumes: [
      { name: 's', secret: { defaultMode: 1000 } },
      { name: 'cm', configMap: { name: 'cm', items: [{ key: 'k', path: '../etc' }] } },
      { name: 'pvc', persistentVolumeClaim: {} },
      { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'spec.nodeName' } }] } },
      { name: 'n', nfs: { server: 'nfs', path: 'relative' } },
    ],
  });
  assert.deepEqual(messages(p), [
    'spec.volumes[0].secret.secretName: Required value',
    'spec.volumes[0].secret.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive',
    `spec.volumes[1].configMap.items[0].path: Invalid value: "../etc": must not contain '..'`,
    'spec.volumes[2].persistentVolumeClaim.claimName: Required value',
    'spec.volumes[3].downwardAPI.fieldRef.fieldPath: Unsupported value: "spec.nodeName": supported values: "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"',
    'spec.volumes[4].nfs.path: Invalid value: "relative": must be an absolute path',
  ]);
});

test('envFrom needs a source; init containers may not have probes unless restartable', () => {
  const p = pod({
    initContainers: [{ name: 'init', image: 'x', readinessProbe: { exec: { command: ['true'] } } }],
    containers: [{ name: 'c', image: 'x', envFrom: [{ prefix: 'P_' }] }],
  });
  assert.deepEqual(messages(p), [
    'spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`',
    'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
  ]);
  const sidecar = pod({
    initContainers: [{ name: 'proxy', image: 'x', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }],
    containers: [{ name: 'c', image: 'x' }],
  });
  assert.deepEqual(messages(sidecar), []);
});

test('hostNetwork pods: hostPort must match containerPort', () => {
  const p = pod({ hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
  assert.deepEqual(messages(p), ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true']);
});
