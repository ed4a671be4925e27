import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/types.js';
import { Resources } from '../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { newScheduler } from './index.js';

checkLeaksAfterAll();

function node(name: string, cpu: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: {
      capacity: { cpu, memory: '32Gi', pods: '110' },
      allocatable: { cpu, memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  } as KubeObject;
}

/** Pods get their priority from a PriorityClass (admission refuses a literal spec.priority). */
function pod(name: string, cpu: string, options: Record<string, unknown> = {}): KubeObject {
  const { priority, preemptionPolicy, ...spec } = options;
  if (typeof priority === 'number') spec.priorityClassName = `priority-${priority}${preemptionPolicy === 'Never' ? '-never' : ''}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '100Mi' } } }], ...spec },
  } as KubeObject;
}

/** Registers a node the way a kubelet does: the object, then its status (create drops status here). */
async function createNode(cp: TestControlPlane, obj: KubeObject): Promise<void> {
  const created = await cp.client.create(Resources.nodes, '', { ...obj, status: undefined } as KubeObject);
  await cp.client.update(Resources.nodes, '', { ...created, status: (obj as { status?: unknown }).status } as KubeObject, { subresource: 'status' });
}

describe('scheduler against the API server', () => {
  let cp: TestControlPlane;
  let scheduler: { stop(): Promise<void> };
  let ns = 0;
  let namespace = 'default';

  before(async () => {
    cp = await startControlPlane();
    for (const value of [1, 100, 1000]) {
      await cp.client.create(Resources.priorityclasses, '', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: `priority-${value}` }, value } as KubeObject);
    }
    await cp.client.create(Resources.priorityclasses, '', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'priority-1000-never' }, value: 1000, preemptionPolicy: 'Never' } as KubeObject);
    scheduler = await cp.run((ctx) => newScheduler(ctx, { initialBackoffMs: 50, maxBackoffMs: 200 }));
  });

  // Every test starts without pods or nodes.
  afterEach(() => cleanUp());

  after(async () => {
    await scheduler.stop();
    await cp.close();
  });

  async function freshNamespace(): Promise<string> {
    namespace = `sched-${++ns}`;
    await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject);
    return namespace;
  }

  async function getPod(name: string): Promise<Pod> {
    return (await cp.client.get(Resources.pods, namespace, name)) as Pod;
  }

  async function events(name: string, reason: string): Promise<Event[]> {
    const list = await cp.client.list(Resources.events, namespace);
    return (list.items as unknown as Event[]).filter((e) => e.involvedObject.name === name && e.reason === reason);
  }

  /** Removes every pod of the test's namespace and every node, so the next test starts empty. */
  async function cleanUp(): Promise<void> {
    for (const p of (await cp.client.list(Resources.pods, namespace)).items) await cp.client.delete(Resources.pods, namespace, p.metadata!.name!, { gracePeriodSeconds: 0 });
    for (const n of (await cp.client.list(Resources.nodes, '')).items) await cp.client.delete(Resources.nodes, '', n.metadata!.name!);
  }

  it('binds pods to nodes that fit and records Scheduled', async () => {
    await freshNamespace();
    await createNode(cp, node('fit-a', '2'));
    await createNode(cp, node('fit-b', '2'));
    for (let i = 0; i < 4; i++) await cp.client.create(Resources.pods, namespace, pod(`p${i}`, '1'));
    const placed = await eventually(
      async () => {
        const pods = await Promise.all([0, 1, 2, 3].map((i) => getPod(`p${i}`)));
        for (const p of pods) assert.ok(p.spec?.nodeName, `${p.metadata?.name} not bound`);
        return pods.map((p) => p.spec!.nodeName!);
      },
      { timeoutMs: 10_000 },
    );
    // Two 1-cpu pods per 2-cpu node: each node got exactly two.
    assert.deepEqual(placed.filter((n) => n === 'fit-a').length, 2);
    const bound = await getPod('p0');
    assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    await eventually(async () => {
      const [scheduled] = await events('p0', 'Scheduled');
      assert.equal(scheduled?.message, `Successfully assigned ${namespace}/p0 to ${bound.spec?.nodeName}`);
      assert.equal(scheduled?.type, 'Normal');
      assert.equal(scheduled?.source?.component, 'default-scheduler');
    });
  });

  it('frees what a finished pod asked for: it leaves the cache once Succeeded', async () => {
    await freshNamespace();
    await createNode(cp, node('finish-a', '2'));
    await cp.client.create(Resources.pods, namespace, pod('job', '1500m', { restartPolicy: 'Never' }));
    const bound = await eventually(async () => {
      const p = await getPod('job');
      assert.ok(p.spec?.nodeName, 'job not bound');
      return p;
    });
    // Nothing else fits next to it while it runs.
    await cp.client.create(Resources.pods, namespace, pod('next', '1500m'));
    await eventually(async () => assert.ok((await events('next', 'FailedScheduling')).length > 0));
    await cp.client.update(Resources.pods, namespace, { ...bound, status: { ...bound.status, phase: 'Succeeded' } } as KubeObject, { subresource: 'status' });
    await eventually(async () => assert.equal((await getPod('next')).spec?.nodeName, 'finish-a'), { timeoutMs: 10_000 });
  });

  it('explains FailedScheduling like upstream and schedules once a node that fits joins', async () => {
    await freshNamespace();
    {
      // Three 1-cpu nodes, each half used by a pod of the same priority: nothing to preempt.
      for (const name of ['small-1', 'small-2', 'small-3']) {
        await createNode(cp, node(name, '1'));
        await cp.client.create(Resources.pods, namespace, pod(`filler-${name}`, '500m', { nodeName: name }));
      }
      await cp.client.create(Resources.pods, namespace, pod('big', '1'));
      const message = '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
      await eventually(
        async () => {
          const [failed] = await events('big', 'FailedScheduling');
          assert.equal(failed?.message, message);
          assert.equal(failed?.type, 'Warning');
          const condition = (await getPod('big')).status?.conditions?.find((c) => c.type === 'PodScheduled');
          assert.deepEqual([condition?.status, condition?.reason, condition?.message], ['False', 'Unschedulable', message]);
        },
        { timeoutMs: 10_000 },
      );
      await createNode(cp, node('large', '4'));
      await eventually(async () => assert.equal((await getPod('big')).spec?.nodeName, 'large'), { timeoutMs: 10_000 });
    }
  });

  it('says preemption cannot help when the pod is bigger than any node', async () => {
    await freshNamespace();
    {
      for (const name of ['tiny-1', 'tiny-2']) await createNode(cp, node(name, '1'));
      await cp.client.create(Resources.pods, namespace, pod('huge', '2', { priority: 100 }));
      await eventually(
        async () => {
          const [failed] = await events('huge', 'FailedScheduling');
          assert.equal(failed?.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
        },
        { timeoutMs: 10_000 },
      );
    }
  });

  it('does not bind to nodes the pod does not tolerate or select', async () => {
    await freshNamespace();
    const tainted = node('tainted', '4');
    (tainted as { spec?: unknown }).spec = { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] };
    await createNode(cp, tainted);
    await createNode(cp, node('plain', '4'));
    await cp.client.create(Resources.pods, namespace, pod('picky', '1', { nodeSelector: { disk: 'ssd' } }));
    await eventually(
      async () => {
        const [failed] = await events('picky', 'FailedScheduling');
        assert.equal(
          failed?.message,
          "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
        );
      },
      { timeoutMs: 10_000 },
    );
    // Labelling the node is an event NodeAffinity registered: the pod goes there.
    await cp.client.patch(Resources.nodes, '', 'plain', 'merge', { metadata: { labels: { disk: 'ssd' } } });
    await eventually(async () => assert.equal((await getPod('picky')).spec?.nodeName, 'plain'), { timeoutMs: 10_000 });
  });

  it('preempts a lower-priority pod, nominates the node and binds there once the victim is gone', async () => {
    await freshNamespace();
    await createNode(cp, node('only', '2'));
    await cp.client.create(Resources.pods, namespace, pod('victim', '2', { priority: 1 }));
    await eventually(async () => assert.equal((await getPod('victim')).spec?.nodeName, 'only'), { timeoutMs: 10_000 });
    const preemptor = (await cp.client.create(Resources.pods, namespace, pod('preemptor', '2', { priority: 1000 }))) as Pod;

    await eventually(
      async () => {
        const victim = await getPod('victim').catch(() => undefined);
        assert.ok(!victim || victim.metadata?.deletionTimestamp, 'victim is being deleted');
        assert.equal((await getPod('preemptor')).status?.nominatedNodeName, 'only');
      },
      { timeoutMs: 10_000 },
    );
    const [preempted] = await events('victim', 'Preempted');
    assert.equal(preempted?.message, `Preempted by pod ${preemptor.metadata?.uid} on node only`);
    const victim = await getPod('victim').catch(() => undefined);
    if (victim) {
      assert.equal(victim.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason, 'PreemptionByScheduler');
      // The kubelet's part: the terminating victim goes away.
      await cp.client.delete(Resources.pods, namespace, 'victim', { gracePeriodSeconds: 0 });
    }
    await eventually(async () => assert.equal((await getPod('preemptor')).spec?.nodeName, 'only'), { timeoutMs: 10_000 });
  });

  it('does not preempt for a pod with preemptionPolicy Never', async () => {
    await freshNamespace();
    await createNode(cp, node('busy', '1'));
    await cp.client.create(Resources.pods, namespace, pod('low', '1', { priority: 1 }));
    await eventually(async () => assert.equal((await getPod('low')).spec?.nodeName, 'busy'), { timeoutMs: 10_000 });
    await cp.client.create(Resources.pods, namespace, pod('polite', '1', { priority: 1000, preemptionPolicy: 'Never' }));
    await eventually(
      async () => {
        const [failed] = await events('polite', 'FailedScheduling');
        assert.equal(failed?.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
      },
      { timeoutMs: 10_000 },
    );
    assert.equal((await getPod('low')).metadata?.deletionTimestamp, undefined);
  });

  it('waits for scheduling gates to be removed', async () => {
    await freshNamespace();
    await createNode(cp, node('gate-node', '4'));
    await cp.client.create(Resources.pods, namespace, pod('gated', '1', { schedulingGates: [{ name: 'example.com/hold' }] }));
    // Another pod created after it gets scheduled first: the gated one really waits.
    await cp.client.create(Resources.pods, namespace, pod('free', '1'));
    await eventually(async () => assert.equal((await getPod('free')).spec?.nodeName, 'gate-node'), { timeoutMs: 10_000 });
    assert.equal((await getPod('gated')).spec?.nodeName, undefined);
    const gated = await getPod('gated');
    await cp.client.update(Resources.pods, namespace, { ...gated, spec: { ...gated.spec!, schedulingGates: [] } } as KubeObject);
    await eventually(async () => assert.equal((await getPod('gated')).spec?.nodeName, 'gate-node'), { timeoutMs: 10_000 });
  });

  it('leaves pods of other schedulers alone', async () => {
    await freshNamespace();
    await createNode(cp, node('n-other', '4'));
    await cp.client.create(Resources.pods, namespace, pod('foreign', '1', { schedulerName: 'my-scheduler' }));
    await cp.client.create(Resources.pods, namespace, pod('mine', '1'));
    await eventually(async () => assert.equal((await getPod('mine')).spec?.nodeName, 'n-other'), { timeoutMs: 10_000 });
    assert.equal((await getPod('foreign')).spec?.nodeName, undefined);
    assert.deepEqual(await events('foreign', 'FailedScheduling'), []);
  });

  it('reports no errors', () => {
    assert.deepEqual(cp.errors.map(String), []);
  });
});

describe('scheduler without nodes', () => {
  it('says there are no nodes and binds once one registers', async () => {
    const cp = await startControlPlane();
    try {
      const running = await cp.run((ctx) => newScheduler(ctx, { initialBackoffMs: 50, maxBackoffMs: 100 }));
      await cp.client.create(Resources.pods, 'default', pod('early', '1'));
      await eventually(
        async () => {
          const list = await cp.client.list(Resources.events, 'default');
          const failed = (list.items as unknown as Event[]).find((e) => e.reason === 'FailedScheduling');
          assert.equal(failed?.message, 'no nodes available to schedule pods');
        },
        { timeoutMs: 10_000 },
      );
      await createNode(cp, node('late', '2'));
      await eventually(async () => assert.equal(((await cp.client.get(Resources.pods, 'default', 'early')) as Pod).spec?.nodeName, 'late'), { timeoutMs: 10_000 });
      await running.stop();
    } finally {
      await cp.close();
    }
  });
});


