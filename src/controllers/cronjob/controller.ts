// The CronJob controller (pkg/controller/cronjob/cronjob_controllerv2.go): at
// each schedule time it creates a Job named after that time, honouring suspend,
// startingDeadlineSeconds and concurrencyPolicy (Allow, Forbid, Replace); it
// keeps status.active, lastScheduleTime and lastSuccessfulTime, prunes finished
// Jobs past the history limits, and requeues itself for the next schedule time
// on the controller's clock (the work queue owns those timers).

import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { Resources, WorkQueue, isAlreadyExists, isConflict, isNotFound, objectKey, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import type { Controller, ControllerContext } from '../index.js';
import { isParseError, loadZone, parseSchedule } from './cron.js';
import { compareByStartTime, formatRfc1123z, formatSchedule, jobFromTemplate, jobName, mostRecentScheduleTime, nextScheduleDelay } from './schedule.js';

export type CronJobObject = CronJob & KubeObject;
type JobObject = Job & KubeObject;

const COMPONENT = 'cronjob-controller';
const WORKERS = 5;
/** DefaultControllerRateLimiter's per-item backoff. */
const RETRY_BASE_MS = 5;
const RETRY_MAX_MS = 1000_000;

function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** The Complete or Failed condition that is True, if the Job finished. */
function finishedType(job: Job): 'Complete' | 'Failed' | undefined {
  const condition = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  return condition?.type as 'Complete' | 'Failed' | undefined;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hasStatusCause(err: unknown, type: string): boolean {
  const causes = (err as { status?: { details?: { causes?: Array<{ type?: string }> } } }).status?.details?.causes;
  return causes?.some((c) => c.type === type) ?? false;
}

function inActiveList(cronJob: CronJob, uid: string | undefined): boolean {
  return cronJob.status?.active?.some((ref) => ref.uid === uid) ?? false;
}

function deleteFromActiveList(cronJob: CronJob, uid: string | undefined): void {
  const status = (cronJob.status ??= {});
  status.active = (status.active ?? []).filter((ref) => ref.uid !== uid);
}

/** The outcome of one sync: when to look again, and whether the status changed. */
interface SyncResult {
  requeueAfter: number | undefined;
  updateStatus: boolean;
}

export class CronJobController implements Controller {
  readonly name = COMPONENT;
  private readonly cronJobs: Informer<CronJobObject>;
  private readonly jobs: Informer<JobObject>;
  private readonly queue: WorkQueue<string>;
  private readonly recorder: EventRecorder;
  private readonly handlers: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ clock: ctx.clock, baseDelayMs: RETRY_BASE_MS, maxDelayMs: RETRY_MAX_MS });
    this.recorder = ctx.recorder(COMPONENT);
    this.cronJobs = ctx.informers.informer<CronJobObject>(Resources.cronjobs);
    this.jobs = ctx.informers.informer<JobObject>(Resources.jobs);
    this.handlers.push(
      this.jobs.addHandlers({
        add: (job) => (job.metadata?.deletionTimestamp ? this.deleteJob(job) : this.enqueueOwner(job)),
        update: (oldJob, job) => this.updateJob(oldJob, job),
        delete: (job) => this.deleteJob(job),
      }),
      this.cronJobs.addHandlers({
        add: (cronJob) => this.queue.add(objectKey(cronJob)),
        update: (oldCronJob, cronJob) => this.updateCronJob(oldCronJob, cronJob),
        delete: (cronJob) => this.queue.add(objectKey(cronJob)),
      }),
    );
  }

  run(): void {
    this.workers = this.runWorkers();
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.splice(0)) handler.dispose();
    // Shutting the queue down cancels the timers of every scheduled requeue.
    this.queue.shutDown();
    await this.workers;
  }

  /** processNextWorkItem: a sync either fails (rate-limited retry) or names its next run. */
  private async runWorkers(): Promise<void> {
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        for (;;) {
          const key = await this.queue.get();
          if (key === undefined) return;
          try {
            const requeueAfter = await this.sync(key);
            if (requeueAfter !== undefined) {
              this.queue.forget(key);
              this.queue.addAfter(key, requeueAfter);
            }
          } catch (err) {
            if (!isConflict(err)) this.ctx.onError(err, `${COMPONENT}: syncing ${key}`);
            this.queue.addRateLimited(key);
          } finally {
            this.queue.done(key);
          }
        }
      }),
    );
  }

  // ---- event handlers ----

  private resolveControllerRef(namespace: string, ref: OwnerReference): CronJobObject | undefined {
    if (ref.kind !== 'CronJob') return undefined;
    const cronJob = this.cronJobs.get(namespace, ref.name);
    return cronJob?.metadata?.uid === ref.uid ? cronJob : undefined;
  }

  private enqueueOwner(job: JobObject): void {
    const ref = controllerRefOf(job);
    const cronJob = ref ? this.resolveControllerRef(job.metadata?.namespace ?? '', ref) : undefined;
    if (cronJob) this.queue.add(objectKey(cronJob));
  }

  private updateJob(oldJob: JobObject, job: JobObject): void {
    if (job.metadata?.resourceVersion === oldJob.metadata?.resourceVersion) return;
    const ref = controllerRefOf(job);
    const oldRef = controllerRefOf(oldJob);
    if (oldRef && JSON.stringify(ref) !== JSON.stringify(oldRef)) this.enqueueOwner(oldJob);
    if (ref) this.enqueueOwner(job);
  }

  private deleteJob(job: JobObject): void {
    this.enqueueOwner(job);
  }

  /** A new schedule or time zone moves the next run; other changes sync now. */
  private updateCronJob(oldCronJob: CronJobObject, cronJob: CronJobObject): void {
    const key = objectKey(cronJob);
    if (oldCronJob.spec?.schedule === cronJob.spec?.schedule && oldCronJob.spec?.timeZone === cronJob.spec?.timeZone) {
      this.queue.add(key);
      return;
    }
    const schedule = parseSchedule(formatSchedule(cronJob).spec);
    if (isParseError(schedule)) {
      this.recorder.event(cronJob, 'Warning', 'UnParseableCronJobSchedule', `unparseable schedule for cronjob: ${cronJob.spec?.schedule}`);
      return;
    }
    const delay = nextScheduleDelay(cronJob, this.ctx.clock.now(), schedule);
    if (delay !== undefined) this.queue.addAfter(key, delay);
  }

  // ---- sync ----

  /** sync: the delay until this CronJob should be looked at again, or undefined for never. */
  private async sync(key: string): Promise<number | undefined> {
    const { namespace, name } = splitKey(key);
    const shared = this.cronJobs.get(namespace, name);
    if (!shared) return undefined;
    // Jobs it controls, even those whose labels no longer match the template.
    const jobs = this.jobs.list(namespace).filter((job) => controllerRefOf(job)?.name === name);
    let cronJob = structuredClone(shared);
    const cleanedUp = await this.cleanupFinishedJobs(cronJob, jobs);
    let result: SyncResult;
    let syncError: unknown;
    try {
      const synced = await this.syncCronJob(cronJob, jobs);
      cronJob = synced.cronJob;
      result = synced.result;
    } catch (err) {
      syncError = err instanceof SyncError ? err.error : err;
      cronJob = err instanceof SyncError ? err.cronJob : cronJob;
      result = { requeueAfter: undefined, updateStatus: err instanceof SyncError ? err.updateStatus : false };
    }
    if (cleanedUp || result.updateStatus) await this.updateStatus(cronJob);
    if (result.requeueAfter !== undefined) return result.requeueAfter;
    if (syncError !== undefined) throw syncError;
    return undefined;
  }

  private async updateStatus(cronJob: CronJobObject): Promise<void> {
    const status = { ...cronJob.status };
    if (status.active?.length === 0) delete status.active;
    await this.ctx.client.update(Resources.cronjobs, cronJob.metadata?.namespace ?? '', { ...cronJob, status }, { subresource: 'status' });
  }

  /** syncCronJob. Failures after a status change carry it (SyncError) so it is still written. */
  private async syncCronJob(cronJob: CronJobObject, jobs: readonly JobObject[]): Promise<{ cronJob: CronJobObject; result: SyncResult }> {
    const now = this.ctx.clock.now();
    const namespace = cronJob.metadata?.namespace ?? '';
    let updateStatus = false;
    const fail = (error: unknown): never => {
      throw new SyncError(cronJob, updateStatus, error);
    };
    const done = (requeueAfter: number | undefined) => ({ cronJob, result: { requeueAfter, updateStatus } });

    const children = new Set<string>();
    for (const job of jobs) {
      const uid = job.metadata?.uid ?? '';
      children.add(uid);
      const found = inActiveList(cronJob, uid);
      const finished = finishedType(job);
      if (!found && !finished) {
        // The cache may lag our own status update: ask the API server.
        let fresh: CronJobObject;
        try {
          fresh = await this.ctx.client.get<CronJobObject>(Resources.cronjobs, namespace, cronJob.metadata?.name ?? '');
        } catch (err) {
          return fail(err);
        }
        if (inActiveList(fresh, uid)) {
          cronJob = structuredClone(fresh);
          continue;
        }
        this.recorder.event(cronJob, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name}`);
      } else if (found && finished) {
        deleteFromActiveList(cronJob, uid);
        this.recorder.event(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, status: ${finished}`);
        updateStatus = true;
      } else if (finished === 'Complete') {
        // Finished jobs need not be active to count for lastSuccessfulTime.
        const completed = job.status?.completionTime;
        const status = (cronJob.status ??= {});
        if (!status.lastSuccessfulTime) {
          status.lastSuccessfulTime = completed;
          updateStatus = true;
        }
        if (completed && status.lastSuccessfulTime && Date.parse(completed) > Date.parse(status.lastSuccessfulTime)) {
          status.lastSuccessfulTime = completed;
          updateStatus = true;
        }
      }
    }

    // Drop active references to Jobs that are gone, checking with the API server first.
    for (const ref of [...(cronJob.status?.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.ctx.client.get(Resources.jobs, ref.namespace ?? namespace, ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) return fail(err);
        this.recorder.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        deleteFromActiveList(cronJob, ref.uid);
        updateStatus = true;
      }
    }

    if (cronJob.metadata?.deletionTimestamp) return done(undefined);

    const timeZone = cronJob.spec?.timeZone;
    if (timeZone !== undefined && !loadZone(timeZone)) {
      this.recorder.event(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(timeZone)}: unknown time zone ${timeZone}`);
      return done(undefined);
    }
    if (cronJob.spec?.suspend) return done(undefined);

    const formatted = formatSchedule(cronJob);
    if (formatted.unsupportedTz) {
      this.recorder.event(
        cronJob,
        'Warning',
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule ${JSON.stringify(cronJob.spec?.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      );
    }
    const schedule = parseSchedule(formatted.spec);
    if (isParseError(schedule)) {
      this.recorder.event(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cronJob.spec?.schedule)} : ${schedule.error}`);
      return done(undefined);
    }

    // nextScheduleTime: the most recent unmet time; only that one runs.
    const recent = mostRecentScheduleTime(cronJob, now, schedule, true);
    if (recent.error !== undefined) {
      this.recorder.event(cronJob, 'Warning', 'InvalidSchedule', `invalid schedule: ${cronJob.spec?.schedule} : ${recent.error}`);
      return done(undefined);
    }
    const scheduledTime = recent.mostRecent !== undefined && recent.mostRecent <= now ? recent.mostRecent : undefined;
    if (scheduledTime !== undefined && recent.missed === 'many') {
      this.recorder.event(cronJob, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const next = () => done(nextScheduleDelay(cronJob, now, schedule));
    if (scheduledTime === undefined) return next();

    const deadline = cronJob.spec?.startingDeadlineSeconds;
    if (deadline !== undefined && scheduledTime + deadline * 1000 < now) {
      this.recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123z(scheduledTime)}`);
      return next();
    }
    const name = jobName(cronJob, scheduledTime);
    const lastSchedule = cronJob.status?.lastScheduleTime;
    if (cronJob.status?.active?.some((ref) => ref.name === name && ref.namespace === namespace) || (lastSchedule !== undefined && Date.parse(lastSchedule) === scheduledTime)) {
      // Already processed.
      return next();
    }
    const policy = cronJob.spec?.concurrencyPolicy;
    if (policy === 'Forbid' && (cronJob.status?.active?.length ?? 0) > 0) {
      this.recorder.event(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next();
    }
    if (policy === 'Replace') {
      for (const ref of [...(cronJob.status?.active ?? [])]) {
        let job: JobObject;
        try {
          job = await this.ctx.client.get<JobObject>(Resources.jobs, ref.namespace ?? namespace, ref.name ?? '');
        } catch (err) {
          this.recorder.event(cronJob, 'Warning', 'FailedGet', `Get job: ${errorText(err)}`);
          return fail(err);
        }
        if (!(await this.deleteJobOf(cronJob, job))) return fail(new Error(`could not replace job ${job.metadata?.namespace}/${job.metadata?.name}`));
        updateStatus = true;
      }
    }

    const request = jobFromTemplate(cronJob, scheduledTime) as JobObject;
    let created: JobObject;
    try {
      created = await this.ctx.client.create<JobObject>(Resources.jobs, namespace, request);
      this.recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name}`);
    } catch (err) {
      if (hasStatusCause(err, 'NamespaceTerminating')) return fail(err);
      if (!isAlreadyExists(err)) {
        this.recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${errorText(err)}`);
        return fail(err);
      }
      // Created before but not recorded (or by someone else): record it if it is ours.
      try {
        created = await this.ctx.client.get<JobObject>(Resources.jobs, namespace, name);
      } catch (getErr) {
        return fail(getErr);
      }
      const ref = controllerRefOf(created);
      if (ref?.uid !== cronJob.metadata?.uid || inActiveList(cronJob, created.metadata?.uid)) return done(undefined);
    }
    const reference: ObjectReference = {
      kind: 'Job',
      namespace: created.metadata?.namespace,
      name: created.metadata?.name,
      uid: created.metadata?.uid,
      apiVersion: 'batch/v1',
      resourceVersion: created.metadata?.resourceVersion,
    };
    const status = (cronJob.status ??= {});
    status.active = [...(status.active ?? []), reference];
    status.lastScheduleTime = rfc3339(scheduledTime);
    updateStatus = true;
    return next();
  }

  /** cleanupFinishedJobs: keeps the newest successful and failed Jobs up to the history limits. */
  private async cleanupFinishedJobs(cronJob: CronJobObject, jobs: readonly JobObject[]): Promise<boolean> {
    const successLimit = cronJob.spec?.successfulJobsHistoryLimit;
    const failedLimit = cronJob.spec?.failedJobsHistoryLimit;
    if (successLimit === undefined && failedLimit === undefined) return false;
    let updateStatus = false;
    const successful = jobs.filter((job) => finishedType(job) === 'Complete');
    const failed = jobs.filter((job) => finishedType(job) === 'Failed');
    if (successLimit !== undefined && (await this.removeOldestJobs(cronJob, successful, successLimit))) updateStatus = true;
    if (failedLimit !== undefined && (await this.removeOldestJobs(cronJob, failed, failedLimit))) updateStatus = true;
    return updateStatus;
  }

  private async removeOldestJobs(cronJob: CronJobObject, jobs: readonly JobObject[], keep: number): Promise<boolean> {
    const excess = jobs.length - keep;
    if (excess <= 0) return false;
    let updateStatus = false;
    for (const job of [...jobs].sort(compareByStartTime).slice(0, excess)) {
      if (await this.deleteJobOf(cronJob, job)) updateStatus = true;
    }
    return updateStatus;
  }

  /** deleteJob: the Job goes (background propagation), and its active reference with it. */
  private async deleteJobOf(cronJob: CronJobObject, job: JobObject): Promise<boolean> {
    try {
      await this.ctx.client.delete(Resources.jobs, job.metadata?.namespace ?? '', job.metadata?.name ?? '', { propagationPolicy: 'Background' });
    } catch (err) {
      this.recorder.event(cronJob, 'Warning', 'FailedDelete', `Deleted job: ${errorText(err)}`);
      return false;
    }
    deleteFromActiveList(cronJob, job.metadata?.uid);
    this.recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name}`);
    return true;
  }
}

/** A failed sync with the status it had changed so far. */
class SyncError extends Error {
  constructor(
    readonly cronJob: CronJobObject,
    readonly updateStatus: boolean,
    readonly error: unknown,
  ) {
    super(errorText(error));
  }
}

export function newCronJobController(ctx: ControllerContext): Controller {
  return new CronJobController(ctx);
}
