// bench/storage: the datastore backends side by side on this machine.
// writes/s (1 and 64 concurrent writers, durable), gets/s, list of 10k and 100k
// keys, and watch fan-out latency to 1000 watchers; etcd's raw put rate (plain
// puts through the etcd3 client, no transaction) is the reference.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { openBackendStore, type Store } from '../src/storage/index.js';
import { etcdAvailable, startEtcd, type EtcdProcess } from '../src/storage/etcd/index.js';
import { formatRate, formatMs, percentile, printTable, writeResults } from './report.js';

const QUICK = process.env.BENCH_QUICK === '1';
const N_WRITES_1 = QUICK ? 500 : 2000;
const N_WRITES_64 = QUICK ? 5000 : 20000;
const N_GETS = QUICK ? 5000 : 20000;
const LIST_SIZES = QUICK ? [10_000] : [10_000, 100_000];
const WATCHERS = 1000;
const WATCH_WRITES = QUICK ? 20 : 100;

const value = Buffer.from(JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'x', namespace: 'bench', labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, pad: 'x'.repeat(1200) }));

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `total` operations with `concurrency` workers; returns ops/s. */
async function rate(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const ms = await timed(async () => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await op(next++);
      }),
    );
  });
  return (total / ms) * 1000;
}

interface BackendFigures {
  writes1: number;
  writes64: number;
  gets1: number;
  gets64: number;
  list: Record<string, { p50: number; p99: number }>;
  watch: { p50: number; p99: number; events: number };
}

async function measureStore(store: Store, tag: string): Promise<BackendFigures> {
  process.stderr.write(`  ${tag}: writes\n`);
  const writes1 = await rate(N_WRITES_1, 1, (i) => store.create(`/registry/core/pods/w1/p${i}`, value));
  const writes64 = await rate(N_WRITES_64, 64, (i) => store.create(`/registry/core/pods/w64/p${i}`, value));
  process.stderr.write(`  ${tag}: gets\n`);
  const gets1 = await rate(N_GETS / 4, 1, (i) => store.get(`/registry/core/pods/w64/p${i % N_WRITES_64}`));
  const gets64 = await rate(N_GETS, 64, (i) => store.get(`/registry/core/pods/w64/p${i % N_WRITES_64}`));

  const list: BackendFigures['list'] = {};
  let loaded = 0;
  for (const size of LIST_SIZES) {
    process.stderr.write(`  ${tag}: load and list ${size} keys\n`);
    const from = loaded;
    await rate(size - from, 64, (i) => store.create(`/registry/core/pods/list/p${String(from + i).padStart(7, '0')}`, value));
    loaded = size;
    const samples: number[] = [];
    const runs = size >= 100_000 ? 3 : 10;
    for (let r = 0; r < runs; r++) {
      samples.push(
        await timed(async () => {
          const result = await store.list('/registry/core/pods/list/');
          if (result.items.length !== size) throw new Error(`listed ${result.items.length}, want ${size}`);
        }),
      );
    }
    list[`${size / 1000}k`] = { p50: percentile(samples, 50), p99: percentile(samples, 99) };
  }

  process.stderr.write(`  ${tag}: watch fan-out to ${WATCHERS} watchers\n`);
  const watchers = Array.from({ length: WATCHERS }, () => store.watch('/registry/core/configmaps/'));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const expected = WATCHERS * WATCH_WRITES;
  let done: () => void = () => {};
  const allSeen = new Promise<void>((resolve) => (done = resolve));
  const readers = watchers.map(async (watcher) => {
    for await (const batch of watcher) {
      const now = performance.now();
      for (const event of batch) {
        const sent = sentAt.get(event.kv.key);
        if (sent !== undefined) latencies.push(now - sent);
      }
      if (latencies.length >= expected) done();
    }
  });
  for (let i = 0; i < WATCH_WRITES; i++) {
    const key = `/registry/core/configmaps/bench/c${i}`;
    // Latency is measured from the start of the write, so it includes the commit.
    sentAt.set(key, performance.now());
    await store.create(key, value);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const deadline = setTimeout(done, 30_000);
  await allSeen;
  clearTimeout(deadline);
  for (const watcher of watchers) watcher.stop();
  await Promise.allSettled(readers);
  const watch = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), events: latencies.length };
  return { writes1, writes64, gets1, gets64, list, watch };
}

async function etcdRawPuts(endpoints: string[]): Promise<{ puts1: number; puts64: number }> {
  const client = new Etcd3({ hosts: endpoints });
  try {
    const puts1 = await rate(N_WRITES_1, 1, async (i) => { await client.put(`/raw/one/${i}`).value(value); });
    const puts64 = await rate(N_WRITES_64, 64, async (i) => { await client.put(`/raw/many/${i}`).value(value); });
    return { puts1, puts64 };
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const results: Record<string, BackendFigures> = {};
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-storage-'));
  let etcd: EtcdProcess | undefined;
  let raw: { puts1: number; puts64: number } | undefined;
  try {
    process.stderr.write('memory\n');
    const memory = await openBackendStore({ kind: 'memory' });
    results.memory = await measureStore(memory, 'memory');
    await memory.close();

    process.stderr.write('sqlite\n');
    const sqlite = await openBackendStore({ kind: 'sqlite', path: join(dir, 'state.db') });
    results.sqlite = await measureStore(sqlite, 'sqlite');
    await sqlite.close();

    const skip = etcdAvailable();
    if (skip) process.stderr.write(`etcd skipped: ${skip}\n`);
    else {
      process.stderr.write('etcd\n');
      etcd = await startEtcd();
      raw = await etcdRawPuts(etcd.endpoints);
      await etcd.stop();
      etcd = await startEtcd();
      const store = await openBackendStore({ kind: 'etcd', endpoints: etcd.endpoints });
      results.etcd = await measureStore(store, 'etcd');
      await store.close();
    }
  } finally {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const backends = Object.keys(results);
  const col = (f: (b: BackendFigures) => string) => backends.map((b) => f(results[b]!));
  const rows: string[][] = [
    ['writes/s, 1 writer', ...col((b) => formatRate(b.writes1)), raw ? `etcd raw put ${formatRate(raw.puts1)}` : 'etcd raw put: n/a'],
    ['writes/s, 64 writers', ...col((b) => formatRate(b.writes64)), raw ? `etcd raw put ${formatRate(raw.puts64)}; aim sqlite >= 3x` : 'etcd raw put: n/a'],
    ['gets/s, 1 reader', ...col((b) => formatRate(b.gets1)), ''],
    ['gets/s, 64 readers', ...col((b) => formatRate(b.gets64)), ''],
    ...Object.keys(results[backends[0]!]!.list).map((size) => [
      `list ${size} keys p50 / p99`,
      ...col((b) => `${formatMs(b.list[size]!.p50)} / ${formatMs(b.list[size]!.p99)}`),
      'upstream: list SLO p99 < 30 s (cluster-wide)',
    ]),
    [`watch to ${WATCHERS} watchers p50 / p99`, ...col((b) => `${formatMs(b.watch.p50)} / ${formatMs(b.watch.p99)}`), 'target p99 < 100 ms'],
  ];
  printTable('bench/storage', ['metric', ...backends, 'reference'], rows);
  writeResults('storage', { quick: QUICK, etcdRawPuts: raw ?? null, backends: results });
}

await main();
