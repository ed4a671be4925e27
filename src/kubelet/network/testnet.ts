// Test helpers: network namespaces standing in for nodes and pods, and busybox
// servers inside them. Only the tests of this folder use it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { runCommand } from './command.js';

export const BUSYBOX = '/usr/bin/busybox';

/**
 * Why the real-network tests cannot run here, or undefined when they can. Synchronous:
 * a top-level await in a test file lets the leak check run before its suites.
 */
export function networkTestsUnavailable(binDir = '/usr/lib/cni'): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: network namespaces, bridges and iptables';
  for (const plugin of ['bridge', 'host-local', 'loopback', 'portmap']) {
    if (!existsSync(`${binDir}/${plugin}`)) return `needs the CNI ${plugin} plugin in ${binDir} (Debian containernetworking-plugins)`;
  }
  if (!existsSync(BUSYBOX)) return `needs ${BUSYBOX} (Debian busybox-static)`;
  for (const tool of [['iptables', '--version'], ['iptables-restore', '--version'], ['ip', '-V']] as const) {
    if (spawnSync(tool[0], [tool[1]], { stdio: 'ignore' }).status !== 0) return `needs ${tool[0]}`;
  }
  return undefined;
}

export function randomSuffix(): string {
  return randomBytes(3).toString('hex');
}

/** Network namespaces made by a test, all deleted by cleanup(). */
export class TestNamespaces {
  private readonly names: string[] = [];
  private readonly servers = new Map<ChildProcess, string>();

  async add(role: string): Promise<string> {
    const name = `skiff-test-${role}-${randomSuffix()}`;
    await check(['ip', 'netns', 'add', name]);
    this.names.push(name);
    await check(['ip', 'netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** Deletes a namespace after stopping its servers (a process inside keeps it alive). */
  async remove(name: string): Promise<void> {
    await Promise.all([...this.servers].filter(([, ns]) => ns === name).map(([child]) => stopChild(child)));
    await check(['ip', 'netns', 'delete', name]);
    this.names.splice(this.names.indexOf(name), 1);
  }

  /** busybox httpd serving dir on port in namespace ns, until cleanup. */
  httpd(ns: string, port: number, dir: string): void {
    const child = spawn('ip', ['netns', 'exec', ns, BUSYBOX, 'httpd', '-f', '-p', String(port), '-h', dir], { stdio: 'ignore' });
    this.servers.set(child, ns);
    child.on('exit', () => this.servers.delete(child));
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.servers.keys()].map(stopChild));
    for (const name of this.names.splice(0)) await runCommand(['ip', 'netns', 'delete', name]);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function check(argv: readonly string[]): Promise<string> {
  const result = await runCommand(argv);
  if (result.code !== 0) throw new Error(`${argv.join(' ')}: exit ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** `busybox wget -q -O- url` inside ns: the body, or undefined when it failed. */
export async function fetchIn(ns: string, url: string): Promise<string | undefined> {
  const result = await runCommand(['ip', 'netns', 'exec', ns, BUSYBOX, 'wget', '-q', '-O-', url], { timeoutMs: 10_000 });
  return result.code === 0 ? result.stdout : undefined;
}
