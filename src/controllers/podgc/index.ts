// Pod garbage collection (upstream pkg/controller/podgc), every gcCheckPeriod:
// - terminated pods beyond terminatedPodThreshold, evicted then oldest first;
// - terminating pods on NotReady nodes tainted node.kubernetes.io/out-of-service;
// - pods bound to nodes that are gone (after a quarantine and a fresh GET of the node);
// - terminating pods never scheduled.
// Each is marked Failed (unless already terminal) and force-deleted.

import type { PodCondition } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound, Resources, type Informer, type TimerHandle } from '../../client/index.js';
import { cloneForUpdate, isNodeReady, parallelize, rfc3339, SerialPass, TAINT_NODE_OUT_OF_SERVICE, updatePodCondition, type NodeObject, type PodObject } from '../nodelifecycle/index.js';
import type { Controller, ControllerContext } from '../types.js';

export interface PodGCOptions {
  /** Terminated pods kept before the oldest are deleted; 0 disables (--terminated-pod-gc-threshold, 12500). */
  readonly terminatedPodThreshold?: number;
  /** How often the collector runs (20 s). */
  readonly gcCheckPeriodMs?: number;
  /** How long a missing node is given to show up before its pods are deleted (40 s). */
  readonly quarantineMs?: number;
  /** Deletes in flight at once (16). */
  readonly concurrency?: number;
}

const STATUS_ATTEMPTS = 3;

export function newPodGCController(ctx: ControllerContext, options: PodGCOptions = {}): Controller {
  return new PodGCController(ctx, options);
}

class PodGCController implements Controller {
  readonly name = 'pod-garbage-collector';
  private readonly pods: Informer<PodObject>;
  private readonly nodes: Informer<NodeObject>;
  private readonly threshold: number;
  private readonly period: number;
  private readonly quarantineMs: number;
  private readonly concurrency: number;
  /** Missing nodes and when their quarantine ends (upstream's delaying nodeQueue). */
  private readonly quarantine = new Map<string, number>();
  private readonly pass: SerialPass;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ControllerContext,
    options: PodGCOptions,
  ) {
    this.threshold = options.terminatedPodThreshold ?? 12_500;
    this.period = options.gcCheckPeriodMs ?? 20_000;
    this.quarantineMs = options.quarantineMs ?? 40_000;
    this.concurrency = options.concurrency ?? 16;
    this.pods = ctx.informers.informer<PodObject>(Resources.pods);
    this.nodes = ctx.informers.informer<NodeObject>(Resources.nodes);
    this.pass = new SerialPass(() => this.gc(), (err) => ctx.onError(err, 'pod garbage collection'));
  }

  run(): void {
    this.pass.trigger();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.pass.idle();
  }

  private schedule(): void {
    this.timer = this.ctx.clock.setTimeout(() => {
      if (this.stopped) return;
      this.schedule();
      this.pass.trigger();
    }, this.period);
  }

  private async gc(): Promise<void> {
    const pods = this.pods.list();
    const nodes = this.nodes.list();
    if (this.threshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: readonly PodObject[]): Promise<void> {
    const terminated = pods.filter(isPodTerminated);
    const deleteCount = terminated.length - this.threshold;
    if (deleteCount <= 0) return;
    terminated.sort(byEvictionAndCreationTimestamp);
    await this.deleteAll(terminated.slice(0, deleteCount), undefined, 'terminated');
  }

  private async gcTerminating(pods: readonly PodObject[]): Promise<void> {
    const terminating = pods.filter((pod) => {
      if (!pod.metadata?.deletionTimestamp) return false;
      const node = this.nodes.get('', pod.spec?.nodeName ?? '');
      return node !== undefined && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === TAINT_NODE_OUT_OF_SERVICE);
    });
    if (terminating.length === 0) return;
    terminating.sort(byEvictionAndCreationTimestamp);
    await this.deleteAll(terminating, undefined, 'terminating on an out-of-service node');
  }

  private async gcOrphaned(pods: readonly PodObject[], nodes: readonly NodeObject[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    const now = this.ctx.clock.now();
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (nodeName && !existing.has(nodeName) && !this.quarantine.has(nodeName)) this.quarantine.set(nodeName, now + this.quarantineMs);
    }
    // Past quarantine, a node the cache still lacks is looked up: the cache may lag.
    const deleted = new Set<string>();
    for (const [nodeName, until] of [...this.quarantine]) {
      if (until > now) continue;
      this.quarantine.delete(nodeName);
      if (existing.has(nodeName)) continue;
      try {
        await this.ctx.client.get(Resources.nodes, '', nodeName);
      } catch (err) {
        if (isNotFound(err)) deleted.add(nodeName);
        else this.ctx.onError(err, `checking whether node ${nodeName} exists`);
      }
    }
    if (deleted.size === 0) return;
    const orphaned = pods.filter((pod) => deleted.has(pod.spec?.nodeName ?? ''));
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' };
    await this.deleteAll(orphaned, condition, 'orphaned');
  }

  private async gcUnscheduledTerminating(pods: readonly PodObject[]): Promise<void> {
    const unscheduled = pods.filter((pod) => pod.metadata?.deletionTimestamp && !pod.spec?.nodeName);
    await this.deleteAll(unscheduled, undefined, 'unscheduled terminating');
  }

  private async deleteAll(pods: readonly PodObject[], condition: PodCondition | undefined, what: string): Promise<void> {
    await parallelize(pods, this.concurrency, async (pod) => {
      if (this.stopped) return;
      try {
        await this.markFailedAndDeletePod(pod, condition);
      } catch (err) {
        this.ctx.onError(err, `force deleting ${what} pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
      }
    });
  }

  /** Marks the pod Failed, so it does not stay Running with no kubelet to say otherwise, then force-deletes it. */
  private async markFailedAndDeletePod(cached: PodObject, condition: PodCondition | undefined): Promise<void> {
    const namespace = cached.metadata?.namespace ?? '';
    const name = cached.metadata?.name ?? '';
    const uid = cached.metadata?.uid ?? '';
    let pod = cached;
    try {
      for (let attempt = 1; !isPodTerminated(pod); attempt++) {
        const updated = cloneForUpdate(pod);
        const status = (updated.status ??= {});
        status.phase = 'Failed';
        if (condition) updatePodCondition(status, condition, rfc3339(this.ctx.clock.now()));
        try {
          await this.ctx.client.update(Resources.pods, namespace, updated, { subresource: 'status' });
          break;
        } catch (err) {
          if (!isConflict(err) || attempt >= STATUS_ATTEMPTS) throw err;
        }
        pod = await this.ctx.client.get<PodObject>(Resources.pods, namespace, name);
        if (pod.metadata?.uid !== uid) return;
      }
      await this.ctx.client.delete(Resources.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function isPodTerminated(pod: PodObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown' && phase !== undefined;
}

/** Evicted pods first, then by creation time, then by name. */
function byEvictionAndCreationTimestamp(a: PodObject, b: PodObject): number {
  const aEvicted = a.status?.phase === 'Failed' && a.status.reason === 'Evicted';
  const bEvicted = b.status?.phase === 'Failed' && b.status.reason === 'Evicted';
  if (aEvicted !== bEvicted) return aEvicted ? -1 : 1;
  const at = a.metadata?.creationTimestamp ?? '';
  const bt = b.metadata?.creationTimestamp ?? '';
  if (at !== bt) return Date.parse(at) - Date.parse(bt);
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}
