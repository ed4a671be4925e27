// Pure DaemonSet helpers (pkg/controller/daemon/util and daemon_controller.go):
// the tolerations every daemon pod gets, pod templates pinned to a node through
// required node affinity, which node a pod targets, whether a node should run the
// daemon, rolling-update budgets and the revision patch.

import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Affinity, Node, Pod, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { scaledValue, type Typed } from '../common/index.js';
import { POD_REVISION_LABEL } from '../history/index.js';
import { findUntoleratedTaint, matchesRequiredNodeAffinity } from '../../api/scheduling.js';

/** extensions.DaemonSetTemplateGenerationKey */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** apps.DeprecatedTemplateGeneration */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export type TypedDaemonSet = Typed<DaemonSet>;
export type DaemonPod = Typed<Pod>;
export type TypedNode = Typed<Node>;

/** metav1.ObjectNameField */
const OBJECT_NAME_FIELD = 'metadata.name';

/** toleration.MatchToleration: same key, effect, operator and value. */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.effect ?? '') === (b.effect ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '');
}

/** AddOrUpdateTolerationInPodSpec: replaces a matching toleration, or appends. */
function addOrUpdateToleration(spec: PodSpec, toleration: Toleration): void {
  const tolerations = spec.tolerations ?? [];
  if (tolerations.some((t) => sameToleration(t, toleration))) {
    spec.tolerations = tolerations.map((t) => (sameToleration(t, toleration) ? { ...toleration } : t));
  } else {
    spec.tolerations = [...tolerations, { ...toleration }];
  }
}

/**
 * AddOrUpdateDaemonPodTolerations: daemon pods tolerate not-ready and unreachable
 * (NoExecute, forever), the node pressure conditions and unschedulable (NoSchedule),
 * and network-unavailable when they use the host network.
 */
export function addDaemonPodTolerations(spec: PodSpec): void {
  const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', effect });
  addOrUpdateToleration(spec, exists('node.kubernetes.io/not-ready', 'NoExecute'));
  addOrUpdateToleration(spec, exists('node.kubernetes.io/unreachable', 'NoExecute'));
  addOrUpdateToleration(spec, exists('node.kubernetes.io/disk-pressure', 'NoSchedule'));
  addOrUpdateToleration(spec, exists('node.kubernetes.io/memory-pressure', 'NoSchedule'));
  addOrUpdateToleration(spec, exists('node.kubernetes.io/pid-pressure', 'NoSchedule'));
  addOrUpdateToleration(spec, exists('node.kubernetes.io/unschedulable', 'NoSchedule'));
  if (spec.hostNetwork) addOrUpdateToleration(spec, exists('node.kubernetes.io/network-unavailable', 'NoSchedule'));
}

/** GetTemplateGeneration: the deprecated template generation annotation, when present and numeric. */
export function templateGeneration(ds: DaemonSet): number | undefined {
  const value = ds.metadata?.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  return Number(value);
}

/** CreatePodTemplate: the template with daemon tolerations, the template generation and the revision hash label. */
export function createPodTemplate(template: PodTemplateSpec, generation: number | undefined, hash: string): PodTemplateSpec {
  const out = structuredClone(template);
  out.spec ??= { containers: [] };
  addDaemonPodTolerations(out.spec);
  const labels = { ...out.metadata?.labels };
  if (generation !== undefined) labels[TEMPLATE_GENERATION_LABEL] = String(generation);
  if (hash) labels[POD_REVISION_LABEL] = hash;
  out.metadata = { ...out.metadata, labels };
  return out;
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: pins a pod to nodeName with a required
 * matchFields term on metadata.name, replacing any required terms, so the scheduler
 * places it there.
 */
export function replaceNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const nodeSelector = { nodeSelectorTerms: [{ matchFields: [{ key: OBJECT_NAME_FIELD, operator: 'In', values: [nodeName] }] }] };
  const out: Affinity = structuredClone(affinity ?? {});
  out.nodeAffinity = { ...out.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: nodeSelector };
  return out;
}

/** GetTargetNodeName: spec.nodeName, else the node a metadata.name matchFields term pins it to. */
export function targetNodeName(pod: Pod): string | Error {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const ref = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return new Error(`no spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution for pod ${ref}`);
  if (required.nodeSelectorTerms.length < 1) return new Error(`no nodeSelectorTerms in requiredDuringSchedulingIgnoredDuringExecution of pod ${ref}`);
  for (const term of required.nodeSelectorTerms) {
    for (const exp of term.matchFields ?? []) {
      if (exp.key !== OBJECT_NAME_FIELD || exp.operator !== 'In') continue;
      if (exp.values?.length !== 1) return new Error(`the matchFields value of '${OBJECT_NAME_FIELD}' is not unique for pod ${ref}`);
      return exp.values[0]!;
    }
  }
  return new Error(`no node name found for pod ${ref}`);
}

/** IsPodUpdated: the pod carries the current revision hash (or the current template generation). */
export function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const podLabels = pod.metadata?.labels ?? {};
  const templateMatches = generation !== undefined && podLabels[TEMPLATE_GENERATION_LABEL] === String(generation);
  const hashMatches = hash.length > 0 && podLabels[POD_REVISION_LABEL] === hash;
  return hashMatches || templateMatches;
}

/** SurgeCount: maxSurge of numberToSchedule, rounded up (0 unless RollingUpdate). */
export function surgeCount(ds: DaemonSet, numberToSchedule: number): number | Error {
  const strategy = ds.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || !strategy?.rollingUpdate) return 0;
  if (strategy.rollingUpdate.maxSurge === undefined) return 0;
  return scaledValue(strategy.rollingUpdate.maxSurge, numberToSchedule, true);
}

/** UnavailableCount: maxUnavailable of numberToSchedule, rounded up (0 unless RollingUpdate). */
export function unavailableCount(ds: DaemonSet, numberToSchedule: number): number | Error {
  const strategy = ds.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || !strategy?.rollingUpdate) return 0;
  return scaledValue(strategy.rollingUpdate.maxUnavailable, numberToSchedule, true);
}

/** AllowsSurge: a RollingUpdate with a positive maxSurge. */
export function allowsSurge(ds: DaemonSet): boolean {
  const surge = surgeCount(ds, 1);
  return !(surge instanceof Error) && surge > 0;
}

/** NewPod: the daemon pod as it would run on nodeName, for the scheduling checks. */
export function newPod(ds: DaemonSet, nodeName: string): Pod {
  const spec: PodSpec = structuredClone(ds.spec?.template.spec ?? { containers: [] });
  spec.nodeName = nodeName;
  addDaemonPodTolerations(spec);
  return { metadata: { ...structuredClone(ds.spec?.template.metadata ?? {}), namespace: ds.metadata?.namespace }, spec };
}

/**
 * NodeShouldRunDaemonPod: shouldRun (a pod should be started there) and
 * shouldContinueRunning (a pod already there may stay: only untolerated NoExecute
 * taints evict).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const pod = newPod(ds, node.metadata?.name ?? '');
  const templateNodeName = ds.spec?.template.spec?.nodeName;
  if (templateNodeName && templateNodeName !== node.metadata?.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesRequiredNodeAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = pod.spec?.tolerations ?? [];
  const fitsTaints = !findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute' || t.effect === 'NoSchedule');
  if (!fitsTaints) return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, tolerations, (t) => t.effect === 'NoExecute') };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** podByCreationTimestampAndPhase: scheduled pods first, then oldest, then by name. */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const aScheduled = Boolean(a.spec?.nodeName);
  const bScheduled = Boolean(b.spec?.nodeName);
  if (aScheduled !== bScheduled) return aScheduled ? -1 : 1;
  const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** getPatch: the strategic merge patch that restores the DaemonSet's pod template. */
export function getPatch(ds: DaemonSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...(structuredClone(ds.spec?.template ?? {}) as Record<string, unknown>), $patch: 'replace' } } };
}
