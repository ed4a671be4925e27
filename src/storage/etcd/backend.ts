// The etcd v3 backend: each Backend primitive is one etcd request (a txn for the
// compare-and-swaps). Revisions are etcd's own; keys are stored as they are.
//
// The compacted revision is kept where kube-apiserver keeps it, in the key
// `compact_rev_key` (outside /registry/) as a decimal string, so several Skiff
// servers sharing one etcd (the HA mode) agree on it.

import { CompareResult, CompareTarget, type Etcd3, type IResponseHeader } from 'etcd3';
import type { Backend, CasResult, RangeResult } from '../backend.js';
import { errors, StorageError } from '../errors.js';
import type { GetResult, KeyValue } from '../types.js';
import type { WatchQueue } from '../watch-queue.js';
import { isCompactedError, isFutureRevisionError, isTransient, neverSent, toBuffer, toKeyValue, toStorageError } from './client.js';
import { EtcdWatch, WatchStreamMux } from './watch.js';

export const COMPACT_REV_KEY = 'compact_rev_key';
const COMPACT_KEY = Buffer.from(COMPACT_REV_KEY);

/**
 * Attempts for a call that failed on its connection: reads on any connection failure,
 * writes only when the request was never sent. Enough for etcd3's circuit breaker
 * (open after three failures in a row) to steer the last attempts to a live member.
 */
const ATTEMPTS = 5;
const RETRY_DELAY_MS = 50;
/** Attempts to record the compacted revision against concurrent recorders. */
const RECORD_ATTEMPTS = 10;
const PROBE_ATTEMPT_MS = 1_000;
const PROBE_RETRY_DELAY_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function modEquals(key: Buffer, revision: number) {
  return { key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: revision };
}

export class EtcdBackend implements Backend {
  readonly name = 'etcd';
  private closed = false;
  /** Highest revision any response has shown this client: where a watch "from now" starts. */
  private lastSeen = 0;
  private readonly watches = new Set<EtcdWatch>();
  private readonly watchStream: WatchStreamMux;

  constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
  ) {
    this.watchStream = new WatchStreamMux(client);
  }

  private observe(header: IResponseHeader): number {
    const revision = Number(header.revision);
    if (revision > this.lastSeen) this.lastSeen = revision;
    return revision;
  }

  /** Runs an etcd call, retrying it when that is safe (see ATTEMPTS). Throws etcd's error as is. */
  private async call<T>(idempotent: boolean, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw errors.closed();
      try {
        return await request();
      } catch (err) {
        if (this.closed) throw errors.closed();
        const retry = idempotent ? isTransient(err) : neverSent(err);
        if (!retry || attempt >= ATTEMPTS) throw err;
      }
      await sleep(RETRY_DELAY_MS * attempt);
    }
  }

  /** A read at `revision`, with etcd's compaction and future-revision refusals mapped. */
  private async readAt<T>(operation: string, revision: number, request: () => Promise<T>, key?: string): Promise<T> {
    try {
      return await this.call(true, request);
    } catch (err) {
      if (revision > 0 && isCompactedError(err)) throw errors.expired(revision, await this.compactedRevision());
      if (revision > 0 && isFutureRevisionError(err)) throw errors.futureRevision(revision, await this.currentRevision());
      throw toStorageError(operation, this.endpoints, err, key);
    }
  }

  private async write<T>(operation: string, request: () => Promise<T>, key?: string): Promise<T> {
    try {
      return await this.call(false, request);
    } catch (err) {
      throw toStorageError(operation, this.endpoints, err, key);
    }
  }

  /**
   * Checks that etcd answers, retrying refused connections until `timeoutMs` has
   * passed (etcd may still be starting); then fails with Unavailable.
   */
  async probe(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        // A short deadline per attempt, so one unresponsive member does not use up the budget.
        const attemptDeadline = Math.min(deadline, Date.now() + PROBE_ATTEMPT_MS);
        const res = await this.client.kv.range({ key: COMPACT_KEY, count_only: true }, { deadline: attemptDeadline });
        this.observe(res.header);
        return;
      } catch (err) {
        if (Date.now() + PROBE_RETRY_DELAY_MS >= deadline || !isTransient(err)) {
          const reason = err instanceof Error ? err.message : String(err);
          throw new StorageError('Unavailable', `cannot reach etcd at ${this.endpoints.join(', ')} within ${timeoutMs} ms: ${reason}`, { cause: err });
        }
      }
      await sleep(PROBE_RETRY_DELAY_MS);
    }
  }

  async get(key: string, revision: number): Promise<GetResult> {
    const res = await this.readAt('get', revision, () => this.client.kv.range({ key: Buffer.from(key), revision }), key);
    const current = this.observe(res.header);
    const kv = res.kvs[0];
    return { revision: revision > 0 ? revision : current, kv: kv ? toKeyValue(kv) : undefined };
  }

  async put(key: string, value: Uint8Array, expected: number): Promise<CasResult> {
    const k = Buffer.from(key);
    // mod_revision of a missing key compares as 0, so expected 0 means "must not exist".
    const res = await this.write(
      'put',
      () =>
        this.client.kv.txn({
          compare: [modEquals(k, expected)],
          success: [{ request_put: { key: k, value: toBuffer(value), prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        }),
      key,
    );
    const revision = this.observe(res.header);
    if (!res.succeeded) {
      const current = res.responses[0]?.response_range.kvs[0];
      return { succeeded: false, current: current ? toKeyValue(current) : undefined, revision };
    }
    const prev = res.responses[0]?.response_put.prev_kv;
    const prevKv = prev ? toKeyValue(prev) : undefined;
    const kv: KeyValue = { key, value: Uint8Array.from(value), createRevision: prevKv?.createRevision ?? revision, modRevision: revision };
    return { succeeded: true, kv, prevKv };
  }

  async remove(key: string, expected: number): Promise<CasResult> {
    if (expected === 0) {
      // Nothing can be deleted "if absent"; etcd would report success for deleting nothing.
      const { revision, kv } = await this.get(key, 0);
      return { succeeded: false, current: kv, revision };
    }
    const k = Buffer.from(key);
    const res = await this.write(
      'delete',
      () =>
        this.client.kv.txn({
          compare: [modEquals(k, expected)],
          success: [{ request_delete_range: { key: k, prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        }),
      key,
    );
    const revision = this.observe(res.header);
    if (!res.succeeded) {
      const current = res.responses[0]?.response_range.kvs[0];
      return { succeeded: false, current: current ? toKeyValue(current) : undefined, revision };
    }
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) throw new StorageError('Unavailable', `etcd deleted ${key} but returned no previous value`, { key });
    const prevKv = toKeyValue(prev);
    return { succeeded: true, kv: { ...prevKv, modRevision: revision }, prevKv };
  }

  async range(startKey: string, end: string, revision: number, limit: number): Promise<RangeResult> {
    const res = await this.readAt('range', revision, () =>
      this.client.kv.range({ key: Buffer.from(startKey), range_end: Buffer.from(end), revision, limit }),
    );
    const current = this.observe(res.header);
    const items = res.kvs.map(toKeyValue);
    // etcd counts every key in the range at that revision, the page included.
    return { revision: revision > 0 ? revision : current, items, more: res.more, remaining: Math.max(0, Number(res.count) - items.length) };
  }

  async count(startKey: string, end: string): Promise<number> {
    const res = await this.readAt('count', 0, () =>
      this.client.kv.range({ key: Buffer.from(startKey), range_end: Buffer.from(end), count_only: true }),
    );
    this.observe(res.header);
    return Number(res.count);
  }

  watch(start: string, end: string, fromRevision: number, queue: WatchQueue): () => void {
    if (this.closed) {
      queue.fail(errors.closed());
      return () => undefined;
    }
    // "From now" is the newest revision this client has seen: every write this process
    // has completed is before it, so a watch opened after a write never misses it.
    const fromNow = fromRevision === 0;
    const floor = fromNow ? this.lastSeen : fromRevision;
    if (fromNow) queue.progress(floor);
    const watch = new EtcdWatch(this.watchStream, { start, end }, queue, { floor, fromNow }, (w) => this.watches.delete(w));
    this.watches.add(watch);
    watch.open();
    return () => watch.close();
  }

  async currentRevision(): Promise<number> {
    const res = await this.readAt('currentRevision', 0, () => this.client.kv.range({ key: COMPACT_KEY, count_only: true }));
    return this.observe(res.header);
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call(true, () => this.client.kv.compact({ revision, physical: false }));
    } catch (err) {
      if (isFutureRevisionError(err)) throw errors.futureRevision(revision, await this.currentRevision());
      // Already compacted at or beyond `revision`, by another server or by etcd's own
      // auto-compaction: what was asked for holds.
      if (!isCompactedError(err)) throw toStorageError('compact', this.endpoints, err);
    }
    await this.recordCompaction(revision);
  }

  /** Raises compact_rev_key to `revision` unless it is already there (compare-and-swap against other servers). */
  private async recordCompaction(revision: number): Promise<void> {
    for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
      const { recorded, modRevision } = await this.readCompactKey();
      if (recorded >= revision) return;
      const res = await this.write('compact', () =>
        this.client.kv.txn({
          compare: [modEquals(COMPACT_KEY, modRevision)],
          success: [{ request_put: { key: COMPACT_KEY, value: Buffer.from(String(revision)) } }],
        }),
      );
      this.observe(res.header);
      if (res.succeeded) return;
    }
    throw new StorageError('Unavailable', `could not record compaction to ${revision} in ${COMPACT_REV_KEY}: too many concurrent writers`);
  }

  private async readCompactKey(): Promise<{ recorded: number; modRevision: number }> {
    const res = await this.readAt('compactedRevision', 0, () => this.client.kv.range({ key: COMPACT_KEY }));
    this.observe(res.header);
    const kv = res.kvs[0];
    if (!kv) return { recorded: 0, modRevision: 0 };
    const recorded = Number(kv.value.toString('utf8'));
    return { recorded: Number.isSafeInteger(recorded) && recorded > 0 ? recorded : 0, modRevision: Number(kv.mod_revision) };
  }

  async compactedRevision(): Promise<number> {
    return (await this.readCompactKey()).recorded;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watch of [...this.watches]) watch.close();
    this.watchStream.close();
    this.client.close();
  }
}
