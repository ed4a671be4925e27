import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CronJob } from 'kubernetes-types/batch/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { isParseError, parseSchedule, type CronSchedule } from './cron.js';
import { compareByStartTime, formatRfc1123z, formatSchedule, jobFromTemplate, mostRecentScheduleTime, nextScheduleDelay } from './schedule.js';

checkLeaksAfterAll();

function schedule(spec: string): CronSchedule {
  const parsed = parseSchedule(spec);
  if (isParseError(parsed)) throw new Error(parsed.error);
  return parsed;
}

const t = (iso: string) => Date.parse(iso);

function cronJob(spec: Partial<NonNullable<CronJob['spec']>>, status: CronJob['status'] = {}): CronJob {
  return {
    metadata: { name: 'cj', uid: 'uid-1', creationTimestamp: '2026-01-01T10:00:30Z' },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: {} } }, ...spec },
    status,
  };
}

test('most recent schedule time: none yet, one due, several missed, many missed', () => {
  const s = schedule('*/5 * * * *');
  assert.deepEqual(mostRecentScheduleTime(cronJob({}), t('2026-01-01T10:04:00Z'), s, true), { earliest: t('2026-01-01T10:00:30Z'), mostRecent: undefined, missed: 'none' });
  assert.equal(mostRecentScheduleTime(cronJob({}), t('2026-01-01T10:07:00Z'), s, true).mostRecent, t('2026-01-01T10:05:00Z'));
  const several = mostRecentScheduleTime(cronJob({}), t('2026-01-01T10:31:00Z'), s, true);
  assert.equal(several.mostRecent, t('2026-01-01T10:30:00Z'));
  assert.equal(several.missed, 'few');
  const many = mostRecentScheduleTime(cronJob({}, { lastScheduleTime: '2026-01-01T10:00:00Z' }), t('2026-01-03T10:02:00Z'), s, true);
  assert.equal(many.mostRecent, t('2026-01-03T10:00:00Z'));
  assert.equal(many.missed, 'many');
});

test('startingDeadlineSeconds moves the earliest time considered', () => {
  const s = schedule('*/5 * * * *');
  const late = cronJob({ startingDeadlineSeconds: 60 });
  assert.equal(mostRecentScheduleTime(late, t('2026-01-01T10:07:00Z'), s, true).mostRecent, undefined);
  assert.equal(mostRecentScheduleTime(late, t('2026-01-01T10:05:50Z'), s, true).mostRecent, t('2026-01-01T10:05:00Z'));
  // Without the deadline (next requeue), the missed time still counts.
  assert.equal(mostRecentScheduleTime(late, t('2026-01-01T10:07:00Z'), s, false).mostRecent, t('2026-01-01T10:05:00Z'));
});

test('a schedule that never fires twice is an error, not a busy loop', () => {
  const never = schedule('0 0 30 2 *');
  assert.equal(mostRecentScheduleTime(cronJob({}), t('2026-06-01T00:00:00Z'), never, true).error, 'time difference between two schedules is less than 1 second');
  assert.equal(nextScheduleDelay(cronJob({}), t('2026-06-01T00:00:00Z'), never), undefined);
});

test('the next requeue lands 100 ms after the next schedule time', () => {
  const s = schedule('*/5 * * * *');
  assert.equal(nextScheduleDelay(cronJob({}, { lastScheduleTime: '2026-01-01T10:05:00Z' }), t('2026-01-01T10:06:00Z'), s), 4 * 60_000 + 100);
  assert.equal(nextScheduleDelay(cronJob({}), t('2026-01-01T10:01:00Z'), s), 4 * 60_000 + 100);
});

test('timeZone becomes a TZ= prefix; a TZ in the schedule itself is flagged', () => {
  assert.deepEqual(formatSchedule(cronJob({ timeZone: 'Europe/Berlin' })), { spec: 'TZ=Europe/Berlin */5 * * * *', unsupportedTz: false });
  assert.deepEqual(formatSchedule(cronJob({ schedule: 'CRON_TZ=UTC 0 * * * *' })), { spec: 'CRON_TZ=UTC 0 * * * *', unsupportedTz: true });
  assert.deepEqual(formatSchedule(cronJob({ timeZone: 'Nowhere/Land' })), { spec: '*/5 * * * *', unsupportedTz: false });
});

test('the Job of a run: name in minutes since the epoch, scheduled-timestamp annotation, controller reference', () => {
  const job = jobFromTemplate(
    cronJob({ timeZone: 'America/New_York', jobTemplate: { metadata: { labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { backoffLimit: 2, template: {} } } }),
    t('2026-01-01T15:00:00Z'),
  );
  assert.deepEqual(job.metadata, {
    name: `cj-${t('2026-01-01T15:00:00Z') / 60_000}`,
    labels: { a: 'b' },
    annotations: { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2026-01-01T10:00:00-05:00' },
    ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'uid-1', controller: true, blockOwnerDeletion: true }],
  });
  assert.deepEqual(job.spec, { backoffLimit: 2, template: {} });
});

test('history is pruned oldest start first, unstarted last, names breaking ties', () => {
  const job = (name: string, startTime?: string) => ({ metadata: { name }, status: startTime ? { startTime } : {} });
  const sorted = [job('c'), job('b', '2026-01-01T10:00:00Z'), job('a', '2026-01-01T10:00:00Z'), job('d', '2026-01-01T09:00:00Z')].sort(compareByStartTime);
  assert.deepEqual(
    sorted.map((j) => j.metadata.name),
    ['d', 'a', 'b', 'c'],
  );
});

test('MissSchedule prints times as RFC1123Z in UTC', () => {
  assert.equal(formatRfc1123z(t('2026-03-02T08:05:00Z')), 'Mon, 02 Mar 2026 08:05:00 +0000');
});
