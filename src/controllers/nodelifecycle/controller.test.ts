import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources } from '../../client/index.js';
import { SimulatedNodes } from '../../kubelet/simulated/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newNodeLifecycleController } from './index.js';

checkLeaksAfterAll();

type NodeObject = Node & KubeObject;

/** Lets in-flight async work (passes the fake clock's timers started) finish before a negative check. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function withCluster(count: number, body: (cp: TestControlPlane, clock: FakeClock, sim: SimulatedNodes) => Promise<void>): Promise<void> {
  const clock = new FakeClock();
  const cp = await startControlPlane({ clock });
  const sim = new SimulatedNodes({ client: cp.client, clock, count, onError: (err) => cp.errors.push(err) });
  try {
    await sim.start();
    await cp.run((ctx) => newNodeLifecycleController(ctx));
    await body(cp, clock, sim);
    assert.deepEqual(cp.errors, []);
  } finally {
    await sim.stop();
    await cp.close();
  }
}

describe('node lifecycle controller', () => {
  let cp: TestControlPlane;
  let clock: FakeClock;
  let sim: SimulatedNodes;

  before(async () => {
    clock = new FakeClock();
    cp = await startControlPlane({ clock });
    sim = new SimulatedNodes({ client: cp.client, clock, count: 3, onError: (err) => cp.errors.push(err) });
    await sim.start();
    await cp.run((ctx) => newNodeLifecycleController(ctx));
  });

  after(async () => {
    await sim?.stop();
    await cp?.close();
  });

  const node = (name: string) => cp.client.get<NodeObject>(Resources.nodes, '', name);
  const ready = async (name: string) => (await node(name)).status?.conditions?.find((c) => c.type === 'Ready');
  const taints = async (name: string) => ((await node(name)).spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
  const events = async (reason: string) => (await cp.client.list<Event & KubeObject>(Resources.events, '')).items.filter((e) => e.reason === reason);

  it('registers the nodes it sees', async () => {
    await eventually(async () => {
      const registered = await events('RegisteredNode');
      assert.deepEqual(registered.map((e) => e.message).sort(), sim.nodeNames.map((n) => `Node ${n} event: Registered Node ${n} in Controller`));
    });
  });

  it('marks a node whose heartbeats stopped Unknown after the 40 s grace period, taints it unreachable and its pods not ready', async () => {
    await cp.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'victim' }, spec: { nodeName: 'skiff-sim-0', containers: [{ name: 'c', image: 'nginx' }] } });
    const podReady = async () => (await cp.client.get<Pod & KubeObject>(Resources.pods, 'default', 'victim')).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    await eventually(async () => assert.equal(await podReady(), 'True'));

    sim.stopHeartbeats('skiff-sim-0');
    const lease = await cp.client.get<KubeObject & { spec?: { renewTime?: string } }>(Resources.leases, 'kube-node-lease', 'skiff-sim-0');
    const lastHeartbeat = Date.parse(lease.spec!.renewTime!);
    // Unknown once a monitor pass (every 5 s) finds the last heartbeat more than 40 s old.
    while (clock.now() - lastHeartbeat < 50_000) {
      clock.advance(5_000);
      await settle();
      const elapsed = clock.now() - lastHeartbeat;
      if (elapsed <= 40_000) assert.equal((await ready('skiff-sim-0'))?.status, 'True', `still Ready ${elapsed} ms after the last heartbeat`);
    }
    await eventually(async () => assert.equal((await ready('skiff-sim-0'))?.status, 'Unknown'));

    const conditions = (await node('skiff-sim-0')).status?.conditions ?? [];
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const condition = conditions.find((c) => c.type === type);
      assert.equal(condition?.status, 'Unknown', type);
      assert.equal(condition?.reason, 'NodeStatusUnknown');
      assert.equal(condition?.message, 'Kubelet stopped posting node status.');
    }
    await eventually(async () => assert.equal(await podReady(), 'False'));
    // The NoSchedule taint follows the condition; the NoExecute one the next pass that sees the node Unknown.
    clock.advance(5_000);
    await eventually(async () => assert.deepEqual(await taints('skiff-sim-0'), ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']));
    const noExecute = (await node('skiff-sim-0')).spec?.taints?.find((t) => t.effect === 'NoExecute');
    assert.ok(noExecute?.timeAdded, 'the taint says when it was added');
    assert.deepEqual(await taints('skiff-sim-1'), [], 'healthy nodes are left alone');

    await eventually(async () => {
      assert.deepEqual((await events('NodeNotReady')).map((e) => `${e.involvedObject.kind}/${e.involvedObject.name} ${e.type} ${e.message}`).sort(), [
        'Node/skiff-sim-0 Normal Node skiff-sim-0 status is now: NodeNotReady',
        'Pod/victim Warning Node is not ready',
      ]);
    });
  });

  it('removes the taints when the node is healthy again', async () => {
    sim.resumeHeartbeats('skiff-sim-0');
    await eventually(async () => assert.equal((await ready('skiff-sim-0'))?.status, 'True'));
    clock.advance(5_000);
    await eventually(async () => assert.deepEqual(await taints('skiff-sim-0'), []));
  });

  it('taints a cordoned node unschedulable, and untaints it when uncordoned', async () => {
    await cp.client.patch(Resources.nodes, '', 'skiff-sim-2', 'merge', { spec: { unschedulable: true } });
    await eventually(async () => assert.deepEqual(await taints('skiff-sim-2'), ['node.kubernetes.io/unschedulable:NoSchedule']));
    await cp.client.patch(Resources.nodes, '', 'skiff-sim-2', 'merge', { spec: { unschedulable: null } });
    await eventually(async () => assert.deepEqual(await taints('skiff-sim-2'), []));
  });

  it('taints a node its kubelet reports not ready with the not-ready taints', async () => {
    const created = await cp.client.create<NodeObject>(Resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sick' } });
    const now = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await cp.client.update(Resources.nodes, '', { ...created, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: now, lastTransitionTime: now }] } }, { subresource: 'status' });
    await eventually(async () => assert.deepEqual(await taints('sick'), ['node.kubernetes.io/not-ready:NoSchedule']));
    clock.advance(5_000);
    await eventually(async () => assert.deepEqual(await taints('sick'), ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']));
    await cp.client.delete(Resources.nodes, '', 'sick');
    clock.advance(5_000);
    await eventually(async () => assert.equal((await events('RemovingNode')).length, 1));
    assert.deepEqual(cp.errors, []);
  });
});

describe('node lifecycle controller when every node is down', () => {
  it('stops NoExecute tainting, as upstream does when the whole cluster looks disrupted', async () => {
    await withCluster(2, async (cp, clock, sim) => {
      for (const name of sim.nodeNames) sim.stopHeartbeats(name);
      for (let i = 0; i < 14; i++) {
        clock.advance(5_000);
        await settle();
      }
      for (const name of sim.nodeNames) {
        const node = await cp.client.get<NodeObject>(Resources.nodes, '', name);
        assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'Unknown');
        assert.deepEqual(
          (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`),
          ['node.kubernetes.io/unreachable:NoSchedule'],
        );
      }
    });
  });
});
