// Starts `skiff server` as a child process on a free port with its own data dir, and
// runs the machine's real kubectl against it.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient, loadKubeconfig, Resources } from '../client/index.js';
import { eventually } from './control-plane.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SKIFF = join(ROOT, 'bin', 'skiff');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The kubectl binaries on this machine: `kubectl` and the versioned `kubectl.1.NN` beside it. */
export function kubectlBinaries(): { default: string; versions: Map<string, string> } {
  const versions = new Map<string, string>();
  let found = '';
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'kubectl');
    if (existsSync(candidate)) {
      found = candidate;
      break;
    }
  }
  if (found) {
    const real = realpathSync(found);
    for (const entry of readdirSync(dirname(real))) {
      const m = /^kubectl\.(1\.\d+)$/.exec(entry);
      if (m) versions.set(m[1]!, join(dirname(real), entry));
    }
  }
  return { default: found, versions };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestCluster {
  readonly dataDir: string;
  /** The admin client credentials and CA, PEM. */
  readonly tls: { readonly ca: string; readonly cert: string; readonly key: string };
  readonly kubeconfig: string;
  readonly port: number;
  /** The server's process id (for RSS sampling in benchmarks). */
  readonly pid: number;
  readonly log: () => string;
  kubectl(args: readonly string[], options?: { input?: string; binary?: string; timeoutMs?: number }): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly datastore?: string;
  /** --runtime (default none: control plane only). */
  readonly runtime?: string;
  readonly extraArgs?: readonly string[];
  readonly startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 5 s; a node cleaning up needs longer). */
  readonly stopTimeoutMs?: number;
}

export async function startCluster(options: StartOptions = {}): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const port = await freePort();
  const args = ['server', '--data-dir', dataDir, '--https-port', String(port), '--runtime', options.runtime ?? 'none', ...(options.datastore ? ['--datastore', options.datastore] : []), ...(options.extraArgs ?? [])];
  const child: ChildProcess = spawn(process.execPath, [SKIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), options.startTimeoutMs ?? 20_000);
    const check = () => {
      if (output.includes('skiff: ready')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(true);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), options.stopTimeoutMs ?? 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    throw new Error(`skiff server did not become ready:\n${output}`);
  }
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const binaries = kubectlBinaries();
  const tlsDir = join(dataDir, 'tls');
  const tls = { ca: readFileSync(join(tlsDir, 'ca.crt'), 'utf8'), cert: readFileSync(join(tlsDir, 'admin.crt'), 'utf8'), key: readFileSync(join(tlsDir, 'admin.key'), 'utf8') };
  // Pods need their ServiceAccount (admission refuses them without it), which the
  // controller manager creates moments after it starts leading: wait for it, as
  // upstream's e2e framework does (WaitForDefaultServiceAccountInNamespace).
  if (!(options.extraArgs ?? []).includes('--disable-controller-manager')) {
    const client = new HttpClient({ ...loadKubeconfig(kubeconfig), component: 'skiff-e2e' });
    try {
      await eventually(() => client.get(Resources.serviceaccounts, 'default', 'default'), { timeoutMs: options.startTimeoutMs ?? 20_000, intervalMs: 50 });
    } catch (err) {
      await stop();
      throw new Error(`skiff server did not create the default ServiceAccount:\n${output}`, { cause: err });
    } finally {
      client.close();
    }
  }

  return {
    dataDir,
    tls,
    kubeconfig,
    port,
    pid: child.pid ?? 0,
    log: () => output,
    kubectl(kargs, kopts = {}) {
      return new Promise((resolve) => {
        const proc = execFile(
          kopts.binary ?? binaries.default,
          [...kargs],
          { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: kopts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
        if (kopts.input !== undefined) proc.stdin!.end(kopts.input);
        else proc.stdin?.end();
      });
    },
    stop,
  };
}
