// defaultStatefulSetControl (stateful_set_control.go): one pass of a StatefulSet's
// reconcile. Computes the current and update revisions, creates missing pods in
// ordinal order (OrderedReady: one at a time, each Running and Ready before the
// next; Parallel: all at once), removes condemned pods from the highest ordinal
// down, rolls pods above the partition onto the update revision within
// maxUnavailable, writes status and truncates the revision history.

import type { ControllerRevision, StatefulSetStatus } from 'kubernetes-types/apps/v1.js';
import { isConflict, isNotFound, Resources, type ApiClient, type Clock } from '../../client/index.js';
import type { LabelMatcher, Typed } from '../common/index.js';
import { equalRevision, findEqualRevisions, nextRevision, revisionsToTruncate, sortControllerRevisions, type RevisionHistory } from '../history/index.js';
import type { StatefulPodControl } from './pod-control.js';
import {
  allowsBurst,
  applyRevision,
  completeRollingUpdate,
  getEndOrdinal,
  getOrdinal,
  getPodRevision,
  getStartOrdinal,
  identityMatches,
  inconsistentStatus,
  isCreated,
  isFailed,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  isUnavailable,
  maxUnavailableOf,
  newRevision,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  replicasOf,
  storageMatches,
  type TypedStatefulSet,
  type StatefulPod,
} from './utils.js';

type Revision = Typed<ControllerRevision>;

/** Largest number of pod operations in flight at once in Parallel mode. */
const MAX_BATCH_SIZE = 500;
const STATUS_UPDATE_ATTEMPTS = 5;

/** Returns true when processing should stop (monotonic mode). */
type Step = (index: number) => Promise<boolean>;

function aggregate(errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  return new AggregateError(errors, errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
}

/** slowStartBatch: batches of 1, 2, 4, ... (at most MAX_BATCH_SIZE) run concurrently; stops at the first failed batch. */
async function slowStartBatch(count: number, step: Step): Promise<void> {
  let next = 0;
  for (let batch = Math.min(count, 1); batch > 0; batch = Math.min(2 * batch, count - next, MAX_BATCH_SIZE)) {
    const indexes = Array.from({ length: batch }, (_, i) => next + i);
    next += batch;
    const results = await Promise.allSettled(indexes.map((i) => step(i)));
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length > 0) throw aggregate(errors);
  }
}

/** runForAll: in order, stopping when a step says so (monotonic), or in slow-start batches (burst). */
async function runForAll(count: number, step: Step, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await step(i)) return true;
    return false;
  }
  await slowStartBatch(count, step);
  return false;
}

export class StatefulSetControl {
  constructor(
    private readonly client: ApiClient,
    private readonly podControl: StatefulPodControl,
    private readonly history: RevisionHistory,
    private readonly clock: Clock,
  ) {}

  listRevisions(set: TypedStatefulSet, selector: LabelMatcher): Revision[] {
    return this.history.list(set, selector);
  }

  async adoptOrphanRevisions(set: TypedStatefulSet, revisions: readonly Revision[]): Promise<void> {
    for (const revision of revisions) await this.history.adopt(set, Resources.statefulsets, revision);
  }

  /** UpdateStatefulSet: one reconcile pass; returns the status written (undefined when it failed early). */
  async updateStatefulSet(set: TypedStatefulSet, selector: LabelMatcher, pods: readonly StatefulPod[]): Promise<StatefulSetStatus | undefined> {
    const revisions = sortControllerRevisions(this.listRevisions(set, selector));
    let current: Revision | undefined;
    let update: Revision | undefined;
    let status: StatefulSetStatus | undefined;
    let failure: unknown;
    try {
      const found = await this.getStatefulSetRevisions(set, revisions);
      ({ current, update } = found);
      status = await this.performUpdate(set, pods, found.current, found.update, found.collisionCount);
    } catch (err) {
      failure = err;
    }
    try {
      await this.truncateHistory(set, pods, revisions, current, update);
    } catch (err) {
      failure = failure === undefined ? err : aggregate([failure, err]);
    }
    if (failure !== undefined) throw failure;
    return status;
  }

  private async performUpdate(set: TypedStatefulSet, pods: readonly StatefulPod[], current: Revision, update: Revision, collisionCount: number): Promise<StatefulSetStatus> {
    const { status, error } = await this.updatePods(set, current, update, collisionCount, pods);
    let statusError: unknown;
    try {
      await this.updateStatefulSetStatus(set, status);
    } catch (err) {
      statusError = err;
    }
    if (error !== undefined) throw error;
    if (statusError !== undefined) throw statusError;
    return status;
  }

  /** truncateHistory: deletes the oldest revisions no pod, current or update revision uses, beyond revisionHistoryLimit. */
  private async truncateHistory(set: TypedStatefulSet, pods: readonly StatefulPod[], revisions: readonly Revision[], current?: Revision, update?: Revision): Promise<void> {
    const live = new Set<string>(pods.map(getPodRevision));
    if (current?.metadata?.name) live.add(current.metadata.name);
    if (update?.metadata?.name) live.add(update.metadata.name);
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    for (const revision of revisionsToTruncate(revisions, (cr) => live.has(cr.metadata?.name ?? ''), limit)) {
      try {
        await this.history.delete(revision);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /**
   * getStatefulSetRevisions: the update revision is the set's template now (an equal
   * latest revision, an older equal one renumbered to roll back, or a new one); the
   * current revision is the one status names, else the update revision.
   */
  private async getStatefulSetRevisions(set: TypedStatefulSet, revisions: readonly Revision[]): Promise<{ current: Revision; update: Revision; collisionCount: number }> {
    const collisionCount = { value: set.status?.collisionCount ?? 0 };
    const candidate = newRevision(set, nextRevision(revisions), collisionCount.value);
    const equal = findEqualRevisions(revisions, candidate);
    const latest = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    let update: Revision;
    if (lastEqual && latest && equalRevision(latest, lastEqual)) update = latest;
    else if (lastEqual) update = await this.history.updateRevision(lastEqual, candidate.revision);
    else update = await this.history.create(set, candidate, collisionCount);
    const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount: collisionCount.value };
  }

  /** updateStatefulSet (upstream's name): drives the pods toward the target state; the status is returned even on failure. */
  private async updatePods(set: TypedStatefulSet, currentRevision: Revision, updateRevision: Revision, collisionCount: number, pods: readonly StatefulPod[]): Promise<{ status: StatefulSetStatus; error?: unknown }> {
    const now = this.clock.now();
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const currentName = currentRevision.metadata?.name ?? '';
    const updateName = updateRevision.metadata?.name ?? '';
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata?.generation,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount,
      replicas: 0,
    };
    const count = (...lists: ReadonlyArray<readonly StatefulPod[]>) => {
      status.replicas = status.readyReplicas = status.availableReplicas = status.currentReplicas = status.updatedReplicas = 0;
      for (const pod of lists.flat()) {
        if (isCreated(pod)) status.replicas++;
        if (isRunningAndReady(pod)) {
          status.readyReplicas!++;
          if (isRunningAndAvailable(pod, minReadySeconds, now)) status.availableReplicas!++;
        }
        if (isCreated(pod) && !isTerminating(pod)) {
          const revision = getPodRevision(pod);
          if (revision === currentName) status.currentReplicas!++;
          if (revision === updateName) status.updatedReplicas!++;
        }
      }
    };
    count(pods);

    const start = getStartOrdinal(set);
    const replicas: StatefulPod[] = new Array<StatefulPod>(replicasOf(set));
    const condemned: StatefulPod[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= getEndOrdinal(set); ord++) {
      replicas[ord - start] ??= newVersionedStatefulSetPod(currentSet, updateSet, currentName, updateName, ord);
    }
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    const firstUnavailable = replicas.find((p) => isUnavailable(p, minReadySeconds, now)) ?? [...condemned].reverse().find((p) => isUnavailable(p, minReadySeconds, now));

    if (set.metadata?.deletionTimestamp) return { status };
    const monotonic = !allowsBurst(set);
    const finish = (error?: unknown) => {
      count(replicas, condemned);
      return error === undefined ? { status } : { status, error };
    };

    try {
      if (await runForAll(replicas.length, (i) => this.processReplica(set, updateSet, monotonic, replicas, i, now), monotonic)) return finish();
      const fixPodClaim: Step = async (i) => {
        const pod = condemned[i]!;
        if (!this.podControl.claimsMatchRetentionPolicy(updateSet, pod)) await this.podControl.updatePodClaimForRetentionPolicy(updateSet, pod);
        return false;
      };
      if (await runForAll(condemned.length, fixPodClaim, monotonic)) return finish();
      if (await runForAll(condemned.length, (i) => this.processCondemned(set, firstUnavailable, monotonic, condemned, i, now), monotonic)) return finish();
    } catch (err) {
      return finish(err);
    }
    count(replicas, condemned);

    // OnDelete: pods move to the update revision only when someone deletes them.
    if (set.spec?.updateStrategy?.type === 'OnDelete') return { status };
    try {
      await this.rollingUpdate(set, replicas, updateName, status, now);
    } catch (err) {
      return { status, error: err };
    }
    return { status };
  }

  /** processReplica: one in-range ordinal; true means "stop here" in OrderedReady mode. */
  private async processReplica(set: TypedStatefulSet, updateSet: TypedStatefulSet, monotonic: boolean, replicas: StatefulPod[], i: number, now: number): Promise<boolean> {
    const pod = replicas[i]!;
    // Failed and Succeeded pods are deleted; the next sync recreates them once they are gone.
    if (isFailed(pod) || isSucceeded(pod)) {
      if (!isTerminating(pod)) await this.podControl.deleteStatefulPod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      // A claim still owned by an earlier pod of this name waits for the garbage collector.
      if (this.podControl.podClaimIsStale(set, pod)) return true;
      await this.podControl.createStatefulPod(set, pod);
      if (monotonic) return true;
    }
    if (isPending(pod)) await this.podControl.createMissingPersistentVolumeClaims(set, pod);
    if (isTerminating(pod) && monotonic) return true;
    if (!isRunningAndReady(pod) && monotonic) return true;
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, now) && monotonic) return true;
    let retentionMatch = true;
    try {
      retentionMatch = this.podControl.claimsMatchRetentionPolicy(updateSet, pod);
    } catch {
      // Expected while the pod is not fully updated: treated as matching.
    }
    if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
    await this.podControl.updateStatefulPod(updateSet, pod);
    return false;
  }

  /** processCondemned: one pod above the range, deleted highest ordinal first once its predecessors are healthy. */
  private async processCondemned(set: TypedStatefulSet, firstUnavailable: StatefulPod | undefined, monotonic: boolean, condemned: StatefulPod[], i: number, now: number): Promise<boolean> {
    const pod = condemned[i]!;
    if (isTerminating(pod)) return monotonic;
    if (!isRunningAndReady(pod) && monotonic && pod !== firstUnavailable) return true;
    if (!isRunningAndAvailable(pod, set.spec?.minReadySeconds ?? 0, now) && monotonic && pod !== firstUnavailable) return true;
    await this.podControl.deleteStatefulPod(set, pod);
    return true;
  }

  /**
   * updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet): deletes
   * up to maxUnavailable minus the unavailable replicas, highest ordinal first, among
   * ordinals at or above the partition that are not at the update revision.
   */
  private async rollingUpdate(set: TypedStatefulSet, replicas: readonly StatefulPod[], updateName: string, status: StatefulSetStatus, now: number): Promise<void> {
    const minReadySeconds = set.spec?.minReadySeconds ?? 0;
    const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const maxUnavailable = set.spec?.updateStrategy?.rollingUpdate ? maxUnavailableOf(set, replicasOf(set)) : 1;
    if (maxUnavailable instanceof Error) throw maxUnavailable;
    const unavailable = replicas.filter((p) => isUnavailable(p, minReadySeconds, now)).length;
    if (unavailable > maxUnavailable) return;
    let toDelete = maxUnavailable - unavailable;
    for (let target = replicas.length - 1; target >= partition && toDelete > 0; target--) {
      const pod = replicas[target]!;
      if (getPodRevision(pod) === updateName || isTerminating(pod)) continue;
      try {
        await this.podControl.deleteStatefulPod(set, pod);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      toDelete--;
      status.currentReplicas = (status.currentReplicas ?? 0) - 1;
    }
  }

  /** updateStatefulSetStatus: completes a finished rolling update and writes status when it changed. */
  private async updateStatefulSetStatus(set: TypedStatefulSet, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!inconsistentStatus(set, status)) return;
    let toUpdate = structuredClone(set);
    for (let attempt = 1; ; attempt++) {
      toUpdate.status = status;
      try {
        await this.client.update(Resources.statefulsets, toUpdate.metadata?.namespace ?? '', toUpdate, { subresource: 'status' });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= STATUS_UPDATE_ATTEMPTS) throw err;
        toUpdate = structuredClone(await this.client.get<TypedStatefulSet>(Resources.statefulsets, toUpdate.metadata?.namespace ?? '', toUpdate.metadata?.name ?? ''));
      }
    }
  }
}
