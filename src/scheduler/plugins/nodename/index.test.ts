import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { QueueingHint } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, summarize } from '../helper/testing.js';
import { ERR_REASON, NodeName } from './index.js';

checkLeaksAfterAll();

describe('NodeName', () => {
  const plugin = new NodeName();
  const snapshot = new TestSnapshot([makeNode('foo').obj(), makeNode('bar').obj()]);

  it('admits every node when the pod names none', () => {
    assert.deepEqual(summarize(runFilter(plugin, makePod('p').obj(), snapshot)), { foo: 'ok', bar: 'ok' });
  });

  it('admits only the named node', () => {
    const pod = makePod('p').node('foo').obj();
    assert.deepEqual(summarize(runFilter(plugin, pod, snapshot)), { foo: 'ok', bar: `UnschedulableAndUnresolvable: ${ERR_REASON}` });
  });

  it('queues the pod only when its node is added', () => {
    const hint = plugin.eventsToRegister()[0]?.hint;
    assert.ok(hint);
    const pod = makePod('p').node('foo').obj();
    assert.equal(hint(pod, undefined, makeNode('foo').obj()), QueueingHint.Queue);
    assert.equal(hint(pod, undefined, makeNode('bar').obj()), QueueingHint.Skip);
  });
});
