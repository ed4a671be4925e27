// Simulated ("hollow") nodes: N Nodes that register like real kubelets, hold their
// Leases in kube-node-lease, post healthy status, and run the pods bound to them
// without containers: Running with an IP at once, Succeeded or Failed after a while
// for pods that do not restart forever, deleted for good once marked for deletion.
//
// Built to carry thousands of nodes and a hundred thousand pods in one process: one
// shared pod informer indexed by node, two bounded work queues (pods; leases and
// node status) so pod churn never starves heartbeats, and deadlines (lease renewals
// spread over the period, status reports, pod completions) kept in heaps with one
// timer each rather than a timer per node or pod.

import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import {
  InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  objectKey,
  realClock,
  Resources,
  runWorkers,
  WorkQueue,
  type ApiClient,
  type Clock,
  type Disposable,
  type Informer,
} from '../../client/index.js';
import { DueQueue } from './duequeue.js';
import { HEARTBEATS_ANNOTATION, leaseObject, looksHealthy, microTime, nodeAddressing, nodeObject, nodeStatus, NODE_LEASE_NAMESPACE, type NodeAddressing } from './nodeobject.js';
import { exitCode, isTerminal, looksRunning, runDurationMs, runningStatus, runsForever, terminatedStatus } from './podstatus.js';

type NodeObject = Node & KubeObject;
type PodObject = Pod & KubeObject;
type LeaseObject = Lease & KubeObject;

export interface SimulatedNodesOptions {
  readonly client: ApiClient;
  /** A shared informer factory to take the pod and node informers from (else one of its own). */
  readonly informers?: InformerFactory;
  readonly clock?: Clock;
  /** How many nodes: named namePrefix + 0 .. count-1. */
  readonly count: number;
  readonly namePrefix?: string;
  /** Zones the nodes are spread over round-robin (3). */
  readonly zones?: number;
  /** The Lease's leaseDurationSeconds (40). */
  readonly leaseDurationSeconds?: number;
  /** How often each node renews its Lease (a quarter of the lease duration, as the kubelet: 10 s). */
  readonly leaseRenewIntervalMs?: number;
  /** How often an unchanged node status is posted again (5 min, the kubelet's nodeStatusReportFrequency). */
  readonly statusReportIntervalMs?: number;
  /** How long pods that do not restart forever run, without a duration annotation (1 s). */
  readonly defaultRunDurationMs?: number;
  /** Pod status writes in flight at once (16). */
  readonly podConcurrency?: number;
  /** Lease and node status writes in flight at once (8). */
  readonly nodeConcurrency?: number;
  readonly onError: (err: unknown, what: string) => void;
}

/** The pod index by node, shared with the controllers (upstream's "spec.nodeName" indexer). */
const POD_NODE_NAME_INDEX = 'spec.nodeName';
const REGISTRATION_CONCURRENCY = 16;
/** Renewals and reports due this close together are sent in one batch. */
const HEARTBEAT_BATCH_MS = 250;

interface SimulatedNode {
  readonly name: string;
  readonly index: number;
  readonly addressing: NodeAddressing;
  uid: string;
  registered: boolean;
  /** The Lease as last written, to renew without reading it first. */
  lease: LeaseObject | undefined;
  stoppedByCaller: boolean;
  stoppedByAnnotation: boolean;
  deleted: boolean;
  /** Host numbers (.2 - .254) of the node's /24 given to pods. */
  readonly usedHosts: Set<number>;
}

type NodeWork = `register:${string}` | `lease:${string}` | `status:${string}`;

export class SimulatedNodes {
  readonly nodeNames: readonly string[];
  private readonly client: ApiClient;
  private readonly clock: Clock;
  private readonly ownInformers: InformerFactory | undefined;
  private readonly pods: Informer<PodObject>;
  private readonly nodeInformer: Informer<NodeObject>;
  private readonly nodes = new Map<string, SimulatedNode>();
  private readonly podQueue: WorkQueue<string>;
  private readonly nodeQueue: WorkQueue<NodeWork>;
  private readonly renewals: DueQueue;
  private readonly reports: DueQueue;
  private readonly completions: DueQueue;
  /** Pod key -> the node and host number of the address it was given. */
  private readonly allocations = new Map<string, { node: SimulatedNode; host: number }>();
  /** When this instance started a pod that will finish (ms precision, unlike status.startTime). */
  private readonly startedAt = new Map<string, number>();
  private readonly zones: number;
  private readonly leaseDurationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly reportIntervalMs: number;
  private readonly defaultRunMs: number;
  private readonly podConcurrency: number;
  private readonly nodeConcurrency: number;
  private readonly onError: (err: unknown, what: string) => void;
  private handlers: Disposable[] = [];
  private workers: Promise<void> | undefined;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private starting: Promise<void> | undefined;
  private markStopped!: () => void;
  /** Settles when stop() is called, so a start waiting for informers gives up. */
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(options: SimulatedNodesOptions) {
    this.client = options.client;
    this.clock = options.clock ?? realClock;
    this.onError = options.onError;
    this.zones = options.zones ?? 3;
    this.leaseDurationSeconds = options.leaseDurationSeconds ?? 40;
    this.renewIntervalMs = options.leaseRenewIntervalMs ?? this.leaseDurationSeconds * 250;
    this.reportIntervalMs = options.statusReportIntervalMs ?? 300_000;
    this.defaultRunMs = options.defaultRunDurationMs ?? 1_000;
    this.podConcurrency = options.podConcurrency ?? 16;
    this.nodeConcurrency = options.nodeConcurrency ?? 8;
    const prefix = options.namePrefix ?? 'skiff-sim-';
    const names: string[] = [];
    for (let index = 0; index < options.count; index++) {
      const name = `${prefix}${index}`;
      names.push(name);
      this.nodes.set(name, { name, index, addressing: nodeAddressing(index), uid: '', registered: false, lease: undefined, stoppedByCaller: false, stoppedByAnnotation: false, deleted: false, usedHosts: new Set() });
    }
    this.nodeNames = names;

    this.ownInformers = options.informers ? undefined : new InformerFactory(this.client, this.clock, (err) => this.onError(err, 'simulated nodes informer'));
    const informers = options.informers ?? this.ownInformers!;
    this.pods = informers.informer<PodObject>(Resources.pods);
    this.pods.addIndex(POD_NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
    this.nodeInformer = informers.informer<NodeObject>(Resources.nodes);

    this.podQueue = new WorkQueue<string>({ clock: this.clock });
    this.nodeQueue = new WorkQueue<NodeWork>({ clock: this.clock });
    this.renewals = new DueQueue(this.clock, (names) => this.due(names, 'lease', this.renewals, this.renewIntervalMs), HEARTBEAT_BATCH_MS);
    this.reports = new DueQueue(this.clock, (names) => this.due(names, 'status', this.reports, this.reportIntervalMs), HEARTBEAT_BATCH_MS);
    this.completions = new DueQueue(this.clock, (keys) => keys.forEach((key) => this.podQueue.add(key)));
  }

  /** Registers the nodes and their Leases, then starts running their pods. */
  start(): Promise<void> {
    if (this.state !== 'new') throw new Error('SimulatedNodes can start only once');
    this.state = 'running';
    this.starting = this.startRunning();
    return this.starting;
  }

  private async startRunning(): Promise<void> {
    this.workers = Promise.all([
      runWorkers(this.nodeQueue, this.nodeConcurrency, (work) => this.processNode(work), (work, err) => this.onError(err, `simulated node ${work}`)),
      runWorkers(this.podQueue, this.podConcurrency, (key) => this.processPod(key), (key, err) => this.onError(err, `simulated pod ${key}`)),
    ]).then(() => undefined);

    await parallelize([...this.nodes.values()], REGISTRATION_CONCURRENCY, async (node) => {
      if (this.state !== 'running') return;
      try {
        await this.register(node);
      } catch (err) {
        this.onError(err, `registering simulated node ${node.name}; will retry`);
        this.nodeQueue.addRateLimited(`register:${node.name}`);
      }
    });

    if (this.state !== 'running') return;
    if (this.ownInformers) this.ownInformers.start();
    else {
      this.pods.start();
      this.nodeInformer.start();
    }
    await Promise.race([Promise.all([this.pods.synced, this.nodeInformer.synced]), this.stopped]);
    if (this.state !== 'running') return;
    // Addresses pods already hold (a restart) are taken before new pods get theirs.
    for (const pod of this.pods.list()) {
      const node = this.nodes.get(pod.spec?.nodeName ?? '');
      if (node && pod.status?.podIP && !isTerminal(pod) && !pod.spec?.hostNetwork) this.allocate(node, objectKey(pod), pod);
    }
    this.handlers.push(
      this.nodeInformer.addHandlers({ add: (n) => this.nodeChanged(n), update: (_old, n) => this.nodeChanged(n), delete: (n) => this.nodeDeleted(n) }),
      this.pods.addHandlers({ add: (p) => this.podChanged(p), update: (_old, p) => this.podChanged(p), delete: (p) => this.podDeleted(p) }),
    );

    // Spread heartbeats evenly over their periods.
    const now = this.clock.now();
    const count = Math.max(1, this.nodes.size);
    for (const node of this.nodes.values()) {
      this.renewals.set(node.name, now + Math.round((this.renewIntervalMs * (node.index + 1)) / count));
      this.reports.set(node.name, now + Math.round((this.reportIntervalMs * (node.index + 1)) / count));
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.markStopped();
    // A start still registering nodes gives up at its next step.
    await this.starting?.catch(() => undefined);
    for (const handler of this.handlers) handler.dispose();
    this.handlers = [];
    this.renewals.close();
    this.reports.close();
    this.completions.close();
    this.podQueue.shutDown();
    this.nodeQueue.shutDown();
    await this.workers;
    await this.ownInformers?.stop();
  }

  /** Simulates losing the node: no Lease renewals, no status, its pods left as they are. */
  stopHeartbeats(nodeName: string): void {
    const node = this.mustGet(nodeName);
    node.stoppedByCaller = true;
  }

  resumeHeartbeats(nodeName: string): void {
    const node = this.mustGet(nodeName);
    const wasQuiet = this.quiet(node);
    node.stoppedByCaller = false;
    if (wasQuiet && !this.quiet(node)) this.wake(node);
  }

  private mustGet(nodeName: string): SimulatedNode {
    const node = this.nodes.get(nodeName);
    if (!node) throw new Error(`${nodeName} is not a simulated node of this set`);
    return node;
  }

  private quiet(node: SimulatedNode): boolean {
    return node.stoppedByCaller || node.stoppedByAnnotation || node.deleted;
  }

  /** A node back from silence heartbeats at once and catches up with its pods. */
  private wake(node: SimulatedNode): void {
    this.nodeQueue.add(`lease:${node.name}`);
    this.nodeQueue.add(`status:${node.name}`);
    for (const pod of this.pods.byIndex(POD_NODE_NAME_INDEX, node.name)) this.podQueue.add(objectKey(pod));
  }

  private due(names: readonly string[], work: 'lease' | 'status', queue: DueQueue, intervalMs: number): void {
    const next = this.clock.now() + intervalMs;
    for (const name of names) {
      const node = this.nodes.get(name);
      if (!node || node.deleted) continue;
      queue.set(name, next);
      if (!this.quiet(node)) this.nodeQueue.add(`${work}:${name}`);
    }
  }

  // ---- informer events ----------------------------------------------------------

  private nodeChanged(obj: NodeObject): void {
    const node = this.nodes.get(obj.metadata?.name ?? '');
    if (!node || node.deleted) return;
    const wasQuiet = this.quiet(node);
    node.stoppedByAnnotation = obj.metadata?.annotations?.[HEARTBEATS_ANNOTATION] === 'stopped';
    if (this.quiet(node)) return;
    if (wasQuiet) this.wake(node);
    // Someone else (the node lifecycle controller) changed the conditions: post ours again.
    else if (node.registered && !looksHealthy(obj)) this.nodeQueue.add(`status:${node.name}`);
  }

  private nodeDeleted(obj: NodeObject): void {
    const node = this.nodes.get(obj.metadata?.name ?? '');
    if (!node || (node.uid && node.uid !== obj.metadata?.uid)) return;
    // A deleted node stays gone (its pods are the pod GC's); its Lease goes with it (owner reference).
    node.deleted = true;
    this.renewals.delete(node.name);
    this.reports.delete(node.name);
  }

  private podChanged(pod: PodObject): void {
    if (this.nodes.has(pod.spec?.nodeName ?? '')) this.podQueue.add(objectKey(pod));
  }

  private podDeleted(pod: PodObject): void {
    const key = objectKey(pod);
    this.release(key);
    this.completions.delete(key);
  }

  // ---- nodes --------------------------------------------------------------------

  private async processNode(work: NodeWork): Promise<void> {
    const colon = work.indexOf(':');
    const node = this.nodes.get(work.slice(colon + 1));
    if (!node || this.state !== 'running') return;
    switch (work.slice(0, colon)) {
      case 'register':
        return this.register(node);
      case 'lease':
        return node.registered ? this.renewLease(node) : undefined;
      case 'status':
        return node.registered ? this.postStatus(node) : undefined;
    }
  }

  /** Creates the Node (or adopts the one there), posts its status and takes its Lease. */
  private async register(node: SimulatedNode): Promise<void> {
    if (node.registered || node.deleted) return;
    let obj: NodeObject;
    try {
      const fresh = nodeObject(node.name, node.index, this.zones);
      obj = await this.client.create<NodeObject>(Resources.nodes, '', { ...fresh, status: nodeStatus(fresh, node.index, rfc3339(this.clock.now())) } as NodeObject);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      obj = await this.client.get<NodeObject>(Resources.nodes, '', node.name);
    }
    node.uid = obj.metadata?.uid ?? '';
    node.stoppedByAnnotation = obj.metadata?.annotations?.[HEARTBEATS_ANNOTATION] === 'stopped';
    // A quiet node posts its status and takes its Lease when it wakes. (The kubelet sends
    // its status with the create; a server that drops status on create gets it again.)
    if (!this.quiet(node)) {
      if (!looksHealthy(obj)) await this.client.update(Resources.nodes, '', { ...obj, status: nodeStatus(obj, node.index, rfc3339(this.clock.now())) }, { subresource: 'status' });
      await this.renewLease(node);
    }
    node.registered = true;
    // Registered late (after a failure): catch up with the pods bound to it meanwhile.
    if (this.handlers.length > 0) this.wake(node);
  }

  private async renewLease(node: SimulatedNode): Promise<void> {
    if (this.quiet(node)) return;
    const renewTime = microTime(this.clock.now());
    const renewed = (lease: LeaseObject): LeaseObject => ({ ...lease, spec: { ...lease.spec, holderIdentity: node.name, leaseDurationSeconds: this.leaseDurationSeconds, renewTime } });
    if (node.lease) {
      try {
        node.lease = await this.client.update<LeaseObject>(Resources.leases, NODE_LEASE_NAMESPACE, renewed(node.lease));
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        node.lease = undefined;
      }
    }
    // No Lease known: create it, or renew the one a previous run left.
    try {
      const owner: Node = { metadata: { name: node.name, uid: node.uid } };
      node.lease = await this.client.create<LeaseObject>(Resources.leases, NODE_LEASE_NAMESPACE, leaseObject(owner, renewTime, this.leaseDurationSeconds) as LeaseObject);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const current = await this.client.get<LeaseObject>(Resources.leases, NODE_LEASE_NAMESPACE, node.name);
      node.lease = await this.client.update<LeaseObject>(Resources.leases, NODE_LEASE_NAMESPACE, renewed(current));
    }
  }

  private async postStatus(node: SimulatedNode): Promise<void> {
    if (this.quiet(node)) return;
    let obj = this.nodeInformer.get('', node.name);
    if (!obj) {
      try {
        obj = await this.client.get<NodeObject>(Resources.nodes, '', node.name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    try {
      await this.client.update(Resources.nodes, '', { ...obj, status: nodeStatus(obj, node.index, rfc3339(this.clock.now())) }, { subresource: 'status' });
    } catch (err) {
      // The newer node comes through the informer, which asks again if its status needs it.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }

  // ---- pods ---------------------------------------------------------------------

  private async processPod(key: string): Promise<void> {
    if (this.state !== 'running') return;
    const pod = this.pods.getByKey(key);
    if (!pod) {
      this.release(key);
      return;
    }
    const node = this.nodes.get(pod.spec?.nodeName ?? '');
    if (!node || this.quiet(node) || !node.registered) return;
    if (pod.metadata?.deletionTimestamp) return this.confirmDeletion(key, pod);
    if (isTerminal(pod)) {
      this.release(key);
      return;
    }
    const now = this.clock.now();
    if (!looksRunning(pod)) {
      const hostIP = node.addressing.internalIP;
      const podIP = pod.spec?.hostNetwork ? hostIP : this.allocate(node, key, pod);
      if (!runsForever(pod) && !this.startedAt.has(key)) this.startedAt.set(key, Date.parse(pod.status?.startTime ?? '') || now);
      await this.writeStatus(key, pod, runningStatus(pod, { hostIP, podIP }, rfc3339(now)));
      return;
    }
    if (runsForever(pod)) return;
    const started = this.startedAt.get(key) ?? (Date.parse(pod.status?.startTime ?? '') || now);
    const finishAt = started + runDurationMs(pod, this.defaultRunMs);
    if (now < finishAt) {
      this.completions.set(key, finishAt);
      return;
    }
    await this.writeStatus(key, pod, terminatedStatus(pod, exitCode(pod), rfc3339(now)));
    this.release(key);
  }

  private async writeStatus(key: string, pod: PodObject, status: Pod['status']): Promise<void> {
    try {
      await this.client.update(Resources.pods, pod.metadata?.namespace ?? '', { ...pod, status }, { subresource: 'status' });
    } catch (err) {
      if (isNotFound(err)) this.release(key);
      // A conflict means a newer pod is on its way through the informer, and brings us back.
      else if (!isConflict(err)) throw err;
    }
  }

  /** The kubelet's last word on a pod marked for deletion: its containers are gone, remove it now. */
  private async confirmDeletion(key: string, pod: PodObject): Promise<void> {
    const meta = pod.metadata!;
    // Already confirmed; finalizers hold it.
    if (meta.deletionGracePeriodSeconds === 0 && (meta.finalizers?.length ?? 0) > 0) return;
    try {
      await this.client.delete(Resources.pods, meta.namespace ?? '', meta.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: meta.uid ?? '' } });
    } catch (err) {
      // Gone, or replaced by a pod of the same name.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    this.release(key);
  }

  /** The pod's address in its node's /24: the one it has, or the lowest free. */
  private allocate(node: SimulatedNode, key: string, pod: PodObject): string {
    const prefix = node.addressing.podPrefix;
    const existing = this.allocations.get(key);
    if (existing && existing.node === node) return `${prefix}.${existing.host}`;
    if (existing) this.release(key);
    const current = pod.status?.podIP;
    let host = current?.startsWith(`${prefix}.`) ? Number(current.slice(prefix.length + 1)) : NaN;
    if (!(host >= 2 && host <= 254)) {
      host = 2;
      while (host <= 254 && node.usedHosts.has(host)) host++;
      if (host > 254) throw new Error(`node ${node.name} has no pod addresses left in ${node.addressing.podCIDR}`);
    }
    node.usedHosts.add(host);
    this.allocations.set(key, { node, host });
    return `${prefix}.${host}`;
  }

  private release(key: string): void {
    const allocation = this.allocations.get(key);
    if (allocation) {
      allocation.node.usedHosts.delete(allocation.host);
      this.allocations.delete(key);
    }
    this.startedAt.delete(key);
  }
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function parallelize<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
