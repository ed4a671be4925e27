import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, isNotFound, Resources } from '../../client/index.js';
import { SimulatedNodes } from '../../kubelet/simulated/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newPodGCController } from './index.js';

checkLeaksAfterAll();

type PodObject = Pod & KubeObject;

/** Lets in-flight async work finish before a negative check. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('pod garbage collector', () => {
  let cp: TestControlPlane;
  let clock: FakeClock;
  let sim: SimulatedNodes;

  before(async () => {
    clock = new FakeClock();
    cp = await startControlPlane({ clock });
    sim = new SimulatedNodes({ client: cp.client, clock, count: 3, onError: (err) => cp.errors.push(err) });
    await sim.start();
    await cp.run((ctx) => newPodGCController(ctx, { terminatedPodThreshold: 2 }));
  });

  after(async () => {
    await sim?.stop();
    await cp?.close();
  });

  const createPod = (name: string, spec: Partial<NonNullable<Pod['spec']>>, finalizers?: string[]) =>
    cp.client.create(Resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ...(finalizers ? { finalizers } : {}) },
      spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
    });
  const getPod = (name: string) => cp.client.get<PodObject>(Resources.pods, 'default', name);
  const gone = async (name: string) => {
    try {
      await getPod(name);
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  };
  const dropFinalizers = (name: string) => cp.client.patch(Resources.pods, 'default', name, 'merge', { metadata: { finalizers: null } });
  /** Moves to the next collection pass (every 20 s) and lets it run. */
  const nextPass = async () => {
    clock.advance(20_000);
    await settle();
  };

  it('deletes terminated pods beyond the threshold, oldest first', async () => {
    for (const name of ['job-1', 'job-2', 'job-3', 'job-4']) {
      await createPod(name, { nodeName: 'skiff-sim-0', restartPolicy: 'Never' });
      await eventually(async () => assert.equal((await getPod(name)).status?.phase, 'Running'));
      await settle();
      clock.advance(1_000);
    }
    await eventually(async () => {
      for (const name of ['job-1', 'job-2', 'job-3', 'job-4']) assert.equal((await getPod(name)).status?.phase, 'Succeeded', name);
    });
    await nextPass();
    await eventually(async () => assert.deepEqual(await Promise.all(['job-1', 'job-2', 'job-3', 'job-4'].map(gone)), [true, true, false, false]));
  });

  it('marks pods of a deleted node Failed and deletes them once the node stayed gone through quarantine', async () => {
    await createPod('orphan', { nodeName: 'skiff-sim-1' }, ['skiff.dev/hold']);
    await eventually(async () => assert.equal((await getPod('orphan')).status?.phase, 'Running'));
    await cp.client.delete(Resources.nodes, '', 'skiff-sim-1');
    await nextPass();
    await nextPass();
    const waiting = await getPod('orphan');
    assert.equal(waiting.metadata?.deletionTimestamp, undefined, 'not deleted within the 40 s quarantine');
    await nextPass();
    await eventually(async () => {
      if (!(await getPod('orphan')).metadata?.deletionTimestamp) clock.advance(20_000); // a pass that ran late under load

      const pod = await getPod('orphan');
      assert.ok(pod.metadata?.deletionTimestamp, 'force-deleted (a finalizer holds it here)');
      assert.equal(pod.status?.phase, 'Failed');
      const condition = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
      assert.deepEqual([condition?.status, condition?.reason, condition?.message], ['True', 'DeletionByPodGC', 'PodGC: node no longer exists']);
    });
    await dropFinalizers('orphan');
    await eventually(async () => assert.equal(await gone('orphan'), true));
  });

  it('force-deletes terminating pods on a NotReady node tainted out-of-service', async () => {
    await createPod('stuck', { nodeName: 'skiff-sim-2' });
    await eventually(async () => assert.equal((await getPod('stuck')).status?.phase, 'Running'));
    sim.stopHeartbeats('skiff-sim-2');
    const node = structuredClone(await cp.client.get<Node & KubeObject>(Resources.nodes, '', 'skiff-sim-2'));
    Object.assign(node.status!.conditions!.find((c) => c.type === 'Ready')!, { status: 'False', reason: 'KubeletNotReady' });
    await cp.client.update(Resources.nodes, '', node, { subresource: 'status' });
    await cp.client.delete(Resources.pods, 'default', 'stuck');
    await nextPass();
    assert.ok((await getPod('stuck')).metadata?.deletionTimestamp, 'terminating, waiting for a kubelet that is gone');
    await cp.client.patch(Resources.nodes, '', 'skiff-sim-2', 'merge', { spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] } });
    await nextPass();
    await eventually(async () => assert.equal(await gone('stuck'), true));
  });

  it('force-deletes terminating pods that were never scheduled', async () => {
    await createPod('unscheduled', {}, ['skiff.dev/hold']);
    await cp.client.delete(Resources.pods, 'default', 'unscheduled');
    await nextPass();
    await eventually(async () => assert.equal((await getPod('unscheduled')).status?.phase, 'Failed'));
    await dropFinalizers('unscheduled');
    await eventually(async () => assert.equal(await gone('unscheduled'), true));
    assert.deepEqual(cp.errors, []);
  });
});
