import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { QueueingHint } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, summarize } from '../helper/testing.js';
import { ERR_REASON, NodePorts } from './index.js';

checkLeaksAfterAll();

describe('NodePorts', () => {
  const plugin = new NodePorts();
  const rejected = `Unschedulable: ${ERR_REASON}`;

  const cases = [
    { name: 'pod without host ports skips the plugin', existing: [[8080, 'TCP', '']], pod: makePod('p').req({ cpu: '1' }), want: 'Skip' },
    { name: 'other port', existing: [[8080, 'TCP', '']], pod: makePod('p').hostPort(9090), want: 'ok' },
    { name: 'same port', existing: [[8080, 'TCP', '']], pod: makePod('p').hostPort(8080), want: rejected },
    { name: 'same port, other protocol', existing: [[8080, 'UDP', '']], pod: makePod('p').hostPort(8080, 'TCP'), want: 'ok' },
    { name: 'same port, other IPs', existing: [[8080, 'TCP', '127.0.0.1']], pod: makePod('p').hostPort(8080, 'TCP', '127.0.0.2'), want: 'ok' },
    { name: 'same port and IP', existing: [[8080, 'TCP', '127.0.0.1']], pod: makePod('p').hostPort(8080, 'TCP', '127.0.0.1'), want: rejected },
    { name: 'wanted 0.0.0.0 clashes with a used IP', existing: [[8080, 'TCP', '127.0.0.1']], pod: makePod('p').hostPort(8080), want: rejected },
    { name: 'used 0.0.0.0 clashes with a wanted IP', existing: [[8080, 'TCP', '']], pod: makePod('p').hostPort(8080, 'TCP', '10.0.0.1'), want: rejected },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const holder = makePod('holder').node('n1');
      for (const [port, protocol, ip] of c.existing) holder.hostPort(port, protocol, ip);
      const snapshot = new TestSnapshot([makeNode('n1').obj()], [holder.obj()]);
      assert.equal(summarize(runFilter(plugin, c.pod.obj(), snapshot)).n1, c.want);
    });
  }

  it('queues a pod when a placed pod holding one of its ports is deleted', () => {
    const hint = plugin.eventsToRegister().find((e) => e.event.resource === 'Pod')?.hint;
    assert.ok(hint);
    const pod = makePod('p').hostPort(8080).obj();
    assert.equal(hint(pod, makePod('q').node('n1').hostPort(8080).obj(), undefined), QueueingHint.Queue);
    assert.equal(hint(pod, makePod('q').node('n1').hostPort(9090).obj(), undefined), QueueingHint.Skip);
    assert.equal(hint(pod, makePod('q').hostPort(8080).obj(), undefined), QueueingHint.Skip);
  });
});
