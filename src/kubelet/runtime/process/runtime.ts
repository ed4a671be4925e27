// The `process` container runtime: a pod sandbox is a directory, a container is a
// host process started in it (its own process group), volume mounts are symlinks
// under the pod directory at their container paths, and output goes to the CRI log
// file the agent names. No isolation of any kind: for machines without root or runc
// and for development.
//
// Processes cannot be adopted by a later agent: their output pipes end with this
// process. So dispose() kills every container it started (SIGKILL to the group)
// instead of leaving orphans that nothing would ever stop; a restarted agent finds
// an empty runtime and starts the pods' containers afresh.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { constants as osConstants } from 'node:os';
import type {
  AttachedInput,
  ContainerConfig,
  ContainerRuntime,
  ContainerStatus,
  ExecOptions,
  ExecResult,
  ExecSession,
  PodSandbox,
  PodSandboxConfig,
} from '../types.js';
import { CriLogWriter } from './crilog.js';

export const PROCESS_RUNTIME_VERSION = '0.1.0';

export interface ProcessRuntimeOptions {
  /** Pod directories are made under <rootDir>/<sandboxId>. */
  readonly rootDir: string;
}

interface SandboxRecord {
  readonly id: string;
  readonly config: PodSandboxConfig;
  readonly dir: string;
  readonly createdAt: Date;
  state: 'ready' | 'notready';
}

interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  readonly config: ContainerConfig;
  readonly createdAt: Date;
  state: 'created' | 'running' | 'exited';
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  child?: ChildProcess;
  log?: CriLogWriter;
  /** Settles once the process exited and its output is in the log file. */
  exited?: Promise<void>;
}

const MAX_EXEC_OUTPUT = 16 * 1024 * 1024;

/** Exit code as a shell reports it: 128 + signal number for a killed process. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? osConstants.signals[signal] : undefined;
  return 128 + (number ?? 9);
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export class ProcessRuntime implements ContainerRuntime {
  readonly name = 'process';
  readonly version = PROCESS_RUNTIME_VERSION;
  private readonly rootDir: string;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly execs = new Set<ChildProcess>();
  private readonly exitListeners = new Set<(status: ContainerStatus) => void>();

  constructor(options: ProcessRuntimeOptions) {
    this.rootDir = options.rootDir;
    mkdirSync(this.rootDir, { recursive: true });
  }

  /** Called with a container's status when its process exits (an event hook besides polling). */
  onContainerExit(listener: (status: ContainerStatus) => void): { dispose(): void } {
    this.exitListeners.add(listener);
    return { dispose: () => void this.exitListeners.delete(listener) };
  }

  /** The pod directory of a sandbox (the working directory of its containers). */
  sandboxDir(sandboxId: string): string | undefined {
    return this.sandboxes.get(sandboxId)?.dir;
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<PodSandbox> {
    const id = randomBytes(16).toString('hex');
    const dir = join(this.rootDir, id);
    mkdirSync(join(dir, 'etc'), { recursive: true });
    mkdirSync(config.logDirectory, { recursive: true });
    // Informational only: host processes use the host's resolver and hosts file.
    const resolv = [
      ...(config.dns.searches.length > 0 ? [`search ${config.dns.searches.join(' ')}`] : []),
      ...config.dns.nameservers.map((ns) => `nameserver ${ns}`),
      ...(config.dns.options.length > 0 ? [`options ${config.dns.options.join(' ')}`] : []),
    ];
    writeFileSync(join(dir, 'etc', 'resolv.conf'), resolv.map((l) => `${l}\n`).join(''));
    writeFileSync(join(dir, 'etc', 'hostname'), `${config.hostname}\n`);
    const record: SandboxRecord = { id, config, dir, createdAt: new Date(), state: 'ready' };
    this.sandboxes.set(id, record);
    return this.sandboxView(record);
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    await Promise.all([...this.containers.values()].filter((c) => c.sandboxId === sandboxId).map((c) => this.stopContainer(c.id, 0)));
    sandbox.state = 'notready';
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) return;
    await this.stopPodSandbox(sandboxId);
    for (const container of [...this.containers.values()]) if (container.sandboxId === sandboxId) this.containers.delete(container.id);
    // rm does not follow the mount symlinks: volume contents stay with their owner.
    rmSync(sandbox.dir, { recursive: true, force: true });
    rmSync(sandbox.config.logDirectory, { recursive: true, force: true });
    this.sandboxes.delete(sandboxId);
  }

  async listPodSandboxes(): Promise<readonly PodSandbox[]> {
    return [...this.sandboxes.values()].map((s) => this.sandboxView(s));
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = this.sandboxes.get(sandboxId);
    if (!sandbox) throw new Error(`sandbox ${sandboxId} not found`);
    if (sandbox.state !== 'ready') throw new Error(`sandbox ${sandboxId} is not ready`);
    if (config.argv.length === 0) throw new Error(`container ${config.name}: no command specified`);
    for (const mount of config.mounts) this.linkMount(sandbox.dir, mount.containerPath, mount.hostPath);
    const id = randomBytes(32).toString('hex');
    this.containers.set(id, { id, sandboxId, config, createdAt: new Date(), state: 'created' });
    return id;
  }

  /** A volume mount as a symlink at <podDir>/<containerPath>; an existing link is replaced. */
  private linkMount(podDir: string, containerPath: string, hostPath: string): void {
    const link = join(podDir, resolve('/', containerPath));
    mkdirSync(dirname(link), { recursive: true });
    try {
      if (lstatSync(link).isSymbolicLink()) rmSync(link);
      else return; // a real directory there already: leave it
    } catch {
      // Nothing there yet.
    }
    symlinkSync(hostPath, link);
  }

  async startContainer(containerId: string): Promise<void> {
    const container = this.mustGet(containerId);
    if (container.state !== 'created') throw new Error(`container ${containerId} is ${container.state}, not created`);
    const sandbox = this.sandboxes.get(container.sandboxId);
    if (!sandbox) throw new Error(`sandbox ${container.sandboxId} not found`);
    const { config } = container;
    const log = new CriLogWriter(config.logPath);
    const cwd = this.workingDir(sandbox.dir, config.workingDir);
    const child = spawn(config.argv[0]!, config.argv.slice(1), {
      cwd,
      env: this.environment(config.env),
      // Its own process group, so stop and exit reach every process it started.
      detached: true,
      stdio: [config.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    container.child = child;
    container.log = log;
    container.state = 'running';
    container.startedAt = new Date();
    log.attach(child.stdout!, 'stdout');
    log.attach(child.stderr!, 'stderr');
    container.exited = new Promise<void>((resolveExit) => {
      let settled = false;
      const finish = (code: number) => {
        if (settled) return;
        settled = true;
        // A container's processes end with its main process, as in a PID namespace.
        killGroup(child.pid, 'SIGKILL');
        log.closeIfIdle();
        void log.done().then(() => {
          container.state = 'exited';
          container.exitCode = code;
          container.finishedAt = new Date();
          container.child = undefined;
          resolveExit();
          const status = this.statusView(container);
          for (const listener of this.exitListeners) listener(status);
        });
      };
      child.once('error', (err) => {
        // Spawn failures (no such command): written to the log like a shell would, exit 127/126.
        child.stderr?.destroy();
        child.stdout?.destroy();
        const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126;
        finish(code);
      });
      child.once('exit', (code, signal) => finish(exitCodeOf(code, signal)));
    });
  }

  private workingDir(podDir: string, workingDir: string | undefined): string {
    if (!workingDir) return podDir;
    const inPod = join(podDir, resolve('/', workingDir));
    if (existsSync(inPod)) return inPod;
    return existsSync(workingDir) ? workingDir : podDir;
  }

  private environment(env: readonly { name: string; value: string }[]): NodeJS.ProcessEnv {
    const out: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
    for (const { name, value } of env) out[name] = value;
    return out;
  }

  async stopContainer(containerId: string, gracePeriodSeconds: number): Promise<void> {
    const container = this.containers.get(containerId);
    if (!container) return;
    if (container.state === 'created') {
      container.state = 'exited';
      container.exitCode = 0;
      container.finishedAt = new Date();
      return;
    }
    if (container.state !== 'running' || !container.exited) return;
    const pid = container.child?.pid;
    if (gracePeriodSeconds > 0) {
      killGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        container.exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), gracePeriodSeconds * 1000))),
      ]);
      clearTimeout(timer);
      if (!timedOut) return;
    }
    killGroup(pid, 'SIGKILL');
    await container.exited;
  }

  async removeContainer(containerId: string): Promise<void> {
    const container = this.containers.get(containerId);
    if (!container) return;
    if (container.state === 'running') await this.stopContainer(containerId, 0);
    rmSync(container.config.logPath, { force: true });
    this.containers.delete(containerId);
  }

  async listContainers(sandboxId?: string): Promise<readonly ContainerStatus[]> {
    return [...this.containers.values()].filter((c) => sandboxId === undefined || c.sandboxId === sandboxId).map((c) => this.statusView(c));
  }

  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const container = this.containers.get(containerId);
    return container ? this.statusView(container) : undefined;
  }

  async execSync(containerId: string, argv: readonly string[], timeoutMs: number): Promise<ExecResult> {
    const child = this.spawnExec(containerId, argv, false);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_EXEC_OUTPUT) into.push(chunk);
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    const exitCode = await new Promise<number>((resolveExit) => {
      child.once('error', () => resolveExit(127));
      child.once('close', (code, signal) => resolveExit(exitCodeOf(code, signal)));
    });
    clearTimeout(timer);
    this.execs.delete(child);
    return { exitCode, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), timedOut };
  }

  async exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecSession> {
    const child = this.spawnExec(containerId, argv, options.stdin);
    // Without a terminal, "tty" output is both streams merged into one.
    let merged: PassThrough | undefined;
    if (options.tty && options.stdout) {
      merged = new PassThrough();
      let open = 2;
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.on('data', (chunk: Buffer) => merged!.write(chunk));
        stream.once('close', () => --open === 0 && merged!.end());
      }
    }
    const exited = new Promise<number>((resolveExit) => {
      child.once('error', () => resolveExit(127));
      child.once('close', (code, signal) => {
        this.execs.delete(child);
        resolveExit(exitCodeOf(code, signal));
      });
    });
    if (!options.stdout) child.stdout?.resume();
    if (options.tty && !options.stdout) child.stderr?.resume();
    if (!options.stderr && !options.tty) child.stderr?.resume();
    return {
      stdin: options.stdin ? (child.stdin ?? undefined) : undefined,
      stdout: merged ?? (options.stdout ? (child.stdout ?? undefined) : undefined),
      stderr: options.stderr && !options.tty ? (child.stderr ?? undefined) : undefined,
      // Plain pipes, no terminal: nothing to resize.
      resize: () => {},
      exited,
      kill: () => killGroup(child.pid, 'SIGKILL'),
    };
  }

  private spawnExec(containerId: string, argv: readonly string[], stdin: boolean): ChildProcess {
    const container = this.mustGet(containerId);
    if (container.state !== 'running') throw new Error(`container ${containerId} is not running`);
    if (argv.length === 0) throw new Error('no command given');
    const sandbox = this.sandboxes.get(container.sandboxId);
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: this.workingDir(sandbox?.dir ?? this.rootDir, container.config.workingDir),
      env: this.environment(container.config.env),
      detached: true,
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    this.execs.add(child);
    return child;
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    if (!this.sandboxes.has(sandboxId)) throw new Error(`sandbox ${sandboxId} not found`);
    // Host processes share the host's network: the pod's port is on loopback.
    return new Promise((resolveSocket, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolveSocket(socket);
      });
      socket.once('error', reject);
    });
  }

  async dispose(): Promise<void> {
    for (const child of this.execs) killGroup(child.pid, 'SIGKILL');
    this.execs.clear();
    const running = [...this.containers.values()].filter((c) => c.state === 'running');
    for (const container of running) killGroup(container.child?.pid, 'SIGKILL');
    await Promise.all(running.map((c) => c.exited));
    this.exitListeners.clear();
  }

  /** The main process's stdin pipe; the end of one attach closes it only with stdinOnce. */
  async attachInput(containerId: string): Promise<AttachedInput> {
    const container = this.mustGet(containerId);
    const target = container.child?.stdin;
    if (!container.config.stdin || !target) throw new Error(`container ${containerId} was not created with stdin: true`);
    const stdin = new PassThrough();
    stdin.pipe(target, { end: container.config.stdinOnce });
    target.on('error', () => undefined);
    return { stdin, resize: () => undefined, close: () => stdin.unpipe(target) };
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    const container = this.mustGet(containerId);
    if (container.state !== 'running' || !container.log) throw new Error(`container ${containerId} is not running`);
    container.log.reopen();
  }

  private mustGet(containerId: string): ContainerRecord {
    const container = this.containers.get(containerId);
    if (!container) throw new Error(`container ${containerId} not found`);
    return container;
  }

  private sandboxView(s: SandboxRecord): PodSandbox {
    return { id: s.id, uid: s.config.uid, name: s.config.name, namespace: s.config.namespace, state: s.state, createdAt: s.createdAt };
  }

  private statusView(c: ContainerRecord): ContainerStatus {
    const exited = c.state === 'exited';
    return {
      id: c.id,
      sandboxId: c.sandboxId,
      name: c.config.name,
      attempt: c.config.attempt,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: exited ? (c.exitCode === 0 ? 'Completed' : 'Error') : undefined,
      logPath: c.config.logPath,
      labels: c.config.labels,
    };
  }
}
