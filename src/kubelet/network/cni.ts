// The pod network through CNI plugins (spec 1.0.0), as containerd's CRI plugin
// drives them with libcni: `loopback` for lo, then the `skiff` conflist (`bridge`
// with `host-local` IPAM over the node's pod CIDR, then `portmap` for hostPorts) for
// eth0. ADD runs the list in order, each plugin getting the previous result; DEL runs
// it in reverse with the cached ADD result. ADD and DEL of one pod never overlap.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodNetwork, PodNetworkAttachment, PodPortMapping } from '../runtime/types.js';
import { HostCommands } from './command.js';
import { ensurePodNetworkRules, removePodNetworkRules, removePortmapChains } from './masquerade.js';

export const CNI_VERSION = '1.0.0';
export const NETWORK_NAME = 'skiff';
export const DEFAULT_BIN_DIR = '/usr/lib/cni';
export const DEFAULT_BRIDGE = 'skiff0';
const POD_IFNAME = 'eth0';

export interface CniNetworkOptions {
  /** This node's spec.podCIDR. */
  readonly podCIDR: string;
  /** The whole pod network (all nodes' pod CIDRs): not masqueraded. */
  readonly clusterCIDR: string;
  /** Where the plugins are (default /usr/lib/cni). */
  readonly binDir?: string;
  /** The network's own directory under the agent's data dir: conflist, IPAM store, cached results. */
  readonly dataDir: string;
  readonly bridgeName?: string;
  readonly mtu?: number;
  /** Prefix for every command (tests: ["ip", "netns", "exec", NODE_NS]); empty in the product. */
  readonly commandPrefix?: readonly string[];
}

/** A plugin's error result (spec: code, msg, details) or an unreadable answer. */
export class CniError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: 'ADD' | 'DEL' | 'CHECK',
    readonly code: number,
    readonly details?: string,
  ) {
    super(`plugin type="${plugin}" failed (${command.toLowerCase()}): ${details ?? `exit code ${code}`}`);
  }
}

type PluginConf = Record<string, unknown> & { readonly type: string; readonly capabilities?: Readonly<Record<string, boolean>> };

export interface NetworkConfList {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly PluginConf[];
}

interface CniResult {
  readonly cniVersion?: string;
  readonly interfaces?: readonly { name: string; mac?: string; sandbox?: string }[];
  readonly ips?: readonly { address: string; gateway?: string; interface?: number }[];
  readonly [key: string]: unknown;
}

export interface CniNetworkStats {
  readonly adds: number;
  readonly lastAddMs: number;
  readonly maxAddMs: number;
  readonly totalAddMs: number;
}

/** The paths a CniNetwork uses under its data dir. */
export function cniPaths(dataDir: string) {
  return {
    confDir: join(dataDir, 'net.d'),
    conflist: join(dataDir, 'net.d', `10-${NETWORK_NAME}.conflist`),
    loopbackConf: join(dataDir, 'net.d', '99-loopback.conf'),
    ipamDir: join(dataDir, 'ipam'),
    resultsDir: join(dataDir, 'results'),
  };
}

export function buildConfList(options: CniNetworkOptions): NetworkConfList {
  const bridge: PluginConf = {
    type: 'bridge',
    bridge: options.bridgeName ?? DEFAULT_BRIDGE,
    isGateway: true,
    // See masquerade.ts: the plugin's rule would also masquerade pod to pod traffic across nodes.
    ipMasq: false,
    hairpinMode: true,
    ...(options.mtu ? { mtu: options.mtu } : {}),
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: options.podCIDR }]],
      routes: [{ dst: '0.0.0.0/0' }],
      dataDir: cniPaths(options.dataDir).ipamDir,
    },
  };
  const portmap: PluginConf = { type: 'portmap', capabilities: { portMappings: true }, snat: true };
  return { cniVersion: CNI_VERSION, name: NETWORK_NAME, plugins: [bridge, portmap] };
}

const LOOPBACK: NetworkConfList = { cniVersion: CNI_VERSION, name: 'cni-loopback', plugins: [{ type: 'loopback' }] };

function podIpOf(result: CniResult): string | undefined {
  const ips = result.ips ?? [];
  // The address on the pod's interface (one with a sandbox), IPv4 first.
  const onPod = ips.filter((ip) => ip.interface === undefined || result.interfaces?.[ip.interface]?.sandbox);
  const chosen = onPod.find((ip) => !ip.address.includes(':')) ?? onPod[0];
  return chosen?.address.split('/')[0];
}

/** libcni's runtimeConfig portMappings entry. */
function portMappingsOf(mappings: readonly PodPortMapping[]) {
  return mappings
    .filter((m) => m.hostPort > 0)
    .map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol.toLowerCase(), ...(m.hostIP ? { hostIP: m.hostIP } : {}) }));
}

export class CniNetwork implements PodNetwork {
  private readonly cmd: HostCommands;
  private readonly binDir: string;
  private readonly confList: NetworkConfList;
  private readonly paths: ReturnType<typeof cniPaths>;
  private prepared: Promise<readonly string[]> | undefined;
  /** The last operation of each pod: the next one waits for it. */
  private readonly perPod = new Map<string, Promise<unknown>>();
  private addStats = { adds: 0, lastAddMs: 0, maxAddMs: 0, totalAddMs: 0 };

  constructor(private readonly options: CniNetworkOptions) {
    this.cmd = new HostCommands(options.commandPrefix);
    this.binDir = options.binDir ?? DEFAULT_BIN_DIR;
    this.confList = buildConfList(options);
    this.paths = cniPaths(options.dataDir);
  }

  get stats(): CniNetworkStats {
    return { ...this.addStats };
  }

  /**
   * Node setup, once: the conflist on disk (for reference), ip_forward and
   * bridge-nf-call-iptables, the masquerade rules. Returns warnings (a sysctl that
   * could not be set) rather than failing on them.
   */
  prepare(): Promise<readonly string[]> {
    this.prepared ??= this.prepareNode().catch((err: unknown) => {
      this.prepared = undefined;
      throw err;
    });
    return this.prepared;
  }

  private async prepareNode(): Promise<readonly string[]> {
    await mkdir(this.paths.confDir, { recursive: true });
    await mkdir(this.paths.resultsDir, { recursive: true });
    await writeFile(this.paths.conflist, JSON.stringify(this.confList, null, 2) + '\n');
    await writeFile(this.paths.loopbackConf, JSON.stringify({ cniVersion: CNI_VERSION, name: LOOPBACK.name, type: 'loopback' }, null, 2) + '\n');
    const warnings: string[] = [];
    for (const path of ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/bridge/bridge-nf-call-iptables']) {
      try {
        await this.cmd.writeProcSys(path, '1');
      } catch (err) {
        // bridge-nf-call-iptables exists only with br_netfilter loaded: Services to pods on the same bridge then need hairpin.
        warnings.push(`could not set ${path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    await ensurePodNetworkRules(this.cmd, this.options);
    return warnings;
  }

  setUp(attachment: PodNetworkAttachment): Promise<{ ip: string }> {
    return this.serialized(attachment.podUid, async () => {
      await this.prepare();
      const started = performance.now();
      // lo and eth0 are independent: bringing them up together saves a plugin's start-up time.
      const [loopback, pod] = await Promise.allSettled([this.invokeList(LOOPBACK, 'ADD', attachment, 'lo'), this.invokeList(this.confList, 'ADD', attachment, POD_IFNAME)]);
      if (loopback.status === 'rejected' || pod.status === 'rejected') {
        // Give back what the failed ADD took (spec: the runtime calls DEL after a failed ADD).
        await this.invokeList(this.confList, 'DEL', attachment, POD_IFNAME).catch(() => {});
        throw loopback.status === 'rejected' ? loopback.reason : (pod as PromiseRejectedResult).reason;
      }
      const result = pod.value;
      const ip = podIpOf(result);
      if (!ip) throw new CniError('bridge', 'ADD', 0, `no IP in the result: ${JSON.stringify(result)}`);
      await writeFile(this.resultPath(attachment.sandboxId), JSON.stringify({ kind: 'cniCacheV1', containerId: attachment.sandboxId, ifName: POD_IFNAME, networkName: NETWORK_NAME, result }));
      this.recordAdd(performance.now() - started);
      return { ip };
    });
  }

  tearDown(attachment: PodNetworkAttachment): Promise<void> {
    return this.serialized(attachment.podUid, async () => {
      const cached = await this.cachedResult(attachment.sandboxId);
      await this.invokeList(this.confList, 'DEL', attachment, POD_IFNAME, cached);
      await this.invokeList(LOOPBACK, 'DEL', attachment, 'lo');
      await rm(this.resultPath(attachment.sandboxId), { force: true });
    });
  }

  /** CHECK of the pod's eth0 against the cached ADD result; throws a CniError when it is broken. */
  check(attachment: PodNetworkAttachment): Promise<void> {
    return this.serialized(attachment.podUid, async () => {
      const cached = await this.cachedResult(attachment.sandboxId);
      if (!cached) throw new CniError(NETWORK_NAME, 'CHECK', 0, `no cached result for ${attachment.sandboxId}`);
      await this.invokeList(this.confList, 'CHECK', attachment, POD_IFNAME, cached);
    });
  }

  private recordAdd(ms: number): void {
    const s = this.addStats;
    this.addStats = { adds: s.adds + 1, lastAddMs: ms, maxAddMs: Math.max(s.maxAddMs, ms), totalAddMs: s.totalAddMs + ms };
  }

  private serialized<T>(podUid: string, op: () => Promise<T>): Promise<T> {
    const previous = this.perPod.get(podUid) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(op);
    this.perPod.set(podUid, next);
    const forget = () => {
      if (this.perPod.get(podUid) === next) this.perPod.delete(podUid);
    };
    next.then(forget, forget);
    return next;
  }

  private resultPath(sandboxId: string): string {
    return join(this.paths.resultsDir, `${NETWORK_NAME}-${sandboxId}-${POD_IFNAME}`);
  }

  private async cachedResult(sandboxId: string): Promise<CniResult | undefined> {
    try {
      const cached = JSON.parse(await readFile(this.resultPath(sandboxId), 'utf8')) as { result?: CniResult };
      return cached.result;
    } catch {
      return undefined;
    }
  }

  /** libcni's AddNetworkList / DelNetworkList / CheckNetworkList. */
  private async invokeList(list: NetworkConfList, command: 'ADD' | 'DEL' | 'CHECK', attachment: PodNetworkAttachment, ifName: string, prevResult?: CniResult): Promise<CniResult> {
    const plugins = command === 'DEL' ? [...list.plugins].reverse() : list.plugins;
    let result: CniResult | undefined = prevResult;
    const hostPorts = portMappingsOf(attachment.portMappings);
    for (const plugin of plugins) {
      // portmap's ADD without mappings only passes the result on: skipped, as it costs a process start.
      // Its DEL always runs: it removes whatever an earlier ADD forwarded.
      if (command === 'ADD' && plugin.capabilities?.portMappings && hostPorts.length === 0) continue;
      const config: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
      delete config.capabilities;
      if (plugin.capabilities?.portMappings) config.runtimeConfig = { portMappings: hostPorts };
      if (result) config.prevResult = result;
      const output = await this.invokePlugin(plugin.type, command, attachment, ifName, config);
      if (command === 'ADD') result = output;
    }
    return result ?? {};
  }

  private async invokePlugin(type: string, command: 'ADD' | 'DEL' | 'CHECK', attachment: PodNetworkAttachment, ifName: string, config: Record<string, unknown>): Promise<CniResult> {
    // DEL must work when the namespace is already gone: the spec makes CNI_NETNS optional for it.
    const netnsGone = command === 'DEL' && !existsSync(attachment.netnsPath);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: attachment.sandboxId,
      CNI_IFNAME: ifName,
      CNI_PATH: this.binDir,
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${attachment.namespace};K8S_POD_NAME=${attachment.name};K8S_POD_INFRA_CONTAINER_ID=${attachment.sandboxId};K8S_POD_UID=${attachment.podUid}`,
      ...(netnsGone ? {} : { CNI_NETNS: attachment.netnsPath }),
    };
    const out = await this.cmd.run([join(this.binDir, type)], { input: JSON.stringify(config), env });
    if (out.code !== 0) {
      let details = out.stderr.trim() || `exit code ${out.code}`;
      let code = out.code;
      try {
        const error = JSON.parse(out.stdout) as { code?: number; msg?: string; details?: string };
        code = error.code ?? code;
        details = [error.msg, error.details].filter(Boolean).join(': ') || details;
      } catch {
        // not a CNI error object: stderr says what happened
      }
      throw new CniError(type, command, code, details);
    }
    if (command !== 'ADD' || out.stdout.trim() === '') return {};
    try {
      return JSON.parse(out.stdout) as CniResult;
    } catch {
      throw new CniError(type, command, 0, `unreadable result: ${out.stdout.slice(0, 200)}`);
    }
  }
}

export interface NodeNetworkCleanupOptions {
  readonly dataDir: string;
  readonly bridgeName?: string;
  readonly commandPrefix?: readonly string[];
}

/**
 * `--cleanup`: removes the bridge, the masquerade and forward rules, portmap's chains
 * (when no pod uses them), and the network's data dir (host-local allocations, cached results, conflist). Pods should be torn
 * down first; their veths go with their namespaces.
 */
export async function cleanupNodeNetwork(options: NodeNetworkCleanupOptions): Promise<void> {
  const cmd = new HostCommands(options.commandPrefix);
  const bridge = options.bridgeName ?? DEFAULT_BRIDGE;
  const link = await cmd.run(['ip', 'link', 'show', bridge]);
  if (link.code === 0) await cmd.check(['ip', 'link', 'delete', bridge]);
  await removePodNetworkRules(cmd);
  await removePortmapChains(cmd);
  const paths = cniPaths(options.dataDir);
  for (const dir of [paths.confDir, paths.ipamDir, paths.resultsDir]) await rm(dir, { recursive: true, force: true });
}
