// The three batch controllers together, as the controller manager runs them:
// a CronJob run becomes a Job, its pod succeeds, the Job completes, the CronJob
// records the success and the finished Job is deleted after its TTL.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newJobController } from '../job/index.js';
import { newTtlAfterFinishedController } from '../ttlafterfinished/index.js';
import { newCronJobController, type CronJobObject } from './index.js';

checkLeaksAfterAll();

const clock = new FakeClock(Date.parse('2026-03-01T10:00:30Z'));
let cp: TestControlPlane;
let stopControllers: () => Promise<void>;

/** Moves the fake clock a second at a time (the Job controller batches pod events by a second). */
async function settle<T>(assertion: () => T | Promise<T>, maxSeconds = 30): Promise<T> {
  for (let step = 0; ; step++) {
    try {
      return await eventually(assertion, { timeoutMs: 150 });
    } catch (err) {
      if (step >= maxSeconds) throw err;
      clock.advance(1000);
    }
  }
}

describe('batch controllers together', () => {
  before(async () => {
    cp = await startControlPlane({ clock });
    stopControllers = (await cp.run(newCronJobController, newJobController, newTtlAfterFinishedController)).stop;
  });

  after(async () => {
    await stopControllers();
    await cp.close();
  });

  test('a CronJob run completes, is recorded as the last success and expires after its TTL', async () => {
    await cp.client.create<CronJobObject>(Resources.cronjobs, 'default', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '30 2 * * *',
        timeZone: 'Asia/Tokyo',
        jobTemplate: { spec: { ttlSecondsAfterFinished: 300, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } } } },
      },
    });
    // 02:30 in Tokyo on 2 March is 17:30 UTC on 1 March.
    clock.advance(Date.parse('2026-03-01T17:30:00.100Z') - clock.now());
    const pod = await settle(async () => {
      const pods = await cp.client.list<Pod & KubeObject>(Resources.pods, 'default');
      assert.equal(pods.items.length, 1);
      return pods.items[0]!;
    });
    const jobName = pod.metadata?.labels?.['batch.kubernetes.io/job-name'];
    assert.equal(jobName, `nightly-${Date.parse('2026-03-01T17:30:00Z') / 60_000}`);

    await cp.client.patch(Resources.pods, 'default', pod.metadata!.name!, 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    const job = await settle(async () => {
      const current = await cp.client.get<Job & KubeObject>(Resources.jobs, 'default', jobName!);
      assert.ok(current.status?.completionTime);
      return current;
    });
    const status = await settle(async () => {
      const current = (await cp.client.get<CronJobObject>(Resources.cronjobs, 'default', 'nightly')).status;
      assert.equal(current?.active, undefined);
      assert.ok(current?.lastSuccessfulTime);
      return current;
    });
    assert.equal(status?.lastSuccessfulTime, job.status?.completionTime);
    assert.equal(status?.lastScheduleTime, '2026-03-01T17:30:00Z');

    clock.advance(Date.parse(job.status!.completionTime!) + 300_000 - clock.now());
    await eventually(async () => {
      const jobs = await cp.client.list(Resources.jobs, 'default');
      assert.deepEqual(jobs.items, []);
      const pods = await cp.client.list(Resources.pods, 'default');
      assert.deepEqual(pods.items, []);
    });
  });

  test('no unexpected controller errors', () => {
    assert.deepEqual(cp.errors, []);
  });
});
