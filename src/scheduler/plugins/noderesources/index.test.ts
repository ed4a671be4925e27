import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { SchedulerCache } from '../../cache.js';
import type { MutableNodeInfo } from '../../framework/nodeinfo.js';
import { Code, QueueingHint, type Status } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, runScore, summarize, type PodBuilder } from '../helper/testing.js';
import { NodeResourcesBalancedAllocation, NodeResourcesFit } from './index.js';

checkLeaksAfterAll();

describe('NodeResourcesFit filter', () => {
  // Allocatable 10m cpu, 20 bytes of memory, 32 pods, 5 example.com/aaa, 20 bytes of ephemeral storage.
  const node = () => makeNode('n1').allocatable({ cpu: '10m', memory: '20', pods: '32', 'example.com/aaa': '5', 'ephemeral-storage': '20' });
  const cases: { name: string; pod: PodBuilder; existing?: PodBuilder[]; pods?: string; args?: ConstructorParameters<typeof NodeResourcesFit>[0]; want: string }[] = [
    { name: 'a pod without requests always fits', pod: makePod('p').req(), existing: [makePod('e').req({ cpu: '10m', memory: '20' })], want: 'ok' },
    { name: 'fits exactly', pod: makePod('p').req({ cpu: '1m', memory: '1' }), existing: [makePod('e').req({ cpu: '9m', memory: '19' })], want: 'ok' },
    {
      name: 'too many resources: every shortage is listed',
      pod: makePod('p').req({ cpu: '1m', memory: '1' }),
      existing: [makePod('e').req({ cpu: '10m', memory: '20' })],
      want: 'Unschedulable: Insufficient cpu, Insufficient memory',
    },
    {
      name: 'the largest init container counts',
      pod: makePod('p').req({ cpu: '1m', memory: '1' }).initReq({ cpu: '3m', memory: '1' }),
      existing: [makePod('e').req({ cpu: '8m', memory: '19' })],
      want: 'Unschedulable: Insufficient cpu',
    },
    {
      name: 'sidecars add up with the containers',
      pod: makePod('p').req({ cpu: '1m' }).initReq({ cpu: '2m' }, 'Always'),
      existing: [makePod('e').req({ cpu: '8m' })],
      want: 'Unschedulable: Insufficient cpu',
    },
    {
      name: 'overhead counts',
      pod: makePod('p').req({ memory: '1' }).overhead({ memory: '2' }),
      existing: [makePod('e').req({ memory: '18' })],
      want: 'Unschedulable: Insufficient memory',
    },
    { name: 'more than the node has at all is unresolvable', pod: makePod('p').req({ cpu: '11m' }), want: 'UnschedulableAndUnresolvable: Insufficient cpu' },
    { name: 'too many pods', pod: makePod('p').req(), existing: [makePod('e').req()], pods: '1', want: 'Unschedulable: Too many pods' },
    { name: 'extended resource', pod: makePod('p').req({ 'example.com/aaa': '3' }), existing: [makePod('e').req({ 'example.com/aaa': '3' })], want: 'Unschedulable: Insufficient example.com/aaa' },
    { name: 'extended resource the node lacks', pod: makePod('p').req({ 'example.com/bbb': '1' }), want: 'UnschedulableAndUnresolvable: Insufficient example.com/bbb' },
    { name: 'ignored extended resource', pod: makePod('p').req({ 'example.com/bbb': '1' }), args: { ignoredResources: ['example.com/bbb'] }, want: 'ok' },
    { name: 'ignored resource group', pod: makePod('p').req({ 'example.com/bbb': '1' }), args: { ignoredResourceGroups: ['example.com'] }, want: 'ok' },
    { name: 'ephemeral storage', pod: makePod('p').req({ 'ephemeral-storage': '15' }), existing: [makePod('e').req({ 'ephemeral-storage': '10' })], want: 'Unschedulable: Insufficient ephemeral-storage' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const n = node();
      if (c.pods) n.allocatable({ ...n.obj().status?.allocatable, pods: c.pods });
      const snapshot = new TestSnapshot([n.obj()], (c.existing ?? []).map((e) => e.node('n1').obj()));
      assert.equal(summarize(runFilter(new NodeResourcesFit(c.args), c.pod.obj(), snapshot)).n1, c.want);
    });
  }
});

describe('NodeResourcesFit score', () => {
  const nodes = () =>
    new TestSnapshot([makeNode('n1').allocatable({ cpu: '4000m', memory: '10000', pods: '110' }).obj(), makeNode('n2').allocatable({ cpu: '6000m', memory: '10000', pods: '110' }).obj()]);

  it('LeastAllocated favours free capacity', () => {
    const pod = makePod('p').req({ cpu: '3000m', memory: '5000' }).obj();
    // n1: cpu 25, memory 50 -> 37; n2: cpu 50, memory 50 -> 50.
    assert.deepEqual(runScore(new NodeResourcesFit(), pod, nodes().list()), { n1: 37, n2: 50 });
  });

  it('MostAllocated favours full nodes', () => {
    const pod = makePod('p').req({ cpu: '3000m', memory: '5000' }).obj();
    assert.deepEqual(runScore(new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } }), pod, nodes().list()), { n1: 62, n2: 50 });
  });

  it('counts pods without requests at the non-zero defaults', () => {
    const snapshot = new TestSnapshot([makeNode('n').allocatable({ cpu: '1000m', memory: '1000Mi' }).obj()], [makePod('e').node('n').req().obj()]);
    // Node: 100m + 200Mi used by e; the pod adds the same: cpu 80, memory 60 -> 70.
    assert.deepEqual(runScore(new NodeResourcesFit(), makePod('p').req().obj(), snapshot.list()), { n: 70 });
  });

  it('weights resources', () => {
    const fit = new NodeResourcesFit({ scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }] } });
    const pod = makePod('p').req({ cpu: '3000m', memory: '5000' }).obj();
    // n1: (25*3 + 50) / 4 = 31; n2: 50.
    assert.deepEqual(runScore(fit, pod, nodes().list()), { n1: 31, n2: 50 });
  });

  it('ignores extended resources the pod does not request', () => {
    const fit = new NodeResourcesFit({ scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'example.com/gpu', weight: 1 }] } });
    const snapshot = new TestSnapshot([makeNode('n').allocatable({ cpu: '1000m', 'example.com/gpu': '4' }).obj()]);
    assert.deepEqual(runScore(fit, makePod('p').req({ cpu: '500m' }).obj(), snapshot.list()), { n: 50 });
    assert.deepEqual(runScore(fit, makePod('p').req({ cpu: '500m', 'example.com/gpu': '1' }).obj(), snapshot.list()), { n: 62 });
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  const plugin = new NodeResourcesBalancedAllocation();

  it('favours nodes whose cpu and memory fractions stay close', () => {
    const snapshot = new TestSnapshot([
      makeNode('n1').allocatable({ cpu: '4000m', memory: '10000' }).obj(),
      makeNode('n2').allocatable({ cpu: '6000m', memory: '10000' }).obj(),
    ]);
    const pod = makePod('p').req({ cpu: '3000m', memory: '5000' }).obj();
    // n1: 0.75 vs 0.5 -> std 0.125 -> 87; n2: 0.5 vs 0.5 -> 100.
    assert.deepEqual(runScore(plugin, pod, snapshot.list()), { n1: 87, n2: 100 });
  });

  it('counts what pods on the node actually request', () => {
    const snapshot = new TestSnapshot([makeNode('n').allocatable({ cpu: '4000m', memory: '10000' }).obj()], [makePod('e').node('n').req({ cpu: '1000m' }).obj()]);
    const pod = makePod('p').req({ cpu: '1000m', memory: '5000' }).obj();
    // 0.5 vs 0.5 -> 100.
    assert.deepEqual(runScore(plugin, pod, snapshot.list()), { n: 100 });
  });

  it('skips best-effort pods', () => {
    const snapshot = new TestSnapshot([makeNode('n').allocatable({ cpu: '4000m', memory: '10000' }).obj()]);
    assert.equal((runScore(plugin, makePod('p').req().obj(), snapshot.list()) as Status).code, Code.Skip);
  });
});

describe('resource scores across cycles', () => {
  it('scores snapshot nodes like fresh copies while pods land on them and requests vary', () => {
    const cache = new SchedulerCache();
    for (let i = 0; i < 6; i++) cache.addNode(makeNode(`n${i}`).allocatable({ cpu: '4', memory: '8Gi', pods: '110' }).obj());
    const plugins = [new NodeResourcesFit(), new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } }), new NodeResourcesBalancedAllocation()];
    const small = makePod('small').req({ cpu: '250m', memory: '512Mi' }).obj();
    const large = makePod('large').req({ cpu: '1', memory: '1Gi' }).obj();
    const wide = makePod('wide').req({ cpu: '250m', memory: '2Gi' }).obj();
    const tall = makePod('tall').req({ cpu: '1', memory: '2Gi' }).obj();
    let placed = 0;
    for (const [pod, onto] of [[small, 'n0'], [small, 'n0'], [large, 'n3'], [small, 'n5'], [wide, 'n2'], [tall, 'n1'], [large, 'n0']] as const) {
      const snapshot = cache.updateSnapshot();
      // Copies outside the snapshot (slot -1) are always scored from scratch.
      const copies = snapshot.list().map((n) => (n as MutableNodeInfo).clone());
      for (const plugin of plugins) {
        assert.deepEqual(runScore(plugin, pod, snapshot.list()), runScore(plugin, pod, copies), `${plugin.name} before ${pod.metadata?.name} on ${onto}`);
      }
      cache.addPod({ ...pod, metadata: { ...pod.metadata, name: `placed-${placed}`, uid: `placed-${placed++}` }, spec: { ...pod.spec!, nodeName: onto } });
    }
  });
});

describe('NodeResourcesFit queueing hints', () => {
  const events = new NodeResourcesFit().eventsToRegister();
  const podHint = events.find((e) => e.event.resource === 'Pod' && e.event.action === 'Delete')?.hint;
  const nodeHint = events.find((e) => e.event.resource === 'Node')?.hint;
  const pod = makePod('p').req({ cpu: '2' }).obj();

  it('queues on deletion of an assigned pod only', () => {
    assert.ok(podHint);
    assert.equal(podHint(pod, makePod('e').node('n').obj(), undefined), QueueingHint.Queue);
    assert.equal(podHint(pod, makePod('e').obj(), undefined), QueueingHint.Skip);
  });

  it('queues on a node that can hold the pod, or grew in what it requests', () => {
    assert.ok(nodeHint);
    const small = makeNode('n').allocatable({ cpu: '1', pods: '10' }).obj();
    const big = makeNode('n').allocatable({ cpu: '4', pods: '10' }).obj();
    const bigger = makeNode('n').allocatable({ cpu: '8', pods: '10' }).obj();
    assert.equal(nodeHint(pod, undefined, small), QueueingHint.Skip);
    assert.equal(nodeHint(pod, undefined, big), QueueingHint.Queue);
    assert.equal(nodeHint(pod, small, big), QueueingHint.Queue);
    assert.equal(nodeHint(pod, big, bigger), QueueingHint.Queue);
    assert.equal(nodeHint(pod, bigger, makeNode('n').allocatable({ cpu: '8', pods: '10' }).labels({ a: 'b' }).obj()), QueueingHint.Skip);
  });
});
