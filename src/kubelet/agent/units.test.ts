import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStatus as ApiContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../../client/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import type { ContainerStatus as RuntimeContainer } from '../runtime/types.js';
import { admitPod, Backoff, computePodActions, computePodStatus, getPhase, goDuration } from './index.js';
import { criLogContent } from './termination.js';

checkLeaksAfterAll();

const running = (name: string): ApiContainerStatus => ({ name, image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: 't' } } });
const terminated = (name: string, exitCode: number): ApiContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } });
const waiting = (name: string, lastExit?: number): ApiContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, ...(lastExit === undefined ? {} : { lastState: { terminated: { exitCode: lastExit } } }) });
const pod = (restartPolicy: string, containers: string[], initContainers: string[] = []): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec: { restartPolicy, containers: containers.map((name) => ({ name })), initContainers: initContainers.map((name) => ({ name })) },
});

test('getPhase follows the kubelet', () => {
  assert.equal(getPhase(pod('Always', ['a']), [], [], false), 'Pending');
  assert.equal(getPhase(pod('Always', ['a']), [], [running('a')], false), 'Running');
  assert.equal(getPhase(pod('Always', ['a']), [], [waiting('a', 1)], false), 'Running');
  assert.equal(getPhase(pod('Always', ['a']), [], [terminated('a', 1)], false), 'Running');
  assert.equal(getPhase(pod('Always', ['a']), [], [terminated('a', 0)], true), 'Succeeded');
  assert.equal(getPhase(pod('Always', ['a']), [], [terminated('a', 143)], true), 'Failed');
  assert.equal(getPhase(pod('Never', ['a', 'b']), [], [terminated('a', 0), terminated('b', 1)], false), 'Failed');
  assert.equal(getPhase(pod('Never', ['a', 'b']), [], [terminated('a', 0), running('b')], false), 'Running');
  assert.equal(getPhase(pod('OnFailure', ['a']), [], [terminated('a', 0)], false), 'Succeeded');
  assert.equal(getPhase(pod('OnFailure', ['a']), [], [terminated('a', 1)], false), 'Running');
  assert.equal(getPhase(pod('Always', ['a'], ['i']), [running('i')], [], false), 'Pending');
  assert.equal(getPhase(pod('Never', ['a'], ['i']), [terminated('i', 1)], [], false), 'Failed');
  assert.equal(getPhase(pod('Always', ['a'], ['i']), [waiting('i', 1)], [], false), 'Pending');
});

test('backoff doubles to the cap and resets after twice the cap', () => {
  const clock = new FakeClock();
  const backoff = new Backoff(clock, 10_000, 300_000);
  const key = 'u/c';
  assert.equal(backoff.isInBackOffSince(key, clock.now()), false);
  const delays: string[] = [];
  for (let i = 0; i < 7; i++) {
    backoff.next(key, clock.now());
    delays.push(goDuration(backoff.get(key)));
    assert.equal(backoff.isInBackOffSince(key, clock.now()), true);
    clock.advance(backoff.get(key));
    assert.equal(backoff.isInBackOffSince(key, clock.now() - backoff.get(key)), false);
  }
  assert.deepEqual(delays, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
  clock.advance(600_001);
  backoff.next(key, clock.now());
  assert.equal(backoff.get(key), 10_000);
});

function rc(name: string, attempt: number, state: RuntimeContainer['state'], exitCode?: number): RuntimeContainer {
  return { id: `${name}-${attempt}`, sandboxId: 's', name, attempt, state, createdAt: new Date(attempt * 1000), exitCode, finishedAt: state === 'exited' ? new Date(attempt * 1000 + 500) : undefined, logPath: '', labels: {} };
}

const noProbes = { livenessFailed: () => false, startupFailed: () => false, started: () => true };

test('computePodActions: init containers in order, then containers per restartPolicy', () => {
  const p = pod('OnFailure', ['a', 'b'], ['i1', 'i2']);
  assert.deepEqual(computePodActions(p, false, [], noProbes).start.map((s) => s.container.name), ['i1']);
  assert.equal(computePodActions(p, false, [], noProbes).createSandbox, true);
  assert.deepEqual(computePodActions(p, true, [rc('i1', 0, 'running')], noProbes).start, []);
  assert.deepEqual(computePodActions(p, true, [rc('i1', 0, 'exited', 0)], noProbes).start.map((s) => s.container.name), ['i2']);
  const retry = computePodActions(p, true, [rc('i1', 0, 'exited', 1)], noProbes).start;
  assert.deepEqual(retry.map((s) => [s.container.name, s.attempt]), [['i1', 1]]);
  const all = [rc('i1', 0, 'exited', 0), rc('i2', 0, 'exited', 0)];
  assert.deepEqual(computePodActions(p, true, all, noProbes).start.map((s) => s.container.name), ['a', 'b']);
  const after = computePodActions(p, true, [...all, rc('a', 0, 'exited', 0), rc('b', 0, 'exited', 2)], noProbes);
  assert.deepEqual(after.start.map((s) => [s.container.name, s.attempt]), [['b', 1]]);
  const done = computePodActions(p, true, [...all, rc('a', 0, 'exited', 0), rc('b', 1, 'exited', 0)], noProbes);
  assert.equal(done.done, true);
  assert.equal(computePodActions(pod('Never', ['a'], ['i1']), true, [rc('i1', 0, 'exited', 1)], noProbes).initFailed, true);
  const live = computePodActions(pod('Always', ['a']), true, [rc('a', 0, 'running')], { ...noProbes, livenessFailed: () => true });
  assert.deepEqual(live.kill.map((k) => k.message), ['Container a failed liveness probe, will be restarted']);
  assert.deepEqual(live.start.map((s) => s.attempt), [1]);
});

test('computePodStatus: CrashLoopBackOff with lastState, restartCount and conditions', () => {
  const p: Pod = { ...pod('Always', ['a']), status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: 'x' }] } };
  const status = computePodStatus({
    pod: p,
    containers: [rc('a', 0, 'exited', 1), rc('a', 1, 'exited', 1)],
    waiting: new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=a pod=p_ns(u)' }]]),
    ready: () => true,
    started: () => true,
    terminationMessages: new Map(),
    imageIDs: new Map(),
    sandboxReady: true,
    runtimeName: 'process',
    hostIP: '10.0.0.1',
    podIP: '10.1.0.5',
    startTime: '2026-01-01T00:00:00Z',
    now: '2026-01-01T00:01:00Z',
  });
  assert.equal(status.phase, 'Running');
  assert.equal(status.qosClass, 'BestEffort');
  const c = status.containerStatuses![0]!;
  assert.equal(c.restartCount, 1);
  assert.equal(c.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(c.lastState?.terminated?.exitCode, 1);
  assert.equal(c.lastState?.terminated?.containerID, 'process://a-1');
  assert.deepEqual(status.conditions?.map((x) => [x.type, x.status, x.reason ?? '']), [
    ['PodReadyToStartContainers', 'True', ''],
    ['Initialized', 'True', ''],
    ['Ready', 'False', 'ContainersNotReady'],
    ['ContainersReady', 'False', 'ContainersNotReady'],
    ['PodScheduled', 'True', ''],
  ]);
  assert.deepEqual(status.podIPs, [{ ip: '10.1.0.5' }]);
});

test('admission rejects pods that do not fit, with upstream reasons', () => {
  const big: Pod = { spec: { containers: [{ name: 'a', resources: { requests: { memory: '2Gi' } } }] } };
  assert.deepEqual(admitPod(big, [], { cpu: '2', memory: '1Gi', pods: '110' }), { reason: 'OutOfmemory', message: "Node didn't have enough resource: memory, requested: 2147483648, used: 0, capacity: 1073741824" });
  assert.equal(admitPod(big, [], { cpu: '2', memory: '4Gi', pods: '110' }), undefined);
  assert.equal(admitPod(big, [big], { cpu: '2', memory: '4Gi', pods: '1' })?.reason, 'OutOfpods');
});

test('CRI log content for FallbackToLogsOnError', () => {
  assert.equal(criLogContent('2026-01-01T00:00:00.1Z stdout P par\n2026-01-01T00:00:00.2Z stdout F tial\n2026-01-01T00:00:00.3Z stderr F err\n'), 'partial\nerr\n');
});
