// Whether a node may run a pod (upstream's component-helpers/scheduling/corev1),
// shared by the DaemonSet controller, taint eviction and the node agent: required
// node affinity (nodeSelector and requiredDuringScheduling terms, matchFields on
// metadata.name) and taints against tolerations. Pure.

import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { labels } from '../machinery/index.js';

const OPERATORS: Readonly<Record<string, labels.Operator>> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

/** NodeSelectorRequirementsAsSelector: label requirements; undefined when one is malformed. */
function labelRequirements(reqs: readonly NodeSelectorRequirement[]): labels.Requirement[] | undefined {
  const out: labels.Requirement[] = [];
  for (const req of reqs) {
    const operator = OPERATORS[req.operator];
    if (!operator) return undefined;
    const parsed = labels.newRequirement(req.key, operator, req.values ?? []);
    if ('error' in parsed) return undefined;
    out.push(parsed);
  }
  return out;
}

/** NodeSelectorRequirementsAsFieldSelector: In/NotIn with exactly one value, on the node's fields. */
function fieldsMatch(reqs: readonly NodeSelectorRequirement[], fields: Readonly<Record<string, string>>): boolean {
  for (const req of reqs) {
    const values = req.values ?? [];
    if (values.length !== 1 || (req.operator !== 'In' && req.operator !== 'NotIn')) return false;
    const equal = fields[req.key] === values[0];
    if (req.operator === 'In' ? !equal : equal) return false;
  }
  return true;
}

/** A term matches when all its expressions and fields do; an empty term matches nothing. */
function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const requirements = labelRequirements(expressions);
  if (!requirements) return false;
  const nodeLabels = node.metadata?.labels ?? {};
  if (!requirements.every((r) => labels.requirementMatches(r, nodeLabels))) return false;
  return fieldsMatch(fields, { 'metadata.name': node.metadata?.name ?? '' });
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and any required term. */
export function matchesRequiredNodeAffinity(pod: Pod, node: Node): boolean {
  const nodeLabels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (nodeLabels[key] !== value) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}

/** Toleration.ToleratesTaint */
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

/** TolerationsTolerateTaint: some toleration tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** FindMatchingUntoleratedTaint: the first taint passing filter that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined, filter: (taint: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) if (filter(taint) && !tolerationsTolerateTaint(tolerations, taint)) return taint;
  return undefined;
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
