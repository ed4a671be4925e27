// The status a ReplicaSet reports (replica_set_utils.go calculateStatus and the
// ReplicaFailure condition helpers).

import type { ReplicaSet, ReplicaSetCondition, ReplicaSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { labels } from '../../machinery/index.js';
import { errorMessage, isPodAvailable, isPodReady, rfc3339 } from '../common/index.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

export function getCondition(status: ReplicaSetStatus | undefined, type: string): ReplicaSetCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetCondition: replaces the condition of its type unless status and reason are unchanged. */
export function setCondition(status: ReplicaSetStatus, condition: ReplicaSetCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), condition];
}

export function removeCondition(status: ReplicaSetStatus, type: string): void {
  const kept = (status.conditions ?? []).filter((c) => c.type !== type);
  if (kept.length > 0) status.conditions = kept;
  else delete status.conditions;
}

/**
 * calculateStatus: counts over the pods the ReplicaSet owns, plus a ReplicaFailure
 * condition while creating or deleting pods fails.
 */
export function calculateStatus(rs: ReplicaSet, filteredPods: readonly Pod[], manageReplicasError: unknown, now: number): ReplicaSetStatus {
  const newStatus: ReplicaSetStatus = structuredClone(rs.status ?? { replicas: 0 });
  const templateSelector = labels.selectorFromSet(rs.spec?.template?.metadata?.labels);
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of filteredPods) {
    if (templateSelector.matches(pod.metadata?.labels ?? {})) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  const failure = getCondition(rs.status, REPLICA_FAILURE);
  if (manageReplicasError !== undefined && !failure) {
    const diff = filteredPods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    setCondition(newStatus, { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(now), reason, message: errorMessage(manageReplicasError) });
  } else if (manageReplicasError === undefined && failure) {
    removeCondition(newStatus, REPLICA_FAILURE);
  }
  newStatus.replicas = filteredPods.length;
  newStatus.fullyLabeledReplicas = fullyLabeled;
  newStatus.readyReplicas = ready;
  newStatus.availableReplicas = available;
  return newStatus;
}

/** The part of updateReplicaSetStatus deciding whether a write is due at all. */
export function statusUnchanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = rs.status ?? { replicas: 0 };
  return (
    (cur.replicas ?? 0) === next.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (rs.metadata?.generation ?? 0) === (cur.observedGeneration ?? 0) &&
    JSON.stringify(cur.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}

/** The status as upstream serializes it: replicas always, the other counts only when non-zero (omitempty). */
export function wireStatus(status: ReplicaSetStatus): ReplicaSetStatus {
  const out: ReplicaSetStatus = { ...status };
  for (const field of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const) if (!out[field]) delete out[field];
  if (out.conditions?.length === 0) delete out.conditions;
  return out;
}
