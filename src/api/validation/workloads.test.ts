import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, generateJobSelector } from '../defaults/index.js';
import { validate, validateUpdate } from './index.js';

type Obj = Record<string, unknown>;

function withDefaults(group: string, kind: string, obj: Obj): Obj {
  applyDefaults(group, 'v1', kind, obj);
  return obj;
}

function errors(group: string, kind: string, obj: Obj): string[] {
  return validate(group, 'v1', kind, obj).map((e) => e.toString());
}

function updateErrors(group: string, kind: string, obj: Obj, old: Obj): string[] {
  return validateUpdate(group, 'v1', kind, obj, old).map((e) => e.toString());
}

function template(labels: Record<string, string> = { app: 'web' }, restartPolicy?: string): Obj {
  return { metadata: { labels }, spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'web', image: 'nginx:1.25' }] } };
}

function deployment(spec: Obj = {}): Obj {
  return withDefaults('apps', 'Deployment', {
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
  });
}

test('a realistic Deployment is valid', () => {
  assert.deepEqual(errors('apps', 'Deployment', deployment()), []);
});

test('Deployment selector: required, must match the template labels, immutable', () => {
  const noSelector = deployment();
  delete (noSelector.spec as Obj).selector;
  assert.deepEqual(errors('apps', 'Deployment', noSelector), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
  ]);

  const mismatch = deployment({ selector: { matchLabels: { app: 'x' } } });
  assert.deepEqual(errors('apps', 'Deployment', mismatch), [
    'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
  ]);

  const empty = deployment({ selector: { matchLabels: {} } });
  assert.deepEqual(errors('apps', 'Deployment', empty), [
    'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
  ]);

  const old = deployment();
  const changed = deployment({ selector: { matchLabels: { app: 'web', tier: 'front' } }, template: template({ app: 'web', tier: 'front' }) });
  assert.deepEqual(updateErrors('apps', 'Deployment', changed, old), [
    'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable',
  ]);
});

test('Deployment replicas, strategy and rolling update bounds', () => {
  assert.deepEqual(errors('apps', 'Deployment', deployment({ replicas: -1 })), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(errors('apps', 'Deployment', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } })), [
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
  ]);
  assert.deepEqual(errors('apps', 'Deployment', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 'x' } } })), [
    `spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
  ]);
  assert.deepEqual(errors('apps', 'Deployment', deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } })), [
    "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
  ]);
  assert.deepEqual(errors('apps', 'Deployment', deployment({ strategy: { type: 'BlueGreen' } })), [
    'spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"',
  ]);
  assert.deepEqual(errors('apps', 'Deployment', deployment({ template: template({ app: 'web' }, 'Never') })), [
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
  assert.deepEqual(errors('apps', 'Deployment', deployment({ progressDeadlineSeconds: 10, minReadySeconds: 10 })), [
    'spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds',
  ]);
});

test('the pod template inside a Deployment is validated with template paths', () => {
  const bad = deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] } } });
  assert.deepEqual(errors('apps', 'Deployment', bad), ['spec.template.spec.containers[0].image: Required value']);
});

test('ReplicaSet', () => {
  const rs = withDefaults('apps', 'ReplicaSet', { metadata: { name: 'rs' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
  assert.deepEqual(errors('apps', 'ReplicaSet', rs), []);
  const negative = structuredClone(rs);
  (negative.spec as Obj).replicas = -2;
  assert.deepEqual(errors('apps', 'ReplicaSet', negative), ['spec.replicas: Invalid value: -2: must be greater than or equal to 0']);
});

test('StatefulSet: valid, selector rules, forbidden updates', () => {
  const sts = withDefaults('apps', 'StatefulSet', {
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'web' } },
      template: template(),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });
  assert.deepEqual(errors('apps', 'StatefulSet', sts), []);
  const bad = structuredClone(sts);
  (bad.spec as Obj).podManagementPolicy = 'Random';
  (bad.spec as Obj).selector = { matchLabels: { app: 'db' } };
  assert.deepEqual(errors('apps', 'StatefulSet', bad), [
    `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
    'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
  ]);
  const resized = structuredClone(sts);
  (resized.spec as Obj).replicas = 5;
  assert.deepEqual(updateErrors('apps', 'StatefulSet', resized, sts), []);
  const claims = structuredClone(sts);
  ((claims.spec as Obj).volumeClaimTemplates as Obj[])[0]!.spec = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, volumeMode: 'Filesystem' };
  assert.deepEqual(updateErrors('apps', 'StatefulSet', claims, sts), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test('DaemonSet: valid, update strategy bounds', () => {
  const ds = withDefaults('apps', 'DaemonSet', { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
  assert.deepEqual(errors('apps', 'DaemonSet', ds), []);
  const both = structuredClone(ds);
  (both.spec as Obj).updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } };
  assert.deepEqual(errors('apps', 'DaemonSet', both), [
    'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
  ]);
  const none = structuredClone(ds);
  (none.spec as Obj).updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } };
  assert.deepEqual(errors('apps', 'DaemonSet', none), ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']);
});

function job(spec: Obj = {}): Obj {
  const obj: Obj = { metadata: { name: 'pi', namespace: 'default', uid: '5e1c4b0e-0000-4000-8000-000000000001' }, spec: { template: template({}, 'Never'), ...spec } };
  applyDefaults('batch', 'v1', 'Job', obj);
  generateJobSelector(obj);
  applyDefaults('batch', 'v1', 'Job', obj);
  return obj;
}

test('Job: valid with a generated selector; restartPolicy must be OnFailure or Never', () => {
  assert.deepEqual(errors('batch', 'Job', job()), []);
  assert.deepEqual(errors('batch', 'Job', job({ template: template({}) })), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  assert.deepEqual(errors('batch', 'Job', job({ completions: -1, parallelism: -1, backoffLimit: -1 })), [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.completions: Invalid value: -1: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
  ]);
});

test('Job: selector and template are immutable', () => {
  const old = job();
  const changed = structuredClone(old);
  ((((changed.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0]!.image = 'nginx:1.26';
  const errs = updateErrors('batch', 'Job', changed, old);
  assert.equal(errs.length, 1);
  assert.match(errs[0] ?? '', /^spec\.template: Invalid value: \{.*\}: field is immutable$/s);
  const selector = structuredClone(old);
  ((selector.spec as Obj).selector as Obj).matchLabels = { 'batch.kubernetes.io/controller-uid': 'other' };
  assert.ok(
    updateErrors('batch', 'Job', selector, old).includes(
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"other"}}: field is immutable',
    ),
  );
});

function cronJob(schedule: string, name = 'hello'): Obj {
  return withDefaults('batch', 'CronJob', {
    metadata: { name },
    spec: { schedule, jobTemplate: { spec: { template: template({}, 'OnFailure') } } },
  });
}

test('CronJob: schedule validity with robfig/cron messages', () => {
  assert.deepEqual(errors('batch', 'CronJob', cronJob('*/5 * * * *')), []);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('@hourly')), []);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('*/1 * * *')), ['spec.schedule: Invalid value: "*/1 * * *": expected exactly 5 fields, found 4: [*/1 * * *]']);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('61 * * * *')), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('x * * * *')), [
    'spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
  ]);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('@fortnightly')), ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly']);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('TZ=UTC 0 * * * *')), [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(errors('batch', 'CronJob', cronJob('0 * * * *', 'a'.repeat(53))), [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
});

test('CronJob: job template restart policy and concurrency policy', () => {
  const bad = cronJob('0 * * * *');
  (bad.spec as Obj).concurrencyPolicy = 'Sometimes';
  ((bad.spec as Obj).jobTemplate as { spec: Obj }).spec.template = template({});
  applyDefaults('batch', 'v1', 'CronJob', bad);
  assert.deepEqual(errors('batch', 'CronJob', bad), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ]);
});

test('ReplicationController', () => {
  const rc = withDefaults('', 'ReplicationController', { metadata: { name: 'rc' }, spec: { template: template() } });
  assert.deepEqual(errors('', 'ReplicationController', rc), []);
  const noTemplate = withDefaults('', 'ReplicationController', { metadata: { name: 'rc' }, spec: {} });
  assert.deepEqual(errors('', 'ReplicationController', noTemplate), ['spec.selector: Required value', 'spec.template: Required value']);
});
