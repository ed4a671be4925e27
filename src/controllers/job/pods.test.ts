import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { compareForDeletion, finishedTime, isPodFailed, matchPodFailurePolicy, nextBackoffRecord, NO_BACKOFF, pastBackoffLimitOnFailure, remainingBackoffMs } from './pods.js';

checkLeaksAfterAll();

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function failedAt(s: number, name = 'p'): Pod {
  return { metadata: { name, namespace: 'ns' }, status: { phase: 'Failed', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, finishedAt: at(s) } } }] } };
}

function succeededAt(s: number): Pod {
  return { status: { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at(s) }] } };
}

test('pod-failure backoff: 10 s, doubling per failure after the last success, capped at 10 minutes', () => {
  let record = nextBackoffRecord(NO_BACKOFF, [], [failedAt(0)]);
  assert.equal(remainingBackoffMs(record, T0), 10_000);
  assert.equal(remainingBackoffMs(record, T0 + 4_000), 6_000);
  assert.equal(remainingBackoffMs(record, T0 + 11_000), 0);
  record = nextBackoffRecord(record, [], [failedAt(20), failedAt(30)]);
  assert.equal(record.failuresAfterLastSuccess, 3);
  assert.equal(remainingBackoffMs(record, T0 + 30_000), 40_000);
  record = nextBackoffRecord(record, [], Array.from({ length: 10 }, () => failedAt(30)));
  assert.equal(remainingBackoffMs(record, T0 + 30_000), 600_000);
  // A success resets the count; only failures after it count.
  record = nextBackoffRecord(record, [succeededAt(40)], [failedAt(35), failedAt(45)]);
  assert.deepEqual(record, { failuresAfterLastSuccess: 1, lastFailureTime: T0 + 45_000 });
  assert.deepEqual(nextBackoffRecord(record, [succeededAt(50)], []), NO_BACKOFF);
});

test('finish time: containers, then Ready=False, then deletion less grace, then creation', () => {
  assert.equal(finishedTime(failedAt(7)), T0 + 7000);
  assert.equal(finishedTime(succeededAt(8)), T0 + 8000);
  assert.equal(finishedTime({ metadata: { deletionTimestamp: at(40), deletionGracePeriodSeconds: 30 } }), T0 + 10_000);
  assert.equal(finishedTime({ metadata: { creationTimestamp: at(3) } }), T0 + 3000);
});

test('deleted pods count as failed unless only failed pods are replaced', () => {
  const job: Job = { spec: { template: {} } };
  const deleting: Pod = { metadata: { deletionTimestamp: at(1) }, status: { phase: 'Running' } };
  assert.equal(isPodFailed(deleting, job), true);
  assert.equal(isPodFailed(deleting, { spec: { template: {}, podReplacementPolicy: 'Failed' } }), false);
  assert.equal(isPodFailed({ metadata: { deletionTimestamp: at(1) }, status: { phase: 'Succeeded' } }, job), false);
});

test('surplus pods go in upstream ActivePods order', () => {
  const pod = (name: string, extra: Partial<Pod>): Pod => ({ metadata: { name, creationTimestamp: at(0) }, ...extra });
  const pods = [
    pod('running-ready', { spec: { nodeName: 'n', containers: [] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at(1) }] } }),
    pod('running', { spec: { nodeName: 'n', containers: [] }, status: { phase: 'Running' } }),
    pod('pending', { spec: { nodeName: 'n', containers: [] }, status: { phase: 'Pending' } }),
    pod('unscheduled', { spec: { containers: [] }, status: { phase: 'Pending' } }),
  ];
  assert.deepEqual(
    pods.sort(compareForDeletion).map((p) => p.metadata?.name),
    ['unscheduled', 'pending', 'running', 'running-ready'],
  );
});

test('restartPolicy OnFailure: container restarts count against backoffLimit', () => {
  const job: Job = { spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [] } } } };
  const running = (restartCount: number): Pod => ({ status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount }] } });
  assert.equal(pastBackoffLimitOnFailure(job, [running(1)]), false);
  assert.equal(pastBackoffLimitOnFailure(job, [running(1), running(1)]), true);
});

test('pod failure policy: first matching rule decides, with upstream messages', () => {
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1, 2] } },
    ],
  };
  const failed = failedAt(0, 'p1');
  assert.deepEqual(matchPodFailurePolicy(policy, failed), {
    failJobMessage: 'Container c for pod ns/p1 failed with exit code 1 matching FailJob rule at index 1',
    countFailed: true,
    action: 'FailJob',
  });
  const disrupted: Pod = { ...failed, status: { ...failed.status, conditions: [{ type: 'DisruptionTarget', status: 'True' }] } };
  assert.deepEqual(matchPodFailurePolicy(policy, disrupted), { countFailed: false, action: 'Ignore' });
  assert.deepEqual(matchPodFailurePolicy(undefined, failed), { countFailed: true });
});
