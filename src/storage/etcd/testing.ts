// Test and benchmark harness: a real etcd (one member or a three-member cluster) on
// loopback, on free ports, in a fresh temporary directory. The EtcdProcess owns the
// child processes and the directory; stop() disposes of both.

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface StartEtcdOptions {
  /** 1 (default) or a 3-member cluster. */
  readonly members?: 1 | 3;
  /** Path of the etcd binary; default: SKIFF_ETCD_BIN, else `etcd` on the PATH. */
  readonly binary?: string;
  /** How long to wait for every member to report healthy (default 20 s). */
  readonly startTimeoutMs?: number;
  /** Extra command-line flags passed to every member. */
  readonly extraArgs?: readonly string[];
}

export interface EtcdProcess {
  /** Client URLs, one per member: http://127.0.0.1:PORT. */
  readonly endpoints: string[];
  /** The temporary directory holding every member's data; removed by stop(). */
  readonly dataDir: string;
  /** Stops one member (SIGTERM, then SIGKILL) and waits for it to exit; for failure tests. */
  stopMember(index: number): Promise<void>;
  /** Stops every member, waits for them to exit and removes the data directory. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 20_000;
/** A member that lost quorum can spend seconds trying to hand over leadership on SIGTERM; its data is thrown away anyway. */
const EXIT_GRACE_MS = 1_000;
const HEALTH_POLL_MS = 50;
const OUTPUT_TAIL_BYTES = 16 * 1024;
/** Storage values may be 1.5 MiB (keys.ts MAX_VALUE_BYTES); etcd's default request limit is exactly that, leaving no room for the key and the txn. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function etcdBinary(explicit?: string): string | undefined {
  const wanted = explicit ?? process.env.SKIFF_ETCD_BIN;
  if (wanted) {
    try {
      accessSync(wanted, fsConstants.X_OK);
      return wanted;
    } catch {
      return undefined;
    }
  }
  return findOnPath('etcd');
}

/** Undefined when an etcd binary is available; otherwise the reason tests should give for skipping. */
export function etcdAvailable(binary?: string): string | undefined {
  if (etcdBinary(binary)) return undefined;
  const where = binary ?? process.env.SKIFF_ETCD_BIN;
  return where
    ? `etcd binary ${where} is not executable`
    : 'etcd is not installed (no etcd on the PATH; install Debian etcd-server or set SKIFF_ETCD_BIN)';
}

/** Reserves `count` distinct free loopback ports (held open together so they differ, then released). */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('could not read a reserved port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Keeps the last bytes a member wrote, to explain a failed start. */
class OutputTail {
  private text = '';
  append(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  }
  toString(): string {
    return this.text.trim();
  }
}

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly child: ChildProcess;
  readonly output: OutputTail;
  readonly exited: Promise<void>;
}

function childEnv(): NodeJS.ProcessEnv {
  // etcd reads ETCD_* variables as flags; a stray one from the caller's shell must not reconfigure it.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('ETCD_')) env[name] = value;
  return env;
}

function spawnMember(binary: string, dir: string, name: string, clientUrl: string, peerUrl: string, cluster: string, token: string, extra: readonly string[]): Member {
  const args = [
    `--name=${name}`,
    `--data-dir=${join(dir, name)}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${cluster}`,
    `--initial-cluster-token=${token}`,
    '--initial-cluster-state=new',
    `--max-request-bytes=${MAX_REQUEST_BYTES}`,
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
    ...extra,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  const output = new OutputTail();
  // Drain both pipes: a full pipe would block etcd.
  child.stdout?.on('data', (chunk: Buffer) => output.append(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.append(chunk));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      output.append(Buffer.from(`spawn failed: ${err.message}\n`));
      resolve();
    });
  });
  return { name, clientUrl, child, output, exited };
}

function running(member: Member): boolean {
  return member.child.exitCode === null && member.child.signalCode === null && member.child.pid !== undefined;
}

async function stopChild(member: Member): Promise<void> {
  if (running(member)) {
    member.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), EXIT_GRACE_MS)));
    const outcome = await Promise.race([member.exited.then(() => 'exited' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') member.child.kill('SIGKILL');
  }
  await member.exited;
}

/** GET /health on a member; true when it reports a healthy cluster (it has a leader and serves reads). */
function healthy(clientUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    // agent: false, so no keep-alive socket outlives the probe.
    const req = httpGet(`${clientUrl}/health`, { agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 && /"health"\s*:\s*"true"/.test(body)));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitHealthy(members: readonly Member[], deadline: number): Promise<void> {
  for (;;) {
    const dead = members.find((m) => !running(m));
    if (dead) throw new Error(`etcd member ${dead.name} exited during start:\n${dead.output}`);
    const states = await Promise.all(members.map((m) => healthy(m.clientUrl)));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) {
      const sick = members.filter((_, i) => !states[i]).map((m) => `${m.name} (${m.clientUrl}):\n${m.output}`);
      throw new Error(`etcd did not become healthy in time; unhealthy members:\n${sick.join('\n')}`);
    }
    await sleep(HEALTH_POLL_MS);
  }
}

async function startOnce(binary: string, count: number, options: StartEtcdOptions): Promise<EtcdProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-etcd-'));
  const ports = await freePorts(count * 2);
  const names = Array.from({ length: count }, (_, i) => `m${i}`);
  const peerUrls = names.map((_, i) => `http://127.0.0.1:${ports[2 * i + 1]}`);
  const clientUrls = names.map((_, i) => `http://127.0.0.1:${ports[2 * i]}`);
  const cluster = names.map((n, i) => `${n}=${peerUrls[i]}`).join(',');
  const token = `skiff-${process.pid}-${Date.now().toString(36)}`;
  const members = names.map((name, i) => spawnMember(binary, dir, name, clientUrls[i]!, peerUrls[i]!, cluster, token, options.extraArgs ?? []));

  // A test process that exits without calling stop() (a crash, process.exit) must not
  // leave etcd running or its directory behind. Best effort: 'exit' allows no waiting.
  // (A SIGTERM to the test process skips 'exit' handlers; SIGINT from a terminal reaches etcd itself.)
  const killOnExit = () => {
    for (const m of members) if (running(m)) m.child.kill('SIGKILL');
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // a member still writing; nothing more can be done synchronously
    }
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(members.map(stopChild));
      process.removeListener('exit', killOnExit);
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    await waitHealthy(members, Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoints: clientUrls,
    dataDir: dir,
    stopMember: async (index: number) => {
      const member = members[index];
      if (!member) throw new RangeError(`no etcd member ${index}`);
      await stopChild(member);
    },
    stop,
  };
}

/**
 * Starts etcd on loopback and resolves once every member is healthy. The caller owns
 * the result and must call stop(). A port taken between reservation and etcd's bind
 * (another process racing us) is retried with fresh ports.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const binary = etcdBinary(options.binary);
  if (!binary) throw new Error(etcdAvailable(options.binary));
  const count = options.members ?? 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, count, options);
    } catch (err) {
      const portRace = err instanceof Error && /address already in use/.test(err.message);
      if (!portRace || attempt >= 3) throw err;
    }
  }
}
