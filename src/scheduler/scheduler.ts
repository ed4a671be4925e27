// kube-scheduler: informers feed the cache (nodes, assigned pods) and the scheduling
// queue (pending pods); one loop pops a pod, runs the scheduling cycle synchronously
// on a fresh snapshot (filter, score, select, assume, reserve, permit) and starts the
// binding cycle without waiting for it, so the next pod's cycle overlaps the API
// write. Failures record FailedScheduling, set PodScheduled=False and requeue.

import type { ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Namespace, Node, Pod, PodCondition, ReplicationController, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../api/types.js';
import { withOverrides } from '../machinery/index.js';
import { Resources, isNotFound, type EventRecorder, type Informer } from '../client/index.js';
import type { Controller, ControllerContext } from '../controllers/index.js';
import { FitError, Framework, NoNodesAvailableError, PluginError, DEFAULT_SCHEDULER_NAME, type PodDisruptionBudgetLike, type Profile, type Registry, type SchedulerServices } from './framework/runtime.js';
import { Code, CycleState, isRejected, isSuccess, type ClusterEvent, type PodInfo, type Status } from './framework/types.js';
import { SchedulerCache } from './cache.js';
import { forgetPodInfo } from './framework/nodeinfo.js';
import { Events, SchedulingQueue, type NominatingInfo, type QueuedPodInfo } from './queue.js';
import { DEFAULT_BINDER, DEFAULT_PREEMPTION, defaultProfile, defaultSelector, inTreeRegistry } from './plugins/index.js';
import { newDefaultBinder } from './plugins/defaultbinder/index.js';
import { newDefaultPreemption } from './plugins/defaultpreemption/index.js';
import { volumeBindingArgs, type VolumeBinder } from './volumebinding-args.js';

/** The in-tree plugins plus the two that need the scheduler's I/O. */
export const defaultRegistry: Registry = Object.freeze({
  ...inTreeRegistry,
  [DEFAULT_PREEMPTION]: newDefaultPreemption,
  [DEFAULT_BINDER]: newDefaultBinder,
});

/** The field selector of upstream's scheduler pod informer: pods that have not finished. */
export const ACTIVE_PODS = 'status.phase!=Succeeded,status.phase!=Failed';

export interface SchedulerOptions {
  /** Default: defaultRegistry. */
  readonly registry?: Registry;
  /**
   * Default: kube-scheduler's default profile. PodTopologySpread's defaultSelector and
   * InterPodAffinity's namespaceLabels are filled in from the scheduler's informers
   * unless the profile's pluginConfig sets them.
   */
  readonly profile?: Profile;
  /** Tie breaking in selectHost and preemption's start offset (tests pin it). */
  readonly random?: () => number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** How long the scheduling loop runs cycles back to back before it yields to the event loop. */
const SCHEDULING_SLICE_MS = 4;

/** truncateMessage: events carry at most validation.NoteLengthLimit (1024) characters. */
const MAX_EVENT_MESSAGE = 1024;

function truncate(message: string): string {
  const suffix = ' ...';
  return message.length <= MAX_EVENT_MESSAGE ? message : message.slice(0, MAX_EVENT_MESSAGE - suffix.length) + suffix;
}

function assigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

function nameOf(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** nodeSchedulingPropertiesChange: which node changes can make a pod fit. */
export function nodeUpdateEvents(oldNode: Node, newNode: Node): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const json = (v: unknown) => JSON.stringify(v ?? null);
  if (!!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable) events.push({ resource: 'Node', action: 'UpdateNodeTaint' });
  if (json(oldNode.status?.allocatable) !== json(newNode.status?.allocatable)) events.push({ resource: 'Node', action: 'UpdateNodeAllocatable' });
  if (json(oldNode.metadata?.labels) !== json(newNode.metadata?.labels)) events.push({ resource: 'Node', action: 'UpdateNodeLabel' });
  if (json(oldNode.spec?.taints) !== json(newNode.spec?.taints)) events.push({ resource: 'Node', action: 'UpdateNodeTaint' });
  // Heartbeats change timestamps only: compare type -> status.
  const conditions = (n: Node) => json((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
  if (conditions(oldNode) !== conditions(newNode)) events.push({ resource: 'Node', action: 'UpdateNodeCondition' });
  return events;
}

/** podSchedulingPropertiesChange for assigned pods. */
function assignedPodUpdateEvent(oldPod: Pod, newPod: Pod): ClusterEvent {
  if (JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(newPod.metadata?.labels ?? {})) return { resource: 'AssignedPod', action: 'UpdatePodLabel' };
  return Events.AssignedPodUpdate;
}

/** podutil.UpdatePodCondition's comparison: would setting this condition change anything? */
function conditionChanged(pod: Pod, condition: PodCondition): boolean {
  const old = pod.status?.conditions?.find((c) => c.type === condition.type);
  return !old || old.status !== condition.status || (old.reason ?? '') !== (condition.reason ?? '') || (old.message ?? '') !== (condition.message ?? '');
}

export class Scheduler implements Controller {
  readonly name = 'scheduler';
  readonly framework: Framework;
  readonly queue: SchedulingQueue;
  readonly cache = new SchedulerCache();
  private readonly pods: Informer<Pod & KubeObject>;
  private readonly nodes: Informer<Node & KubeObject>;
  private readonly pdbs: Informer<KubeObject>;
  private readonly recorder: EventRecorder;
  private readonly schedulerName: string;
  private readonly bindings = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** The VolumeBinding plugin's listers and binder, when the profile enables it. */
  private volumeBinder: VolumeBinder | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: SchedulerOptions,
  ) {
    const profile = this.withListers(options.profile ?? defaultProfile);
    this.schedulerName = profile.schedulerName || DEFAULT_SCHEDULER_NAME;
    // As upstream's scheduler: finished pods hold no resources, so they are not watched
    // (a pod that finishes leaves the informer, and the cache, as a delete).
    this.pods = ctx.informers.informer<Pod & KubeObject>(Resources.pods, { fieldSelector: ACTIVE_PODS });
    this.nodes = ctx.informers.informer<Node & KubeObject>(Resources.nodes);
    this.pdbs = ctx.informers.informer(Resources.poddisruptionbudgets);
    this.recorder = ctx.recorder(this.schedulerName);
    const getPod = (namespace: string, name: string) => this.pods.get(namespace, name);
    // The queue (which owns the nominator) needs the framework first: reach it lazily.
    const queueOf = () => this.queue;
    const services: SchedulerServices = {
      nominator: {
        nominatedPodsForNode: (nodeName) => queueOf().nominator.nominatedPodsForNode(nodeName),
        get size() {
          return queueOf().nominator.size;
        },
      },
      clock: ctx.clock,
      bindPod: (pod, nodeName) => this.bindPod(pod, nodeName),
      preemptPod: (victim, preemptor, nodeName) => this.preemptPod(victim, preemptor, nodeName),
      clearNomination: (pod) => this.clearNomination(pod),
      podDisruptionBudgets: () => this.pdbs.list() as PodDisruptionBudgetLike[],
      getPod,
    };
    this.framework = new Framework(options.registry ?? defaultRegistry, profile, services, options.random);
    this.queue = new SchedulingQueue({
      clock: ctx.clock,
      ...(this.framework.queueSortLess ? { less: this.framework.queueSortLess } : {}),
      eventsToRegister: this.framework.eventsToRegister,
      getPod,
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    });
    this.pods.addHandlers({
      add: (pod) => this.onPodAdd(pod),
      update: (oldPod, newPod) => this.onPodUpdate(oldPod, newPod),
      delete: (pod) => this.onPodDelete(pod),
    });
    this.nodes.addHandlers({
      add: (node) => {
        this.cache.addNode(node);
        this.queue.moveAllToActiveOrBackoffQueue(Events.NodeAdd, undefined, node);
      },
      update: (oldNode, newNode) => {
        this.cache.updateNode(oldNode, newNode);
        for (const event of nodeUpdateEvents(oldNode, newNode)) this.queue.moveAllToActiveOrBackoffQueue(event, oldNode, newNode);
      },
      delete: (node) => this.cache.removeNode(node),
    });
  }

  /** Plugin args that need listers: only the informers the profile's plugins use are started. */
  private withListers(profile: Profile): Profile {
    const enabled = new Set(profile.plugins.map((p) => p.name));
    const config: Record<string, unknown> = { ...profile.pluginConfig };
    const informers = this.ctx.informers;
    const spread = 'PodTopologySpread';
    const spreadArgs = (config[spread] ?? {}) as Record<string, unknown>;
    if (enabled.has(spread) && !spreadArgs.defaultSelector && spreadArgs.defaultingType !== 'List') {
      const services = informers.informer<Service & KubeObject>(Resources.services);
      const rcs = informers.informer<ReplicationController & KubeObject>(Resources.replicationcontrollers);
      const rss = informers.informer<ReplicaSet & KubeObject>(Resources.replicasets);
      const sss = informers.informer<StatefulSet & KubeObject>(Resources.statefulsets);
      const sources = {
        services: (ns: string) => services.list(ns),
        replicationController: (ns: string, name: string) => rcs.get(ns, name),
        replicaSet: (ns: string, name: string) => rss.get(ns, name),
        statefulSet: (ns: string, name: string) => sss.get(ns, name),
      };
      config[spread] = { ...spreadArgs, defaultSelector: (pod: Pod) => defaultSelector(pod, sources) };
    }
    const affinity = 'InterPodAffinity';
    const affinityArgs = (config[affinity] ?? {}) as Record<string, unknown>;
    if (enabled.has(affinity) && !affinityArgs.namespaceLabels) {
      const namespaces = informers.informer<Namespace & KubeObject>(Resources.namespaces);
      config[affinity] = { ...affinityArgs, namespaceLabels: (ns: string) => namespaces.get('', ns)?.metadata?.labels };
    }
    const volumeBinding = 'VolumeBinding';
    if (enabled.has(volumeBinding) && !config[volumeBinding]) {
      // The queue is built after the profile: reach it lazily.
      this.volumeBinder = volumeBindingArgs(this.ctx, (event, oldObj, newObj) => this.queue?.moveAllToActiveOrBackoffQueue(event, oldObj, newObj));
      config[volumeBinding] = this.volumeBinder.args;
    }
    return { ...profile, pluginConfig: config };
  }

  // ---- informer handlers ------------------------------------------------------------

  private responsibleFor(pod: Pod): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.schedulerName;
  }

  private onPodAdd(pod: Pod): void {
    if (assigned(pod)) {
      this.cache.addPod(pod);
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodAdd, undefined, pod);
    } else if (this.responsibleFor(pod) && !pod.metadata?.deletionTimestamp) {
      this.queue.add(pod);
    }
  }

  private onPodUpdate(oldPod: Pod, newPod: Pod): void {
    this.handlePodUpdate(oldPod, newPod);
    if (oldPod !== newPod) forgetPodInfo(oldPod);
  }

  private handlePodUpdate(oldPod: Pod, newPod: Pod): void {
    if (assigned(oldPod)) {
      this.cache.updatePod(oldPod, newPod);
      this.queue.moveAllToActiveOrBackoffQueue(assignedPodUpdateEvent(oldPod, newPod), oldPod, newPod);
    } else if (assigned(newPod)) {
      // The binding landed: the pod leaves the queue and counts on its node for real.
      this.queue.delete(oldPod);
      this.cache.addPod(newPod);
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodAdd, undefined, newPod);
    } else if (this.responsibleFor(newPod)) {
      if (this.cache.isAssumedPod(newPod)) return;
      if (newPod.metadata?.deletionTimestamp) this.queue.delete(newPod);
      else this.queue.update(oldPod, newPod);
    }
  }

  private onPodDelete(pod: Pod): void {
    this.handlePodDelete(pod);
    forgetPodInfo(pod);
  }

  private handlePodDelete(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (uid) this.framework.getWaitingPod(uid)?.reject('', 'pod deleted');
    if (assigned(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, pod, undefined);
    } else {
      this.queue.delete(pod);
      if (this.queue.interestedIn(Events.UnscheduledPodDelete)) this.queue.moveAllToActiveOrBackoffQueue(Events.UnscheduledPodDelete, pod, undefined);
    }
  }

  // ---- the loop ---------------------------------------------------------------------------

  run(): void {
    if (this.loop || this.stopped) return;
    this.loop = this.scheduleLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    this.framework.rejectWaitingPods('scheduler stopped');
    this.volumeBinder?.stop();
    await this.loop;
    while (this.bindings.size > 0) await Promise.allSettled([...this.bindings]);
  }

  private async scheduleLoop(): Promise<void> {
    let sliceStart = performance.now();
    for (;;) {
      const qpi = await this.queue.pop();
      if (!qpi || this.stopped) return;
      try {
        await this.scheduleOne(qpi);
      } catch (err) {
        this.ctx.onError(err, `scheduling ${nameOf(qpi.pod)}`);
        this.queue.done(qpi.pod);
      }
      // Let informer events and API writes in between, every few milliseconds rather
      // than after every pod: cycles that run back to back find the scheduler's code
      // and data still in the CPU caches, which makes each of them much cheaper.
      if (performance.now() - sliceStart >= SCHEDULING_SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }

  /** scheduleOne: the scheduling cycle; the binding cycle continues in the background. */
  async scheduleOne(qpi: QueuedPodInfo): Promise<void> {
    const pod = qpi.pod;
    const podCycle = this.queue.cycle;
    // skipPodSchedule: deleted meanwhile, or already assumed by an earlier cycle.
    if (pod.metadata?.deletionTimestamp || this.cache.isAssumedPod(pod)) {
      this.queue.done(pod);
      return;
    }
    const fw = this.framework;
    const state = new CycleState();
    fw.setSnapshot(this.cache.updateSnapshot());

    let host: string;
    try {
      host = fw.schedulePod(state, pod).suggestedHost;
    } catch (err) {
      if (err instanceof FitError) {
        let nominating: NominatingInfo = { mode: 'noop' };
        if (fw.postFilterPlugins.length > 0) {
          const post = await fw.runPostFilterPlugins(state, pod, err.diagnosis.nodeToStatus);
          if (!isSuccess(post.status)) err.diagnosis.postFilterMsg = post.status.reasons.join(', ');
          if (post.status.code === Code.Error) this.ctx.onError(new Error(err.diagnosis.postFilterMsg), `preemption for ${nameOf(pod)}`);
          if (post.nominatedNodeName !== undefined) nominating = { mode: 'override', nodeName: post.nominatedNodeName };
        }
        qpi.unschedulablePlugins = new Set(err.diagnosis.unschedulablePlugins);
        qpi.pendingPlugins = new Set(err.diagnosis.pendingPlugins);
        this.handleFailure(qpi, err.message, 'Unschedulable', nominating, podCycle);
        return;
      }
      if (err instanceof NoNodesAvailableError) {
        this.handleFailure(qpi, err.message, 'Unschedulable', { mode: 'override', nodeName: '' }, podCycle);
        return;
      }
      if (err instanceof PluginError) {
        this.handleFailure(qpi, err.message, 'SchedulerError', { mode: 'override', nodeName: '' }, podCycle);
        return;
      }
      throw err;
    }

    // assume: the pod counts on its node from now on, for the cycles that follow.
    const assumedPod: Pod = withOverrides(pod, { spec: withOverrides(pod.spec ?? {}, { nodeName: host }) });
    const assumedInfo: PodInfo = { ...qpi.podInfo, pod: assumedPod };
    try {
      this.cache.assumePod(assumedInfo);
    } catch (err) {
      this.handleFailure(qpi, err instanceof Error ? err.message : String(err), 'SchedulerError', { mode: 'override', nodeName: '' }, podCycle);
      return;
    }
    this.queue.nominator.delete(pod);

    const reserved = fw.runReservePluginsReserve(state, assumedPod, host);
    if (!isSuccess(reserved)) {
      fw.runReservePluginsUnreserve(state, assumedPod, host);
      this.cache.forgetPod(assumedPod);
      this.failAfterAssume(qpi, reserved, host, podCycle);
      return;
    }
    const permitted = fw.runPermitPlugins(state, assumedPod, host);
    if (!isSuccess(permitted) && permitted.code !== Code.Wait) {
      fw.runReservePluginsUnreserve(state, assumedPod, host);
      this.cache.forgetPod(assumedPod);
      this.failAfterAssume(qpi, permitted, host, podCycle);
      return;
    }

    const binding = this.bindingCycle(state, qpi, assumedPod, host, podCycle).catch((err: unknown) => this.ctx.onError(err, `binding ${nameOf(pod)}`));
    this.bindings.add(binding);
    void binding.finally(() => this.bindings.delete(binding));
  }

  /** A Reserve/Permit/bind rejection reads like a FitError on the one chosen node. */
  private failAfterAssume(qpi: QueuedPodInfo, s: Status, host: string, podCycle: number): void {
    if (isRejected(s)) {
      if (s.plugin) qpi.unschedulablePlugins = new Set([s.plugin]);
      const reasons = s.reasons.length > 0 ? s.reasons.join(', ') : 'rejected';
      this.handleFailure(qpi, `0/1 nodes are available: 1 ${reasons}.`, 'Unschedulable', { mode: 'override', nodeName: '' }, podCycle, host);
    } else {
      this.handleFailure(qpi, s.plugin ? `running ${s.plugin}: ${s.reasons.join(', ')}` : s.reasons.join(', '), 'SchedulerError', { mode: 'override', nodeName: '' }, podCycle);
    }
  }

  private async bindingCycle(state: CycleState, qpi: QueuedPodInfo, assumedPod: Pod, host: string, podCycle: number): Promise<void> {
    const fw = this.framework;
    let s = await fw.waitOnPermit(assumedPod);
    if (isSuccess(s)) s = await fw.runPreBindPlugins(state, assumedPod, host);
    if (isSuccess(s)) s = await fw.runBindPlugins(state, assumedPod, host);
    if (!isSuccess(s)) {
      fw.runReservePluginsUnreserve(state, assumedPod, host);
      this.cache.forgetPod(assumedPod);
      // The assumed pod's resources are free again: pods waiting for room may fit now.
      this.queue.moveAllToActiveOrBackoffQueue(Events.AssignedPodDelete, assumedPod, undefined);
      if (isRejected(s)) this.failAfterAssume(qpi, s, host, podCycle);
      else this.handleFailure(qpi, `binding rejected: ${s.reasons.join(', ')}`, 'SchedulerError', { mode: 'override', nodeName: '' }, podCycle);
      return;
    }
    this.cache.finishBinding(assumedPod);
    fw.runPostBindPlugins(state, assumedPod, host);
    this.queue.done(assumedPod);
    this.recorder.event(assumedPod as KubeObject, 'Normal', 'Scheduled', `Successfully assigned ${nameOf(assumedPod)} to ${host}`);
  }

  /**
   * handleSchedulingFailure: requeue the latest version of the pod (unless it is gone
   * or was bound meanwhile), keep or clear its nomination, record FailedScheduling and
   * set PodScheduled=False.
   */
  private handleFailure(qpi: QueuedPodInfo, message: string, reason: 'Unschedulable' | 'SchedulerError', nominating: NominatingInfo, podCycle: number, _host?: string): void {
    const pod = qpi.pod;
    const live = this.pods.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
    if (!live || live.metadata?.uid !== pod.metadata?.uid || assigned(live)) {
      this.queue.done(pod);
    } else {
      qpi.pod = live;
      qpi.podInfo = { ...qpi.podInfo, pod: live };
      this.queue.addUnschedulableIfNotPresent(qpi, podCycle);
    }
    const current = live ?? pod;
    this.queue.nominator.add(qpi.podInfo, nominating);
    this.recorder.event(current as KubeObject, 'Warning', 'FailedScheduling', truncate(message));
    const condition: PodCondition = { type: 'PodScheduled', status: 'False', reason, message };
    void this.updatePodStatus(current, condition, nominating);
  }

  /** updatePod: patches PodScheduled (and nominatedNodeName) only when they change. */
  private async updatePodStatus(pod: Pod, condition: PodCondition, nominating: NominatingInfo): Promise<void> {
    const nominationChanges = nominating.mode === 'override' && (pod.status?.nominatedNodeName ?? '') !== nominating.nodeName;
    if (!conditionChanged(pod, condition) && !nominationChanges) return;
    const old = pod.status?.conditions?.find((c) => c.type === condition.type);
    const now = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const lastTransitionTime = old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now;
    const status: Record<string, unknown> = { conditions: [{ ...condition, lastProbeTime: null, lastTransitionTime }] };
    if (nominationChanges) status.nominatedNodeName = nominating.mode === 'override' && nominating.nodeName ? nominating.nodeName : null;
    try {
      await this.ctx.client.patch(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', { status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.ctx.onError(err, `updating status of ${nameOf(pod)}`);
    }
  }

  // ---- the I/O plugins ask for ------------------------------------------------------------

  private async bindPod(pod: Pod, nodeName: string): Promise<void> {
    const meta = pod.metadata ?? {};
    await this.ctx.client.createSubresource(Resources.pods, meta.namespace ?? '', meta.name ?? '', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    } as KubeObject);
  }

  /** Marks the victim (DisruptionTarget), deletes it and says why on an event. */
  private async preemptPod(victim: Pod, preemptor: Pod, nodeName: string): Promise<void> {
    const ns = victim.metadata?.namespace ?? '';
    const name = victim.metadata?.name ?? '';
    const now = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: `${preemptor.spec?.schedulerName || DEFAULT_SCHEDULER_NAME}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: now,
    };
    try {
      await this.ctx.client.patch(Resources.pods, ns, name, 'strategic', { status: { conditions: [condition] } }, { subresource: 'status' });
      await this.ctx.client.delete(Resources.pods, ns, name, victim.metadata?.uid ? { preconditions: { uid: victim.metadata.uid } } : {});
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.recorder.event(victim as KubeObject, 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? nameOf(preemptor)} on node ${nodeName}`);
  }

  private async clearNomination(pod: Pod): Promise<void> {
    try {
      await this.ctx.client.patch(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', { status: { nominatedNodeName: null } }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
