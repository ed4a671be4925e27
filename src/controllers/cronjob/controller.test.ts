import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newCronJobController, type CronJobObject } from './index.js';

checkLeaksAfterAll();

type JobObject = Job & KubeObject;

// Half a minute past 10:00 UTC, which is 11:00 in Berlin.
const clock = new FakeClock(Date.parse('2026-03-01T10:00:30Z'));
let cp: TestControlPlane;
let stopController: () => Promise<void>;
let namespaceCount = 0;

async function namespace(): Promise<string> {
  const name = `cron-${++namespaceCount}`;
  await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>>): CronJobObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } },
      },
      ...spec,
    },
  };
}

async function jobsOf(ns: string): Promise<JobObject[]> {
  const list = await cp.client.list<JobObject>(Resources.jobs, ns);
  return list.items.filter((j) => !j.metadata?.deletionTimestamp).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

async function getCronJob(ns: string, name: string): Promise<CronJobObject> {
  return cp.client.get<CronJobObject>(Resources.cronjobs, ns, name);
}

async function events(ns: string, name: string): Promise<string[]> {
  const list = await cp.client.list<Event & KubeObject>(Resources.events, ns, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

/** Moves the fake clock to an instant (UTC ISO string). */
function advanceTo(iso: string): void {
  const target = Date.parse(iso);
  assert.ok(target >= clock.now(), `${iso} is in the past`);
  clock.advance(target - clock.now());
}

/** Lets in-flight syncs finish and shows nothing else happened. */
async function quiet(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Ends a Job the way the Job controller would. */
async function finishJob(job: JobObject, type: 'Complete' | 'Failed'): Promise<void> {
  const at = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await cp.client.patch(
    Resources.jobs,
    job.metadata?.namespace ?? '',
    job.metadata?.name ?? '',
    'merge',
    {
      status: {
        startTime: job.status?.startTime ?? at,
        conditions: [{ type, status: 'True', lastProbeTime: at, lastTransitionTime: at }],
        ...(type === 'Complete' ? { completionTime: at, succeeded: 1 } : { failed: 1 }),
      },
    },
    { subresource: 'status' },
  );
}

/** Gives a Job the startTime the Job controller would (used to order history). */
async function startJob(job: JobObject): Promise<void> {
  const at = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await cp.client.patch(Resources.jobs, job.metadata?.namespace ?? '', job.metadata?.name ?? '', 'merge', { status: { startTime: at } }, { subresource: 'status' });
}

const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

describe('CronJob controller', () => {
  before(async () => {
    cp = await startControlPlane({ clock });
    stopController = (await cp.run(newCronJobController)).stop;
  });

  after(async () => {
    await stopController();
    await cp.close();
  });

  test('fires on the fake clock at the scheduled minute of its time zone', async () => {
    const ns = await namespace();
    const created = await cp.client.create<CronJobObject>(Resources.cronjobs, ns, cronJob('report', { schedule: '0 9 * * *', timeZone: 'Europe/Berlin' }));
    await quiet();
    assert.deepEqual(await jobsOf(ns), []);
    // 09:00 in Berlin on 2 March is 08:00 UTC.
    advanceTo('2026-03-02T07:59:59Z');
    await quiet();
    assert.deepEqual(await jobsOf(ns), []);
    advanceTo('2026-03-02T08:00:00.100Z');
    const [job] = await eventually(async () => {
      const jobs = await jobsOf(ns);
      assert.equal(jobs.length, 1);
      return jobs;
    });
    assert.equal(job!.metadata?.name, `report-${minutes('2026-03-02T08:00:00Z')}`);
    assert.equal(job!.metadata?.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], '2026-03-02T09:00:00+01:00');
    assert.equal(job!.metadata?.labels?.app, 'report');
    assert.deepEqual(job!.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    const status = await eventually(async () => {
      const current = await getCronJob(ns, 'report');
      assert.equal(current.status?.active?.length, 1);
      return current.status!;
    });
    assert.equal(status.lastScheduleTime, '2026-03-02T08:00:00Z');
    assert.deepEqual(status.active?.[0], { kind: 'Job', namespace: ns, name: job!.metadata?.name, uid: job!.metadata?.uid, apiVersion: 'batch/v1', resourceVersion: job!.metadata?.resourceVersion });
    assert.ok((await events(ns, 'report')).includes(`SuccessfulCreate: Created job ${job!.metadata?.name}`));

    // Finishing the Job clears it from active and sets lastSuccessfulTime.
    await finishJob(job!, 'Complete');
    await eventually(async () => {
      const current = await getCronJob(ns, 'report');
      assert.equal(current.status?.active, undefined);
      assert.equal(current.status?.lastSuccessfulTime, '2026-03-02T08:00:00Z');
    });
    assert.ok((await events(ns, 'report')).includes(`SawCompletedJob: Saw completed job: ${job!.metadata?.name}, status: Complete`));
    await cp.client.delete(Resources.cronjobs, ns, 'report');
  });

  test('Forbid holds a run while the previous Job is active; it starts once that one finishes', async () => {
    const ns = await namespace();
    advanceTo('2026-03-02T09:00:30Z');
    await cp.client.create(Resources.cronjobs, ns, cronJob('lock', { concurrencyPolicy: 'Forbid' }));
    advanceTo('2026-03-02T09:01:00.100Z');
    const [first] = await eventually(async () => {
      const jobs = await jobsOf(ns);
      assert.equal(jobs.length, 1);
      return jobs;
    });
    await eventually(async () => assert.equal((await getCronJob(ns, 'lock')).status?.active?.length, 1));
    advanceTo('2026-03-02T09:02:00.100Z');
    await eventually(async () => assert.ok((await events(ns, 'lock')).includes('JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid')));
    assert.equal((await jobsOf(ns)).length, 1);
    // Without a starting deadline the 09:02 run is still due when the first Job ends.
    advanceTo('2026-03-02T09:02:40Z');
    await finishJob(first!, 'Complete');
    const status = await eventually(async () => {
      assert.deepEqual(
        (await jobsOf(ns)).map((j) => j.metadata?.name),
        [`lock-${minutes('2026-03-02T09:01:00Z')}`, `lock-${minutes('2026-03-02T09:02:00Z')}`],
      );
      const current = (await getCronJob(ns, 'lock')).status;
      assert.equal(current?.active?.length, 1);
      return current;
    });
    assert.equal(status?.lastScheduleTime, '2026-03-02T09:02:00Z');
    assert.equal(status?.lastSuccessfulTime, '2026-03-02T09:02:40Z');
    await cp.client.delete(Resources.cronjobs, ns, 'lock');
  });

  test('Forbid with a starting deadline skips the held run', async () => {
    const ns = await namespace();
    await cp.client.create(Resources.cronjobs, ns, cronJob('strict-lock', { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 20 }));
    advanceTo('2026-03-02T09:03:00.100Z');
    const [first] = await eventually(async () => {
      const jobs = await jobsOf(ns);
      assert.equal(jobs.length, 1);
      return jobs;
    });
    await eventually(async () => assert.equal((await getCronJob(ns, 'strict-lock')).status?.active?.length, 1));
    advanceTo('2026-03-02T09:04:00.100Z');
    await eventually(async () => assert.ok((await events(ns, 'strict-lock')).some((e) => e.startsWith('JobAlreadyActive'))));
    advanceTo('2026-03-02T09:04:30Z');
    await finishJob(first!, 'Complete');
    await eventually(async () => assert.equal((await getCronJob(ns, 'strict-lock')).status?.active, undefined));
    await quiet();
    assert.equal((await jobsOf(ns)).length, 1);
    advanceTo('2026-03-02T09:05:00.100Z');
    await eventually(async () => {
      assert.deepEqual(
        (await jobsOf(ns)).map((j) => j.metadata?.name),
        [`strict-lock-${minutes('2026-03-02T09:03:00Z')}`, `strict-lock-${minutes('2026-03-02T09:05:00Z')}`],
      );
    });
    await cp.client.delete(Resources.cronjobs, ns, 'strict-lock');
  });

  test('Replace deletes the running Job and starts the new one', async () => {
    const ns = await namespace();
    await cp.client.create(Resources.cronjobs, ns, cronJob('swap', { concurrencyPolicy: 'Replace' }));
    advanceTo('2026-03-02T09:06:00.100Z');
    const [first] = await eventually(async () => {
      const jobs = await jobsOf(ns);
      assert.equal(jobs.length, 1);
      return jobs;
    });
    await eventually(async () => assert.equal((await getCronJob(ns, 'swap')).status?.active?.length, 1));
    advanceTo('2026-03-02T09:07:00.100Z');
    const second = await eventually(async () => {
      const jobs = await jobsOf(ns);
      assert.deepEqual(
        jobs.map((j) => j.metadata?.name),
        [`swap-${minutes('2026-03-02T09:07:00Z')}`],
      );
      const status = (await getCronJob(ns, 'swap')).status;
      assert.deepEqual(
        status?.active?.map((r) => r.name),
        [jobs[0]!.metadata?.name],
      );
      return jobs[0]!;
    });
    const recorded = await events(ns, 'swap');
    assert.ok(recorded.includes(`SuccessfulDelete: Deleted job ${first!.metadata?.name}`));
    assert.ok(recorded.includes(`SuccessfulCreate: Created job ${second.metadata?.name}`));
    await cp.client.delete(Resources.cronjobs, ns, 'swap');
  });

  test('history limits keep the newest successful and failed Jobs', async () => {
    const ns = await namespace();
    await cp.client.create(Resources.cronjobs, ns, cronJob('hist', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }));
    const outcomes: Array<'Complete' | 'Failed'> = ['Complete', 'Failed', 'Complete', 'Failed', 'Complete'];
    const names: string[] = [];
    for (const outcome of outcomes) {
      clock.advance(60_000 - (clock.now() % 60_000) + 100);
      const job = await eventually(async () => {
        const found = (await jobsOf(ns)).find((j) => !names.includes(j.metadata?.name ?? '') && !j.status?.conditions);
        assert.ok(found);
        return found;
      });
      names.push(job.metadata?.name ?? '');
      await startJob(job);
      await finishJob(job, outcome);
      await eventually(async () => assert.equal((await getCronJob(ns, 'hist')).status?.active, undefined));
    }
    await eventually(async () => {
      assert.deepEqual(
        (await jobsOf(ns)).map((j) => j.metadata?.name),
        [names[2], names[3], names[4]],
      );
    });
    const recorded = await events(ns, 'hist');
    for (const name of [names[0], names[1]]) assert.ok(recorded.includes(`SuccessfulDelete: Deleted job ${name}`));
    await cp.client.delete(Resources.cronjobs, ns, 'hist');
  });

  test('missed starts: only the most recent one runs, and more than 100 draw a warning', async () => {
    const ns = await namespace();
    advanceTo('2026-03-02T10:00:30Z');
    await cp.client.create(Resources.cronjobs, ns, cronJob('late', { suspend: true }));
    await cp.client.create(Resources.cronjobs, ns, cronJob('very-late', { suspend: true }));
    // Five minutes pass while suspended, then resuming runs only 10:05.
    advanceTo('2026-03-02T10:05:10Z');
    await cp.client.patch(Resources.cronjobs, ns, 'late', 'merge', { spec: { suspend: false } });
    await eventually(async () => {
      assert.deepEqual(
        (await jobsOf(ns)).map((j) => j.metadata?.name),
        [`late-${minutes('2026-03-02T10:05:00Z')}`],
      );
    });
    assert.ok(!(await events(ns, 'late')).some((e) => e.startsWith('TooManyMissedTimes')));
    // Three hours later, 180 missed minutes.
    advanceTo('2026-03-02T13:05:20Z');
    await cp.client.patch(Resources.cronjobs, ns, 'very-late', 'merge', { spec: { suspend: false } });
    await eventually(async () => {
      const names = (await jobsOf(ns)).map((j) => j.metadata?.name);
      assert.ok(names.includes(`very-late-${minutes('2026-03-02T13:05:00Z')}`));
      assert.equal(names.filter((n) => n?.startsWith('very-late-')).length, 1);
    });
    assert.ok((await events(ns, 'very-late')).includes('TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'));
    await cp.client.delete(Resources.cronjobs, ns, 'late');
    await cp.client.delete(Resources.cronjobs, ns, 'very-late');
  });

  test('startingDeadlineSeconds: a start later than the deadline is skipped until the next time', async () => {
    const ns = await namespace();
    advanceTo('2026-03-02T14:00:30Z');
    await cp.client.create(Resources.cronjobs, ns, cronJob('strict', { suspend: true, startingDeadlineSeconds: 30 }));
    advanceTo('2026-03-02T14:05:45Z');
    await cp.client.patch(Resources.cronjobs, ns, 'strict', 'merge', { spec: { suspend: false } });
    await quiet();
    assert.deepEqual(await jobsOf(ns), []);
    advanceTo('2026-03-02T14:06:00.100Z');
    await eventually(async () => {
      assert.deepEqual(
        (await jobsOf(ns)).map((j) => j.metadata?.name),
        [`strict-${minutes('2026-03-02T14:06:00Z')}`],
      );
    });
    await cp.client.delete(Resources.cronjobs, ns, 'strict');
  });

  test('no unexpected controller errors', () => {
    assert.deepEqual(cp.errors, []);
  });

  test('stop cancels every requeue timer it scheduled', async () => {
    const ns = await namespace();
    await cp.client.create(Resources.cronjobs, ns, cronJob('pending', { schedule: '@hourly' }));
    await eventually(() => assert.ok(clock.pending > 0));
    await stopController();
    assert.equal(clock.pending, 0);
  });
});
