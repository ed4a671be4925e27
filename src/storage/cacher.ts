// The watch cache: a Store decorator (kube-apiserver's Cacher). One backend watch
// over /registry/ keeps an in-memory copy of the latest state and a window of
// recent events. Lists that accept any recent state (resourceVersion "0"), consistent
// lists (after checking the backend's current revision) and watches from recent
// revisions are served from memory; writes and exact-revision reads go through.
// Watchers get their own bounded queue: a slow one is dropped, never blocking others.

import sortedBTree from 'sorted-btree';
import { errors, StorageError } from './errors.js';
import { decodeContinue, encodeContinue, KEY_ROOT, prefixEnd, validateKey, validatePrefix } from './keys.js';
import type {
  DeleteOptions,
  GetOptions,
  GetResult,
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  TryUpdate,
  UpdateOptions,
  Watcher,
  WatchEvent,
  WatchOptions,
} from './types.js';
import { WatchQueue } from './watch-queue.js';

const BTree = sortedBTree.default;
type Tree = InstanceType<typeof BTree<string, KeyValue>>;

/**
 * The default form of a kept version: a copy sharing the bytes, so what readers
 * memoize per KeyValue (decoded objects) lives only as long as the cache keeps the
 * version, not as long as whoever got the backend's KeyValue.
 */
function copyOf(kv: KeyValue): KeyValue {
  return { key: kv.key, value: kv.value, createRevision: kv.createRevision, modRevision: kv.modRevision };
}

export interface WatchCacheOptions {
  /** How long events stay available to watches from a past revision (default 5 min). */
  readonly historyWindowMs?: number;
  /** Upper bound on buffered events whatever their age (default 102400, upstream's watch cache upper bound). */
  readonly maxEvents?: number;
  /**
   * Upper bound on the bytes of the buffered events' values (default 256 MiB). Upstream
   * bounds events only by count; at 150k pods that count of old versions would be
   * about half a gigabyte of history on top of the current state.
   */
  readonly maxBytes?: number;
  /** How long a resourceVersion="N" read waits for the cache to reach N (default 3 s, as upstream). */
  readonly freshnessTimeoutMs?: number;
  /**
   * How long a consistent read waits for the cache to catch up with the backend before
   * reading the backend instead (default 250 ms). Revisions without /registry/ events
   * (etcd's compaction marker) would otherwise hold reads until the next write.
   */
  readonly consistentReadTimeoutMs?: number;
  /**
   * The form to keep each version in (state, history, events to watchers), e.g. its
   * decoded object without its bytes. Must keep key and revisions, and give the same
   * value when read. Default: a copy sharing the bytes.
   */
  readonly retain?: (kv: KeyValue) => KeyValue;
  /**
   * Key prefixes the cache leaves to the backend: it keeps neither their state nor
   * their history, and reads and watches under them go to the backend. Upstream
   * serves events this way ("switching on Cacher for events will lead to too high
   * memory consumption"): every pod scheduled leaves one behind.
   */
  readonly uncachedPrefixes?: readonly string[];
  readonly now?: () => number;
}

interface TimedEvent {
  readonly event: WatchEvent;
  readonly at: number;
  /** The size of the event's value, counted in historyBytes. */
  readonly bytes: number;
}

interface RevisionWaiter {
  readonly revision: number;
  readonly resolve: (fresh: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/** Ancestor prefixes of a key that a watcher may have asked for, most general first. */
function prefixesOf(key: string): string[] {
  const prefixes = [KEY_ROOT];
  let at = KEY_ROOT.length;
  for (;;) {
    const slash = key.indexOf('/', at);
    if (slash < 0) return prefixes;
    prefixes.push(key.slice(0, slash + 1));
    at = slash + 1;
  }
}

class WatchCache implements Store {
  readonly name: string;
  private readonly current: Tree = new BTree<string, KeyValue>();
  private revision = 0;
  /** Events after `oldestRevision` are all in `history`. */
  private oldestRevision = 0;
  private history: TimedEvent[] = [];
  private historyStart = 0;
  /** Value bytes of the events in the window. */
  private historyBytes = 0;
  private readonly watchersByPrefix = new Map<string, Set<WatchQueue>>();
  private waiters: RevisionWaiter[] = [];
  private source: Watcher | undefined;
  private pump: Promise<void> | undefined;
  private closed = false;
  private readonly historyWindowMs: number;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly freshnessTimeoutMs: number;
  private readonly consistentReadTimeoutMs: number;
  private readonly retain: (kv: KeyValue) => KeyValue;
  private readonly uncachedPrefixes: readonly string[];
  private readonly now: () => number;

  constructor(private readonly inner: Store, options: WatchCacheOptions) {
    this.name = `cached(${inner.name})`;
    this.historyWindowMs = options.historyWindowMs ?? 5 * 60_000;
    this.maxEvents = options.maxEvents ?? 100 * 1024;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.freshnessTimeoutMs = options.freshnessTimeoutMs ?? 3000;
    this.consistentReadTimeoutMs = options.consistentReadTimeoutMs ?? 250;
    this.retain = options.retain ?? copyOf;
    this.uncachedPrefixes = options.uncachedPrefixes ?? [];
    for (const prefix of this.uncachedPrefixes) validatePrefix(prefix);
    this.now = options.now ?? Date.now;
  }

  /** Whether keys under `prefix` include ones the cache does not keep (reads of them go to the backend). */
  private passesThrough(prefix: string): boolean {
    for (const uncached of this.uncachedPrefixes) if (prefix.startsWith(uncached) || uncached.startsWith(prefix)) return true;
    return false;
  }

  private uncachedKey(key: string): boolean {
    for (const uncached of this.uncachedPrefixes) if (key.startsWith(uncached)) return true;
    return false;
  }

  /** Lists everything and starts the one backend watch; called again after a watch failure. */
  async start(): Promise<void> {
    const snapshot = await this.inner.list(KEY_ROOT);
    this.current.clear();
    for (const kv of snapshot.items) if (!this.uncachedKey(kv.key)) this.current.set(kv.key, this.retain(kv));
    this.revision = snapshot.revision;
    this.oldestRevision = snapshot.revision;
    this.history = [];
    this.historyStart = 0;
    this.historyBytes = 0;
    const source = this.inner.watch(KEY_ROOT, {
      fromRevision: snapshot.revision,
      bufferSize: Number.MAX_SAFE_INTEGER,
      progressNotify: true,
    });
    this.source = source;
    this.pump = this.runPump(source);
  }

  private async runPump(source: Watcher): Promise<void> {
    try {
      for await (const batch of source) this.apply(batch, source.progressRevision);
    } catch (err) {
      if (this.closed) return;
      // Lost the backend watch (compacted past us, or the backend went away): start
      // over. Watchers end cleanly and re-watch from their last revision.
      this.stopAllWatchers();
      process.emitWarning(`watch cache restarting after backend watch failure: ${String(err)}`);
      await this.restartWithBackoff();
    }
  }

  private async restartWithBackoff(): Promise<void> {
    for (let delay = 100; !this.closed; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.start();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  private apply(batch: readonly WatchEvent[], progressRevision: number): void {
    const at = this.now();
    for (const received of batch) {
      if (received.kv.modRevision <= this.revision) continue;
      if (this.uncachedKey(received.kv.key)) {
        this.revision = received.kv.modRevision;
        continue;
      }
      const bytes = received.kv.valueSize ?? received.kv.value.byteLength;
      const event = this.kept(received);
      if (event.type === 'DELETED') this.current.delete(event.kv.key);
      else this.current.set(event.kv.key, event.kv);
      this.revision = event.kv.modRevision;
      this.history.push({ event, at, bytes });
      this.historyBytes += bytes;
      for (const prefix of prefixesOf(event.kv.key)) {
        const queues = this.watchersByPrefix.get(prefix);
        if (queues) for (const queue of queues) queue.push([event]);
      }
    }
    // No events up to the source's progress mark: the state is current there too.
    if (progressRevision > this.revision) this.revision = progressRevision;
    this.trimHistory(at);
    this.wakeWaiters();
  }

  /** The event as the cache keeps and passes it on: versions in retained form, the previous one shared with the state. */
  private kept(event: WatchEvent): WatchEvent {
    const kv = this.retain(event.kv);
    if (!event.prevKv) return { type: event.type, kv };
    const cached = this.current.get(event.kv.key);
    const prevKv = cached && cached.modRevision === event.prevKv.modRevision ? cached : this.retain(event.prevKv);
    return { type: event.type, kv, prevKv };
  }

  private trimHistory(now: number): void {
    let start = this.historyStart;
    const size = () => this.history.length - start;
    while (size() > 0 && (size() > this.maxEvents || this.historyBytes > this.maxBytes || this.history[start]!.at < now - this.historyWindowMs)) {
      const oldest = this.history[start]!;
      this.oldestRevision = oldest.event.kv.modRevision;
      this.historyBytes -= oldest.bytes;
      start++;
    }
    // Compact the array once the dead head dominates it.
    if (start > 1024 && start > this.history.length / 2) {
      this.history = this.history.slice(start);
      start = 0;
    }
    this.historyStart = start;
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: RevisionWaiter[] = [];
    for (const waiter of this.waiters) {
      if (this.revision >= waiter.revision) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Resolves true once the cache has reached `revision`, false after the freshness timeout. */
  private waitForRevision(revision: number, timeoutMs = this.freshnessTimeoutMs): Promise<boolean> {
    if (this.revision >= revision) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        resolve(false);
      }, timeoutMs);
      this.waiters.push({ revision, resolve, timer });
    });
  }

  private assertOpen(): void {
    if (this.closed) throw errors.closed();
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    this.assertOpen();
    validateKey(key);
    if (options.notOlderThan !== undefined && !options.revision && !this.uncachedKey(key)) {
      if (!(await this.waitForRevision(options.notOlderThan))) throw errors.futureRevision(options.notOlderThan, this.revision);
      return { revision: this.revision, kv: this.current.get(key) };
    }
    return this.inner.get(key, options);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    validatePrefix(prefix);
    if (this.passesThrough(prefix)) return this.inner.list(prefix, options);
    let startKey = prefix;
    if (options.continue) {
      const token = decodeContinue(prefix, options.continue);
      // Later pages come from memory only if nothing changed since the first page.
      if (token.revision !== this.revision) return this.inner.list(prefix, options);
      startKey = token.startKey;
    } else if (options.revision) {
      if (options.revision !== this.revision) return this.inner.list(prefix, options);
    } else if (options.notOlderThan !== undefined) {
      if (!(await this.waitForRevision(options.notOlderThan))) throw errors.futureRevision(options.notOlderThan, this.revision);
    } else {
      // A consistent read: as fresh as the backend is now (ConsistentListFromCache).
      const wanted = await this.inner.currentRevision();
      if (!(await this.waitForRevision(wanted, this.consistentReadTimeoutMs))) return this.inner.list(prefix, options);
    }
    return this.listFromMemory(prefix, startKey, options.limit ?? 0);
  }

  private listFromMemory(prefix: string, startKey: string, limit: number): ListResult {
    const end = prefixEnd(prefix);
    const entries = this.current.getRange(startKey, end, false, limit > 0 ? limit + 1 : undefined);
    const items = entries.map(([, kv]) => kv);
    if (limit === 0 || items.length <= limit) return { revision: this.revision, items };
    items.length = limit;
    const last = items[limit - 1]!;
    return {
      revision: this.revision,
      items,
      continue: encodeContinue(prefix, last.key, this.revision),
    };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    validatePrefix(prefix);
    if (this.passesThrough(prefix)) return this.inner.count(prefix);
    return this.current.forRange(prefix, prefixEnd(prefix), false);
  }

  watch(prefix: string, options: WatchOptions = {}): Watcher {
    this.assertOpen();
    validatePrefix(prefix);
    const from = options.fromRevision ?? 0;
    if ((from > 0 && from < this.oldestRevision) || this.passesThrough(prefix)) {
      // Older than the cache window, or not cached: the backend may still have it
      // (else Expired). (The inner store stops it on close.)
      return this.inner.watch(prefix, options);
    }
    const start = from > 0 ? from : this.revision;
    let queues = this.watchersByPrefix.get(prefix);
    if (!queues) this.watchersByPrefix.set(prefix, (queues = new Set()));
    const set = queues;
    const queue: WatchQueue = new WatchQueue(start, {
      ...(options.bufferSize !== undefined ? { bufferSize: options.bufferSize } : {}),
      onStop: () => {
        set.delete(queue);
        if (set.size === 0 && this.watchersByPrefix.get(prefix) === set) this.watchersByPrefix.delete(prefix);
      },
    });
    if (start < this.revision) {
      const backlog: WatchEvent[] = [];
      for (let i = this.firstHistoryIndexAfter(start); i < this.history.length; i++) {
        const event = this.history[i]!.event;
        if (event.kv.key.startsWith(prefix)) backlog.push(event);
      }
      queue.push(backlog);
      queue.progress(this.revision);
      if (queue.stopped) return queue;
    }
    set.add(queue);
    return queue;
  }

  private firstHistoryIndexAfter(revision: number): number {
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.event.kv.modRevision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  create(key: string, value: Uint8Array): Promise<KeyValue> {
    return this.inner.create(key, value);
  }

  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options: UpdateOptions = {}): Promise<KeyValue> {
    // The cached object is the first guess (as upstream's cachedExistingObject): no
    // backend read when it is current; a stale guess fails the CAS and is re-read.
    const cached = options.suggestion ?? this.current.get(key);
    return this.inner.guaranteedUpdate(key, tryUpdate, cached ? { ...options, suggestion: cached } : options);
  }

  delete(key: string, options?: DeleteOptions): Promise<KeyValue> {
    return this.inner.delete(key, options);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  async compact(revision: number): Promise<void> {
    await this.inner.compact(revision);
    // Serve no watch from before the compaction either: drop that part of the window.
    while (this.historyStart < this.history.length && this.history[this.historyStart]!.event.kv.modRevision <= revision) {
      this.historyBytes -= this.history[this.historyStart]!.bytes;
      this.historyStart++;
    }
    if (revision > this.oldestRevision) this.oldestRevision = revision;
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  private stopAllWatchers(): void {
    for (const queues of [...this.watchersByPrefix.values()]) for (const queue of [...queues]) queue.stop();
    this.watchersByPrefix.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopAllWatchers();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters = [];
    this.source?.stop();
    await this.pump;
    await this.inner.close();
  }
}

/** Wraps a store with a watch cache; resolves once the initial list is loaded. */
export async function withWatchCache(inner: Store, options: WatchCacheOptions = {}): Promise<Store> {
  const cache = new WatchCache(inner, options);
  try {
    await cache.start();
  } catch (err) {
    await inner.close();
    throw err instanceof StorageError ? err : new StorageError('Unavailable', `watch cache could not load: ${String(err)}`, { cause: err });
  }
  return cache;
}
