// The DaemonSet controller against the in-process control plane. There is no
// scheduler or kubelet: tests check the node affinity that pins each pod, and where
// they need progress a stand-in binds pods to that node, marks them Running and
// Ready, and finishes graceful deletions.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Event, Pod, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, isConflict, isNotFound, type ApiClient, type WatchHandle } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newDaemonSetController } from './index.js';

checkLeaksAfterAll();

const NS = 'default';
type Obj<T> = T & KubeObject;
const SLOW = { timeoutMs: 10_000 };

function daemonSet(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], ...podSpec } },
      ...spec,
    },
  };
}

async function addNode(client: ApiClient, name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Promise<void> {
  await client.create(Resources.nodes, '', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } });
}

async function pods(client: ApiClient): Promise<Array<Obj<Pod>>> {
  return (await client.list<Obj<Pod>>(Resources.pods, NS)).items;
}

/** The node each pod is pinned to through its required matchFields term (or bound to). */
function pinnedNode(pod: Pod): string | undefined {
  return pod.spec?.nodeName ?? pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0];
}

async function podNodes(client: ApiClient): Promise<string[]> {
  return (await pods(client)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => pinnedNode(p) ?? '?').sort();
}

async function getDs(client: ApiClient, name: string): Promise<Obj<DaemonSet>> {
  return client.get<Obj<DaemonSet>>(Resources.daemonsets, NS, name);
}

async function revisions(client: ApiClient): Promise<Array<Obj<ControllerRevision>>> {
  return (await client.list<Obj<ControllerRevision>>(Resources.controllerrevisions, NS)).items.sort((a, b) => a.revision - b.revision);
}

async function events(client: ApiClient, involved: string): Promise<string[]> {
  const list = await client.list<Obj<Event>>(Resources.events, NS);
  return list.items.filter((e) => e.involvedObject.name === involved).map((e) => `${e.reason}: ${e.message}`);
}

const ignoreGoneOrStale = (err: unknown) => {
  if (!isNotFound(err) && !isConflict(err)) throw err;
};

/**
 * Plays scheduler and kubelet for daemon pods: binds each to the node its affinity
 * names, reports it Running and Ready, and completes graceful deletions.
 */
async function standInKubelet(client: ApiClient): Promise<WatchHandle> {
  return client.watch<Obj<Pod>>(Resources.pods, NS, {}, (event) => {
    if (event.type !== 'ADDED' && event.type !== 'MODIFIED') return;
    const pod = event.object;
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) {
      client.delete(Resources.pods, NS, name, { gracePeriodSeconds: 0 }).catch(ignoreGoneOrStale);
    } else if (!pod.spec?.nodeName) {
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: pinnedNode(pod) } };
      client.createSubresource(Resources.pods, NS, name, 'binding', binding).catch(ignoreGoneOrStale);
    } else if (pod.status?.phase !== 'Running') {
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      const ready = { ...pod, status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } };
      client.update(Resources.pods, NS, ready, { subresource: 'status' }).catch(ignoreGoneOrStale);
    }
  });
}

async function rolledOut(client: ApiClient, name: string, desired: number): Promise<Obj<DaemonSet>> {
  const ds = await getDs(client, name);
  assert.equal(ds.status?.observedGeneration, ds.metadata?.generation);
  assert.equal(ds.status?.desiredNumberScheduled, desired);
  assert.equal(ds.status?.updatedNumberScheduled, desired);
  assert.equal(ds.status?.numberAvailable, desired);
  assert.equal((await pods(client)).length, desired);
  return ds;
}

async function setImage(client: ApiClient, name: string, image: string): Promise<void> {
  await client.patch(Resources.daemonsets, NS, name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });
}

describe('DaemonSet controller', () => {
  let cp: TestControlPlane;
  let kubelet: WatchHandle | undefined;

  beforeEach(async () => {
    cp = await startControlPlane();
    await cp.run(newDaemonSetController);
  });
  afterEach(async () => {
    kubelet?.close();
    kubelet = undefined;
    await cp.close();
  });

  it('runs one pod per eligible node, pinned by node affinity, none on tainted or unselected nodes', async () => {
    await addNode(cp.client, 'n1', { role: 'worker' });
    await addNode(cp.client, 'n2', { role: 'worker' });
    await addNode(cp.client, 'n3', {});
    await addNode(cp.client, 'n4', { role: 'worker' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    // The unschedulable taint is tolerated by every daemon pod.
    await addNode(cp.client, 'n5', { role: 'worker' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent', {}, { nodeSelector: { role: 'worker' } }));

    await eventually(async () => assert.deepEqual(await podNodes(cp.client), ['n1', 'n2', 'n5']));
    const ds = await getDs(cp.client, 'agent');
    const [cr] = await revisions(cp.client);
    for (const pod of await pods(cp.client)) {
      assert.equal(pod.spec?.nodeName, undefined, 'the scheduler binds daemon pods');
      assert.deepEqual(pod.spec?.affinity, {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pinnedNode(pod)] }] }] } },
      });
      assert.deepEqual(pod.spec?.tolerations, [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      ]);
      assert.equal(pod.metadata?.labels?.['controller-revision-hash'], cr?.metadata?.labels?.['controller-revision-hash']);
      assert.match(pod.metadata?.name ?? '', /^agent-[a-z0-9]{5}$/);
      assert.equal(pod.metadata?.ownerReferences?.[0]?.uid, ds.metadata?.uid);
    }
    await eventually(async () => {
      const status = (await getDs(cp.client, 'agent')).status;
      assert.equal(status?.desiredNumberScheduled, 3);
      assert.equal(status?.currentNumberScheduled, 3);
      assert.equal(status?.numberMisscheduled, 0);
      assert.equal(status?.updatedNumberScheduled, 3);
      assert.equal(status?.numberReady, 0);
      assert.equal(status?.numberUnavailable, 3);
      assert.equal(status?.observedGeneration, 1);
    });
    await eventually(async () => {
      const created = (await events(cp.client, 'agent')).filter((e) => e.startsWith('SuccessfulCreate: Created pod: agent-'));
      assert.equal(created.length, 3);
    });
  });

  it('follows nodes: a new node gets a pod, a relabelled or removed node loses it', async () => {
    await addNode(cp.client, 'n1', { role: 'worker' });
    await addNode(cp.client, 'n2', { role: 'worker' });
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent', {}, { nodeSelector: { role: 'worker' } }));
    await eventually(async () => assert.deepEqual(await podNodes(cp.client), ['n1', 'n2']));

    await addNode(cp.client, 'n3', { role: 'worker' });
    await eventually(async () => assert.deepEqual(await podNodes(cp.client), ['n1', 'n2', 'n3']));

    await cp.client.patch(Resources.nodes, '', 'n1', 'merge', { metadata: { labels: { role: null } } });
    await eventually(async () => assert.deepEqual(await podNodes(cp.client), ['n2', 'n3']));

    // An untolerated NoExecute taint evicts; a NoSchedule one would not.
    await cp.client.patch(Resources.nodes, '', 'n2', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] } });
    await eventually(async () => assert.equal((await getDs(cp.client, 'agent')).status?.desiredNumberScheduled, 1));
    assert.deepEqual(await podNodes(cp.client), ['n2', 'n3']);
    await cp.client.patch(Resources.nodes, '', 'n2', 'merge', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await eventually(async () => assert.deepEqual(await podNodes(cp.client), ['n3']));

    await cp.client.delete(Resources.nodes, '', 'n3');
    // The next sync finds the unscheduled pod pinned to a node that is gone.
    await cp.client.patch(Resources.daemonsets, NS, 'agent', 'merge', { metadata: { labels: { touched: 'yes' } } });
    await eventually(async () => assert.deepEqual(await podNodes(cp.client), []));
  });

  it('rolls out a new template one node at a time and records ControllerRevisions', async () => {
    kubelet = await standInKubelet(cp.client);
    for (const name of ['n1', 'n2', 'n3']) await addNode(cp.client, name);
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent', { revisionHistoryLimit: 1 }));
    await eventually(() => rolledOut(cp.client, 'agent', 3), SLOW);

    // maxUnavailable=1 (the default): never more than one node without an available pod.
    let worst = 0;
    const watch = await cp.client.watch<Obj<Pod>>(Resources.pods, NS, {}, () => {
      void pods(cp.client).then((all) => {
        const available = new Set(all.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map(pinnedNode));
        worst = Math.max(worst, 3 - available.size);
      });
    });
    try {
      await setImage(cp.client, 'agent', 'agent:2');
      await eventually(async () => {
        await rolledOut(cp.client, 'agent', 3);
        assert.deepEqual((await pods(cp.client)).map((p) => p.spec?.containers[0]?.image), ['agent:2', 'agent:2', 'agent:2']);
      }, SLOW);
    } finally {
      watch.close();
    }
    assert.ok(worst <= 1, `at most one node was without an available pod (saw ${worst})`);

    const [first, second] = await revisions(cp.client);
    assert.deepEqual([first?.revision, second?.revision], [1, 2]);
    assert.equal((second?.data as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec.containers[0]?.image, 'agent:2');
    assert.equal(second?.metadata?.name, `agent-${second?.metadata?.labels?.['controller-revision-hash']}`);

    // revisionHistoryLimit=1: a third template leaves the current revision and one old one.
    await setImage(cp.client, 'agent', 'agent:3');
    await eventually(async () => {
      await rolledOut(cp.client, 'agent', 3);
      assert.deepEqual((await revisions(cp.client)).map((r) => r.revision), [2, 3]);
    }, SLOW);

    // kubectl rollout undo: the old revision's data patched back renumbers that revision.
    const previous = (await revisions(cp.client))[0]!;
    await cp.client.patch(Resources.daemonsets, NS, 'agent', 'strategic', previous.data);
    await eventually(async () => {
      await rolledOut(cp.client, 'agent', 3);
      assert.deepEqual((await revisions(cp.client)).map((r) => [r.revision, r.metadata?.name === previous.metadata?.name]), [[3, false], [4, true]]);
      assert.deepEqual((await pods(cp.client)).map((p) => p.spec?.containers[0]?.image), ['agent:2', 'agent:2', 'agent:2']);
    }, SLOW);
  });

  it('surges a new pod beside the old one when maxSurge is set', async () => {
    kubelet = await standInKubelet(cp.client);
    await addNode(cp.client, 'n1');
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await eventually(() => rolledOut(cp.client, 'agent', 1), SLOW);

    let mostOnNode = 0;
    const watch = await cp.client.watch<Obj<Pod>>(Resources.pods, NS, {}, () => {
      void pods(cp.client).then((all) => (mostOnNode = Math.max(mostOnNode, all.length)));
    });
    try {
      await setImage(cp.client, 'agent', 'agent:2');
      await eventually(async () => {
        await rolledOut(cp.client, 'agent', 1);
        assert.deepEqual((await pods(cp.client)).map((p) => p.spec?.containers[0]?.image), ['agent:2']);
      }, SLOW);
    } finally {
      watch.close();
    }
    assert.equal(mostOnNode, 2, 'the new pod ran beside the old one');
  });

  it('OnDelete replaces a pod only when it is deleted', async () => {
    kubelet = await standInKubelet(cp.client);
    await addNode(cp.client, 'n1');
    await addNode(cp.client, 'n2');
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent', { updateStrategy: { type: 'OnDelete' } }));
    await eventually(() => rolledOut(cp.client, 'agent', 2), SLOW);
    await setImage(cp.client, 'agent', 'agent:2');
    await eventually(async () => assert.equal((await getDs(cp.client, 'agent')).status?.observedGeneration, 2));
    assert.equal((await getDs(cp.client, 'agent')).status?.updatedNumberScheduled, 0);

    const onN1 = (await pods(cp.client)).find((p) => p.spec?.nodeName === 'n1')!;
    await cp.client.delete(Resources.pods, NS, onN1.metadata!.name!);
    await eventually(async () => {
      const images = Object.fromEntries((await pods(cp.client)).map((p) => [p.spec?.nodeName, p.spec?.containers[0]?.image]));
      assert.deepEqual(images, { n1: 'agent:2', n2: 'agent:1' });
      assert.equal((await getDs(cp.client, 'agent')).status?.updatedNumberScheduled, 1);
    }, SLOW);
  });

  it('replaces a failed daemon pod and says so', async () => {
    kubelet = await standInKubelet(cp.client);
    await addNode(cp.client, 'n1');
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent'));
    await eventually(() => rolledOut(cp.client, 'agent', 1), SLOW);
    const [pod] = await pods(cp.client);
    await cp.client.update(Resources.pods, NS, { ...pod!, status: { ...pod!.status, phase: 'Failed', conditions: [] } }, { subresource: 'status' });
    await eventually(async () => {
      const [replacement] = await pods(cp.client);
      assert.notEqual(replacement?.metadata?.uid, pod?.metadata?.uid);
      await rolledOut(cp.client, 'agent', 1);
    }, SLOW);
    assert.ok((await events(cp.client, 'agent')).includes(`FailedDaemonPod: Found failed daemon pod ${NS}/${pod?.metadata?.name} on node n1, will try to kill it`));
  });

  it('releases a pod whose labels stop matching, and replaces it', async () => {
    await addNode(cp.client, 'n1');
    await cp.client.create(Resources.daemonsets, NS, daemonSet('agent'));
    await eventually(async () => assert.deepEqual(await podNodes(cp.client), ['n1']));
    const [pod] = await pods(cp.client);
    await cp.client.patch(Resources.pods, NS, pod!.metadata!.name!, 'merge', { metadata: { labels: { app: 'debugging' } } });
    await eventually(async () => {
      const released = await cp.client.get<Obj<Pod>>(Resources.pods, NS, pod!.metadata!.name!);
      assert.deepEqual(released.metadata?.ownerReferences ?? [], []);
      assert.deepEqual(await podNodes(cp.client), ['n1', 'n1']);
    });
  });
});
