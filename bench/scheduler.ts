// bench/scheduler: upstream scheduler_perf's SchedulingBasic with the API server and
// the sqlite store in the loop (in-process, binding through pods/binding as
// upstream's integration harness does): create the nodes, start the scheduler,
// create the init pods and wait for them, then create the measured pods and time the
// window from their first to their last bind. Pods and nodes are upstream's
// templates (pod-default: 100m / 500Mi; node-default: 4 cpu, 32Gi, 110 pods).

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../src/api/types.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock, Resources, type WatchHandle } from '../src/client/index.js';
import { CycleState, Framework, Nominator, SchedulerCache, defaultProfile, defaultRegistry, newPodInfo, newScheduler } from '../src/scheduler/index.js';
import { startControlPlane, type TestControlPlane } from '../src/testing/index.js';
import { formatMs, formatRate, percentile, printTable, writeResults } from './report.js';

interface Workload {
  readonly name: string;
  readonly nodes: number;
  readonly initPods: number;
  readonly measurePods: number;
  /** Upstream's pass threshold in pods/s (performance-config.yaml), when it has one. */
  readonly threshold?: number;
}

const WORKLOADS: readonly Workload[] = [
  // SchedulingBasic/500Nodes has no threshold upstream (it is an integration-test size).
  { name: 'SchedulingBasic/500Nodes', nodes: 500, initPods: 500, measurePods: 1000 },
  { name: 'SchedulingBasic/5000Nodes_10000Pods', nodes: 5000, initPods: 1000, measurePods: 10_000, threshold: 680 },
];
const TARGET_5000 = 2000;
const CREATE_CONCURRENCY = 64;
const only = process.env.BENCH_WORKLOADS?.split(',');

function nodeObject(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `scheduler-perf-${i}`, labels: { 'kubernetes.io/hostname': `scheduler-perf-${i}` } },
    spec: {},
  } as KubeObject;
}

const NODE_STATUS = {
  capacity: { pods: '110', cpu: '4', memory: '32Gi' },
  allocatable: { pods: '110', cpu: '4', memory: '32Gi' },
  conditions: [{ status: 'True', type: 'Ready' }],
  phase: 'Running',
};

function podObject(namespace: string, i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace },
    spec: {
      containers: [
        {
          image: 'registry.k8s.io/pause:3.10',
          name: 'pause',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '100m', memory: '500Mi' }, requests: { cpu: '100m', memory: '500Mi' } },
        },
      ],
    },
  } as KubeObject;
}

async function inParallel(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
}

/** Watches a namespace's pods and notes when each first shows a nodeName. */
async function watchBinds(cp: TestControlPlane, namespace: string): Promise<{ bound: Map<string, number>; handle: WatchHandle; waitFor(n: number, timeoutMs: number): Promise<void> }> {
  const bound = new Map<string, number>();
  let waiter: { n: number; resolve: () => void } | undefined;
  const list = await cp.client.list(Resources.pods, namespace);
  const handle = await cp.client.watch(Resources.pods, namespace, { resourceVersion: list.metadata.resourceVersion ?? '0' }, (event) => {
    const pod = event.object as { metadata?: { name?: string }; spec?: { nodeName?: string } };
    const name = pod.metadata?.name;
    if (!name || !pod.spec?.nodeName || bound.has(name)) return;
    bound.set(name, performance.now());
    if (waiter && bound.size >= waiter.n) waiter.resolve();
  });
  return {
    bound,
    handle,
    waitFor(n, timeoutMs) {
      if (bound.size >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${bound.size}/${n} pods bound after ${timeoutMs} ms`)), timeoutMs);
        waiter = {
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
  };
}

interface Figures {
  podsPerSecond: number;
  createPerSecond: number;
  windowMs: number;
  latencyP50: number;
  latencyP99: number;
  errors: number;
}

async function run(workload: Workload): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-scheduler-'));
  const cp = await startControlPlane({ datastore: `sqlite://${join(dir, 'state.db')}` });
  try {
    process.stderr.write(`  ${workload.name}: ${workload.nodes} nodes\n`);
    await inParallel(workload.nodes, CREATE_CONCURRENCY, async (i) => {
      const created = await cp.client.create(Resources.nodes, '', nodeObject(i));
      // The node's status goes through the status subresource, as a kubelet writes it.
      await cp.client.update(Resources.nodes, '', { ...created, status: NODE_STATUS } as KubeObject, { subresource: 'status' });
    });
    for (const ns of ['namespace-1', 'namespace-2']) await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as KubeObject);

    const scheduler = await cp.run((ctx) => newScheduler(ctx));
    try {
      process.stderr.write(`  ${workload.name}: ${workload.initPods} init pods\n`);
      const init = await watchBinds(cp, 'namespace-1');
      await inParallel(workload.initPods, CREATE_CONCURRENCY, (i) => cp.client.create(Resources.pods, 'namespace-1', podObject('namespace-1', i)));
      await init.waitFor(workload.initPods, 120_000);
      init.handle.close();

      process.stderr.write(`  ${workload.name}: ${workload.measurePods} measured pods\n`);
      const measured = await watchBinds(cp, 'namespace-2');
      const createdAt = new Map<string, number>();
      const createStart = performance.now();
      await inParallel(workload.measurePods, CREATE_CONCURRENCY, async (i) => {
        createdAt.set(`pod-${i}`, performance.now());
        await cp.client.create(Resources.pods, 'namespace-2', podObject('namespace-2', i));
      });
      const createMs = performance.now() - createStart;
      await measured.waitFor(workload.measurePods, 300_000);
      measured.handle.close();

      const times = [...measured.bound.values()].sort((a, b) => a - b);
      const windowMs = times[times.length - 1]! - times[0]!;
      const latencies = [...measured.bound].map(([name, at]) => at - (createdAt.get(name) ?? at));
      return {
        // Pods per second over the window from the first to the last bind.
        podsPerSecond: ((times.length - 1) / windowMs) * 1000,
        createPerSecond: (workload.measurePods / createMs) * 1000,
        windowMs,
        latencyP50: percentile(latencies, 50),
        latencyP99: percentile(latencies, 99),
        errors: cp.errors.length,
      };
    } finally {
      await scheduler.stop();
    }
  } finally {
    if (cp.errors.length > 0) process.stderr.write(`  errors: ${cp.errors.slice(0, 3).map(String).join('; ')}\n`);
    await cp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The scheduling cycles alone (no API server, no informers): the scheduler's own
 * ceiling on this machine, for reading the in-loop figure against.
 */
function cyclesOnly(nodes: number, pods: number): number {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) {
    const node = nodeObject(i) as Node;
    cache.addNode({ ...node, status: NODE_STATUS });
  }
  const services = {
    nominator: new Nominator(),
    clock: new FakeClock(),
    bindPod: async () => {},
    preemptPod: async () => {},
    clearNomination: async () => {},
    podDisruptionBudgets: () => [],
    getPod: () => undefined,
  };
  const framework = new Framework(defaultRegistry, defaultProfile, services);
  const start = performance.now();
  for (let i = 0; i < pods; i++) {
    const pod = { ...(podObject('namespace-1', i) as Pod), metadata: { name: `pod-${i}`, namespace: 'namespace-1', uid: `uid-${i}` } };
    const info = newPodInfo(pod);
    framework.setSnapshot(cache.updateSnapshot());
    const host = framework.schedulePod(new CycleState(), pod).suggestedHost;
    const assumed = { ...pod, spec: { ...pod.spec!, nodeName: host } };
    cache.assumePod({ ...info, pod: assumed });
    // What the informer does once the binding is seen.
    cache.addPod({ ...assumed, metadata: { ...assumed.metadata, resourceVersion: '1' } });
  }
  return (pods / (performance.now() - start)) * 1000;
}

async function main(): Promise<void> {
  const results: Record<string, Figures & { threshold: number | null }> = {};
  for (const workload of WORKLOADS) {
    if (only && !only.some((o) => workload.name.includes(o))) continue;
    results[workload.name] = { ...(await run(workload)), threshold: workload.threshold ?? null };
  }
  const rows = Object.entries(results).map(([name, r]) => {
    const workload = WORKLOADS.find((w) => w.name === name)!;
    const reference = workload.threshold ? `upstream threshold ${formatRate(workload.threshold)}; target ${formatRate(TARGET_5000)}` : 'no upstream threshold';
    return [name, formatRate(r.podsPerSecond), formatRate(r.createPerSecond), `${formatMs(r.latencyP50)} / ${formatMs(r.latencyP99)}`, reference];
  });
  process.stderr.write('  scheduling cycles only, 5000 nodes / 11000 pods\n');
  const cycles = cyclesOnly(5000, 11_000);
  rows.push(['cycles only (no API), 5000 nodes / 11000 pods', formatRate(cycles), '', '', 'the scheduler alone: filter 500 nodes, score, assume']);
  printTable('bench/scheduler (SchedulingBasic, in-process API server, sqlite)', ['workload', 'scheduled pods/s', 'pod creates/s', 'create->bind p50 / p99', 'reference'], rows);
  // Other processes on a 2-core machine move these figures a lot: record how busy it was.
  writeResults('scheduler', { workloads: results, cyclesOnly5000Nodes11000Pods: cycles, loadAverageAtEnd: loadavg() });
}

await main();
