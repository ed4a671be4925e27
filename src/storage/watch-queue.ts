// The consumer end of a watch, shared by every backend: a bounded queue of events
// read as an async iterable of batches. A producer that outruns the consumer by more
// than the bound ends the watch with TooSlow instead of growing without limit or
// holding up other watchers.

import { errors, StorageError } from './errors.js';
import type { WatchEvent, Watcher } from './types.js';

export const DEFAULT_WATCH_BUFFER = 10_000;

export class WatchQueue implements Watcher {
  readonly startRevision: number;
  /** Highest revision pushed or marked as progress (for dedupe). */
  private lastRevision: number;
  /** lastRevision as of the last batch handed to the consumer. */
  private deliveredRevision: number;
  private buffer: WatchEvent[] = [];
  private failure: StorageError | undefined;
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly onStop: (() => void) | undefined;
  private readonly capacity: number;
  private readonly progressNotify: boolean;
  private progressPending = false;

  constructor(startRevision: number, options: { bufferSize?: number; progressNotify?: boolean; onStop?: () => void } = {}) {
    this.startRevision = startRevision;
    this.lastRevision = startRevision;
    this.deliveredRevision = startRevision;
    this.capacity = options.bufferSize ?? DEFAULT_WATCH_BUFFER;
    this.progressNotify = options.progressNotify ?? false;
    this.onStop = options.onStop;
  }

  /** Everything up to this revision has been handed to the consumer. */
  get progressRevision(): number {
    return this.deliveredRevision;
  }

  get stopped(): boolean {
    return this.ended;
  }

  /** Queues events in revision order; events at or below the last revision are dropped (dedupe). */
  push(events: readonly WatchEvent[]): void {
    if (this.ended) return;
    for (const event of events) {
      if (event.kv.modRevision <= this.lastRevision) continue;
      this.lastRevision = event.kv.modRevision;
      this.buffer.push(event);
    }
    if (this.buffer.length > this.capacity) {
      this.fail(errors.tooSlow());
      return;
    }
    this.signal();
  }

  /** Records that everything up to `revision` has been seen (no events for this watcher). */
  progress(revision: number): void {
    if (revision <= this.lastRevision || this.ended) return;
    this.lastRevision = revision;
    if (this.progressNotify && !this.progressPending) {
      this.progressPending = true;
      this.signal();
    }
  }

  fail(error: StorageError): void {
    if (this.ended) return;
    this.failure = error;
    this.buffer = [];
    this.finish();
  }

  stop(): void {
    if (this.ended) return;
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.signal();
    this.onStop?.();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<readonly WatchEvent[]> {
    try {
      for (;;) {
        if (this.buffer.length > 0) {
          const batch = this.buffer;
          this.buffer = [];
          this.progressPending = false;
          this.deliveredRevision = this.lastRevision;
          yield batch;
          continue;
        }
        if (this.progressPending) {
          // An empty batch: progressRevision moved without events for this watcher.
          this.progressPending = false;
          this.deliveredRevision = this.lastRevision;
          yield [];
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // A consumer that breaks out of the loop stops the watch.
      this.stop();
    }
  }
}
