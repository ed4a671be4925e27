import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import {
  apply,
  checkName,
  ensureManagedFieldsValid,
  isResetManagedFields,
  LAST_APPLIED_ANNOTATION,
  managerFromRequest,
  patchOptionsErrors,
  resetFieldsFor,
  stripManagedFields,
  updateManagedFields,
  type ApplyOptions,
  type ApplyResult,
  type UpdateOptions,
} from './fieldmanager.js';
import { TypeSchema } from './schema.js';

const DEPLOYMENT = TypeSchema.forKind('apps', 'v1', 'Deployment');
const POD = TypeSchema.forKind('', 'v1', 'Pod');
const RESET = resetFieldsFor({ hasStatus: true });

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let clock = Date.parse('2024-05-01T10:00:00Z');
const tick = (): string => new Date((clock += 60_000)).toISOString();

function applyOpts(manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return { manager, force: false, apiVersion: 'apps/v1', kind: 'Deployment', time: tick(), resetFields: RESET, ...extra };
}

function updateOpts(manager: string, extra: Partial<UpdateOptions> = {}): UpdateOptions {
  return { manager, operation: 'Update', apiVersion: 'apps/v1', time: tick(), resetFields: RESET, ...extra };
}

/** What the registry does after the field manager: defaulting and server-set metadata. */
function store(obj: KubeObject, previous?: KubeObject): KubeObject {
  const o = structuredClone(obj) as Obj;
  o.metadata.uid ??= previous?.metadata?.uid ?? 'uid-1';
  o.metadata.resourceVersion = String(Number(previous?.metadata?.resourceVersion ?? '0') + 1);
  o.spec.replicas ??= 1;
  o.spec.revisionHistoryLimit ??= 10;
  o.spec.progressDeadlineSeconds ??= 600;
  o.spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  for (const c of o.spec.template.spec.containers ?? []) {
    c.imagePullPolicy ??= 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
  o.spec.template.spec.restartPolicy ??= 'Always';
  o.spec.template.spec.dnsPolicy ??= 'ClusterFirst';
  return o as KubeObject;
}

function deployment(opts: { replicas?: number; image?: string; containers?: Obj[]; labels?: Record<string, string> } = {}): Obj {
  const spec: Obj = {
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: opts.containers ?? [{ name: 'nginx', image: opts.image ?? 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
    },
  };
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default', labels: opts.labels ?? { app: 'nginx' } }, spec };
}

function ok(r: ApplyResult): KubeObject {
  if (!r.ok) assert.fail(`apply failed: ${r.status.message}`);
  return r.object;
}

function entries(obj: KubeObject): Obj[] {
  return (obj.metadata?.managedFields ?? []) as Obj[];
}

function fieldsOf(obj: KubeObject, manager: string, operation = 'Apply'): string {
  const e = entries(obj).find((x) => x.manager === manager && x.operation === operation);
  return e ? JSON.stringify(e.fieldsV1) : '(none)';
}

test('Update on create records upstream FieldsV1 byte for byte (Job by a client library)', () => {
  // A real kube-apiserver response for a Job created by the Python client.
  const job = {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'pi-933950', namespace: 'default' },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 4,
      template: {
        metadata: { creationTimestamp: null },
        spec: {
          containers: [
            {
              name: 'pi',
              image: 'perl:5.34.0',
              command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      completionMode: 'NonIndexed',
      suspend: false,
    },
    status: {},
  };
  const out = updateManagedFields(undefined, job as KubeObject, { manager: 'OpenAPI-Generator', apiVersion: 'batch/v1', time: new Date('2023-03-30T22:38:06Z') }, TypeSchema.forKind('batch', 'v1', 'Job'));
  assert.equal(
    JSON.stringify(out.metadata?.managedFields),
    String.raw`[{"manager":"OpenAPI-Generator","operation":"Update","apiVersion":"batch/v1","time":"2023-03-30T22:38:06Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:backoffLimit":{},"f:completionMode":{},"f:completions":{},"f:parallelism":{},"f:suspend":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"pi\"}":{".":{},"f:command":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}}]`,
  );
  assert.equal(job.metadata.name, 'pi-933950');
  assert.equal((job.metadata as Obj).managedFields, undefined, 'the input is not modified');
});

test('Update on create: Deployment with env, ports and a defaulted strategy (upstream response)', () => {
  const env = ['SLEEP_DURATION', 'ARMO_TEST_NAME', 'CAA_ENABLE_CRASH_REPORTER', 'DEMO_FOLDERS', 'SERVER_PORT'].map((name) => ({ name, value: 'x' }));
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'demoservice-server', namespace: 'default', labels: { app: 'demoservice', 'cyberarmor.inject': 'true' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'demoservice' } },
      template: {
        metadata: { labels: { app: 'demoservice' } },
        spec: {
          containers: [
            {
              name: 'demoservice',
              image: 'quay.io/armosec/demoservice:v25',
              env,
              ports: [{ containerPort: 8089, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
  };
  const out = updateManagedFields(undefined, d as KubeObject, updateOpts('OpenAPI-Generator'), DEPLOYMENT);
  assert.equal(
    fieldsOf(out, 'OpenAPI-Generator', 'Update'),
    String.raw`{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:cyberarmor.inject":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"demoservice\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"ARMO_TEST_NAME\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"CAA_ENABLE_CRASH_REPORTER\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"DEMO_FOLDERS\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"SERVER_PORT\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"SLEEP_DURATION\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":8089,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}`,
  );
});

test('Update on create: a controller-made Pod owns its ownerReference as one atomic item', () => {
  const pod = {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      generateName: 'test-785cb95b9f-',
      namespace: 'test',
      creationTimestamp: null,
      labels: { 'k8s.kuboard.cn/name': 'test', 'pod-template-hash': '785cb95b9f' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'test-785cb95b9f', uid: '5dca312e-1f5d-498c-b717-7a57f69707b9', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [{ name: 'test', image: 'busybox', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    },
    status: {},
  };
  const out = updateManagedFields(undefined, pod as KubeObject, { manager: 'kube-controller-manager', apiVersion: 'v1', time: '2024-03-15T07:05:16Z' }, POD);
  assert.equal(
    JSON.stringify(out.metadata?.managedFields),
    String.raw`[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2024-03-15T07:05:16Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:k8s.kuboard.cn/name":{},"f:pod-template-hash":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"5dca312e-1f5d-498c-b717-7a57f69707b9\"}":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"test\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}]`,
  );
});

test('kubectl apply --server-side twice, kubectl scale, conflicting apply, --force-conflicts', () => {
  // First apply creates the object: one Apply entry holding exactly the applied fields.
  const created = ok(apply(undefined, deployment({ replicas: 3 }), applyOpts('kubectl'), DEPLOYMENT));
  assert.equal(entries(created).length, 1);
  assert.deepEqual(Object.keys(entries(created)[0]!), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  const applied = String.raw`{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}`;
  assert.equal(fieldsOf(created, 'kubectl'), applied);
  let live = store(created);

  // The same apply again: nothing changes, not even the entry's time.
  const again = apply(live, deployment({ replicas: 3 }), applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(again.ok);
  assert.equal(again.changed, false);
  assert.deepEqual(again.object.metadata?.managedFields, live.metadata?.managedFields);
  assert.deepEqual(stripManagedFields(again.object), stripManagedFields(live));

  // kubectl scale: an Update through the scale subresource takes .spec.replicas.
  const scaled = structuredClone(live) as Obj;
  scaled.spec.replicas = 5;
  const afterScale = updateManagedFields(live, scaled as KubeObject, updateOpts('kubectl', { subresource: 'scale', resetFields: undefined }), DEPLOYMENT);
  assert.deepEqual(
    entries(afterScale).map((e) => [e.manager, e.operation, e.subresource ?? '']),
    [
      ['kubectl', 'Apply', ''],
      ['kubectl', 'Update', 'scale'],
    ],
  );
  assert.equal(fieldsOf(afterScale, 'kubectl', 'Update'), '{"f:spec":{"f:replicas":{}}}');
  assert.ok(!fieldsOf(afterScale, 'kubectl').includes('f:replicas'));
  live = store(afterScale, live);

  // Applying another replicas value now conflicts with the scaler.
  const conflict = apply(live, deployment({ replicas: 4 }), applyOpts('kubectl'), DEPLOYMENT);
  assert.equal(conflict.ok, false);
  assert.ok(!conflict.ok && conflict.reason === 'Conflict');
  assert.deepEqual(conflict.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
    reason: 'Conflict',
    details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl" with subresource "scale" using apps/v1', field: '.spec.replicas' }] },
    code: 409,
  });
  assert.deepEqual(Object.keys(conflict.status), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
  assert.deepEqual(
    conflict.conflicts.map((c) => [c.manager, c.operation, c.subresource, c.field]),
    [['kubectl', 'Update', 'scale', '.spec.replicas']],
  );

  // Applying the value the scaler set is no conflict: both own it.
  const shared = ok(apply(live, deployment({ replicas: 5 }), applyOpts('kubectl'), DEPLOYMENT));
  assert.ok(fieldsOf(shared, 'kubectl').includes('f:replicas'));
  assert.equal(fieldsOf(shared, 'kubectl', 'Update'), '{"f:spec":{"f:replicas":{}}}');

  // --force-conflicts: the value is applied and ownership moves to the applier.
  const forced = ok(apply(live, deployment({ replicas: 4 }), applyOpts('kubectl', { force: true }), DEPLOYMENT));
  assert.equal((forced as Obj).spec.replicas, 4);
  assert.deepEqual(
    entries(forced).map((e) => [e.manager, e.operation]),
    [['kubectl', 'Apply']],
  );
  assert.equal(fieldsOf(forced, 'kubectl'), applied);
  // Defaults and other fields of the live object survive the apply.
  assert.equal((forced as Obj).spec.revisionHistoryLimit, 10);
  assert.equal((forced as Obj).spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

test('conflicts with an Update manager (kubectl edit) and with several managers', () => {
  let live = store(ok(apply(undefined, deployment({ replicas: 2 }), applyOpts('kubectl'), DEPLOYMENT)));
  const edited = structuredClone(live) as Obj;
  edited.spec.template.spec.containers[0].image = 'nginx:1.26';
  edited.spec.replicas = 7;
  live = store(updateManagedFields(live, edited as KubeObject, updateOpts('kubectl-edit'), DEPLOYMENT), live);
  assert.equal(fieldsOf(live, 'kubectl-edit', 'Update'), String.raw`{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{"f:image":{}}}}}}}`);

  const r = apply(live, deployment({ replicas: 3, image: 'nginx:1.27' }), applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!r.ok && r.reason === 'Conflict');
  assert.equal(
    r.status.message,
    'Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
  );
  assert.deepEqual(
    r.status.details?.causes?.map((c) => c.field),
    ['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image'],
  );

  // A third manager makes the message group by manager, sorted.
  const other = ok(apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', labels: { tier: 'web' } } }, applyOpts('argocd'), DEPLOYMENT));
  live = store(other, live);
  const r2 = apply(live, deployment({ replicas: 3, image: 'nginx:1.26', labels: { app: 'nginx', tier: 'db' } }), applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!r2.ok);
  assert.equal(
    r2.status.message,
    'Apply failed with 2 conflicts: conflicts with "argocd":\n- .metadata.labels.tier\nconflicts with "kubectl-edit" using apps/v1:\n- .spec.replicas',
  );
});

test('removing a container from the applied configuration removes it from the object', () => {
  const two = [
    { name: 'nginx', image: 'nginx:1.25' },
    { name: 'sidecar', image: 'busybox' },
  ];
  let live = store(ok(apply(undefined, deployment({ containers: two }), applyOpts('kubectl'), DEPLOYMENT)));
  // Someone else adds a container with an Update (kubectl edit).
  const edited = structuredClone(live) as Obj;
  edited.spec.template.spec.containers.push({ name: 'debug', image: 'alpine' });
  live = store(updateManagedFields(live, edited as KubeObject, updateOpts('kubectl-edit'), DEPLOYMENT), live);

  const after = ok(apply(live, deployment({ containers: [{ name: 'nginx', image: 'nginx:1.25' }] }), applyOpts('kubectl'), DEPLOYMENT)) as Obj;
  assert.deepEqual(
    after.spec.template.spec.containers.map((c: Obj) => c.name),
    ['nginx', 'debug'],
  );
  // The removed container's defaulted fields went with it; the remaining one keeps its defaults.
  assert.equal(after.spec.template.spec.containers[0].terminationMessagePolicy, 'File');
  assert.ok(!fieldsOf(after as KubeObject, 'kubectl').includes('sidecar'));

  // Dropping the replicas the applier set removes it (defaulting brings back 1 afterwards).
  const noReplicas = ok(apply(store(after as KubeObject, live), deployment({ containers: [{ name: 'nginx', image: 'nginx:1.25' }] }), applyOpts('kubectl'), DEPLOYMENT)) as Obj;
  assert.equal(noReplicas.spec.replicas, 1, 'replicas was not applied before: it is unowned and stays');
});

test('two appliers share a field; it goes only when the last one drops it', () => {
  let live = store(ok(apply(undefined, deployment({ replicas: 3 }), applyOpts('alice'), DEPLOYMENT)));
  const bob = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx' }, spec: { replicas: 3 } };
  live = store(ok(apply(live, bob, applyOpts('bob'), DEPLOYMENT)), live);
  assert.ok(fieldsOf(live, 'alice').includes('f:replicas'));
  assert.equal(fieldsOf(live, 'bob'), '{"f:spec":{"f:replicas":{}}}');

  // Alice stops applying replicas: Bob still owns it, so it stays.
  live = store(ok(apply(live, deployment({}), applyOpts('alice'), DEPLOYMENT)), live);
  assert.equal((live as Obj).spec.replicas, 3);
  assert.ok(!fieldsOf(live, 'alice').includes('f:replicas'));

  // Bob drops it too (an apply with only the name): it is removed, and Bob's entry is gone.
  const gone = ok(apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx' } }, applyOpts('bob'), DEPLOYMENT)) as Obj;
  assert.equal(gone.spec.replicas, undefined);
  assert.deepEqual(
    entries(gone as KubeObject).map((e) => e.manager),
    ['alice'],
  );
});

test('labels merge per key between appliers', () => {
  let live = store(ok(apply(undefined, deployment({ labels: { app: 'nginx' } }), applyOpts('alice'), DEPLOYMENT)));
  live = store(ok(apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', labels: { team: 'blue' } } }, applyOpts('bob'), DEPLOYMENT)), live);
  assert.deepEqual(live.metadata?.labels, { app: 'nginx', team: 'blue' });
  assert.equal(fieldsOf(live, 'bob'), '{"f:metadata":{"f:labels":{"f:team":{}}}}');
  live = store(ok(apply(live, deployment({ labels: { env: 'prod' } }), applyOpts('alice'), DEPLOYMENT)), live);
  assert.deepEqual(live.metadata?.labels, { team: 'blue', env: 'prod' });
});

test('a set list (finalizers) unions; an atomic list (tolerations) is replaced whole and conflicts', () => {
  const pod = (extra: Obj): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...(extra.metadata ?? {}) }, ...(extra.spec ? { spec: extra.spec } : {}) });
  const podOpts = (manager: string, force = false): ApplyOptions => ({ manager, force, apiVersion: 'v1', kind: 'Pod', time: tick(), resetFields: RESET });
  const container = { containers: [{ name: 'c', image: 'busybox' }] };
  let live = ok(apply(undefined, pod({ metadata: { finalizers: ['example.com/a'] }, spec: { ...container, tolerations: [{ key: 'k1', operator: 'Exists' }] } }), podOpts('alice'), POD));
  live = { ...live, metadata: { ...live.metadata, uid: 'u' } };
  assert.equal(fieldsOf(live, 'alice'), String.raw`{"f:metadata":{"f:finalizers":{"v:\"example.com/a\"":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{}}},"f:tolerations":{}}}`);

  live = ok(apply(live, pod({ metadata: { finalizers: ['example.com/b'] } }), podOpts('bob'), POD));
  assert.deepEqual(live.metadata?.finalizers, ['example.com/a', 'example.com/b']);

  const bobs = pod({ metadata: { finalizers: ['example.com/b'] }, spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } });
  const atomic = apply(live, bobs, podOpts('bob'), POD);
  assert.ok(!atomic.ok);
  assert.equal(atomic.status.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.tolerations');
  const forced = ok(apply(live, bobs, podOpts('bob', true), POD)) as Obj;
  assert.deepEqual(forced.metadata.finalizers, ['example.com/a', 'example.com/b']);
  assert.deepEqual(forced.spec.tolerations, [{ key: 'k2', operator: 'Exists' }]);
  assert.ok(!fieldsOf(forced as KubeObject, 'alice').includes('tolerations'));
  assert.ok(fieldsOf(forced as KubeObject, 'bob').includes('"f:tolerations":{}'));

  // Alice drops her finalizer: only hers goes.
  const dropped = ok(apply(forced as KubeObject, pod({ spec: container }), podOpts('alice'), POD));
  assert.deepEqual(dropped.metadata?.finalizers, ['example.com/b']);
});

test('map-list merge keeps live-only items in place and follows the configuration order', () => {
  const env = (names: string[]): Obj[] => names.map((name) => ({ name, value: name.toLowerCase() }));
  const withEnv = (names: string[]): Obj => deployment({ containers: [{ name: 'nginx', image: 'nginx', env: env(names) }] });
  let live = store(ok(apply(undefined, withEnv(['A', 'B', 'C']), applyOpts('alice'), DEPLOYMENT)));
  const edited = structuredClone(live) as Obj;
  edited.spec.template.spec.containers[0].env.splice(1, 0, { name: 'X', value: 'x' });
  live = store(updateManagedFields(live, edited as KubeObject, updateOpts('kubectl-edit'), DEPLOYMENT), live);
  const after = ok(apply(live, withEnv(['C', 'A', 'B', 'D']), applyOpts('alice'), DEPLOYMENT)) as Obj;
  assert.deepEqual(
    after.spec.template.spec.containers[0].env.map((e: Obj) => e.name),
    ['X', 'C', 'A', 'B', 'D'],
  );
});

test('Update: changed fields move to the updater, removed fields leave every manager, empty entries go', () => {
  let live = store(ok(apply(undefined, deployment({ replicas: 3 }), applyOpts('kubectl'), DEPLOYMENT)));
  const next = structuredClone(live) as Obj;
  delete next.metadata.labels;
  next.spec.replicas = 2;
  const out = updateManagedFields(live, next as KubeObject, updateOpts('kubectl-edit'), DEPLOYMENT);
  assert.ok(!('f:metadata' in JSON.parse(fieldsOf(out, 'kubectl'))), 'the removed labels are nobody\'s');
  assert.ok(!fieldsOf(out, 'kubectl').includes('f:replicas'));
  assert.equal(fieldsOf(out, 'kubectl-edit', 'Update'), '{"f:spec":{"f:replicas":{}}}');
  live = store(out, live);

  // An update that changes nothing records nothing (and keeps the time).
  const same = updateManagedFields(live, structuredClone(live), updateOpts('kubectl-edit'), DEPLOYMENT);
  assert.deepEqual(same.metadata?.managedFields, live.metadata?.managedFields);

  // Only server-owned metadata changing: nothing recorded either.
  const rv = structuredClone(live) as Obj;
  rv.metadata.resourceVersion = '99';
  rv.metadata.generation = 5;
  assert.deepEqual(updateManagedFields(live, rv as KubeObject, updateOpts('x'), DEPLOYMENT).metadata?.managedFields, live.metadata?.managedFields);

  // Status writes are recorded with subresource "status"; status is not owned through the main resource.
  const status = structuredClone(live) as Obj;
  status.status = { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] };
  const st = updateManagedFields(live, status as KubeObject, updateOpts('kube-controller-manager', { subresource: 'status', resetFields: resetFieldsFor({ hasStatus: true, subresource: 'status' }) }), DEPLOYMENT);
  const e = entries(st).find((x) => x.manager === 'kube-controller-manager')!;
  assert.equal(e.subresource, 'status');
  assert.equal(JSON.stringify(e.fieldsV1), String.raw`{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:status":{},"f:type":{}}},"f:replicas":{}}}`);
  assert.deepEqual(Object.keys(e), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']);
  const viaMain = updateManagedFields(live, status as KubeObject, updateOpts('sneaky'), DEPLOYMENT);
  assert.equal(fieldsOf(viaMain, 'sneaky', 'Update'), '(none)');
});

test('apply through the status subresource owns status only; its entry names the subresource', () => {
  const live = store(ok(apply(undefined, deployment({ replicas: 3 }), applyOpts('kubectl'), DEPLOYMENT)));
  const statusOpts = (manager: string, force = false): ApplyOptions =>
    applyOpts(manager, { force, subresource: 'status', resetFields: resetFieldsFor({ hasStatus: true, subresource: 'status' }) });
  const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx' }, spec: { replicas: 9 }, status: { replicas: 3 } };
  const out = ok(apply(live, config, statusOpts('my-controller'), DEPLOYMENT));
  const e = entries(out).find((x) => x.manager === 'my-controller')!;
  assert.deepEqual([e.operation, e.subresource, JSON.stringify(e.fieldsV1)], ['Apply', 'status', '{"f:status":{"f:replicas":{}}}']);
  const next = store(out, live);
  const r = apply(next, { ...config, status: { replicas: 4 } }, statusOpts('other'), DEPLOYMENT);
  assert.ok(!r.ok);
  assert.equal(r.status.message, 'Apply failed with 1 conflict: conflict with "my-controller" with subresource "status": .status.replicas');
});

test('at most 10 Update managers: the oldest merge into ancient-changes', () => {
  let live = store(ok(apply(undefined, deployment({}), applyOpts('kubectl'), DEPLOYMENT)));
  for (let i = 0; i < 12; i++) {
    const next = structuredClone(live) as Obj;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [`a${i}`]: 'x' };
    live = store(updateManagedFields(live, next as KubeObject, updateOpts(`m${i}`), DEPLOYMENT), live);
  }
  const updaters = entries(live).filter((e) => e.operation === 'Update');
  assert.equal(updaters.length, 10);
  assert.deepEqual(
    updaters.map((e) => e.manager),
    ['ancient-changes', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'],
  );
  assert.equal(JSON.stringify(updaters[0]!.fieldsV1), '{"f:metadata":{"f:annotations":{".":{},"f:a0":{},"f:a1":{},"f:a2":{}}}}');
  assert.equal(entries(live)[0]!.operation, 'Apply', 'Apply entries sort first');
});

test('client-sent managedFields: [] and [{}] reset, null keeps, invalid keeps, valid ones replace', () => {
  const live = store(ok(apply(undefined, deployment({ replicas: 3 }), applyOpts('kubectl'), DEPLOYMENT)));
  const send = (mf: unknown): KubeObject => {
    const next = structuredClone(live) as Obj;
    next.metadata.managedFields = mf;
    return updateManagedFields(live, next as KubeObject, updateOpts('kubectl-patch'), DEPLOYMENT);
  };
  assert.equal(send([]).metadata?.managedFields, undefined);
  assert.equal(send([{}]).metadata?.managedFields, undefined);
  assert.deepEqual(send(null).metadata?.managedFields, live.metadata?.managedFields);
  assert.deepEqual(send([{ manager: 'x', operation: 'Patch', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' }]).metadata?.managedFields, live.metadata?.managedFields);
  const custom = [{ manager: 'someone', operation: 'Update', apiVersion: 'apps/v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }];
  assert.deepEqual(send(custom).metadata?.managedFields, custom);
  // Through a subresource, the client's managedFields are ignored.
  const next = structuredClone(live) as Obj;
  next.metadata.managedFields = [];
  assert.deepEqual(updateManagedFields(live, next as KubeObject, updateOpts('x', { subresource: 'status' }), DEPLOYMENT).metadata?.managedFields, live.metadata?.managedFields);
  assert.ok(isResetManagedFields([]));
  assert.ok(isResetManagedFields([{ manager: '' }]));
  assert.ok(!isResetManagedFields(null));
  assert.ok(!isResetManagedFields([{ fieldsV1: {} }]));
});

test('an untracked object stays untracked on update; the first apply makes "before-first-apply" the owner', () => {
  const live = stripManagedFields(store(ok(apply(undefined, deployment({ replicas: 3 }), applyOpts('kubectl'), DEPLOYMENT))));
  const next = structuredClone(live) as Obj;
  next.spec.replicas = 4;
  assert.equal(updateManagedFields(live, next as KubeObject, updateOpts('kubectl-edit'), DEPLOYMENT).metadata?.managedFields, undefined);

  const r = apply(live, deployment({ replicas: 5 }), applyOpts('helm'), DEPLOYMENT);
  assert.ok(!r.ok);
  assert.equal(r.status.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
  const same = ok(apply(live, deployment({ replicas: 3 }), applyOpts('helm'), DEPLOYMENT));
  assert.deepEqual(
    entries(same).map((e) => [e.manager, e.operation]),
    [
      ['helm', 'Apply'],
      ['before-first-apply', 'Update'],
    ],
  );
});

test('upgrading from client-side apply: kubectl may take over fields it applied before, others conflict', () => {
  // kubectl apply (client-side) creates with the last-applied annotation, as an Update.
  const config = deployment({ replicas: 2 });
  const annotated = structuredClone(config);
  annotated.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(config)}\n` };
  const live = store(updateManagedFields(undefined, annotated as KubeObject, updateOpts('kubectl-client-side-apply'), DEPLOYMENT));

  const changed = deployment({ replicas: 4 });
  const other = apply(live, changed, applyOpts('flux'), DEPLOYMENT);
  assert.ok(!other.ok);
  assert.equal(other.status.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');

  // kubectl apply --server-side: .spec.replicas is in the annotation and unchanged since, so no conflict.
  const upgraded = ok(apply(live, changed, applyOpts('kubectl'), DEPLOYMENT)) as Obj;
  assert.equal(upgraded.spec.replicas, 4);
  // The annotation follows the new configuration (sorted keys, trailing newline).
  assert.equal(
    upgraded.metadata.annotations[LAST_APPLIED_ANNOTATION],
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"nginx"},"name":"nginx","namespace":"default"},"spec":{"replicas":4,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"image":"nginx:1.25","name":"nginx","ports":[{"containerPort":80}]}]}}}}\n',
  );

  // A field changed since the last client-side apply is still a conflict.
  const edited = structuredClone(live) as Obj;
  edited.spec.replicas = 9;
  const live2 = store(updateManagedFields(live, edited as KubeObject, updateOpts('kubectl-client-side-apply'), DEPLOYMENT), live);
  const r = apply(live2, changed, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!r.ok);
  assert.equal(r.status.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
});

test('apply errors as kube-apiserver reports them', () => {
  const wrongVersion = apply(undefined, { ...deployment({}), apiVersion: 'v1' }, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!wrongVersion.ok);
  assert.equal(wrongVersion.status.code, 400);
  assert.equal(wrongVersion.status.message, 'invalid object type: /v1, Kind=Deployment');
  const noKind = apply(undefined, { apiVersion: 'apps/v1', metadata: { name: 'x' } }, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!noKind.ok);
  assert.equal(noKind.status.message, 'invalid object type: apps/v1, Kind=');

  const withMF = deployment({});
  withMF.metadata.managedFields = [];
  const mf = apply(undefined, withMF, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!mf.ok);
  assert.deepEqual([mf.status.code, mf.status.reason, mf.status.message], [400, 'BadRequest', 'metadata.managedFields must be nil']);
  const nullMF = deployment({});
  nullMF.metadata.managedFields = null;
  assert.ok(apply(undefined, nullMF, applyOpts('kubectl'), DEPLOYMENT).ok);

  const unknown = deployment({});
  unknown.spec.foo = 1;
  const u = apply(undefined, unknown, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!u.ok);
  assert.equal(u.status.code, 500);
  assert.equal(u.status.reason, undefined);
  assert.equal(u.status.message, 'failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema');

  const noKey = deployment({ containers: [{ image: 'nginx' }] });
  const k = apply(undefined, noKey, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!k.ok);
  assert.equal(
    k.status.message,
    'failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
  );

  const dup = deployment({
    containers: [
      { name: 'a', image: 'x' },
      { name: 'a', image: 'y' },
    ],
  });
  const d = apply(undefined, dup, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!d.ok);
  assert.equal(d.status.message, 'failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="a"]');

  const two = deployment({});
  two.metadata.foo = 1;
  two.spec.replicas = 'three';
  const t = apply(undefined, two, applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!t.ok);
  assert.equal(t.status.message, 'failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): errors:\n  .metadata.foo: field not declared in schema\n  .spec.replicas: expected numeric (int or float), got string');

  const notObject = apply(undefined, ['x'], applyOpts('kubectl'), DEPLOYMENT);
  assert.ok(!notObject.ok);
  assert.equal(notObject.status.code, 400);
});

test('custom resources: structural schemas, preserved unknown fields and no schema at all', () => {
  const schema = TypeSchema.fromStructural({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          size: { type: 'integer' },
          tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  });
  const cr = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: 'b' } }, spec: { size: 1, tags: ['x'], extra: { any: { nested: true } } } };
  const opts: ApplyOptions = { manager: 'op', force: false, apiVersion: 'example.com/v1', kind: 'Widget', time: tick() };
  const out = ok(apply(undefined, cr, opts, schema));
  // Preserved unknown fields are typed by what they hold: granular maps.
  assert.equal(fieldsOf(out, 'op'), '{"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:extra":{"f:any":{".":{},"f:nested":{}}},"f:size":{},"f:tags":{"v:\\"x\\"":{}}}}');
  const bad = apply(undefined, { ...cr, spec: { nope: 1 } }, opts, schema);
  assert.ok(!bad.ok);
  assert.equal(bad.status.message, 'failed to create typed patch object (/w; example.com/v1, Kind=Widget): .spec.nope: field not declared in schema');

  // Without a schema every list is atomic and every map granular.
  const deduced = TypeSchema.deduced();
  const d = ok(apply(undefined, { ...cr, spec: { list: [1, 2], map: { k: 'v' } } }, opts, deduced));
  assert.equal(fieldsOf(d, 'op'), '{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{".":{},"f:list":{},"f:map":{".":{},"f:k":{}}}}');
});

test('helpers for the API server', () => {
  assert.equal(managerFromRequest('', 'kubectl/v1.30.1 (linux/amd64) kubernetes/abc'), 'kubectl');
  assert.equal(managerFromRequest('kubectl-edit', 'kubectl/v1.30.1'), 'kubectl-edit');
  assert.equal(managerFromRequest(undefined, 'x\u0007y/1'), 'xy');
  assert.equal(managerFromRequest(undefined, 'a'.repeat(200)).length, 128);

  const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } } as KubeObject;
  assert.equal(checkName(obj, 'c', 'ns'), undefined);
  assert.equal(checkName({ ...obj, metadata: {} }, 'c', 'ns')?.message, 'the name of the object (c based on URL) was undeterminable: name must be provided');
  assert.equal(checkName(obj, 'd', 'ns')?.message, 'the name of the object (c) does not match the name on the URL (d)');
  assert.equal(checkName(obj, 'c', 'other')?.message, 'the namespace of the object (ns) does not match the namespace on the request (other)');

  const bad = { ...obj, metadata: { name: 'c', managedFields: [{ manager: 'x', operation: 'Nope' }] } } as unknown as KubeObject;
  assert.equal(ensureManagedFieldsValid(bad).metadata?.managedFields, undefined);
  const good = { ...obj, metadata: { name: 'c', managedFields: [{ manager: 'x', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }] } } as KubeObject;
  assert.equal(ensureManagedFieldsValid(good), good);
  assert.equal(stripManagedFields(good).metadata?.managedFields, undefined);
  assert.deepEqual(resetFieldsFor({ hasStatus: false }), undefined);

  const messages = (o: Parameters<typeof patchOptionsErrors>[0]): string[] => patchOptionsErrors(o).map((e) => e.errorBody());
  assert.deepEqual(messages({ apply: true, fieldManager: '', forceGiven: false }), ['Required value: is required for apply patch']);
  assert.deepEqual(messages({ apply: false, fieldManager: 'kubectl-edit', forceGiven: true }), ['Forbidden: may not be specified for non-apply patch']);
  assert.deepEqual(messages({ apply: true, fieldManager: 'kubectl', forceGiven: true }), []);
  assert.equal(patchOptionsErrors({ apply: true, fieldManager: 'k'.repeat(129), forceGiven: false }).length, 1);

  // With the URL's name, apply reports a configuration without one (creating) or with another.
  const named: ApplyOptions = { manager: 'm', force: false, apiVersion: 'v1', kind: 'ConfigMap', time: tick(), name: 'c', namespace: 'ns' };
  const noName = apply(undefined, { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } }, named, TypeSchema.forKind('', 'v1', 'ConfigMap'));
  assert.ok(!noName.ok);
  assert.equal(noName.status.message, 'the name of the object (c based on URL) was undeterminable: name must be provided');
  assert.ok(apply(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, named, TypeSchema.forKind('', 'v1', 'ConfigMap')).ok);
});
