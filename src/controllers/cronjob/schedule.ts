// When a CronJob runs (pkg/controller/cronjob/utils.go): the most recent
// unmet schedule time, how many were missed, when to look again, and the Job a
// run creates. Pure: no I/O.

import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { formatRfc3339, loadZone, type CronSchedule } from './cron.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** nextScheduleDelta: requeues land a little after the schedule, against clock skew. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
const MANY_MISSED = 100;

export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  /** The last schedule time, or the creation time (or the starting deadline when later). */
  readonly earliest: number;
  /** The most recent schedule time not after now, if any. */
  readonly mostRecent: number | undefined;
  readonly missed: Missed;
  /** A schedule that is valid but never fires twice a second apart (30 February). */
  readonly error?: string;
}

function millis(time: string | undefined): number | undefined {
  return time ? Date.parse(time) : undefined;
}

/** mostRecentScheduleTime. */
export function mostRecentScheduleTime(cronJob: CronJob, nowMs: number, schedule: CronSchedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = millis(cronJob.status?.lastScheduleTime) ?? millis(cronJob.metadata?.creationTimestamp) ?? 0;
  const deadline = cronJob.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline !== undefined) {
    // Nothing before the starting deadline is scheduled any more.
    earliest = Math.max(earliest, nowMs - deadline * 1000);
  }
  const t1 = schedule.next(earliest);
  const t2 = t1 === undefined ? undefined : schedule.next(t1);
  // Go's zero time stands for "never": no two activations a second apart.
  const tooClose = { earliest, mostRecent: undefined, missed: 'none', error: 'time difference between two schedules is less than 1 second' } as const;
  if (t1 === undefined) return tooClose;
  if (nowMs < t1) return { earliest, mostRecent: undefined, missed: 'none' };
  if (t2 === undefined) return tooClose;
  if (nowMs < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return tooClose;
  const elapsed = Math.trunc((nowMs - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Starts a step before the estimate so irregular schedules land right.
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest); t !== undefined && t <= nowMs; t = schedule.next(t)) mostRecent = t;
  const missed: Missed = missedCount > MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/** nextScheduleTimeDuration: how long until the next run, plus the delta; undefined when it never runs. */
export function nextScheduleDelay(cronJob: CronJob, nowMs: number, schedule: CronSchedule): number | undefined {
  const { earliest, mostRecent, missed, error } = mostRecentScheduleTime(cronJob, nowMs, schedule, false);
  let from: number;
  if (error !== undefined) from = nowMs;
  else if (mostRecent !== undefined) from = mostRecent;
  else from = missed === 'none' ? earliest : nowMs;
  const next = schedule.next(from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - nowMs;
}

/** formatSchedule: the spec with spec.timeZone as a TZ= prefix, and whether the spec had its own TZ. */
export function formatSchedule(cronJob: CronJob): { readonly spec: string; readonly unsupportedTz: boolean } {
  const schedule = cronJob.spec?.schedule ?? '';
  if (schedule.includes('TZ')) return { spec: schedule, unsupportedTz: true };
  const zone = cronJob.spec?.timeZone;
  if (zone !== undefined && loadZone(zone)) return { spec: `TZ=${zone} ${schedule}`, unsupportedTz: false };
  return { spec: schedule, unsupportedTz: false };
}

/** getJobName: "<cronjob>-<scheduled time in minutes since the epoch>". */
export function jobName(cronJob: CronJob, scheduledMs: number): string {
  return `${cronJob.metadata?.name ?? ''}-${Math.floor(Math.floor(scheduledMs / 1000) / 60)}`;
}

/** getJobFromTemplate2: the Job a run creates, named after its scheduled time and owned by the CronJob. */
export function jobFromTemplate(cronJob: CronJob, scheduledMs: number): Job {
  const template = cronJob.spec?.jobTemplate;
  const zone = loadZone(cronJob.spec?.timeZone ?? '');
  if (!zone) throw new Error(`unknown time zone ${cronJob.spec?.timeZone}`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cronJob, scheduledMs),
      labels: { ...template?.metadata?.labels },
      annotations: { ...template?.metadata?.annotations, [SCHEDULED_TIMESTAMP_ANNOTATION]: formatRfc3339(scheduledMs, zone) },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: cronJob.metadata?.name ?? '', uid: cronJob.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: structuredClone(template?.spec ?? { template: {} }),
  };
}

/** byJobStartTime: started before unstarted, earlier first, then by name. */
export function compareByStartTime(a: Job, b: Job): number {
  const startA = millis(a.status?.startTime);
  const startB = millis(b.status?.startTime);
  if (startA === undefined && startB !== undefined) return 1;
  if (startA !== undefined && startB === undefined) return -1;
  if (startA === startB) return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : (a.metadata?.name ?? '') > (b.metadata?.name ?? '') ? 1 : 0;
  return startA! - startB!;
}

/** RFC1123Z as MissSchedule prints it: "Mon, 02 Jan 2006 15:04:05 -0700", in UTC. */
export function formatRfc1123z(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
