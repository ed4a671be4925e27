// The SQLite Backend: reads on the main thread's read connection, writes through the
// writer thread, watch events fanned out from the writer's replies.

import type { Backend, CasResult, RangeResult } from '../backend.js';
import { errors, StorageError } from '../errors.js';
import type { GetResult } from '../types.js';
import type { WatchQueue } from '../watch-queue.js';
import type { Reader } from './reader.js';
import type { WatchHub } from './watch-hub.js';
import type { SqliteWriter, WriterStats } from './writer.js';

export interface SqliteStats extends WriterStats {
  /** Watch feeds currently registered. */
  readonly watchers: number;
}

export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  private closed = false;
  private writer: SqliteWriter | undefined;

  constructor(
    private readonly reader: Reader,
    private readonly hub: WatchHub,
  ) {}

  /** Set once the writer thread runs; the writer needs the hub first, hence two steps. */
  attachWriter(writer: SqliteWriter): void {
    this.writer = writer;
  }

  private open(): SqliteWriter {
    if (this.closed || !this.writer) throw errors.closed();
    return this.writer;
  }

  stats(): SqliteStats {
    const writer = this.writer?.getStats() ?? { commits: 0, batches: 0, ops: 0, largestBatch: 0, compactionCommits: 0 };
    return { ...writer, watchers: this.hub.size };
  }

  async get(key: string, revision: number): Promise<GetResult> {
    this.open();
    return this.reader.get(key, revision);
  }

  put(key: string, value: Uint8Array, expected: number): Promise<CasResult> {
    try {
      return this.open().put(key, value, expected);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  remove(key: string, expected: number): Promise<CasResult> {
    try {
      return this.open().remove(key, expected);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async range(startKey: string, end: string, revision: number, limit: number): Promise<RangeResult> {
    this.open();
    return this.reader.range(startKey, end, revision, limit);
  }

  async count(startKey: string, end: string): Promise<number> {
    this.open();
    return this.reader.count(startKey, end);
  }

  watch(startKey: string, end: string, fromRevision: number, queue: WatchQueue): () => void {
    const unusable = this.closed ? errors.closed() : this.writer?.failure;
    if (unusable) {
      // No commit would ever reach this watch.
      queue.fail(unusable);
      return () => {};
    }
    let current: number;
    try {
      // Synchronous: no commit can be published between the backlog read and the
      // registration below. Commits the backlog already holds arrive again from the
      // writer's replies and the queue drops them (it ignores revisions it has passed).
      current = this.reader.catchUp(startKey, end, fromRevision, (events) => {
        queue.push(events);
        return !queue.stopped;
      });
    } catch (err) {
      queue.fail(err instanceof StorageError ? err : new StorageError('Unavailable', String(err)));
      return () => {};
    }
    if (queue.stopped) return () => {};
    queue.progress(current);
    return this.hub.add(startKey, end, queue);
  }

  async currentRevision(): Promise<number> {
    this.open();
    return this.reader.currentRevision();
  }

  async compact(revision: number): Promise<void> {
    const writer = this.open();
    const state = this.reader.compactionState();
    if (revision > state.current) throw errors.futureRevision(revision, state.current);
    // Nothing to record and nothing left to clean from an earlier, interrupted run.
    if (revision <= state.compacted && state.cleaned >= state.compacted) return;
    await writer.compact(revision);
  }

  async compactedRevision(): Promise<number> {
    this.open();
    return this.reader.compactionState().compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const writer = this.writer;
    // Queued writes were accepted: let them commit and answer before closing.
    await writer?.drain();
    this.hub.clear();
    // The reader closes first so that the writer's connection is the last one and
    // checkpoints the WAL into the main file on close.
    this.reader.close();
    await writer?.shutdown();
  }
}
