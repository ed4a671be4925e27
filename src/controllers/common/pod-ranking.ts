// controller.ActivePodsWithRanks: the order in which a controller scaling down
// deletes its pods, most disposable first.

import type { Pod } from 'kubernetes-types/core/v1.js';
import { isPodActive, isPodReady, podReadyCondition } from './pods.js';
import { parseTime } from './time.js';

/** helper.PodDeletionCost: pods with a lower cost are deleted first. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** GetDeletionCostFromPodAnnotations: the annotation as an int32, 0 when unset or invalid. */
export function podDeletionCost(pod: Pod): number {
  const value = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return 0;
  const cost = Number(value);
  return cost < INT32_MIN || cost > INT32_MAX ? 0 : cost;
}

function maxContainerRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/** When the pod became ready, for ready pods; undefined (Go's zero time) otherwise. */
function podReadyTime(pod: Pod): number | undefined {
  return isPodReady(pod) ? parseTime(podReadyCondition(pod)?.lastTransitionTime) : undefined;
}

/** afterOrZero: a zero time sorts first, then the later time. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/** logarithmicRankDiff: compares floor(log2(age in ns)) of two instants. */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const rank = (t: number) => {
    const ns = (now - t) * 1e6;
    return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
  };
  return rank(t1) - rank(t2);
}

/** Orders two instants as LogarithmicScaleDown does: newer first, ties in the same power-of-two age bucket by uid. */
function newerFirst(a: Pod, b: Pod, ta: number | undefined, tb: number | undefined, now: number): boolean | undefined {
  if (ta === tb) return undefined;
  if (ta === undefined || tb === undefined) return afterOrZero(ta, tb);
  const diff = logarithmicRankDiff(ta, tb, now);
  if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
  return diff < 0;
}

/**
 * ActivePodsWithRanks.Less: whether pod a should be deleted before pod b. rankA and
 * rankB count the related pods on each one's node (more doubled-up goes first).
 */
export function deleteBefore(a: Pod, rankA: number, b: Pod, rankB: number, now: number): boolean {
  const nodeA = a.spec?.nodeName ?? '';
  const nodeB = b.spec?.nodeName ?? '';
  // 1. Unassigned < assigned.
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '';
  // 2. Pending < Unknown < Running.
  const phaseA = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const phaseB = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (phaseA !== phaseB) return phaseA < phaseB;
  // 3. Not ready < ready.
  const readyA = isPodReady(a);
  if (readyA !== isPodReady(b)) return !readyA;
  // 4. Lower pod-deletion-cost < higher.
  const costA = podDeletionCost(a);
  const costB = podDeletionCost(b);
  if (costA !== costB) return costA < costB;
  // 5. Doubled up < not doubled up.
  if (rankA !== rankB) return rankA > rankB;
  // 6. Ready for a shorter time < longer (logarithmic buckets).
  if (readyA && isPodReady(b)) {
    const order = newerFirst(a, b, podReadyTime(a), podReadyTime(b), now);
    if (order !== undefined) return order;
  }
  // 7. More container restarts < fewer.
  const restartsA = maxContainerRestarts(a);
  const restartsB = maxContainerRestarts(b);
  if (restartsA !== restartsB) return restartsA > restartsB;
  // 8. Newer < older (logarithmic buckets).
  const order = newerFirst(a, b, parseTime(a.metadata?.creationTimestamp), parseTime(b.metadata?.creationTimestamp), now);
  return order ?? false;
}

/**
 * getPodsRankedByRelatedPodsOnSameNode + sort: pods ordered for deletion, ranking
 * each by how many active related pods share its node.
 */
export function sortPodsForDeletion<P extends Pod>(pods: readonly P[], relatedPods: readonly Pod[], now: number): P[] {
  const podsOnNode = new Map<string, number>();
  for (const pod of relatedPods) {
    if (!isPodActive(pod)) continue;
    const node = pod.spec?.nodeName ?? '';
    podsOnNode.set(node, (podsOnNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: podsOnNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => (deleteBefore(x.pod, x.rank, y.pod, y.rank, now) ? -1 : deleteBefore(y.pod, y.rank, x.pod, x.rank, now) ? 1 : 0));
  return ranked.map((r) => r.pod);
}
