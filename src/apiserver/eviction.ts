// POST pods/NAME/eviction (pkg/registry/core/pod/storage/eviction.go): deletes a
// pod unless that would break its PodDisruptionBudget. Pods that are not running
// or already terminating go directly; otherwise the one PDB selecting the pod must
// allow a disruption, which is taken from it (disruptionsAllowed-1 and the pod
// recorded in disruptedPods) with a resourceVersion-checked status write before
// the pod is deleted. A refusal is 429 TooManyRequests, which `kubectl drain` retries.
//
// The API server calls evictPod with callbacks over its registry (EvictionDeps).

import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { Eviction, PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { KubeObject } from '../api/types.js';
import { labels } from '../machinery/index.js';
import { withDisruptionAllowedCondition } from '../controllers/disruption/index.js';
import { StatusError, newBadRequest, newConflict, newForbidden, newTimeout, type Status } from './status.js';

/** MaxDisruptedPodSize: evictions the PDB controller has not confirmed yet, at most. */
export const MAX_DISRUPTED_POD_SIZE = 2000;
/** EvictionsRetry.Steps: attempts when writes conflict. */
const EVICTION_RETRIES = 20;
/** policyv1.DisruptionBudgetCause. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';
const REFUSED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

export interface EvictionDeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  /** The eviction is a dry run (from the request or the Eviction's deleteOptions): nothing may change. */
  readonly dryRun?: boolean;
}

/** What eviction needs from the registry; failures are StatusErrors (404, 409 Conflict, ...). */
export interface EvictionDeps {
  getPod(namespace: string, name: string): Promise<Pod>;
  /**
   * Read-modify-write of the pod's status (the status subresource): `mutate` gets
   * the current pod and may throw a StatusError to abort. Resolves to the new pod.
   */
  updatePodStatus(namespace: string, name: string, mutate: (current: Pod) => Pod): Promise<Pod>;
  /** DELETE of the pod, honouring preconditions and dryRun. */
  deletePod(namespace: string, name: string, options: EvictionDeleteOptions): Promise<void>;
  listPodDisruptionBudgets(namespace: string): Promise<PodDisruptionBudget[]>;
  getPodDisruptionBudget(namespace: string, name: string): Promise<PodDisruptionBudget>;
  /** PUT of the PDB's status; metadata.resourceVersion is a precondition (409 Conflict when stale). */
  updatePodDisruptionBudgetStatus(namespace: string, pdb: PodDisruptionBudget): Promise<PodDisruptionBudget>;
}

/** The parts of the request context eviction uses (RequestContext fits). */
export interface EvictionRequest {
  readonly namespace: string;
  readonly dryRun: boolean;
  readonly now: Date;
}

const PODS = { group: '', resource: 'pods' };

function failure(code: number, reason: string | undefined, message: string, details?: Status['details']): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  if (reason) status.reason = reason;
  if (details) status.details = details;
  return new StatusError(status);
}

/** errors.NewTooManyRequests with a DisruptionBudget cause. */
function tooManyRequests(cause: string, retryAfterSeconds = 0): StatusError {
  return failure(429, 'TooManyRequests', REFUSED_MESSAGE, { ...(retryAfterSeconds ? { retryAfterSeconds } : {}), causes: [{ reason: DISRUPTION_BUDGET_CAUSE, message: cause }] });
}

/** createTooManyRequestsError: the PDB controller has not caught up with this budget yet. */
function stillProcessing(pdbName: string): StatusError {
  return tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`, 10);
}

function isConflictError(err: unknown): boolean {
  return err instanceof StatusError && err.reason === 'Conflict';
}

function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** canIgnorePDB: terminal, pending or terminating pods disrupt nothing more by going. */
function canIgnorePDB(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata?.deletionTimestamp);
}

/** shouldEnforceResourceVersion: a pending pod could turn ready meanwhile; terminal or terminating ones cannot. */
function shouldEnforceResourceVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** getPodDisruptionBudgets: the budgets selecting the pod; an empty or invalid selector selects nothing here. */
function budgetsFor(pod: Pod, pdbs: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata?.namespace && pdb.metadata.namespace !== pod.metadata?.namespace) return false;
    const selector = labels.fromLabelSelector(pdb.spec?.selector);
    if ('error' in selector || selector.isEmpty()) return false;
    return selector.matches(pod.metadata?.labels ?? {});
  });
}

/** The eviction's delete options as the registry takes them. */
function deleteOptionsOf(eviction: Eviction): EvictionDeleteOptions {
  const given = eviction.deleteOptions ?? {};
  const options: { -readonly [K in keyof EvictionDeleteOptions]: EvictionDeleteOptions[K] } = {};
  if (typeof given.gracePeriodSeconds === 'number') options.gracePeriodSeconds = given.gracePeriodSeconds;
  if (given.propagationPolicy === 'Orphan' || given.propagationPolicy === 'Background' || given.propagationPolicy === 'Foreground') options.propagationPolicy = given.propagationPolicy;
  if (given.preconditions) {
    options.preconditions = {
      ...(given.preconditions.uid ? { uid: given.preconditions.uid } : {}),
      ...(given.preconditions.resourceVersion ? { resourceVersion: given.preconditions.resourceVersion } : {}),
    };
  }
  return options;
}

function withResourceVersion(options: EvictionDeleteOptions, resourceVersion: string | undefined): EvictionDeleteOptions {
  return { ...options, preconditions: { ...options.preconditions, ...(resourceVersion ? { resourceVersion } : {}) } };
}

/**
 * addConditionAndDeletePod: marks the pod DisruptionTarget (EvictionByEvictionAPI)
 * and deletes it; a resourceVersion precondition carries over to the marked pod.
 */
async function markAndDelete(deps: EvictionDeps, request: EvictionRequest, name: string, options: EvictionDeleteOptions): Promise<void> {
  let deleteOptions = options;
  if (!request.dryRun) {
    const updated = await deps.updatePodStatus(request.namespace, name, (current) => {
      const { uid, resourceVersion } = options.preconditions ?? {};
      if (uid && uid !== current.metadata?.uid) throw newConflict(PODS, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata?.uid ?? ''}`);
      if (resourceVersion && resourceVersion !== current.metadata?.resourceVersion) {
        throw newConflict(PODS, name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${current.metadata?.resourceVersion ?? ''}`);
      }
      const condition: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
      const existing = current.status?.conditions ?? [];
      const previous = existing.find((c) => c.type === 'DisruptionTarget');
      const next: PodCondition = { ...condition, lastTransitionTime: previous?.status === 'True' && previous.lastTransitionTime ? previous.lastTransitionTime : rfc3339(request.now) };
      const conditions = previous ? existing.map((c) => (c.type === 'DisruptionTarget' ? next : c)) : [...existing, next];
      return { ...current, status: { ...current.status, conditions } };
    });
    // We changed the pod ourselves: the precondition moves to the version we wrote.
    if (options.preconditions?.resourceVersion) deleteOptions = withResourceVersion(options, updated.metadata?.resourceVersion);
  }
  await deps.deletePod(request.namespace, name, request.dryRun ? { ...deleteOptions, dryRun: true } : deleteOptions);
}

/** checkAndDecrement: takes one disruption from the budget, or refuses. */
async function checkAndDecrement(deps: EvictionDeps, request: EvictionRequest, podName: string, pdb: PodDisruptionBudget): Promise<void> {
  const status = pdb.status;
  const name = pdb.metadata?.name ?? '';
  if ((status?.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) throw stillProcessing(name);
  const allowed = status?.disruptionsAllowed ?? 0;
  if (allowed < 0) throw newForbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'pdb disruptions allowed is negative');
  if (Object.keys(status?.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw newForbidden({ group: 'policy', resource: 'poddisruptionbudget' }, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (allowed === 0) throw tooManyRequests(`The disruption budget ${name} needs ${status?.desiredHealthy ?? 0} healthy pods and has ${status?.currentHealthy ?? 0} currently`);
  let next = { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status, disruptionsAllowed: allowed - 1 };
  if (next.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next, request.now.getTime());
  if (request.dryRun) return;
  // Tells the PDB controller this pod is about to go, so it stops counting it as healthy.
  next.disruptedPods = { ...next.disruptedPods, [podName]: rfc3339(request.now) };
  await deps.updatePodDisruptionBudgetStatus(request.namespace, { ...pdb, status: next });
}

/**
 * EvictionREST.Create: evicts pod `podName` as the policy/v1 Eviction asks. Resolves
 * to the Success Status (HTTP 201); refusals are StatusErrors (429, 403, 404, 409,
 * 500 when several PDBs select the pod).
 */
export async function evictPod(deps: EvictionDeps, eviction: KubeObject, request: EvictionRequest, podName: string): Promise<KubeObject> {
  const body = eviction as Eviction;
  if (body.metadata?.name !== podName) throw newBadRequest('name in URL does not match name in Eviction object');
  const dryRun = request.dryRun || (body.deleteOptions?.dryRun ?? []).includes('All');
  const ctx: EvictionRequest = { ...request, dryRun };
  const original = deleteOptionsOf(body);
  const rvGiven = Boolean(original.preconditions?.resourceVersion);
  const success = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as KubeObject;

  // Pods that can go without asking their budget.
  let pod: Pod | undefined;
  for (let attempt = 0; ; attempt++) {
    pod = await deps.getPod(ctx.namespace, podName);
    if (!canIgnorePDB(pod)) break;
    // Guard against the pod turning ready (and protected) meanwhile.
    const options = shouldEnforceResourceVersion(pod) && !rvGiven ? withResourceVersion(original, pod.metadata?.resourceVersion) : original;
    try {
      await markAndDelete(deps, ctx, podName, options);
      return success;
    } catch (err) {
      if (rvGiven || !isConflictError(err) || attempt + 1 >= EVICTION_RETRIES) throw err;
    }
  }

  const pdbs = budgetsFor(pod, await deps.listPodDisruptionBudgets(ctx.namespace));
  if (pdbs.length > 1) throw failure(500, undefined, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  let pdbName = '';
  let enforceResourceVersion = false;
  if (pdbs.length === 1) {
    let pdb = pdbs[0]!;
    pdbName = pdb.metadata?.name ?? '';
    const status = pdb.status;
    // An unready pod does not count as healthy; evicting it takes nothing from the budget when the policy or the numbers allow.
    const alwaysAllow = pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    const healthyEnough = (status?.currentHealthy ?? 0) >= (status?.desiredHealthy ?? 0) && (status?.desiredHealthy ?? 0) > 0;
    if (!isPodReady(pod) && (alwaysAllow || healthyEnough)) {
      enforceResourceVersion = true;
    } else {
      for (let attempt = 0; ; attempt++) {
        try {
          await checkAndDecrement(deps, ctx, podName, pdb);
          break;
        } catch (err) {
          if (!isConflictError(err)) throw err;
          if (attempt + 1 >= EVICTION_RETRIES) throw newTimeout(`couldn't update PodDisruptionBudget "${pdbName}" due to conflicts`, 10);
          pdb = await deps.getPodDisruptionBudget(ctx.namespace, pdbName);
        }
      }
    }
  }

  // Delete, making sure an unready pod has not turned ready since we looked.
  const options = enforceResourceVersion ? withResourceVersion(original, pod.metadata?.resourceVersion) : original;
  try {
    await markAndDelete(deps, ctx, podName, options);
  } catch (err) {
    if (isConflictError(err) && enforceResourceVersion && !rvGiven) throw stillProcessing(pdbName);
    throw err;
  }
  return success;
}
