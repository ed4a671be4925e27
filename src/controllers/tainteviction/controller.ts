// The taint eviction controller (upstream pkg/controller/tainteviction): pods on nodes
// with NoExecute taints they do not tolerate are deleted at once; pods tolerating them
// for tolerationSeconds are deleted when the shortest of those runs out, unless the
// taints go away first. Evictions are timers on the controller's clock, owned here.

import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { isNotFound, objectKey, Resources, runWorkers, splitKey, WorkQueue, type EventRecorder, type Informer, type TimerHandle } from '../../client/index.js';
import { cloneForUpdate, POD_NODE_NAME_INDEX, rfc3339, updatePodCondition, type NodeObject, type PodObject } from '../nodelifecycle/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { matchingTolerations, minTolerationMs } from '../../api/scheduling.js';

export interface TaintEvictionOptions {
  /** Parallel workers (upstream UpdateWorkerSize, 8). */
  readonly workers?: number;
}

/** Attempts at deleting one pod before giving up (upstream's retries). */
const DELETE_ATTEMPTS = 5;

interface ScheduledEviction {
  readonly createdAt: number;
  readonly fireAt: number;
  timer: TimerHandle | undefined;
}

/** An eviction that ran: kept so the pod is not evicted twice (upstream keeps a nil worker). */
const DONE = 'done';

type QueueKey = `node:${string}` | `pod:${string}` | `evict:${string}`;

export function newTaintEvictionController(ctx: ControllerContext, options: TaintEvictionOptions = {}): Controller {
  return new TaintEvictionController(ctx, options);
}

class TaintEvictionController implements Controller {
  readonly name = 'taint-eviction-controller';
  private readonly nodes: Informer<NodeObject>;
  private readonly pods: Informer<PodObject>;
  private readonly recorder: EventRecorder;
  private readonly queue: WorkQueue<QueueKey>;
  /** The NoExecute taints of each tainted node, as last processed. */
  private readonly taintedNodes = new Map<string, Taint[]>();
  /** Scheduled (or done) evictions by pod key: upstream's TimedWorkerQueue. */
  private readonly evictions = new Map<string, ScheduledEviction | typeof DONE>();
  private readonly workerCount: number;
  private workers: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: ControllerContext,
    options: TaintEvictionOptions,
  ) {
    this.workerCount = options.workers ?? 8;
    this.recorder = ctx.recorder('taint-eviction-controller');
    this.queue = new WorkQueue<QueueKey>({ clock: ctx.clock });
    this.nodes = ctx.informers.informer<NodeObject>(Resources.nodes);
    this.pods = ctx.informers.informer<PodObject>(Resources.pods);
    this.pods.addIndex(POD_NODE_NAME_INDEX, (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));

    this.nodes.addHandlers({
      add: (node) => this.queue.add(`node:${node.metadata?.name ?? ''}`),
      update: (old, node) => {
        if (!sameTaints(noExecuteTaints(old.spec?.taints), noExecuteTaints(node.spec?.taints))) this.queue.add(`node:${node.metadata?.name ?? ''}`);
      },
      delete: (node) => this.queue.add(`node:${node.metadata?.name ?? ''}`),
    });
    this.pods.addHandlers({
      add: (pod) => this.queue.add(`pod:${objectKey(pod)}`),
      update: (old, pod) => {
        if (old.spec?.nodeName === pod.spec?.nodeName && JSON.stringify(old.spec?.tolerations ?? []) === JSON.stringify(pod.spec?.tolerations ?? [])) return;
        this.queue.add(`pod:${objectKey(pod)}`);
      },
      delete: (pod) => this.queue.add(`pod:${objectKey(pod)}`),
    });
  }

  run(): void {
    this.workers = runWorkers(this.queue, this.workerCount, (key) => this.process(key), (key, err) => this.ctx.onError(err, `taint eviction ${key}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const eviction of this.evictions.values()) if (eviction !== DONE) eviction.timer?.cancel();
    this.queue.shutDown();
    await this.workers;
  }

  private async process(key: QueueKey): Promise<void> {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const rest = key.slice(colon + 1);
    if (kind === 'node') this.handleNodeUpdate(rest);
    else if (kind === 'pod') this.handlePodUpdate(rest);
    else await this.evict(rest);
  }

  private handleNodeUpdate(nodeName: string): void {
    const node = this.nodes.get('', nodeName);
    if (!node) {
      this.taintedNodes.delete(nodeName);
      return;
    }
    const taints = noExecuteTaints(node.spec?.taints);
    if (taints.length === 0) this.taintedNodes.delete(nodeName);
    else this.taintedNodes.set(nodeName, taints);
    const pods = this.pods.byIndex(POD_NODE_NAME_INDEX, nodeName);
    const now = this.ctx.clock.now();
    for (const pod of pods) {
      if (taints.length === 0) this.cancelWithEvent(objectKey(pod));
      else this.processPodOnNode(objectKey(pod), pod.spec?.tolerations ?? [], taints, now);
    }
  }

  private handlePodUpdate(podKey: string): void {
    const pod = this.pods.getByKey(podKey);
    if (!pod) {
      this.cancelWithEvent(podKey);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    const taints = nodeName ? this.taintedNodes.get(nodeName) : undefined;
    // Untainted (or deleted) nodes had their evictions cancelled when that was noticed.
    if (!taints) return;
    this.processPodOnNode(podKey, pod.spec?.tolerations ?? [], taints, this.ctx.clock.now());
  }

  /** Upstream's processPodOnNode: evict now, later, or never, keeping an earlier schedule. */
  private processPodOnNode(podKey: string, tolerations: readonly Toleration[], taints: readonly Taint[], now: number): void {
    const { allTolerated, used } = matchingTolerations(taints, tolerations);
    if (!allTolerated) {
      this.cancelWithEvent(podKey);
      this.addEviction(podKey, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min < 0) {
      this.cancelWithEvent(podKey);
      return;
    }
    let startedAt = now;
    const scheduled = this.evictions.get(podKey);
    if (scheduled && scheduled !== DONE) {
      startedAt = scheduled.createdAt;
      // The toleration runs from when the pod was first found tainted.
      if (startedAt + min < now + min) return;
      this.cancelWithEvent(podKey);
    }
    this.addEviction(podKey, startedAt, now + min);
  }

  private addEviction(podKey: string, createdAt: number, fireAt: number): void {
    if (this.stopped || this.evictions.has(podKey)) return;
    const eviction: ScheduledEviction = { createdAt, fireAt, timer: undefined };
    this.evictions.set(podKey, eviction);
    const delay = fireAt - this.ctx.clock.now();
    if (delay <= 0) this.fire(podKey, eviction);
    else eviction.timer = this.ctx.clock.setTimeout(() => this.fire(podKey, eviction), delay);
  }

  private fire(podKey: string, eviction: ScheduledEviction): void {
    eviction.timer = undefined;
    if (this.evictions.get(podKey) !== eviction) return;
    const { namespace, name } = splitKey(podKey);
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podKey}`);
    this.queue.add(`evict:${podKey}`);
  }

  /** Cancels a scheduled eviction; tells the pod when there was one. */
  private cancelWithEvent(podKey: string): void {
    const eviction = this.evictions.get(podKey);
    if (!eviction) return;
    this.evictions.delete(podKey);
    if (eviction === DONE) return;
    eviction.timer?.cancel();
    const { namespace, name } = splitKey(podKey);
    this.recorder.event({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${podKey}`);
  }

  /**
   * Marks the pod a DisruptionTarget and deletes it (upstream's addConditionAndDeletePod),
   * trying a few times at once as upstream does: a conflict only means the pod changed.
   */
  private async evict(podKey: string): Promise<void> {
    const eviction = this.evictions.get(podKey);
    if (!eviction || eviction === DONE) return;
    const { namespace, name } = splitKey(podKey);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deleteWithCondition(namespace, name);
        break;
      } catch (err) {
        if (isNotFound(err)) break;
        if (attempt < DELETE_ATTEMPTS) continue;
        // Given up: a later taint or pod change may schedule it again.
        if (this.evictions.get(podKey) === eviction) this.evictions.delete(podKey);
        this.ctx.onError(err, `deleting pod ${podKey} for a NoExecute taint`);
        return;
      }
    }
    if (this.evictions.get(podKey) === eviction) this.evictions.set(podKey, DONE);
  }

  private async deleteWithCondition(namespace: string, name: string): Promise<void> {
    const pod = await this.ctx.client.get<PodObject>(Resources.pods, namespace, name);
    const updated = cloneForUpdate(pod);
    const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' };
    if (updatePodCondition((updated.status ??= {}), condition, rfc3339(this.ctx.clock.now()))) {
      await this.ctx.client.update(Resources.pods, namespace, updated, { subresource: 'status' });
    }
    await this.ctx.client.delete(Resources.pods, namespace, name, { preconditions: { uid: pod.metadata?.uid ?? '' } });
  }
}

function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

function sameTaints(a: readonly Taint[], b: readonly Taint[]): boolean {
  return a.length === b.length && a.every((t, i) => t.key === b[i]!.key && t.effect === b[i]!.effect && (t.value ?? '') === (b[i]!.value ?? '') && t.timeAdded === b[i]!.timeAdded);
}
