// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection
// package does it: a candidate takes the lease when it is free or when its record
// has not changed for leaseDuration *by the candidate's own clock* (no clock skew
// between servers matters), the leader renews every retryPeriod and gives up when
// it could not renew for renewDeadline. Writes carry the resourceVersion they read,
// so of two racing candidates exactly one wins.
//
// Unlike client-go's Run, run() goes back to being a candidate after losing the
// lease, until stop(): a server that lost a renewal race keeps standing by.

import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import type { KubeObject } from '../api/types.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import type { EventRecorder } from './events.js';
import { Resources } from './resources.js';
import { isAlreadyExists, isConflict, isNotFound, type ApiClient } from './types.js';

export interface LeaderElectorOptions {
  readonly client: ApiClient;
  /** Namespace of the Lease (default kube-system). */
  readonly namespace?: string;
  /** Name of the Lease, e.g. "kube-scheduler". */
  readonly name: string;
  /** This candidate's identity, unique among candidates (upstream: hostname_uuid). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  /** Called when this candidate becomes leader; signal aborts when it stops leading. */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Called after this candidate stopped leading (lost the lease or was stopped). */
  readonly onStoppedLeading: () => void;
  /** Called when a (different) holder is observed, including this candidate. */
  readonly onNewLeader?: (identity: string) => void;
  /** Records client-go's "LeaderElection" events on the Lease. */
  readonly recorder?: EventRecorder;
  /** Unexpected failures (I/O, bugs); lost races are expected and not reported. */
  readonly onError?: (err: unknown) => void;
  /** Random() source for the acquire retry jitter (tests may pin it). */
  readonly random?: () => number;
}

/** client-go's JitterFactor for acquire retries: wait retryPeriod * (1 + random * 1.2). */
export const JITTER_FACTOR = 1.2;

/** metav1.MicroTime in JSON: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The parts of a lease spec leader election compares, as client-go's LeaderElectionRecord. */
function recordOf(spec: LeaseSpec | undefined): LeaseSpec {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    ...(spec?.acquireTime ? { acquireTime: spec.acquireTime } : {}),
    ...(spec?.renewTime ? { renewTime: spec.renewTime } : {}),
    leaseTransitions: spec?.leaseTransitions ?? 0,
  };
}

export class LeaderElector {
  private readonly client: ApiClient;
  private readonly namespace: string;
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly random: () => number;

  /** The lease as last read or written (its resourceVersion guards the next write). */
  private lease: Lease | undefined;
  private observed: LeaseSpec = recordOf(undefined);
  private observedRaw = '';
  /** When this candidate last saw the record change: expiry counts from here. */
  private observedTime = 0;
  private reportedLeader = '';

  private stopped = false;
  private loop: Promise<void> | undefined;
  private leading = false;
  private sleeping: { timer: TimerHandle; wake: () => void } | undefined;
  private inFlight = 0;

  constructor(private readonly options: LeaderElectorOptions) {
    this.client = options.client;
    this.namespace = options.namespace ?? 'kube-system';
    this.clock = options.clock ?? realClock;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.random = options.random ?? Math.random;
    // client-go's NewLeaderElector checks.
    if (!options.identity) throw new Error('leader election: identity is required');
    if (!options.name) throw new Error('leader election: lease name is required');
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leader election: leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) throw new Error(`leader election: renewDeadline must be greater than retryPeriod*${JITTER_FACTOR}`);
    if (this.retryPeriodMs < 1) throw new Error('leader election: retryPeriod must be positive');
  }

  get identity(): string {
    return this.options.identity;
  }

  /** Whether this candidate holds the lease (as last observed). */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the lease as last observed ('' when free or unknown). */
  get leader(): string {
    return this.observed.holderIdentity ?? '';
  }

  /** True while the elector waits on its clock between attempts (tests step a FakeClock by it). */
  get waiting(): boolean {
    return this.stopped ? this.inFlight === 0 : this.sleeping !== undefined && this.inFlight === 0;
  }

  /** Campaigns, leads and campaigns again until stop(); resolves once stopped (and released). */
  run(): Promise<void> {
    this.loop ??= this.campaign();
    return this.loop;
  }

  /** Stops campaigning, gives the lease up if held, and waits for run() to finish. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  private async campaign(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.acquire())) break;
      const leadership = new AbortController();
      this.leading = true;
      this.record('became leader');
      this.guard(() => this.options.onStartedLeading(leadership.signal));
      await this.renew();
      this.leading = false;
      leadership.abort();
      this.record('stopped leading');
      if (this.stopped) await this.release();
      this.guard(() => this.options.onStoppedLeading());
    }
  }

  /** Tries at once, then every retryPeriod with jitter, until it holds the lease; false if stopped first. */
  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      const acquired = await this.attempt();
      if (acquired) return true;
      await this.sleep(this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR));
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal round missed its deadline, or on stop. */
  private async renew(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.renewWithinDeadline())) return;
      await this.sleep(this.retryPeriodMs);
    }
  }

  /** One renewal round: retry every retryPeriod until a renewal succeeds or renewDeadline passes. */
  private async renewWithinDeadline(): Promise<boolean> {
    const deadline = this.clock.now() + this.renewDeadlineMs;
    while (!this.stopped) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return false;
      // A request that hangs past the deadline counts as a failed round.
      const missed = this.sleep(remaining).then(() => false);
      const renewed = await Promise.race([this.attempt(), missed]);
      this.wake();
      if (renewed) return true;
      if (this.stopped) return true;
      const left = deadline - this.clock.now();
      if (left <= 0) return false;
      await this.sleep(Math.min(this.retryPeriodMs, left));
    }
    return true;
  }

  private async attempt(): Promise<boolean> {
    this.inFlight++;
    try {
      return await this.tryAcquireOrRenew();
    } catch (err) {
      this.options.onError?.(err);
      return false;
    } finally {
      this.inFlight--;
      this.reportTransition();
    }
  }

  /** client-go's tryAcquireOrRenew: true when this candidate holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const desired: LeaseSpec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };

    // Fast path: a leader with a valid lease writes over what it last wrote.
    if (this.holdsObserved() && this.isLeaseValid(now) && this.lease) {
      const renewal = { ...desired, ...this.keptFields() };
      if (await this.write(this.lease, renewal)) return true;
    }

    let current: Lease;
    try {
      current = await this.client.get<Lease & KubeObject>(Resources.leases, this.namespace, this.options.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        const created = await this.client.create<Lease & KubeObject>(Resources.leases, this.namespace, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.name, namespace: this.namespace },
          spec: desired,
        });
        this.observe(created, true);
        return true;
      } catch (createErr) {
        if (isAlreadyExists(createErr)) return false;
        throw createErr;
      }
    }

    this.observe(current, false);
    if (this.observed.holderIdentity && this.isLeaseValid(now) && !this.holdsObserved()) return false;
    const takeover = this.holdsObserved() ? this.keptFields() : { leaseTransitions: (this.observed.leaseTransitions ?? 0) + 1 };
    return this.write(current, { ...desired, ...takeover });
  }

  /** A renewal keeps the acquire time and transition count of the current term. */
  private keptFields(): Pick<LeaseSpec, 'acquireTime' | 'leaseTransitions'> {
    return {
      ...(this.observed.acquireTime ? { acquireTime: this.observed.acquireTime } : {}),
      leaseTransitions: this.observed.leaseTransitions ?? 0,
    };
  }

  /** Updates the lease guarded by base's resourceVersion; false when another writer won. */
  private async write(base: Lease, spec: LeaseSpec): Promise<boolean> {
    const next = structuredClone(base) as Lease & KubeObject;
    next.spec = { ...(base.spec ?? {}), ...spec };
    try {
      this.observe(await this.client.update<Lease & KubeObject>(Resources.leases, this.namespace, next), true);
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  /** Remembers the lease; the observation time moves only when the record changed (or we wrote it). */
  private observe(lease: Lease, ownWrite: boolean): void {
    this.lease = lease;
    const record = recordOf(lease.spec);
    const raw = JSON.stringify(record);
    if (ownWrite || raw !== this.observedRaw) {
      this.observed = record;
      this.observedRaw = raw;
      this.observedTime = this.clock.now();
    }
  }

  private holdsObserved(): boolean {
    return this.observed.holderIdentity === this.options.identity;
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + (this.observed.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  /** ReleaseOnCancel: clear the holder so a successor need not wait out the lease. */
  private async release(): Promise<void> {
    if (!this.holdsObserved() || !this.lease) return;
    const now = this.clock.now();
    this.inFlight++;
    try {
      await this.write(this.lease, {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: this.observed.leaseTransitions ?? 0,
      });
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.inFlight--;
    }
  }

  private reportTransition(): void {
    const holder = this.observed.holderIdentity ?? '';
    if (!holder || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    const onNewLeader = this.options.onNewLeader;
    if (onNewLeader) this.guard(() => onNewLeader(holder));
  }

  private record(what: string): void {
    if (!this.options.recorder) return;
    const subject: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(this.lease?.metadata ?? { name: this.options.name, namespace: this.namespace }) } as KubeObject['metadata'],
    };
    this.options.recorder.event(subject, 'Normal', 'LeaderElection', `${this.options.identity} ${what}`);
  }

  private guard(callback: () => void): void {
    try {
      callback();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** Waits ms on the clock; stop() wakes it early. */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: this.clock.setTimeout(wake, ms), wake };
    });
  }

  private wake(): void {
    const sleeping = this.sleeping;
    if (!sleeping) return;
    sleeping.timer.cancel();
    sleeping.wake();
  }
}
