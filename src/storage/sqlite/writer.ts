// The main thread's side of the write path: queues CAS operations, sends them to the
// writer thread in batches (group commit) and turns the replies into results and
// watch events. One request is in flight at a time; while the worker commits batch N,
// new operations gather into batch N+1, which leaves as soon as N's reply arrives,
// before N's results are processed (pipelining). Keeping a single request in flight
// makes batches as large as the load allows, which is what amortises the fsync.

import { Worker } from 'node:worker_threads';
import type { CasResult } from '../backend.js';
import { errors, StorageError } from '../errors.js';
import type { KeyValue, WatchEvent } from '../types.js';
import { fromWire } from './errors.js';
import {
  OP_PUT,
  OP_REMOVE,
  type BatchReply,
  type OpKind,
  type RowVersion,
  type WriterInit,
  type WriterReply,
  type WriterRequest,
} from './protocol.js';

export interface WriterLimits {
  /** Most operations in one transaction. */
  readonly maxBatchOps: number;
  /** Most value bytes in one transaction (a single larger value still goes alone). */
  readonly maxBatchBytes: number;
  /** Rows examined per compaction transaction. */
  readonly compactionChunkRows: number;
}

export interface WriterStats {
  /** Durable commits of write batches (a batch whose CAS checks all failed commits nothing). */
  readonly commits: number;
  /** Batches sent to the writer thread. */
  readonly batches: number;
  /** Operations sent. */
  readonly ops: number;
  readonly largestBatch: number;
  /** Transactions run by compaction. */
  readonly compactionCommits: number;
}

interface QueuedOp {
  readonly kind: OpKind;
  readonly key: string;
  /** The caller's bytes, copied when queued; null for a remove. */
  readonly value: Uint8Array | null;
  readonly expected: number;
  readonly resolve: (result: CasResult) => void;
  readonly reject: (err: Error) => void;
}

interface CompactionJob {
  readonly revision: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

type InFlight =
  | { readonly kind: 'batch'; readonly id: number; readonly ops: readonly QueuedOp[] }
  | { readonly kind: 'compact'; readonly id: number; readonly job: CompactionJob }
  | { readonly kind: 'close'; readonly id: number; readonly done: () => void };

export interface WriterListener {
  /** Each commit's events (revision order) and the revision after it, before callers resume. */
  onCommit(events: readonly WatchEvent[], revision: number): void;
  /** The writer thread died or misbehaved: no commit will be reported any more. */
  onBroken(err: StorageError): void;
}

const WORKER_URL = new URL('./writer-worker.js', import.meta.url);
const CLOSE_TIMEOUT_MS = 10_000;

function toKv(key: string, version: RowVersion): KeyValue {
  return { key, value: version.value, createRevision: version.createRevision, modRevision: version.revision };
}

export class SqliteWriter {
  private pending: QueuedOp[] = [];
  private readonly compactions: CompactionJob[] = [];
  private inFlight: InFlight | undefined;
  private nextId = 1;
  private scheduled = false;
  /** Alternates compaction chunks with write batches so neither starves. */
  private lastWasCompaction = false;
  private closing = false;
  private broken: StorageError | undefined;
  private drainWaiters: Array<() => void> = [];
  private referenced = true;
  private commits = 0;
  private batches = 0;
  private opsSent = 0;
  private largestBatch = 0;
  private compactionCommits = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly path: string,
    private readonly limits: WriterLimits,
    private readonly listener: WriterListener,
  ) {
    worker.on('message', (reply: WriterReply) => this.onReply(reply));
    worker.on('error', (err: Error) => this.fail(`the writer thread failed: ${err.message}`));
    worker.on('exit', (code: number) => {
      if (this.inFlight?.kind === 'close') this.inFlight.done();
      else this.fail(`the writer thread exited (code ${code})`);
    });
    this.setReferenced(false);
  }

  /** Starts the writer thread; resolves once it has opened the file. */
  static start(init: WriterInit, limits: WriterLimits, listener: WriterListener): Promise<SqliteWriter> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { workerData: init });
      const doing = `sqlite store ${init.path}: start the writer thread`;
      const settle = (err: StorageError | undefined) => {
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (!err) {
          resolve(new SqliteWriter(worker, init.path, limits, listener));
          return;
        }
        void worker.terminate();
        reject(err);
      };
      const onMessage = (reply: WriterReply) => {
        if (reply.type === 'ready') settle(undefined);
        else if (reply.type === 'startFailed') settle(fromWire(reply.error, doing));
        else settle(new StorageError('Unavailable', `${doing}: unexpected first reply ${reply.type}`));
      };
      const onError = (err: Error) => settle(new StorageError('Unavailable', `${doing} failed: ${err.message}`, { cause: err }));
      const onExit = (code: number) => settle(new StorageError('Unavailable', `${doing} failed: the thread exited (code ${code})`));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    });
  }

  /** Why writes fail now, if the writer thread is gone. */
  get failure(): StorageError | undefined {
    return this.broken;
  }

  getStats(): WriterStats {
    return {
      commits: this.commits,
      batches: this.batches,
      ops: this.opsSent,
      largestBatch: this.largestBatch,
      compactionCommits: this.compactionCommits,
    };
  }

  put(key: string, value: Uint8Array, expected: number): Promise<CasResult> {
    // Copied now: the caller may reuse its buffer before the batch leaves.
    return this.enqueue(OP_PUT, key, new Uint8Array(value), expected);
  }

  remove(key: string, expected: number): Promise<CasResult> {
    return this.enqueue(OP_REMOVE, key, null, expected);
  }

  private enqueue(kind: OpKind, key: string, value: Uint8Array | null, expected: number): Promise<CasResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing) return Promise.reject(errors.closed());
    return new Promise((resolve, reject) => {
      this.pending.push({ kind, key, value, expected, resolve, reject });
      this.schedule();
    });
  }

  /** Compacts to `revision` in bounded chunks interleaved with write batches. */
  compact(revision: number): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing) return Promise.reject(errors.closed());
    return new Promise((resolve, reject) => {
      this.compactions.push({ revision, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Sends on the next microtask rather than at once, so that operations queued in the
   * same tick (Promise.all of many writes) share the first batch.
   */
  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight || this.broken) return;
    if (this.closing) {
      // Compaction left unfinished resumes with the next compact() after reopening.
      for (const job of this.compactions.splice(0)) job.reject(errors.closed());
    }
    const compactionTurn = this.compactions.length > 0 && (this.pending.length === 0 || !this.lastWasCompaction);
    if (compactionTurn) this.sendCompaction(this.compactions[0]!);
    else if (this.pending.length > 0) this.sendBatch();
    else this.idle();
  }

  private idle(): void {
    this.setReferenced(false);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** An idle store must not keep the process alive; a pending write must. */
  private setReferenced(on: boolean): void {
    if (on === this.referenced) return;
    this.referenced = on;
    if (on) this.worker.ref();
    else this.worker.unref();
  }

  private send(inFlight: InFlight, request: WriterRequest): void {
    this.inFlight = inFlight;
    this.setReferenced(true);
    this.worker.postMessage(request);
  }

  private sendBatch(): void {
    let count = 0;
    let bytes = 0;
    while (count < this.pending.length && count < this.limits.maxBatchOps) {
      const size = this.pending[count]!.value?.byteLength ?? 0;
      if (count > 0 && bytes + size > this.limits.maxBatchBytes) break;
      bytes += size;
      count++;
    }
    const ops = count === this.pending.length ? this.pending : this.pending.slice(0, count);
    this.pending = count === this.pending.length ? [] : this.pending.slice(count);
    const id = this.nextId++;
    this.lastWasCompaction = false;
    this.batches++;
    this.opsSent += ops.length;
    this.largestBatch = Math.max(this.largestBatch, ops.length);
    this.send(
      { kind: 'batch', id, ops },
      {
        type: 'batch',
        id,
        kinds: ops.map((op) => op.kind),
        keys: ops.map((op) => op.key),
        expected: ops.map((op) => op.expected),
        values: ops.map((op) => op.value),
      },
    );
  }

  private sendCompaction(job: CompactionJob): void {
    const id = this.nextId++;
    this.lastWasCompaction = true;
    this.send({ kind: 'compact', id, job }, { type: 'compact', id, revision: job.revision, chunkRows: this.limits.compactionChunkRows });
  }

  private onReply(reply: WriterReply): void {
    const inFlight = this.inFlight;
    if (!inFlight || !('id' in reply) || reply.id !== inFlight.id) {
      this.fail(`the writer thread sent an unexpected ${reply.type} reply`);
      return;
    }
    if (inFlight.kind === 'close') {
      inFlight.done();
      return;
    }
    this.inFlight = undefined;
    if (inFlight.kind === 'compact') {
      this.completeCompaction(inFlight.job, reply);
      this.pump();
      return;
    }
    // Pipelining: the next batch leaves before this reply is processed.
    this.pump();
    if (reply.type === 'batch') this.completeBatch(inFlight.ops, reply);
    else if (reply.type === 'failed') this.rejectAll(inFlight.ops, fromWire(reply.error, `sqlite store ${this.path}: commit of ${inFlight.ops.length} write(s)`));
    else this.fail(`the writer thread answered a batch with ${reply.type}`, inFlight.ops);
  }

  private completeBatch(ops: readonly QueuedOp[], reply: BatchReply): void {
    if (reply.committed) this.commits++;
    const results: CasResult[] = [];
    const events: WatchEvent[] = [];
    if (reply.outcomes.length !== ops.length) {
      this.fail(`the writer thread answered ${ops.length} write(s) with ${reply.outcomes.length} outcome(s)`, ops);
      return;
    }
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const outcome = reply.outcomes[i]!;
      if (!outcome.ok) {
        results.push({ succeeded: false, current: outcome.current ? toKv(op.key, outcome.current) : undefined, revision: reply.revision });
        continue;
      }
      const prevKv = outcome.prev ? toKv(op.key, outcome.prev) : undefined;
      if (op.kind === OP_PUT) {
        const kv: KeyValue = { key: op.key, value: op.value!, createRevision: outcome.createRevision, modRevision: outcome.revision };
        events.push(prevKv ? { type: 'MODIFIED', kv, prevKv } : { type: 'ADDED', kv });
        results.push({ succeeded: true, kv, prevKv });
      } else {
        const kv: KeyValue = { key: op.key, value: prevKv!.value, createRevision: outcome.createRevision, modRevision: outcome.revision };
        events.push({ type: 'DELETED', kv, prevKv });
        results.push({ succeeded: true, kv, prevKv });
      }
    }
    try {
      // Watchers see a commit before its writers resume, as with the memory backend.
      this.listener.onCommit(events, reply.revision);
    } finally {
      for (let i = 0; i < ops.length; i++) ops[i]!.resolve(results[i]!);
    }
  }

  private completeCompaction(job: CompactionJob, reply: WriterReply): void {
    if (reply.type === 'compact') {
      this.compactionCommits++;
      if (!reply.done) return;
      job.resolve();
    } else if (reply.type === 'failed') {
      job.reject(fromWire(reply.error, `sqlite store ${this.path}: compaction to revision ${job.revision}`));
    } else {
      this.fail(`the writer thread answered a compaction with ${reply.type}`);
      return;
    }
    const index = this.compactions.indexOf(job);
    if (index >= 0) this.compactions.splice(index, 1);
  }

  private rejectAll(ops: readonly QueuedOp[], err: Error): void {
    for (const op of ops) op.reject(err);
  }

  /**
   * The writer thread is gone or confused: every queued and future write fails. Writes
   * that were with the thread may have committed; their callers are told so.
   */
  private fail(why: string, unanswered: readonly QueuedOp[] = []): void {
    if (this.broken) {
      this.rejectAll(unanswered, this.broken);
      return;
    }
    const err = new StorageError('Unavailable', `sqlite store ${this.path}: ${why}`);
    this.broken = err;
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    const uncertain = [...unanswered, ...(inFlight?.kind === 'batch' ? inFlight.ops : [])];
    this.rejectAll(uncertain, new StorageError('Unavailable', `${err.message}; the write may or may not have been committed`));
    if (inFlight?.kind === 'close') inFlight.done();
    this.rejectAll(this.pending, err);
    this.pending = [];
    for (const job of this.compactions.splice(0)) job.reject(err);
    this.idle();
    void this.worker.terminate();
    this.listener.onBroken(err);
  }

  /** Stops taking work and waits until every queued write has been answered. */
  async drain(): Promise<void> {
    this.closing = true;
    this.pump();
    if (!this.inFlight && this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  /** Closes the write connection and ends the thread. Call after drain(). */
  async shutdown(): Promise<void> {
    if (!this.broken) {
      const id = this.nextId++;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
        this.send({ kind: 'close', id, done: () => (clearTimeout(timer), resolve()) }, { type: 'close', id });
      });
      this.inFlight = undefined;
    }
    this.broken ??= errors.closed();
    this.setReferenced(false);
    await this.worker.terminate();
  }
}
