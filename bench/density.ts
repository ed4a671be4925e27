// bench/density: upstream's scale limits in one process. `skiff server --runtime
// simulated` with 5000 hollow nodes; 150000 pods created through Deployments; the
// time until every pod is Running and available, and the server's peak RSS.

import { readFileSync } from 'node:fs';
import { HttpClient, loadKubeconfig } from '../src/client/index.js';
import { Resources } from '../src/client/index.js';
import type { KubeObject } from '../src/api/types.js';
import { startCluster, type TestCluster } from '../src/testing/index.js';
import { formatRate, printTable, writeResults } from './report.js';

const QUICK = process.env.BENCH_QUICK === '1';
const NODES = Number(process.env.DENSITY_NODES ?? (QUICK ? 500 : 5000));
const PODS = Number(process.env.DENSITY_PODS ?? (QUICK ? 15_000 : 150_000));
const PER_DEPLOYMENT = 500;
const DEADLINE_MS = 15 * 60_000;
/** Extra `skiff server` flags, for experiments (space-separated). */
const SERVER_ARGS = (process.env.DENSITY_SERVER_ARGS ?? '').split(' ').filter(Boolean);

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function waitFor(what: string, check: () => Promise<boolean>, deadline: number): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'density' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, group: 'density' } },
        spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1m', memory: '10Mi' } } }] },
      },
    },
  };
}

async function main(): Promise<void> {
  process.stderr.write(`density: ${NODES} nodes, ${PODS} pods\n`);
  let cluster: TestCluster | undefined;
  let client: HttpClient | undefined;
  try {
    const started = Date.now();
    cluster = await startCluster({ runtime: 'simulated', extraArgs: ['--simulated-nodes', String(NODES), ...SERVER_ARGS], startTimeoutMs: 120_000 });
    client = new HttpClient({ ...loadKubeconfig(cluster.kubeconfig), component: 'bench-density', maxSockets: 16 });
    const api = client;
    const deadline = Date.now() + DEADLINE_MS;
    await waitFor(`${NODES} nodes`, async () => (await api.list(Resources.nodes, '')).items.length >= NODES, deadline);
    const nodesReadyMs = Date.now() - started;
    const idle = memoryOf(cluster.pid);
    process.stderr.write(`density: ${NODES} nodes registered in ${(nodesReadyMs / 1000).toFixed(1)} s, RSS ${idle.rss.toFixed(0)} MiB\n`);

    await api.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'density' } });
    const t0 = Date.now();
    const count = Math.ceil(PODS / PER_DEPLOYMENT);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) {
          const i = next++;
          const replicas = Math.min(PER_DEPLOYMENT, PODS - i * PER_DEPLOYMENT);
          await api.create(Resources.deployments, 'density', deployment(`d-${i}`, replicas));
        }
      }),
    );
    let available = 0;
    let peakSeen = 0;
    let lastReport = 0;
    await waitFor(
      `${PODS} available pods`,
      async () => {
        const list = await api.list<{ status?: { availableReplicas?: number } }>(Resources.deployments, 'density');
        available = list.items.reduce((sum, d) => sum + (d.status?.availableReplicas ?? 0), 0);
        const memory = memoryOf(cluster!.pid);
        peakSeen = Math.max(peakSeen, memory.peak);
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          process.stderr.write(`density: ${((Date.now() - t0) / 1000).toFixed(0)} s: ${available}/${PODS} available, RSS ${memory.rss.toFixed(0)} MiB\n`);
        }
        return available >= PODS;
      },
      deadline,
    ).catch((err: unknown) => process.stderr.write(`density: ${String(err)}\n`));
    const elapsedMs = Date.now() - t0;
    // For heap snapshots: keep the loaded server up a while (NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2).
    const holdMs = Number(process.env.DENSITY_HOLD_MS ?? 0);
    if (holdMs > 0) {
      process.stderr.write(`density: holding the server (pid ${cluster.pid}) for ${holdMs} ms\n`);
      await new Promise((resolve) => setTimeout(resolve, holdMs));
    }
    const memory = memoryOf(cluster.pid);
    const peak = Math.max(peakSeen, memory.peak);
    const done = available >= PODS;
    printTable(`bench/density (${NODES} simulated nodes, ${PODS} pods through ${count} Deployments, one process)`, ['metric', 'skiff', 'reference'], [
      ['nodes registered', `${(nodesReadyMs / 1000).toFixed(1)} s`, ''],
      ['RSS with nodes, no pods', `${idle.rss.toFixed(0)} MiB`, 'control plane idle target < 100 MB (without nodes)'],
      ['all pods available', done ? `${(elapsedMs / 1000).toFixed(1)} s` : `not reached: ${available}/${PODS} in ${(elapsedMs / 1000).toFixed(0)} s`, 'target < 5 min'],
      ['pods/s (create -> available)', formatRate((available / elapsedMs) * 1000), ''],
      ['peak RSS', `${peak.toFixed(0)} MiB`, 'target < 2 GB (upstream limits: 5000 nodes, 150000 pods)'],
    ]);
    writeResults('density', { quick: QUICK, nodes: NODES, pods: PODS, deployments: count, nodesReadyMs, allAvailableMs: done ? elapsedMs : null, available, idleRssMiB: idle.rss, peakRssMiB: peak });
    if (!done) process.exitCode = 1;
  } finally {
    client?.close();
    await cluster?.stop();
  }
}

await main();
