import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { QueueingHint } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, summarize } from '../helper/testing.js';
import { ERR_REASON_UNSCHEDULABLE, NodeUnschedulable } from './index.js';

checkLeaksAfterAll();

describe('NodeUnschedulable', () => {
  const plugin = new NodeUnschedulable();
  const snapshot = new TestSnapshot([makeNode('cordoned').unschedulable().obj(), makeNode('open').obj()]);
  const rejected = `UnschedulableAndUnresolvable: ${ERR_REASON_UNSCHEDULABLE}`;

  const cases = [
    { name: 'plain pod stays off cordoned nodes', pod: makePod('p').obj(), want: { cordoned: rejected, open: 'ok' } },
    {
      name: 'pod tolerating the unschedulable taint fits',
      pod: makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).obj(),
      want: { cordoned: 'ok', open: 'ok' },
    },
    {
      name: 'a toleration for another effect does not help',
      pod: makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }).obj(),
      want: { cordoned: rejected, open: 'ok' },
    },
    { name: 'tolerate everything', pod: makePod('p').toleration({ operator: 'Exists' }).obj(), want: { cordoned: 'ok', open: 'ok' } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(summarize(runFilter(plugin, c.pod, snapshot)), c.want));
  }

  it('queues pods when a node is uncordoned', () => {
    const nodeHint = plugin.eventsToRegister()[0]?.hint;
    assert.ok(nodeHint);
    const pod = makePod('p').obj();
    assert.equal(nodeHint(pod, makeNode('n').unschedulable().obj(), makeNode('n').obj()), QueueingHint.Queue);
    assert.equal(nodeHint(pod, makeNode('n').obj(), makeNode('n').unschedulable().obj()), QueueingHint.Skip);
    assert.equal(nodeHint(pod, undefined, makeNode('n').obj()), QueueingHint.Queue);
  });
});
