// Container probes and lifecycle hooks (pkg/kubelet/prober, pkg/kubelet/lifecycle):
// one worker per (container, probe kind) on the agent's clock, probing after
// initialDelaySeconds every periodSeconds with timeoutSeconds, flipping its result
// after successThreshold successes or failureThreshold failures. Liveness and
// startup workers stop after a failure until the container is replaced.

import { request } from 'node:http';
import { connect } from 'node:net';
import type { Container, ContainerPort, ExecAction, HTTPGetAction, Probe, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import type { Clock, TimerHandle } from '../../client/index.js';
import type { ContainerRuntime } from '../runtime/types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeOutcome = { readonly ok: boolean; readonly output: string };

export interface ProbeTarget {
  readonly podUid: string;
  readonly container: Container;
  readonly containerId: string;
  readonly startedAtMs: number;
  /** Where httpGet and tcpSocket probes connect without an explicit host. */
  readonly host: string;
}

export interface ProbeManagerOptions {
  readonly clock: Clock;
  readonly runtime: ContainerRuntime;
  /** A result changed (the pod's worker should sync). */
  readonly onChange: (podUid: string) => void;
  /** A probe attempt failed ("Liveness probe failed: ..."): for the Unhealthy event. */
  readonly onFailure: (podUid: string, containerName: string, kind: ProbeKind, output: string) => void;
}

function integer(value: number | undefined, fallback: number, min: number): number {
  return value === undefined ? fallback : Math.max(min, value);
}

function resolvePort(port: number | string | undefined, container: Container): number | string {
  if (typeof port === 'number') return port;
  const named = (container.ports ?? []).find((p: ContainerPort) => p.name === port);
  if (named) return named.containerPort;
  const numeric = Number(port);
  return Number.isInteger(numeric) && numeric > 0 ? numeric : `invalid port ${String(port)}`;
}

async function httpGet(action: HTTPGetAction, container: Container, defaultHost: string, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(action.port, container);
  if (typeof port === 'string') return { ok: false, output: port };
  const host = action.host || defaultHost;
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const path = action.path ? (action.path.startsWith('/') ? action.path : `/${action.path}`) : '/';
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  if (scheme !== 'http') return { ok: false, output: `unsupported scheme ${scheme}` };
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.33', Accept: '*/*' };
  for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      res.once('end', () => resolve(code >= 200 && code < 400 ? { ok: true, output: '' } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` }));
      res.once('error', () => resolve({ ok: false, output: `HTTP probe failed with statuscode: ${code}` }));
    });
    req.once('timeout', () => {
      req.destroy();
      resolve({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, output: `Get "${url}": ${dialError(host, port, err)}` }));
    req.end();
  });
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const what = err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.code === 'EHOSTUNREACH' ? 'connect: no route to host' : err.message;
  return `dial tcp ${host}:${port}: ${what}`;
}

async function tcpSocket(action: TCPSocketAction, container: Container, defaultHost: string, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(action.port, container);
  if (typeof port === 'string') return { ok: false, output: port };
  const host = action.host || defaultHost;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, output: '' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, output: dialError(host, port, err) });
    });
  });
}

async function execAction(action: ExecAction, runtime: ContainerRuntime, containerId: string, timeoutMs: number): Promise<ProbeOutcome> {
  const command = action.command ?? [];
  if (command.length === 0) return { ok: false, output: 'no command given' };
  try {
    const result = await runtime.execSync(containerId, command, timeoutMs);
    if (result.timedOut) return { ok: false, output: `command ${JSON.stringify(command.join(' '))} timed out` };
    const output = `${result.stdout}${result.stderr}`.trim();
    return result.exitCode === 0 ? { ok: true, output } : { ok: false, output: output || `command ${JSON.stringify(command.join(' '))} exited with ${result.exitCode}` };
  } catch (err) {
    return { ok: false, output: err instanceof Error ? err.message : String(err) };
  }
}

/** Runs one probe (or hook handler) once. */
export async function runProbe(probe: Probe, runtime: ContainerRuntime, target: Pick<ProbeTarget, 'container' | 'containerId' | 'host'>, timeoutMs: number): Promise<ProbeOutcome> {
  if (probe.exec) return execAction(probe.exec, runtime, target.containerId, timeoutMs);
  if (probe.httpGet) return httpGet(probe.httpGet, target.container, target.host, timeoutMs);
  if (probe.tcpSocket) return tcpSocket(probe.tcpSocket, target.container, target.host, timeoutMs);
  if (probe.grpc) return { ok: false, output: 'grpc probes are not supported by this node' };
  return { ok: false, output: 'probe has no handler' };
}

interface Worker {
  readonly kind: ProbeKind;
  readonly target: ProbeTarget;
  readonly probe: Probe;
  result: boolean | undefined;
  successes: number;
  failures: number;
  onHold: boolean;
  timer?: TimerHandle;
  stopped: boolean;
}

const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(private readonly options: ProbeManagerOptions) {}

  /** Makes sure the running containers of a pod are probed; stops workers of containers gone. */
  syncPod(podUid: string, targets: readonly ProbeTarget[]): void {
    const wanted = new Set<string>();
    for (const target of targets) {
      for (const kind of PROBE_KINDS) {
        const probe = kind === 'liveness' ? target.container.livenessProbe : kind === 'readiness' ? target.container.readinessProbe : target.container.startupProbe;
        if (!probe) continue;
        const key = `${target.containerId}/${kind}`;
        wanted.add(key);
        if (!this.workers.has(key)) this.startWorker(key, kind, target, probe);
      }
    }
    for (const [key, worker] of this.workers) if (worker.target.podUid === podUid && !wanted.has(key)) this.stopWorker(key);
  }

  removePod(podUid: string): void {
    this.syncPod(podUid, []);
  }

  /** Readiness: true once the readiness probe passed (true without one). */
  ready(containerId: string): boolean {
    const worker = this.workers.get(`${containerId}/readiness`);
    return worker ? worker.result === true : true;
  }

  /** Startup: true once the startup probe passed (true without one). */
  started(containerId: string): boolean {
    const worker = this.workers.get(`${containerId}/startup`);
    return worker ? worker.result === true : true;
  }

  failed(containerId: string, kind: 'liveness' | 'startup'): boolean {
    return this.workers.get(`${containerId}/${kind}`)?.result === false;
  }

  hasProbe(containerId: string, kind: ProbeKind): boolean {
    return this.workers.has(`${containerId}/${kind}`);
  }

  dispose(): void {
    for (const key of [...this.workers.keys()]) this.stopWorker(key);
  }

  private startWorker(key: string, kind: ProbeKind, target: ProbeTarget, probe: Probe): void {
    // Liveness starts out alive; readiness and startup start out unknown (not ready, not started).
    const worker: Worker = { kind, target, probe, result: kind === 'liveness' ? true : undefined, successes: 0, failures: 0, onHold: false, stopped: false };
    this.workers.set(key, worker);
    const initialDelayMs = integer(probe.initialDelaySeconds, 0, 0) * 1000;
    const due = target.startedAtMs + initialDelayMs - this.options.clock.now();
    this.schedule(worker, Math.max(0, due));
  }

  private stopWorker(key: string): void {
    const worker = this.workers.get(key);
    if (!worker) return;
    worker.stopped = true;
    worker.timer?.cancel();
    this.workers.delete(key);
  }

  private schedule(worker: Worker, delayMs: number): void {
    if (worker.stopped) return;
    worker.timer = this.options.clock.setTimeout(() => void this.tick(worker), delayMs);
  }

  private async tick(worker: Worker): Promise<void> {
    const { probe, target, kind } = worker;
    const periodMs = integer(probe.periodSeconds, 10, 1) * 1000;
    // Liveness and readiness wait for the startup probe.
    const waitingForStartup = kind !== 'startup' && !this.started(target.containerId);
    if (worker.stopped || worker.onHold || waitingForStartup) return this.schedule(worker, periodMs);
    if (kind === 'startup' && worker.result === true) return; // started: this worker's job is done
    const timeoutMs = integer(probe.timeoutSeconds, 1, 1) * 1000;
    const outcome = await runProbe(probe, this.options.runtime, target, timeoutMs);
    if (worker.stopped) return;
    const successThreshold = kind === 'readiness' ? integer(probe.successThreshold, 1, 1) : 1;
    const failureThreshold = integer(probe.failureThreshold, 3, 1);
    const before = worker.result;
    if (outcome.ok) {
      worker.failures = 0;
      worker.successes++;
      if (worker.successes >= successThreshold) worker.result = true;
    } else {
      worker.successes = 0;
      worker.failures++;
      this.options.onFailure(target.podUid, target.container.name, kind, outcome.output);
      if (worker.failures >= failureThreshold) {
        worker.result = false;
        // A failed liveness or startup probe waits for the container to be replaced.
        if (kind !== 'readiness') worker.onHold = true;
      }
    }
    if (worker.result !== before) this.options.onChange(target.podUid);
    this.schedule(worker, periodMs);
  }
}
