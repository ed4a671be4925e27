// bench/apiserver: `skiff server --runtime none` in its own process, driven over
// HTTPS keep-alive from this one. Pod creates/s and gets/s with 1 and 64 clients,
// list of 10k pods (whole and paged by 500), watch event latency to 1000 watchers;
// sqlite, etcd and memory side by side, etcd's raw put rate as the reference.
// The scheduler is off, as in upstream's API server benchmarks: with no nodes it would
// answer every created pod with a status update and a FailedScheduling event, and
// the figures would measure that background work too.

import { Agent, request } from 'node:https';
import { Etcd3 } from 'etcd3';
import { startCluster, type TestCluster } from '../src/testing/index.js';
import { etcdAvailable, startEtcd, type EtcdProcess } from '../src/storage/etcd/index.js';
import { formatMs, formatRate, percentile, printTable, writeResults } from './report.js';

const QUICK = process.env.BENCH_QUICK === '1';
const CREATES_1 = QUICK ? 300 : 1000;
const CREATES_64 = QUICK ? 3000 : 10_000;
const GETS = QUICK ? 3000 : 10_000;
const LIST_SIZE = 10_000;
const WATCHERS = 1000;
const WATCH_EVENTS = QUICK ? 20 : 50;

interface Client {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
  stream(path: string, onLine: (line: string) => void): () => void;
  close(): void;
}

function client(cluster: TestCluster, maxSockets: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: cluster.tls.ca, cert: cluster.tls.cert, key: cluster.tls.key });
  const base = { host: '127.0.0.1', port: cluster.port, agent };
  return {
    call(method, path, body) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request({ ...base, method, path, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    stream(path, onLine) {
      const req = request({ ...base, agent: new Agent({ ca: cluster.tls.ca, cert: cluster.tls.cert, key: cluster.tls.key }), method: 'GET', path }, (res) => {
        let buffered = '';
        res.on('data', (c: Buffer) => {
          buffered += c.toString();
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            onLine(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 1);
          }
        });
        res.on('error', () => {});
      });
      req.on('error', () => {});
      req.end();
      return () => req.destroy();
    },
    close() {
      agent.destroy();
    },
  };
}

function pod(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

async function rate(total: number, concurrency: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
  return (total / (performance.now() - start)) * 1000;
}

function expect(status: number, want: number, body: string): void {
  if (status !== want) throw new Error(`HTTP ${status}, want ${want}: ${body.slice(0, 300)}`);
}

interface Figures {
  creates1: number;
  creates64: number;
  gets1: number;
  gets64: number;
  list10k: { p50: number; p99: number };
  page500: { p50: number; p99: number };
  watch: { p50: number; p99: number; events: number };
}

async function measure(cluster: TestCluster, tag: string): Promise<Figures> {
  const one = client(cluster, 1);
  const many = client(cluster, 64);
  try {
    process.stderr.write(`  ${tag}: creates\n`);
    const creates1 = await rate(CREATES_1, 1, async (i) => {
      const r = await one.call('POST', '/api/v1/namespaces/default/pods', pod(`one-${i}`));
      expect(r.status, 201, r.body);
    });
    const creates64 = await rate(CREATES_64, 64, async (i) => {
      const r = await many.call('POST', '/api/v1/namespaces/default/pods', pod(`many-${i}`));
      expect(r.status, 201, r.body);
    });
    process.stderr.write(`  ${tag}: gets\n`);
    const gets1 = await rate(GETS / 4, 1, async (i) => {
      const r = await one.call('GET', `/api/v1/namespaces/default/pods/many-${i % CREATES_64}`);
      expect(r.status, 200, r.body);
    });
    const gets64 = await rate(GETS, 64, async (i) => {
      const r = await many.call('GET', `/api/v1/namespaces/default/pods/many-${i % CREATES_64}`);
      expect(r.status, 200, r.body);
    });
    const existing = CREATES_1 + CREATES_64;
    if (existing < LIST_SIZE) {
      await rate(LIST_SIZE - existing, 64, async (i) => {
        const r = await many.call('POST', '/api/v1/namespaces/default/pods', pod(`fill-${i}`));
        expect(r.status, 201, r.body);
      });
    }
    process.stderr.write(`  ${tag}: lists\n`);
    const whole: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      const r = await one.call('GET', '/api/v1/namespaces/default/pods');
      expect(r.status, 200, r.body);
      whole.push(performance.now() - start);
    }
    const pages: number[] = [];
    let token = '';
    for (let i = 0; i < 40; i++) {
      const start = performance.now();
      const r = await one.call('GET', `/api/v1/namespaces/default/pods?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      expect(r.status, 200, r.body);
      pages.push(performance.now() - start);
      token = (JSON.parse(r.body) as { metadata: { continue?: string } }).metadata.continue ?? '';
    }

    process.stderr.write(`  ${tag}: watch fan-out to ${WATCHERS} watchers\n`);
    const rv = (JSON.parse((await one.call('GET', '/api/v1/namespaces/default/configmaps')).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let established = 0;
    const stops = Array.from({ length: WATCHERS }, () =>
      many.stream(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}&allowWatchBookmarks=false`, (line) => {
        const event = JSON.parse(line) as { object: { metadata: { name: string } } };
        const sent = sentAt.get(event.object.metadata.name);
        if (event.object.metadata.name === 'ready') established++;
        if (sent !== undefined) latencies.push(performance.now() - sent);
      }),
    );
    // Wait until every watcher saw a marker object: the streams are all open.
    await one.call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ready' } });
    const deadline = Date.now() + 60_000;
    while (established < WATCHERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < WATCH_EVENTS; i++) {
      const name = `w-${i}`;
      sentAt.set(name, performance.now());
      await one.call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
      await new Promise((r) => setTimeout(r, 20));
    }
    const want = WATCHERS * WATCH_EVENTS;
    while (latencies.length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const stop of stops) stop();
    return {
      creates1,
      creates64,
      gets1,
      gets64,
      list10k: { p50: percentile(whole, 50), p99: percentile(whole, 99) },
      page500: { p50: percentile(pages, 50), p99: percentile(pages, 99) },
      watch: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), events: latencies.length },
    };
  } finally {
    one.close();
    many.close();
  }
}

async function etcdRawPuts(endpoints: string[]): Promise<number> {
  const etcd = new Etcd3({ hosts: endpoints });
  const value = JSON.stringify(pod('raw'));
  try {
    return await rate(CREATES_64, 64, async (i) => {
      await etcd.put(`/raw/${i}`).value(value);
    });
  } finally {
    etcd.close();
  }
}

async function main(): Promise<void> {
  const results: Record<string, Figures> = {};
  let raw: number | undefined;
  const only = process.env.BENCH_BACKENDS?.split(',');
  for (const backend of ['sqlite', 'etcd', 'memory'] as const) {
    if (only && !only.includes(backend)) continue;
    let etcd: EtcdProcess | undefined;
    let cluster: TestCluster | undefined;
    try {
      let datastore: string | undefined;
      if (backend === 'etcd') {
        const skip = etcdAvailable();
        if (skip) {
          process.stderr.write(`etcd skipped: ${skip}\n`);
          continue;
        }
        etcd = await startEtcd();
        raw = await etcdRawPuts(etcd.endpoints);
        datastore = `etcd://${etcd.endpoints.map((e) => e.replace(/^https?:\/\//, '')).join(',')}`;
      } else if (backend === 'memory') datastore = 'memory://';
      process.stderr.write(`${backend}\n`);
      cluster = await startCluster({ ...(datastore ? { datastore } : {}), extraArgs: ['--disable-scheduler'] });
      results[backend] = await measure(cluster, backend);
    } finally {
      await cluster?.stop();
      await etcd?.stop();
    }
  }
  const backends = Object.keys(results);
  const col = (f: (r: Figures) => string) => backends.map((b) => f(results[b]!));
  printTable('bench/apiserver (HTTPS keep-alive, pods; scheduler off)', ['metric', ...backends, 'reference'], [
    ['creates/s, 1 client', ...col((r) => formatRate(r.creates1)), ''],
    ['creates/s, 64 clients', ...col((r) => formatRate(r.creates64)), `target >= 5,000/s on sqlite; etcd raw put ${raw ? formatRate(raw) : 'n/a'} (64 clients)`],
    ['gets/s, 1 client', ...col((r) => formatRate(r.gets1)), ''],
    ['gets/s, 64 clients', ...col((r) => formatRate(r.gets64)), ''],
    ['list 10k pods p50 / p99', ...col((r) => `${formatMs(r.list10k.p50)} / ${formatMs(r.list10k.p99)}`), 'upstream SLO: list p99 < 30 s'],
    ['list page of 500 p50 / p99', ...col((r) => `${formatMs(r.page500.p50)} / ${formatMs(r.page500.p99)}`), 'target p99 < 1 s'],
    [`watch latency, ${WATCHERS} watchers p50 / p99`, ...col((r) => `${formatMs(r.watch.p50)} / ${formatMs(r.watch.p99)}`), 'target p99 < 100 ms'],
  ]);
  writeResults('apiserver', { quick: QUICK, etcdRawPut64: raw ?? null, backends: results });
}

await main();
