// A second "machine" for multi-node tests: a network namespace joined to the host by
// a veth pair on its own /30-ish subnet. Processes started in it (an agent) have their
// own interfaces, routes and iptables; the file system is shared.

import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestHost {
  readonly name: string;
  /** The host side of the link: what processes in the namespace reach the host at. */
  readonly hostIP: string;
  /** The namespace's own address. */
  readonly ip: string;
  /**
   * argv prefix that runs a command inside the namespace. nsenter switches only the
   * network namespace: `ip netns exec` also remounts /sys, hiding the cgroup mounts
   * runc needs.
   */
  readonly exec: readonly string[];
  destroy(): Promise<void>;
}

/** Why network namespaces can't be made here, or false when they can. */
export function netnsUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  const probe = spawnSync('ip', ['netns', 'list']);
  if (probe.error || probe.status !== 0) return 'needs iproute2 (`ip netns`)';
  return false;
}

/** Creates namespace `skiff-<tag>-<rand>` linked to the host as 172.31.<n>.1 (host) / .2 (namespace). */
export async function createTestHost(tag: string): Promise<TestHost> {
  const suffix = randomBytes(3).toString('hex');
  const name = `skiff-${tag}-${suffix}`;
  const subnet = 64 + (randomBytes(1)[0]! % 128);
  const hostIP = `172.31.${subnet}.1`;
  const ip = `172.31.${subnet}.2`;
  const hostIf = `sk${suffix}h`;
  const nsIf = `sk${suffix}n`;
  const steps: string[][] = [
    ['netns', 'add', name],
    ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf],
    ['link', 'set', nsIf, 'netns', name],
    ['addr', 'add', `${hostIP}/24`, 'dev', hostIf],
    ['link', 'set', hostIf, 'up'],
    ['-n', name, 'addr', 'add', `${ip}/24`, 'dev', nsIf],
    ['-n', name, 'link', 'set', nsIf, 'up'],
    ['-n', name, 'link', 'set', 'lo', 'up'],
    ['-n', name, 'route', 'add', 'default', 'via', hostIP],
  ];
  const destroy = async () => {
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    await run('ip', ['netns', 'del', name]).catch(() => undefined);
  };
  try {
    for (const step of steps) await run('ip', step);
  } catch (err) {
    await destroy();
    throw err;
  }
  return { name, hostIP, ip, exec: ['nsenter', `--net=/run/netns/${name}`], destroy };
}
