import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../client/index.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { DueQueue } from './duequeue.js';
import { nodeAddressing, zoneOf } from './nodeobject.js';
import { parseGoDuration, runDurationMs, exitCode } from './podstatus.js';

checkLeaksAfterAll();

describe('simulated node pieces', () => {
  it('parses Go durations as time.ParseDuration does', () => {
    assert.equal(parseGoDuration('5s'), 5000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('2m30s'), 150_000);
    assert.equal(parseGoDuration('1h'), 3_600_000);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('5'), undefined);
    assert.equal(parseGoDuration('-1s'), undefined);
    assert.equal(parseGoDuration('soon'), undefined);
  });

  it('reads the run duration and exit code annotations, with defaults', () => {
    const pod = (annotations?: Record<string, string>) => ({ metadata: { name: 'p', ...(annotations ? { annotations } : {}) } });
    assert.equal(runDurationMs(pod(), 1000), 1000);
    assert.equal(runDurationMs(pod({ 'skiff.dev/simulated-duration': '3s' }), 1000), 3000);
    assert.equal(runDurationMs(pod({ 'skiff.dev/simulated-duration': 'bad' }), 1000), 1000);
    assert.equal(exitCode(pod()), 0);
    assert.equal(exitCode(pod({ 'skiff.dev/simulated-exit-code': '3' })), 3);
  });

  it('gives each node its own address and pod /24, and spreads zones', () => {
    assert.deepEqual(nodeAddressing(0), { internalIP: '10.64.0.1', podCIDR: '10.128.0.0/24', podPrefix: '10.128.0' });
    assert.deepEqual(nodeAddressing(4999), { internalIP: '10.64.19.136', podCIDR: '10.147.135.0/24', podPrefix: '10.147.135' });
    const cidrs = new Set(Array.from({ length: 5000 }, (_, i) => nodeAddressing(i).podCIDR));
    assert.equal(cidrs.size, 5000);
    assert.deepEqual([0, 1, 2, 3].map((i) => zoneOf(i, 3)), ['zone-a', 'zone-b', 'zone-c', 'zone-a']);
  });

  it('fires many deadlines from one timer, in order, batching those close together', () => {
    const clock = new FakeClock(0);
    const fired: string[][] = [];
    const queue = new DueQueue(clock, (keys) => fired.push(keys), 100);
    queue.set('c', 3000);
    queue.set('a', 1000);
    queue.set('b', 1050);
    queue.set('d', 5000);
    queue.set('d', 2000); // moved earlier
    assert.equal(clock.pending, 1, 'one timer for all deadlines');
    clock.advance(999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [['a', 'b']]);
    queue.delete('c');
    clock.advance(5000);
    assert.deepEqual(fired, [['a', 'b'], ['d']]);
    assert.equal(queue.size, 0);
    queue.set('e', 9000);
    queue.close();
    assert.equal(clock.pending, 0, 'closing cancels the timer');
  });
});
