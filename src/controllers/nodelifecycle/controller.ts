// The node lifecycle controller (upstream pkg/controller/nodelifecycle): watches node
// heartbeats (the Ready condition's lastHeartbeatTime and the node's Lease in
// kube-node-lease), marks nodes whose kubelet went quiet Unknown, taints NotReady and
// unreachable nodes NoExecute (rate-limited per zone, stopped when every zone is
// down), keeps the condition NoSchedule taints in line (TaintNodesByCondition) and
// marks the pods of nodes that stopped reporting not Ready.

import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { NodeCondition, Taint } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { isNotFound, objectKey, Resources, runWorkers, WorkQueue, type EventRecorder, type Informer, type TimerHandle } from '../../client/index.js';
import type { Controller, ControllerContext } from '../types.js';
import {
  cloneForUpdate,
  getNodeCondition,
  getPodCondition,
  NOT_READY_TAINT,
  nodeRef,
  parallelize,
  parseTime,
  rfc3339,
  SerialPass,
  swapNodeTaints,
  taintExists,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  UNREACHABLE_TAINT,
  updatePodCondition,
  zoneKey,
  type NodeObject,
  type PodObject,
} from './nodeutil.js';
import { computeZoneState, RateLimitedTimedQueue, type ZoneState } from './ratelimit.js';

export interface NodeLifecycleOptions {
  /** How often node health is checked (upstream --node-monitor-period, 5 s). */
  readonly nodeMonitorPeriodMs?: number;
  /** How long a node may go without a heartbeat before it is Unknown (--node-monitor-grace-period, 40 s here). */
  readonly nodeMonitorGracePeriodMs?: number;
  /** The same for a node that never posted status (--node-startup-grace-period, 60 s). */
  readonly nodeStartupGracePeriodMs?: number;
  /** Nodes tainted NoExecute per second and zone (--node-eviction-rate, 0.1). */
  readonly evictionLimiterQps?: number;
  /** The rate in a large, partially disrupted zone (--secondary-node-eviction-rate, 0.01). */
  readonly secondaryEvictionLimiterQps?: number;
  /** Zones above this many nodes keep tainting slowly when partially disrupted (--large-cluster-size-threshold, 50). */
  readonly largeClusterSizeThreshold?: number;
  /** The share of not-Ready nodes that makes a zone partially disrupted (--unhealthy-zone-threshold, 0.55). */
  readonly unhealthyZoneThreshold?: number;
  /** Parallel node health updates and taint workers (8). */
  readonly workers?: number;
}

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** The pod index by node every node-facing controller shares (upstream's "spec.nodeName" indexer). */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';
const EXCLUDE_DISRUPTION_LABEL = 'node.kubernetes.io/exclude-disruption';
/** How often upstream retries tainting (scheduler.NodeEvictionPeriod). */
const NODE_EVICTION_PERIOD_MS = 100;
const HEALTH_UPDATE_ATTEMPTS = 5;
const HEALTH_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** TaintNodesByCondition: which condition status gives which NoSchedule taint. */
const CONDITION_TAINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap((byStatus) => Object.values(byStatus)));

type LeaseObject = Lease & KubeObject;

/** What the controller last saw of a node's heartbeats, on its own clock. */
interface NodeHealth {
  readonly readyCondition: NodeCondition | undefined;
  probeTimestamp: number;
  readyTransitionTimestamp: number;
  leaseRenewTime: string | undefined;
}

interface HealthResult {
  /** The Ready condition as the node had it (the kubelet's word). */
  readonly observed: NodeCondition;
  /** The Ready condition after this controller's update, if any. */
  readonly current: NodeCondition | undefined;
  /** The node as last read or written. */
  readonly node: NodeObject;
}

export function newNodeLifecycleController(ctx: ControllerContext, options: NodeLifecycleOptions = {}): Controller {
  return new NodeLifecycleController(ctx, options);
}

class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  private readonly nodes: Informer<NodeObject>;
  private readonly leases: Informer<LeaseObject>;
  private readonly pods: Informer<PodObject>;
  private readonly recorder: EventRecorder;
  private readonly nodeQueue: WorkQueue<string>;
  private readonly podQueue: WorkQueue<string>;
  private readonly health = new Map<string, NodeHealth>();
  private readonly knownNodes = new Map<string, NodeObject>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private readonly zoneTainters = new Map<string, RateLimitedTimedQueue>();
  private readonly nodesToRetry = new Set<string>();
  private readonly monitorPeriod: number;
  private readonly monitorGrace: number;
  private readonly startupGrace: number;
  private readonly evictionQps: number;
  private readonly secondaryQps: number;
  private readonly largeClusterThreshold: number;
  private readonly unhealthyThreshold: number;
  private readonly workerCount: number;
  private monitorTimer: TimerHandle | undefined;
  private taintTimer: { handle: TimerHandle; at: number } | undefined;
  private readonly monitorPass: SerialPass;
  private readonly taintingPass: SerialPass;
  private workers: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ControllerContext,
    options: NodeLifecycleOptions,
  ) {
    this.monitorPeriod = options.nodeMonitorPeriodMs ?? 5_000;
    this.monitorGrace = options.nodeMonitorGracePeriodMs ?? 40_000;
    this.startupGrace = options.nodeStartupGracePeriodMs ?? 60_000;
    this.evictionQps = options.evictionLimiterQps ?? 0.1;
    this.secondaryQps = options.secondaryEvictionLimiterQps ?? 0.01;
    this.largeClusterThreshold = options.largeClusterSizeThreshold ?? 50;
    this.unhealthyThreshold = options.unhealthyZoneThreshold ?? 0.55;
    this.workerCount = options.workers ?? 8;
    this.recorder = ctx.recorder('node-controller');
    this.nodeQueue = new WorkQueue<string>({ clock: ctx.clock });
    this.podQueue = new WorkQueue<string>({ clock: ctx.clock });
    this.monitorPass = new SerialPass(() => this.monitorNodeHealth(), (err) => ctx.onError(err, 'monitoring node health'));
    this.taintingPass = new SerialPass(() => this.doNoExecuteTaintingPass(), (err) => ctx.onError(err, 'tainting nodes NoExecute'));

    this.nodes = ctx.informers.informer<NodeObject>(Resources.nodes);
    this.leases = ctx.informers.informer<LeaseObject>(Resources.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = ctx.informers.informer<PodObject>(Resources.pods);
    this.pods.addIndex(POD_NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));

    this.nodes.addHandlers({
      add: (node) => this.nodeQueue.add(node.metadata?.name ?? ''),
      update: (_old, node) => this.nodeQueue.add(node.metadata?.name ?? ''),
      delete: (node) => this.nodesToRetry.delete(node.metadata?.name ?? ''),
    });
    this.pods.addHandlers({
      add: (pod) => this.podUpdated(undefined, pod),
      update: (old, pod) => this.podUpdated(old, pod),
    });
  }

  run(): void {
    const onError = (what: string) => (key: string, err: unknown) => this.ctx.onError(err, `${what} ${key}`);
    this.workers = Promise.all([
      runWorkers(this.nodeQueue, this.workerCount, (name) => this.doNoScheduleTaintingPass(name), onError('tainting node')),
      runWorkers(this.podQueue, this.workerCount, (key) => this.processPod(key), onError('marking pod not ready')),
    ]).then(() => undefined);
    this.monitorPass.trigger();
    this.scheduleMonitor();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.monitorTimer?.cancel();
    this.taintTimer?.handle.cancel();
    this.taintTimer = undefined;
    this.nodeQueue.shutDown();
    this.podQueue.shutDown();
    await Promise.all([this.workers, this.monitorPass.idle(), this.taintingPass.idle()]);
  }

  private scheduleMonitor(): void {
    // Fixed rate: the next tick is set before this one's pass runs; passes never overlap.
    this.monitorTimer = this.ctx.clock.setTimeout(() => {
      if (this.stopped) return;
      this.scheduleMonitor();
      this.monitorPass.trigger();
    }, this.monitorPeriod);
  }

  private scheduleTaintingPass(delayMs: number): void {
    if (this.stopped || !Number.isFinite(delayMs)) return;
    const at = this.ctx.clock.now() + Math.max(delayMs, NODE_EVICTION_PERIOD_MS);
    if (this.taintTimer && this.taintTimer.at <= at) return;
    this.taintTimer?.handle.cancel();
    const handle = this.ctx.clock.setTimeout(() => {
      this.taintTimer = undefined;
      if (!this.stopped) this.taintingPass.trigger();
    }, at - this.ctx.clock.now());
    this.taintTimer = { handle, at };
  }

  private podUpdated(old: PodObject | undefined, pod: PodObject): void {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && (!old || old.spec?.nodeName !== nodeName)) this.podQueue.add(objectKey(pod));
  }

  // ---- monitoring ---------------------------------------------------------------

  private async monitorNodeHealth(): Promise<void> {
    const nodes = this.nodes.list();
    const { added, deleted, newZoneRepresentatives } = this.classifyNodes(nodes);
    for (const node of newZoneRepresentatives) this.addTainterForZone(node);
    for (const node of added) {
      const name = node.metadata?.name ?? '';
      this.recorder.event(nodeRef(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
      this.knownNodes.set(name, node);
      this.addTainterForZone(node);
      await this.markNodeAsReachable(node);
    }
    for (const node of deleted) {
      const name = node.metadata?.name ?? '';
      this.recorder.event(nodeRef(node), 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
      this.knownNodes.delete(name);
      this.health.delete(name);
    }

    const zoneReadiness = new Map<string, boolean[]>();
    await parallelize(nodes, this.workerCount, async (cached) => {
      if (this.stopped) return;
      const result = await this.updateNodeHealth(cached);
      if (!result) return;
      const { observed, current, node } = result;
      const name = node.metadata?.name ?? '';
      if (!(EXCLUDE_DISRUPTION_LABEL in (node.metadata?.labels ?? {}))) {
        const zone = zoneKey(node);
        let readiness = zoneReadiness.get(zone);
        if (!readiness) zoneReadiness.set(zone, (readiness = []));
        readiness.push(current?.status === 'True');
      }
      if (current) {
        await this.processTaintBasedEviction(node, observed);
        const becameNotReady = current.status !== 'True' && observed.status === 'True';
        if (becameNotReady) this.recorder.event(nodeRef(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        if (becameNotReady || (this.nodesToRetry.has(name) && observed.status !== 'True')) {
          try {
            await this.markPodsNotReady(this.pods.byIndex(POD_NODE_NAME_INDEX, name), name);
          } catch (err) {
            this.ctx.onError(err, `marking the pods of node ${name} not ready; will retry`);
            this.nodesToRetry.add(name);
            return;
          }
        }
      }
      this.nodesToRetry.delete(name);
    });
    if (this.stopped) return;
    await this.handleDisruption(zoneReadiness, nodes);
    this.taintingPass.trigger();
  }

  private classifyNodes(nodes: readonly NodeObject[]): { added: NodeObject[]; deleted: NodeObject[]; newZoneRepresentatives: NodeObject[] } {
    const added: NodeObject[] = [];
    const newZoneRepresentatives: NodeObject[] = [];
    const names = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata?.name ?? '';
      names.add(name);
      if (!this.knownNodes.has(name)) added.push(node);
      else if (!this.zoneStates.has(zoneKey(node))) newZoneRepresentatives.push(node);
    }
    const deleted = [...this.knownNodes].filter(([name]) => !names.has(name)).map(([, node]) => node);
    return { added, deleted, newZoneRepresentatives };
  }

  /** addPodEvictorForNewZone: a zone seen for the first time (again) gets its state and tainting queue. */
  private addTainterForZone(node: NodeObject): void {
    const zone = zoneKey(node);
    if (this.zoneStates.has(zone)) return;
    this.zoneStates.set(zone, 'Initial');
    this.zoneTainters.set(zone, new RateLimitedTimedQueue(this.evictionQps, this.ctx.clock.now()));
  }

  private tainterFor(node: NodeObject): RateLimitedTimedQueue {
    const zone = zoneKey(node);
    if (!this.zoneTainters.has(zone)) this.addTainterForZone(node);
    return this.zoneTainters.get(zone)!;
  }

  /** tryUpdateNodeHealth with upstream's retries on a freshly read node. */
  private async updateNodeHealth(cached: NodeObject): Promise<HealthResult | undefined> {
    let node = cached;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryUpdateNodeHealth(node);
      } catch (err) {
        if (attempt >= HEALTH_UPDATE_ATTEMPTS) {
          this.ctx.onError(err, `updating the health of node ${node.metadata?.name ?? ''}; no pods will be evicted`);
          return undefined;
        }
      }
      try {
        node = await this.ctx.client.get<NodeObject>(Resources.nodes, '', cached.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) this.ctx.onError(err, `reading node ${cached.metadata?.name ?? ''}`);
        return undefined;
      }
    }
  }

  /**
   * Updates what the controller knows of the node's heartbeats and, when none came
   * within the grace period, sets its health conditions Unknown (upstream's
   * tryUpdateNodeHealth, including which changes count as a heartbeat).
   */
  private async tryUpdateNodeHealth(node: NodeObject): Promise<HealthResult> {
    const name = node.metadata?.name ?? '';
    const now = this.ctx.clock.now();
    const created = parseTime(node.metadata?.creationTimestamp ?? undefined) ?? now;
    let health = this.health.get(name);
    let current = getNodeCondition(node, 'Ready');
    let observed: NodeCondition;
    let gracePeriod: number;
    if (!current) {
      // The kubelet never posted status: judge from creation, with the longer startup grace.
      observed = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata?.creationTimestamp ?? undefined, lastTransitionTime: node.metadata?.creationTimestamp ?? undefined };
      gracePeriod = this.startupGrace;
      health = health ? { ...health, readyCondition: undefined } : { readyCondition: undefined, probeTimestamp: created, readyTransitionTimestamp: created, leaseRenewTime: undefined };
    } else {
      observed = { ...current };
      gracePeriod = this.monitorGrace;
    }
    const saved = health?.readyCondition;
    const savedLease = health?.leaseRenewTime;
    if (!health || (!saved && current) || (saved && !current)) {
      health = { readyCondition: current, probeTimestamp: now, readyTransitionTimestamp: now, leaseRenewTime: undefined };
    } else if (saved && current && saved.lastHeartbeatTime !== current.lastHeartbeatTime) {
      const transition = saved.lastTransitionTime !== current.lastTransitionTime ? now : health.readyTransitionTimestamp;
      health = { readyCondition: current, probeTimestamp: now, readyTransitionTimestamp: transition, leaseRenewTime: undefined };
    }
    // A renewed Lease is a heartbeat too.
    const lease = this.leases.get(NODE_LEASE_NAMESPACE, name);
    const renewTime = lease?.spec?.renewTime;
    if (renewTime && (savedLease === undefined || microTimeBefore(savedLease, renewTime))) {
      health.leaseRenewTime = renewTime;
      health.probeTimestamp = now;
    } else if (savedLease !== undefined && health.leaseRenewTime === undefined) {
      health.leaseRenewTime = savedLease;
    }
    this.health.set(name, health);

    if (now > health.probeTimestamp + gracePeriod) {
      const updated = cloneForUpdate(node);
      const status = (updated.status ??= {});
      const conditions = (status.conditions ??= []);
      const nowTime = rfc3339(now);
      for (const type of HEALTH_CONDITION_TYPES) {
        const condition = conditions.find((c) => c.type === type);
        if (!condition) {
          conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata?.creationTimestamp ?? undefined, lastTransitionTime: nowTime });
        } else if (condition.status !== 'Unknown') {
          condition.status = 'Unknown';
          condition.reason = 'NodeStatusUnknown';
          condition.message = 'Kubelet stopped posting node status.';
          condition.lastTransitionTime = nowTime;
        }
      }
      current = getNodeCondition(updated, 'Ready');
      if (!sameCondition(current, observed)) {
        const written = await this.ctx.client.update<NodeObject>(Resources.nodes, '', updated, { subresource: 'status' });
        this.health.set(name, { readyCondition: current, probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now, leaseRenewTime: renewTime });
        return { observed, current, node: written };
      }
    }
    return { observed, current, node };
  }

  private async processTaintBasedEviction(node: NodeObject, observed: NodeCondition): Promise<void> {
    const name = node.metadata?.name ?? '';
    const now = this.ctx.clock.now();
    const taints = node.spec?.taints;
    try {
      switch (observed.status) {
        case 'False':
          // Swap at once when the node already carries the opposite taint.
          if (taintExists(taints, UNREACHABLE_TAINT)) await swapNodeTaints(this.ctx.client, node, [NOT_READY_TAINT], [UNREACHABLE_TAINT], now);
          else this.markNodeForTainting(node, 'False');
          break;
        case 'Unknown':
          if (taintExists(taints, NOT_READY_TAINT)) await swapNodeTaints(this.ctx.client, node, [UNREACHABLE_TAINT], [NOT_READY_TAINT], now);
          else this.markNodeForTainting(node, 'Unknown');
          break;
        case 'True':
          await this.markNodeAsReachable(node);
          break;
      }
    } catch (err) {
      this.ctx.onError(err, `updating the NoExecute taints of node ${name}; will retry`);
    }
  }

  private markNodeForTainting(node: NodeObject, status: 'False' | 'Unknown'): boolean {
    const name = node.metadata?.name ?? '';
    const tainter = this.tainterFor(node);
    if (!taintExists(node.spec?.taints, status === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT)) tainter.remove(name);
    return tainter.add(name, node.metadata?.uid ?? '', this.ctx.clock.now());
  }

  private async markNodeAsReachable(node: NodeObject): Promise<void> {
    try {
      await swapNodeTaints(this.ctx.client, node, [], [UNREACHABLE_TAINT, NOT_READY_TAINT], this.ctx.clock.now());
    } catch (err) {
      this.ctx.onError(err, `removing the NoExecute taints of node ${node.metadata?.name ?? ''}; will retry`);
      return;
    }
    this.zoneTainters.get(zoneKey(node))?.remove(node.metadata?.name ?? '');
  }

  /** Upstream's handleDisruption: per-zone tainting rates, and no tainting at all when every zone is down. */
  private async handleDisruption(zoneReadiness: ReadonlyMap<string, boolean[]>, nodes: readonly NodeObject[]): Promise<void> {
    const now = this.ctx.clock.now();
    const newStates = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, readiness] of zoneReadiness) {
      const { state } = computeZoneState(readiness, this.unhealthyThreshold);
      if (state !== 'FullDisruption') allAreFullyDisrupted = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWereFullyDisrupted = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneReadiness.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') allWereFullyDisrupted = false;
    }
    if (allAreFullyDisrupted && allWereFullyDisrupted) return;
    if (allAreFullyDisrupted) {
      // Every node is down: more likely the control plane's network than the nodes. Stop evicting.
      for (const node of nodes) await this.markNodeAsReachable(node);
      for (const zone of this.zoneStates.keys()) {
        this.zoneTainters.get(zone)?.swapLimiter(0, now);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWereFullyDisrupted) {
      // Leaving full disruption: give every node a fresh grace period.
      for (const node of nodes) {
        const health = this.health.get(node.metadata?.name ?? '');
        if (health) {
          health.probeTimestamp = now;
          health.readyTransitionTimestamp = now;
        }
      }
      for (const zone of this.zoneStates.keys()) {
        const state = newStates.get(zone) ?? 'Normal';
        this.setLimiterInZone(zone, zoneReadiness.get(zone)?.length ?? 0, state, now);
        this.zoneStates.set(zone, state);
      }
      return;
    }
    for (const [zone, state] of this.zoneStates) {
      const newState = newStates.get(zone) ?? 'Normal';
      if (state === newState) continue;
      this.setLimiterInZone(zone, zoneReadiness.get(zone)?.length ?? 0, newState, now);
      this.zoneStates.set(zone, newState);
    }
  }

  private setLimiterInZone(zone: string, zoneSize: number, state: ZoneState, now: number): void {
    const tainter = this.zoneTainters.get(zone);
    if (!tainter) return;
    if (state === 'PartialDisruption') tainter.swapLimiter(zoneSize > this.largeClusterThreshold ? this.secondaryQps : 0, now);
    else tainter.swapLimiter(this.evictionQps, now);
  }

  /** Taints queued nodes NoExecute, as fast as each zone's limiter allows. */
  private async doNoExecuteTaintingPass(): Promise<void> {
    let nextInMs = Infinity;
    for (const tainter of [...this.zoneTainters.values()]) {
      if (this.stopped) return;
      const waitMs = await tainter.try(
        () => this.ctx.clock.now(),
        async ({ value }) => {
          const node = this.nodes.get('', value);
          if (!node) return { done: true };
          const ready = getNodeCondition(node, 'Ready');
          if (!ready) return { done: false, retryAfterMs: 50 };
          // Unreachable and not-ready mirror the Ready condition, so they exclude each other.
          let add: Taint;
          let opposite: Taint;
          if (ready.status === 'False') [add, opposite] = [NOT_READY_TAINT, UNREACHABLE_TAINT];
          else if (ready.status === 'Unknown') [add, opposite] = [UNREACHABLE_TAINT, NOT_READY_TAINT];
          else return { done: true };
          try {
            await swapNodeTaints(this.ctx.client, node, [add], [opposite], this.ctx.clock.now());
            return { done: true };
          } catch (err) {
            this.ctx.onError(err, `tainting node ${value}`);
            return { done: false, retryAfterMs: 0 };
          }
        },
      );
      nextInMs = Math.min(nextInMs, waitMs);
    }
    this.scheduleTaintingPass(nextInMs);
  }

  /** Keeps the condition and unschedulable NoSchedule taints in line with the node (TaintNodesByCondition). */
  private async doNoScheduleTaintingPass(name: string): Promise<void> {
    const node = this.nodes.get('', name);
    if (!node) return;
    const wanted: Taint[] = [];
    for (const condition of node.status?.conditions ?? []) {
      const key = CONDITION_TAINTS[condition.type]?.[condition.status];
      if (key) wanted.push({ key, effect: 'NoSchedule' });
    }
    if (node.spec?.unschedulable) wanted.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
    const present = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)));
    const toAdd = wanted.filter((w) => !taintExists(present, w));
    const toRemove = present.filter((p) => !taintExists(wanted, p));
    if (toAdd.length === 0 && toRemove.length === 0) return;
    await swapNodeTaints(this.ctx.client, node, toAdd, toRemove, this.ctx.clock.now());
  }

  /** A pod newly bound to a node that is not Ready is marked not Ready. */
  private async processPod(key: string): Promise<void> {
    const pod = this.pods.getByKey(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    const ready = this.health.get(nodeName)?.readyCondition;
    if (!ready || !this.nodes.get('', nodeName)) return;
    if (ready.status !== 'True') await this.markPodsNotReady([pod], nodeName);
  }

  /** MarkPodsNotReady: sets the Ready condition of each pod on the node False. */
  private async markPodsNotReady(pods: readonly PodObject[], nodeName: string): Promise<void> {
    const errors: unknown[] = [];
    for (const pod of pods) {
      if (pod.spec?.nodeName !== nodeName) continue;
      const ready = getPodCondition(pod, 'Ready');
      if (!ready) continue;
      const updated = cloneForUpdate(pod);
      if (!updatePodCondition((updated.status ??= {}), { ...ready, status: 'False' }, rfc3339(this.ctx.clock.now()))) continue;
      try {
        await this.ctx.client.update(Resources.pods, pod.metadata?.namespace ?? '', updated, { subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
        continue;
      }
      this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} pods on node ${nodeName} could not be marked not ready`);
  }
}

function sameCondition(a: NodeCondition | undefined, b: NodeCondition | undefined): boolean {
  if (!a || !b) return a === b;
  return a.type === b.type && a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '') && a.lastHeartbeatTime === b.lastHeartbeatTime && a.lastTransitionTime === b.lastTransitionTime;
}

/** metav1.MicroTime.Before on the wire form (RFC 3339 with up to microseconds). */
function microTimeBefore(a: string, b: string): boolean {
  return microTime(a) < microTime(b);
}

function microTime(time: string): number {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!match) return Date.parse(time) * 1000;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = Number(((match[2] ?? '') + '000000').slice(0, 6));
  return seconds * 1000 + fraction;
}
