import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../testing/index.js';
import { WorkQueue } from './workqueue.js';
import type { Clock } from './clock.js';

checkLeaksAfterAll();

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + ms, fn, cancelled: false };
      timers.push(timer);
      return { cancel: () => (timer.cancelled = true) };
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now && !t.cancelled);
      timers = timers.filter((t) => t.at > now && !t.cancelled);
      for (const t of due) t.fn();
    },
  };
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    q.shutDown();
  });

  it('never hands a key being processed to another worker, and re-queues it after', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a'); // changed while processing
    assert.equal(q.length, 0);
    q.done(key!);
    assert.equal(q.length, 1);
    assert.equal(await q.get(), 'a');
    q.shutDown();
  });

  it('backs off exponentially per key and forgets on success', () => {
    const clock = fakeClock();
    const q = new WorkQueue({ baseDelayMs: 10, clock });
    q.addRateLimited('a');
    q.addRateLimited('a');
    assert.equal(q.retries('a'), 2);
    clock.advance(9);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
    q.forget('a');
    assert.equal(q.retries('a'), 0);
    q.shutDown();
  });

  it('wakes a waiting worker and ends waiters on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    const ended = q.get();
    q.shutDown();
    assert.equal(await ended, undefined);
  });
});

describe('WorkQueue minIntervalMs', () => {
  it('hands a busy key out at most once per interval, keeping the last add', async () => {
    const queue = new WorkQueue<string>({ minIntervalMs: 40 });
    queue.add('rs');
    const first = await queue.get();
    queue.done(first!);
    const started = Date.now();
    for (let i = 0; i < 100; i++) queue.add('rs');
    queue.add('other');
    assert.equal(await queue.get(), 'other', 'other keys are not held back');
    queue.done('other');
    assert.equal(await queue.get(), 'rs');
    assert.ok(Date.now() - started >= 35, 'the burst waited out the interval');
    queue.done('rs');
    assert.equal(queue.length, 0, 'a hundred adds became one hand-out');
    queue.shutDown();
  });
});
