import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources, isNotFound } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { SimulatedNodes } from './index.js';

checkLeaksAfterAll();

type PodObject = Pod & KubeObject;

/** Lets in-flight async work (writes the fake clock's timers started) finish before a negative check. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('SimulatedNodes', () => {
  let clock: FakeClock;
  let cp: TestControlPlane;
  let sim: SimulatedNodes;
  const errors: unknown[] = [];

  before(async () => {
    clock = new FakeClock();
    cp = await startControlPlane({ clock });
    sim = new SimulatedNodes({ client: cp.client, clock, count: 3, onError: (err, what) => errors.push(new Error(what, { cause: err })) });
    await sim.start();
  });

  after(async () => {
    await sim?.stop();
    await cp?.close();
    assert.deepEqual(errors, []);
  });

  const createPod = (name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, annotations?: Record<string, string>) =>
    cp.client.create<PodObject>(Resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ...(annotations ? { annotations } : {}) },
      spec: { nodeName: 'skiff-sim-0', containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
    });
  const getPod = (name: string) => cp.client.get<PodObject>(Resources.pods, 'default', name);
  const phaseOf = async (name: string) => (await getPod(name)).status?.phase;

  it('registers nodes that look like real ones, Ready, with their Leases', async () => {
    assert.deepEqual(sim.nodeNames, ['skiff-sim-0', 'skiff-sim-1', 'skiff-sim-2']);
    const node = await cp.client.get<Node & KubeObject>(Resources.nodes, '', 'skiff-sim-1');
    const labels = node.metadata?.labels ?? {};
    assert.equal(labels['kubernetes.io/hostname'], 'skiff-sim-1');
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.equal(labels['kubernetes.io/arch'], 'amd64');
    assert.equal(labels['beta.kubernetes.io/os'], 'linux');
    assert.equal(labels['node.kubernetes.io/instance-type'], 'simulated');
    assert.equal(labels['topology.kubernetes.io/zone'], 'zone-b');
    assert.deepEqual(node.status?.capacity, { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' });
    assert.deepEqual(node.status?.allocatable, node.status?.capacity);
    assert.deepEqual(node.status?.addresses, [
      { type: 'InternalIP', address: '10.64.0.2' },
      { type: 'Hostname', address: 'skiff-sim-1' },
    ]);
    assert.equal(node.spec?.podCIDR, '10.128.1.0/24');
    assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.33.0-skiff');
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, 'simulated://1.0');
    assert.deepEqual(
      node.status?.conditions?.map((c) => `${c.type}=${c.status}:${c.reason}`),
      ['MemoryPressure=False:KubeletHasSufficientMemory', 'DiskPressure=False:KubeletHasNoDiskPressure', 'PIDPressure=False:KubeletHasSufficientPID', 'Ready=True:KubeletReady'],
    );
    const lease = await cp.client.get<Lease & KubeObject>(Resources.leases, 'kube-node-lease', 'skiff-sim-1');
    assert.equal(lease.spec?.holderIdentity, 'skiff-sim-1');
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
    assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, node.metadata?.uid);
  });

  it('renews every Lease within 10 seconds', async () => {
    const renewTimes = async () => (await cp.client.list<Lease & KubeObject>(Resources.leases, 'kube-node-lease')).items.map((l) => l.spec?.renewTime);
    const before = await renewTimes();
    clock.advance(10_000);
    await eventually(async () => {
      const now = await renewTimes();
      assert.equal(now.length, 3);
      now.forEach((t, i) => assert.ok(t! > before[i]!, `lease ${i} renewed: ${t} after ${before[i]}`));
    });
  });

  it('runs bound pods: Running with an IP from the node, containers ready, init containers completed', async () => {
    await createPod('web', { initContainers: [{ name: 'setup', image: 'busybox' }] });
    await createPod('web-2');
    await eventually(async () => assert.equal(await phaseOf('web'), 'Running'));
    await eventually(async () => assert.equal(await phaseOf('web-2'), 'Running'));
    const pod = await getPod('web');
    const status = pod.status!;
    assert.equal(status.hostIP, '10.64.0.1');
    assert.match(status.podIP ?? '', /^10\.128\.0\.\d+$/);
    assert.notEqual(status.podIP, (await getPod('web-2')).status?.podIP, 'pods get distinct addresses');
    assert.deepEqual(status.podIPs, [{ ip: status.podIP }]);
    assert.ok(status.startTime);
    assert.deepEqual(
      status.conditions?.map((c) => `${c.type}=${c.status}`),
      ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True'],
    );
    const container = status.containerStatuses?.[0];
    assert.equal(container?.ready, true);
    assert.ok(container?.state?.running?.startedAt);
    assert.match(container?.containerID ?? '', /^simulated:\/\//);
    assert.equal(status.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.equal(status.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  });

  it('lets a pod that does not restart succeed after its run time', async () => {
    await createPod('once', { restartPolicy: 'Never' });
    await eventually(async () => assert.equal(await phaseOf('once'), 'Running'));
    await settle();
    clock.advance(900);
    await settle();
    assert.equal(await phaseOf('once'), 'Running', 'still running before the default second');
    clock.advance(100);
    await eventually(async () => assert.equal(await phaseOf('once'), 'Succeeded'));
    const status = (await getPod('once')).status!;
    assert.equal(status.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
    assert.equal(status.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  });

  it('fails a pod with the annotated exit code after the annotated duration', async () => {
    await createPod('broken', { restartPolicy: 'OnFailure' }, { 'skiff.dev/simulated-duration': '5s', 'skiff.dev/simulated-exit-code': '3' });
    await eventually(async () => assert.equal(await phaseOf('broken'), 'Running'));
    await settle();
    clock.advance(4_000);
    await settle();
    assert.equal(await phaseOf('broken'), 'Running');
    clock.advance(1_000);
    await eventually(async () => assert.equal(await phaseOf('broken'), 'Failed'));
    const terminated = (await getPod('broken')).status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(terminated?.exitCode, 3);
    assert.equal(terminated?.reason, 'Error');
  });

  it('confirms the deletion of pods marked for deletion, and reuses their addresses', async () => {
    const ip = (await getPod('web-2')).status?.podIP;
    await cp.client.delete(Resources.pods, 'default', 'web-2', {});
    await eventually(async () => {
      await assert.rejects(getPod('web-2'), (err) => isNotFound(err));
    });
    await createPod('web-3');
    await eventually(async () => assert.equal((await getPod('web-3')).status?.podIP, ip));
  });

  it('goes quiet when its heartbeats stop and catches up when they resume', async () => {
    const renewTime = async () => (await cp.client.get<Lease & KubeObject>(Resources.leases, 'kube-node-lease', 'skiff-sim-2')).spec?.renewTime;
    sim.stopHeartbeats('skiff-sim-2');
    await createPod('late', { nodeName: 'skiff-sim-2' });
    const stoppedAt = await renewTime();
    clock.advance(20_000);
    await settle();
    assert.equal(await renewTime(), stoppedAt, 'no renewals while stopped');
    assert.equal(await phaseOf('late'), 'Pending', 'no pod work while stopped');
    sim.resumeHeartbeats('skiff-sim-2');
    await eventually(async () => assert.ok((await renewTime())! > stoppedAt!));
    await eventually(async () => assert.equal(await phaseOf('late'), 'Running'));
  });

  it('honours the heartbeats annotation and re-posts Ready after someone else changed it', async () => {
    const node = () => cp.client.get<Node & KubeObject>(Resources.nodes, '', 'skiff-sim-1');
    await cp.client.patch(Resources.nodes, '', 'skiff-sim-1', 'merge', { metadata: { annotations: { 'skiff.dev/simulated-heartbeats': 'stopped' } } });
    await settle();
    // What the node lifecycle controller does to a quiet node.
    const quiet = structuredClone(await node());
    const ready = quiet.status!.conditions!.find((c) => c.type === 'Ready')!;
    Object.assign(ready, { status: 'Unknown', reason: 'NodeStatusUnknown' });
    await cp.client.update(Resources.nodes, '', quiet, { subresource: 'status' });
    await settle();
    assert.equal((await node()).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
    await cp.client.patch(Resources.nodes, '', 'skiff-sim-1', 'merge', { metadata: { annotations: { 'skiff.dev/simulated-heartbeats': null } } });
    await eventually(async () => assert.equal((await node()).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True'));

    // While heartbeating, a Ready condition someone else changed is put right.
    const changed = structuredClone(await node());
    Object.assign(changed.status!.conditions!.find((c) => c.type === 'Ready')!, { status: 'Unknown', reason: 'NodeStatusUnknown' });
    await cp.client.update(Resources.nodes, '', changed, { subresource: 'status' });
    await eventually(async () => assert.equal((await node()).status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'KubeletReady'));
  });

  it('leaves a deleted node deleted', async () => {
    await cp.client.delete(Resources.nodes, '', 'skiff-sim-1');
    clock.advance(30_000);
    await settle();
    await assert.rejects(cp.client.get(Resources.nodes, '', 'skiff-sim-1'), (err) => isNotFound(err));
  });
});

describe('SimulatedNodes stopped while starting', () => {
  it('gives up registering and leaves nothing running', async () => {
    const cp = await startControlPlane();
    const sim = new SimulatedNodes({ client: cp.client, count: 200, onError: (err) => cp.errors.push(err) });
    const started = sim.start();
    await sim.stop();
    await started;
    const registered = (await cp.client.list(Resources.nodes, '')).items.length;
    assert.ok(registered < 200, `stopped registering (${registered} of 200)`);
    assert.deepEqual(cp.errors, []);
    await cp.close();
  });
});
