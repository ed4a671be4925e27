// The Job controller (pkg/controller/job/job_controller.go, as of 1.33): keeps
// up to parallelism pods running until completions succeed, counts finished pods
// through the batch.kubernetes.io/job-tracking finalizer and
// status.uncountedTerminatedPods, backs off after failures, fails the Job past
// backoffLimit or activeDeadlineSeconds (FailureTarget, then Failed once no pod
// is left terminating), and completes it (SuccessCriteriaMet, then Complete).

import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import {
  Resources,
  WorkQueue,
  isConflict,
  isNotFound,
  objectKey,
  runWorkers,
  splitKey,
  type Disposable,
  type EventRecorder,
  type Informer,
} from '../../client/index.js';
import { labels } from '../../machinery/index.js';
import type { Controller, ControllerContext } from '../index.js';
import { ControllerExpectations, UidExpectations } from './expectations.js';
import {
  COMPLETION_INDEX_ANNOTATION,
  COMPLETION_INDEX_ENV,
  UNKNOWN_INDEX,
  completionIndexOf,
  firstPendingIndexes,
  formatIntervals,
  generateNameWithIndex,
  hasIndex,
  matchSuccessPolicy,
  parseIntervals,
  sortedIndexSet,
  totalIndexes,
  withIndexes,
  type Interval,
} from './indexes.js';
import {
  JOB_TRACKING_FINALIZER,
  NO_BACKOFF,
  compareForDeletion,
  hasTrackingFinalizer,
  isPodActive,
  isPodFailed,
  isPodReady,
  isPodTerminating,
  matchPodFailurePolicy,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  pastBackoffLimitOnFailure,
  remainingBackoffMs,
  type BackoffRecord,
} from './pods.js';

export type JobObject = Job & KubeObject;
export type PodObject = Pod & KubeObject;

const COMPONENT = 'job-controller';
const MANAGED_BY = 'kubernetes.io/job-controller';
const WORKERS = 5;
/** syncJobBatchPeriod: pod events and status-only Job updates sync after this. */
const SYNC_BATCH_MS = 1000;
/** DefaultJobApiBackOff / MaxJobApiBackOff: retry delays after a failed sync. */
const API_BACKOFF_MS = 1000;
const MAX_API_BACKOFF_MS = 60_000;
const MAX_UNCOUNTED_PODS = 500;
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
const JOB_KIND = { apiVersion: 'batch/v1', kind: 'Job' } as const;
const OWNED_INDEX = 'job-controller/owner-uid';
const ORPHAN_INDEX = 'job-controller/orphans';

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

/** util.IsJobFinished: a Complete or Failed condition is True. */
export function isJobFinished(job: Job): boolean {
  return job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
}

function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

function isSuspended(job: Job): boolean {
  return job.spec?.suspend === true;
}

function newCondition(type: string, status: string, reason: string, message: string, nowMs: number): JobCondition {
  const at = rfc3339(nowMs);
  return { type, status, lastProbeTime: at, lastTransitionTime: at, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** ensureJobConditionStatus: sets a condition; never adds one that is False. */
function ensureCondition(job: Job, type: string, status: string, reason: string, message: string, nowMs: number): boolean {
  const conditions = (job.status!.conditions ??= []);
  const index = conditions.findIndex((c) => c.type === type);
  const existing = conditions[index];
  if (existing) {
    if (existing.status === status && (existing.reason ?? '') === reason && (existing.message ?? '') === message) return false;
    conditions[index] = newCondition(type, status, reason, message, nowMs);
    return true;
  }
  if (status === 'False') return false;
  conditions.push(newCondition(type, status, reason, message, nowMs));
  return true;
}

function hasStatusCause(err: unknown, type: string): boolean {
  const causes = (err as { status?: { details?: { causes?: Array<{ type?: string }> } } }).status?.details?.causes;
  return causes?.some((c) => c.type === type) ?? false;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Status as the API writes it: zero counters and empty lists omitted. */
function wireStatus(status: JobStatus): JobStatus {
  const out: JobStatus = { ...status };
  if (!out.active) delete out.active;
  if (!out.succeeded) delete out.succeeded;
  if (!out.failed) delete out.failed;
  if (!out.completedIndexes) delete out.completedIndexes;
  if (out.conditions?.length === 0) delete out.conditions;
  const uncounted = out.uncountedTerminatedPods ?? {};
  out.uncountedTerminatedPods = {
    ...(uncounted.succeeded?.length ? { succeeded: uncounted.succeeded } : {}),
    ...(uncounted.failed?.length ? { failed: uncounted.failed } : {}),
  };
  return out;
}

/** What one sync computes (syncJobCtx). */
interface SyncState {
  job: JobObject;
  pods: PodObject[];
  activePods: PodObject[];
  finishedCondition: JobCondition | undefined;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  newBackoffRecord: BackoffRecord;
  expectedRmFinalizers: ReadonlySet<string>;
  uncountedSucceeded: ReadonlySet<string>;
  uncountedFailed: ReadonlySet<string>;
  terminating: number;
  ready: number;
}

export class JobController implements Controller {
  readonly name = COMPONENT;
  private readonly jobs: Informer<JobObject>;
  private readonly pods: Informer<PodObject>;
  private readonly queue: WorkQueue<string>;
  private readonly orphanQueue: WorkQueue<string>;
  private readonly expectations: ControllerExpectations;
  private readonly finalizerExpectations = new UidExpectations();
  private readonly backoffRecords = new Map<string, BackoffRecord>();
  private readonly recorder: EventRecorder;
  private readonly handlers: Disposable[] = [];
  private workers: Promise<unknown> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ clock: ctx.clock, baseDelayMs: API_BACKOFF_MS, maxDelayMs: MAX_API_BACKOFF_MS });
    this.orphanQueue = new WorkQueue({ clock: ctx.clock, baseDelayMs: API_BACKOFF_MS, maxDelayMs: MAX_API_BACKOFF_MS });
    this.expectations = new ControllerExpectations(ctx.clock);
    this.recorder = ctx.recorder(COMPONENT);
    this.jobs = ctx.informers.informer<JobObject>(Resources.jobs);
    this.pods = ctx.informers.informer<PodObject>(Resources.pods);
    // Owned pods by their Job's uid; orphans by namespace, for adoption.
    this.pods.addIndex(OWNED_INDEX, (pod) => {
      const ref = controllerRefOf(pod);
      return ref?.kind === 'Job' ? [ref.uid] : [];
    });
    this.pods.addIndex(ORPHAN_INDEX, (pod) => (controllerRefOf(pod) ? [] : [pod.metadata?.namespace ?? '']));
    this.handlers.push(
      this.jobs.addHandlers({
        add: (job) => this.queue.add(objectKey(job)),
        update: (oldJob, job) => this.updateJob(oldJob, job),
        delete: (job) => {
          this.queue.add(objectKey(job));
          this.cleanupPodFinalizers(job);
        },
      }),
      this.pods.addHandlers({
        add: (pod) => this.addPod(pod),
        update: (oldPod, pod) => this.updatePod(oldPod, pod),
        delete: (pod) => this.deletePod(pod, true),
      }),
    );
  }

  run(): void {
    const report = (key: string, err: unknown) => {
      // Conflicts mean a stale cache; the retry reads a fresher one.
      if (!isConflict(err)) this.ctx.onError(err, `${COMPONENT}: syncing ${key}`);
    };
    this.workers = Promise.all([
      runWorkers(this.queue, WORKERS, (key) => this.syncJob(key), report),
      runWorkers(this.orphanQueue, 1, (key) => this.syncOrphanPod(key), report),
    ]);
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.splice(0)) handler.dispose();
    this.queue.shutDown();
    this.orphanQueue.shutDown();
    await this.workers;
  }

  // ---- event handlers: they only enqueue keys and note expectations ----

  private enqueueBatched(job: JobObject): void {
    this.queue.addAfter(objectKey(job), SYNC_BATCH_MS);
  }

  private updateJob(oldJob: JobObject, job: JobObject): void {
    const key = objectKey(job);
    // Spec changes sync at once; status updates (mostly our own) are batched.
    if (job.metadata?.generation === oldJob.metadata?.generation) this.enqueueBatched(job);
    else this.queue.add(key);
    // A backup for finished Jobs: no pod may keep its finalizer.
    if (isJobFinished(job)) this.cleanupPodFinalizers(job);
    const startTime = job.status?.startTime;
    const deadline = job.spec?.activeDeadlineSeconds;
    if (startTime && deadline !== undefined && deadline !== oldJob.spec?.activeDeadlineSeconds) {
      this.queue.addAfter(key, deadline * 1000 - (this.ctx.clock.now() - Date.parse(startTime)));
    }
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): JobObject | undefined {
    if (ref.kind !== JOB_KIND.kind) return undefined;
    const job = this.jobs.get(namespace, ref.name);
    return job?.metadata?.uid === ref.uid ? job : undefined;
  }

  /** GetPodJobs: the Jobs whose selector matches an orphan pod. */
  private jobsSelecting(pod: PodObject): JobObject[] {
    return this.jobs.list(pod.metadata?.namespace ?? '').filter((job) => {
      const selector = labels.fromLabelSelector(job.spec?.selector);
      return !('error' in selector) && !selector.isEmpty() && selector.matches(pod.metadata?.labels ?? {});
    });
  }

  private addPod(pod: PodObject): void {
    if (pod.metadata?.deletionTimestamp) {
      // A pod already being deleted is not the creation we wait for.
      this.deletePod(pod, false);
      return;
    }
    const ref = controllerRefOf(pod);
    if (ref) {
      const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!job) return;
      this.expectations.creationObserved(objectKey(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    for (const job of this.jobsSelecting(pod)) this.enqueueBatched(job);
  }

  private updatePod(oldPod: PodObject, pod: PodObject): void {
    if (pod.metadata?.resourceVersion === oldPod.metadata?.resourceVersion) return;
    if (pod.metadata?.deletionTimestamp) {
      // Replacements are created when deletion starts, not when the pod is gone.
      this.deletePod(pod, false);
      return;
    }
    const namespace = pod.metadata?.namespace ?? '';
    const finalizerRemoved = !hasTrackingFinalizer(pod);
    const ref = controllerRefOf(pod);
    const oldRef = controllerRefOf(oldPod);
    const refChanged = JSON.stringify(ref) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const oldJob = this.resolveControllerRef(namespace, oldRef);
      if (oldJob) {
        if (finalizerRemoved) this.finalizerExpectations.observed(objectKey(oldJob), pod.metadata?.uid ?? '');
        this.enqueueBatched(oldJob);
      }
    }
    if (ref) {
      const job = this.resolveControllerRef(namespace, ref);
      if (!job) return;
      if (finalizerRemoved) this.finalizerExpectations.observed(objectKey(job), pod.metadata?.uid ?? '');
      this.enqueueBatched(job);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    const labelsChanged = JSON.stringify(pod.metadata?.labels ?? {}) !== JSON.stringify(oldPod.metadata?.labels ?? {});
    if (labelsChanged || refChanged) for (const job of this.jobsSelecting(pod)) this.enqueueBatched(job);
  }

  private deletePod(pod: PodObject, final: boolean): void {
    const ref = controllerRefOf(pod);
    const hasFinalizer = hasTrackingFinalizer(pod);
    const job = ref ? this.resolveControllerRef(pod.metadata?.namespace ?? '', ref) : undefined;
    if (!job || isJobFinished(job)) {
      // syncJob will not remove this finalizer.
      if (hasFinalizer) this.orphanQueue.add(objectKey(pod));
      return;
    }
    const key = objectKey(job);
    this.expectations.deletionObserved(key);
    if (final || !hasFinalizer) this.finalizerExpectations.observed(key, pod.metadata?.uid ?? '');
    this.enqueueBatched(job);
  }

  private cleanupPodFinalizers(job: JobObject): void {
    for (const pod of this.pods.byIndex(OWNED_INDEX, job.metadata?.uid ?? '')) {
      if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    }
  }

  // ---- orphan pods ----

  /** syncOrphanPod: removes the tracking finalizer of a pod no unfinished Job owns. */
  private async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    const ref = controllerRefOf(pod);
    if (ref) {
      if (ref.kind !== JOB_KIND.kind || ref.apiVersion !== JOB_KIND.apiVersion) return;
      const job = this.resolveControllerRef(namespace, ref);
      if (job && (isManagedElsewhere(job) || !isJobFinished(job))) return;
    }
    if (!hasTrackingFinalizer(pod)) return;
    try {
      await this.removeFinalizerPatch(pod);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private removeFinalizerPatch(pod: PodObject): Promise<unknown> {
    return this.ctx.client.patch(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', {
      metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] },
    });
  }

  // ---- syncJob ----

  private async syncJob(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const shared = this.jobs.get(namespace, name);
    if (!shared) {
      this.expectations.forget(key);
      this.finalizerExpectations.forget(key);
      this.backoffRecords.delete(key);
      return;
    }
    if (isManagedElsewhere(shared)) return;
    if (isJobFinished(shared)) {
      this.backoffRecords.delete(key);
      return;
    }
    const mode = shared.spec?.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.recorder.event(shared, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const job = structuredClone(shared);
    const status = (job.status ??= {});
    const uncounted = (status.uncountedTerminatedPods ??= {});

    // Expectations are read before the pods, so a pod created meanwhile defers this sync.
    const satisfiedExpectations = this.expectations.satisfied(key);
    const pods = await this.podsForJob(job);
    const activePods = pods.filter(isPodActive);
    const state: SyncState = {
      job,
      pods,
      activePods,
      finishedCondition: undefined,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: [],
      succeededIndexes: [],
      newBackoffRecord: NO_BACKOFF,
      expectedRmFinalizers: new Set(this.finalizerExpectations.expected(key)),
      uncountedSucceeded: new Set(uncounted.succeeded ?? []),
      uncountedFailed: new Set(uncounted.failed ?? []),
      terminating: pods.filter(isPodTerminating).length,
      ready: activePods.filter(isPodReady).length,
    };
    let active = activePods.length;
    const newSucceeded = this.newFinishedPods(state, state.uncountedSucceeded, (p) => p.status?.phase === 'Succeeded');
    const newFailed = this.newFinishedPods(state, state.uncountedFailed, (p) => isPodFailed(p, job));
    const countedNewFailed = newFailed.filter((p) => matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed).length;
    state.succeeded = (status.succeeded ?? 0) + newSucceeded.length + state.uncountedSucceeded.size;
    state.failed = (status.failed ?? 0) + countedNewFailed + state.uncountedFailed.size;

    // First start; a suspended Job has not started.
    if (!status.startTime && !isSuspended(job)) status.startTime = rfc3339(this.ctx.clock.now());
    state.newBackoffRecord = nextBackoffRecord(this.backoffRecords.get(key) ?? NO_BACKOFF, newSucceeded, newFailed);

    let manageError: unknown;
    const backoffLimit = job.spec?.backoffLimit ?? 6;
    const exceedsBackoffLimit = state.failed > backoffLimit;
    state.finishedCondition = trueCondition(job, 'SuccessCriteriaMet');
    if (!state.finishedCondition) {
      const failureTarget = trueCondition(job, 'FailureTarget');
      if (failureTarget) {
        state.finishedCondition = newCondition('Failed', 'True', failureTarget.reason ?? '', failureTarget.message ?? '', this.ctx.clock.now());
      } else {
        const failJobMessage = this.failJobMessage(job, pods);
        if (failJobMessage) state.finishedCondition = newCondition('FailureTarget', 'True', 'PodFailurePolicy', failJobMessage, this.ctx.clock.now());
      }
    }
    if (!state.finishedCondition) {
      if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        state.finishedCondition = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', this.ctx.clock.now());
      } else if (this.pastActiveDeadline(job)) {
        state.finishedCondition = newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', this.ctx.clock.now());
      } else if (job.spec?.activeDeadlineSeconds !== undefined && !isSuspended(job)) {
        const elapsed = this.ctx.clock.now() - Date.parse(status.startTime!);
        this.queue.addAfter(key, job.spec.activeDeadlineSeconds * 1000 - elapsed);
      }
    }

    if (isIndexed(job)) {
      const completions = job.spec?.completions ?? 0;
      state.prevSucceededIndexes = parseIntervals(status.completedIndexes, completions);
      const newIndexes = sortedIndexSet(
        pods.filter((p) => p.status?.phase === 'Succeeded' && hasTrackingFinalizer(p)).map((p) => completionIndexOf(p.metadata?.annotations)).filter((ix) => ix < completions),
      );
      state.succeededIndexes = withIndexes(state.prevSucceededIndexes, newIndexes);
      state.succeeded = totalIndexes(state.succeededIndexes);
      if (!state.finishedCondition) {
        const message = matchSuccessPolicy(job.spec?.successPolicy?.rules, completions, state.succeededIndexes);
        if (message) state.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'SuccessPolicy', message, this.ctx.clock.now());
      }
    }

    let suspendChanged = false;
    if (state.finishedCondition) {
      // Finished: active pods go; the Job is declared finished once they are gone.
      const { deleted, deletedReady, error } = await this.deletePods(job, activePods, undefined);
      if (deleted !== active || !satisfiedExpectations) state.finishedCondition = undefined;
      active -= deleted;
      state.terminating += deleted;
      state.ready -= deletedReady;
      manageError = error;
    } else {
      let manageCalled = false;
      if (satisfiedExpectations && !job.metadata?.deletionTimestamp) {
        try {
          active = await this.manageJob(key, state);
        } catch (err) {
          if (err instanceof ManageError) active = err.active;
          manageError = err instanceof ManageError ? err.error : err;
        }
        manageCalled = true;
      }
      const completions = job.spec?.completions;
      const complete = completions === undefined ? state.succeeded > 0 && active === 0 : state.succeeded >= completions && active === 0;
      if (complete) {
        state.finishedCondition = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', this.ctx.clock.now());
      } else if (manageCalled) {
        if (isSuspended(job)) {
          if (ensureCondition(job, 'Suspended', 'True', 'JobSuspended', 'Job suspended', this.ctx.clock.now())) {
            suspendChanged = true;
            this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (ensureCondition(job, 'Suspended', 'False', 'JobResumed', 'Job resumed', this.ctx.clock.now())) {
          suspendChanged = true;
          this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts from the resume, not from the first start.
          status.startTime = rfc3339(this.ctx.clock.now());
        }
      }
    }

    const needsStatusUpdate = suspendChanged || active !== (status.active ?? 0) || state.ready !== status.ready || state.terminating !== status.terminating;
    status.active = active;
    status.ready = state.ready;
    status.terminating = state.terminating;
    await this.trackStatusAndRemoveFinalizers(key, state, needsStatusUpdate);
    if (manageError !== undefined) throw manageError;
  }

  private failJobMessage(job: JobObject, pods: readonly PodObject[]): string | undefined {
    if (!job.spec?.podFailurePolicy) return undefined;
    for (const pod of pods) {
      if (!isPodFailed(pod, job)) continue;
      const message = matchPodFailurePolicy(job.spec.podFailurePolicy, pod).failJobMessage;
      if (message) return message;
    }
    return undefined;
  }

  private pastActiveDeadline(job: JobObject): boolean {
    const deadline = job.spec?.activeDeadlineSeconds;
    const start = job.status?.startTime;
    if (deadline === undefined || !start || isSuspended(job)) return false;
    return this.ctx.clock.now() - Date.parse(start) >= deadline * 1000;
  }

  /** getNewFinishedPods: finished pods not yet counted (they still hold the finalizer). */
  private newFinishedPods(state: SyncState, uncounted: ReadonlySet<string>, filter: (pod: PodObject) => boolean): PodObject[] {
    const completions = state.job.spec?.completions ?? 0;
    return state.pods.filter((pod) => {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || uncounted.has(uid) || state.expectedRmFinalizers.has(uid)) return false;
      if (isIndexed(state.job)) {
        const ix = completionIndexOf(pod.metadata?.annotations);
        if (ix === UNKNOWN_INDEX || ix >= completions) return false;
      }
      return filter(pod);
    });
  }

  /** getPodsForJob: owned pods that still match, plus matching orphans, which it adopts. */
  private async podsForJob(job: JobObject): Promise<PodObject[]> {
    const selector = labels.fromLabelSelector(job.spec?.selector);
    if ('error' in selector) throw new Error(`couldn't convert Job selector: ${selector.error}`);
    const namespace = job.metadata?.namespace ?? '';
    const uid = job.metadata?.uid ?? '';
    const deleting = !!job.metadata?.deletionTimestamp;
    const claimed: PodObject[] = [];
    let canAdopt: Promise<void> | undefined;
    for (const pod of this.pods.byIndex(OWNED_INDEX, uid)) {
      if (pod.metadata?.namespace !== namespace) continue;
      if (selector.matches(pod.metadata?.labels ?? {})) claimed.push(pod);
      else if (!deleting) await this.patchIgnoringNotFound(pod, {
            metadata: { ownerReferences: [{ $patch: 'delete', uid }], uid: pod.metadata?.uid, '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] },
          });
    }
    if (!deleting) {
      for (const pod of this.pods.byIndex(ORPHAN_INDEX, namespace)) {
        if (pod.metadata?.deletionTimestamp || !selector.matches(pod.metadata?.labels ?? {})) continue;
        // Adoption needs a quorum read that the Job still exists and is not being deleted.
        canAdopt ??= this.recheckJob(job);
        await canAdopt;
        const ref = this.controllerRef(job);
        const adopted = await this.patchIgnoringNotFound(pod, { metadata: { ownerReferences: [ref], uid: pod.metadata?.uid, finalizers: [JOB_TRACKING_FINALIZER] } });
        if (!adopted) continue;
        const copy = structuredClone(pod);
        copy.metadata = { ...copy.metadata, ownerReferences: [...(copy.metadata?.ownerReferences ?? []), ref] };
        if (!hasTrackingFinalizer(copy)) copy.metadata.finalizers = [...(copy.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
        claimed.push(copy);
      }
    }
    return claimed;
  }

  private async recheckJob(job: JobObject): Promise<void> {
    const fresh = await this.ctx.client.get<JobObject>(Resources.jobs, job.metadata?.namespace ?? '', job.metadata?.name ?? '');
    if (fresh.metadata?.uid !== job.metadata?.uid) {
      throw new Error(`original Job ${job.metadata?.namespace}/${job.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${job.metadata?.uid}`);
    }
    if (fresh.metadata?.deletionTimestamp) throw new Error(`Job ${job.metadata?.namespace}/${job.metadata?.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }

  private async patchIgnoringNotFound(pod: PodObject, patch: unknown): Promise<boolean> {
    try {
      await this.ctx.client.patch(Resources.pods, pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', 'strategic', patch);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private controllerRef(job: JobObject): OwnerReference {
    return { ...JOB_KIND, name: job.metadata?.name ?? '', uid: job.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
  }

  // ---- manageJob ----

  /** manageJob: deletes surplus pods or creates missing ones; returns the new active count. */
  private async manageJob(key: string, state: SyncState): Promise<number> {
    const job = state.job;
    let active = state.activePods.length;
    const parallelism = job.spec?.parallelism ?? 1;

    if (isSuspended(job)) {
      const toDelete = this.activePodsForRemoval(job, state.activePods, active);
      this.expectations.expectDeletions(key, toDelete.length);
      const { deleted, deletedReady, error } = await this.deletePods(job, toDelete, key);
      active -= deleted;
      state.terminating += deleted;
      state.ready -= deletedReady;
      if (error !== undefined) throw new ManageError(active, error);
      return active;
    }

    let wantActive: number;
    const completions = job.spec?.completions;
    if (completions === undefined) {
      // Without completions, once one pod succeeded the rest just finish.
      wantActive = state.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - state.succeeded, parallelism));
    }

    const rmAtLeast = Math.max(0, active - wantActive);
    const toDelete = this.activePodsForRemoval(job, state.activePods, rmAtLeast).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      // Deletion takes precedence: a sync either deletes or creates.
      this.expectations.expectDeletions(key, toDelete.length);
      const { deleted, deletedReady, error } = await this.deletePods(job, toDelete, key);
      active -= deleted;
      state.terminating += deleted;
      state.ready -= deletedReady;
      if (error !== undefined) throw new ManageError(active, error);
      return active;
    }

    const terminating = onlyReplaceFailedPods(job) ? state.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;
    const remaining = remainingBackoffMs(state.newBackoffRecord, this.ctx.clock.now());
    if (remaining > 0) {
      this.queue.addAfter(key, Math.max(remaining, SYNC_BATCH_MS));
      return active;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] = [];
    if (isIndexed(job)) {
      const activeIndexes = sortedIndexSet(state.activePods.map((p) => completionIndexOf(p.metadata?.annotations)));
      let nonPending = withIndexes(state.succeededIndexes, activeIndexes);
      if (onlyReplaceFailedPods(job)) {
        nonPending = withIndexes(nonPending, sortedIndexSet(state.pods.filter(isPodTerminating).map((p) => completionIndexOf(p.metadata?.annotations))));
      }
      indexes = firstPendingIndexes(nonPending, diff, completions ?? 0);
      diff = indexes.length;
    }
    return this.createPods(key, job, diff, indexes, active);
  }

  /** Creates `count` pods in slow-start batches (1, 2, 4, ...), stopping after a failing batch. */
  private async createPods(key: string, job: JobObject, count: number, indexes: number[], active: number): Promise<number> {
    this.expectations.expectCreations(key, count);
    active += count;
    const template = structuredClone(job.spec!.template);
    if (isIndexed(job)) addCompletionIndexEnv(template);
    template.metadata = { ...template.metadata, finalizers: withFinalizer(template.metadata?.finalizers) };
    let firstError: unknown;
    let remaining = count;
    for (let batch = Math.min(remaining, 1); remaining > 0; batch = Math.min(2 * batch, remaining)) {
      const batchIndexes = indexes.splice(0, batch);
      const results = await Promise.all(
        Array.from({ length: batch }, (_, i) => this.createPod(job, template, batchIndexes[i] ?? UNKNOWN_INDEX)),
      );
      let failed = 0;
      for (const error of results) {
        if (error === undefined) continue;
        failed++;
        // The informer will not see this pod.
        this.expectations.creationObserved(key);
        active--;
        firstError ??= error;
      }
      const skipped = remaining - batch;
      if (failed > 0 && skipped > 0) {
        active -= skipped;
        for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
        break;
      }
      remaining -= batch;
    }
    if (firstError !== undefined) throw new ManageError(active, firstError);
    return active;
  }

  /** Creates one pod; returns the error, if any. */
  private async createPod(job: JobObject, template: PodTemplateSpec, index: number): Promise<unknown> {
    const name = job.metadata?.name ?? '';
    const meta = template.metadata ?? {};
    const pod: PodObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${name}-`,
        ...(meta.labels ? { labels: { ...meta.labels } } : {}),
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        finalizers: [...(meta.finalizers ?? [])],
        ownerReferences: [this.controllerRef(job)],
      },
      spec: structuredClone(template.spec),
    };
    if (index !== UNKNOWN_INDEX) {
      const metadata = pod.metadata!;
      metadata.annotations = { ...metadata.annotations, [COMPLETION_INDEX_ANNOTATION]: `${index}` };
      metadata.labels = { ...metadata.labels, [COMPLETION_INDEX_ANNOTATION]: `${index}` };
      metadata.generateName = generateNameWithIndex(name, index);
      pod.spec = { ...pod.spec!, hostname: `${name}-${index}` };
    }
    try {
      const created = await this.ctx.client.create<PodObject>(Resources.pods, job.metadata?.namespace ?? '', pod);
      this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
      return undefined;
    } catch (err) {
      // In a terminating namespace every create fails; that is no news.
      if (hasStatusCause(err, 'NamespaceTerminating')) return undefined;
      this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorText(err)}`);
      return err;
    }
  }

  /** activePodsForRemoval: pods with repeated or invalid indexes first, then ActivePods order. */
  private activePodsForRemoval(job: JobObject, pods: readonly PodObject[], rmAtLeast: number): PodObject[] {
    const rm: PodObject[] = [];
    let left: PodObject[] = [...pods];
    if (isIndexed(job)) {
      left = [];
      const completions = job.spec?.completions ?? 0;
      const byIndex = new Map<number, PodObject[]>();
      for (const pod of pods) {
        const ix = completionIndexOf(pod.metadata?.annotations);
        if (ix === UNKNOWN_INDEX || ix >= completions) rm.push(pod);
        else byIndex.set(ix, [...(byIndex.get(ix) ?? []), pod]);
      }
      for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
        const same = byIndex.get(ix)!.sort(compareForDeletion);
        rm.push(...same.slice(0, -1));
        left.push(same[same.length - 1]!);
      }
    }
    if (rm.length < rmAtLeast) rm.push(...left.sort(compareForDeletion).slice(0, rmAtLeast - rm.length));
    return rm;
  }

  /**
   * Deletes pods. With a key (manageJob), each pod's finalizer goes first and
   * failures correct the expectations; without (a finished Job), finalizers stay
   * until the pods are counted.
   */
  private async deletePods(job: JobObject, pods: readonly PodObject[], key: string | undefined): Promise<{ deleted: number; deletedReady: number; error: unknown }> {
    let deleted = pods.length;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          if (key !== undefined && hasTrackingFinalizer(pod)) await this.removeFinalizerPatch(pod);
          await this.deletePodWithEvents(job, pod);
        } catch (err) {
          if (key !== undefined) this.expectations.deletionObserved(key);
          if (!isNotFound(err)) {
            deleted--;
            error ??= err;
            return;
          }
        }
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return { deleted, deletedReady, error };
  }

  /** RealPodControl.DeletePod, with its events. */
  private async deletePodWithEvents(job: JobObject, pod: PodObject): Promise<void> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.ctx.client.delete(Resources.pods, job.metadata?.namespace ?? '', name);
    } catch (err) {
      if (!isNotFound(err)) this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errorText(err)}`);
      throw err;
    }
    this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
  }

  // ---- status and finalizers ----

  /**
   * trackJobStatusAndRemoveFinalizers: records finished pods in
   * uncountedTerminatedPods, removes their finalizers, moves them into the
   * counters, and adds the interim and final conditions.
   */
  private async trackStatusAndRemoveFinalizers(key: string, state: SyncState, needsFlush: boolean): Promise<void> {
    const job = state.job;
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    if (indexed) state.pods.sort((a, b) => completionIndexOf(a.metadata?.annotations) - completionIndexOf(b.metadata?.annotations));
    const withFinalizer = new Set<string>();
    for (const pod of state.pods) {
      const uid = pod.metadata?.uid ?? '';
      if (hasTrackingFinalizer(pod) && !state.expectedRmFinalizers.has(uid)) withFinalizer.add(uid);
    }
    if (cleanUncounted(job.status!, withFinalizer)) needsFlush = true;
    const uncounted = job.status!.uncountedTerminatedPods!;
    const newSucceededIndexes: number[] = [];
    const toRemoveFinalizer: PodObject[] = [];
    let reachedMaxUncounted = false;
    for (const pod of state.pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || state.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      if (!(job.metadata?.deletionTimestamp || state.finishedCondition || pod.status?.phase === 'Succeeded' || failed)) continue;
      toRemoveFinalizer.push(pod);
      if (pod.status?.phase === 'Succeeded' && !state.uncountedFailed.has(uid)) {
        if (indexed) {
          // The index is enough to never count a success twice.
          const ix = completionIndexOf(pod.metadata?.annotations);
          if (ix !== UNKNOWN_INDEX && ix < completions && !hasIndex(state.prevSucceededIndexes, ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!state.uncountedSucceeded.has(uid)) {
          needsFlush = true;
          (uncounted.succeeded ??= []).push(uid);
        }
      } else if (failed || (state.finishedCondition && state.finishedCondition.type !== 'SuccessCriteriaMet')) {
        // Once the Job failed, every pod not finished counts as failed.
        const ix = completionIndexOf(pod.metadata?.annotations);
        if (!state.uncountedFailed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions))) {
          if (matchPodFailurePolicy(job.spec?.podFailurePolicy, pod).countFailed) {
            needsFlush = true;
            (uncounted.failed ??= []).push(uid);
          }
        }
      }
      if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
        // Keeps the status small; pod and status events bring the Job back.
        reachedMaxUncounted = true;
        break;
      }
    }
    if (indexed) {
      state.succeededIndexes = withIndexes(state.succeededIndexes, [...newSucceededIndexes].sort((a, b) => a - b));
      const text = formatIntervals(state.succeededIndexes);
      if (text !== (job.status!.completedIndexes ?? '')) needsFlush = true;
      job.status!.succeeded = totalIndexes(state.succeededIndexes);
      job.status!.completedIndexes = text;
    }
    const finished = state.finishedCondition;
    if (finished?.type === 'FailureTarget') {
      // The interim condition is written before finalizers go; Failed follows.
      (job.status!.conditions ??= []).push(finished);
      needsFlush = true;
      state.finishedCondition = newCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', this.ctx.clock.now());
    }
    if (finished?.type === 'SuccessCriteriaMet' && finished.status === 'True') {
      if (!trueCondition(job, 'SuccessCriteriaMet')) {
        (job.status!.conditions ??= []).push(finished);
        needsFlush = true;
      }
      state.finishedCondition = newCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', this.ctx.clock.now());
    }
    needsFlush = await this.flushAndRemoveFinalizers(key, state, toRemoveFinalizer, withFinalizer, needsFlush);
    const jobFinished = !reachedMaxUncounted && this.enactJobFinished(state);
    if (jobFinished) needsFlush = true;
    if (needsFlush) {
      await this.updateStatus(state);
      if (jobFinished) this.recordJobFinished(state.job, state.finishedCondition!);
    }
  }

  private async flushAndRemoveFinalizers(key: string, state: SyncState, pods: readonly PodObject[], withFinalizer: Set<string>, needsFlush: boolean): Promise<boolean> {
    if (needsFlush) {
      await this.updateStatus(state);
      this.backoffRecords.set(key, state.newBackoffRecord);
      needsFlush = false;
    }
    let removeError: unknown;
    if (pods.length > 0) {
      const uids = pods.map((p) => p.metadata?.uid ?? '');
      this.finalizerExpectations.expectRemoved(key, uids);
      await Promise.all(
        pods.map(async (pod, i) => {
          try {
            await this.removeFinalizerPatch(pod);
          } catch (err) {
            // No pod update will show this removal.
            this.finalizerExpectations.observed(key, uids[i]!);
            if (!isNotFound(err)) {
              removeError ??= err;
              return;
            }
          }
          withFinalizer.delete(uids[i]!);
        }),
      );
    }
    if (cleanUncounted(state.job.status!, withFinalizer)) needsFlush = true;
    if (removeError !== undefined) {
      // Some removals failed: record the partial progress first.
      if (needsFlush) await this.updateStatus(state);
      throw removeError;
    }
    return needsFlush;
  }

  /** enactJobFinished: adds Complete or Failed once nothing is uncounted or terminating. */
  private enactJobFinished(state: SyncState): boolean {
    const condition = state.finishedCondition;
    if (!condition) return false;
    const status = state.job.status!;
    const uncounted = status.uncountedTerminatedPods ?? {};
    if ((uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) > 0) return false;
    if (state.terminating > 0) return false;
    ensureCondition(state.job, condition.type, condition.status, condition.reason ?? '', condition.message ?? '', this.ctx.clock.now());
    if (condition.type === 'Complete') status.completionTime = condition.lastTransitionTime;
    return true;
  }

  private recordJobFinished(job: JobObject, condition: JobCondition): void {
    if (condition.type === 'Complete') {
      const completions = job.spec?.completions;
      if (completions !== undefined && (job.status?.succeeded ?? 0) > completions) {
        this.recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      this.recorder.event(job, 'Warning', condition.reason ?? '', condition.message ?? '');
    }
  }

  /** UpdateStatus with the working copy; later changes apply to what the server returned. */
  private async updateStatus(state: SyncState): Promise<void> {
    const job = state.job;
    const updated = await this.ctx.client.update<JobObject>(Resources.jobs, job.metadata?.namespace ?? '', { ...job, status: wireStatus(job.status ?? {}) }, { subresource: 'status' });
    const copy = structuredClone(updated);
    copy.status ??= {};
    copy.status.uncountedTerminatedPods ??= {};
    state.job = copy;
  }
}

/** A manageJob failure that still reports how many pods are active. */
class ManageError extends Error {
  constructor(
    readonly active: number,
    readonly error: unknown,
  ) {
    super(errorText(error));
  }
}

function trueCondition(job: Job, type: string): JobCondition | undefined {
  const condition = findCondition(job, type);
  return condition?.status === 'True' ? condition : undefined;
}

function isManagedElsewhere(job: Job): boolean {
  const managedBy = job.spec?.managedBy;
  return managedBy !== undefined && managedBy !== MANAGED_BY;
}

function withFinalizer(finalizers: readonly string[] | undefined): string[] {
  const list = [...(finalizers ?? [])];
  if (!list.includes(JOB_TRACKING_FINALIZER)) list.push(JOB_TRACKING_FINALIZER);
  return list;
}

/** JOB_COMPLETION_INDEX from the pod's index label, in every container without one. */
function addCompletionIndexEnv(template: PodTemplateSpec): void {
  const add = (container: Container) => {
    if (container.env?.some((e) => e.name === COMPLETION_INDEX_ENV)) return;
    (container.env ??= []).push({ name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` } } });
  };
  for (const container of template.spec?.initContainers ?? []) add(container);
  for (const container of template.spec?.containers ?? []) add(container);
}

/** cleanUncountedPodsWithoutFinalizers: uncounted pods whose finalizer is gone move into the counters. */
function cleanUncounted(status: JobStatus, withFinalizer: ReadonlySet<string>): boolean {
  const uncounted = (status.uncountedTerminatedPods ??= {});
  let updated = false;
  const succeeded = (uncounted.succeeded ?? []).filter((uid) => withFinalizer.has(uid));
  if (succeeded.length !== (uncounted.succeeded ?? []).length) {
    updated = true;
    status.succeeded = (status.succeeded ?? 0) + (uncounted.succeeded!.length - succeeded.length);
    uncounted.succeeded = succeeded;
  }
  const failed = (uncounted.failed ?? []).filter((uid) => withFinalizer.has(uid));
  if (failed.length !== (uncounted.failed ?? []).length) {
    updated = true;
    status.failed = (status.failed ?? 0) + (uncounted.failed!.length - failed.length);
    uncounted.failed = failed;
  }
  return updated;
}

export function newJobController(ctx: ControllerContext): Controller {
  return new JobController(ctx);
}
