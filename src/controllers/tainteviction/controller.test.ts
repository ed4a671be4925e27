import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Event, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, isNotFound, Resources } from '../../client/index.js';
import { SimulatedNodes } from '../../kubelet/simulated/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newNodeLifecycleController } from '../nodelifecycle/index.js';
import { newTaintEvictionController } from './index.js';

checkLeaksAfterAll();

type PodObject = Pod & KubeObject;

/** Lets in-flight async work finish before a negative check. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const MAINTENANCE = 'skiff.dev/maintenance';

describe('taint eviction controller', () => {
  let cp: TestControlPlane;
  let clock: FakeClock;
  let sim: SimulatedNodes;

  before(async () => {
    clock = new FakeClock();
    cp = await startControlPlane({ clock });
    sim = new SimulatedNodes({ client: cp.client, clock, count: 2, onError: (err) => cp.errors.push(err) });
    await sim.start();
    await cp.run((ctx) => newTaintEvictionController(ctx));
  });

  after(async () => {
    await sim?.stop();
    await cp?.close();
  });

  const createPod = async (name: string, tolerations: Toleration[], finalizers?: string[]) => {
    await cp.client.create(Resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, ...(finalizers ? { finalizers } : {}) },
      spec: { nodeName: 'skiff-sim-0', containers: [{ name: 'c', image: 'nginx' }], tolerations },
    });
    await eventually(async () => assert.equal((await getPod(name)).status?.phase, 'Running'));
  };
  const getPod = (name: string) => cp.client.get<PodObject>(Resources.pods, 'default', name);
  const exists = async (name: string) => {
    try {
      return !(await getPod(name)).metadata?.deletionTimestamp;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  const setTaint = (taints: unknown[] | null) => cp.client.patch(Resources.nodes, '', 'skiff-sim-0', 'merge', { spec: { taints } });
  const eventMessages = async () =>
    (await cp.client.list<Event & KubeObject>(Resources.events, 'default')).items.filter((e) => e.reason === 'TaintManagerEviction').map((e) => `${e.type} ${e.message}`).sort();

  it('evicts a pod that does not tolerate a NoExecute taint at once, and a tolerating one after tolerationSeconds', async () => {
    await createPod('plain', [], ['skiff.dev/hold']);
    await createPod('patient', [{ key: MAINTENANCE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
    await createPod('loyal', [{ key: MAINTENANCE, operator: 'Exists', effect: 'NoExecute' }]);
    await setTaint([{ key: MAINTENANCE, value: 'now', effect: 'NoExecute' }]);

    await eventually(async () => assert.equal(await exists('plain'), false));
    const evicted = await getPod('plain');
    const disruption = evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual([disruption?.status, disruption?.reason, disruption?.message], ['True', 'DeletionByTaintManager', 'Taint manager: deleting due to NoExecute taint']);
    await cp.client.patch(Resources.pods, 'default', 'plain', 'merge', { metadata: { finalizers: null } });

    clock.advance(29_000);
    await settle();
    assert.equal(await exists('patient'), true, 'tolerated for 30 s');
    clock.advance(1_000);
    await eventually(async () => assert.equal(await exists('patient'), false));
    clock.advance(600_000);
    await settle();
    assert.equal(await exists('loyal'), true, 'a toleration without seconds tolerates forever');
    await eventually(async () => assert.deepEqual(await eventMessages(), ['Normal Marking for deletion Pod default/patient', 'Normal Marking for deletion Pod default/plain']));
  });

  it('cancels a scheduled eviction when the taint goes away', async () => {
    await createPod('spared', [{ key: MAINTENANCE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]);
    await settle();
    clock.advance(10_000);
    await setTaint(null);
    await eventually(async () => assert.ok((await eventMessages()).includes('Normal Cancelling deletion of Pod default/spared')));
    clock.advance(120_000);
    await settle();
    assert.equal(await exists('spared'), true);
  });

  it('evicts a pod bound later to a tainted node it does not tolerate', async () => {
    await setTaint([{ key: MAINTENANCE, value: 'again', effect: 'NoExecute' }]);
    await settle();
    await cp.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'newcomer' }, spec: { nodeName: 'skiff-sim-0', containers: [{ name: 'c', image: 'nginx' }] } });
    await eventually(async () => assert.equal(await exists('newcomer'), false));
    await setTaint(null);
    assert.deepEqual(cp.errors, []);
  });
});

describe('taint eviction with the node lifecycle controller', () => {
  it('evicts the pods of a lost node once their default 300 s toleration runs out', async () => {
    const clock = new FakeClock();
    const cp = await startControlPlane({ clock });
    const sim = new SimulatedNodes({ client: cp.client, clock, count: 3, onError: (err) => cp.errors.push(err) });
    try {
      await sim.start();
      await cp.run(
        (ctx) => newNodeLifecycleController(ctx),
        (ctx) => newTaintEvictionController(ctx),
      );
      // The tolerations DefaultTolerationSeconds admission gives every pod.
      const tolerations = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }));
      await cp.client.create(Resources.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stranded' }, spec: { nodeName: 'skiff-sim-0', containers: [{ name: 'c', image: 'nginx' }], tolerations } });
      const pod = () => cp.client.get<PodObject>(Resources.pods, 'default', 'stranded');
      await eventually(async () => assert.equal((await pod()).status?.phase, 'Running'));

      sim.stopHeartbeats('skiff-sim-0');
      const tainted = async () => (await cp.client.get<KubeObject & { spec?: { taints?: Array<{ key: string; effect: string }> } }>(Resources.nodes, '', 'skiff-sim-0')).spec?.taints?.some((t) => t.effect === 'NoExecute') ?? false;
      while (!(await tainted())) {
        clock.advance(5_000);
        await settle();
        assert.ok(clock.now() < Date.parse('2026-01-01T00:02:00Z'), 'tainted within two minutes');
      }
      clock.advance(295_000);
      await settle();
      assert.equal((await pod()).metadata?.deletionTimestamp, undefined, 'tolerated for 300 s');
      clock.advance(5_000);
      // Marked for deletion; with its kubelet gone it stays Terminating (as upstream) until the node returns or is removed.
      await eventually(async () => assert.ok((await pod()).metadata?.deletionTimestamp));
      assert.deepEqual(cp.errors, []);
    } finally {
      await sim.stop();
      await cp.close();
    }
  });
});
