// bench/podstartup: pod startup latency on runc, the upstream SLI "pod startup
// latency" (create -> Running, image already pulled; SLO p99 <= 5 s). 100 pods are
// created at once through the API against `skiff server --runtime runc`; latency is
// from each create request to the watch event that shows the pod Running. Also the
// server's RSS (control plane and node agent, one process) and conmon's with 100 pods.
//
// Needs root, runc, conmon, the CNI plugins and docker-registry (scripts/install-host-deps.sh).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../src/api/types.js';
import { HttpClient, Resources, loadKubeconfig, type WatchHandle } from '../src/client/index.js';
import { missingForRunc } from '../src/cli/runtime-choice.js';
import { startCluster } from '../src/testing/index.js';
import { buildBusyboxImage, pushImage, registrySkipReason, startRegistry } from '../test/support/registry.js';
import { formatMs, percentile, printTable, writeResults } from './report.js';

const PODS = Number(process.env.PODSTARTUP_PODS ?? 100);
const SEQUENTIAL = Number(process.env.PODSTARTUP_SEQUENTIAL ?? 20);
const PACED_PER_SECOND = Number(process.env.PODSTARTUP_PACED_PER_SECOND ?? 10);

/** CPU seconds of a process: its own and its waited-for children's. */
function processCpuSeconds(pid: number): { own: number; children: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  return { own: (f[11]! + f[12]!) / 100, children: (f[13]! + f[14]!) / 100 };
}

/** Busy and total CPU time of the whole machine so far, in seconds (/proc/stat). */
function machineCpuSeconds(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const ticks = 100; // USER_HZ
  return { busy: (total - idle) / ticks, total: total / ticks };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Sum of the RSS of every conmon process (one per container). */
function conmonRssMiB(): { count: number; mib: number } {
  let out: string;
  try {
    out = execFileSync('ps', ['-C', 'conmon', '-o', 'rss='], { encoding: 'utf8' });
  } catch {
    return { count: 0, mib: 0 };
  }
  const values = out.split('\n').filter(Boolean).map(Number);
  return { count: values.length, mib: values.reduce((a, b) => a + b, 0) / 1024 };
}

function podObject(name: string, image: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'podstartup' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'sleep', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'], resources: { requests: { cpu: '1m', memory: '4Mi' } } }],
    },
  };
}

/** Deletes the benchmark's pods (all but `keep`) and waits until they are gone. */
async function deleteBenchPods(client: HttpClient, keep?: string): Promise<void> {
  const list = async () => (await client.list(Resources.pods, 'default', { labelSelector: 'bench=podstartup' })).items.filter((pod) => pod.metadata?.name !== keep);
  await Promise.all((await list()).map((pod) => client.delete(Resources.pods, 'default', pod.metadata?.name ?? '').catch(() => undefined)));
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    if ((await list()).length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('pods still there after 120 s');
}

async function main(): Promise<void> {
  const missing = missingForRunc();
  const skip = missing.length > 0 ? `needs ${missing.join(', ')}` : registrySkipReason();
  if (skip) {
    process.stdout.write(`bench/podstartup skipped: ${skip}\n`);
    return;
  }
  const registry = await startRegistry();
  const cluster = await startCluster({ runtime: 'runc', startTimeoutMs: 60_000, stopTimeoutMs: 120_000, extraArgs: ['--kubelet-port', '0', '--cleanup'] });
  const client = new HttpClient({ ...loadKubeconfig(cluster.kubeconfig), component: 'bench-podstartup' });
  let watch: WatchHandle | undefined;
  try {
    await pushImage(registry.host, 'busybox', 'bench', await buildBusyboxImage());
    const image = `${registry.host}/busybox:bench`;
    // The node registers and the image is pulled once, outside the measurement.
    const deadline = Date.now() + 60_000;
    const created = new Map<string, number>();
    const running = new Map<string, number>();
    let onRunning: (() => void) | undefined;
    watch = await client.watch<Pod & KubeObject>(Resources.pods, 'default', { labelSelector: 'bench=podstartup' }, (event) => {
      const name = event.object.metadata?.name ?? '';
      if (event.object.status?.phase === 'Running' && !running.has(name)) {
        running.set(name, performance.now());
        onRunning?.();
      }
    });
    const waitRunning = (names: string[], timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${names.filter((n) => running.has(n)).length}/${names.length} pods Running after ${timeoutMs} ms`)), timeoutMs);
        onRunning = () => {
          if (names.every((n) => running.has(n))) {
            clearTimeout(timer);
            resolve();
          }
        };
        onRunning();
      });
    while (Date.now() < deadline) {
      try {
        await client.create(Resources.pods, 'default', podObject('warmup', image));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await waitRunning(['warmup'], 120_000);
    const idleRss = rssMiB(cluster.pid);

    // One at a time: the latency of a pod on an otherwise idle node.
    const sequential: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const name = `seq-${i}`;
      created.set(name, performance.now());
      await client.create(Resources.pods, 'default', podObject(name, image));
      await waitRunning([name], 60_000);
      sequential.push(running.get(name)! - created.get(name)!);
    }
    // A node runs at most 110 pods: each round starts on a node with only the warm-up pod.
    await deleteBenchPods(client, 'warmup');

    // At a steady rate the node keeps up with, as upstream's density tests create pods.
    const pacedNames = Array.from({ length: PODS }, (_, i) => `paced-${i}`);
    for (const name of pacedNames) {
      const due = performance.now() + 1000 / PACED_PER_SECOND;
      created.set(name, performance.now());
      await client.create(Resources.pods, 'default', podObject(name, image));
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await waitRunning(pacedNames, 120_000);
    const paced = pacedNames.map((n) => running.get(n)! - created.get(n)!);
    await deleteBenchPods(client, 'warmup');

    const names = Array.from({ length: PODS }, (_, i) => `pod-${i}`);
    const cpuBefore = machineCpuSeconds();
    const serverBefore = processCpuSeconds(cluster.pid);
    const started = performance.now();
    await Promise.all(
      names.map(async (name) => {
        created.set(name, performance.now());
        await client.create(Resources.pods, 'default', podObject(name, image));
      }),
    );
    await waitRunning(names, 300_000);
    const allRunningMs = performance.now() - started;
    const cpuAfter = machineCpuSeconds();
    const serverAfter = processCpuSeconds(cluster.pid);
    // Is the burst bound by CPU (every core busy) or by waiting (locks, serial steps)?
    const burstCpu = {
      busySeconds: cpuAfter.busy - cpuBefore.busy,
      utilisation: (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total),
      serverSeconds: serverAfter.own - serverBefore.own,
      serverCommandsSeconds: serverAfter.children - serverBefore.children,
    };
    const latencies = names.map((n) => running.get(n)! - created.get(n)!);
    const serverRss = rssMiB(cluster.pid);
    const conmon = conmonRssMiB();

    printTable(`bench/podstartup (runc, image present)`, ['metric', 'skiff', 'reference'], [
      [`one at a time (${SEQUENTIAL} pods): p50`, formatMs(percentile(sequential, 50)), ''],
      [`one at a time: p99`, formatMs(percentile(sequential, 99)), 'target < 1 s; upstream SLO p99 <= 5 s'],
      [`${PODS} at ${PACED_PER_SECOND} pods/s: p50`, formatMs(percentile(paced, 50)), ''],
      [`${PODS} at ${PACED_PER_SECOND} pods/s: p99`, formatMs(percentile(paced, 99)), 'target < 1 s; upstream SLO p99 <= 5 s'],
      [`${PODS} created at once: p50`, formatMs(percentile(latencies, 50)), ''],
      [`${PODS} created at once: p99`, formatMs(percentile(latencies, 99)), 'CPU-bound: see the per-pod CPU below'],
      ['all Running', formatMs(allRunningMs), ''],
      ['machine CPU during the burst, per pod', formatMs((burstCpu.busySeconds * 1000) / PODS), `all cores ${Math.round(burstCpu.utilisation * 100)}% busy`],
      ['  of it the server (control plane + agent)', formatMs((burstCpu.serverSeconds * 1000) / PODS), ''],
      ['  of it commands it ran (runc, CNI, mount)', formatMs((burstCpu.serverCommandsSeconds * 1000) / PODS), 'conmon and containers: the rest'],
      ['server RSS (control plane + agent), 1 pod', `${Math.round(idleRss)} MiB`, ''],
      [`server RSS, ${PODS + 1} pods`, `${Math.round(serverRss)} MiB`, ''],
      [`conmon RSS (${conmon.count} processes)`, `${Math.round(conmon.mib)} MiB`, ''],
    ]);
    writeResults('podstartup', {
      pods: PODS,
      sequential: { pods: SEQUENTIAL, p50Ms: percentile(sequential, 50), p99Ms: percentile(sequential, 99) },
      paced: { pods: PODS, perSecond: PACED_PER_SECOND, p50Ms: percentile(paced, 50), p99Ms: percentile(paced, 99) },
      p50Ms: percentile(latencies, 50),
      p90Ms: percentile(latencies, 90),
      p99Ms: percentile(latencies, 99),
      allRunningMs,
      burstCpu,
      serverRssMiB: { onePod: idleRss, withPods: serverRss },
      conmon,
    });
  } finally {
    watch?.close();
    // The node tears each pod down (containers, network, volume mounts) before the server stops.
    await deleteBenchPods(client).catch((err: unknown) => process.stderr.write(`bench/podstartup: deleting pods: ${String(err)}\n`));
    client.close();
    await cluster.stop();
    await registry.stop();
  }
}

await main();
