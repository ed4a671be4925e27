// pkg/controller/deployment/util: revisions and annotations of a Deployment's
// ReplicaSets, rollout arithmetic (maxSurge/maxUnavailable, proportional scaling) and
// the Deployment conditions. Pure: no I/O.

import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetCondition } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { rfc3339, scaledValue } from '../common/index.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** apps.DeprecatedRollbackTo: the rollback request of the extensions/v1beta1 era, still honoured. */
export const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
/** apps.DefaultDeploymentUniqueLabelKey. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

// Condition reasons.
export const REPLICA_SET_UPDATED_REASON = 'ReplicaSetUpdated';
export const FAILED_RS_CREATE_REASON = 'ReplicaSetCreateError';
export const NEW_RS_REASON = 'NewReplicaSetCreated';
export const FOUND_NEW_RS_REASON = 'FoundNewReplicaSet';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const PAUSED_DEPLOY_REASON = 'DeploymentPaused';
export const RESUMED_DEPLOY_REASON = 'DeploymentResumed';
export const MINIMUM_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MINIMUM_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';
// Rollback event reasons.
export const ROLLBACK_REVISION_NOT_FOUND = 'DeploymentRollbackRevisionNotFound';
export const ROLLBACK_TEMPLATE_UNCHANGED = 'DeploymentRollbackTemplateUnchanged';
export const ROLLBACK_DONE = 'DeploymentRollback';

const MAX_INT32 = 2 ** 31 - 1;

/** Annotations never copied from a Deployment to its ReplicaSets (annotationsToSkip). */
const SKIPPED_ANNOTATIONS = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION]);

export function skipCopyAnnotation(key: string): boolean {
  return SKIPPED_ANNOTATIONS.has(key);
}

export function replicasOf(obj: { spec?: { replicas?: number } }): number {
  return obj.spec?.replicas ?? 0;
}

// ---- revisions ----

/** Revision: the revision annotation as a number; 0 when unset, undefined when malformed. */
export function revisionOf(rs: ReplicaSet): number | undefined {
  const value = rs.metadata?.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  return /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
}

/** MaxRevision: the highest revision among the ReplicaSets (malformed ones skipped). */
export function maxRevision(replicaSets: readonly ReplicaSet[]): number {
  let max = 0;
  for (const rs of replicaSets) max = Math.max(max, revisionOf(rs) ?? 0);
  return max;
}

/** LastRevision: the second highest revision (what `rollout undo` returns to). */
export function lastRevision(replicaSets: readonly (ReplicaSet | undefined)[]): number {
  let max = 0;
  let secondMax = 0;
  for (const rs of replicaSets) {
    if (!rs) continue;
    const v = revisionOf(rs);
    if (v === undefined) continue;
    if (v >= max) {
      secondMax = max;
      max = v;
    } else if (v > secondMax) secondMax = v;
  }
  return secondMax;
}

// ---- ordering ----

function creationMs(rs: ReplicaSet): number {
  const t = rs.metadata?.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const diff = creationMs(a) - creationMs(b);
  if (diff !== 0) return diff;
  const an = a.metadata?.name ?? '';
  const bn = b.metadata?.name ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/** ReplicaSetsBySizeOlder: larger first, ties oldest first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || byCreationTimestamp(a, b);
}

/** ReplicaSetsBySizeNewer: larger first, ties newest first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || byCreationTimestamp(b, a);
}

/** ReplicaSetsByRevision: lowest revision first; creation order when a revision is malformed or equal. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreationTimestamp(a, b);
  return ra - rb;
}

/** FilterActiveReplicaSets: the ReplicaSets that want pods. */
export function activeReplicaSets<R extends ReplicaSet>(replicaSets: readonly (R | undefined)[]): R[] {
  return replicaSets.filter((rs): rs is R => rs !== undefined && replicasOf(rs) > 0);
}

// ---- templates ----

/** Semantic.DeepEqual on JSON: nil and empty maps/slices are equal, as are missing and null fields. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => semanticEqual(item, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) if (!semanticEqual(ao[key], bo[key])) return false;
    return true;
  }
  return a === b;
}

function withoutHashLabel(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) {
    const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = copy.metadata.labels;
    copy.metadata.labels = rest;
  }
  return copy;
}

/** EqualIgnoreHash: the templates are equal apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return semanticEqual(withoutHashLabel(a), withoutHashLabel(b));
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's. */
export function findNewReplicaSet<R extends ReplicaSet>(deployment: Deployment, replicaSets: readonly R[]): R | undefined {
  return [...replicaSets].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec?.template, deployment.spec?.template));
}

/** FindOldReplicaSets: [those with pods, all] of the ReplicaSets other than the new one. */
export function findOldReplicaSets<R extends ReplicaSet>(deployment: Deployment, replicaSets: readonly R[]): { required: R[]; all: R[] } {
  const newRS = findNewReplicaSet(deployment, replicaSets);
  const all = replicaSets.filter((rs) => !newRS || rs.metadata?.uid !== newRS.metadata?.uid);
  return { required: all.filter((rs) => replicasOf(rs) !== 0), all };
}

/** FindActiveOrLatest: the one ReplicaSet with pods, else the newest; undefined when several have pods. */
export function findActiveOrLatest<R extends ReplicaSet>(newRS: R | undefined, oldRSs: readonly R[]): R | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

// ---- counts ----

const sum = (replicaSets: readonly (ReplicaSet | undefined)[], of: (rs: ReplicaSet) => number | undefined) => replicaSets.reduce((n, rs) => n + (rs ? (of(rs) ?? 0) : 0), 0);

/** GetReplicaCountForReplicaSets: the pods the ReplicaSets want. */
export const specReplicas = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.spec?.replicas);
/** GetActualReplicaCountForReplicaSets. */
export const actualReplicas = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.status?.replicas);
/** GetReadyReplicaCountForReplicaSets. */
export const readyReplicas = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.status?.readyReplicas);
/** GetAvailableReplicaCountForReplicaSets. */
export const availableReplicas = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, (rs) => rs.status?.availableReplicas);

// ---- rolling update arithmetic ----

export function isRollingUpdate(deployment: Deployment): boolean {
  return deployment.spec?.strategy?.type === 'RollingUpdate';
}

/**
 * ResolveFenceposts: maxSurge rounded up and maxUnavailable rounded down against
 * desired; if both come to zero, maxUnavailable is 1 so the rollout can move.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  if (surge instanceof Error) throw surge;
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (unavailable instanceof Error) throw unavailable;
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** MaxUnavailable: how many desired pods may be unavailable during a rolling update (never more than desired). */
export function maxUnavailable(deployment: Deployment): number {
  const desired = replicasOf(deployment);
  if (!isRollingUpdate(deployment) || desired === 0) return 0;
  const ru = deployment.spec?.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desired);
  return Math.min(unavailable, desired);
}

/** MaxSurge: how many pods beyond desired a rolling update may run. */
export function maxSurge(deployment: Deployment): number {
  if (!isRollingUpdate(deployment)) return 0;
  const ru = deployment.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(deployment)).surge;
}

/** NewRSNewReplicas: the size the new ReplicaSet may grow to now. */
export function newRSNewReplicas(deployment: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const desired = replicasOf(deployment);
  switch (deployment.spec?.strategy?.type) {
    case 'RollingUpdate': {
      const surge = scaledValue(deployment.spec.strategy.rollingUpdate?.maxSurge, desired, true);
      if (surge instanceof Error) throw surge;
      const currentPodCount = specReplicas(allRSs);
      const maxTotalPods = desired + surge;
      if (currentPodCount >= maxTotalPods) return replicasOf(newRS);
      const scaleUpCount = Math.min(maxTotalPods - currentPodCount, desired - replicasOf(newRS));
      return replicasOf(newRS) + scaleUpCount;
    }
    case 'Recreate':
      return desired;
    default:
      throw new Error(`deployment type ${deployment.spec?.strategy?.type} isn't supported`);
  }
}

/** IsSaturated: the new ReplicaSet runs every desired pod, all available. */
export function isSaturated(deployment: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
  const want = replicasOf(deployment);
  return desired !== undefined && replicasOf(rs) === want && desired === want && (rs.status?.availableReplicas ?? 0) === want;
}

// ---- replica annotations and proportional scaling ----

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const value = rs.metadata?.annotations?.[key];
  return value !== undefined && /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
}

/** GetDesiredReplicasAnnotation. */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

/** SetReplicasAnnotations: records the Deployment's size and max size on the ReplicaSet; true when changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desiredReplicas: number, maxReplicas: number): boolean {
  rs.metadata ??= {};
  const annotations = (rs.metadata.annotations ??= {});
  let updated = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desiredReplicas)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desiredReplicas);
    updated = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(maxReplicas)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(maxReplicas);
    updated = true;
  }
  return updated;
}

/** ReplicasAnnotationsNeedUpdate. */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desiredReplicas: number, maxReplicas: number): boolean {
  const annotations = rs.metadata?.annotations;
  if (!annotations) return true;
  return annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desiredReplicas) || annotations[MAX_REPLICAS_ANNOTATION] !== String(maxReplicas);
}

/** integer.RoundToInt32: halves away from zero. */
function roundToInt(a: number): number {
  return a < 0 ? Math.trunc(a - 0.5) : Math.trunc(a + 0.5);
}

/** getReplicaSetFraction: this ReplicaSet's share of a resize, from the Deployment size it was last scaled for. */
function replicaSetFraction(rs: ReplicaSet, deployment: Deployment): number {
  if (replicasOf(deployment) === 0) return -replicasOf(rs);
  const deploymentMaxReplicas = replicasOf(deployment) + maxSurge(deployment);
  let before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
  if (before === undefined || before === 0) {
    // No annotation (should not happen for ReplicaSets the Deployment made): the current size is the best guess.
    before = deployment.status?.replicas ?? 0;
    if (before === 0) return 0;
  }
  return roundToInt((replicasOf(rs) * deploymentMaxReplicas) / before) - replicasOf(rs);
}

/** GetProportion: how many of the replicas to add (or remove, if negative) go to this ReplicaSet. */
export function proportion(rs: ReplicaSet | undefined, deployment: Deployment, toAdd: number, added: number): number {
  if (!rs || replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, deployment);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

// ---- ReplicaSet annotations from the Deployment ----

/** copyDeploymentAnnotationsToReplicaSet; true when the ReplicaSet changed. */
function copyDeploymentAnnotationsToReplicaSet(deployment: Deployment, rs: ReplicaSet): boolean {
  rs.metadata ??= {};
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [key, value] of Object.entries(deployment.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations: copies the Deployment's annotations, raises the
 * revision to newRevision (keeping the one it replaces in revision-history when an old
 * ReplicaSet is reused), and for a ReplicaSet about to be created, its size annotations.
 */
export function setNewReplicaSetAnnotations(deployment: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, revHistoryLimitInChars: number): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(deployment, rs);
  const annotations = rs.metadata!.annotations!;
  const oldRevision = annotations[REVISION_ANNOTATION];
  let oldRevisionInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!/^[+-]?\d+$/.test(oldRevision)) return false;
    oldRevisionInt = Number(oldRevision);
  }
  if (oldRevisionInt < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
  }
  // A ReplicaSet that had a revision and gets a newer one is being rolled back to: keep its history.
  if (oldRevision !== undefined && oldRevisionInt < newRevision) {
    const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
    const oldRevisions = history.split(',');
    if (oldRevisions[0] === '') annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    else {
      let totalLen = history.length + oldRevision.length + 1;
      let start = 0;
      while (totalLen > revHistoryLimitInChars && start < oldRevisions.length) {
        totalLen -= oldRevisions[start]!.length + 1;
        start++;
      }
      if (totalLen <= revHistoryLimitInChars) annotations[REVISION_HISTORY_ANNOTATION] = [...oldRevisions.slice(start), oldRevision].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(deployment), replicasOf(deployment) + maxSurge(deployment))) changed = true;
  return changed;
}

/** SetDeploymentRevision; true when changed. */
export function setDeploymentRevision(deployment: Deployment, revision: string): boolean {
  deployment.metadata ??= {};
  const annotations = (deployment.metadata.annotations ??= {});
  if (annotations[REVISION_ANNOTATION] === revision) return false;
  annotations[REVISION_ANNOTATION] = revision;
  return true;
}

/** SetDeploymentAnnotationsTo: the Deployment takes the annotations of the ReplicaSet it rolls back to. */
export function setDeploymentAnnotationsTo(deployment: Deployment, rollbackToRS: ReplicaSet): void {
  deployment.metadata ??= {};
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.metadata.annotations ?? {})) if (skipCopyAnnotation(key)) kept[key] = value;
  for (const [key, value] of Object.entries(rollbackToRS.metadata?.annotations ?? {})) if (!skipCopyAnnotation(key)) kept[key] = value;
  deployment.metadata.annotations = kept;
}

// ---- conditions ----

export function hasProgressDeadline(deployment: Deployment): boolean {
  const seconds = deployment.spec?.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== null && seconds !== MAX_INT32;
}

export function hasRevisionHistoryLimit(deployment: Deployment): boolean {
  const limit = deployment.spec?.revisionHistoryLimit;
  return limit !== undefined && limit !== null && limit !== MAX_INT32;
}

export function getDeploymentCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newDeploymentCondition(type: string, status: string, reason: string, message: string, now: number): DeploymentCondition {
  const at = rfc3339(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/** SetDeploymentCondition: no change for the same status and reason; lastTransitionTime kept while status holds. */
export function setDeploymentCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getDeploymentCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeDeploymentCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** ReplicaSetToDeploymentCondition. */
export function replicaSetToDeploymentCondition(cond: ReplicaSetCondition): DeploymentCondition {
  return { type: cond.type, status: cond.status, lastTransitionTime: cond.lastTransitionTime, lastUpdateTime: cond.lastTransitionTime, reason: cond.reason, message: cond.message };
}

/** DeploymentComplete: every desired pod is updated and available, and the latest spec observed. */
export function deploymentComplete(deployment: Deployment, status: DeploymentStatus): boolean {
  const desired = replicasOf(deployment);
  return (status.updatedReplicas ?? 0) === desired && (status.replicas ?? 0) === desired && (status.availableReplicas ?? 0) === desired && (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than the last status said. */
export function deploymentProgressing(deployment: Deployment, status: DeploymentStatus): boolean {
  const old = deployment.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** DeploymentTimedOut: no progress reported for progressDeadlineSeconds. */
export function deploymentTimedOut(deployment: Deployment, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(deployment)) return false;
  const condition = getDeploymentCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (condition.reason === TIMED_OUT_REASON) return true;
  const from = condition.lastUpdateTime ? Date.parse(condition.lastUpdateTime) : 0;
  return from + deployment.spec!.progressDeadlineSeconds! * 1000 < now;
}
