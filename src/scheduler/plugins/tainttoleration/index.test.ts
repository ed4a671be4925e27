import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { QueueingHint } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, runScore, summarize } from '../helper/testing.js';
import { TaintToleration } from './index.js';

checkLeaksAfterAll();

function podWith(tolerations: Toleration[]) {
  const b = makePod('p');
  for (const t of tolerations) b.toleration(t);
  return b.obj();
}

function nodeWith(name: string, taints: Taint[]) {
  const b = makeNode(name);
  for (const t of taints) b.taint(t);
  return b.obj();
}

describe('TaintToleration filter', () => {
  const plugin = new TaintToleration();
  const cases: { name: string; tolerations: Toleration[]; taints: Taint[]; want: string }[] = [
    { name: 'untainted node', tolerations: [], taints: [], want: 'ok' },
    {
      name: 'untolerated NoSchedule taint',
      tolerations: [],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'tolerated by key and value',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user1', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'ok',
    },
    {
      name: 'value differs',
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'user2', effect: 'NoSchedule' }],
      taints: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {dedicated: user1}',
    },
    {
      name: 'Exists tolerates any value',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }],
      want: 'ok',
    },
    {
      name: 'empty effect tolerates every effect',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoExecute' }],
      want: 'ok',
    },
    {
      name: 'NoExecute is checked too',
      tolerations: [{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }],
      taints: [{ key: 'foo', value: 'bar', effect: 'NoExecute' }],
      want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {foo: bar}',
    },
    {
      name: 'PreferNoSchedule never rejects',
      tolerations: [],
      taints: [{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }],
      want: 'ok',
    },
    {
      name: 'taint without value',
      tolerations: [],
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }],
      want: 'UnschedulableAndUnresolvable: node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const snapshot = new TestSnapshot([nodeWith('n1', c.taints)]);
      assert.equal(summarize(runFilter(plugin, podWith(c.tolerations), snapshot)).n1, c.want);
    });
  }
});

describe('TaintToleration score', () => {
  const plugin = new TaintToleration();

  it('prefers nodes whose PreferNoSchedule taints the pod tolerates', () => {
    const pod = podWith([{ key: 'foo', operator: 'Equal', value: 'bar', effect: 'PreferNoSchedule' }]);
    const snapshot = new TestSnapshot([
      nodeWith('a', [{ key: 'foo', value: 'bar', effect: 'PreferNoSchedule' }]),
      nodeWith('b', [{ key: 'foo', value: 'blah', effect: 'PreferNoSchedule' }]),
    ]);
    assert.deepEqual(runScore(plugin, pod, snapshot.list()), { a: 100, b: 0 });
  });

  it('ranks by the number of untolerated PreferNoSchedule taints, reversed', () => {
    const pod = podWith([{ key: 'cpu-type', operator: 'Equal', value: 'arm64', effect: 'PreferNoSchedule' }]);
    const snapshot = new TestSnapshot([
      nodeWith('none', []),
      nodeWith('one', [{ key: 'cpu-type', value: 'arm64', effect: 'PreferNoSchedule' }, { key: 'disk', value: 'hdd', effect: 'PreferNoSchedule' }]),
      nodeWith('two', [{ key: 'disk', value: 'hdd', effect: 'PreferNoSchedule' }, { key: 'x', value: 'y', effect: 'PreferNoSchedule' }]),
      nodeWith('noschedule', [{ key: 'disk', value: 'hdd', effect: 'NoSchedule' }]),
    ]);
    assert.deepEqual(runScore(plugin, pod, snapshot.list()), { none: 100, one: 50, two: 0, noschedule: 100 });
  });

  it('scores every node 100 when no node has untolerated taints', () => {
    const snapshot = new TestSnapshot([nodeWith('a', []), nodeWith('b', [])]);
    assert.deepEqual(runScore(plugin, podWith([]), snapshot.list()), { a: 100, b: 100 });
  });
});

describe('TaintToleration queueing hints', () => {
  const plugin = new TaintToleration();
  const nodeHint = plugin.eventsToRegister()[0]?.hint;
  const podHint = plugin.eventsToRegister()[2]?.hint;

  it('queues when a taint the pod did not tolerate is removed', () => {
    assert.ok(nodeHint);
    const pod = podWith([]);
    const tainted = nodeWith('n', [{ key: 'foo', value: 'bar', effect: 'NoSchedule' }]);
    assert.equal(nodeHint(pod, tainted, nodeWith('n', [])), QueueingHint.Queue);
    assert.equal(nodeHint(pod, nodeWith('n', []), tainted), QueueingHint.Skip);
    assert.equal(nodeHint(pod, undefined, tainted), QueueingHint.Skip);
    assert.equal(nodeHint(pod, undefined, nodeWith('n', [])), QueueingHint.Queue);
  });

  it('queues the pod itself when its tolerations change', () => {
    assert.ok(podHint);
    const pod = podWith([]);
    assert.equal(podHint(pod, pod, { ...pod, spec: { ...pod.spec, containers: [], tolerations: [{ operator: 'Exists' }] } }), QueueingHint.Queue);
    assert.equal(podHint(pod, undefined, makePod('other').obj()), QueueingHint.Skip);
  });
});
