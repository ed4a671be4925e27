import assert from 'node:assert/strict';
import { checkLeaksAfterAll } from '../testing/index.js';
import { describe, it } from 'node:test';
import { withWatchCache } from './cacher.js';
import { collectEvents, runStoreConformance } from './conformance.js';
import { openMemoryStore } from './memory.js';
import type { KeyValue, Store, Watcher, WatchOptions, ListOptions, ListResult } from './types.js';

runStoreConformance('watch cache over memory', () => withWatchCache(openMemoryStore()));

/** A version kept as text, its bytes made when read: what a cache keeping decoded objects looks like to readers. */
function keptAsText(kv: KeyValue): KeyValue {
  const text = Buffer.from(kv.value).toString('latin1');
  return {
    key: kv.key,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    valueSize: kv.value.byteLength,
    get value() {
      return Buffer.from(text, 'latin1');
    },
  };
}

runStoreConformance('watch cache keeping versions in its own form', () => withWatchCache(openMemoryStore(), { retain: keptAsText }));

runStoreConformance('watch cache leaving configmaps to the backend', () => withWatchCache(openMemoryStore(), { uncachedPrefixes: ['/registry/core/configmaps/'] }));

const enc = (s: string): Uint8Array => Buffer.from(s);

/** A memory store that counts the calls reaching it through the cache. */
function countingStore(): { store: Store; calls: { list: number; watch: number } } {
  const inner = openMemoryStore();
  const calls = { list: 0, watch: 0 };
  const store: Store = Object.assign(Object.create(inner) as Store, {
    list(prefix: string, options?: ListOptions): Promise<ListResult> {
      calls.list++;
      return inner.list(prefix, options);
    },
    watch(prefix: string, options?: WatchOptions): Watcher {
      calls.watch++;
      return inner.watch(prefix, options);
    },
  });
  return { store, calls };
}

describe('watch cache', () => {
  it('serves lists and watches from one backend list and one backend watch', async () => {
    const { store: inner, calls } = countingStore();
    for (let i = 0; i < 5; i++) await inner.create(`/registry/core/pods/ns/p${i}`, enc('v'));
    const cache = await withWatchCache(inner);
    try {
      assert.deepEqual(calls, { list: 1, watch: 1 });
      const watchers = Array.from({ length: 100 }, () => cache.watch('/registry/core/pods/'));
      const written = await cache.create('/registry/core/pods/ns/new', enc('n'));
      for (const watcher of watchers) {
        const [event] = await collectEvents(watcher, 1);
        assert.equal(event?.kv.modRevision, written.modRevision);
        watcher.stop();
      }
      const listed = await cache.list('/registry/core/pods/', { notOlderThan: 0 });
      assert.equal(listed.items.length, 6);
      const consistent = await cache.list('/registry/core/pods/');
      assert.equal(consistent.revision, written.modRevision);
      assert.equal(consistent.items.length, 6);
      assert.equal(await cache.count('/registry/core/pods/'), 6);
      assert.deepEqual(calls, { list: 1, watch: 1 });
    } finally {
      await cache.close();
    }
  });

  it('a consistent list after a write sees that write', async () => {
    const cache = await withWatchCache(openMemoryStore());
    try {
      for (let i = 0; i < 50; i++) {
        await cache.create(`/registry/core/configmaps/ns/c${i}`, enc('v'));
        const listed = await cache.list('/registry/core/configmaps/');
        assert.equal(listed.items.length, i + 1);
      }
    } finally {
      await cache.close();
    }
  });

  it('watches from before the history window go to the backend', async () => {
    let now = 1_000_000;
    const { store: inner, calls } = countingStore();
    const cache = await withWatchCache(inner, { historyWindowMs: 1000, now: () => now });
    try {
      await cache.create('/registry/core/pods/other/decoy', enc('0'));
      const first = await cache.create('/registry/core/pods/ns/a', enc('1'));
      const recent = cache.watch('/registry/core/pods/ns/', { fromRevision: first.modRevision - 1 });
      await collectEvents(recent, 1);
      recent.stop();
      assert.equal(calls.watch, 1);
      now += 5000;
      await cache.create('/registry/core/pods/ns/b', enc('1'));
      // Let the cache apply the event, which trims the window past `first`.
      await cache.list('/registry/core/pods/');
      const old = cache.watch('/registry/core/pods/ns/', { fromRevision: first.modRevision - 1 });
      const events = await collectEvents(old, 2);
      old.stop();
      assert.equal(calls.watch, 2);
      assert.deepEqual(events.map((e) => e.kv.key), ['/registry/core/pods/ns/a', '/registry/core/pods/ns/b']);
    } finally {
      await cache.close();
    }
  });

  it('keeps at most maxBytes of values in its history; older watches go to the backend', async () => {
    const { store: inner, calls } = countingStore();
    const cache = await withWatchCache(inner, { maxBytes: 3000 });
    try {
      const kb = enc('x'.repeat(1000));
      await cache.create('/registry/core/configmaps/other/decoy', enc('0'));
      const first = await cache.create('/registry/core/configmaps/ns/a', kb);
      for (const name of ['b', 'c', 'd']) await cache.create(`/registry/core/configmaps/ns/${name}`, kb);
      await cache.list('/registry/core/configmaps/');
      // 4000 bytes were written: the oldest event left the window.
      const fromLast = cache.watch('/registry/core/configmaps/ns/', { fromRevision: first.modRevision });
      assert.equal((await collectEvents(fromLast, 3)).length, 3);
      fromLast.stop();
      assert.equal(calls.watch, 1, 'the last three events are served from memory');
      const fromFirst = cache.watch('/registry/core/configmaps/ns/', { fromRevision: first.modRevision - 1 });
      assert.deepEqual((await collectEvents(fromFirst, 4)).map((e) => e.kv.key.slice(-1)), ['a', 'b', 'c', 'd']);
      fromFirst.stop();
      assert.equal(calls.watch, 2, 'the first event is no longer in memory');
    } finally {
      await cache.close();
    }
  });

  it('a page after the first is served at the first page revision even after writes', async () => {
    const cache = await withWatchCache(openMemoryStore());
    try {
      for (let i = 0; i < 6; i++) await cache.create(`/registry/core/pods/ns/p${i}`, enc('old'));
      const first = await cache.list('/registry/core/pods/', { limit: 4, notOlderThan: 0 });
      await cache.guaranteedUpdate('/registry/core/pods/ns/p5', () => enc('new'));
      const second = await cache.list('/registry/core/pods/', { limit: 4, continue: first.continue! });
      assert.equal(second.revision, first.revision);
      assert.deepEqual(second.items.map((kv) => Buffer.from(kv.value).toString()), ['old', 'old']);
    } finally {
      await cache.close();
    }
  });

  it('restarts from a fresh list when the backend watch fails', async () => {
    const inner = openMemoryStore();
    let sources: Watcher[] = [];
    const wrapped: Store = Object.assign(Object.create(inner) as Store, {
      watch(prefix: string, options?: WatchOptions): Watcher {
        const watcher = inner.watch(prefix, options);
        sources.push(watcher);
        return watcher;
      },
    });
    const cache = await withWatchCache(wrapped);
    try {
      const client = cache.watch('/registry/core/pods/');
      const ended = (async () => {
        for await (const batch of client) void batch;
        return 'ended';
      })();
      // Break the backend watch the way a compaction past it would.
      const [source] = sources;
      sources = [];
      (source as unknown as { fail(e: Error): void }).fail(new (await import('./errors.js')).StorageError('Expired', 'gone'));
      assert.equal(await ended, 'ended');
      await cache.create('/registry/core/pods/ns/after', enc('1'));
      const listed = await cache.list('/registry/core/pods/');
      assert.deepEqual(listed.items.map((kv) => kv.key), ['/registry/core/pods/ns/after']);
      assert.equal(sources.length, 1);
    } finally {
      await cache.close();
    }
  });

  it('leaves uncached prefixes to the backend: no state, no history, reads and watches go through', async () => {
    const { store: inner, calls } = countingStore();
    await inner.create('/registry/core/events/ns/old', enc('e0'));
    const cache = await withWatchCache(inner, { uncachedPrefixes: ['/registry/core/events/'] });
    try {
      const events = cache.watch('/registry/core/events/');
      const pods = cache.watch('/registry/core/pods/');
      assert.deepEqual(calls, { list: 1, watch: 2 });
      const event = await cache.create('/registry/core/events/ns/e1', enc('e1'));
      const pod = await cache.create('/registry/core/pods/ns/p', enc('p'));
      assert.deepEqual((await collectEvents(events, 1)).map((e) => e.kv.key), ['/registry/core/events/ns/e1']);
      assert.deepEqual((await collectEvents(pods, 1)).map((e) => e.kv.key), ['/registry/core/pods/ns/p']);
      events.stop();
      pods.stop();

      // Pods come from memory, as fresh as the last write; events and lists spanning them from the backend.
      const listedPods = await cache.list('/registry/core/pods/');
      assert.equal(listedPods.revision, pod.modRevision);
      assert.equal(calls.list, 1);
      assert.deepEqual((await cache.list('/registry/core/events/')).items.map((kv) => kv.key), ['/registry/core/events/ns/e1', '/registry/core/events/ns/old']);
      assert.equal(calls.list, 2);
      assert.equal((await cache.list('/registry/core/')).items.length, 3);
      assert.equal(calls.list, 3);
      assert.equal(await cache.count('/registry/core/events/ns/'), 2);
      assert.equal((await cache.get('/registry/core/events/ns/e1', { notOlderThan: event.modRevision })).kv?.modRevision, event.modRevision);

      // A watch spanning events replays them from the backend, with the pods around them.
      const replay = cache.watch('/registry/core/', { fromRevision: event.modRevision - 1 });
      assert.equal(calls.watch, 3, 'a prefix spanning events is watched at the backend');
      assert.deepEqual((await collectEvents(replay, 2)).map((e) => e.kv.key), ['/registry/core/events/ns/e1', '/registry/core/pods/ns/p']);
      replay.stop();
    } finally {
      await cache.close();
    }
  });
});

checkLeaksAfterAll();
