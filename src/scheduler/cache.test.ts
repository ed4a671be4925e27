import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../testing/index.js';
import { NodeNumber, newPodInfo } from './framework/nodeinfo.js';
import { NodeTree, SchedulerCache } from './cache.js';
import type { ChangeCursor } from './framework/types.js';

checkLeaksAfterAll();

function node(name: string, zone?: string): Node {
  return {
    metadata: { name, ...(zone ? { labels: { 'topology.kubernetes.io/zone': zone } } : {}) },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
  };
}

function pod(name: string, nodeName: string, cpu = '500m', affinity = false): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: name } },
    spec: {
      nodeName,
      containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }],
      ...(affinity ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: name } } }] } } } : {}),
    },
  };
}

describe('SchedulerCache', () => {
  it('counts assumed pods until the binding fails', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    const assumed = pod('a', 'n1');
    cache.assumePod(newPodInfo(assumed));
    assert.equal(cache.isAssumedPod(assumed), true);
    assert.equal(cache.updateSnapshot().get('n1')?.requested.milliCPU, 500);
    assert.throws(() => cache.assumePod(newPodInfo(assumed)), /can't be assumed/);
    cache.forgetPod(assumed);
    assert.equal(cache.isAssumedPod(assumed), false);
    assert.equal(cache.updateSnapshot().get('n1')?.requested.milliCPU, 0);
  });

  it('confirms an assumed pod when the informer reports it, once', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    const assumed = pod('a', 'n1');
    cache.assumePod(newPodInfo(assumed));
    cache.finishBinding(assumed);
    const bound = { ...assumed, metadata: { ...assumed.metadata, resourceVersion: '5' } };
    cache.addPod(bound);
    assert.equal(cache.isAssumedPod(bound), false);
    assert.equal(cache.getPod(bound), bound);
    const info = cache.updateSnapshot().get('n1')!;
    assert.equal(info.pods.length, 1);
    assert.equal(info.requested.milliCPU, 500);
  });

  it('moves a pod the informer reports on another node than assumed', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    cache.addNode(node('n2'));
    cache.assumePod(newPodInfo(pod('a', 'n1')));
    cache.addPod(pod('a', 'n2'));
    const snap = cache.updateSnapshot();
    assert.equal(snap.get('n1')?.pods.length, 0);
    assert.equal(snap.get('n2')?.pods.length, 1);
  });

  it('updates and removes assigned pods', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    const a = pod('a', 'n1', '100m');
    cache.addPod(a);
    cache.updatePod(a, pod('a', 'n1', '300m'));
    assert.equal(cache.updateSnapshot().get('n1')?.requested.milliCPU, 300);
    cache.removePod(a);
    assert.equal(cache.updateSnapshot().get('n1')?.requested.milliCPU, 0);
    assert.equal(cache.podCount, 0);
  });

  it("counts a pod's new version in its place on its node; only a change selectors see marks a removal", () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    const [a, b, c] = [pod('a', 'n1', '100m'), pod('b', 'n1'), pod('c', 'n1')];
    for (const p of [a, b, c]) cache.addPod(p);
    const before = cache.updateSnapshot().get('n1')!.removalGeneration;
    const running: Pod = { ...a, spec: { ...a.spec!, containers: [{ name: 'c', resources: { requests: { cpu: '200m' } } }] }, status: { phase: 'Running' } };
    cache.updatePod(a, running);
    let info = cache.updateSnapshot().get('n1')!;
    assert.deepEqual(info.pods.map((p) => p.pod), [running, b, c], 'in place, not moved to the end');
    assert.equal(info.requested.milliCPU, 1200);
    assert.equal(info.removalGeneration, before, 'labels, namespace and deletion unchanged');
    const relabelled: Pod = { ...running, metadata: { ...running.metadata, labels: { app: 'other' } } };
    cache.updatePod(running, relabelled);
    info = cache.updateSnapshot().get('n1')!;
    assert.notEqual(info.removalGeneration, before);
    const afterRelabel = info.removalGeneration;
    cache.removePod(b);
    info = cache.updateSnapshot().get('n1')!;
    assert.notEqual(info.removalGeneration, afterRelabel);
    assert.equal(info.pods.length, 2);
  });

  it('copies only the nodes that changed into the snapshot', () => {
    const cache = new SchedulerCache();
    for (let i = 0; i < 100; i++) cache.addNode(node(`n${i}`));
    const first = cache.updateSnapshot();
    const before = first.list().slice();
    const generations = before.map((n) => n.generation);
    cache.addPod(pod('a', 'n7'));
    const second = cache.updateSnapshot();
    const after = second.list();
    assert.equal(after.length, 100);
    // Updated in place: the same NodeInfos in the same places, one of them changed.
    let copied = 0;
    for (let i = 0; i < 100; i++) {
      assert.equal(after[i], before[i]);
      if (after[i]!.generation !== generations[i]) copied++;
    }
    assert.equal(copied, 1);
    assert.equal(second.get('n7')?.numbers[second.get('n7')!.base + NodeNumber.PodCount], 1);
    assert.equal(second.get('n7')?.pods.length, 1);
    // The snapshot does not move when the cache changes after it was taken.
    const taken = second.get('n7')!;
    cache.addPod(pod('b', 'n7'));
    assert.equal(taken.pods.length, 1);
    assert.equal(cache.updateSnapshot().get('n7')?.pods.length, 2);
  });

  it('logs apart the positions whose pods changed as a count of matching pods sees them', () => {
    const cache = new SchedulerCache();
    for (let i = 0; i < 3; i++) cache.addNode(node(`n${i}`));
    const a = pod('a', 'n1');
    cache.addPod(a);
    const snap = cache.updateSnapshot();
    const all = snap.changesSince(undefined);
    const pods = snap.changesSince(undefined, true);
    const changed = (since: { cursor: ChangeCursor }, podsOnly: boolean) => {
      const c = snap.changesSince(since.cursor, podsOnly);
      return c.indexes?.slice(c.from).map((i) => snap.list()[i]!.name);
    };
    // A status update leaves what counts see as it was; a new pod or a relabel does not.
    cache.updatePod(a, { ...a, status: { phase: 'Running' } });
    cache.updateSnapshot();
    assert.deepEqual(changed(all, false), ['n1']);
    assert.deepEqual(changed(pods, true), []);
    cache.addPod(pod('b', 'n2'));
    cache.updatePod(a, { ...a, metadata: { ...a.metadata, labels: { app: 'other' } } });
    cache.updateSnapshot();
    assert.deepEqual(changed(pods, true)?.sort(), ['n1', 'n2']);
    // A cursor of one log is not read against the other.
    assert.equal(snap.changesSince(pods.cursor, false).indexes, undefined);
  });

  it('tells which list positions changed since a reader last looked', () => {
    const cache = new SchedulerCache();
    for (let i = 0; i < 5; i++) cache.addNode(node(`n${i}`));
    const snap = cache.updateSnapshot();
    const first = snap.changesSince(undefined);
    assert.equal(first.indexes, undefined, 'a first reader looks at every node');
    cache.addPod(pod('a', 'n3'));
    cache.addPod(pod('b', 'n1'));
    cache.updateSnapshot();
    const second = snap.changesSince(first.cursor);
    assert.deepEqual(second.indexes?.slice(second.from).map((i) => snap.list()[i]!.name).sort(), ['n1', 'n3']);
    assert.deepEqual(snap.changesSince(second.cursor).indexes?.slice(second.cursor.position), []);
    // Nodes coming or going move positions: readers start over.
    cache.addNode(node('n5'));
    cache.updateSnapshot();
    assert.equal(snap.changesSince(second.cursor).indexes, undefined);
    assert.deepEqual(
      snap.list().map((n) => n.slot),
      [0, 1, 2, 3, 4, 5],
    );
  });

  it('keeps pods of a node that went away until they go too', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    cache.addPod(pod('a', 'n1'));
    cache.removeNode(node('n1'));
    assert.equal(cache.updateSnapshot().get('n1'), undefined);
    assert.equal(cache.nodeInfo('n1')?.pods.length, 1);
    cache.addNode(node('n1'));
    assert.equal(cache.updateSnapshot().get('n1')?.pods.length, 1, 'the pod is still counted when the node returns');
    cache.removeNode(node('n1'));
    cache.removePod(pod('a', 'n1'));
    assert.equal(cache.nodeInfo('n1'), undefined);
  });

  it('counts pods that arrive before their node', () => {
    const cache = new SchedulerCache();
    cache.addPod(pod('a', 'late'));
    assert.equal(cache.updateSnapshot().numNodes, 0);
    cache.addNode(node('late'));
    assert.equal(cache.updateSnapshot().get('late')?.pods.length, 1);
  });

  it('lists nodes with (anti-)affinity pods', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('n1'));
    cache.addNode(node('n2'));
    cache.updateSnapshot();
    cache.addPod(pod('a', 'n2', '100m', true));
    const snap = cache.updateSnapshot();
    assert.deepEqual(snap.havePodsWithAffinityList().map((n) => n.name), ['n2']);
    assert.deepEqual(snap.havePodsWithRequiredAntiAffinityList().map((n) => n.name), ['n2']);
    cache.removePod(pod('a', 'n2', '100m', true));
    assert.deepEqual(cache.updateSnapshot().havePodsWithAffinityList(), []);
  });
});

describe('NodeTree', () => {
  it('interleaves zones', () => {
    const tree = new NodeTree();
    for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['c1', 'c'], ['c2', 'c']] as const) tree.add(node(name, zone));
    assert.deepEqual(tree.list(), ['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    tree.remove('b1');
    assert.deepEqual(tree.list(), ['a1', 'c1', 'a2', 'c2', 'a3']);
    assert.equal(tree.update(node('a3', 'a'), node('a3', 'b')), true);
    assert.deepEqual(tree.list(), ['a1', 'c1', 'a3', 'a2', 'c2']);
  });
});
