import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { withWatchCache } from '../cacher.js';
import { collectEvents, runStoreConformance } from '../conformance.js';
import { isStorageError, type StorageErrorCode } from '../errors.js';
import type { Store } from '../types.js';
import { openSqliteStore, type SqliteStore } from './index.js';
import { SqliteWriter } from './writer.js';

const enc = (s: string): Uint8Array => Buffer.from(s);
const dec = (v: Uint8Array | undefined): string | undefined => (v ? Buffer.from(v).toString() : undefined);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A store in a fresh directory, removed when it closes. */
async function openTemp(options: Parameters<typeof openSqliteStore>[1] = {}): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
  const store = await openSqliteStore(join(dir, 'state.db'), options);
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    if (pattern) assert.match((err as Error).message, pattern);
    return true;
  });
}

runStoreConformance('sqlite', () => openTemp());
runStoreConformance('watch cache over sqlite', async () => withWatchCache(await openTemp()));

describe('sqlite store', () => {
  it('group commit: 64 concurrent creates share far fewer than 64 commits', async () => {
    const store = await openTemp();
    try {
      const before = store.stats().commits;
      const written = await Promise.all(
        Array.from({ length: 64 }, (_, i) => store.create(`/registry/core/pods/ns/p${i}`, enc(`v${i}`))),
      );
      const commits = store.stats().commits - before;
      assert.ok(commits <= 4, `64 writes took ${commits} commits`);
      const revisions = written.map((kv) => kv.modRevision).sort((a, b) => a - b);
      assert.deepEqual(revisions, Array.from({ length: 64 }, (_, i) => revisions[0]! + i));
      assert.equal(await store.count('/registry/core/pods/'), 64);
    } finally {
      await store.close();
    }
  });

  it('CAS checks inside one batch see the earlier ops of the batch', async () => {
    const store = await openTemp();
    try {
      const key = '/registry/core/configmaps/ns/c';
      // Same tick: all three go in one batch; the second create must fail against the first.
      const [first, second] = await Promise.allSettled([store.create(key, enc('a')), store.create(key, enc('b'))]);
      assert.equal(first.status, 'fulfilled');
      assert.equal(second.status, 'rejected');
      assert.ok(isStorageError((second as PromiseRejectedResult).reason, 'KeyExists'));
      assert.equal(dec((await store.get(key)).kv?.value), 'a');
      assert.ok(store.stats().largestBatch >= 2);
    } finally {
      await store.close();
    }
  });

  it('a watch replaying a long backlog while writes continue sees every event once, in order', async () => {
    const store = await openTemp();
    try {
      const prefix = '/registry/core/secrets/';
      const first = await store.create(`${prefix}ns/s-first`, enc('0'));
      await Promise.all(Array.from({ length: 2500 }, (_, i) => store.create(`${prefix}ns/s${i}`, enc(String(i)))));
      const watcher = store.watch(prefix, { fromRevision: first.modRevision, bufferSize: 100_000 });
      const live = Promise.all(Array.from({ length: 300 }, (_, i) => store.create(`${prefix}ns/live${i}`, enc(String(i)))));
      const events = await collectEvents(watcher, 2800, 20_000);
      await live;
      watcher.stop();
      const revisions = events.map((e) => e.kv.modRevision);
      assert.deepEqual(revisions, Array.from({ length: 2800 }, (_, i) => first.modRevision + 1 + i));
    } finally {
      await store.close();
    }
  });

  it('a watcher whose prefix sees no writes still advances its progress revision', async () => {
    const store = await openTemp();
    try {
      const watcher = store.watch('/registry/core/pods/', { progressNotify: true });
      const other = await store.create('/registry/core/services/ns/s', enc('1'));
      const next = await watcher[Symbol.asyncIterator]().next();
      assert.deepEqual(next.value, []);
      assert.equal(watcher.progressRevision, other.modRevision);
      watcher.stop();
    } finally {
      await store.close();
    }
  });

  it('reopening keeps data, revisions and the compacted revision', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    let store: Store = await openSqliteStore(path);
    const a = await store.create('/registry/core/pods/ns/a', enc('1'));
    const a2 = await store.guaranteedUpdate(a.key, () => enc('2'));
    const b = await store.create('/registry/core/pods/ns/b', enc('x'));
    const gone = await store.delete(b.key);
    await store.compact(a2.modRevision);
    await store.close();

    store = await openSqliteStore(path);
    try {
      assert.equal(await store.currentRevision(), gone.modRevision);
      assert.equal(await store.compactedRevision(), a2.modRevision);
      const got = await store.get(a.key);
      assert.equal(dec(got.kv?.value), '2');
      assert.equal(got.kv?.createRevision, a.modRevision);
      assert.equal(got.kv?.modRevision, a2.modRevision);
      assert.equal((await store.get(b.key)).kv, undefined);
      assert.equal(dec((await store.get(b.key, { revision: b.modRevision })).kv?.value), 'x');
      const next = await store.create('/registry/core/pods/ns/c', enc('c'));
      assert.equal(next.modRevision, gone.modRevision + 1);
    } finally {
      await store.close();
    }
  });

  it('compaction removes history but keeps the state at the compacted revision', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.db');
    const store = await openSqliteStore(path, { compactionChunkRows: 7 });
    const keys = Array.from({ length: 20 }, (_, i) => `/registry/core/pods/ns/p${String(i).padStart(2, '0')}`);
    for (const key of keys) await store.create(key, enc('0'));
    for (let round = 1; round <= 5; round++) {
      for (const key of keys) await store.guaranteedUpdate(key, () => enc(String(round)));
    }
    for (const key of keys.slice(0, 5)) await store.delete(key);
    const mark = await store.currentRevision();
    const late = await store.guaranteedUpdate(keys[10]!, () => enc('late'));
    await store.create(keys[0]!, enc('reborn'));
    const before = store.stats().compactionCommits;
    await store.compact(mark);
    assert.ok(store.stats().compactionCommits - before > 3, 'compaction ran in several chunks');

    const atMark = await store.list('/registry/core/pods/', { revision: mark });
    assert.deepEqual(atMark.items.map((kv) => kv.key), keys.slice(5));
    assert.ok(atMark.items.every((kv) => dec(kv.value) === '5'));
    await rejectsWith(store.get(keys[6]!, { revision: mark - 1 }), 'Expired');
    const latest = await store.list('/registry/core/pods/');
    assert.equal(latest.items.length, 16);
    assert.equal(dec(latest.items.find((kv) => kv.key === keys[10])?.value), 'late');
    // The watch from the mark replays what came after it, with prevKv intact.
    const watcher = store.watch('/registry/core/pods/', { fromRevision: mark });
    const events = await collectEvents(watcher, 2);
    watcher.stop();
    assert.deepEqual(events.map((e) => `${e.type} ${e.kv.key}`), [`MODIFIED ${keys[10]}`, `ADDED ${keys[0]}`]);
    assert.equal(dec(events[0]!.prevKv?.value), '5');
    assert.equal(events[0]!.kv.modRevision, late.modRevision);
    await store.close();

    // Only the state at the mark (15 rows), the rows after it (2) remain.
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.prepare('SELECT count(*) FROM log').pluck().get(), 17);
    } finally {
      db.close();
    }
  });

  it('a full disk fails the whole batch with Unavailable and keeps nothing of it', async () => {
    const path = join(tempDir(), 'state.db');
    const setup = await openSqliteStore(path);
    for (let i = 0; i < 10; i++) await setup.create(`/registry/core/configmaps/ns/base${i}`, new Uint8Array(1000).fill(i));
    await setup.close();
    // The size quota hits like a full disk (SQLITE_FULL) a few values into the batch.
    const store = await openSqliteStore(path, { maxDatabaseBytes: statSync(path).size + 64 * 1024 });
    try {
      const revision = await store.currentRevision();
      const keys = Array.from({ length: 12 }, (_, i) => `/registry/core/configmaps/ns/big${i}`);
      const results = await Promise.allSettled(keys.map((key) => store.create(key, new Uint8Array(20_000).fill(7))));
      for (const result of results) {
        assert.equal(result.status, 'rejected');
        const err = (result as PromiseRejectedResult).reason as Error;
        assert.ok(isStorageError(err, 'Unavailable'), String(err));
        assert.match(err.message, new RegExp(`${path}.*full`));
      }
      assert.equal(await store.currentRevision(), revision);
      for (const key of keys) assert.equal((await store.get(key)).kv, undefined);
      // Smaller writes still fit; the store carries on.
      const small = await store.create('/registry/core/configmaps/ns/small', enc('s'));
      assert.equal(small.modRevision, revision + 1);
    } finally {
      await store.close();
    }
  });

  it('a writer thread that dies fails in-flight and later writes, and the watch listener hears of it', async () => {
    const path = join(tempDir(), 'state.db');
    await (await openSqliteStore(path)).close();
    let broken: Error | undefined;
    const writer = await SqliteWriter.start(
      { path, cacheKiB: 1024, busyTimeoutMs: 1000, maxDatabaseBytes: undefined },
      { maxBatchOps: 100, maxBatchBytes: 1 << 20, compactionChunkRows: 100 },
      { onCommit: () => {}, onBroken: (err) => (broken = err) },
    );
    const inFlight = writer.put('/registry/core/pods/ns/a', enc('1'), 0);
    await new Promise((resolve) => setImmediate(resolve));
    await (Reflect.get(writer, 'worker') as Worker).terminate();
    await rejectsWith(inFlight, 'Unavailable', /may or may not have been committed/);
    await rejectsWith(writer.put('/registry/core/pods/ns/b', enc('1'), 0), 'Unavailable', /writer thread exited/);
    assert.ok(isStorageError(broken, 'Unavailable'));
    await writer.drain();
    await writer.shutdown();
  });

  it('refuses a file that is not SQLite, naming the file', async () => {
    const path = join(tempDir(), 'garbage.db');
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) % 251;
    writeFileSync(path, garbage);
    await rejectsWith(openSqliteStore(path), 'Corrupt', new RegExp(`${path}.*not an SQLite database`));
    assert.deepEqual(statSync(path).size, 8192);
  });

  it('refuses an SQLite database that is not a Skiff store, without changing it', async () => {
    const path = join(tempDir(), 'other.db');
    const other = new Database(path);
    other.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann')");
    other.close();
    await rejectsWith(openSqliteStore(path), 'Foreign', new RegExp(`${path}.*not a Skiff store.*users`));
    const check = new Database(path, { readonly: true });
    try {
      assert.equal(check.prepare('SELECT name FROM users').pluck().get(), 'ann');
      assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
    } finally {
      check.close();
    }
  });

  it('refuses a truncated store', async () => {
    const path = join(tempDir(), 'state.db');
    const store = await openSqliteStore(path);
    for (let i = 0; i < 200; i++) await store.create(`/registry/core/configmaps/ns/c${i}`, new Uint8Array(2000).fill(i));
    await store.close();
    const size = statSync(path).size;
    truncateSync(path, Math.floor(size / 2));
    await rejectsWith(openSqliteStore(path), 'Corrupt', new RegExp(`${path}.*truncated`));
  });

  it('refuses a store with damaged pages', async () => {
    const path = join(tempDir(), 'state.db');
    const setup = await openSqliteStore(path);
    for (let i = 0; i < 200; i++) await setup.create(`/registry/core/configmaps/ns/c${i}`, new Uint8Array(2000).fill(i));
    await setup.close();
    // Scribble over pages 4 to 7 (the schema and the meta row, on pages 1 and 2, stay readable).
    const bytes = Buffer.alloc(4096 * 4, 0xa5);
    const fd = openSync(path, 'r+');
    writeSync(fd, bytes, 0, bytes.length, 4096 * 3);
    closeSync(fd);
    await rejectsWith(openSqliteStore(path), 'Corrupt', new RegExp(path));
    // Without the check at open, the damage surfaces as Corrupt on first use.
    const store = await openSqliteStore(path, { verifyMaxBytes: 0 });
    try {
      await rejectsWith(store.list('/registry/core/configmaps/'), 'Corrupt', new RegExp(path));
    } finally {
      await store.close();
    }
  });

  it('refuses a store written by a newer schema version', async () => {
    const path = join(tempDir(), 'state.db');
    await (await openSqliteStore(path)).close();
    const db = new Database(path);
    db.prepare('UPDATE meta SET schema_version = 99').run();
    db.close();
    await rejectsWith(openSqliteStore(path), 'Foreign', /schema version 99/);
  });

  it('initialises an empty file', async () => {
    const path = join(tempDir(), 'empty.db');
    writeFileSync(path, '');
    const store = await openSqliteStore(path);
    try {
      assert.equal(await store.currentRevision(), 0);
      await store.create('/registry/core/pods/ns/a', enc('1'));
    } finally {
      await store.close();
    }
  });

  it('a process that opens and closes the store exits by itself', async () => {
    const child = fileURLToPath(new URL('./test-child.js', import.meta.url));
    const dir = tempDir();
    const started = Date.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const proc = spawn(process.execPath, [child, 'open-close', join(dir, 'state.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error('the child process did not exit within 20 s of closing the store'));
      }, 20_000);
      proc.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 20_000);
  });

  it('a closed store rejects writes with Closed and its watchers end', async () => {
    const store = await openTemp();
    const watcher = store.watch('/registry/core/pods/');
    await store.close();
    await rejectsWith(store.create('/registry/core/pods/ns/a', enc('1')), 'Closed');
    const events = await collectEvents(watcher, 1, 1000);
    assert.equal(events.length, 0);
  });
});
