// Leader election between candidates on one API server, on a fake clock: exactly one
// leads, a released lease is taken over at the next retry, and a leader that can no
// longer renew is replaced only after the lease duration (and after it stood down).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../api/types.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../testing/index.js';
import { FakeClock } from './clock.js';
import { LeaderElector, microTime, type LeaderElectorOptions } from './leaderelection.js';
import { Resources } from './resources.js';
import type { ApiClient } from './types.js';

checkLeaksAfterAll();

interface Candidate {
  readonly elector: LeaderElector;
  readonly log: string[];
  /** Clock times at which it started and stopped leading. */
  readonly started: number[];
  readonly stopped: number[];
  readonly signals: AbortSignal[];
  readonly newLeaders: string[];
  readonly errors: unknown[];
  readonly done: Promise<void>;
}

/** A client whose calls fail while `broken` is set, as when a server loses its datastore. */
function breakable(client: ApiClient): { client: ApiClient; broken: { value: boolean } } {
  const broken = { value: false };
  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (broken.value ? Promise.reject(new Error('connection refused')) : (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { client: wrapped, broken };
}

describe('LeaderElector', () => {
  let cp: TestControlPlane;
  let clock: FakeClock;
  const candidates: Candidate[] = [];

  before(async () => {
    clock = new FakeClock();
    cp = await startControlPlane({ clock, builtinControllers: false });
  });
  after(async () => {
    await Promise.all(candidates.map((c) => c.elector.stop()));
    await cp?.close();
  });

  function candidate(identity: string, lease: string, overrides: Partial<LeaderElectorOptions> = {}): Candidate {
    const log: string[] = [];
    const started: number[] = [];
    const stopped: number[] = [];
    const signals: AbortSignal[] = [];
    const newLeaders: string[] = [];
    const errors: unknown[] = [];
    const elector = new LeaderElector({
      client: cp.client,
      name: lease,
      identity,
      clock,
      onStartedLeading: (signal) => {
        started.push(clock.now());
        signals.push(signal);
        log.push('started');
      },
      onStoppedLeading: () => {
        stopped.push(clock.now());
        log.push('stopped');
      },
      onNewLeader: (id) => newLeaders.push(id),
      onError: (err) => errors.push(err),
      ...overrides,
    });
    const c = { elector, log, started, stopped, signals, newLeaders, errors, done: elector.run() };
    candidates.push(c);
    return c;
  }

  /** Lets every candidate finish its in-flight requests, so it waits on the fake clock again. */
  async function settle(...cs: Candidate[]): Promise<void> {
    await eventually(() => assert.ok(cs.every((c) => c.elector.waiting), 'candidates still busy'), { timeoutMs: 5000, intervalMs: 1 });
  }

  /** Advances the fake clock in small steps, settling after each, until `until` holds or ms passed. */
  async function advance(ms: number, cs: Candidate[], until?: () => boolean): Promise<void> {
    const end = clock.now() + ms;
    while (clock.now() < end && !until?.()) {
      clock.advance(Math.min(100, end - clock.now()));
      await settle(...cs);
    }
  }

  const leaders = (cs: Candidate[]) => cs.filter((c) => c.elector.isLeader).map((c) => c.elector.identity);
  const getLease = (name: string) => cp.client.get<Lease & KubeObject>(Resources.leases, 'kube-system', name);

  it('elects exactly one of two candidates and keeps renewing its lease', async () => {
    const a = candidate('a', 'one-leader');
    const b = candidate('b', 'one-leader');
    await settle(a, b);
    const [leader] = leaders([a, b]);
    assert.equal(leaders([a, b]).length, 1);
    for (let i = 0; i < 30; i++) {
      await advance(2000, [a, b]);
      assert.deepEqual(leaders([a, b]), [leader]);
    }
    const lease = await getLease('one-leader');
    assert.equal(lease.spec?.holderIdentity, leader);
    assert.equal(lease.spec?.leaseDurationSeconds, 15);
    assert.equal(lease.spec?.leaseTransitions, 0);
    assert.match(lease.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(clock.now() - Date.parse(lease.spec?.renewTime ?? '') <= 2000 + 100, `renewed lately: ${lease.spec?.renewTime}`);
    assert.ok(Date.parse(lease.spec?.acquireTime ?? '') < Date.parse(lease.spec?.renewTime ?? ''), 'acquireTime stays at the start of the term');
    assert.deepEqual([a.newLeaders, b.newLeaders], [[leader], [leader]]);
    assert.deepEqual([...a.log, ...b.log], ['started']);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
    await Promise.all([a.done, b.done]);
  });

  it('hands over promptly when the leader stops and releases the lease', async () => {
    const a = candidate('a', 'release', { random: () => 1 });
    await settle(a);
    assert.ok(a.elector.isLeader);
    const b = candidate('b', 'release', { random: () => 1 });
    await settle(b);
    assert.equal(b.elector.isLeader, false);

    await a.elector.stop();
    await a.elector.stop(); // idempotent
    assert.deepEqual(a.log, ['started', 'stopped']);
    assert.ok(a.signals[0]?.aborted, 'the leadership signal aborts on stop');
    const released = await getLease('release');
    assert.equal(released.spec?.holderIdentity ?? '', '');

    // b's next try comes at most retryPeriod * (1 + 1.2) later, not a lease duration later.
    const before = clock.now();
    await advance(10_000, [b], () => b.elector.isLeader);
    assert.ok(b.elector.isLeader);
    assert.ok(clock.now() - before <= 4400 + 100, `took over after ${clock.now() - before} ms`);
    const taken = await getLease('release');
    assert.equal(taken.spec?.holderIdentity, 'b');
    assert.equal(taken.spec?.leaseTransitions, 1);
    assert.deepEqual(b.newLeaders, ['a', 'b']);
    await b.elector.stop();
  });

  it('replaces a leader that cannot renew only after the lease duration, once it stood down', async () => {
    const flaky = breakable(cp.client);
    const a = candidate('a', 'expiry', { client: flaky.client });
    await settle(a);
    assert.ok(a.elector.isLeader);
    const b = candidate('b', 'expiry');
    await advance(3000, [a, b]);
    assert.ok(a.elector.isLeader && !b.elector.isLeader);

    const lastRenewal = Date.parse((await getLease('expiry')).spec?.renewTime ?? '');
    flaky.broken.value = true;
    await advance(40_000, [a, b], () => b.elector.isLeader);
    assert.ok(b.elector.isLeader, 'b took over');
    const takeover = b.started[0]!;
    assert.ok(takeover - lastRenewal >= 15_000, `b took over ${takeover - lastRenewal} ms after the last renewal`);
    assert.ok(takeover - lastRenewal <= 15_000 + 2000 + 4400 + 200, `b waited ${takeover - lastRenewal} ms`);
    // a gave up after its renew deadline, before b could take over.
    assert.deepEqual(a.log, ['started', 'stopped']);
    assert.ok(a.stopped[0]! <= lastRenewal + 2000 + 10_000 + 100, `a stood down ${a.stopped[0]! - lastRenewal} ms after its last renewal`);
    assert.ok(a.stopped[0]! < takeover);
    assert.ok(a.signals[0]?.aborted);
    assert.ok(a.errors.length > 0, 'the failed renewals are reported');
    const lease = await getLease('expiry');
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec?.leaseTransitions, 1);

    // Once it can reach the server again, a stands by as a candidate: b keeps the lease.
    flaky.broken.value = false;
    await advance(20_000, [a, b]);
    assert.deepEqual(leaders([a, b]), ['b']);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
    assert.equal(clock.pending, 0, 'no timers left behind');
  });

  it('rejects timings client-go rejects and writes MicroTime', () => {
    const base = { client: cp.client, name: 'x', identity: 'i', onStartedLeading: () => {}, onStoppedLeading: () => {} };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration must be greater than renewDeadline/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2000, retryPeriodMs: 2000 }), /renewDeadline must be greater than retryPeriod\*1.2/);
    assert.throws(() => new LeaderElector({ ...base, identity: '' }), /identity is required/);
    assert.equal(microTime(Date.parse('2026-01-01T00:00:00.123Z')), '2026-01-01T00:00:00.123000Z');
  });
});
