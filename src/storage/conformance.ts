// One behaviour suite run against every Store implementation (memory, sqlite, etcd,
// and the watch cache over each), so they cannot drift apart. Call
// runStoreConformance from a backend's test file; each test opens a fresh store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStorageError, type StorageErrorCode } from './errors.js';
import type { KeyValue, Store, Watcher, WatchEvent } from './types.js';

const enc = (s: string): Uint8Array => Buffer.from(s);
const dec = (kv: KeyValue | undefined): string | undefined => (kv ? Buffer.from(kv.value).toString() : undefined);

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: StorageErrorCode): Promise<void> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    return;
  }
  assert.fail(`expected StorageError ${code}, but it succeeded`);
}

/** Reads events until `count` arrived or the deadline passes. */
export async function collectEvents(watcher: Watcher, count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const iterator = watcher[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    while (events.length < count) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next === 'timeout') assert.fail(`watch delivered ${events.length} of ${count} events within ${timeoutMs} ms`);
      if (next.done) break;
      events.push(...next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

function summary(events: WatchEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.kv.key} ${dec(e.kv)}`);
}

export function runStoreConformance(name: string, open: () => Promise<Store>): void {
  async function withStore(body: (store: Store) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await body(store);
    } finally {
      await store.close();
    }
  }
  const test = (title: string, body: (store: Store) => Promise<void>) => it(title, () => withStore(body));

  describe(`Store conformance: ${name}`, () => {
    test('create assigns increasing revisions and get returns the value', async (store) => {
      const before = await store.currentRevision();
      const a = await store.create('/registry/core/pods/default/a', enc('one'));
      const b = await store.create('/registry/core/pods/default/b', enc('two'));
      assert.ok(a.modRevision > before);
      assert.ok(b.modRevision > a.modRevision);
      assert.equal(a.createRevision, a.modRevision);
      const got = await store.get('/registry/core/pods/default/a');
      assert.equal(dec(got.kv), 'one');
      assert.equal(got.kv?.modRevision, a.modRevision);
      assert.ok(got.revision >= b.modRevision);
      assert.equal(await store.currentRevision(), b.modRevision);
      assert.equal((await store.get('/registry/core/pods/default/missing')).kv, undefined);
    });

    test('create of an existing key fails with KeyExists and keeps the value', async (store) => {
      await store.create('/registry/core/configmaps/ns/x', enc('first'));
      await rejectsWith(store.create('/registry/core/configmaps/ns/x', enc('second')), 'KeyExists');
      assert.equal(dec((await store.get('/registry/core/configmaps/ns/x')).kv), 'first');
    });

    test('keys outside the scheme and oversized values are refused without writing', async (store) => {
      const rev = await store.currentRevision();
      for (const key of ['pods/x', '/registry/core/pods', '/registry/core//ns/x', '/registry/core/pods/ns/../x', '/registry/a/b/c/d/e', '/registry/core/pods/ns/a b', '/registry/core/pods/ns/a%2f']) {
        await rejectsWith(store.create(key, enc('v')), 'InvalidKey');
      }
      await rejectsWith(store.create('/registry/core/pods/ns/big', new Uint8Array(1.5 * 1024 * 1024 + 1)), 'TooLarge');
      await rejectsWith(store.list('/registry/core/pods'), 'InvalidKey');
      assert.equal(await store.currentRevision(), rev);
      // Exactly at the limit is fine.
      await store.create('/registry/core/pods/ns/max', new Uint8Array(1.5 * 1024 * 1024));
    });

    test('guaranteedUpdate replaces the value, keeps createRevision and bumps modRevision', async (store) => {
      const created = await store.create('/registry/apps/deployments/ns/d', enc('1'));
      const updated = await store.guaranteedUpdate('/registry/apps/deployments/ns/d', (cur) => enc(`${dec(cur)}+1`));
      assert.equal(dec(updated), '1+1');
      assert.equal(updated.createRevision, created.createRevision);
      assert.ok(updated.modRevision > created.modRevision);
      assert.equal(dec((await store.get('/registry/apps/deployments/ns/d')).kv), '1+1');
    });

    test('guaranteedUpdate: precondition mismatch is Conflict, missing key is NotFound, ignoreNotFound creates', async (store) => {
      const kv = await store.create('/registry/core/secrets/ns/s', enc('a'));
      await store.guaranteedUpdate(kv.key, () => enc('b'));
      await rejectsWith(store.guaranteedUpdate(kv.key, () => enc('c'), { preconditions: { modRevision: kv.modRevision } }), 'Conflict');
      assert.equal(dec((await store.get(kv.key)).kv), 'b');
      await rejectsWith(store.guaranteedUpdate('/registry/core/secrets/ns/none', () => enc('x')), 'NotFound');
      const made = await store.guaranteedUpdate('/registry/core/secrets/ns/new', (cur) => enc(cur ? 'bad' : 'fresh'), { ignoreNotFound: true });
      assert.equal(dec(made), 'fresh');
      assert.equal(made.createRevision, made.modRevision);
    });

    test('guaranteedUpdate with an unchanged value does not write', async (store) => {
      const kv = await store.create('/registry/core/nodes/n1', enc('same'));
      const again = await store.guaranteedUpdate(kv.key, () => enc('same'));
      assert.equal(again.modRevision, kv.modRevision);
      const undef = await store.guaranteedUpdate(kv.key, () => undefined);
      assert.equal(undef.modRevision, kv.modRevision);
      assert.equal(await store.currentRevision(), kv.modRevision);
    });

    test('guaranteedUpdate: an error thrown by tryUpdate aborts and reaches the caller', async (store) => {
      const kv = await store.create('/registry/core/pods/ns/p', enc('v'));
      await assert.rejects(
        store.guaranteedUpdate(kv.key, () => {
          throw new Error('refused by validation');
        }),
        /refused by validation/,
      );
      assert.equal((await store.get(kv.key)).kv?.modRevision, kv.modRevision);
    });

    test('concurrent guaranteedUpdates on one key lose no update', async (store) => {
      const key = '/registry/core/configmaps/ns/counter';
      await store.create(key, enc('0'));
      await Promise.all(
        Array.from({ length: 25 }, () => store.guaranteedUpdate(key, (cur) => enc(String(Number(dec(cur)) + 1)))),
      );
      assert.equal(dec((await store.get(key)).kv), '25');
    });

    test('guaranteedUpdate with a stale suggestion reads the store and retries', async (store) => {
      const first = await store.create('/registry/core/pods/ns/s', enc('1'));
      await store.guaranteedUpdate(first.key, () => enc('2'));
      const seen: Array<string | undefined> = [];
      const result = await store.guaranteedUpdate(
        first.key,
        (cur) => {
          seen.push(dec(cur));
          return enc(`${dec(cur)}!`);
        },
        { suggestion: first },
      );
      assert.equal(dec(result), '2!');
      assert.equal(seen[seen.length - 1], '2');
    });

    test('delete returns the last value at the deletion revision; preconditions and validate guard it', async (store) => {
      const kv = await store.create('/registry/core/pods/ns/d', enc('last'));
      await rejectsWith(store.delete(kv.key, { preconditions: { modRevision: kv.modRevision + 100 } }), 'Conflict');
      await assert.rejects(
        store.delete(kv.key, {
          validate: () => {
            throw new Error('has finalizers');
          },
        }),
        /has finalizers/,
      );
      assert.ok((await store.get(kv.key)).kv);
      const deleted = await store.delete(kv.key, { preconditions: { modRevision: kv.modRevision } });
      assert.equal(dec(deleted), 'last');
      assert.ok(deleted.modRevision > kv.modRevision);
      assert.equal(await store.currentRevision(), deleted.modRevision);
      assert.equal((await store.get(kv.key)).kv, undefined);
      await rejectsWith(store.delete(kv.key), 'NotFound');
      // A deleted key can be created again, with a new createRevision.
      const again = await store.create(kv.key, enc('reborn'));
      assert.ok(again.createRevision > deleted.modRevision);
    });

    test('get at an older revision sees the value of that time', async (store) => {
      const before = await store.create('/registry/core/pods/ns/first', enc('x'));
      const v1 = await store.create('/registry/core/pods/ns/h', enc('v1'));
      const v2 = await store.guaranteedUpdate(v1.key, () => enc('v2'));
      const gone = await store.delete(v1.key);
      assert.equal((await store.get(v1.key, { revision: before.modRevision })).kv, undefined);
      assert.equal(dec((await store.get(v1.key, { revision: v1.modRevision })).kv), 'v1');
      assert.equal(dec((await store.get(v1.key, { revision: v2.modRevision })).kv), 'v2');
      assert.equal((await store.get(v1.key, { revision: gone.modRevision })).kv, undefined);
      await rejectsWith(store.get(v1.key, { revision: gone.modRevision + 1000 }), 'FutureRevision');
    });

    test('list returns keys under the prefix only, in key order', async (store) => {
      for (const key of ['/registry/core/pods/b/x', '/registry/core/pods/a/y', '/registry/core/pods/a/x', '/registry/core/podtemplates/a/z', '/registry/core/pods-x/a/w', '/registry/core/services/a/s']) {
        await store.create(key, enc(key));
      }
      const all = await store.list('/registry/core/pods/');
      assert.deepEqual(all.items.map((kv) => kv.key), ['/registry/core/pods/a/x', '/registry/core/pods/a/y', '/registry/core/pods/b/x']);
      assert.equal(all.continue, undefined);
      assert.equal(all.revision, await store.currentRevision());
      const ns = await store.list('/registry/core/pods/a/');
      assert.deepEqual(ns.items.map((kv) => kv.key), ['/registry/core/pods/a/x', '/registry/core/pods/a/y']);
      assert.equal(await store.count('/registry/core/pods/'), 3);
      assert.equal(await store.count('/registry/'), 6);
      assert.equal((await store.list('/registry/core/none/')).items.length, 0);
    });

    test('paged lists cover every key once, pinned to the first page revision', async (store) => {
      const keys = Array.from({ length: 23 }, (_, i) => `/registry/core/pods/ns/p${String(i).padStart(2, '0')}`);
      for (const key of keys) await store.create(key, enc('orig'));
      const first = await store.list('/registry/core/pods/', { limit: 10 });
      assert.equal(first.items.length, 10);
      assert.ok(first.continue);
      // Writes after the first page must not show in later pages.
      await store.guaranteedUpdate(keys[15]!, () => enc('changed'));
      await store.delete(keys[20]!);
      await store.create('/registry/core/pods/ns/p99', enc('late'));
      const seen = [...first.items];
      let token: string | undefined = first.continue;
      while (token) {
        const page = await store.list('/registry/core/pods/', { limit: 10, continue: token });
        assert.equal(page.revision, first.revision);
        seen.push(...page.items);
        token = page.continue;
      }
      assert.deepEqual(seen.map((kv) => kv.key), keys);
      assert.ok(seen.every((kv) => dec(kv) === 'orig'));
      const latest = await store.list('/registry/core/pods/');
      assert.equal(latest.items.length, 23);
      assert.equal(dec(latest.items.find((kv) => kv.key === keys[15])), 'changed');
    });

    test('list at an explicit older revision; a bad continue token is InvalidContinue', async (store) => {
      const a = await store.create('/registry/core/pods/ns/a', enc('a1'));
      await store.create('/registry/core/pods/ns/b', enc('b1'));
      await store.guaranteedUpdate(a.key, () => enc('a2'));
      const old = await store.list('/registry/core/pods/', { revision: a.modRevision });
      assert.deepEqual(old.items.map(dec), ['a1']);
      assert.equal(old.revision, a.modRevision);
      await rejectsWith(store.list('/registry/core/pods/', { continue: 'not-a-token' }), 'InvalidContinue');
    });

    test('a list with an exact limit says nothing follows only when nothing does', async (store) => {
      for (const k of ['a', 'b', 'c', 'd']) await store.create(`/registry/core/pods/ns/${k}`, enc(k));
      const page = await store.list('/registry/core/pods/', { limit: 4 });
      assert.equal(page.items.length, 4);
      assert.equal(page.continue, undefined);
      const three = await store.list('/registry/core/pods/', { limit: 3 });
      assert.ok(three.continue);
      const rest = await store.list('/registry/core/pods/', { limit: 3, continue: three.continue });
      assert.deepEqual(rest.items.map(dec), ['d']);
      assert.equal(rest.continue, undefined);
    });

    test('watch from now delivers ADDED, MODIFIED and DELETED in order, for the prefix only', async (store) => {
      const watcher = store.watch('/registry/core/pods/');
      const a = await store.create('/registry/core/pods/ns/a', enc('1'));
      await store.create('/registry/core/services/ns/other', enc('x'));
      await store.guaranteedUpdate(a.key, () => enc('2'));
      const deleted = await store.delete(a.key);
      const events = await collectEvents(watcher, 3);
      watcher.stop();
      assert.deepEqual(summary(events), ['ADDED /registry/core/pods/ns/a 1', 'MODIFIED /registry/core/pods/ns/a 2', 'DELETED /registry/core/pods/ns/a 2']);
      assert.equal(events[0]!.prevKv, undefined);
      assert.equal(dec(events[1]!.prevKv), '1');
      assert.equal(events[2]!.kv.modRevision, deleted.modRevision);
      assert.equal(dec(events[2]!.prevKv), '2');
      const revisions = events.map((e) => e.kv.modRevision);
      assert.deepEqual(revisions, [...revisions].sort((x, y) => x - y));
    });

    test('watch from a past revision replays history after it, then continues live', async (store) => {
      const a = await store.create('/registry/core/pods/ns/a', enc('1'));
      await store.create('/registry/core/pods/ns/b', enc('1'));
      await store.guaranteedUpdate(a.key, () => enc('2'));
      const watcher = store.watch('/registry/core/pods/', { fromRevision: a.modRevision });
      assert.equal(watcher.startRevision, a.modRevision);
      await store.create('/registry/core/pods/ns/c', enc('1'));
      const events = await collectEvents(watcher, 3);
      watcher.stop();
      assert.deepEqual(summary(events), ['ADDED /registry/core/pods/ns/b 1', 'MODIFIED /registry/core/pods/ns/a 2', 'ADDED /registry/core/pods/ns/c 1']);
    });

    test('many concurrent writes reach a watcher exactly once each, in revision order', async (store) => {
      const watcher = store.watch('/registry/core/configmaps/');
      const written = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.create(`/registry/core/configmaps/ns/c${i}`, enc(String(i)))),
      );
      const events = await collectEvents(watcher, 200);
      watcher.stop();
      assert.equal(events.length, 200);
      const revisions = events.map((e) => e.kv.modRevision);
      assert.deepEqual(revisions, written.map((kv) => kv.modRevision).sort((x, y) => x - y));
    });

    test('stopping a watcher ends its iteration', async (store) => {
      const watcher = store.watch('/registry/core/pods/');
      const seen: WatchEvent[] = [];
      const iteration = (async () => {
        for await (const batch of watcher) seen.push(...batch);
      })();
      await store.create('/registry/core/pods/ns/a', enc('1'));
      watcher.stop();
      await iteration;
      assert.ok(seen.length <= 1);
      await store.create('/registry/core/pods/ns/b', enc('1'));
      assert.ok(seen.every((e) => e.kv.key === '/registry/core/pods/ns/a'));
    });

    test('a watcher that does not keep up is stopped with TooSlow; others are unaffected', async (store) => {
      const slow = store.watch('/registry/core/pods/', { bufferSize: 5 });
      const healthy = store.watch('/registry/core/pods/');
      for (let i = 0; i < 20; i++) await store.create(`/registry/core/pods/ns/p${i}`, enc('v'));
      await rejectsWith(async () => {
        for await (const batch of slow) void batch;
      }, 'TooSlow');
      const events = await collectEvents(healthy, 20);
      healthy.stop();
      assert.equal(events.length, 20);
    });

    test('compaction expires older reads and watches, keeps the state at the compacted revision', async (store) => {
      const a = await store.create('/registry/core/pods/ns/a', enc('1'));
      const a2 = await store.guaranteedUpdate(a.key, () => enc('2'));
      const b = await store.create('/registry/core/pods/ns/b', enc('1'));
      await store.delete(b.key);
      const mark = await store.currentRevision();
      const a3 = await store.guaranteedUpdate(a.key, () => enc('3'));
      await store.compact(mark);
      assert.equal(await store.compactedRevision(), mark);
      await rejectsWith(store.get(a.key, { revision: a.modRevision }), 'Expired');
      await rejectsWith(store.list('/registry/core/pods/', { revision: a2.modRevision }), 'Expired');
      await rejectsWith(async () => {
        for await (const batch of store.watch('/registry/core/pods/', { fromRevision: a.modRevision })) void batch;
      }, 'Expired');
      const atMark = await store.list('/registry/core/pods/', { revision: mark });
      assert.deepEqual(atMark.items.map((kv) => `${kv.key}=${dec(kv)}`), ['/registry/core/pods/ns/a=2']);
      assert.equal(dec((await store.get(a.key, { revision: mark })).kv), '2');
      assert.equal(dec((await store.get(a.key)).kv), '3');
      const watcher = store.watch('/registry/core/pods/', { fromRevision: mark });
      const events = await collectEvents(watcher, 1);
      watcher.stop();
      assert.equal(events[0]!.kv.modRevision, a3.modRevision);
    });

    test('a closed store refuses calls', async (store) => {
      await store.create('/registry/core/pods/ns/a', enc('1'));
      await store.close();
      await rejectsWith(store.get('/registry/core/pods/ns/a'), 'Closed');
    });
  });
}
