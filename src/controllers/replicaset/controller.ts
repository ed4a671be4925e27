// The ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas pods
// running from the template, adopting matching orphans and releasing owned pods that
// stopped matching, and reports what it sees in the status subresource.

import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, WorkQueue, isNotFound, objectKey, runWorkers, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { labels } from '../../machinery/index.js';
import {
  ControllerExpectations,
  ControllerRefManager,
  NAMESPACE_TERMINATING_CAUSE,
  SLOW_START_INITIAL_BATCH_SIZE,
  claimCandidates,
  controlledBy,
  controllerRefOf,
  errorMessage,
  filterActivePods,
  hasStatusCause,
  indexByController,
  isPodReady,
  newControllerRef,
  podFromTemplate,
  podKey,
  slowStartBatch,
  sortPodsForDeletion,
  typed,
  type Typed, SYNC_COALESCE_MS,
} from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { calculateStatus, statusUnchanged, wireStatus } from './status.js';

type RS = Typed<ReplicaSet>;
type P = Typed<Pod>;

/** BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
/** ConcurrentRSSyncs' default. */
const WORKERS = 5;
/** statusUpdateRetries: one re-read and retry after a failed status write. */
const STATUS_UPDATE_RETRIES = 1;

function labelsOf(obj: KubeObject): Readonly<Record<string, string>> {
  return obj.metadata?.labels ?? {};
}

/** LabelSelectorAsSelector; an invalid selector selects nothing. */
function selectorOf(rs: ReplicaSet): labels.LabelSelector | undefined {
  const selector = labels.fromLabelSelector(rs.spec?.selector);
  return 'error' in selector ? undefined : selector;
}

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  private readonly queue: WorkQueue<string>;
  private readonly replicaSets: Informer<RS>;
  private readonly pods: Informer<P>;
  private readonly expectations: ControllerExpectations;
  private readonly recorder: EventRecorder;
  private readonly subscriptions: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock, minIntervalMs: SYNC_COALESCE_MS });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.recorder = ctx.recorder('replicaset-controller');
    this.replicaSets = ctx.informers.informer<RS>(Resources.replicasets);
    this.pods = ctx.informers.informer<P>(Resources.pods);
    indexByController(this.replicaSets);
    indexByController(this.pods);
    this.subscriptions.push(
      this.replicaSets.addHandlers({
        add: (rs) => this.enqueue(rs),
        update: (_old, cur) => this.enqueue(cur),
        delete: (rs) => {
          const key = objectKey(rs);
          this.expectations.delete(key);
          this.queue.add(key);
        },
      }),
      this.pods.addHandlers({
        add: (pod) => this.addPod(pod),
        update: (old, cur) => this.updatePod(old, cur),
        delete: (pod) => this.deletePod(pod),
      }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => this.ctx.onError(err, `syncing ReplicaSet ${key}`));
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private enqueue(rs: KubeObject): void {
    this.queue.add(objectKey(rs));
  }

  /** resolveControllerRef: the cached ReplicaSet a pod's controller ref names, if it is still that one. */
  private resolveControllerRef(namespace: string, ref: ReturnType<typeof controllerRefOf>): RS | undefined {
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.get(namespace, ref.name);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** GetPodReplicaSets: the ReplicaSets of the pod's namespace whose selector matches it (for orphans). */
  private replicaSetsMatching(pod: P): RS[] {
    const podLabels = pod.metadata?.labels;
    if (!podLabels || Object.keys(podLabels).length === 0) return [];
    return this.replicaSets.list(pod.metadata?.namespace ?? '').filter((rs) => {
      const selector = selectorOf(rs);
      return selector !== undefined && !selector.isEmpty() && selector.matches(podLabels);
    });
  }

  private addPod(pod: P): void {
    if (pod.metadata?.deletionTimestamp) {
      // Restarted controller: a pod already being deleted counts as a deletion seen.
      this.deletePod(pod);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: every matching ReplicaSet may want to adopt it.
    for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }

  private updatePod(old: P, cur: P): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelChanged = JSON.stringify(labelsOf(old)) !== JSON.stringify(labelsOf(cur));
    if (cur.metadata?.deletionTimestamp) {
      // Graceful deletion started: treat as deleted now so a replacement is created without waiting.
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = controllerRefOf(cur);
    const oldRef = controllerRefOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata?.namespace ?? '', oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata?.namespace ?? '', curRef);
      if (!rs) return;
      this.enqueue(rs);
      // Availability changes minReadySeconds after readiness without another pod event.
      const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) this.queue.addAfter(objectKey(rs), minReadySeconds * 1000 + 1000);
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.replicaSetsMatching(cur)) this.enqueue(rs);
  }

  private deletePod(pod: P): void {
    const ref = controllerRefOf(pod);
    if (!ref) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  /** syncReplicaSet. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.replicaSets.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorOf(rs);
    if (!selector) {
      this.ctx.onError(new Error(`error converting pod selector to selector for rs ${key}`), `syncing ReplicaSet ${key}`);
      return;
    }
    // Pods owned by someone else are never claimed; the candidates are ours and the namespace's orphans.
    const active = filterActivePods(claimCandidates(this.pods, rs));
    const manager = new ControllerRefManager(this.ctx.client, rs, Resources.replicasets, selector);
    const filteredPods = await manager.claim(Resources.pods, active);

    let manageError: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(filteredPods, rs, key);
      } catch (err) {
        manageError = err;
      }
    }
    const now = this.ctx.clock.now();
    const updated = await this.updateStatus(rs, calculateStatus(rs, filteredPods, manageError, now));
    const replicas = updated.spec?.replicas ?? 1;
    const minReadySeconds = updated.spec?.minReadySeconds ?? 0;
    if (manageError === undefined && minReadySeconds > 0 && updated.status?.readyReplicas === replicas && updated.status?.availableReplicas !== replicas) {
      this.queue.addAfter(key, minReadySeconds * 1000);
    }
    if (manageError !== undefined) throw manageError;
  }

  /** manageReplicas: creates or deletes pods (at most BURST_REPLICAS) to reach spec.replicas. */
  private async manageReplicas(filteredPods: readonly P[], rs: RS, key: string): Promise<void> {
    let diff = filteredPods.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) {
      diff = Math.min(-diff, BURST_REPLICAS);
      // Expect every creation before the first request: their watch events may arrive before the requests return.
      this.expectations.expectCreations(key, diff);
      const result = await slowStartBatch(diff, SLOW_START_INITIAL_BATCH_SIZE, () => this.createPod(rs));
      // Creations never attempted or failed will never be observed.
      for (let skipped = diff - result.successes; skipped > 0; skipped--) this.expectations.creationObserved(key);
      if (result.error !== undefined) throw result.error;
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, BURST_REPLICAS);
      const toDelete = this.podsToDelete(filteredPods, rs, diff);
      this.expectations.expectDeletions(key, toDelete.map(podKey));
      const errors: unknown[] = [];
      await Promise.all(
        toDelete.map(async (pod) => {
          try {
            await this.deletePodOf(rs, pod);
          } catch (err) {
            // The deletion will not be observed: stop waiting for it.
            this.expectations.deletionObserved(key, podKey(pod));
            if (!isNotFound(err)) errors.push(err);
          }
        }),
      );
      if (errors.length > 0) throw errors[0];
    }
  }

  /** getPodsToDelete: the diff most disposable pods, ranked against the pods of the same owner's other ReplicaSets. */
  private podsToDelete(filteredPods: readonly P[], rs: RS, diff: number): P[] {
    if (diff >= filteredPods.length) return [...filteredPods];
    return sortPodsForDeletion(filteredPods, this.indirectlyRelatedPods(rs), this.ctx.clock.now()).slice(0, diff);
  }

  /** getIndirectlyRelatedPods: the pods selected by every ReplicaSet sharing this one's controller. */
  private indirectlyRelatedPods(rs: RS): P[] {
    const ref = controllerRefOf(rs);
    if (!ref) return [];
    const seen = new Set<string>();
    const related: P[] = [];
    for (const relatedRS of controlledBy(this.replicaSets, ref.uid)) {
      const selector = selectorOf(relatedRS);
      if (!selector) continue;
      // Upstream lists every pod the selector matches; the ones that matter are the ReplicaSet's own and
      // orphans, which the controller index gives without scanning the namespace.
      for (const pod of claimCandidates(this.pods, relatedRS)) {
        const uid = pod.metadata?.uid ?? '';
        if (seen.has(uid) || !selector.matches(labelsOf(pod))) continue;
        seen.add(uid);
        related.push(pod);
      }
    }
    return related;
  }

  /** RealPodControl.CreatePods, with its events. */
  private async createPod(rs: RS): Promise<void> {
    const template = rs.spec?.template ?? {};
    const pod = podFromTemplate(template, rs, newControllerRef(rs, Resources.replicasets));
    if (Object.keys(pod.metadata?.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    const namespace = rs.metadata?.namespace ?? '';
    try {
      const created = await this.ctx.client.create<P>(Resources.pods, namespace, typed(pod));
      this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
    } catch (err) {
      // A terminating namespace refuses every create: no point in an event per pod, nor a retry.
      if (hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) return;
      this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** RealPodControl.DeletePod, with its events. */
  private async deletePodOf(rs: RS, pod: P): Promise<void> {
    const podName = pod.metadata?.name ?? '';
    try {
      await this.ctx.client.delete(Resources.pods, pod.metadata?.namespace ?? '', podName);
    } catch (err) {
      if (isNotFound(err)) throw err;
      this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
      throw new Error(`unable to delete pods: ${errorMessage(err)}`, { cause: err });
    }
    this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
  }

  /** updateReplicaSetStatus: writes the status unless nothing changed; one retry on a fresh read. */
  private async updateStatus(rs: RS, status: ReplicaSetStatus): Promise<RS> {
    if (statusUnchanged(rs, status)) return rs;
    const next = wireStatus({ ...status, observedGeneration: rs.metadata?.generation ?? 0 });
    let current: RS = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.ctx.client.update<RS>(Resources.replicasets, current.metadata?.namespace ?? '', { ...current, status: next }, { subresource: 'status' });
      } catch (err) {
        if (attempt >= STATUS_UPDATE_RETRIES) throw err;
        current = await this.ctx.client.get<RS>(Resources.replicasets, current.metadata?.namespace ?? '', current.metadata?.name ?? '');
      }
    }
  }
}

export function newReplicaSetController(ctx: ControllerContext): Controller {
  return new ReplicaSetController(ctx);
}
