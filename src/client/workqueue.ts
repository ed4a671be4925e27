// A rate-limited work queue in client-go's shape: a key is queued at most once
// (dirty set), never handed to two workers at once (processing set), re-queued
// after processing if it was added meanwhile, with per-item exponential backoff
// and forget-on-success.

import { realClock, type Clock } from './clock.js';

export interface WorkQueueOptions {
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly clock?: Clock;
  /**
   * Coalesces bursts: a key is handed out at most once per this many ms, later adds
   * wait for the interval. It bounds how often a busy object is reconciled
   * (throughput, in real time), so it applies only on the real clock: tests on a
   * fake clock see every add at once.
   */
  readonly minIntervalMs?: number;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { cancel(): void; at: number }>();
  private waiters: Array<(key: K | undefined) => void> = [];
  private shuttingDown = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly handedOut = new Map<K, number>();
  private readonly coalescing = new Map<K, NodeJS.Timeout>();

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 1000_000;
    this.clock = options.clock ?? realClock;
    this.minIntervalMs = this.clock === realClock ? (options.minIntervalMs ?? 0) : 0;
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    if (this.minIntervalMs > 0 && this.deferred(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.handOut(key);
      waiter(key);
    } else this.queue.push(key);
  }

  /** Whether an add must wait out the key's minimum interval (a timer re-adds it then). */
  private deferred(key: K): boolean {
    if (this.coalescing.has(key)) return true;
    const last = this.handedOut.get(key);
    if (last === undefined) return false;
    const wait = last + this.minIntervalMs - Date.now();
    if (wait <= 0) {
      this.handedOut.delete(key);
      return false;
    }
    const timer = setTimeout(() => {
      this.coalescing.delete(key);
      this.handedOut.delete(key);
      this.add(key);
    }, wait);
    this.coalescing.set(key, timer);
    return true;
  }

  private handOut(key: K): void {
    this.processing.add(key);
    if (this.minIntervalMs <= 0) return;
    this.handedOut.set(key, Date.now());
    if (this.handedOut.size > 4096) {
      const stale = Date.now() - this.minIntervalMs;
      for (const [k, at] of this.handedOut) if (at < stale) this.handedOut.delete(k);
    }
  }

  /** Adds the key after a delay (keeps the earliest of several pending delays). */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { cancel: () => timer.cancel(), at });
  }

  /** Re-adds a key after its exponential backoff (5 ms doubling, capped). */
  addRateLimited(key: K): void {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs));
  }

  /** Clears a key's backoff after it was processed successfully. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.handOut(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile it goes back in the queue. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const pending of this.delayed.values()) pending.cancel();
    this.delayed.clear();
    for (const timer of this.coalescing.values()) clearTimeout(timer);
    this.coalescing.clear();
    for (const waiter of this.waiters) waiter(undefined);
    this.waiters = [];
  }
}

/** Runs `workers` loops taking keys from the queue until it shuts down. */
export async function runWorkers<K>(queue: WorkQueue<K>, workers: number, reconcile: (key: K) => Promise<void>, onError: (key: K, err: unknown) => void): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (;;) {
        const key = await queue.get();
        if (key === undefined) return;
        try {
          await reconcile(key);
          queue.forget(key);
        } catch (err) {
          onError(key, err);
          queue.addRateLimited(key);
        } finally {
          queue.done(key);
        }
      }
    }),
  );
}
