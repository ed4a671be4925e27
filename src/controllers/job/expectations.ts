// Expectations (pkg/controller/controller_utils.go ControllerExpectations and the
// Job controller's uidTrackingExpectations): what a controller wrote but its
// informer caches have not shown yet, so a sync on a stale cache does not create
// pods twice or count a pod whose finalizer is already gone.

import type { Clock } from '../../client/index.js';

/** ExpectationsTimeout: stale expectations are ignored after 5 minutes. */
const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Pending {
  adds: number;
  deletes: number;
  since: number;
}

export class ControllerExpectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly clock: Clock) {}

  /** True when nothing is pending for key (or what is pending has expired). */
  satisfied(key: string): boolean {
    const entry = this.pending.get(key);
    if (!entry) return true;
    if (entry.adds <= 0 && entry.deletes <= 0) return true;
    return this.clock.now() - entry.since > EXPECTATIONS_TIMEOUT_MS;
  }

  expectCreations(key: string, count: number): void {
    this.pending.set(key, { adds: count, deletes: 0, since: this.clock.now() });
  }

  expectDeletions(key: string, count: number): void {
    this.pending.set(key, { adds: 0, deletes: count, since: this.clock.now() });
  }

  creationObserved(key: string): void {
    const entry = this.pending.get(key);
    if (entry) entry.adds--;
  }

  deletionObserved(key: string): void {
    const entry = this.pending.get(key);
    if (entry) entry.deletes--;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}

/** Pod UIDs per Job whose tracking finalizer removal the pod informer has not shown yet. */
export class UidExpectations {
  private readonly uids = new Map<string, Set<string>>();

  expected(key: string): ReadonlySet<string> {
    return this.uids.get(key) ?? new Set();
  }

  expectRemoved(key: string, uids: readonly string[]): void {
    let set = this.uids.get(key);
    if (!set) this.uids.set(key, (set = new Set()));
    for (const uid of uids) set.add(uid);
  }

  observed(key: string, uid: string): void {
    const set = this.uids.get(key);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.uids.delete(key);
  }

  forget(key: string): void {
    this.uids.delete(key);
  }
}
