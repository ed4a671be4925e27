// The ResourceQuota admission plugin (k8s.io/apiserver/pkg/admission/plugin/resourcequota):
// a create (or an update that can change usage) is checked against every quota of
// its namespace that tracks what the object costs. It is refused with 403
// Forbidden when it would exceed one ("exceeded quota: ...") or does not declare
// what a quota requires ("failed quota: ..."); when admitted, the quotas'
// status.used is raised at once with a resourceVersion-checked write, so two
// concurrent creates cannot both take the last unit. Admissions of one namespace
// are serialized in this process; a conflict with another writer is retried.
//
// The API server calls ResourceQuotaAdmission.admit with the request's attributes
// after the object is defaulted and validated, before it is stored.

import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import {
  addLists,
  evaluatorFor,
  formatResourceList,
  isIgnoredByQuota,
  lessThanOrEqual,
  listsEqual,
  maskList,
  negativeResources,
  parseResourceList,
  prettyPrint,
  quotaMatches,
  removeZeros,
  sortStrings,
  subtractNonNegative,
  type QuotaEvaluator,
  type ResourceList,
} from '../../controllers/resourcequota/index.js';
import { StatusError, newForbidden } from '../status.js';

/** How often the quota writes are retried after conflicts with other writers (upstream: 3). */
const RETRIES = 3;

export interface QuotaAdmissionAttributes {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  readonly group: string;
  /** The plural resource ("pods", "deployments"). */
  readonly resource: string;
  /** '' for the resource itself. */
  readonly subresource: string;
  readonly namespace: string;
  /** The name in the request ('' when the object is named by generateName). */
  readonly name: string;
  /** The object as it would be stored. */
  readonly object: KubeObject;
  /** The stored object an update replaces. */
  readonly oldObject?: KubeObject;
  readonly dryRun: boolean;
}

export interface QuotaAdmissionDeps {
  /** The namespace's ResourceQuotas as stored now. */
  listQuotas(namespace: string): Promise<ResourceQuota[]>;
  /** PUT of a quota's status; metadata.resourceVersion is a precondition (409 Conflict when stale). */
  updateQuotaStatus(quota: ResourceQuota): Promise<ResourceQuota>;
  now(): number;
}

function isConflictError(err: unknown): boolean {
  return err instanceof StatusError && err.reason === 'Conflict';
}

/** admission.NewForbidden: the request's name, else the object's name or generateName, else "Unknown". */
function forbidden(attrs: QuotaAdmissionAttributes, message: string): StatusError {
  const name = attrs.name || attrs.object.metadata?.name || attrs.object.metadata?.generateName || 'Unknown';
  return newForbidden({ group: attrs.group, resource: attrs.resource }, name, message);
}

/** hasUsageStats: every hard resource of interest has a used value. */
function hasUsageStats(quota: ResourceQuota, resources: readonly string[]): boolean {
  return Object.keys(quota.status?.hard ?? {}).every((name) => !resources.includes(name) || quota.status?.used?.[name] !== undefined);
}

/**
 * CheckRequest: the quotas as they would be if the request were admitted (the same
 * objects when it costs nothing under any of them). Throws the 403 of a refusal.
 */
export function checkRequest(quotas: readonly ResourceQuota[], attrs: QuotaAdmissionAttributes, evaluator: QuotaEvaluator, now: number): ResourceQuota[] {
  const obj = attrs.object;
  const interesting: number[] = [];
  quotas.forEach((quota, i) => {
    if (!quotaMatches(evaluator, quota, obj)) return;
    const restricted = evaluator.matchingResources(Object.keys(quota.status?.hard ?? {}));
    const violation = evaluator.constraints(restricted, obj);
    if (violation) throw forbidden(attrs, `failed quota: ${quota.metadata?.name ?? ''}: ${violation}`);
    if (!hasUsageStats(quota, restricted)) throw forbidden(attrs, `status unknown for quota: ${quota.metadata?.name ?? ''}, resources: ${sortStrings(restricted).join(',')}`);
    interesting.push(i);
  });
  if (interesting.length === 0) return [...quotas];

  const objectWithNamespace = obj.metadata?.namespace ? obj : { ...obj, metadata: { ...obj.metadata, namespace: attrs.namespace } };
  const inputUsage = evaluator.usage(objectWithNamespace, now);
  const negative = negativeResources(inputUsage);
  if (negative.length) throw forbidden(attrs, `quota usage is negative for resource(s): ${sortStrings(negative).join(',')}`);

  // Updates are charged the difference, under the quotas the old object was charged to already.
  const delta = new Map<number, ResourceList>(interesting.map((i) => [i, inputUsage]));
  if (attrs.operation === 'UPDATE') {
    const old = attrs.oldObject;
    if (!old) throw forbidden(attrs, 'unable to get previous usage since prior version of object was not found');
    if (old.metadata?.resourceVersion) {
      const difference = subtractNonNegative(inputUsage, evaluator.usage(old, now));
      for (const i of interesting) if (quotaMatches(evaluator, quotas[i]!, old)) delta.set(i, difference);
    }
  }
  for (const [i, usage] of delta) {
    const nonZero = removeZeros(usage);
    if (Object.keys(nonZero).length === 0) delta.delete(i);
    else delta.set(i, nonZero);
  }
  if (delta.size === 0) return [...quotas];

  const out = quotas.map((q) => q);
  for (const i of interesting) {
    const usage = delta.get(i);
    if (!usage) continue;
    const quota = quotas[i]!;
    const hard = parseResourceList(quota.status?.hard);
    const used = parseResourceList(quota.status?.used);
    const requested = maskList(usage, Object.keys(hard));
    const newUsage = addLists(used, requested);
    if (attrs.subresource !== 'status') {
      const { allowed, exceeded } = lessThanOrEqual(maskList(newUsage, Object.keys(requested)), hard);
      if (!allowed) {
        throw forbidden(
          attrs,
          `exceeded quota: ${quota.metadata?.name ?? ''}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
        );
      }
    }
    out[i] = { ...quota, status: { ...quota.status, used: formatResourceList(newUsage) } };
  }
  return out;
}

/** The admission plugin: one per API server, holding the per-namespace serialization. */
export class ResourceQuotaAdmission {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(private readonly deps: QuotaAdmissionDeps) {}

  /** Validate: resolves when the request is admitted (and charged); rejects with a StatusError otherwise. */
  async admit(attrs: QuotaAdmissionAttributes): Promise<void> {
    if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return;
    // Subresources change nothing quota counts, except pod resizes.
    if (attrs.subresource !== '' && attrs.subresource !== 'resize') return;
    if (!attrs.namespace) return;
    if (isIgnoredByQuota(attrs.group, attrs.resource)) return;
    const evaluator = evaluatorFor(attrs.group, attrs.resource);
    if (!evaluator.handles(attrs.operation, attrs.subresource)) return;
    await this.serialized(attrs.namespace, () => this.evaluate(attrs, evaluator));
  }

  /** Runs admissions of one namespace one after another. */
  private async serialized(namespace: string, work: () => Promise<void>): Promise<void> {
    const previous = this.inFlight.get(namespace) ?? Promise.resolve();
    const current = previous.then(work, work);
    const tail = current.catch(() => undefined);
    this.inFlight.set(namespace, tail);
    try {
      await current;
    } finally {
      if (this.inFlight.get(namespace) === tail) this.inFlight.delete(namespace);
    }
  }

  /** checkQuotas: charge every matching quota; after a conflict, re-read and re-check only the quotas not yet charged. */
  private async evaluate(attrs: QuotaAdmissionAttributes, evaluator: QuotaEvaluator): Promise<void> {
    let pending: Set<string> | undefined;
    let lastConflict: unknown;
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      const all = await this.deps.listQuotas(attrs.namespace);
      const quotas = pending ? all.filter((q) => pending!.has(q.metadata?.name ?? '')) : all;
      if (quotas.length === 0) return;
      const charged = checkRequest(quotas, attrs, evaluator, this.deps.now());
      if (attrs.dryRun) return;
      const failed = new Set<string>();
      for (let i = 0; i < quotas.length; i++) {
        const before = quotas[i]!;
        const after = charged[i]!;
        if (listsEqual(parseResourceList(before.status?.used), parseResourceList(after.status?.used))) continue;
        try {
          await this.deps.updateQuotaStatus(after);
        } catch (err) {
          if (!isConflictError(err)) throw err;
          failed.add(before.metadata?.name ?? '');
          lastConflict = err;
        }
      }
      if (failed.size === 0) return;
      pending = failed;
    }
    throw lastConflict;
  }
}
