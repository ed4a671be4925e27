// Which tolerations tolerate which taints (core/v1 Toleration.ToleratesTaint and
// v1helper.GetMatchingTolerations), and how long a pod may stay (getMinTolerationTime).
// Pure.

import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** Toleration.ToleratesTaint: an empty key or effect matches any; operator Exists ignores the value. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** GetMatchingTolerations: whether every taint is tolerated, and the first toleration tolerating each. */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { allTolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const toleration = tolerations.find((t) => toleratesTaint(t, taint));
    if (!toleration) return { allTolerated: false, used: [] };
    used.push(toleration);
  }
  return { allTolerated: true, used };
}

/**
 * getMinTolerationTime: the shortest tolerationSeconds among the tolerations used, in
 * ms; 0 when none were needed or one is not positive; -1 when they tolerate forever.
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const toleration of used) {
    const seconds = toleration.tolerationSeconds;
    if (seconds === undefined || seconds === null) continue;
    if (seconds <= 0) return 0;
    min = Math.min(min, seconds);
  }
  return min === Infinity ? -1 : min * 1000;
}
