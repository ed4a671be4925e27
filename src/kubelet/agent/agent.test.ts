import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { isNotFound, Resources } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { ProcessRuntime } from '../runtime/process/index.js';
import { NodeAgent, type PodVolumes } from './index.js';

checkLeaksAfterAll();

const suffix = randomBytes(3).toString('hex');
const nodeName = `agent-test-${suffix}`;
const namespace = `agent-${suffix}`;
let cp: TestControlPlane;
let dir: string;
let runtime: ProcessRuntime;
let agent: NodeAgent;
const errors: string[] = [];

const volumes: PodVolumes = {
  async setUpPod(pod) {
    // Every volume (ServiceAccount admission adds kube-api-access) as an empty directory.
    const volumesDir = join(dir, 'data', 'pods', pod.metadata?.uid ?? '', 'volumes');
    mkdirSync(volumesDir, { recursive: true });
    return new Map(
      (pod.spec?.volumes ?? []).map((v) => {
        mkdirSync(join(volumesDir, v.name), { recursive: true });
        return [v.name, { hostPath: join(volumesDir, v.name), readOnly: false }];
      }),
    );
  },
  async tearDownPod() {},
};

describe('node agent on the process runtime', () => {
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-agent-'));
  cp = await startControlPlane();
  await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  runtime = new ProcessRuntime({ rootDir: join(dir, 'runtime') });
  agent = new NodeAgent({
    client: cp.client,
    nodeName,
    nodeIP: '127.0.0.1',
    runtime,
    volumes,
    dataDir: join(dir, 'data'),
    clusterDNS: ['10.96.0.10'],
    clusterDomain: 'cluster.local',
    daemonPort: 10250,
    onError: (err, what) => errors.push(`${what}: ${err instanceof Error ? err.stack : String(err)}`),
    relistIntervalMs: 100,
    leaseRenewIntervalMs: 300,
  });
  mkdirSync(join(dir, 'data'), { recursive: true });
  await agent.start();
});

after(async () => {
  await agent.stop();
  await runtime.dispose();
  await cp.close();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(errors, []);
});

type PodObject = Pod & KubeObject;

async function createPod(name: string, spec: Partial<NonNullable<Pod['spec']>>): Promise<PodObject> {
  return cp.client.create<PodObject>(Resources.pods, namespace, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { nodeName, terminationGracePeriodSeconds: 2, containers: [], ...spec },
  } as KubeObject);
}

const getPod = (name: string) => cp.client.get<PodObject>(Resources.pods, namespace, name);
const sh = (name: string, script: string, extra: Record<string, unknown> = {}) => ({ name, image: 'busybox', command: ['/bin/sh', '-c', script], ...extra });
const condition = (pod: Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type)?.status;

async function podEvents(name: string): Promise<Event[]> {
  const list = await cp.client.list<Event & KubeObject>(Resources.events, namespace);
  return list.items.filter((e) => e.involvedObject?.name === name);
}

test('registers the node with host capacity and renews its lease', async () => {
  const node = await eventually(async () => {
    const n = await cp.client.get<Node & KubeObject>(Resources.nodes, '', nodeName);
    assert.equal(condition(n as Pod, 'Ready'), 'True');
    return n;
  });
  assert.equal(node.status?.capacity?.cpu, String(availableParallelism()));
  assert.equal(node.status?.capacity?.pods, '110');
  assert.match(node.status?.capacity?.memory ?? '', /^\d+Ki$/);
  assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], nodeName);
  assert.equal(node.metadata?.labels?.['skiff.dev/runtime'], 'process');
  assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^process:\/\//);
  assert.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }]);
  assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.reason, 'KubeletReady');
  const first = await cp.client.get<Lease & KubeObject>(Resources.leases, 'kube-node-lease', nodeName);
  assert.equal(first.spec?.leaseDurationSeconds, 40);
  await eventually(async () => {
    const later = await cp.client.get<Lease & KubeObject>(Resources.leases, 'kube-node-lease', nodeName);
    assert.notEqual(later.spec?.renewTime, first.spec?.renewTime);
  });
});

describe('pods', { concurrency: true }, () => {
  test('a running pod becomes Ready and logs in CRI format', async () => {
    await createPod('running', { containers: [sh('main', 'echo hi; sleep 1000')] });
    const pod = await eventually(async () => {
      const p = await getPod('running');
      assert.equal(p.status?.phase, 'Running');
      assert.equal(condition(p, 'Ready'), 'True');
      return p;
    }, { timeoutMs: 10_000 });
    const status = pod.status!.containerStatuses![0]!;
    assert.equal(status.ready, true);
    assert.equal(status.started, true);
    assert.ok(status.state?.running?.startedAt);
    assert.match(status.containerID ?? '', /^process:\/\/[0-9a-f]+$/);
    assert.equal(pod.status?.podIP, '127.0.0.1');
    assert.equal(pod.status?.hostIP, '127.0.0.1');
    assert.ok(pod.status?.startTime);
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'PodScheduled']) assert.equal(condition(pod, type), 'True', type);
    const found = await agent.findContainer(namespace, 'running', undefined, false);
    assert.equal(found.found, true);
    if (!found.found) return;
    await eventually(() => assert.match(readFileSync(found.logPath, 'utf8'), /^\S+Z stdout F hi\n/));
    const previous = await agent.findContainer(namespace, 'running', 'main', true);
    assert.deepEqual(previous, { found: false, code: 400, message: 'previous terminated container "main" in pod "running" not found' });
    const events = (await podEvents('running')).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes('Created: Created container: main'), events.join('\n'));
    assert.ok(events.includes('Started: Started container main'), events.join('\n'));
  });

  test('a failing container goes into CrashLoopBackOff', async () => {
    await createPod('crasher', { containers: [sh('main', 'echo bye; echo oops > /dev/null; exit 3')] });
    const pod = await eventually(async () => {
      const p = await getPod('crasher');
      const s = p.status?.containerStatuses?.[0];
      assert.equal(s?.state?.waiting?.reason, 'CrashLoopBackOff');
      return p;
    }, { timeoutMs: 10_000 });
    const s = pod.status!.containerStatuses![0]!;
    assert.ok((s.restartCount ?? 0) >= 1);
    assert.equal(s.lastState?.terminated?.exitCode, 3);
    assert.equal(s.lastState?.terminated?.reason, 'Error');
    assert.match(s.state?.waiting?.message ?? '', /^back-off 10s restarting failed container=main pod=crasher_agent-[0-9a-f]+\([0-9a-f-]+\)$/);
    assert.equal(pod.status?.phase, 'Running');
    const previous = await agent.findContainer(namespace, 'crasher', 'main', true);
    assert.equal(previous.found, true);
    if (previous.found) assert.match(readFileSync(previous.logPath, 'utf8'), /stdout F bye/);
  });

  test('restartPolicy Never: a failed container fails the pod', async () => {
    await createPod('never', { restartPolicy: 'Never', containers: [sh('main', 'echo last words; exit 2', { terminationMessagePolicy: 'FallbackToLogsOnError' })] });
    const pod = await eventually(async () => {
      const p = await getPod('never');
      assert.equal(p.status?.phase, 'Failed');
      return p;
    }, { timeoutMs: 10_000 });
    const s = pod.status!.containerStatuses![0]!;
    assert.equal(s.state?.terminated?.exitCode, 2);
    assert.equal(s.state?.terminated?.reason, 'Error');
    assert.equal(s.restartCount, 0);
    assert.equal(s.state?.terminated?.message, 'last words\n');
    assert.equal(condition(pod, 'Ready'), 'False');
  });

  test('restartPolicy OnFailure: retries failures, then Succeeded', async () => {
    // Fails the first time (no marker yet), succeeds the second.
    await createPod('onfailure', { restartPolicy: 'OnFailure', containers: [sh('main', 'if [ -f marker ]; then echo done; exit 0; fi; touch marker; exit 1')] });
    const pod = await eventually(async () => {
      const p = await getPod('onfailure');
      assert.equal(p.status?.phase, 'Succeeded');
      return p;
    }, { timeoutMs: 10_000 });
    const s = pod.status!.containerStatuses![0]!;
    assert.equal(s.restartCount, 1);
    assert.equal(s.state?.terminated?.reason, 'Completed');
    assert.equal(s.lastState?.terminated?.exitCode, 1);
    assert.equal(condition(pod, 'ContainersReady'), 'False');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'ContainersReady')?.reason, 'PodCompleted');
  });

  test('init containers run in order before the containers', async () => {
    await createPod('init', {
      initContainers: [sh('first', 'echo first >> order'), sh('second', 'echo second >> order')],
      containers: [sh('main', 'echo main >> order; cat order; sleep 1000')],
    });
    const pod = await eventually(async () => {
      const p = await getPod('init');
      assert.equal(p.status?.phase, 'Running');
      return p;
    }, { timeoutMs: 10_000 });
    assert.deepEqual(pod.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason, s.ready]), [['first', 'Completed', true], ['second', 'Completed', true]]);
    assert.equal(condition(pod, 'Initialized'), 'True');
    const found = await agent.findContainer(namespace, 'init', 'main', false);
    assert.ok(found.found);
    if (found.found) await eventually(() => assert.match(readFileSync(found.logPath, 'utf8'), /F first\n.*F second\n.*F main\n/s));
  });

  test('a failing liveness probe restarts the container', async () => {
    await createPod('liveness', {
      containers: [sh('main', 'sleep 1000', { livenessProbe: { exec: { command: ['/bin/sh', '-c', 'echo not healthy; exit 1'] }, periodSeconds: 1, failureThreshold: 1 } })],
    });
    await eventually(async () => {
      const p = await getPod('liveness');
      assert.ok((p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    }, { timeoutMs: 15_000 });
    const events = (await podEvents('liveness')).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes('Unhealthy: Liveness probe failed: not healthy'), events.join('\n'));
    assert.ok(events.includes('Killing: Container main failed liveness probe, will be restarted'), events.join('\n'));
  });

  test('readiness follows the readiness probe', async () => {
    await createPod('readiness', {
      containers: [sh('main', 'sleep 1000', { readinessProbe: { exec: { command: ['/bin/sh', '-c', 'test -f ready'] }, periodSeconds: 1 } })],
    });
    await eventually(async () => {
      const p = await getPod('readiness');
      assert.equal(p.status?.phase, 'Running');
      assert.equal(condition(p, 'Ready'), 'False');
      assert.equal(p.status?.conditions?.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [main]');
    }, { timeoutMs: 10_000 });
    const found = await agent.findContainer(namespace, 'readiness', 'main', false);
    assert.ok(found.found);
    if (!found.found) return;
    await runtime.execSync(found.containerId, ['/bin/sh', '-c', 'touch ready'], 5000);
    await eventually(async () => assert.equal(condition(await getPod('readiness'), 'Ready'), 'True'), { timeoutMs: 10_000 });
    await runtime.execSync(found.containerId, ['/bin/sh', '-c', 'rm ready'], 5000);
    await eventually(async () => assert.equal(condition(await getPod('readiness'), 'Ready'), 'False'), { timeoutMs: 10_000 });
  });

  test('deletion sends SIGTERM within the grace period and removes the pod', async () => {
    const marker = join(dir, `term-${suffix}`);
    await createPod('graceful', { containers: [sh('main', `trap "echo term > ${marker}; exit 0" TERM; while true; do sleep 0.1; done`)] });
    await eventually(async () => assert.equal((await getPod('graceful')).status?.phase, 'Running'), { timeoutMs: 10_000 });
    await cp.client.delete(Resources.pods, namespace, 'graceful', { gracePeriodSeconds: 5 });
    await eventually(async () => {
      await assert.rejects(getPod('graceful'), (err: unknown) => isNotFound(err));
    }, { timeoutMs: 10_000 });
    assert.equal(readFileSync(marker, 'utf8'), 'term\n');
    const events = (await podEvents('graceful')).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes('Killing: Stopping container main'), events.join('\n'));
  });

  test('a pod that does not fit is rejected', async () => {
    await createPod('toobig', { containers: [sh('main', 'sleep 1000', { resources: { requests: { cpu: '10000' } } })] });
    const pod = await eventually(async () => {
      const p = await getPod('toobig');
      assert.equal(p.status?.phase, 'Failed');
      return p;
    }, { timeoutMs: 10_000 });
    assert.equal(pod.status?.reason, 'OutOfcpu');
    assert.match(pod.status?.message ?? '', /^Pod was rejected: Node didn't have enough resource: cpu, requested: 10000000, used: \d+, capacity: \d+$/);
  });

  test('findContainer explains what it cannot find', async () => {
    await createPod('two', { containers: [sh('a', 'sleep 1000'), sh('b', 'sleep 1000')] });
    await eventually(async () => assert.equal((await getPod('two')).status?.phase, 'Running'), { timeoutMs: 10_000 });
    assert.deepEqual(await agent.findContainer(namespace, 'two', undefined, false), { found: false, code: 400, message: 'a container name must be specified for pod two, choose one of: [a b]' });
    assert.deepEqual(await agent.findContainer(namespace, 'two', 'c', false), { found: false, code: 400, message: 'container c is not valid for pod two' });
    assert.equal((await agent.findContainer(namespace, 'missing', 'c', false)).found, false);
    assert.equal(existsSync(join(dir, 'data', 'logs', 'pods')), true);
  });
});
});
