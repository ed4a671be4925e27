import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { KubeObject } from '../../api/types.js';
import { FakeClock, Resources, isNotFound } from '../../client/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { newTtlAfterFinishedController } from './index.js';

checkLeaksAfterAll();

type JobObject = Job & KubeObject;

const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));
let cp: TestControlPlane;
let stopController: () => Promise<void>;

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function createJob(name: string, ttl: number | undefined): Promise<JobObject> {
  return cp.client.create<JobObject>(Resources.jobs, 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }),
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
    },
  });
}

async function finish(name: string, type: 'Complete' | 'Failed'): Promise<void> {
  const at = rfc3339(clock.now());
  await cp.client.patch(Resources.jobs, 'default', name, 'merge', { status: { startTime: at, conditions: [{ type, status: 'True', lastProbeTime: at, lastTransitionTime: at }] } }, { subresource: 'status' });
}

async function exists(name: string): Promise<boolean> {
  try {
    const job = await cp.client.get(Resources.jobs, 'default', name);
    return !job.metadata?.deletionTimestamp;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function quiet(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('TTL-after-finished controller', () => {
  before(async () => {
    cp = await startControlPlane({ clock });
    stopController = (await cp.run(newTtlAfterFinishedController)).stop;
  });

  after(async () => {
    await stopController();
    await cp.close();
  });

  test('deletes a finished Job ttlSecondsAfterFinished after it finished, pods first', async () => {
    const job = await createJob('done', 60);
    const pod = await cp.client.create(Resources.pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'done-pod', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'done', uid: job.metadata!.uid!, controller: true, blockOwnerDeletion: true }] },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    await finish('done', 'Complete');
    clock.advance(59_000);
    await quiet();
    assert.equal(await exists('done'), true);
    clock.advance(1_000);
    await eventually(async () => {
      assert.equal(await exists('done'), false);
      await assert.rejects(cp.client.get(Resources.pods, 'default', pod.metadata!.name!), (err) => isNotFound(err));
    });
  });

  test('failed Jobs are cleaned up too; ttl 0 means right away', async () => {
    await createJob('failed-now', 0);
    await finish('failed-now', 'Failed');
    await eventually(async () => assert.equal(await exists('failed-now'), false));
  });

  test('unfinished Jobs and Jobs without a TTL stay', async () => {
    await createJob('running', 10);
    await createJob('kept', undefined);
    await finish('kept', 'Complete');
    clock.advance(3600_000);
    await quiet();
    assert.equal(await exists('running'), true);
    assert.equal(await exists('kept'), true);
  });

  test('a TTL raised before it expires is honoured', async () => {
    await createJob('extended', 30);
    await finish('extended', 'Complete');
    clock.advance(10_000);
    await cp.client.patch(Resources.jobs, 'default', 'extended', 'merge', { spec: { ttlSecondsAfterFinished: 120 } });
    await quiet();
    clock.advance(25_000);
    await quiet();
    assert.equal(await exists('extended'), true);
    clock.advance(85_000);
    await eventually(async () => assert.equal(await exists('extended'), false));
  });

  test('no unexpected controller errors', () => {
    assert.deepEqual(cp.errors, []);
  });
});
