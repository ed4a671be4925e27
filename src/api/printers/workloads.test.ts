// apps, batch, autoscaling and policy kinds; cases after upstream printers_test.go
// (TestPrintDeployment, TestPrintJob, TestPrintCronJob, TestPrintHPA, ...).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printerFor } from './index.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();
const SOON = at(1900);

function cells(group: string, resource: string, obj: Record<string, unknown>): unknown[] {
  const p = printerFor(group, resource);
  const row = p.row(obj, NOW);
  assert.equal(row.length, p.columns.length, 'one cell per column');
  return row;
}

function columns(group: string, resource: string): unknown[] {
  return printerFor(group, resource).columns.map((c) => [c.name, c.type, c.priority]);
}

const template = {
  spec: {
    containers: [
      { name: 'fake-container1', image: 'fake-image1' },
      { name: 'fake-container2', image: 'fake-image2' },
    ],
  },
};

test('deployments: TestPrintDeployment', () => {
  assert.deepEqual(columns('apps', 'deployments'), [
    ['Name', 'string', 0],
    ['Ready', 'string', 0],
    ['Up-to-date', 'string', 0],
    ['Available', 'string', 0],
    ['Age', 'string', 0],
    ['Containers', 'string', 1],
    ['Images', 'string', 1],
    ['Selector', 'string', 1],
  ]);
  assert.deepEqual(
    cells('apps', 'deployments', {
      metadata: { name: 'test1', creationTimestamp: SOON },
      spec: { replicas: 5, template, selector: { matchLabels: { foo: 'bar' } } },
      status: { replicas: 10, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 4 },
    }),
    ['test1', '0/5', 2, 1, '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar'],
  );
  assert.deepEqual(
    cells('apps', 'deployments', {
      metadata: { name: 'web', creationTimestamp: at(-(3 * H + 2 * M)) },
      spec: { replicas: 3, template, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] } },
      status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    }),
    ['web', '2/3', 3, 2, '3h2m', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'app=web,tier in (back,front)'],
  );
  // An empty selector prints nothing (not <none>); an invalid one <invalid>.
  assert.equal(cells('apps', 'deployments', { metadata: { name: 'd' }, spec: { selector: {} } })[7], '');
  assert.equal(cells('apps', 'deployments', { metadata: { name: 'd' }, spec: { selector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } } })[7], '<invalid>');
});

test('replicasets: TestPrintReplicaSet', () => {
  assert.deepEqual(
    cells('apps', 'replicasets', {
      metadata: { name: 'test1', creationTimestamp: SOON },
      spec: { replicas: 5, template, selector: { matchLabels: { foo: 'bar' } } },
      status: { replicas: 5, readyReplicas: 2 },
    }),
    ['test1', 5, 5, 2, '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar'],
  );
  assert.deepEqual(cells('apps', 'replicasets', { metadata: { name: 'replicaset2', creationTimestamp: SOON }, spec: { replicas: 4, template: {} }, status: { replicas: 3, readyReplicas: 1 } }), [
    'replicaset2',
    4,
    3,
    1,
    '0s',
    '',
    '',
    '<none>',
  ]);
});

test('statefulsets: TestPrintStatefulSet', () => {
  assert.deepEqual(columns('apps', 'statefulsets'), [
    ['Name', 'string', 0],
    ['Ready', 'string', 0],
    ['Age', 'string', 0],
    ['Containers', 'string', 1],
    ['Images', 'string', 1],
  ]);
  assert.deepEqual(cells('apps', 'statefulsets', { metadata: { name: 'test1', creationTimestamp: SOON }, spec: { replicas: 5, template }, status: { replicas: 5, readyReplicas: 2 } }), [
    'test1',
    '2/5',
    '0s',
    'fake-container1,fake-container2',
    'fake-image1,fake-image2',
  ]);
});

test('daemonsets: TestPrintDaemonSet', () => {
  assert.deepEqual(
    cells('apps', 'daemonsets', {
      metadata: { name: 'test1', creationTimestamp: SOON },
      spec: { template, selector: { matchLabels: { foo: 'bar' } } },
      status: { currentNumberScheduled: 2, desiredNumberScheduled: 3, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 0 },
    }),
    ['test1', 3, 2, 1, 2, 0, '<none>', '0s', 'fake-container1,fake-container2', 'fake-image1,fake-image2', 'foo=bar'],
  );
  assert.deepEqual(
    cells('apps', 'daemonsets', {
      metadata: { name: 'kube-proxy', creationTimestamp: at(-10 * D) },
      spec: { template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.33.0' }] } }, selector: { matchLabels: { k8s: 'kp' } } },
      status: { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 },
    }).slice(0, 8),
    ['kube-proxy', 1, 1, 1, 1, 1, 'kubernetes.io/os=linux', '10d'],
  );
});

test('controllerrevisions: TestPrintControllerRevision', () => {
  const cr = (name: string, ownerReferences: unknown, revision: number) => cells('apps', 'controllerrevisions', { metadata: { name, creationTimestamp: SOON, ownerReferences }, revision });
  assert.deepEqual(cr('test1', [{ controller: true, apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'foo', uid: 'u' }], 1), ['test1', 'daemonset.apps/foo', 1, '0s']);
  assert.deepEqual(cr('test2', [{ controller: false, kind: 'ABC', name: 'foo' }], 2), ['test2', '<none>', 2, '0s']);
  assert.deepEqual(cr('test3', [], 3), ['test3', '<none>', 3, '0s']);
  assert.deepEqual(cr('test4', undefined, 4), ['test4', '<none>', 4, '0s']);
  assert.deepEqual(cr('test5', [{ controller: true, apiVersion: 'v1', kind: 'Pod', name: 'p' }], 5)[1], 'pod/p');
});

test('jobs: TestPrintJob', () => {
  assert.deepEqual(columns('batch', 'jobs'), [
    ['Name', 'string', 0],
    ['Status', 'string', 0],
    ['Completions', 'string', 0],
    ['Duration', 'string', 0],
    ['Age', 'string', 0],
    ['Containers', 'string', 1],
    ['Images', 'string', 1],
    ['Selector', 'string', 1],
  ]);
  const jobTemplate = {
    spec: {
      containers: [
        { name: 'fake-job-container1', image: 'fake-job-image1' },
        { name: 'fake-job-container2', image: 'fake-job-image2' },
      ],
    },
  };
  const job = (name: string, creationTimestamp: string, spec: Record<string, unknown>, status: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    cells('batch', 'jobs', { metadata: { name, creationTimestamp, ...extra }, spec, status });
  assert.deepEqual(job('job1', SOON, { completions: 2, template: jobTemplate, selector: { matchLabels: { 'job-label': 'job-label-value' } } }, { succeeded: 1 }), [
    'job1',
    'Running',
    '1/2',
    '',
    '0s',
    'fake-job-container1,fake-job-container2',
    'fake-job-image1,fake-job-image2',
    'job-label=job-label-value',
  ]);
  assert.deepEqual(job('job2', '2015-06-01T12:00:00Z', {}, { succeeded: 0 }).slice(0, 5), ['job2', 'Running', '0/1', '', '10y']);
  assert.deepEqual(job('job3', at(-10 * 365 * D), {}, { succeeded: 0, startTime: at(M), completionTime: at(31 * M) }).slice(0, 5), ['job3', 'Running', '0/1', '30m', '10y']);
  assert.deepEqual(job('job4', at(-10 * 365 * D), {}, { succeeded: 0, startTime: at(-20 * M) }).slice(0, 5), ['job4', 'Running', '0/1', '20m', '10y']);
  const withCondition = (type: string) => job('jobN', SOON, {}, { succeeded: 0, conditions: [{ type, status: 'True' }] }).slice(1, 5);
  assert.deepEqual(withCondition('Complete'), ['Complete', '0/1', '', '0s']);
  assert.deepEqual(withCondition('Failed'), ['Failed', '0/1', '', '0s']);
  assert.deepEqual(withCondition('Suspended'), ['Suspended', '0/1', '', '0s']);
  assert.deepEqual(withCondition('FailureTarget'), ['FailureTarget', '0/1', '', '0s']);
  assert.deepEqual(job('job9', SOON, {}, {}, { deletionTimestamp: SOON }).slice(1, 5), ['Terminating', '0/1', '', '0s']);
  // Completed jobs keep their status while being deleted; a False condition does not count.
  assert.equal(job('j', SOON, {}, { conditions: [{ type: 'Complete', status: 'True' }] }, { deletionTimestamp: SOON })[1], 'Complete');
  assert.equal(job('j', SOON, {}, { conditions: [{ type: 'Failed', status: 'False' }] })[1], 'Running');
  // Parallel jobs without completions.
  assert.equal(job('j', SOON, { parallelism: 3 }, { succeeded: 1 })[2], '1/1 of 3');
  // A finished pi job: 1/1, duration from start to completion.
  assert.deepEqual(
    job('pi', at(-(2 * M + 30 * S)), { completions: 1, parallelism: 1 }, { succeeded: 1, startTime: at(-(2 * M + 30 * S)), completionTime: at(-(2 * M + 30 * S) + 12 * S), conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] }).slice(0, 5),
    ['pi', 'Complete', '1/1', '12s', '2m30s'],
  );
});

test('cronjobs: TestPrintCronJob', () => {
  const jobTemplate = {
    spec: {
      completions: 2,
      template: {
        spec: {
          containers: [
            { name: 'fake-job-container1', image: 'fake-job-image1' },
            { name: 'fake-job-container2', image: 'fake-job-image2' },
          ],
        },
      },
      selector: { matchLabels: { a: 'b' } },
    },
  };
  assert.deepEqual(cells('batch', 'cronjobs', { metadata: { name: 'cronjob1', creationTimestamp: SOON }, spec: { schedule: '0/5 * * * ?', suspend: false, jobTemplate }, status: { lastScheduleTime: SOON } }), [
    'cronjob1',
    '0/5 * * * ?',
    '<none>',
    'False',
    0,
    '0s',
    '0s',
    'fake-job-container1,fake-job-container2',
    'fake-job-image1,fake-job-image2',
    'a=b',
  ]);
  assert.deepEqual(
    cells('batch', 'cronjobs', { metadata: { name: 'cronjob1', creationTimestamp: SOON }, spec: { schedule: '0/5 * * * ?', timeZone: 'LOCAL', suspend: false, jobTemplate }, status: { lastScheduleTime: SOON } }).slice(0, 7),
    ['cronjob1', '0/5 * * * ?', 'LOCAL', 'False', 0, '0s', '0s'],
  );
  assert.deepEqual(cells('batch', 'cronjobs', { metadata: { name: 'cronjob2', creationTimestamp: at(-5 * M) }, spec: { schedule: '0/5 * * * ?', suspend: false }, status: { lastScheduleTime: at(-30 * S) } }), [
    'cronjob2',
    '0/5 * * * ?',
    '<none>',
    'False',
    0,
    '30s',
    '5m',
    '',
    '',
    '<none>',
  ]);
  assert.deepEqual(cells('batch', 'cronjobs', { metadata: { name: 'cronjob3', creationTimestamp: at(-5 * M) }, spec: { schedule: '0/5 * * * ?', suspend: false }, status: {} }).slice(0, 7), [
    'cronjob3',
    '0/5 * * * ?',
    '<none>',
    'False',
    0,
    '<none>',
    '5m',
  ]);
  assert.deepEqual(cells('batch', 'cronjobs', { metadata: { name: 'c' }, spec: { schedule: '@hourly', suspend: true }, status: { active: [{ name: 'c-1' }, { name: 'c-2' }] } }).slice(3, 5), ['True', 2]);
  assert.deepEqual(columns('batch', 'cronjobs').slice(0, 7), [
    ['Name', 'string', 0],
    ['Schedule', 'string', 0],
    ['Timezone', 'string', 0],
    ['Suspend', 'boolean', 0],
    ['Active', 'integer', 0],
    ['Last Schedule', 'string', 0],
    ['Age', 'string', 0],
  ]);
});

test('horizontalpodautoscalers: TestPrintHPA', () => {
  const ref = { name: 'some-rc', kind: 'ReplicationController' };
  const hpa = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
    cells('autoscaling', 'horizontalpodautoscalers', { metadata: { name: 'some-hpa' }, spec: { scaleTargetRef: ref, maxReplicas: 10, ...spec }, status: { currentReplicas: 4, desiredReplicas: 5, ...status } });
  const row = (targets: string, min = '2') => ['some-hpa', 'ReplicationController/some-rc', targets, min, 10, 4, '<unknown>'];
  const selector = { matchLabels: { label: 'value' } };

  assert.deepEqual(hpa({}), row('<none>', '<unset>'));
  const external = (target: Record<string, unknown>) => [{ type: 'External', external: { metric: { name: 'some-external-metric', selector }, target } }];
  assert.deepEqual(hpa({ minReplicas: 2, metrics: external({ type: 'AverageValue', averageValue: '100m' }) }), row('<unknown>/100m (avg)'));
  assert.deepEqual(
    hpa({ minReplicas: 2, metrics: external({ type: 'AverageValue', averageValue: '100m' }) }, { currentMetrics: [{ type: 'External', external: { metric: { name: 'some-external-metric' }, current: { averageValue: '50m' } } }] }),
    row('50m/100m (avg)'),
  );
  assert.deepEqual(hpa({ minReplicas: 2, metrics: external({ type: 'Value', value: '100m' }) }), row('<unknown>/100m'));
  assert.deepEqual(
    hpa({ minReplicas: 2, metrics: external({ type: 'Value', value: '100m' }) }, { currentMetrics: [{ type: 'External', external: { metric: { name: 'some-external-metric' }, current: { value: '50m' } } }] }),
    row('50m/100m'),
  );
  const pods = (averageValue: string, metric = 'some-pods-metric') => ({ type: 'Pods', pods: { metric: { name: metric }, target: { type: 'AverageValue', averageValue } } });
  assert.deepEqual(hpa({ minReplicas: 2, metrics: [pods('100m')] }), row('<unknown>/100m'));
  assert.deepEqual(hpa({ minReplicas: 2, metrics: [pods('100m')] }, { currentMetrics: [{ type: 'Pods', pods: { metric: { name: 'some-pods-metric' }, current: { averageValue: '50m' } } }] }), row('50m/100m'));
  const object = [{ type: 'Object', object: { describedObject: { name: 'some-service', kind: 'Service' }, metric: { name: 'some-service-metric' }, target: { type: 'Value', value: '100m' } } }];
  assert.deepEqual(hpa({ minReplicas: 2, metrics: object }), row('<unknown>/100m'));
  assert.deepEqual(
    hpa({ minReplicas: 2, metrics: object }, { currentMetrics: [{ type: 'Object', object: { describedObject: { name: 'some-service', kind: 'Service' }, metric: { name: 'some-service-metric' }, current: { value: '50m' } } }] }),
    row('50m/100m'),
  );
  const cpuValue = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '100m' } } }];
  assert.deepEqual(hpa({ minReplicas: 2, metrics: cpuValue }), row('cpu: <unknown>/100m'));
  assert.deepEqual(hpa({ minReplicas: 2, metrics: cpuValue }, { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '50m' } } }] }), row('cpu: 50m/100m'));
  const cpuUtil = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  assert.deepEqual(hpa({ minReplicas: 2, metrics: cpuUtil }), row('cpu: <unknown>/80%'));
  assert.deepEqual(hpa({ minReplicas: 2, metrics: cpuUtil }, { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '40m' } } }] }), row('cpu: 50%/80%'));
  const containerValue = [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'application', target: { type: 'AverageValue', averageValue: '100m' } } }];
  assert.deepEqual(hpa({ minReplicas: 2, metrics: containerValue }), row('cpu: <unknown>/100m'));
  assert.deepEqual(
    hpa({ minReplicas: 2, metrics: containerValue }, { currentMetrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'application', current: { averageValue: '50m' } } }] }),
    row('cpu: 50m/100m'),
  );
  const containerUtil = [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'application', target: { type: 'Utilization', averageUtilization: 80 } } }];
  assert.deepEqual(hpa({ minReplicas: 2, metrics: containerUtil }), row('cpu: <unknown>/80%'));
  assert.deepEqual(
    hpa({ minReplicas: 2, metrics: containerUtil }, { currentMetrics: [{ type: 'ContainerResource', containerResource: { name: 'cpu', container: 'application', current: { averageUtilization: 50, averageValue: '40m' } } }] }),
    row('cpu: 50%/80%'),
  );
  // multiple specs
  assert.deepEqual(
    hpa(
      { minReplicas: 2, metrics: [pods('100m'), cpuUtil[0], pods('400m', 'other-pods-metric')] },
      {
        currentMetrics: [
          { type: 'Pods', pods: { metric: { name: 'some-pods-metric' }, current: { averageValue: '50m' } } },
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '40m' } } },
        ],
      },
    ),
    row('50m/100m, cpu: 50%/80% + 1 more...'),
  );
  // Quantities print canonically.
  assert.equal(hpa({ minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } } }] })[2], 'memory: <unknown>/1Gi');
});

test('horizontalpodautoscalers: an autoscaling/v1 object', () => {
  assert.deepEqual(
    cells('autoscaling', 'horizontalpodautoscalers', {
      metadata: { name: 'web', creationTimestamp: at(-H) },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 12 },
    }),
    ['web', 'Deployment/web', 'cpu: 12%/50%', '1', 10, 1, '60m'],
  );
});

test('poddisruptionbudgets: TestPrintPodDisruptionBudget', () => {
  assert.deepEqual(cells('policy', 'poddisruptionbudgets', { metadata: { namespace: 'ns1', name: 'pdb1', creationTimestamp: SOON }, spec: { minAvailable: 22 }, status: { disruptionsAllowed: 5 } }), [
    'pdb1',
    '22',
    'N/A',
    5,
    '0s',
  ]);
  assert.deepEqual(cells('policy', 'poddisruptionbudgets', { metadata: { namespace: 'ns2', name: 'pdb2', creationTimestamp: SOON }, spec: { maxUnavailable: 11 }, status: { disruptionsAllowed: 5 } }), [
    'pdb2',
    'N/A',
    '11',
    5,
    '0s',
  ]);
  assert.deepEqual(cells('policy', 'poddisruptionbudgets', { metadata: { name: 'pdb3' }, spec: { maxUnavailable: '25%' } }).slice(1, 4), ['N/A', '25%', 0]);
});

test('scale subresource: TestPrintScale', () => {
  const p = printerFor('apps', 'deployments/scale');
  assert.deepEqual(
    p.columns.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', ''],
      ['Desired', 'integer', ''],
      ['Available', 'integer', ''],
      ['Age', 'string', ''],
    ],
  );
  assert.deepEqual(p.row({ metadata: { name: 'test-autoscaling', creationTimestamp: SOON }, spec: { replicas: 2 }, status: { replicas: 1 } }, NOW), ['test-autoscaling', 2, 1, '0s']);
});
