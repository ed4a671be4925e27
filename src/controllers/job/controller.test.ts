import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newJobController, type JobObject, type PodObject } from './index.js';

checkLeaksAfterAll();

const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
let cp: TestControlPlane;
let stopController: () => Promise<void>;


let namespaceCount = 0;
async function namespace(): Promise<string> {
  const name = `job-${++namespaceCount}`;
  await cp.client.create(Resources.namespaces, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function jobSpec(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): JobObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } }, ...spec },
  };
}

async function createJob(ns: string, job: JobObject): Promise<JobObject> {
  return cp.client.create<JobObject>(Resources.jobs, ns, job);
}

async function getJob(ns: string, name: string): Promise<JobObject> {
  return cp.client.get<JobObject>(Resources.jobs, ns, name);
}

async function podsOf(ns: string): Promise<PodObject[]> {
  const list = await cp.client.list<PodObject>(Resources.pods, ns);
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

const running = (pods: readonly Pod[]) => pods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');

/** Ends a pod the way a kubelet would report it. */
async function finishPod(pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1): Promise<void> {
  const at = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await cp.client.patch(
    Resources.pods,
    pod.metadata?.namespace ?? '',
    pod.metadata?.name ?? '',
    'merge',
    {
      status: {
        phase,
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at }],
        containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, startedAt: at, finishedAt: at } } }],
      },
    },
    { subresource: 'status' },
  );
}

/**
 * Lets the controller work: pod events and status updates sync after a one-second
 * batch period, so the fake clock moves a second at a time until the assertion holds.
 */
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

async function events(ns: string, name: string): Promise<string[]> {
  await eventually(() => true);
  const list = await cp.client.list<Event & KubeObject>(Resources.events, ns, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

function condition(job: Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type);
}

describe('Job controller', () => {
  before(async () => {
    cp = await startControlPlane({ clock });
    stopController = (await cp.run(newJobController)).stop;
  });

  after(async () => {
    await stopController();
    await cp.close();
  });

  test('runs parallelism pods until completions succeed, then SuccessCriteriaMet and Complete', async () => {
    const ns = await namespace();
    const created = await createJob(ns, jobSpec('pi', { completions: 3, parallelism: 2 }));
    const first = await settle(async () => {
      const pods = await podsOf(ns);
      assert.equal(pods.length, 2);
      return pods;
    });
    for (const pod of first) {
      assert.match(pod.metadata?.name ?? '', /^pi-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata?.finalizers, ['batch.kubernetes.io/job-tracking']);
      assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: created.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
      assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/job-name'], 'pi');
      assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/controller-uid'], created.metadata?.uid);
    }
    await settle(async () => {
      const job = await getJob(ns, 'pi');
      assert.equal(job.status?.active, 2);
      assert.equal(job.status?.ready, 0);
      assert.ok(Date.parse(job.status?.startTime ?? '') >= Date.parse(created.metadata?.creationTimestamp ?? ''));
    });

    await finishPod(first[0]!, 'Succeeded');
    // One success leaves two to go: two pods run again, the finished one loses its finalizer.
    await settle(async () => {
      const pods = await podsOf(ns);
      assert.equal(pods.length, 3);
      assert.equal(running(pods).length, 2);
      const done = pods.find((p) => p.metadata?.name === first[0]!.metadata?.name);
      assert.deepEqual(done?.metadata?.finalizers ?? [], []);
      const job = await getJob(ns, 'pi');
      assert.equal(job.status?.succeeded, 1);
      assert.deepEqual(job.status?.uncountedTerminatedPods, {});
    });

    for (const pod of running(await podsOf(ns))) await finishPod(pod, 'Succeeded');
    const job = await settle(async () => {
      const current = await getJob(ns, 'pi');
      assert.equal(condition(current, 'Complete')?.status, 'True');
      return current;
    });
    assert.equal(job.status?.succeeded, 3);
    assert.equal(job.status?.active, undefined);
    assert.equal(job.status?.terminating, 0);
    assert.ok(job.status?.completionTime);
    assert.deepEqual(
      job.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
    );
    for (const pod of await podsOf(ns)) assert.deepEqual(pod.metadata?.finalizers ?? [], []);
    const recorded = await events(ns, 'pi');
    assert.equal(recorded.filter((e) => e.startsWith('SuccessfulCreate: Created pod: pi-')).length, 3);
    assert.ok(recorded.includes('Completed: Job completed'));
  });

  test('failed pods are replaced after the pod-failure backoff until backoffLimit is exceeded', async () => {
    const ns = await namespace();
    await createJob(ns, jobSpec('flaky', { backoffLimit: 1 }));
    const [pod] = await settle(async () => {
      const pods = await podsOf(ns);
      assert.equal(pods.length, 1);
      return pods;
    });
    const failedAt = clock.now();
    await finishPod(pod!, 'Failed');
    await settle(async () => assert.equal((await getJob(ns, 'flaky')).status?.failed, 1));
    // The replacement waits 10 s after the failure.
    while (clock.now() - failedAt < 9000) {
      clock.advance(1000);
      await eventually(() => true, { timeoutMs: 20 });
      assert.equal((await podsOf(ns)).length, 1);
    }
    const [replacement] = await settle(async () => {
      const live = running(await podsOf(ns));
      assert.equal(live.length, 1);
      return live;
    });
    assert.ok(clock.now() - failedAt >= 10_000);

    await finishPod(replacement!, 'Failed');
    const job = await settle(async () => {
      const current = await getJob(ns, 'flaky');
      assert.equal(condition(current, 'Failed')?.status, 'True');
      return current;
    });
    assert.equal(job.status?.failed, 2);
    assert.deepEqual(
      job.status?.conditions?.map((c) => [c.type, c.reason, c.message]),
      [
        ['FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
        ['Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'],
      ],
    );
    assert.equal(job.status?.completionTime, undefined);
    assert.ok((await events(ns, 'flaky')).includes('BackoffLimitExceeded: Job has reached the specified backoff limit'));
  });

  test('activeDeadlineSeconds fails the Job and deletes its active pods', async () => {
    const ns = await namespace();
    await createJob(ns, jobSpec('slow', { parallelism: 2, completions: 4, activeDeadlineSeconds: 30 }));
    const pods = await settle(async () => {
      const list = await podsOf(ns);
      assert.equal(list.length, 2);
      return list;
    });
    const start = Date.parse((await getJob(ns, 'slow')).status!.startTime!);
    clock.advance(start + 29_000 - clock.now());
    await eventually(() => true, { timeoutMs: 50 });
    assert.equal(condition(await getJob(ns, 'slow'), 'FailureTarget'), undefined);
    const job = await settle(async () => {
      const current = await getJob(ns, 'slow');
      assert.equal(condition(current, 'Failed')?.reason, 'DeadlineExceeded');
      return current;
    });
    assert.equal(condition(job, 'Failed')?.message, 'Job was active longer than specified deadline');
    assert.ok(Date.parse(condition(job, 'FailureTarget')!.lastTransitionTime!) >= start + 30_000);
    assert.equal(job.status?.failed, 2);
    assert.equal(job.status?.active, undefined);
    await settle(async () => assert.deepEqual(await podsOf(ns), []));
    const recorded = await events(ns, 'slow');
    for (const pod of pods) assert.ok(recorded.includes(`SuccessfulDelete: Deleted pod: ${pod.metadata?.name}`));
    assert.ok(recorded.includes('DeadlineExceeded: Job was active longer than specified deadline'));
  });

  test('Indexed Jobs give each pod its index, hostname and JOB_COMPLETION_INDEX, and track completedIndexes', async () => {
    const ns = await namespace();
    await createJob(ns, jobSpec('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await settle(async () => {
      const list = await podsOf(ns);
      assert.equal(list.length, 3);
      return list;
    });
    const byIndex = new Map(pods.map((p) => [p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    for (const [index, pod] of byIndex) {
      assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], index);
      assert.match(pod.metadata?.name ?? '', new RegExp(`^idx-${index}-[a-z0-9]{5}$`));
      assert.equal(pod.spec?.hostname, `idx-${index}`);
      assert.deepEqual(pod.spec?.containers[0]?.env, [
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } },
      ]);
    }
    await finishPod(byIndex.get('0')!, 'Succeeded');
    await finishPod(byIndex.get('2')!, 'Succeeded');
    await finishPod(byIndex.get('1')!, 'Failed');
    await settle(async () => {
      const job = await getJob(ns, 'idx');
      assert.equal(job.status?.completedIndexes, '0,2');
      assert.equal(job.status?.succeeded, 2);
      assert.equal(job.status?.failed, 1);
    });
    // Index 1 is recreated after the backoff.
    const replacement = await settle(async () => {
      const live = running(await podsOf(ns));
      assert.equal(live.length, 1);
      return live[0]!;
    });
    assert.equal(replacement.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], '1');
    await finishPod(replacement, 'Succeeded');
    const job = await settle(async () => {
      const current = await getJob(ns, 'idx');
      assert.equal(condition(current, 'Complete')?.status, 'True');
      return current;
    });
    assert.equal(job.status?.completedIndexes, '0-2');
    assert.equal(job.status?.succeeded, 3);
  });

  test('a suspended Job runs no pods; resuming starts them and resets startTime', async () => {
    const ns = await namespace();
    await createJob(ns, jobSpec('later', { suspend: true, parallelism: 2, completions: 2 }));
    const suspended = await settle(async () => {
      const job = await getJob(ns, 'later');
      assert.equal(condition(job, 'Suspended')?.status, 'True');
      return job;
    });
    assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
    assert.equal(suspended.status?.startTime, undefined);
    assert.deepEqual(await podsOf(ns), []);

    clock.advance(60_000);
    const resumedAt = Math.floor(clock.now() / 1000) * 1000;
    await cp.client.patch(Resources.jobs, ns, 'later', 'merge', { spec: { suspend: false } });
    const resumed = await settle(async () => {
      const job = await getJob(ns, 'later');
      assert.equal(condition(job, 'Suspended')?.status, 'False');
      assert.equal(running(await podsOf(ns)).length, 2);
      return job;
    });
    assert.equal(condition(resumed, 'Suspended')?.reason, 'JobResumed');
    // activeDeadlineSeconds counts from the resume.
    assert.ok(Date.parse(resumed.status?.startTime ?? '') >= resumedAt);

    await cp.client.patch(Resources.jobs, ns, 'later', 'merge', { spec: { suspend: true } });
    await settle(async () => {
      assert.deepEqual(await podsOf(ns), []);
      const job = await getJob(ns, 'later');
      assert.equal(condition(job, 'Suspended')?.status, 'True');
      assert.equal(job.status?.active, undefined);
    });
    const recorded = await events(ns, 'later');
    assert.ok(recorded.includes('Suspended: Job suspended'));
    assert.ok(recorded.includes('Resumed: Job resumed'));
  });

  test('a deleted Job lets go of its pods: tracking finalizers are removed', async () => {
    const ns = await namespace();
    await createJob(ns, jobSpec('gone', { parallelism: 2, completions: 2 }));
    await settle(async () => assert.equal((await podsOf(ns)).length, 2));
    await cp.client.delete(Resources.jobs, ns, 'gone', { propagationPolicy: 'Orphan' });
    await settle(async () => {
      const pods = await podsOf(ns);
      assert.equal(pods.length, 2);
      for (const pod of pods) assert.deepEqual(pod.metadata?.finalizers ?? [], []);
    });
  });

  test('podFailurePolicy: a FailJob rule fails the Job at once; Ignore does not count', async () => {
    const ns = await namespace();
    await createJob(
      ns,
      jobSpec('policy', {
        backoffLimit: 0,
        podFailurePolicy: {
          rules: [
            { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } },
          ],
        },
      }),
    );
    const [first] = await settle(async () => {
      const pods = await podsOf(ns);
      assert.equal(pods.length, 1);
      return pods;
    });
    // Exit code 7 is ignored: not counted against backoffLimit 0, and replaced.
    await finishPod(first!, 'Failed', 7);
    const [second] = await settle(async () => {
      const live = running(await podsOf(ns));
      assert.equal(live.length, 1);
      return live;
    });
    assert.equal((await getJob(ns, 'policy')).status?.failed, undefined);
    await finishPod(second!, 'Failed', 42);
    const job = await settle(async () => {
      const current = await getJob(ns, 'policy');
      assert.equal(condition(current, 'Failed')?.status, 'True');
      return current;
    });
    const message = `Container main for pod ${ns}/${second!.metadata?.name} failed with exit code 42 matching FailJob rule at index 0`;
    assert.deepEqual(
      job.status?.conditions?.map((c) => [c.type, c.reason, c.message]),
      [
        ['FailureTarget', 'PodFailurePolicy', message],
        ['Failed', 'PodFailurePolicy', message],
      ],
    );
    assert.equal(job.status?.failed, 1);
  });

  test('no unexpected controller errors', () => {
    assert.deepEqual(cp.errors, []);
  });
});
