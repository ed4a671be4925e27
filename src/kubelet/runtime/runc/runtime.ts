// The runc container runtime, shaped like CRI-O: each container runs under a
// daemonized `conmon`, which runs `runc create`, writes the CRI-format log and, when
// the container ends, its exit code into the exit dir. Containers and their logs
// therefore outlive the agent, and all state lives on disk under `root`, so a new
// RuncRuntime on the same root adopts what an earlier one left.
//
// Layout under root:
//   runc/                      runc --root (per agent: two agents never see each other)
//   exits/<containerId>        exit code written by conmon
//   sockets/                   conmon's attach socket dir
//   sandboxes/<id>/            sandbox.json, hosts, resolv.conf, hostname
//   containers/<id>/           container.json, config.json (the bundle), rootfs (overlay
//                              mount point), upper/, work/, conmon.pid, pidfile

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type {
  AttachedInput,
  ContainerConfig,
  ContainerRuntime,
  ContainerStatus,
  ExecOptions,
  ExecResult,
  ExecSession,
  PodNetwork,
  PodNetworkAttachment,
  PodPortMapping,
  PodSandbox,
  PodSandboxConfig,
} from '../types.js';
import { checkCommand, CommandError, runCommand } from './command.js';
import {
  buildOciSpec,
  hostNetworkHostsFileContent,
  hostsFileContent,
  overlayMountOptions,
  podCgroupPath,
  resolvConfContent,
} from './spec.js';

export interface RuncRuntimeOptions {
  /** State directory of this agent's runtime. */
  readonly root: string;
  readonly network: PodNetwork;
  /** Top cgroup of this node's pods, e.g. `skiff-<nodeName>`. */
  readonly cgroupParent: string;
  readonly runcPath?: string;
  readonly conmonPath?: string;
  /** socat, which carries attach input to conmon's SOCK_SEQPACKET socket (default: from PATH). */
  readonly socatPath?: string;
  /**
   * conmon --log-size-max: conmon empties a log that grows past it. Unlimited by default,
   * as CRI-O has it: the agent rotates logs (ContainerLogManager), keeping their content.
   */
  readonly logSizeMaxBytes?: number;
}

/** What sandbox.json holds. */
interface SandboxRecord {
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly hostNetwork: boolean;
  readonly netnsName?: string;
  readonly netnsPath?: string;
  readonly ip?: string;
  readonly portMappings: readonly PodPortMapping[];
  state: 'ready' | 'notready';
  readonly createdAt: string;
}

/** What container.json holds. */
interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  readonly podUid: string;
  readonly name: string;
  readonly attempt: number;
  readonly logPath: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly imageRef?: string;
  readonly tty: boolean;
  /** Its stdin stays open for attach (-i), closed after the first attach ends with stdinOnce. */
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly cgroupsPath: string;
  readonly createdAt: string;
  startedAt?: string;
  /** Set once the exit is seen, so the reason survives the cgroup's removal. */
  finished?: { exitCode: number; finishedAt: string; reason: string; message?: string };
}

interface RuncStateEntry {
  readonly id: string;
  readonly pid: number;
  readonly status: string;
}

/** A container or sandbox id that this runtime does not have. */
export class NotFoundError extends Error {
  constructor(kind: 'container' | 'sandbox', id: string) {
    super(`${kind} ${id} not found`);
  }
}

/** runc could not start the container (bad executable, mount failure...): runc's own words. */
export class ContainerStartError extends Error {
  readonly reason = 'StartError';
  constructor(
    readonly containerId: string,
    message: string,
  ) {
    super(message);
  }
}

/** runc logs `time=... level=error msg="..."`: keep the msg. */
function runcErrorMessage(text: string): string {
  const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
  if (quoted === undefined) return text.trim();
  try {
    return JSON.parse(`"${quoted}"`) as string;
  } catch {
    return quoted;
  }
}

const POLL_MS = 20;
const KILL_WAIT_MS = 10_000;

function newId(): string {
  return randomBytes(32).toString('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write-then-rename, so a crash never leaves half a record. */
async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value));
  await fs.rename(tmp, path);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** State letter and start time (clock ticks since boot) from /proc/<pid>/stat; undefined when gone. */
async function processStat(pid: number): Promise<{ state: string; startTime: string } | undefined> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: fields follow its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RuncRuntime implements ContainerRuntime {
  readonly name = 'runc';
  private readonly runcPath: string;
  private readonly conmonPath: string;
  private readonly runcRoot: string;
  private readonly exitsDir: string;
  private readonly socketsDir: string;
  private readonly sandboxesDir: string;
  private readonly containersDir: string;
  private readonly sessions = new Set<{ kill(): void; exited: Promise<number> }>();
  /**
   * container.json of every container, read once: this runtime is their only writer
   * (a later runtime on the same root reads them afresh), and listing them from disk
   * on every sync costs a file read per container per pod.
   */
  private readonly records = new Map<string, ContainerRecord>();
  /** runc's init process of each container (pid and start time, from its state.json). */
  private readonly initProcesses = new Map<string, { pid: number; startTime: string }>();
  /** Containers being removed: a concurrent read must not cache them again. */
  private readonly removed = new Set<string>();

  private constructor(
    private readonly options: RuncRuntimeOptions,
    readonly version: string,
  ) {
    this.runcPath = options.runcPath ?? '/usr/sbin/runc';
    this.conmonPath = options.conmonPath ?? '/usr/bin/conmon';
    this.runcRoot = join(options.root, 'runc');
    this.exitsDir = join(options.root, 'exits');
    this.socketsDir = join(options.root, 'sockets');
    this.sandboxesDir = join(options.root, 'sandboxes');
    this.containersDir = join(options.root, 'containers');
  }

  /** Prepares the state directory and reads runc's version; adopts whatever is already there. */
  static async create(options: RuncRuntimeOptions): Promise<RuncRuntime> {
    const runcPath = options.runcPath ?? '/usr/sbin/runc';
    const versionOutput = await checkCommand(runcPath, ['--version']);
    const version = /runc version (\S+)/.exec(versionOutput)?.[1] ?? 'unknown';
    for (const dir of ['runc', 'exits', 'sockets', 'sandboxes', 'containers']) {
      await fs.mkdir(join(options.root, dir), { recursive: true });
    }
    return new RuncRuntime(options, version);
  }

  private runc(args: readonly string[]) {
    return runCommand(this.runcPath, ['--root', this.runcRoot, ...args]);
  }

  // ---- sandboxes -------------------------------------------------------------------

  async runPodSandbox(config: PodSandboxConfig): Promise<PodSandbox> {
    const id = newId();
    const dir = join(this.sandboxesDir, id);
    await fs.mkdir(dir, { recursive: true });
    const netnsName = config.hostNetwork ? undefined : `skiff-${id.slice(0, 12)}`;
    const netnsPath = netnsName ? `/run/netns/${netnsName}` : undefined;
    let attachment: PodNetworkAttachment | undefined;
    try {
      let ip: string | undefined;
      if (netnsName && netnsPath) {
        await checkCommand('ip', ['netns', 'add', netnsName]);
        attachment = { sandboxId: id, netnsPath, podUid: config.uid, name: config.name, namespace: config.namespace, portMappings: config.portMappings };
        ip = (await this.options.network.setUp(attachment)).ip;
      }
      const hostname = config.hostNetwork ? osHostname() : config.hostname;
      const hosts = config.hostNetwork
        ? hostNetworkHostsFileContent(await fs.readFile('/etc/hosts', 'utf8').catch(() => ''), config.hostAliases)
        : hostsFileContent({ ip, hostname, hostAliases: config.hostAliases });
      await fs.writeFile(join(dir, 'hosts'), hosts);
      await fs.writeFile(join(dir, 'resolv.conf'), resolvConfContent(config.dns) ?? (await fs.readFile('/etc/resolv.conf', 'utf8').catch(() => '')));
      await fs.writeFile(join(dir, 'hostname'), `${hostname}\n`);
      await fs.mkdir(config.logDirectory, { recursive: true });
      if (config.memoryLimitBytes !== undefined) await this.setPodMemoryLimit(config.uid, config.memoryLimitBytes);
      const record: SandboxRecord = {
        id, uid: config.uid, name: config.name, namespace: config.namespace, hostname,
        hostNetwork: config.hostNetwork, netnsName, netnsPath, ip, portMappings: config.portMappings,
        state: 'ready', createdAt: new Date().toISOString(),
      };
      await writeJson(join(dir, 'sandbox.json'), record);
      return toPodSandbox(record);
    } catch (err) {
      if (attachment) await this.options.network.tearDown(attachment).catch(() => undefined);
      if (netnsName) await runCommand('ip', ['netns', 'del', netnsName]);
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The pod-level memory cgroup (v1) carries the sum of the containers' limits. */
  private async setPodMemoryLimit(podUid: string, bytes: number): Promise<void> {
    const dir = join('/sys/fs/cgroup/memory', podCgroupPath(this.options.cgroupParent, podUid));
    if (!(await exists('/sys/fs/cgroup/memory'))) return;
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(join(dir, 'memory.limit_in_bytes'), String(bytes));
  }

  private readSandbox(id: string): Promise<SandboxRecord | undefined> {
    return readJson<SandboxRecord>(join(this.sandboxesDir, id, 'sandbox.json'));
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const record = await this.readSandbox(sandboxId);
    if (!record) return;
    const containers = await this.listContainerRecords(sandboxId);
    await Promise.all(containers.map((c) => this.stopContainer(c.id, 0)));
    if (record.netnsName && record.netnsPath) {
      if (record.state === 'ready') {
        await this.options.network.tearDown({
          sandboxId, netnsPath: record.netnsPath, podUid: record.uid, name: record.name,
          namespace: record.namespace, portMappings: record.portMappings,
        });
      }
      // Stopping twice (stop, then remove) deletes the namespace once.
      if (await exists(record.netnsPath)) {
        const result = await runCommand('ip', ['netns', 'del', record.netnsName]);
        if (result.code !== 0 && (await exists(record.netnsPath))) throw new CommandError('ip netns del', result);
      }
    }
    if (record.state !== 'notready') {
      record.state = 'notready';
      await writeJson(join(this.sandboxesDir, sandboxId, 'sandbox.json'), record);
    }
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const record = await this.readSandbox(sandboxId);
    if (!record) return;
    await this.stopPodSandbox(sandboxId);
    for (const container of await this.listContainerRecords(sandboxId)) await this.removeContainer(container.id);
    // Only the pod's own cgroup: the parent is shared by the node's pods.
    if (!(await this.sandboxesOfPod(record.uid)).some((other) => other !== sandboxId)) {
      await removeCgroupDirs(podCgroupPath(this.options.cgroupParent, record.uid));
    }
    await fs.rm(join(this.sandboxesDir, sandboxId), { recursive: true, force: true });
  }

  private async sandboxesOfPod(podUid: string): Promise<string[]> {
    const records = await Promise.all((await fs.readdir(this.sandboxesDir)).map((id) => this.readSandbox(id)));
    return records.filter((r): r is SandboxRecord => r?.uid === podUid).map((r) => r.id);
  }

  async listPodSandboxes(): Promise<readonly PodSandbox[]> {
    const ids = await fs.readdir(this.sandboxesDir);
    const records = await Promise.all(ids.map((id) => this.readSandbox(id)));
    const found = records.filter((r): r is SandboxRecord => r !== undefined);
    // A sandbox whose network namespace is gone (the node rebooted) is not ready.
    return Promise.all(found.map(async (r) => toPodSandbox(r.netnsPath && !(await exists(r.netnsPath)) ? { ...r, state: 'notready' } : r)));
  }

  // ---- containers ------------------------------------------------------------------

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    const sandbox = await this.readSandbox(sandboxId);
    if (!sandbox) throw new NotFoundError('sandbox', sandboxId);
    if (sandbox.state !== 'ready') throw new Error(`sandbox ${sandboxId} is not ready`);
    if (!config.image) throw new Error(`container ${config.name}: the runc runtime needs an image`);
    const id = newId();
    const dir = join(this.containersDir, id);
    const rootfs = join(dir, 'rootfs');
    await fs.mkdir(join(dir, 'upper'), { recursive: true });
    await fs.mkdir(join(dir, 'work'));
    await fs.mkdir(rootfs);
    try {
      // overlay needs a lowerdir: an image without layers gets an empty one.
      const layers = config.image.layerDirs.length > 0 ? config.image.layerDirs : [await fs.mkdir(join(dir, 'empty')).then(() => join(dir, 'empty'))];
      await checkCommand('mount', ['-t', 'overlay', 'overlay', '-o', overlayMountOptions(layers, join(dir, 'upper'), join(dir, 'work')), rootfs]);
      const sandboxDir = join(this.sandboxesDir, sandboxId);
      const spec = buildOciSpec({
        container: config,
        containerId: id,
        rootfsPath: rootfs,
        cgroupParent: this.options.cgroupParent,
        sandbox: {
          podUid: sandbox.uid, hostname: sandbox.hostname, netnsPath: sandbox.netnsPath,
          hostsPath: join(sandboxDir, 'hosts'), resolvConfPath: join(sandboxDir, 'resolv.conf'), hostnamePath: join(sandboxDir, 'hostname'),
        },
      });
      await fs.writeFile(join(dir, 'config.json'), JSON.stringify(spec, null, 1));
      const record: ContainerRecord = {
        id, sandboxId, podUid: sandbox.uid, name: config.name, attempt: config.attempt, logPath: config.logPath,
        labels: { ...config.labels }, imageRef: config.image.ref, tty: config.tty, stdin: config.stdin, stdinOnce: config.stdinOnce,
        cgroupsPath: spec.linux.cgroupsPath, createdAt: new Date().toISOString(),
      };
      await this.saveContainer(record);
      return id;
    } catch (err) {
      await runCommand('umount', [rootfs]);
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private async readContainer(id: string): Promise<ContainerRecord | undefined> {
    const cached = this.records.get(id);
    if (cached) return cached;
    const record = await readJson<ContainerRecord>(join(this.containersDir, id, 'container.json'));
    // A read racing a removal must not bring the record back.
    if (record && !this.records.has(id) && !this.removed.has(id)) this.records.set(id, record);
    return this.records.get(id) ?? record;
  }

  /** Saves a container record: the file for later agents, the cache for this one. */
  private async saveContainer(record: ContainerRecord): Promise<void> {
    this.records.set(record.id, record);
    await writeJson(join(this.containersDir, record.id, 'container.json'), record);
  }

  private async requireContainer(id: string): Promise<ContainerRecord> {
    const record = await this.readContainer(id);
    if (!record) throw new NotFoundError('container', id);
    return record;
  }

  async startContainer(containerId: string): Promise<void> {
    const record = await this.requireContainer(containerId);
    if (record.startedAt || record.finished) throw new Error(`container ${containerId} was already started`);
    const dir = join(this.containersDir, containerId);
    await fs.mkdir(dirname(record.logPath), { recursive: true });
    const args = [
      '--api-version', '1',
      '-c', containerId, '-u', containerId, '-n', `${record.name}_${record.sandboxId.slice(0, 12)}`,
      '-r', this.runcPath, '-b', dir,
      '-p', join(dir, 'pidfile'), '--conmon-pidfile', join(dir, 'conmon.pid'),
      '-l', `k8s-file:${record.logPath}`, '--log-size-max', String(this.options.logSizeMaxBytes ?? -1),
      '--exit-dir', this.exitsDir, '--socket-dir-path', this.socketsDir,
      '--runtime-arg', '--root', '--runtime-arg', this.runcRoot,
      '--log-level', 'error',
    ];
    if (record.tty) args.push('-t');
    if (record.stdin) args.push('-i', ...(record.stdinOnce ? [] : ['--leave-stdin-open']));
    try {
      await this.runConmon(args, dir);
      // Recorded before `runc start`: a quick container may exit before start returns.
      record.startedAt = new Date().toISOString();
      await this.saveContainer(record);
      await checkCommand(this.runcPath, ['--root', this.runcRoot, 'start', containerId]);
    } catch (err) {
      await this.runc(['delete', '--force', containerId]);
      // Like containerd: a container that could not start reads as exited, 128, StartError.
      const message = runcErrorMessage(err instanceof Error ? err.message : String(err));
      delete record.startedAt;
      record.finished = { exitCode: 128, finishedAt: new Date().toISOString(), reason: 'StartError', message };
      await this.saveContainer(record);
      throw new ContainerStartError(containerId, message);
    }
  }

  /**
   * Runs conmon and waits for `runc create` to finish: conmon reports the container's
   * pid (or runc's error) as JSON on the pipe named by _OCI_SYNCPIPE, as for CRI-O.
   */
  private runConmon(args: readonly string[], bundleDir: string): Promise<number> {
    return new Promise((resolve, reject) => {
      // conmon writes its `oom` file into its working directory: the bundle, where oomKilled looks.
      const child = spawn(this.conmonPath, args, {
        cwd: bundleDir,
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
        env: { ...process.env, _OCI_SYNCPIPE: '3' },
      });
      const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
      let syncText = '';
      let output = '';
      let settled = false;
      const finish = (err: Error | undefined, pid?: number) => {
        if (settled) return;
        settled = true;
        sync.destroy();
        if (err) reject(err);
        else resolve(pid ?? 0);
      };
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', (err) => finish(err));
      sync.on('data', (chunk: Buffer) => {
        syncText += chunk.toString();
        const end = syncText.indexOf('}');
        if (end < 0) return;
        let message: { data?: number; message?: string };
        try {
          message = JSON.parse(syncText.slice(0, end + 1)) as typeof message;
        } catch {
          finish(new Error(`conmon: unreadable sync message ${JSON.stringify(syncText)}`));
          return;
        }
        if (typeof message.data === 'number' && message.data > 0) finish(undefined, message.data);
        else finish(new Error(`conmon: container create failed: ${message.message ?? output.trim()}`));
      });
      sync.on('error', () => undefined);
      // conmon failed before runc ran (bad arguments): its own stderr says why, once it has exited.
      const failed = () => finish(new Error(`conmon ended without reporting the container: ${output.trim()}`));
      sync.on('end', () => (child.exitCode !== null ? failed() : child.once('close', failed)));
    });
  }

  async stopContainer(containerId: string, gracePeriodSeconds: number): Promise<void> {
    const record = await this.readContainer(containerId);
    if (!record?.startedAt) return;
    if (await this.exitCode(containerId) !== undefined) return;
    if (gracePeriodSeconds > 0) {
      await this.runc(['kill', containerId, 'TERM']);
      if (await this.waitForExit(containerId, gracePeriodSeconds * 1000)) return;
    }
    await this.runc(['kill', '--all', containerId, 'KILL']);
    if (await this.waitForExit(containerId, KILL_WAIT_MS)) return;
    const state = await this.runcState(containerId);
    if (state && state.status !== 'stopped') throw new Error(`container ${containerId} did not stop after SIGKILL`);
  }

  /** Polls for conmon's exit file (or for the container to be gone) until the deadline. */
  private async waitForExit(containerId: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.exitCode(containerId) !== undefined) return true;
      if (Date.now() >= deadline) return false;
      if (!(await this.conmonAlive(containerId))) {
        const state = await this.runcState(containerId);
        if (!state || state.status === 'stopped') return true;
      }
      await delay(POLL_MS);
    }
  }

  /**
   * As CRI-O does it: "2 0 0" (reopen logs) on conmon's control fifo in the bundle, then
   * wait for conmon to create the new log file.
   */
  async reopenContainerLog(containerId: string): Promise<void> {
    const record = await this.requireContainer(containerId);
    if ((await this.liveRuncState(record))?.status !== 'running') throw new Error(`container ${containerId} is not running`);
    await this.writeConmonControl(containerId, '2 0 0\n');
    for (const deadline = Date.now() + 5000; !(await exists(record.logPath)); ) {
      if (Date.now() > deadline) throw new Error(`conmon did not reopen the log of container ${containerId}`);
      await delay(20);
    }
  }

  /**
   * Writes to conmon's attach socket in the bundle. It is a SOCK_SEQPACKET socket, which
   * Node cannot open: socat carries the input (run in the bundle, so the socket's path
   * stays short). conmon sends the output there too; the log has it as well, and the
   * caller follows that, so socat's copy is drained and dropped.
   */
  async attachInput(containerId: string): Promise<AttachedInput> {
    const record = await this.requireContainer(containerId);
    if (!record.stdin) throw new Error(`container ${containerId} was not created with stdin: true`);
    const dir = join(this.containersDir, containerId);
    const child = spawn(this.options.socatPath ?? 'socat', ['STDIO', 'UNIX-CONNECT:attach,type=5'], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.resume();
    const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new Error('attaching to stdin needs socat on the node (apt-get install socat)') : err),
      );
    });
    const session = { kill: () => child.kill('SIGKILL'), exited };
    this.sessions.add(session);
    void exited.then(() => this.sessions.delete(session));
    // A write after socat is gone (conmon closed the socket) must not crash the agent.
    child.stdin.on('error', () => undefined);
    return {
      stdin: child.stdin,
      resize: (size) => void this.resizeTerminal(containerId, size).catch(() => undefined),
      close: () => child.kill(),
    };
  }

  /** A terminal size for the container's tty: "1 <height> <width>" on conmon's control fifo. */
  private resizeTerminal(containerId: string, size: { width: number; height: number }): Promise<void> {
    return this.writeConmonControl(containerId, `1 ${Math.trunc(size.height)} ${Math.trunc(size.width)}\n`);
  }

  /** One message on conmon's control fifo in the bundle ("<type> <height> <width>"). */
  private async writeConmonControl(containerId: string, message: string): Promise<void> {
    // Non-blocking: with conmon gone there is no reader, and the open fails (ENXIO) instead of hanging.
    const ctl = await fs.open(join(this.containersDir, containerId, 'ctl'), fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    try {
      await ctl.write(message);
    } finally {
      await ctl.close();
    }
  }

  async removeContainer(containerId: string): Promise<void> {
    const dir = join(this.containersDir, containerId);
    if (!(await exists(dir))) return;
    const record = await this.readContainer(containerId);
    if (record?.startedAt) await this.stopContainer(containerId, 0);
    const result = await this.runc(['delete', '--force', containerId]);
    if (result.code !== 0 && !/does not exist|not exist/.test(result.stderr)) throw new CommandError('runc delete', result);
    await unmountIfMounted(join(dir, 'rootfs'));
    this.removed.add(containerId);
    this.records.delete(containerId);
    this.initProcesses.delete(containerId);
    try {
      await fs.rm(dir, { recursive: true, force: true });
    } finally {
      this.removed.delete(containerId);
    }
    await fs.rm(join(this.exitsDir, containerId), { force: true });
    await fs.rm(join(this.socketsDir, containerId), { recursive: true, force: true });
  }

  async listContainers(sandboxId?: string): Promise<readonly ContainerStatus[]> {
    const records = await this.listContainerRecords(sandboxId);
    return Promise.all(records.map(async (record) => this.statusOf(record, await this.liveRuncState(record))));
  }

  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const record = await this.readContainer(containerId);
    if (!record) return undefined;
    return this.statusOf(record, record.startedAt && !record.finished ? await this.runcState(containerId) : undefined);
  }

  private async listContainerRecords(sandboxId?: string): Promise<ContainerRecord[]> {
    const ids = await fs.readdir(this.containersDir);
    const present = new Set(ids);
    for (const id of this.records.keys()) if (!present.has(id)) this.records.delete(id);
    for (const id of this.initProcesses.keys()) if (!present.has(id)) this.initProcesses.delete(id);
    const records = await Promise.all(ids.map((id) => this.readContainer(id)));
    return records.filter((r): r is ContainerRecord => r !== undefined && (sandboxId === undefined || r.sandboxId === sandboxId));
  }

  /** runc's state of a container started and not yet seen to finish; undefined otherwise. */
  private liveRuncState(record: ContainerRecord): Promise<RuncStateEntry | undefined> {
    return record.startedAt && !record.finished ? this.runcState(record.id) : Promise.resolve(undefined);
  }

  /**
   * The container's state as `runc state` reports it, read from runc's own files
   * instead of running runc (a process start per call adds up with many pods):
   * libcontainer's runType — stopped unless the init process (pid and start time
   * from state.json) is alive and not a zombie; created while exec.fifo exists
   * (`runc start` removes it); else running. undefined when runc has no such container.
   */
  private async runcState(containerId: string): Promise<RuncStateEntry | undefined> {
    const dir = join(this.runcRoot, containerId);
    let init = this.initProcesses.get(containerId);
    if (!init) {
      const state = await readJson<{ init_process_pid?: number; init_process_start?: number | string }>(join(dir, 'state.json')).catch(() => undefined);
      if (!state) return undefined;
      init = { pid: state.init_process_pid ?? 0, startTime: String(state.init_process_start) };
      // Fixed once runc has written them; state.json itself is large (the whole config).
      if (init.pid > 0) this.initProcesses.set(containerId, init);
    }
    const stat = init.pid > 0 ? await processStat(init.pid) : undefined;
    const alive = stat !== undefined && stat.startTime === init.startTime && stat.state !== 'Z' && stat.state !== 'X';
    if (!alive) return (await exists(join(dir, 'state.json'))) ? { id: containerId, pid: 0, status: 'stopped' } : undefined;
    return { id: containerId, pid: init.pid, status: (await exists(join(dir, 'exec.fifo'))) ? 'created' : 'running' };
  }

  private async exitCode(containerId: string): Promise<number | undefined> {
    try {
      const text = await fs.readFile(join(this.exitsDir, containerId), 'utf8');
      const code = Number.parseInt(text.trim(), 10);
      return Number.isNaN(code) ? undefined : code;
    } catch {
      return undefined;
    }
  }

  private async conmonAlive(containerId: string): Promise<boolean> {
    try {
      const pid = Number.parseInt(await fs.readFile(join(this.containersDir, containerId, 'conmon.pid'), 'utf8'), 10);
      return pid > 0 && pidAlive(pid);
    } catch {
      return false;
    }
  }

  private async statusOf(record: ContainerRecord, runcState: RuncStateEntry | undefined): Promise<ContainerStatus> {
    const base = {
      id: record.id, sandboxId: record.sandboxId, name: record.name, attempt: record.attempt,
      createdAt: new Date(record.createdAt), logPath: record.logPath, labels: record.labels,
      imageRef: record.imageRef,
      startedAt: record.startedAt ? new Date(record.startedAt) : undefined,
    };
    if (record.finished) return { ...base, ...finishedFields(record.finished) };
    if (!record.startedAt) return { ...base, state: 'created' };
    const exitCode = await this.exitCode(record.id);
    if (exitCode !== undefined) {
      const finishedAt = (await fs.stat(join(this.exitsDir, record.id)).catch(() => undefined))?.mtime ?? new Date();
      const oom = await this.oomKilled(record);
      record.finished = { exitCode, finishedAt: finishedAt.toISOString(), reason: oom ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error' };
      // Best effort: the container may be being removed concurrently.
      await this.saveContainer(record).catch(() => undefined);
      return { ...base, ...finishedFields(record.finished) };
    }
    const status = runcState?.status;
    if (status === 'running' || status === 'paused') return { ...base, state: 'running' };
    if (status === 'created') return { ...base, state: 'created' };
    // Exited, and conmon is still writing the exit file.
    if (await this.conmonAlive(record.id)) return { ...base, state: 'running' };
    // conmon died without an exit file (killed, host reboot): the code is lost.
    return { ...base, state: 'exited', exitCode: 255, finishedAt: new Date(), reason: 'Error', message: 'container exit code not recorded (conmon gone)' };
  }

  /** The kernel OOM-killed a process of the container: conmon's `oom` file or the memory cgroup's counter. */
  private async oomKilled(record: ContainerRecord): Promise<boolean> {
    if (await exists(join(this.containersDir, record.id, 'oom'))) return true;
    for (const [file, pattern] of [
      [join('/sys/fs/cgroup/memory', record.cgroupsPath, 'memory.oom_control'), /^oom_kill (\d+)$/m],
      [join('/sys/fs/cgroup', record.cgroupsPath, 'memory.events'), /^oom_kill (\d+)$/m],
    ] as const) {
      const text = await fs.readFile(file, 'utf8').catch(() => '');
      const count = pattern.exec(text)?.[1];
      if (count !== undefined && Number(count) > 0) return true;
    }
    return false;
  }

  // ---- exec and port-forward ---------------------------------------------------------

  private async requireRunning(containerId: string): Promise<ContainerRecord> {
    const record = await this.requireContainer(containerId);
    const state = await this.runcState(containerId);
    if (state?.status !== 'running') throw new Error(`container ${containerId} is not running`);
    return record;
  }

  async execSync(containerId: string, argv: readonly string[], timeoutMs: number): Promise<ExecResult> {
    await this.requireRunning(containerId);
    const pidFile = join(this.containersDir, containerId, `exec-${randomBytes(6).toString('hex')}.pid`);
    const child = spawn(this.runcPath, ['--root', this.runcRoot, 'exec', '--pid-file', pidFile, containerId, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? (signal ? 137 : 1)));
    });
    const session = { kill: () => void killExec({ pid: child.pid, exited }, pidFile), exited };
    this.sessions.add(session);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      session.kill();
    }, timeoutMs);
    const exitCode = await exited.finally(() => clearTimeout(timer));
    this.sessions.delete(session);
    await fs.rm(pidFile, { force: true });
    return { exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut };
  }

  async exec(containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecSession> {
    await this.requireRunning(containerId);
    const pidFile = join(this.containersDir, containerId, `exec-${randomBytes(6).toString('hex')}.pid`);
    const session = options.tty
      ? await this.execWithPty(containerId, argv, options, pidFile)
      : this.execWithPipes(containerId, argv, options, pidFile);
    this.sessions.add(session);
    void session.exited.finally(() => {
      this.sessions.delete(session);
      return fs.rm(pidFile, { force: true });
    });
    return session;
  }

  private execWithPipes(containerId: string, argv: readonly string[], options: ExecOptions, pidFile: string): ExecSession {
    const child = spawn(this.runcPath, ['--root', this.runcRoot, 'exec', '--pid-file', pidFile, containerId, ...argv], {
      stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ? 'pipe' : 'ignore', options.stderr ? 'pipe' : 'ignore'],
    });
    const exited = new Promise<number>((resolve) => {
      child.on('error', () => resolve(126));
      child.on('close', (code, signal) => resolve(code ?? (signal ? 137 : 1)));
    });
    return {
      stdin: child.stdin ?? undefined,
      stdout: child.stdout ?? undefined,
      stderr: child.stderr ?? undefined,
      resize: () => undefined,
      exited,
      kill: () => void killExec({ pid: child.pid, exited }, pidFile),
    };
  }

  /**
   * A foreground `runc exec -t` makes the container's pty itself and copies between it
   * and runc's own stdio, following runc's terminal size (SIGWINCH). Node cannot make a
   * terminal, so runc runs inside one from node-pty: resize sets our pty's size and the
   * kernel signals runc. (With -d, runc would want the pty master passed over a unix
   * socket with SCM_RIGHTS, which Node cannot receive; without -t it pipes, no tty.)
   * The outer pty is made raw first so input is not echoed twice.
   */
  private async execWithPty(containerId: string, argv: readonly string[], options: ExecOptions, pidFile: string): Promise<ExecSession> {
    const pty = await import('node-pty');
    const runcArgs = ['--root', this.runcRoot, 'exec', '-t', '--env', 'TERM=xterm', '--pid-file', pidFile, containerId, ...argv];
    const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo && exec "$@"', 'sh', this.runcPath, ...runcArgs], {
      name: 'xterm', cols: 80, rows: 24, encoding: null,
    });
    const stdout = new PassThrough();
    const dataListener = term.onData((data: string | Buffer) => {
      if (options.stdout) stdout.write(typeof data === 'string' ? Buffer.from(data) : data);
    });
    const exited = new Promise<number>((resolve) => {
      const exitListener = term.onExit(({ exitCode }) => {
        dataListener.dispose();
        exitListener.dispose();
        stdout.end();
        resolve(exitCode);
      });
    });
    // Input waits until runc has the container's console (it writes the pid file after),
    // so nothing typed early is echoed by our pty's line discipline.
    const ready = waitForFile(pidFile, exited);
    const stdin = options.stdin
      ? new Writable({
          write(chunk: Buffer, _encoding, callback) {
            void ready.then(() => {
              term.write(chunk.toString('utf8'));
              callback();
            });
          },
          final(callback) {
            void ready.then(() => {
              term.write('\x04'); // end of input: ^D to the terminal line discipline
              callback();
            });
          },
        })
      : undefined;
    return {
      stdin,
      stdout: options.stdout ? stdout : undefined,
      resize: ({ width, height }) => {
        if (width > 0 && height > 0) term.resize(width, height);
      },
      exited,
      kill: () => {
        void killExec({ pid: term.pid, exited }, pidFile);
      },
    };
  }

  async portForward(sandboxId: string, port: number): Promise<Duplex> {
    const sandbox = await this.readSandbox(sandboxId);
    if (!sandbox) throw new NotFoundError('sandbox', sandboxId);
    // The node routes to pod IPs; hostNetwork pods listen on the node itself.
    const host = sandbox.ip ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions];
    for (const session of sessions) session.kill();
    await Promise.all(sessions.map((s) => s.exited.catch(() => undefined)));
  }
}

function finishedFields(finished: NonNullable<ContainerRecord['finished']>) {
  return {
    state: 'exited' as const,
    exitCode: finished.exitCode,
    finishedAt: new Date(finished.finishedAt),
    reason: finished.reason,
    message: finished.message,
  };
}

function toPodSandbox(record: SandboxRecord): PodSandbox {
  return {
    id: record.id, uid: record.uid, name: record.name, namespace: record.namespace,
    state: record.state, ip: record.ip, netnsPath: record.netnsPath, createdAt: new Date(record.createdAt),
  };
}

/**
 * Kills an exec'd process by the host pid runc wrote, so runc reaps it and exits (killing
 * runc first would leave the process, or its zombie, to the container's pid 1). runc is
 * killed itself when the process never started or runc does not end within a second.
 */
async function killExec(runc: { pid?: number; exited: Promise<number> }, pidFile: string): Promise<void> {
  const text = await fs.readFile(pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  if (pid > 0) {
    signal(pid, 'SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      runc.exited.then(() => true, () => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1000))),
    ]);
    clearTimeout(timer);
    if (ended) return;
  }
  if (runc.pid !== undefined) signal(runc.pid, 'SIGKILL');
}

/** Resolves once the file exists, or once `gone` settles (the writer ended without it). */
async function waitForFile(path: string, gone: Promise<unknown>): Promise<void> {
  let ended = false;
  void gone.finally(() => (ended = true));
  while (!ended && !(await exists(path))) await delay(10);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

async function unmountIfMounted(path: string): Promise<void> {
  const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8');
  if (!mounts.split('\n').some((line) => line.split(' ')[4] === path)) return;
  const result = await runCommand('umount', [path]);
  if (result.code !== 0) await checkCommand('umount', ['-l', path]);
}

/** Removes a cgroup directory (deepest first) from every hierarchy that has it. */
export async function removeCgroupDirs(cgroupPath: string): Promise<void> {
  const hierarchies = await fs.readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const hierarchy of hierarchies) {
    const dir = join('/sys/fs/cgroup', hierarchy, cgroupPath);
    await removeCgroupTree(dir);
  }
}

async function removeCgroupTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) await removeCgroupTree(join(dir, entry.name));
  await fs.rmdir(dir).catch(() => undefined);
}
