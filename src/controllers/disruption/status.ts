// PodDisruptionBudget status arithmetic (pkg/controller/disruption and
// component-helpers/apps/poddisruptionbudget): how many pods are expected and
// healthy, how many may be disrupted, and the DisruptionAllowed condition. Pure.

import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { labels } from '../../machinery/index.js';
import { canonicalJson, controllerRefOf, isPodReady, parseTime, rfc3339, scaledValue, typed } from '../common/index.js';

/** DeletionTimeout: a pod the eviction API approved is expected gone within this. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';

/** A controller of pods and its desired scale. */
export interface ControllerScale {
  readonly uid: string;
  readonly scale: number;
}

export interface ExpectedCount {
  readonly expectedCount: number;
  readonly desiredHealthy: number;
  /** Names of selected pods without a controller (their PDB percentages cannot be right). */
  readonly unmanagedPods: string[];
}

/** LabelSelectorAsSelector of the PDB's selector (policy/v1: empty selects every pod); undefined when invalid. */
export function pdbSelector(pdb: PodDisruptionBudget): labels.LabelSelector | undefined {
  const selector = labels.fromLabelSelector(pdb.spec?.selector);
  return 'error' in selector ? undefined : selector;
}

/**
 * getExpectedScale: the sum of the scales of the controllers of the pods. A pod
 * whose controller is not found fails the computation.
 */
function expectedScale(pods: readonly Pod[], findController: (pod: Pod) => ControllerScale | undefined): { expectedCount: number; unmanagedPods: string[] } | Error {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(typed(pod));
    if (!ref) {
      unmanagedPods.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = findController(pod);
    if (!found) return new Error(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const scale of scales.values()) expectedCount += scale;
  return { expectedCount, unmanagedPods };
}

/** getExpectedPodCount: expected pods and the healthy ones the budget wants, from minAvailable or maxUnavailable. */
export function expectedPodCount(pdb: PodDisruptionBudget, pods: readonly Pod[], findController: (pod: Pod) => ControllerScale | undefined): ExpectedCount | Error {
  const { maxUnavailable, minAvailable } = pdb.spec ?? {};
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const scale = expectedScale(pods, findController);
    if (scale instanceof Error) return scale;
    const max = scaledValue(maxUnavailable, scale.expectedCount, true);
    if (max instanceof Error) return max;
    return { expectedCount: scale.expectedCount, desiredHealthy: Math.max(0, scale.expectedCount - max), unmanagedPods: scale.unmanagedPods };
  }
  if (minAvailable !== undefined && minAvailable !== null) {
    if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanagedPods: [] };
    const scale = expectedScale(pods, findController);
    if (scale instanceof Error) return scale;
    const min = scaledValue(minAvailable, scale.expectedCount, true);
    if (min instanceof Error) return min;
    return { expectedCount: scale.expectedCount, desiredHealthy: min, unmanagedPods: scale.unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/**
 * buildDisruptedPodMap: the evictions still expected to complete (pods not yet
 * deleted, approved less than DeletionTimeout ago), when to look again, and the
 * pods whose approved eviction never happened.
 */
export function disruptedPodMap(pods: readonly Pod[], pdb: PodDisruptionBudget, now: number): { disrupted: Record<string, string>; recheckAt?: number; notDeleted: Pod[] } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const notDeleted: Pod[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '';
    const at = recorded[name];
    const since = parseTime(at);
    if (since === undefined) continue;
    const expectedDeletion = since + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      notDeleted.push(pod);
    } else {
      recheckAt = recheckAt === undefined ? expectedDeletion : Math.min(recheckAt, expectedDeletion);
      disrupted[name] = at!;
    }
  }
  return recheckAt === undefined ? { disrupted, notDeleted } : { disrupted, recheckAt, notDeleted };
}

/** countHealthyPods: ready pods that are neither being deleted nor about to be. */
export function countHealthyPods(pods: readonly Pod[], disrupted: Readonly<Record<string, string>>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const since = parseTime(disrupted[pod.metadata?.name ?? '']);
    if (since !== undefined && since + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** apimeta.SetStatusCondition: replaces the condition of that type, keeping its transition time unless the status changed. */
export function setStatusCondition(conditions: readonly Condition[] | undefined, condition: Omit<Condition, 'lastTransitionTime'>, now: number): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === condition.type);
  const existing = i >= 0 ? list[i] : undefined;
  const lastTransitionTime = existing && existing.status === condition.status ? existing.lastTransitionTime : rfc3339(now);
  const next: Condition = { ...condition, lastTransitionTime };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** UpdateDisruptionAllowedCondition. */
export function withDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: number): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  const condition = {
    type: DISRUPTION_ALLOWED_CONDITION,
    status: allowed ? 'True' : 'False',
    reason: allowed ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
    message: '',
    ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
  };
  return { ...status, conditions: setStatusCondition(status.conditions, condition, now) };
}

/** ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const condition = pdb.status?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!condition) return false;
  if ((pdb.status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  if ((pdb.status?.disruptionsAllowed ?? 0) > 0) return condition.status === 'True' && condition.reason === SUFFICIENT_PODS_REASON;
  return condition.status === 'False' && (condition.reason === INSUFFICIENT_PODS_REASON || condition.reason === SYNC_FAILED_REASON);
}

/**
 * updatePdbStatus's computation: the new status, or undefined when the current one
 * already says the same. No disruption is allowed while no pods are expected, so a
 * PDB whose pods just appeared is safe until its first real sync.
 */
export function nextStatus(pdb: PodDisruptionBudget, currentHealthy: number, desiredHealthy: number, expectedCount: number, disrupted: Record<string, string>, now: number): PodDisruptionBudgetStatus | undefined {
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const status = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  if (
    status &&
    status.currentHealthy === currentHealthy &&
    status.desiredHealthy === desiredHealthy &&
    status.expectedPods === expectedCount &&
    status.disruptionsAllowed === disruptionsAllowed &&
    canonicalJson(status.disruptedPods ?? {}) === canonicalJson(disrupted) &&
    (status.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  const next: PodDisruptionBudgetStatus = { currentHealthy, desiredHealthy, expectedPods: expectedCount, disruptionsAllowed, observedGeneration: generation };
  if (Object.keys(disrupted).length) next.disruptedPods = disrupted;
  if (status?.conditions) next.conditions = status.conditions;
  return withDisruptionAllowedCondition(next, now);
}

/** failSafe: no disruptions, and a SyncFailed condition saying why. */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, now: number): PodDisruptionBudgetStatus {
  const status: PodDisruptionBudgetStatus = { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...pdb.status, disruptionsAllowed: 0 };
  const condition = { type: DISRUPTION_ALLOWED_CONDITION, status: 'False', reason: SYNC_FAILED_REASON, message, ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}) };
  return { ...status, conditions: setStatusCondition(status.conditions, condition, now) };
}
