// What the Job controller reads off its pods (pkg/controller/job and
// pkg/controller/controller_utils.go): active, ready, terminating and failed
// pods, the order in which surplus pods go, when a pod finished, the
// pod-failure backoff and spec.podFailurePolicy matching. Pure: no I/O.

import type { Job, PodFailurePolicy } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

/** Pod-failure backoff before recreating pods: 10 s doubling per failure, capped (upstream's constants). */
export const DEFAULT_POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** controller.FilterActivePods: neither terminal nor being deleted. */
export function isPodActive(pod: Pod): boolean {
  return !isTerminal(pod) && !pod.metadata?.deletionTimestamp;
}

/** Being deleted but not yet terminal (CountTerminatingPods). */
export function isPodTerminating(pod: Pod): boolean {
  return !isTerminal(pod) && !!pod.metadata?.deletionTimestamp;
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** onlyReplaceFailedPods: podReplacementPolicy Failed, or a podFailurePolicy is set. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/** isPodFailed: Failed, or (unless only failed pods are replaced) deleted before succeeding. */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function readyTime(pod: Pod): number {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  return ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/** afterOrZero: an unset time sorts first, then later before earlier. */
function afterOrZero(a: number, b: number): boolean {
  if (a === 0 || b === 0) return a === 0;
  return a > b;
}

function created(pod: Pod): number {
  return pod.metadata?.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : 0;
}

/**
 * controller.ActivePods ordering, the pods to delete first coming first: unassigned,
 * then pending < unknown < running, not ready, ready for less time, more
 * restarts, newer.
 */
export function compareForDeletion(a: Pod, b: Pod): number {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  const phaseA = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  if (readyA !== isPodReady(b)) return readyA ? 1 : -1;
  if (readyA) {
    const timeA = readyTime(a);
    const timeB = readyTime(b);
    if (timeA !== timeB) return afterOrZero(timeA, timeB) ? -1 : 1;
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const createdA = created(a);
  const createdB = created(b);
  if (createdA !== createdB) return afterOrZero(createdA, createdB) ? -1 : 1;
  return 0;
}

/**
 * getFinishedTime: when the last container terminated, else when Ready turned
 * False, else the deletion time less the grace period, else creation.
 */
export function finishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  let fromContainers: number | undefined;
  for (const status of statuses) {
    const finishedAt = status.state?.terminated?.finishedAt;
    if (!finishedAt) {
      fromContainers = undefined;
      break;
    }
    const at = Date.parse(finishedAt);
    if (fromContainers === undefined || at > fromContainers) fromContainers = at;
  }
  if (fromContainers !== undefined) return fromContainers;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  if (pod.metadata?.deletionTimestamp) return Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return created(pod);
}

/** Failures since the last success, for the delay before new pods are created (backoffRecord). */
export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number;
  readonly lastFailureTime: number | undefined;
}

export const NO_BACKOFF: BackoffRecord = { failuresAfterLastSuccess: 0, lastFailureTime: undefined };

/** newBackoffRecord: the record after newly finished pods are counted. */
export function nextBackoffRecord(previous: BackoffRecord, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
  const failedTimes = newFailed.map(finishedTime).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return previous;
    return { failuresAfterLastSuccess: previous.failuresAfterLastSuccess + failedTimes.length, lastFailureTime: failedTimes[failedTimes.length - 1] };
  }
  const lastSuccess = Math.max(...newSucceeded.map(finishedTime));
  let failures = 0;
  let lastFailureTime: number | undefined;
  for (let i = failedTimes.length - 1; i >= 0; i--) {
    const at = failedTimes[i]!;
    if (at <= lastSuccess) break;
    lastFailureTime ??= at;
    failures++;
  }
  return { failuresAfterLastSuccess: failures, lastFailureTime };
}

/** getRemainingTime: how long pod creation still waits after the last failure. */
export function remainingBackoffMs(record: BackoffRecord, nowMs: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  let backoff = DEFAULT_POD_FAILURE_BACKOFF_MS;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= MAX_POD_FAILURE_BACKOFF_MS) {
      backoff = MAX_POD_FAILURE_BACKOFF_MS;
      break;
    }
  }
  const elapsed = nowMs - record.lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** pastBackoffLimitOnFailure: container restarts of running pods reach the limit (restartPolicy OnFailure). */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += status.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

export interface FailurePolicyMatch {
  /** The Job failure message of a matching FailJob rule. */
  readonly failJobMessage?: string;
  /** False when an Ignore rule matched: the failure does not count towards backoffLimit. */
  readonly countFailed: boolean;
  readonly action?: string;
}

/** matchPodFailurePolicy: the first rule matching a failed pod decides. */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): FailurePolicyMatch {
  if (!policy) return { countFailed: true };
  for (const [index, rule] of policy.rules.entries()) {
    let matched: string | undefined;
    if (rule.onExitCodes) {
      const status = matchOnExitCodes(pod, rule.onExitCodes);
      if (status) matched = `Container ${status.name} for pod ${pod.metadata?.namespace}/${pod.metadata?.name} failed with exit code ${status.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`;
    } else if (rule.onPodConditions) {
      const condition = matchOnPodConditions(pod.status?.conditions ?? [], rule.onPodConditions);
      if (condition) matched = `Pod ${pod.metadata?.namespace}/${pod.metadata?.name} has condition ${condition.type} matching ${rule.action} rule at index ${index}`;
    }
    if (matched === undefined) continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'FailIndex':
        return { countFailed: true, action: 'FailIndex' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailJob':
        return { failJobMessage: matched, countFailed: true, action: 'FailJob' };
    }
  }
  return { countFailed: true };
}

interface ExitCodesRequirement {
  readonly containerName?: string;
  readonly operator: string;
  readonly values: readonly number[];
}

function matchOnExitCodes(pod: Pod, requirement: ExitCodesRequirement): ContainerStatus | undefined {
  return matchingContainer(pod.status?.containerStatuses ?? [], requirement) ?? matchingContainer(pod.status?.initContainerStatuses ?? [], requirement);
}

function matchingContainer(statuses: readonly ContainerStatus[], requirement: ExitCodesRequirement): ContainerStatus | undefined {
  for (const status of statuses) {
    const terminated = status.state?.terminated;
    if (!terminated) continue;
    if (requirement.containerName !== undefined && requirement.containerName !== status.name) continue;
    if (terminated.exitCode === 0) continue;
    const listed = requirement.values.includes(terminated.exitCode);
    if ((requirement.operator === 'In' && listed) || (requirement.operator === 'NotIn' && !listed)) return status;
  }
  return undefined;
}

function matchOnPodConditions(conditions: readonly PodCondition[], patterns: ReadonlyArray<{ type: string; status: string }>): PodCondition | undefined {
  for (const condition of conditions) {
    if (patterns.some((p) => p.type === condition.type && p.status === condition.status)) return condition;
  }
  return undefined;
}
