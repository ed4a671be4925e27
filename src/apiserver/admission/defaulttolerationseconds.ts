// The DefaultTolerationSeconds admission plugin (upstream
// plugin/pkg/admission/defaulttolerationseconds): a pod that does not tolerate the
// not-ready and unreachable NoExecute taints gets tolerations for them with
// tolerationSeconds 300, so pods leave a lost node after five minutes. Upstream runs
// it on pod create and update (never on subresources). Pure.

import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';

export interface DefaultTolerationSecondsOptions {
  /** --default-not-ready-toleration-seconds (300). */
  readonly notReadySeconds?: number;
  /** --default-unreachable-toleration-seconds (300). */
  readonly unreachableSeconds?: number;
}

/** Whether a toleration covers the NoExecute taint with this key (an empty key or effect covers all). */
function toleratesNoExecute(toleration: Toleration, key: string): boolean {
  return (toleration.key === key || !toleration.key) && (toleration.effect === 'NoExecute' || !toleration.effect);
}

/**
 * The pod with the default tolerations added, or the same pod when it already
 * tolerates both taints. Never changes its argument.
 */
export function withDefaultTolerations<T extends Pod>(pod: T, options: DefaultTolerationSecondsOptions = {}): T {
  const tolerations = pod.spec?.tolerations ?? [];
  const toleratesNotReady = tolerations.some((t) => toleratesNoExecute(t, TAINT_NODE_NOT_READY));
  const toleratesUnreachable = tolerations.some((t) => toleratesNoExecute(t, TAINT_NODE_UNREACHABLE));
  if (toleratesNotReady && toleratesUnreachable) return pod;
  const added: Toleration[] = [];
  if (!toleratesNotReady) added.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: options.notReadySeconds ?? 300 });
  if (!toleratesUnreachable) added.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: options.unreachableSeconds ?? 300 });
  return { ...pod, spec: { containers: [], ...pod.spec, tolerations: [...tolerations, ...added] } };
}
