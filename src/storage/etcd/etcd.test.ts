// etcd-specific behaviour: several Store instances sharing one etcd (the HA mode),
// compaction bookkeeping, watch cancellation on the server, failures, and the
// harness itself. The shared behaviour is in conformance.test.ts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { collectEvents } from '../conformance.js';
import { isStorageError, type StorageErrorCode } from '../errors.js';
import type { KeyValue, Store, Watcher, WatchEvent } from '../types.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { COMPACT_REV_KEY, etcdAvailable, openEtcdStore, startEtcd, type EtcdProcess } from './index.js';

const enc = (s: string): Uint8Array => Buffer.from(s);
const dec = (kv: KeyValue | undefined): string | undefined => (kv ? Buffer.from(kv.value).toString() : undefined);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function rejectsWith(promise: Promise<unknown> | (() => Promise<unknown>), code: StorageErrorCode): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    assert.ok(isStorageError(err, code), `expected StorageError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StorageError ${code}, but it succeeded`);
}

const increment = (store: Store, key: string) => store.guaranteedUpdate(key, (cur) => enc(String(Number(dec(cur)) + 1)));

/** Reads one Prometheus gauge from a member's /metrics. */
function metric(endpoint: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${endpoint}/metrics`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const line = body.split('\n').find((l) => l.startsWith(`${name} `));
        if (line === undefined) reject(new Error(`metric ${name} not found`));
        else resolve(Number(line.slice(name.length + 1)));
      });
    });
    req.on('error', reject);
  });
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/** Iterates until `done` holds after a batch; returns the events seen. */
async function collectUntil(watcher: Watcher, done: () => boolean, timeoutMs = 5000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const iterator = watcher[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    while (!done()) {
      const next = await Promise.race([iterator.next(), deadline]);
      if (next === 'timeout') assert.fail(`condition not met within ${timeoutMs} ms (progress ${watcher.progressRevision})`);
      if (next.done) assert.fail('the watch ended');
      events.push(...next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

async function drain(watcher: Watcher): Promise<void> {
  for await (const batch of watcher) void batch;
}

const missing = etcdAvailable();
const skip = missing;
if (missing && process.env.CI === 'true') test('etcd is installed (required in CI)', () => assert.fail(missing));

describe('etcd store: two servers sharing one etcd', { skip }, () => {
  let etcd: EtcdProcess | undefined;
  let a: Store;
  let b: Store;
  before(async () => {
    etcd = await startEtcd();
    a = await openEtcdStore(etcd.endpoints);
    b = await openEtcdStore(etcd.endpoints);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await etcd?.stop();
  });

  test('concurrent guaranteedUpdate increments from two stores lose no update', async () => {
    const key = '/registry/ha/counters/ns/c';
    await a.create(key, enc('0'));
    const perStore = 20;
    await Promise.all([
      ...Array.from({ length: perStore }, () => increment(a, key)),
      ...Array.from({ length: perStore }, () => increment(b, key)),
    ]);
    assert.equal(dec((await a.get(key)).kv), String(2 * perStore));
    assert.equal(dec((await b.get(key)).kv), String(2 * perStore));
  });

  test('concurrent creates of one key from two stores: exactly one wins', async () => {
    for (let i = 0; i < 10; i++) {
      const key = `/registry/ha/creates/ns/k${i}`;
      const results = await Promise.allSettled([a.create(key, enc('a')), b.create(key, enc('b'))]);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      const lost = results.find((r) => r.status === 'rejected');
      assert.ok(lost && isStorageError(lost.reason, 'KeyExists'));
    }
  });

  test("a watch on one store sees the other store's writes, in order", async () => {
    const prefix = '/registry/ha/watched/';
    // A watch "from now" starts after the newest revision this store has seen.
    await a.currentRevision();
    const watcher = a.watch(prefix);
    const created = await b.create(`${prefix}ns/x`, enc('1'));
    await b.guaranteedUpdate(created.key, () => enc('2'));
    const deleted = await b.delete(created.key);
    const events = await collectEvents(watcher, 3);
    watcher.stop();
    assert.deepEqual(events.map((e) => `${e.type} ${dec(e.kv)}`), ['ADDED 1', 'MODIFIED 2', 'DELETED 2']);
    assert.equal(events[0]!.kv.modRevision, created.modRevision);
    assert.equal(events[2]!.kv.modRevision, deleted.modRevision);
    assert.equal(dec(events[1]!.prevKv), '1');

    // And from a past revision: history written by the other store is replayed.
    const replay = b.watch(prefix, { fromRevision: created.modRevision - 1 });
    const again = await collectEvents(replay, 3);
    replay.stop();
    assert.deepEqual(again.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('a compaction by one store is recorded in compact_rev_key and seen by the other', async () => {
    const kv = await a.create('/registry/ha/compacted/ns/x', enc('1'));
    await a.guaranteedUpdate(kv.key, () => enc('2'));
    const target = await a.currentRevision();
    await a.compact(target);
    assert.equal(await b.compactedRevision(), target);
    await rejectsWith(b.get(kv.key, { revision: kv.modRevision }), 'Expired');
    await rejectsWith(() => drain(b.watch('/registry/ha/compacted/', { fromRevision: kv.modRevision })), 'Expired');

    // Stored as kube-apiserver stores it: the decimal revision, outside /registry/.
    const raw = new Etcd3({ hosts: etcd!.endpoints });
    try {
      assert.equal(await raw.get(COMPACT_REV_KEY).string(), String(target));
    } finally {
      raw.close();
    }

    // Compacting to an older revision changes nothing; a future one is refused.
    await b.compact(kv.modRevision);
    assert.equal(await a.compactedRevision(), target);
    await rejectsWith(b.compact((await b.currentRevision()) + 1000), 'FutureRevision');
  });

  test('concurrent compactions by two stores settle on the highest revision', async () => {
    const base = await a.create('/registry/ha/compact-race/ns/x', enc('0'));
    for (let i = 1; i <= 6; i++) await a.guaranteedUpdate(base.key, () => enc(String(i)));
    const top = await a.currentRevision();
    const targets = [top - 4, top - 2, top - 3, top, top - 1];
    await Promise.all(targets.map((rev, i) => (i % 2 === 0 ? a : b).compact(rev)));
    assert.equal(await a.compactedRevision(), top);
    assert.equal(await b.compactedRevision(), top);
  });

  test('watches of a store share one stream; stopping them cancels them on the etcd server', async () => {
    const endpoint = etcd!.endpoints[0]!;
    const watchers = () => metric(endpoint, 'etcd_debugging_mvcc_watcher_total');
    const streams = () => metric(endpoint, 'etcd_debugging_mvcc_watch_stream_total');
    const baseWatchers = await watchers();
    const baseStreams = await streams();
    const [w1, w2, w3] = [a.watch('/registry/ha/shared/'), a.watch('/registry/ha/shared/'), a.watch('/registry/ha/other/')];
    const w4 = b.watch('/registry/ha/shared/');
    await eventually('four watchers on two streams', async () => (await watchers()) === baseWatchers + 4 && (await streams()) === baseStreams + 2);

    // Stopping one leaves the others on the stream delivering.
    w1!.stop();
    await eventually('the stopped watcher to be cancelled', async () => (await watchers()) === baseWatchers + 3);
    const kv = await b.create('/registry/ha/shared/ns/x', enc('1'));
    for (const w of [w2!, w4]) assert.equal((await collectEvents(w, 1))[0]!.kv.modRevision, kv.modRevision);

    for (const w of [w2!, w3!, w4]) w.stop();
    await eventually('the watchers and streams to be released', async () => (await watchers()) === baseWatchers && (await streams()) === baseStreams);
  });

  test('watches stopped before their stream opens leave nothing behind', async () => {
    const endpoint = etcd!.endpoints[0]!;
    const baseWatchers = await metric(endpoint, 'etcd_debugging_mvcc_watcher_total');
    const baseStreams = await metric(endpoint, 'etcd_debugging_mvcc_watch_stream_total');
    for (let round = 0; round < 5; round++) {
      const churn = Array.from({ length: 20 }, () => a.watch('/registry/ha/churn/'));
      for (const w of churn) w.stop();
    }
    const survivor = a.watch('/registry/ha/churn/');
    const kv = await a.create('/registry/ha/churn/ns/x', enc('1'));
    assert.equal((await collectEvents(survivor, 1))[0]!.kv.modRevision, kv.modRevision);
    survivor.stop();
    await eventually('no watchers or streams left', async () =>
      (await metric(endpoint, 'etcd_debugging_mvcc_watcher_total')) === baseWatchers &&
      (await metric(endpoint, 'etcd_debugging_mvcc_watch_stream_total')) === baseStreams);
  });

  test('a watch from now on a store that has not seen the latest compaction starts after it', async () => {
    // b writes and compacts past everything a has seen; a's "now" is then compacted history.
    const kv = await b.create('/registry/ha/stale/ns/x', enc('0'));
    for (let i = 1; i <= 3; i++) await b.guaranteedUpdate(kv.key, () => enc(String(i)));
    await b.compact(await b.currentRevision());
    const watcher = a.watch('/registry/ha/stale/');
    const next = await b.guaranteedUpdate(kv.key, () => enc('4'));
    const events = await collectEvents(watcher, 1);
    watcher.stop();
    assert.deepEqual(events.map((e) => `${e.type} ${dec(e.kv)} ${e.kv.modRevision}`), [`MODIFIED 4 ${next.modRevision}`]);
  });

  test('openEtcdStore fails fast with Unavailable naming the endpoints', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const started = Date.now();
    const err = await rejectsWith(openEtcdStore([endpoint], { dialTimeoutMs: 1000 }), 'Unavailable');
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    assert.match(err.message, new RegExp(endpoint.replace(/[.:/]/g, '\\$&')));
  });

  test('a process that closes its store exits: no client, stream or timer outlives close()', async () => {
    const index = new URL('./index.js', import.meta.url).href;
    const script = `
      import { openEtcdStore } from ${JSON.stringify(index)};
      const store = await openEtcdStore(${JSON.stringify(etcd!.endpoints)});
      const watcher = store.watch('/registry/ha/exit/');
      const other = store.watch('/registry/ha/exit/', { fromRevision: 1 });
      await store.create('/registry/ha/exit/ns/k' + process.pid, new Uint8Array([1]));
      for await (const batch of watcher) { if (batch.length > 0) break; }
      void other;
      await store.close();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
      new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 15_000))),
    ]);
    clearTimeout(timer);
    if (code === 'hung') child.kill('SIGKILL');
    assert.equal(code, 0, `child did not exit cleanly (${String(code)}): ${stderr}`);
  });
});

describe('etcd store: losing etcd', { skip }, () => {
  test('a watch fails with Unavailable, requests fail with Unavailable, and stop() cleans up', async () => {
    const etcd = await startEtcd();
    let store: Store | undefined;
    try {
      assert.ok(existsSync(etcd.dataDir));
      store = await openEtcdStore(etcd.endpoints, { requestTimeoutMs: 2000 });
      const watcher = store.watch('/registry/lost/things/');
      const failure = rejectsWith(() => drain(watcher), 'Unavailable');
      await store.create('/registry/lost/things/ns/a', enc('1'));
      await etcd.stop();
      assert.equal(existsSync(etcd.dataDir), false);
      await failure;
      await rejectsWith(store.get('/registry/lost/things/ns/a'), 'Unavailable');
      await rejectsWith(store.create('/registry/lost/things/ns/b', enc('1')), 'Unavailable');
    } finally {
      await store?.close();
      await etcd.stop();
    }
  });
});

describe('etcd store: progress notifications', { skip }, () => {
  test('an idle watch learns the revision from etcd progress notifications', async () => {
    const etcd = await startEtcd({ extraArgs: ['--experimental-watch-progress-notify-interval=200ms'] });
    let store: Store | undefined;
    try {
      store = await openEtcdStore(etcd.endpoints);
      const watcher = store.watch('/registry/progress/quiet/', { fromRevision: await store.currentRevision(), progressNotify: true });
      const elsewhere = await store.create('/registry/progress/busy/ns/a', enc('1'));
      // Progress shows as empty batches; nothing for this prefix was written.
      const seen = await collectUntil(watcher, () => watcher.progressRevision >= elsewhere.modRevision);
      assert.deepEqual(seen, []);
      watcher.stop();
    } finally {
      await store?.close();
      await etcd.stop();
    }
  });
});

describe('etcd store: three-member cluster', { skip }, () => {
  let cluster: EtcdProcess | undefined;
  const stores: Store[] = [];
  before(async () => {
    cluster = await startEtcd({ members: 3 });
  });
  after(async () => {
    for (const s of stores) await s.close();
    await cluster?.stop();
  });

  test('stores on different members agree, and the cluster serves on after losing a member', async () => {
    const [e0, e1] = cluster!.endpoints;
    const onFirst = await openEtcdStore([e0!]);
    const onSecond = await openEtcdStore([e1!]);
    const onAll = await openEtcdStore(cluster!.endpoints);
    stores.push(onFirst, onSecond, onAll);

    const key = '/registry/cluster/counters/ns/c';
    await onFirst.create(key, enc('0'));
    await onSecond.currentRevision();
    const watcher = onSecond.watch('/registry/cluster/counters/');
    await Promise.all([
      ...Array.from({ length: 10 }, () => increment(onFirst, key)),
      ...Array.from({ length: 10 }, () => increment(onSecond, key)),
      ...Array.from({ length: 10 }, () => increment(onAll, key)),
    ]);
    assert.equal(dec((await onAll.get(key)).kv), '30');
    const events = await collectEvents(watcher, 30);
    watcher.stop();
    assert.deepEqual(events.map((e) => dec(e.kv)), Array.from({ length: 30 }, (_, i) => String(i + 1)));

    // Stop the third member: two of three keep quorum. The first write may wait out a
    // leader election; after that the store on all endpoints must serve every request.
    await cluster!.stopMember(2);
    await eventually('a write after the member stopped', async () => {
      try {
        await increment(onAll, key);
        return true;
      } catch (err) {
        if (isStorageError(err, 'Unavailable')) return false;
        throw err;
      }
    }, 15_000);
    for (let i = 0; i < 20; i++) await increment(onAll, key);
    for (let i = 0; i < 10; i++) await increment(onFirst, key);
    assert.equal(dec((await onSecond.get(key)).kv), '61');

    // Stop another: the last member has no leader. Its watches must fail, not go quiet.
    const stranded = onFirst.watch('/registry/cluster/counters/');
    await increment(onFirst, key);
    assert.equal((await collectEvents(stranded, 1)).length, 1);
    const failure = rejectsWith(() => drain(stranded), 'Unavailable');
    await cluster!.stopMember(1);
    await failure;
  });
});

checkLeaksAfterAll();
