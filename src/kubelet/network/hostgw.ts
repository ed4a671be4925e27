// host-gw routing between nodes (flannel's host-gw backend): for every other Node
// with a pod CIDR, `ip route replace <podCIDR> via <its InternalIP>` in the agent's
// network namespace. Routes carry their own protocol number so the agent finds the
// ones it made (also those of nodes deleted while it was down) and never touches
// anyone else's. One level-based sync compares the Nodes with `ip -j route`.

import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, WorkQueue, runWorkers, type Clock, type Disposable, type Informer, type InformerFactory } from '../../client/index.js';
import { HostCommands } from './command.js';

/** The `proto` of the routes this agent owns (an unassigned rtnetlink protocol number). */
export const HOST_GW_ROUTE_PROTOCOL = '147';
/** Routes are checked again this often, healing ones removed by hand or refused before the gateway was reachable. */
const RESYNC_MS = 30_000;
const SYNC_KEY = 'routes';

type NodeObject = Node & KubeObject;

export interface HostGwRoutesOptions {
  /** The agent's informers (the caller starts and stops them). */
  readonly informers: InformerFactory;
  /** This node: its own pod CIDR is on the bridge, not routed. */
  readonly nodeName: string;
  readonly onError: (err: unknown, what: string) => void;
  readonly clock?: Clock;
  /** Prefix for every command (tests: ["ip", "netns", "exec", NS]). */
  readonly commandPrefix?: readonly string[];
}

interface RouteEntry {
  readonly dst: string;
  readonly gateway?: string;
}

/** The routes the Nodes call for: pod CIDR -> that node's InternalIP. */
export function desiredRoutes(nodes: readonly Node[], self: string): Map<string, string> {
  const routes = new Map<string, string>();
  for (const node of nodes) {
    if (node.metadata?.name === self) continue;
    const internalIP = node.status?.addresses?.find((a) => a.type === 'InternalIP' && !a.address.includes(':'))?.address;
    const cidrs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
    const cidr = cidrs.find((c) => !c.includes(':'));
    if (internalIP && cidr) routes.set(cidr, internalIP);
  }
  return routes;
}

export class HostGwRoutes {
  private readonly cmd: HostCommands;
  private readonly nodes: Informer<NodeObject>;
  private readonly queue: WorkQueue<string>;
  private readonly subscription: Disposable;
  private worker: Promise<void> | undefined;
  private stopped = false;
  /** Ends the wait for the informer's sync when stopped before it. */
  private resolveStopped!: () => void;
  private readonly stoppedSignal = new Promise<void>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: HostGwRoutesOptions) {
    this.cmd = new HostCommands(options.commandPrefix);
    this.queue = new WorkQueue<string>({ clock: options.clock, maxDelayMs: RESYNC_MS });
    this.nodes = options.informers.informer<NodeObject>(Resources.nodes);
    const changed = () => this.queue.add(SYNC_KEY);
    this.subscription = this.nodes.addHandlers({
      add: changed,
      update: (old, cur) => {
        if (routeFacts(old) !== routeFacts(cur)) changed();
      },
      delete: changed,
    });
  }

  /** Starts syncing once the node informer has synced. */
  start(): void {
    if (this.worker || this.stopped) return;
    this.worker = Promise.race([this.nodes.synced, this.stoppedSignal]).then(() => {
      if (this.stopped) return;
      this.queue.add(SYNC_KEY);
      return runWorkers(this.queue, 1, () => this.sync(), (_key, err) => this.options.onError(err, 'syncing host-gw routes'));
    });
  }

  /** Stops syncing; with cleanup, removes every route it made. */
  async stop(options: { cleanup?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.resolveStopped();
    this.subscription.dispose();
    this.queue.shutDown();
    await this.worker;
    if (options.cleanup) for (const route of await this.currentRoutes()) await this.deleteRoute(route.dst);
  }

  /** The routes this agent owns now, from `ip -j route`. */
  async currentRoutes(): Promise<RouteEntry[]> {
    const out = await this.cmd.check(['ip', '-j', '-4', 'route', 'show', 'table', 'main', 'proto', HOST_GW_ROUTE_PROTOCOL]);
    return out.trim() ? (JSON.parse(out) as RouteEntry[]) : [];
  }

  private async sync(): Promise<void> {
    const desired = desiredRoutes(this.nodes.list(), this.options.nodeName);
    const failures: string[] = [];
    for (const route of await this.currentRoutes()) {
      const via = desired.get(route.dst);
      if (via === route.gateway) desired.delete(route.dst);
      else if (via === undefined) await this.deleteRoute(route.dst);
    }
    for (const [dst, via] of desired) {
      // A gateway not (yet) on a connected network is refused: the other routes go on, this one is retried.
      const result = await this.cmd.run(['ip', 'route', 'replace', dst, 'via', via, 'proto', HOST_GW_ROUTE_PROTOCOL]);
      if (result.code !== 0) failures.push(`${dst} via ${via}: ${result.stderr.trim()}`);
    }
    // Failures are retried with backoff (runWorkers), successes checked again later.
    if (failures.length > 0) throw new Error(`ip route replace failed: ${failures.join('; ')}`);
    this.queue.addAfter(SYNC_KEY, RESYNC_MS);
  }

  private async deleteRoute(dst: string): Promise<void> {
    const result = await this.cmd.run(['ip', 'route', 'del', dst, 'proto', HOST_GW_ROUTE_PROTOCOL]);
    // Gone already is what we wanted.
    if (result.code !== 0 && !/No such process/.test(result.stderr)) throw new Error(`ip route del ${dst}: ${result.stderr.trim()}`);
  }
}

/** What of a Node its route depends on: heartbeats change nothing here. */
function routeFacts(node: NodeObject): string {
  return JSON.stringify([...desiredRoutes([node], '')]);
}
