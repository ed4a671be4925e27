// In-memory backend: the same semantics as sqlite and etcd, nothing persisted.
// For unit tests of the layers above, and as the datastore `memory://`.

import sortedBTree from 'sorted-btree';
import type { Backend, CasResult, RangeResult } from './backend.js';
import { errors } from './errors.js';
import { createStore } from './revisioned-store.js';
import type { GetResult, KeyValue, Store, WatchEvent } from './types.js';
import type { WatchQueue } from './watch-queue.js';

const BTree = sortedBTree.default;
type Tree = InstanceType<typeof BTree<string, KeyValue>>;

interface MemoryWatch {
  readonly start: string;
  readonly end: string;
  readonly queue: WatchQueue;
}

class MemoryBackend implements Backend {
  readonly name = 'memory';
  private revision = 0;
  private compacted = 0;
  private readonly current: Tree = new BTree<string, KeyValue>();
  /** Every event after `compacted`, in revision order. */
  private log: WatchEvent[] = [];
  private readonly watches = new Set<MemoryWatch>();

  private checkReadRevision(revision: number): number {
    if (revision === 0) return this.revision;
    if (revision > this.revision) throw errors.futureRevision(revision, this.revision);
    if (revision < this.compacted) throw errors.expired(revision, this.compacted);
    return revision;
  }

  /** Index of the first log event with a revision above `revision`. */
  private logIndexAfter(revision: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.kv.modRevision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async get(key: string, revision: number): Promise<GetResult> {
    const at = this.checkReadRevision(revision);
    let kv = this.current.get(key);
    // Undo the events after `at`, newest first.
    for (let i = this.log.length - 1; i >= 0 && this.log[i]!.kv.modRevision > at; i--) {
      const event = this.log[i]!;
      if (event.kv.key === key) kv = event.prevKv;
    }
    return { revision: at, kv };
  }

  private append(event: WatchEvent): void {
    this.log.push(event);
    for (const watch of this.watches) {
      if (event.kv.key >= watch.start && event.kv.key < watch.end) watch.queue.push([event]);
      else watch.queue.progress(event.kv.modRevision);
    }
  }

  async put(key: string, value: Uint8Array, expected: number): Promise<CasResult> {
    const prevKv = this.current.get(key);
    if ((prevKv?.modRevision ?? 0) !== expected) return { succeeded: false, current: prevKv, revision: this.revision };
    const revision = ++this.revision;
    const kv: KeyValue = {
      key,
      value: Uint8Array.from(value),
      createRevision: prevKv ? prevKv.createRevision : revision,
      modRevision: revision,
    };
    this.current.set(key, kv);
    this.append(prevKv ? { type: 'MODIFIED', kv, prevKv } : { type: 'ADDED', kv });
    return { succeeded: true, kv, prevKv };
  }

  async remove(key: string, expected: number): Promise<CasResult> {
    const prevKv = this.current.get(key);
    if (!prevKv || prevKv.modRevision !== expected) return { succeeded: false, current: prevKv, revision: this.revision };
    const revision = ++this.revision;
    const kv: KeyValue = { ...prevKv, modRevision: revision };
    this.current.delete(key);
    this.append({ type: 'DELETED', kv, prevKv });
    return { succeeded: true, kv, prevKv };
  }

  async range(startKey: string, end: string, revision: number, limit: number): Promise<RangeResult> {
    const at = this.checkReadRevision(revision);
    const from = this.logIndexAfter(at);
    if (from === this.log.length) {
      // Latest state: read the tree directly.
      const items = this.current.getRange(startKey, end, false, limit > 0 ? limit + 1 : undefined).map(([, kv]) => kv);
      const more = limit > 0 && items.length > limit;
      if (more) items.length = limit;
      return { revision: at, items, more };
    }
    // An older revision: take the range now, then undo the later events in it.
    const state = new Map<string, KeyValue | undefined>();
    for (const [key, kv] of this.current.getRange(startKey, end, false)) state.set(key, kv);
    for (let i = this.log.length - 1; i >= from; i--) {
      const event = this.log[i]!;
      if (event.kv.key >= startKey && event.kv.key < end) state.set(event.kv.key, event.prevKv);
    }
    const keys = [...state.keys()].filter((k) => state.get(k) !== undefined).sort();
    const more = limit > 0 && keys.length > limit;
    const page = more ? keys.slice(0, limit) : keys;
    return { revision: at, items: page.map((k) => state.get(k)!), more, remaining: keys.length - page.length };
  }

  async count(startKey: string, end: string): Promise<number> {
    return this.current.forRange(startKey, end, false);
  }

  watch(start: string, end: string, fromRevision: number, queue: WatchQueue): () => void {
    if (fromRevision > 0 && fromRevision < this.compacted) {
      queue.fail(errors.expired(fromRevision, this.compacted));
      return () => {};
    }
    if (fromRevision > 0) {
      const backlog = this.log.slice(this.logIndexAfter(fromRevision)).filter((e) => e.kv.key >= start && e.kv.key < end);
      queue.push(backlog);
    }
    queue.progress(this.revision);
    const watch: MemoryWatch = { start, end, queue };
    this.watches.add(watch);
    return () => this.watches.delete(watch);
  }

  async currentRevision(): Promise<number> {
    return this.revision;
  }

  async compact(revision: number): Promise<void> {
    if (revision > this.revision) throw errors.futureRevision(revision, this.revision);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    this.log = this.log.slice(this.logIndexAfter(revision));
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async close(): Promise<void> {
    this.watches.clear();
  }
}

export function openMemoryStore(): Store {
  return createStore(new MemoryBackend());
}
