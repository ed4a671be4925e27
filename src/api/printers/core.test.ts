// Core kinds. Objects and expected cells follow upstream
// pkg/printers/internalversion/printers_test.go (TestPrintPod, TestPrintNodeStatus,
// TestPrintService, TestPrintEvent, ...), written as v1 JSON. The server prints
// wide, so every row also carries the priority-1 cells upstream's Wide cases show.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printerFor } from './index.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();
const SOON = at(1900); // upstream's time.Now().Add(1.9e9): prints 0s

function cells(group: string, resource: string, obj: Record<string, unknown>): unknown[] {
  const p = printerFor(group, resource);
  const row = p.row(obj, NOW);
  assert.equal(row.length, p.columns.length, 'one cell per column');
  return row;
}

const pod = (o: Record<string, unknown>) => cells('', 'pods', o);
const containers = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'busybox' }));
const running = { running: { startedAt: at(-H) } };
const lastTerminated = (ms: number) => ({ terminated: { exitCode: 1, finishedAt: at(ms) } });
const NO_WIDE = ['<none>', '<none>', '<none>', '<none>'];

test('pods: columns', () => {
  const cols = printerFor('', 'pods').columns;
  assert.deepEqual(
    cols.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Ready', 'string', '', 0],
      ['Status', 'string', '', 0],
      ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0],
      ['IP', 'string', '', 1],
      ['Node', 'string', '', 1],
      ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ],
  );
  assert.equal(cols[1]?.description, 'The aggregate readiness state of this pod for accepting traffic.');
  assert.match(cols[4]?.description ?? '', /^CreationTimestamp is a timestamp/);
});

test('pods: TestPrintPod status, ready and restarts', () => {
  const cases: [Record<string, unknown>, unknown[]][] = [
    [
      // name, containers, restarts, container ready status
      { metadata: { name: 'test1' }, spec: { containers: containers(2) }, status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }] } },
      ['test1', '1/2', 'podPhase', '6', '<unknown>'],
    ],
    [
      // container error overwrites pod phase
      {
        metadata: { name: 'test2' },
        spec: { containers: containers(2) },
        status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 }] },
      },
      ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>'],
    ],
    [
      // the first container overwrites the rest
      {
        metadata: { name: 'test3' },
        spec: { containers: containers(2) },
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { state: { waiting: { reason: 'ContainerWaitingReason' } }, restartCount: 3 },
            { state: { terminated: { reason: 'ContainerTerminatedReason' } }, restartCount: 3 },
          ],
        },
      },
      ['test3', '0/2', 'ContainerWaitingReason', '6', '<unknown>'],
    ],
    [
      // ready is not enough for reporting running
      { metadata: { name: 'test4' }, spec: { containers: containers(2) }, status: { phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { ready: true, restartCount: 3 }] } },
      ['test4', '1/2', 'podPhase', '6', '<unknown>'],
    ],
    [
      {
        metadata: { name: 'test5' },
        spec: { containers: containers(2) },
        status: { reason: 'podReason', phase: 'podPhase', containerStatuses: [{ ready: true, restartCount: 3, state: running }, { ready: true, restartCount: 3 }] },
      },
      ['test5', '1/2', 'podReason', '6', '<unknown>'],
    ],
    [
      // one running and one completed container, no Ready condition
      {
        metadata: { name: 'test6' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
            { ready: true, restartCount: 3, state: running },
          ],
        },
      },
      ['test6', '1/2', 'NotReady', '6', '<unknown>'],
    ],
    [
      // the same with a Ready condition
      {
        metadata: { name: 'test6' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastProbeTime: at(0) }],
          containerStatuses: [
            { ready: true, restartCount: 3, state: { terminated: { reason: 'Completed', exitCode: 0 } } },
            { ready: true, restartCount: 3, state: running },
          ],
        },
      },
      ['test6', '1/2', 'Running', '6', '<unknown>'],
    ],
    [
      // one init container restarting, one container not running
      {
        metadata: { name: 'test7' },
        spec: { initContainers: containers(1), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [{ ready: false, restartCount: 3, state: running, lastState: lastTerminated(-10 * S) }],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
        },
      },
      ['test7', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>'],
    ],
    [
      // two init containers, one restarting and one not running
      {
        metadata: { name: 'test8' },
        spec: { initContainers: containers(2), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            { ready: false, restartCount: 3, state: running, lastState: lastTerminated(-10 * S) },
            { ready: false, state: { waiting: {} } },
          ],
          containerStatuses: [{ ready: false, state: { waiting: {} } }],
        },
      },
      ['test8', '0/1', 'Init:0/2', '3 (10s ago)', '<unknown>'],
    ],
    [
      // one init container completed without restarts, the other restarting
      {
        metadata: { name: 'test9' },
        spec: { initContainers: containers(2), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            { ready: false, state: { terminated: {} } },
            { ready: false, restartCount: 3, state: running, lastState: lastTerminated(-10 * S) },
          ],
          containerStatuses: [{ ready: false, state: { waiting: {} } }],
        },
      },
      ['test9', '0/1', 'Init:1/2', '3 (10s ago)', '<unknown>'],
    ],
    [
      // one init container completed with restarts, the other restarting
      {
        metadata: { name: 'test10' },
        spec: { initContainers: containers(2), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            { ready: false, restartCount: 2, state: { terminated: {} }, lastState: lastTerminated(-2 * M) },
            { ready: false, restartCount: 3, state: running, lastState: lastTerminated(-10 * S) },
          ],
          containerStatuses: [{ ready: false, state: { waiting: {} } }],
        },
      },
      ['test10', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>'],
    ],
    [
      // init container done with restarts, app container restarting: init restarts no longer count
      {
        metadata: { name: 'test11' },
        spec: { initContainers: containers(1), containers: containers(1) },
        status: {
          phase: 'Running',
          initContainerStatuses: [{ ready: false, restartCount: 2, state: { terminated: {} }, lastState: lastTerminated(-2 * M) }],
          containerStatuses: [{ ready: false, restartCount: 4, state: running, lastState: lastTerminated(-20 * S) }],
        },
      },
      ['test11', '0/1', 'Running', '4 (20s ago)', '<unknown>'],
    ],
    [
      { metadata: { name: 'test12' }, spec: { containers: containers(1) }, status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 3, state: running, lastState: lastTerminated(-5 * D) }] } },
      ['test12', '1/1', 'Running', '3 (5d ago)', '<unknown>'],
    ],
    [
      {
        metadata: { name: 'test13' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: true, restartCount: 0, state: running },
            { ready: true, restartCount: 3, state: running, lastState: lastTerminated(-10 * D) },
          ],
        },
      },
      ['test13', '2/2', 'Running', '3 (10d ago)', '<unknown>'],
    ],
    [
      {
        metadata: { name: 'test14' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: true, restartCount: 6, state: running, lastState: lastTerminated(-5 * D) },
            { ready: true, restartCount: 3, state: running, lastState: lastTerminated(-20 * D) },
          ],
        },
      },
      ['test14', '2/2', 'Running', '9 (5d ago)', '<unknown>'],
    ],
    [
      { metadata: { name: 'test15' }, spec: { containers: containers(2) }, status: { phase: 'podPhase', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } },
      ['test15', '0/2', 'SchedulingGated', '0', '<unknown>'],
    ],
    [
      { metadata: { name: 'test16' }, spec: { containers: containers(1) }, status: { phase: 'Succeeded', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } },
      ['test16', '0/1', 'Completed', '0', '<unknown>'],
    ],
    [
      { metadata: { name: 'test17' }, spec: { containers: containers(1) }, status: { phase: 'Failed', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { reason: 'Error', exitCode: 1 } } }] } },
      ['test17', '0/1', 'Error', '0', '<unknown>'],
    ],
    [
      // succeeded and being deleted: stays Completed
      {
        metadata: { name: 'test18', deletionTimestamp: at(-10 * S) },
        spec: { containers: containers(1) },
        status: { phase: 'Succeeded', containerStatuses: [{ ready: false, restartCount: 0, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] },
      },
      ['test18', '0/1', 'Completed', '0', '<unknown>'],
    ],
    [
      { metadata: { name: 'test19', deletionTimestamp: at(-10 * S) }, spec: { containers: containers(1) }, status: { phase: 'Running', containerStatuses: [{ ready: false, restartCount: 0, state: running }] } },
      ['test19', '0/1', 'Terminating', '0', '<unknown>'],
    ],
    [{ metadata: { name: 'test20', deletionTimestamp: at(-10 * S) }, spec: { containers: containers(1) }, status: { phase: 'Pending' } }, ['test20', '0/1', 'Terminating', '0', '<unknown>']],
  ];
  for (const [obj, want] of cases) assert.deepEqual(pod(obj), [...want, ...NO_WIDE], String(want[0]));
});

test('pods: TestPrintPodWithRestartableInitContainer', () => {
  const sidecars = [
    { name: 'restartable-init-1', image: 'i', restartPolicy: 'Always' },
    { name: 'restartable-init-2', image: 'i', restartPolicy: 'Always' },
  ];
  const cases: [Record<string, unknown>, unknown[]][] = [
    [
      // the first running but not started
      {
        metadata: { name: 'test1' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'restartable-init-1', ready: false, restartCount: 3, state: running, started: false, lastState: lastTerminated(-10 * S) },
            { name: 'restartable-init-2', ready: false, state: { waiting: {} }, started: false },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
          conditions: [{ type: 'Initialized', status: 'False' }],
        },
      },
      ['test1', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>'],
    ],
    [
      // the first started, the second running but not started
      {
        metadata: { name: 'test1' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            { name: 'restartable-init-1', ready: false, restartCount: 3, state: running, started: true, lastState: lastTerminated(-10 * S) },
            { name: 'restartable-init-2', ready: false, state: running, started: false },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
          conditions: [{ type: 'Initialized', status: 'False' }],
        },
      },
      ['test1', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>'],
    ],
    [
      // both started, one container running
      {
        metadata: { name: 'test2' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Running',
          initContainerStatuses: [
            { name: 'restartable-init-1', ready: false, restartCount: 3, state: running, started: true, lastState: lastTerminated(-10 * S) },
            { name: 'restartable-init-2', ready: false, state: running, started: true },
          ],
          containerStatuses: [{ ready: true, restartCount: 4, state: running, lastState: lastTerminated(-20 * S) }],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
      },
      ['test2', '1/3', 'Running', '7 (10s ago)', '<unknown>'],
    ],
    [
      // both sidecars exited non-zero, the container completed
      {
        metadata: { name: 'test3' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Succeeded',
          initContainerStatuses: [
            { name: 'restartable-init-1', ready: false, restartCount: 3, state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false, lastState: lastTerminated(-10 * S) },
            { name: 'restartable-init-2', ready: false, state: { terminated: { reason: 'Error', exitCode: 137 } }, started: false },
          ],
          containerStatuses: [{ ready: false, restartCount: 4, state: { terminated: { reason: 'Completed', exitCode: 0 } }, lastState: lastTerminated(-20 * S) }],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
      },
      ['test3', '0/3', 'Completed', '7 (10s ago)', '<unknown>'],
    ],
    [
      // statuses of containers the spec does not have
      {
        metadata: { name: 'test4' },
        spec: {
          initContainers: [
            { name: 'init1', image: 'initimage' },
            { name: 'sidecar1', image: 'sidecarimage', restartPolicy: 'Always' },
          ],
          containers: [{ name: 'container1', image: 'containerimage' }],
        },
        status: {
          phase: 'Running',
          initContainerStatuses: [{ name: 'initinvalid' }, { name: 'init1' }, { name: 'sidecar1' }],
          containerStatuses: [{ name: 'containerinvalid' }, { name: 'container1' }],
        },
      },
      ['test4', '0/2', 'Init:0/2', '0', '<unknown>'],
    ],
  ];
  for (const [obj, want] of cases) assert.deepEqual(pod(obj), [...want, ...NO_WIDE], String(want[0]));
});

test('pods: init container failures, crash loops, creation and lost nodes', () => {
  const base = { metadata: { name: 'p', creationTimestamp: at(-5 * M) }, spec: { initContainers: containers(1), containers: containers(1) } };
  const withInit = (initStatus: Record<string, unknown>, phase = 'Pending') => pod({ ...base, status: { phase, initContainerStatuses: [initStatus], containerStatuses: [{ state: { waiting: { reason: 'PodInitializing' } } }] } });
  assert.equal(withInit({ state: { terminated: { exitCode: 1, reason: 'Error' } } })[2], 'Init:Error');
  assert.equal(withInit({ state: { terminated: { exitCode: 2 } } })[2], 'Init:ExitCode:2');
  assert.equal(withInit({ state: { terminated: { exitCode: 137, signal: 9 } } })[2], 'Init:Signal:9');
  assert.equal(withInit({ state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 4, lastState: lastTerminated(-30 * S) })[2], 'Init:CrashLoopBackOff');
  assert.equal(withInit({ state: { waiting: { reason: 'PodInitializing' } } })[2], 'Init:0/1');
  // Init done: the app container's state shows.
  assert.deepEqual(
    pod({ ...base, status: { phase: 'Pending', initContainerStatuses: [{ state: { terminated: { exitCode: 0, reason: 'Completed' } } }], containerStatuses: [{ state: { waiting: { reason: 'PodInitializing' } } }] } }).slice(0, 5),
    ['p', '0/1', 'PodInitializing', '0', '5m'],
  );
  const app = (cs: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    pod({ metadata: { name: 'web', creationTimestamp: at(-(3 * H + 2 * M)) }, spec: { containers: containers(1) }, status: { phase: 'Running', containerStatuses: [cs], ...extra } }).slice(0, 5);
  assert.deepEqual(app({ state: { waiting: { reason: 'ContainerCreating' } } }), ['web', '0/1', 'ContainerCreating', '0', '3h2m']);
  assert.deepEqual(app({ state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 3, lastState: lastTerminated(-5 * M) }), ['web', '0/1', 'CrashLoopBackOff', '3 (5m ago)', '3h2m']);
  assert.deepEqual(app({ state: { terminated: { exitCode: 143, signal: 15 } } }), ['web', '0/1', 'Signal:15', '0', '3h2m']);
  assert.deepEqual(app({ state: { terminated: { exitCode: 3 } } }), ['web', '0/1', 'ExitCode:3', '0', '3h2m']);
  // Node lost: the node lifecycle controller marks the pod, then deletes it.
  assert.equal(app({ ready: true, state: running }, { reason: 'NodeLost' })[2], 'NodeLost');
  assert.equal(
    pod({ metadata: { name: 'web', deletionTimestamp: at(-M) }, spec: { containers: containers(1) }, status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [{ ready: true, state: running }] } })[2],
    'Unknown',
  );
});

test('pods: TestPrintPodwide cells', () => {
  const gates = [{ conditionType: 'condition1' }, { conditionType: 'condition2' }, { conditionType: 'condition3' }];
  const status = {
    conditions: [
      { type: 'condition1', status: 'False' },
      { type: 'condition2', status: 'True' },
    ],
    phase: 'podPhase',
    containerStatuses: [{ ready: true, restartCount: 3, state: running }, { restartCount: 3 }],
    nominatedNodeName: 'node1',
  };
  assert.deepEqual(pod({ metadata: { name: 'test1' }, spec: { containers: containers(2), nodeName: 'test1', readinessGates: gates }, status: { ...status, podIP: '1.1.1.1', podIPs: [{ ip: '1.1.1.1' }] } }), [
    'test1',
    '1/2',
    'podPhase',
    '6',
    '<unknown>',
    '1.1.1.1',
    'test1',
    'node1',
    '1/3',
  ]);
  assert.deepEqual(pod({ metadata: { name: 'test1' }, spec: { containers: containers(2), nodeName: 'test1', readinessGates: gates }, status: { ...status, podIPs: [{ ip: '1.1.1.1' }, { ip: '2001:db8::' }] } }), [
    'test1',
    '1/2',
    'podPhase',
    '6',
    '<unknown>',
    '1.1.1.1',
    'test1',
    'node1',
    '1/3',
  ]);
});

test('pods: row conditions of finished pods', () => {
  const p = printerFor('', 'pods');
  assert.deepEqual(p.rowConditions?.({ status: { phase: 'Succeeded' } }), [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  assert.deepEqual(p.rowConditions?.({ status: { phase: 'Failed' } }), [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
  assert.equal(p.rowConditions?.({ status: { phase: 'Running' } }), undefined);
});

test('podtemplates: TestPrintPodTemplate', () => {
  assert.deepEqual(cells('', 'podtemplates', { metadata: { name: 'pod-template-1' }, template: { metadata: { name: 'pod-template-1' }, spec: { containers: [] } } }), ['pod-template-1', '', '', '<none>']);
  assert.deepEqual(
    cells('', 'podtemplates', {
      metadata: { name: 'pod-template-2' },
      template: {
        spec: {
          containers: [
            { name: 'fake-container1', image: 'fake-image1' },
            { name: 'fake-container2', image: 'fake-image2' },
          ],
        },
      },
    }),
    ['pod-template-2', 'fake-container1,fake-container2', 'fake-image1,fake-image2', '<none>'],
  );
  assert.deepEqual(cells('', 'podtemplates', { metadata: { name: 'pod-template-3' }, template: { metadata: { labels: { foo: 'bar' } }, spec: { containers: [] } } }), ['pod-template-3', '', '', 'foo=bar']);
});

test('replicationcontrollers: TestPrintReplicationController', () => {
  const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'test', image: 'test_image' }] } };
  assert.deepEqual(cells('', 'replicationcontrollers', { metadata: { name: 'rc1', namespace: 'test-namespace' }, spec: { replicas: 0, selector: { a: 'b' }, template } }), [
    'rc1',
    0,
    0,
    0,
    '<unknown>',
    'test',
    'test_image',
    'a=b',
  ]);
  assert.deepEqual(cells('', 'replicationcontrollers', { metadata: { name: 'rc1' }, spec: { replicas: 5, selector: { a: 'b' }, template }, status: { replicas: 3, readyReplicas: 1 } }), [
    'rc1',
    5,
    3,
    1,
    '<unknown>',
    'test',
    'test_image',
    'a=b',
  ]);
  // A bookmark-like object with nothing in it must not break.
  assert.deepEqual(cells('', 'replicationcontrollers', { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } }, spec: { replicas: 0 } }), ['', 0, 0, 0, '<unknown>', '', '', '<none>']);
});

test('services: TestPrintService', () => {
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => cells('', 'services', { metadata: { name: 'test' }, spec, status });
  assert.deepEqual(svc({ type: 'ClusterIP', ports: [{ protocol: 'tcp', port: 2233 }], clusterIPs: ['10.9.8.7'], selector: { foo: 'bar' } }), [
    'test',
    'ClusterIP',
    '10.9.8.7',
    '<none>',
    '2233/tcp',
    '<unknown>',
    'foo=bar',
  ]);
  assert.deepEqual(svc({ type: 'NodePort', ports: [{ protocol: 'tcp', port: 8888, nodePort: 9999 }], clusterIPs: ['10.9.8.7'] }), ['test', 'NodePort', '10.9.8.7', '<none>', '8888:9999/tcp', '<unknown>', '<none>']);
  assert.deepEqual(svc({ type: 'LoadBalancer', ports: [{ protocol: 'tcp', port: 8888 }], clusterIPs: ['10.9.8.7'] }), ['test', 'LoadBalancer', '10.9.8.7', '<pending>', '8888/tcp', '<unknown>', '<none>']);
  assert.deepEqual(svc({ type: 'LoadBalancer', ports: [{ protocol: 'tcp', port: 8888 }], clusterIPs: ['10.9.8.7'], externalIPs: ['80.11.12.10'] })[3], '80.11.12.10');
  assert.deepEqual(
    svc({ type: 'LoadBalancer', ports: [{ protocol: 'tcp', port: 8888 }], clusterIPs: ['10.9.8.7'], externalIPs: ['80.11.12.10'] }, { loadBalancer: { ingress: [{ ip: '3.4.5.6', hostname: 'test.cluster.com' }] } })[3],
    '3.4.5.6,80.11.12.10',
  );
  assert.deepEqual(
    svc(
      { type: 'LoadBalancer', ports: [{ protocol: 'tcp', port: 8888 }], clusterIPs: ['10.9.8.7'], externalIPs: ['80.11.12.10', '80.11.12.11'] },
      {
        loadBalancer: {
          ingress: [
            { ip: '2.3.4.5', hostname: 'test.cluster.local' },
            { ip: '3.4.5.6', hostname: 'test.cluster.com' },
          ],
        },
      },
    )[3],
    '2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11',
  );
  assert.deepEqual(svc({ type: 'ExternalName', externalName: 'my.database.example.com' }), ['test', 'ExternalName', '<none>', 'my.database.example.com', '<none>', '<unknown>', '<none>']);
});

test('services: TestPrintServiceLoadBalancer (wide: addresses are never clipped)', () => {
  const lb = (ingress: unknown[], ports: unknown[]) =>
    cells('', 'services', { metadata: { name: 'service4' }, spec: { clusterIPs: ['1.5.6.7'], type: 'LoadBalancer', ports, selector: { foo: 'bar' } }, status: { loadBalancer: { ingress } } });
  const ports = [
    { port: 80, protocol: 'TCP' },
    { port: 8090, protocol: 'UDP' },
    { port: 8000, protocol: 'TCP' },
  ];
  assert.deepEqual(lb([{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8', hostname: 'host5678' }], ports), [
    'service4',
    'LoadBalancer',
    '1.5.6.7',
    '2.3.4.5,3.4.5.6,5.6.7.8',
    '80/TCP,8090/UDP,8000/TCP',
    '<unknown>',
    'foo=bar',
  ]);
  assert.equal(lb([{ ip: '3.4.5.6' }, { ip: '2.3.4.5' }], ports)[3], '2.3.4.5,3.4.5.6');
  assert.equal(lb([{ hostname: 'a.example.com' }], [...ports, { port: 7777, protocol: 'SCTP' }])[4], '80/TCP,8090/UDP,8000/TCP,7777/SCTP');
});

test('services: wire form details (clusterIP, headless, defaults)', () => {
  const svc = (spec: Record<string, unknown>) => cells('', 'services', { metadata: { name: 's', creationTimestamp: at(-2 * D) }, spec });
  assert.deepEqual(
    svc({
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ports: [
        { port: 80, nodePort: 30080 },
        { port: 443, protocol: 'TCP' },
      ],
    }),
    ['s', 'ClusterIP', '10.96.0.10', '<none>', '80:30080/TCP,443/TCP', '2d', '<none>'],
  );
  assert.equal(svc({ type: 'ClusterIP', clusterIP: 'None', ports: [] })[2], 'None');
  assert.equal(svc({ type: 'ClusterIP', clusterIP: 'None', ports: [] })[4], '<none>');
  assert.equal(svc({ type: 'Weird' })[3], '<unknown>');
});

test('endpoints: TestPrintEndpoint', () => {
  assert.deepEqual(cells('', 'endpoints', { metadata: { name: 'endpoint1', creationTimestamp: SOON } }), ['endpoint1', '<none>', '0s']);
  assert.deepEqual(cells('', 'endpoints', { metadata: { name: 'endpoint3', creationTimestamp: at(-5 * M) }, subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }] }] }), [
    'endpoint3',
    '1.2.3.4,5.6.7.8',
    '5m',
  ]);
  assert.deepEqual(
    cells('', 'endpoints', { metadata: { name: 'endpoint2', creationTimestamp: SOON }, subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }], ports: [{ port: 8001, protocol: 'tcp' }] }] }),
    ['endpoint2', '1.2.3.4:8001,5.6.7.8:8001', '0s'],
  );
  assert.deepEqual(
    cells('', 'endpoints', {
      metadata: { name: 'endpoint2', creationTimestamp: SOON },
      subsets: [{ addresses: [{ ip: '1.2.3.4' }, { ip: '5.6.7.8' }, { ip: '9.8.7.6' }, { ip: '6.6.6.6' }], ports: [{ port: 8001, protocol: 'tcp' }] }],
    }),
    ['endpoint2', '1.2.3.4:8001,5.6.7.8:8001,9.8.7.6:8001 + 1 more...', '0s'],
  );
  assert.deepEqual(
    cells('', 'endpoints', {
      metadata: { name: 'web' },
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::5' }, { ip: '10.0.0.4' }, { ip: '10.0.0.5' }], ports: [{ port: 80 }] }],
    })[1],
    '10.0.0.1:80,10.0.0.2:80,[fd00::5]:80 + 2 more...',
  );
});

test('nodes: TestPrintNodeStatus and TestPrintNodeRole', () => {
  const node = (o: Record<string, unknown>) => cells('', 'nodes', o).slice(0, 5);
  const ready = (status: string) => ({ conditions: [{ type: 'Ready', status }] });
  assert.deepEqual(node({ metadata: { name: 'foo1' }, status: ready('True') }), ['foo1', 'Ready', '<none>', '<unknown>', '']);
  assert.deepEqual(node({ metadata: { name: 'foo2' }, spec: { unschedulable: true }, status: ready('True') }), ['foo2', 'Ready,SchedulingDisabled', '<none>', '<unknown>', '']);
  assert.deepEqual(
    node({
      metadata: { name: 'foo3' },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
      },
    }),
    ['foo3', 'Ready', '<none>', '<unknown>', ''],
  );
  assert.deepEqual(node({ metadata: { name: 'foo4' }, status: ready('False') }), ['foo4', 'NotReady', '<none>', '<unknown>', '']);
  assert.deepEqual(node({ metadata: { name: 'foo5' }, spec: { unschedulable: true }, status: ready('False') }), ['foo5', 'NotReady,SchedulingDisabled', '<none>', '<unknown>', '']);
  assert.deepEqual(node({ metadata: { name: 'foo6' }, status: { conditions: [{ type: 'InvalidValue', status: 'True' }] } }), ['foo6', 'Unknown', '<none>', '<unknown>', '']);
  assert.deepEqual(node({ metadata: { name: 'foo7' }, status: { conditions: [{}] } }), ['foo7', 'Unknown', '<none>', '<unknown>', '']);
  assert.deepEqual(node({ metadata: { name: 'foo9' }, spec: { unschedulable: true }, status: { conditions: [{}] } }), ['foo9', 'Unknown,SchedulingDisabled', '<none>', '<unknown>', '']);
  assert.deepEqual(
    node({
      metadata: {
        name: 'foo10',
        labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/proxy': '', 'kubernetes.io/role': 'node' },
      },
    }),
    ['foo10', 'Unknown', 'control-plane,master,node,proxy', '<unknown>', ''],
  );
  assert.deepEqual(node({ metadata: { name: 'foo11', labels: { 'kubernetes.io/role': 'node' } } }), ['foo11', 'Unknown', 'node', '<unknown>', '']);
  assert.deepEqual(node({ metadata: { name: '127.0.0.1' }, status: {} }), ['127.0.0.1', 'Unknown', '<none>', '<unknown>', '']);
});

test('nodes: wide cells (TestPrintNodeOSImage, ExternalIP, InternalIP, ...)', () => {
  const node = (status: Record<string, unknown>) => cells('', 'nodes', { metadata: { name: 'foo1' }, status }).slice(5);
  assert.deepEqual(node({ nodeInfo: { osImage: 'fake-os-image' }, addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }] }), ['<none>', '1.1.1.1', 'fake-os-image', '<unknown>', '<unknown>']);
  assert.deepEqual(node({ nodeInfo: { kernelVersion: 'fake-kernel-version' }, addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }] }), [
    '<none>',
    '1.1.1.1',
    '<unknown>',
    'fake-kernel-version',
    '<unknown>',
  ]);
  assert.deepEqual(node({ nodeInfo: { containerRuntimeVersion: 'foo://1.2.3' }, addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }] }), [
    '<none>',
    '1.1.1.1',
    '<unknown>',
    '<unknown>',
    'foo://1.2.3',
  ]);
  assert.deepEqual(node({ addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] }), ['1.1.1.1', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  assert.deepEqual(
    node({
      addresses: [
        { type: 'ExternalIP', address: '2.2.2.2' },
        { type: 'InternalIP', address: '3.3.3.3' },
        { type: 'ExternalIP', address: '4.4.4.4' },
      ],
    }).slice(0, 2),
    ['3.3.3.3', '2.2.2.2'],
  );
});

test('nodes: a registered kubelet', () => {
  assert.deepEqual(
    cells('', 'nodes', {
      metadata: { name: 'node-1', creationTimestamp: at(-(2 * D + 3 * H)), labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'InternalIP', address: '192.168.1.10' },
          { type: 'Hostname', address: 'node-1' },
        ],
        nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'runc://1.1.5' },
      },
    }),
    ['node-1', 'Ready,SchedulingDisabled', 'control-plane', '2d3h', 'v1.33.0', '192.168.1.10', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'runc://1.1.5'],
  );
});

test('events: columns', () => {
  assert.deepEqual(
    printerFor('', 'events').columns.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Last Seen', 'string', '', 0],
      ['Type', 'string', '', 0],
      ['Reason', 'string', '', 0],
      ['Object', 'string', '', 0],
      ['Subobject', 'string', '', 1],
      ['Source', 'string', '', 1],
      ['Message', 'string', '', 0],
      ['First Seen', 'string', '', 1],
      ['Count', 'string', '', 1],
      ['Name', 'string', 'name', 1],
    ],
  );
});

test('events: TestPrintEvent', () => {
  const ev = (o: Record<string, unknown>) => cells('', 'events', o);
  const involved = { kind: 'Deployment', name: 'Deployment Name', fieldPath: 'spec.containers{foo}' };
  assert.deepEqual(
    ev({
      source: { component: 'kubelet' },
      involvedObject: { kind: 'Pod', name: 'Pod Name', fieldPath: 'spec.containers{foo}' },
      reason: 'Event Reason',
      message: 'Message Data',
      firstTimestamp: at(-3 * D),
      lastTimestamp: at(-2 * D),
      count: 6,
      type: 'Normal',
      metadata: { name: 'event1' },
    }),
    ['2d', 'Normal', 'Event Reason', 'pod/Pod Name', 'spec.containers{foo}', 'kubelet', 'Message Data', '3d', 6, 'event1'],
  );
  assert.deepEqual(
    ev({
      source: { component: 'kubelet', host: 'Node1' },
      involvedObject: involved,
      reason: 'Event Reason',
      message: 'Message Data',
      firstTimestamp: at(-3 * D),
      lastTimestamp: at(-2 * D),
      count: 6,
      type: 'Warning',
      metadata: { name: 'event2' },
    }),
    ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 6, 'event2'],
  );
  // without firstTimestamp: eventTime stands in
  assert.deepEqual(
    ev({
      source: { component: 'kubelet', host: 'Node1' },
      involvedObject: involved,
      reason: 'Event Reason',
      message: 'Message Data',
      eventTime: at(-3 * D),
      lastTimestamp: at(-3 * D),
      count: 1,
      type: 'Warning',
      metadata: { name: 'event3' },
    }),
    ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event3'],
  );
  // without lastTimestamp: the first one stands in
  assert.deepEqual(
    ev({
      source: { component: 'kubelet', host: 'Node1' },
      involvedObject: involved,
      reason: 'Event Reason',
      message: 'Message Data',
      eventTime: at(-3 * D),
      firstTimestamp: at(-3 * D),
      count: 1,
      type: 'Warning',
      metadata: { name: 'event4' },
    }),
    ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event4'],
  );
  // a series, no timestamps or count
  assert.deepEqual(
    ev({
      source: { component: 'kubelet', host: 'Node1' },
      involvedObject: involved,
      series: { count: 2, lastObservedTime: at(-2 * D) },
      reason: 'Event Reason',
      message: 'Message Data',
      eventTime: at(-3 * D),
      type: 'Warning',
      metadata: { name: 'event6' },
    }),
    ['2d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 2, 'event6'],
  );
  // a singleton of the new API: count 1
  assert.deepEqual(
    ev({ source: { component: 'kubelet', host: 'Node1' }, involvedObject: involved, reason: 'Event Reason', message: 'Message Data', eventTime: at(-3 * D), type: 'Warning', metadata: { name: 'event7' } }),
    ['3d', 'Warning', 'Event Reason', 'deployment/Deployment Name', 'spec.containers{foo}', 'kubelet, Node1', 'Message Data', '3d', 1, 'event7'],
  );
  // empty source: reporting controller and instance
  assert.deepEqual(
    ev({
      reportingComponent: 'kubelet',
      reportingInstance: 'test',
      involvedObject: involved,
      reason: 'Event Reason',
      message: 'Message Data',
      firstTimestamp: at(-3 * D),
      lastTimestamp: at(-2 * D),
      count: 6,
      type: 'Warning',
      metadata: { name: 'event2' },
    })[5],
    'kubelet, test',
  );
  // nothing at all
  assert.deepEqual(ev({}), ['<unknown>', '', '', '', '', '', '', '<unknown>', 1, '']);
});

test('events: a scheduler event and its events.k8s.io/v1 twin print the same', () => {
  const core = {
    metadata: { name: 'nginx-1.17f', namespace: 'default' },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'nginx-1', apiVersion: 'v1' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/nginx-1 to node-1\n',
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: at(-75 * S),
    reportingComponent: 'default-scheduler',
    reportingInstance: 'default-scheduler-node-1',
    type: 'Normal',
  };
  const eventsV1 = {
    metadata: { name: 'nginx-1.17f', namespace: 'default' },
    regarding: { kind: 'Pod', namespace: 'default', name: 'nginx-1', apiVersion: 'v1' },
    reason: 'Scheduled',
    note: 'Successfully assigned default/nginx-1 to node-1\n',
    eventTime: at(-75 * S),
    reportingController: 'default-scheduler',
    reportingInstance: 'default-scheduler-node-1',
    action: 'Binding',
    type: 'Normal',
  };
  const want = ['75s', 'Normal', 'Scheduled', 'pod/nginx-1', '', 'default-scheduler, default-scheduler-node-1', 'Successfully assigned default/nginx-1 to node-1', '75s', 1, 'nginx-1.17f'];
  assert.deepEqual(cells('', 'events', core), want);
  assert.deepEqual(cells('events.k8s.io', 'events', eventsV1), want);
  assert.deepEqual(
    cells('events.k8s.io', 'events', { ...eventsV1, deprecatedCount: 4, deprecatedFirstTimestamp: at(-H), deprecatedLastTimestamp: at(-M), deprecatedSource: { component: 'kubelet', host: 'node-1' } }).slice(5, 9),
    ['kubelet, node-1', 'Successfully assigned default/nginx-1 to node-1', '60m', 4],
  );
});

test('namespaces, secrets, serviceaccounts, configmaps', () => {
  assert.deepEqual(cells('', 'namespaces', { metadata: { name: 'namespace1', creationTimestamp: SOON }, status: { phase: 'FooStatus' } }), ['namespace1', 'FooStatus', '0s']);
  assert.deepEqual(cells('', 'namespaces', { metadata: { name: 'namespace2' } }), ['namespace2', '', '<unknown>']);
  assert.deepEqual(cells('', 'secrets', { metadata: { name: 'secret1', creationTimestamp: SOON }, type: 'kubernetes.io/service-account-token', data: { token: 'c2VjcmV0IGRhdGE=' } }), [
    'secret1',
    'kubernetes.io/service-account-token',
    1,
    '0s',
  ]);
  assert.deepEqual(cells('', 'secrets', { metadata: { name: 'secret1', creationTimestamp: SOON }, type: 'kubernetes.io/service-account-token' }), ['secret1', 'kubernetes.io/service-account-token', 0, '0s']);
  assert.deepEqual(cells('', 'serviceaccounts', { metadata: { name: 'sa1', creationTimestamp: SOON }, secrets: [] }), ['sa1', 0, '0s']);
  assert.deepEqual(cells('', 'serviceaccounts', { metadata: { name: 'sa1', creationTimestamp: SOON }, secrets: [{ name: 'Secret1' }, { name: 'Secret2' }] }), ['sa1', 2, '0s']);
  assert.deepEqual(cells('', 'configmaps', { metadata: { name: 'configmap1', creationTimestamp: SOON } }), ['configmap1', 0, '0s']);
  assert.deepEqual(cells('', 'configmaps', { metadata: { name: 'configmap2', creationTimestamp: SOON }, data: { foo: 'bar' } }), ['configmap2', 1, '0s']);
  assert.deepEqual(cells('', 'configmaps', { metadata: { name: 'configmap3', creationTimestamp: SOON }, data: { foo: 'bar' }, binaryData: { bin: 'YmluYXJ5IGRhdGE=' } }), ['configmap3', 2, '0s']);
});

test('persistentvolumes: TestPrintPersistentVolume', () => {
  const claimRef = { name: 'test', namespace: 'default' };
  const pv = (name: string, spec: Record<string, unknown>, phase: string) => cells('', 'persistentvolumes', { metadata: { name }, spec: { claimRef, ...spec }, status: { phase } });
  assert.deepEqual(pv('test1', { accessModes: ['ReadOnlyMany'], capacity: { storage: '4Gi' } }, 'Bound'), ['test1', '4Gi', 'ROX', '', 'Bound', 'default/test', '', '<unset>', '', '<unknown>', '<unset>']);
  assert.deepEqual(pv('test2', { accessModes: ['ReadOnlyMany'], capacity: { storage: '4Gi' } }, 'Failed'), ['test2', '4Gi', 'ROX', '', 'Failed', 'default/test', '', '<unset>', '', '<unknown>', '<unset>']);
  assert.deepEqual(pv('test3', { accessModes: ['ReadWriteMany'], capacity: { storage: '10Gi' } }, 'Pending'), [
    'test3',
    '10Gi',
    'RWX',
    '',
    'Pending',
    'default/test',
    '',
    '<unset>',
    '',
    '<unknown>',
    '<unset>',
  ]);
  assert.deepEqual(pv('test4', { storageClassName: 'my-scn', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } }, 'Pending'), [
    'test4',
    '10Gi',
    'RWO',
    '',
    'Pending',
    'default/test',
    'my-scn',
    '<unset>',
    '',
    '<unknown>',
    '<unset>',
  ]);
  assert.deepEqual(pv('test4', { storageClassName: 'my-scn', volumeAttributesClassName: 'my-vacn', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } }, 'Pending'), [
    'test4',
    '10Gi',
    'RWO',
    '',
    'Pending',
    'default/test',
    'my-scn',
    'my-vacn',
    '',
    '<unknown>',
    '<unset>',
  ]);
  assert.deepEqual(pv('test6', { storageClassName: 'my-scn', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } }, 'Released')[4], 'Released');
  // A provisioned volume: canonical capacity, several modes, terminating, reason, volume mode.
  assert.deepEqual(
    cells('', 'persistentvolumes', {
      metadata: { name: 'pvc-123', creationTimestamp: at(-90 * M), deletionTimestamp: at(-S), annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } },
      spec: {
        capacity: { storage: '1024Mi' },
        accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce', 'ReadWriteOncePod'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: 'standard',
        volumeMode: 'Filesystem',
      },
      status: { phase: 'Released', reason: 'Recycled' },
    }),
    ['pvc-123', '1Gi', 'RWO,RWX,RWOP', 'Delete', 'Terminating', '', 'legacy', '<unset>', 'Recycled', '90m', 'Filesystem'],
  );
});

test('persistentvolumeclaims: TestPrintPersistentVolumeClaim', () => {
  const pvc = (name: string, spec: Record<string, unknown>, status: Record<string, unknown>) => cells('', 'persistentvolumeclaims', { metadata: { name }, spec, status });
  const status = (phase: string, mode: string, storage: string) => ({ phase, accessModes: [mode], capacity: { storage } });
  assert.deepEqual(pvc('test1', { volumeName: 'my-volume', volumeMode: 'Filesystem' }, status('Bound', 'ReadOnlyMany', '4Gi')), ['test1', 'Bound', 'my-volume', '4Gi', 'ROX', '', '<unset>', '<unknown>', 'Filesystem']);
  assert.deepEqual(pvc('test2', { volumeMode: 'Filesystem' }, status('Lost', 'ReadOnlyMany', '4Gi')), ['test2', 'Lost', '', '', '', '', '<unset>', '<unknown>', 'Filesystem']);
  assert.deepEqual(pvc('test3', { volumeName: 'my-volume', volumeMode: 'Filesystem' }, status('Pending', 'ReadWriteMany', '10Gi')), [
    'test3',
    'Pending',
    'my-volume',
    '10Gi',
    'RWX',
    '',
    '<unset>',
    '<unknown>',
    'Filesystem',
  ]);
  assert.deepEqual(pvc('test4', { volumeName: 'my-volume', storageClassName: 'my-scn', volumeMode: 'Filesystem' }, status('Pending', 'ReadWriteOnce', '10Gi')), [
    'test4',
    'Pending',
    'my-volume',
    '10Gi',
    'RWO',
    'my-scn',
    '<unset>',
    '<unknown>',
    'Filesystem',
  ]);
  assert.deepEqual(pvc('test5', { volumeName: 'my-volume', storageClassName: 'my-scn' }, status('Pending', 'ReadWriteOnce', '10Gi')), [
    'test5',
    'Pending',
    'my-volume',
    '10Gi',
    'RWO',
    'my-scn',
    '<unset>',
    '<unknown>',
    '<unset>',
  ]);
  assert.deepEqual(pvc('test5', { volumeName: 'my-volume', storageClassName: 'my-scn', volumeAttributesClassName: 'my-vacn' }, status('Pending', 'ReadWriteOnce', '10Gi')), [
    'test5',
    'Pending',
    'my-volume',
    '10Gi',
    'RWO',
    'my-scn',
    'my-vacn',
    '<unknown>',
    '<unset>',
  ]);
  // Bound without a capacity in status: a zero quantity.
  assert.equal(pvc('x', { volumeName: 'v' }, { phase: 'Bound' })[3], '0');
});

test('componentstatuses: TestPrintComponentStatus', () => {
  assert.deepEqual(cells('', 'componentstatuses', { metadata: { name: 'cs1' }, conditions: [] }), ['cs1', 'Unknown', '', '']);
  assert.deepEqual(cells('', 'componentstatuses', { metadata: { name: 'cs2' }, conditions: [{ type: 'Healthy', status: 'True', message: 'test message', error: 'test error' }] }), [
    'cs2',
    'Healthy',
    'test message',
    'test error',
  ]);
  assert.deepEqual(cells('', 'componentstatuses', { metadata: { name: 'cs3' }, conditions: [{ type: 'Healthy', status: 'False', message: 'test message', error: 'test error' }] }), [
    'cs3',
    'Unhealthy',
    'test message',
    'test error',
  ]);
});

test('resourcequotas: TestPrintResourceQuota', () => {
  assert.deepEqual(
    cells('', 'resourcequotas', {
      metadata: { name: 'test-resourcequota', creationTimestamp: at(-5 * M) },
      spec: {},
      status: {
        used: { cpu: '1', memory: '1024Mi', pods: '1', services: '1', replicationcontrollers: '1', resourcequotas: '1', 'limits.cpu': '2', 'limits.memory': '2Gi' },
        hard: { cpu: '100', memory: '4Gi', pods: '10', services: '10', replicationcontrollers: '10', resourcequotas: '1', 'limits.cpu': '200', 'limits.memory': '8Gi' },
      },
    }),
    [
      'test-resourcequota',
      'cpu: 1/100, memory: 1Gi/4Gi, pods: 1/10, replicationcontrollers: 1/10, resourcequotas: 1/1, services: 1/10',
      'limits.cpu: 2/200, limits.memory: 2Gi/8Gi',
      '5m',
    ],
  );
  assert.deepEqual(
    cells('', 'resourcequotas', { metadata: { name: 'q' }, status: { hard: { 'requests.cpu': '500m', 'count/deployments.apps': '5' } } }).slice(1, 3),
    ['count/deployments.apps: 0/5, requests.cpu: 0/500m', ''],
  );
});
