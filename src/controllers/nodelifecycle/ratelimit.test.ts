import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { computeZoneState, RateLimitedTimedQueue, TokenBucket } from './ratelimit.js';

checkLeaksAfterAll();

describe('node lifecycle rate limiting', () => {
  it('accepts one token at once, then one per 1/qps seconds', () => {
    const bucket = new TokenBucket(0.1, 0);
    assert.equal(bucket.tryAccept(0), true);
    assert.equal(bucket.tryAccept(5_000), false);
    assert.equal(bucket.msUntilToken(5_000), 5_000);
    assert.equal(bucket.tryAccept(10_000), true);
    const never = new TokenBucket(0, 0);
    assert.equal(never.tryAccept(1e9), false);
    assert.equal(never.msUntilToken(0), Infinity);
  });

  it('taints one node per token, in order, and keeps done nodes as members until removed', async () => {
    const queue = new RateLimitedTimedQueue(0.1, 0);
    const done: string[] = [];
    const taint = async ({ value }: { value: string }) => {
      done.push(value);
      return { done: true } as const;
    };
    assert.equal(queue.add('a', 'uid-a', 0), true);
    assert.equal(queue.add('b', 'uid-b', 1), true);
    assert.equal(queue.add('a', 'uid-a', 2), false, 'no duplicates');
    assert.equal(await queue.try(() => 10, taint), 10_000, 'the next token is 10 s away');
    assert.deepEqual(done, ['a']);
    assert.equal(await queue.try(() => 10_010, taint), Infinity);
    assert.deepEqual(done, ['a', 'b']);
    assert.equal(queue.add('a', 'uid-a', 20_000), false, 'a processed node stays a member');
    assert.equal(queue.remove('a'), true);
    assert.equal(queue.add('a', 'uid-a', 20_000), true);
  });

  it('retries a failed value later and stops when the rate is swapped to 0', async () => {
    const queue = new RateLimitedTimedQueue(1, 0);
    queue.add('a', '', 0);
    assert.equal(await queue.try(() => 0, async () => ({ done: false, retryAfterMs: 500 })), 501);
    assert.equal(queue.isPending('a'), true);
    queue.swapLimiter(0, 1_000);
    assert.equal(await queue.try(() => 1_000, async () => ({ done: true })), Infinity);
    assert.equal(queue.isPending('a'), true, 'nothing is processed at rate 0');
  });

  it('computes zone states as upstream does', () => {
    assert.equal(computeZoneState([true, true, false], 0.55).state, 'Normal');
    assert.equal(computeZoneState([false], 0.55).state, 'FullDisruption');
    assert.equal(computeZoneState([false, false], 0.55).state, 'FullDisruption');
    assert.equal(computeZoneState([true, false, false], 0.55).state, 'Normal', 'two not-ready nodes are never partial disruption');
    assert.equal(computeZoneState([true, false, false, false], 0.55).state, 'PartialDisruption');
    assert.equal(computeZoneState([true, true, true, false, false, false, false], 0.55).state, 'PartialDisruption');
    assert.equal(computeZoneState([true, true, true, true, false, false, false], 0.55).state, 'Normal');
  });
});
