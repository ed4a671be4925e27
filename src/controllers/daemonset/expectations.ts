// Bookkeeping the DaemonSet controller keeps between syncs: expectations (the pod
// creates and deletes it is still waiting to see in its cache, so a stale cache does
// not make it act twice) and the back-off for deleting failed pods on a node.

import type { Clock } from '../../client/index.js';

/** controller.ExpectationsTimeout: expectations older than this no longer block a sync. */
const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  timestamp: number;
}

/**
 * controller.ControllerExpectations as the DaemonSet controller uses it: creates and
 * deletes are expected together (SetExpectations) and counted, not tracked by key
 * like common's UID-tracking expectations.
 */
export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: Clock) {}

  /** Satisfied when nothing is expected, everything expected was seen, or the expectations expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || this.clock.now() - e.timestamp > EXPECTATIONS_TTL_MS;
  }

  set(key: string, add: number, del: number): void {
    this.byKey.set(key, { add, del, timestamp: this.clock.now() });
  }

  lower(key: string, add: number, del: number): void {
    const e = this.byKey.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}

interface BackoffEntry {
  delayMs: number;
  lastUpdate: number;
}

/** flowcontrol.Backoff: per-key exponential delay, 1 s doubling to 15 min, forgotten after twice the maximum. */
export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(
    private readonly clock: Clock,
    private readonly initialMs = 1000,
    private readonly maxMs = 15 * 60_000,
  ) {}

  /** The current delay of key (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Starts or doubles key's delay, counting from now. */
  next(key: string): void {
    const now = this.clock.now();
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastUpdate > 2 * this.maxMs) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else this.entries.set(key, { delayMs: Math.min(entry.delayMs * 2, this.maxMs), lastUpdate: now });
  }

  /** IsInBackOffSinceUpdate: key's delay has not yet passed since its last update. */
  inBackoff(key: string): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && this.clock.now() - entry.lastUpdate < entry.delayMs;
  }

  /** GC: forgets keys whose delay ran out long ago. */
  gc(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (now - entry.lastUpdate > 2 * this.maxMs) this.entries.delete(key);
  }
}
