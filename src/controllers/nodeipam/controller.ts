// The node IPAM controller with upstream's range allocator
// (pkg/controller/nodeipam/ipam/range_allocator.go): every Node without a pod CIDR
// gets the next free /nodeCidrMaskSize subnet of the cluster CIDR in spec.podCIDR
// and spec.podCIDRs. The used set is rebuilt from the Nodes on start, a deleted
// Node's subnet goes back to the pool, and an exhausted pool is reported with a
// `CIDRNotAvailable` event on the Node.

import type { Node } from 'kubernetes-types/core/v1.js';
import { Resources, WorkQueue, isNotFound, runWorkers, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { errorMessage, typed, type Typed } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { CidrSet, formatCidr, parseIpv4Cidr } from './cidrset.js';

type N = Typed<Node>;

export interface NodeIpamOptions {
  /** --cluster-cidr (IPv4). */
  readonly clusterCIDR: string;
  /** --node-cidr-mask-size (upstream's default for IPv4: 24). */
  readonly nodeCidrMaskSize?: number;
}

/** upstream's cidrUpdateWorkers. */
const WORKERS = 30;
/** The event source upstream's range allocator records as. */
const COMPONENT = 'cidrAllocator';

function podCIDRsOf(node: N): string[] {
  const cidrs = node.spec?.podCIDRs ?? [];
  if (cidrs.length > 0) return [...cidrs];
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  private readonly nodes: Informer<N>;
  private readonly queue: WorkQueue<string>;
  private readonly recorder: EventRecorder;
  private readonly cidrs: CidrSet;
  /** The subnet this controller holds for each node name: occupied from the Node, or reserved for a patch. */
  private readonly held = new Map<string, string>();
  private readonly subscriptions: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: NodeIpamOptions,
  ) {
    const cluster = parseIpv4Cidr(options.clusterCIDR);
    if (!cluster) throw new Error(`invalid cluster CIDR ${JSON.stringify(options.clusterCIDR)} (IPv4 only)`);
    this.cidrs = new CidrSet(cluster, options.nodeCidrMaskSize ?? 24);
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.recorder = ctx.recorder(COMPONENT);
    this.nodes = ctx.informers.informer<N>(Resources.nodes);
    const name = (node: N) => node.metadata?.name ?? '';
    this.subscriptions.push(
      this.nodes.addHandlers({
        add: (node) => this.queue.add(name(node)),
        // Status heartbeats do not concern us: only a Node whose CIDR is missing or not the one we hold.
        update: (_old, cur) => {
          if (podCIDRsOf(cur)[0] !== this.held.get(name(cur))) this.queue.add(name(cur));
        },
        delete: (node) => this.queue.add(name(node)),
      }),
    );
  }

  run(): void {
    if (this.workers) return;
    // Rebuild the used set from the Nodes before allocating anything (caches have synced).
    for (const node of this.nodes.list()) {
      const cidr = podCIDRsOf(node)[0];
      if (cidr) this.occupy(node, cidr);
    }
    this.workers = runWorkers(this.queue, WORKERS, (name) => this.sync(name), (name, err) => this.ctx.onError(err, `allocating a pod CIDR for node ${name}`));
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  /** Subnets in use, for tests and status. */
  get allocatedCount(): number {
    return this.cidrs.allocatedCount;
  }

  private occupy(node: N, cidrText: string): void {
    const name = node.metadata?.name ?? '';
    const cidr = parseIpv4Cidr(cidrText);
    if (!cidr) {
      this.ctx.onError(new Error(`failed to parse node ${name}, CIDR ${cidrText}`), 'occupying a pod CIDR');
      return;
    }
    const previous = this.held.get(name);
    if (previous === cidrText) return;
    if (previous !== undefined) this.release(name);
    try {
      this.cidrs.occupy(cidr);
      this.held.set(name, cidrText);
    } catch (err) {
      // A CIDR outside the cluster CIDR (set by hand, or the cluster CIDR changed): nothing to track.
      this.ctx.onError(new Error(`failed to mark cidr[${cidrText}] as occupied for node: ${name}: ${errorMessage(err)}`), 'occupying a pod CIDR');
    }
  }

  /** Returns the node's subnet to the pool and wakes the nodes waiting for one. */
  private release(name: string): void {
    if (this.drop(name)) {
      for (const node of this.nodes.list()) if (podCIDRsOf(node).length === 0) this.queue.add(node.metadata?.name ?? '');
    }
  }

  /** Forgets the node's subnet; true when it went back to the pool. */
  private drop(name: string): boolean {
    const cidrText = this.held.get(name);
    if (cidrText === undefined) return false;
    this.held.delete(name);
    // Another node may claim the same subnet (set by hand): keep it used then.
    if ([...this.held.values()].includes(cidrText)) return false;
    const cidr = parseIpv4Cidr(cidrText);
    if (cidr) this.cidrs.release(cidr);
    return true;
  }

  private async sync(name: string): Promise<void> {
    const node = this.nodes.get('', name);
    if (!node) return this.release(name);
    const current = podCIDRsOf(node)[0];
    if (current) return this.occupy(node, current);

    // Reuse a reservation whose patch the cache has not shown yet.
    let cidrText = this.held.get(name);
    if (cidrText === undefined) {
      const cidr = this.cidrs.allocateNext();
      if (!cidr) {
        // upstream: "failed to allocate cidr from cluster cidr at idx:0: " + ERR_NO_CIDRS_REMAINING.
        // Expected: the node waits until a subnet is released.
        this.recordStatusChange(name, 'CIDRNotAvailable');
        return;
      }
      cidrText = formatCidr(cidr);
      this.held.set(name, cidrText);
    }
    try {
      // utilnode.PatchNodeCIDRs: a strategic merge patch of spec.podCIDR and spec.podCIDRs.
      await this.ctx.client.patch(Resources.nodes, '', name, 'strategic', { spec: { podCIDR: cidrText, podCIDRs: [cidrText] } });
    } catch (err) {
      // Not release(): waking waiters (this node among them) would retry at once instead of with backoff.
      this.drop(name);
      if (isNotFound(err)) return;
      this.recordStatusChange(name, 'CIDRAssignmentFailed');
      throw err;
    }
  }

  /** nodeutil.RecordNodeStatusChange: a Normal event whose reason is the new status. */
  private recordStatusChange(name: string, status: string): void {
    const ref = typed<Node>({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } });
    this.recorder.event(ref, 'Normal', status, `Node ${name} status is now: ${status}`);
  }
}

export function newNodeIpamController(ctx: ControllerContext, options: NodeIpamOptions): NodeIpamController {
  return new NodeIpamController(ctx, options);
}
