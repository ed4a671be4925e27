// Fans committed events out to the watchers. This process is the only writer of the
// file, so every event passes through here once, in revision order, straight from the
// writer's replies: no polling. Watchers on a prefix (the only kind the Store opens)
// are found by the key's ancestor prefixes, so the cost per event does not grow with
// the number of watchers on unrelated prefixes.

import type { StorageError } from '../errors.js';
import { prefixEnd } from '../keys.js';
import type { WatchEvent } from '../types.js';
import type { WatchQueue } from '../watch-queue.js';

interface Feed {
  readonly start: string;
  readonly end: string;
  readonly queue: WatchQueue;
}

/** Every ancestor of a key that ends with '/' ('/registry/', '/registry/core/', ...). */
function prefixesOf(key: string): string[] {
  const prefixes: string[] = [];
  for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
    prefixes.push(key.slice(0, slash + 1));
  }
  return prefixes;
}

export class WatchHub {
  private readonly byPrefix = new Map<string, Set<Feed>>();
  /** Feeds on arbitrary ranges, matched by comparison. */
  private readonly ranged = new Set<Feed>();

  /** Registers a feed; returns the function that removes it. */
  add(start: string, end: string, queue: WatchQueue): () => void {
    const feed: Feed = { start, end, queue };
    if (start.endsWith('/') && end === prefixEnd(start)) {
      let set = this.byPrefix.get(start);
      if (!set) this.byPrefix.set(start, (set = new Set()));
      set.add(feed);
      return () => {
        set.delete(feed);
        if (set.size === 0 && this.byPrefix.get(start) === set) this.byPrefix.delete(start);
      };
    }
    this.ranged.add(feed);
    return () => this.ranged.delete(feed);
  }

  get size(): number {
    let n = this.ranged.size;
    for (const set of this.byPrefix.values()) n += set.size;
    return n;
  }

  /**
   * Delivers the events of one commit (in revision order) to the feeds they match, then
   * records progress up to `revision` on every feed, so idle watchers can bookmark.
   */
  publish(events: readonly WatchEvent[], revision: number): void {
    if (this.byPrefix.size === 0 && this.ranged.size === 0) return;
    const matched = new Map<Feed, WatchEvent[]>();
    const add = (feed: Feed, event: WatchEvent): void => {
      const list = matched.get(feed);
      if (list) list.push(event);
      else matched.set(feed, [event]);
    };
    for (const event of events) {
      const key = event.kv.key;
      if (this.byPrefix.size > 0) {
        for (const prefix of prefixesOf(key)) {
          const set = this.byPrefix.get(prefix);
          if (set) for (const feed of set) add(feed, event);
        }
      }
      for (const feed of this.ranged) if (key >= feed.start && key < feed.end) add(feed, event);
    }
    for (const [feed, list] of matched) feed.queue.push(list);
    for (const set of this.byPrefix.values()) for (const feed of set) feed.queue.progress(revision);
    for (const feed of this.ranged) feed.queue.progress(revision);
  }

  /** Ends every watch with `err` (no further events can be delivered). */
  failAll(err: StorageError): void {
    const feeds = [...this.ranged];
    for (const set of this.byPrefix.values()) feeds.push(...set);
    this.clear();
    for (const feed of feeds) feed.queue.fail(err);
  }

  clear(): void {
    this.byPrefix.clear();
    this.ranged.clear();
  }
}
