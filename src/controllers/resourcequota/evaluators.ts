// What objects cost against a ResourceQuota (k8s.io/apiserver/pkg/quota/v1 and
// pkg/quota/v1/evaluator/core): resource-list arithmetic, and one evaluator per
// kind that knows an object's usage, which quota resources and scopes concern it,
// and which values a quota requires it to declare. Shared by the quota controller
// (usage of what exists) and quota admission (usage of what is being created). Pure.

import type { Pod, Container, PersistentVolumeClaim, ResourceQuota, ScopedResourceSelectorRequirement, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { labels, quantity } from '../../machinery/index.js';

export type Quantity = quantity.Quantity;
/** corev1.ResourceList with parsed values. */
export type ResourceList = Record<string, Quantity>;

const ZERO = quantity.zeroQuantity('DecimalSI');

/** Parses a ResourceList as it is on the wire; unparsable values are skipped. */
export function parseResourceList(list: Readonly<Record<string, unknown>> | null | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [name, value] of Object.entries(list ?? {})) {
    const parsed = quantity.quantityFromJSON(value);
    if (!('error' in parsed)) out[name] = parsed;
  }
  return out;
}

/** The wire form of a ResourceList. */
export function formatResourceList(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(list).sort()) out[name] = list[name]!.toString();
  return out;
}

/** quota.Add: the sum per resource. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [name, value] of Object.entries(b)) out[name] = out[name] ? out[name].add(value) : value;
  return out;
}

/** quota.SubtractWithNonNegativeResult. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [name, value] of Object.entries(a)) {
    const diff = b[name] ? value.sub(b[name]) : value;
    out[name] = diff.sign() > 0 ? diff : ZERO;
  }
  for (const name of Object.keys(b)) out[name] ??= ZERO;
  return out;
}

/** quota.Mask: only the named resources. */
export function maskList(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const name of names) if (list[name]) out[name] = list[name];
  return out;
}

/** quota.Equals. */
export function listsEqual(a: ResourceList, b: ResourceList): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => b[k] !== undefined && a[k]!.cmp(b[k]) === 0);
}

/** quota.LessThanOrEqual: whether a <= b on b's resources, and those where it is not. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { allowed: boolean; exceeded: string[] } {
  const exceeded = Object.keys(b).filter((name) => a[name] !== undefined && a[name].cmp(b[name]!) > 0);
  return { allowed: exceeded.length === 0, exceeded };
}

/** quota.RemoveZeros. */
export function removeZeros(list: ResourceList): ResourceList {
  return Object.fromEntries(Object.entries(list).filter(([, v]) => !v.isZero()));
}

/** quota.IsNegative. */
export function negativeResources(list: ResourceList): string[] {
  return Object.keys(list).filter((name) => list[name]!.sign() < 0);
}

/** Go's sort.Strings order (byte order, not locale order). */
export function sortStrings(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** prettyPrint: "a=1,b=2" sorted by resource name. */
export function prettyPrint(list: ResourceList): string {
  return sortStrings(Object.keys(list))
    .map((name) => `${name}=${list[name]!.toString()}`)
    .join(',');
}

/** generic.ObjectCountQuotaResourceNameFor: count/<resource>[.<group>]. */
export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

export type Operation = 'CREATE' | 'UPDATE';

/** quota.Evaluator. */
export interface QuotaEvaluator {
  readonly group: string;
  readonly resource: string;
  /** Handles: whether an operation on this kind (and subresource) can change usage. */
  handles(operation: Operation, subresource: string): boolean;
  /** MatchingResources: the quota resources among `names` this evaluator measures. */
  matchingResources(names: readonly string[]): string[];
  /** Whether an object matches one scope selector of a quota. */
  matchesScope(selector: ScopedResourceSelectorRequirement, obj: KubeObject): boolean;
  /** Usage: what the object costs. */
  usage(obj: KubeObject, now: number): ResourceList;
  /** Constraints: why the object may not be admitted under a quota tracking `required` (undefined when it may). */
  constraints(required: readonly string[], obj: KubeObject): string | undefined;
}

/** helper.GetScopeSelectorsFromQuota: spec.scopes as Exists selectors, plus spec.scopeSelector's expressions. */
export function quotaScopeSelectors(quota: ResourceQuota): ScopedResourceSelectorRequirement[] {
  const selectors: ScopedResourceSelectorRequirement[] = (quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' }));
  return [...selectors, ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

/** generic.Matches: the quota tracks a resource the evaluator measures, and the object is in all its scopes. */
export function quotaMatches(evaluator: QuotaEvaluator, quota: ResourceQuota, obj: KubeObject): boolean {
  const hard = Object.keys(quota.status?.hard ?? {});
  if (evaluator.matchingResources(hard).length === 0) return false;
  return quotaScopeSelectors(quota).every((selector) => evaluator.matchesScope(selector, obj));
}

/** The objects a scope-less kind has: no object is in any scope (MatchesNoScopeFunc). */
const matchesNoScope = () => false;

function intersect(names: readonly string[], known: readonly string[]): string[] {
  return names.filter((name) => known.includes(name));
}

/** generic.NewObjectCountEvaluator: one count/<resource> (and a legacy alias) per object created. */
export function objectCountEvaluator(group: string, resource: string, alias?: string): QuotaEvaluator {
  const names = alias ? [objectCountName(group, resource), alias] : [objectCountName(group, resource)];
  return {
    group,
    resource,
    handles: (operation) => operation === 'CREATE',
    matchingResources: (input) => intersect(input, names),
    matchesScope: matchesNoScope,
    usage: () => Object.fromEntries(names.map((name) => [name, quantity.newQuantity(1, 'DecimalSI')])),
    constraints: () => undefined,
  };
}

// --- Pods -------------------------------------------------------------------------

const POD_RESOURCES = [
  'count/pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
];
/** validationSet: quotas on these make every container declare them (a mistake upstream keeps for compatibility). */
const VALIDATION_SET = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
const NATIVE_RESOURCE_SUFFIX = 'kubernetes.io/';

/** helper.IsNativeResource: no domain, or a kubernetes.io one. */
function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(NATIVE_RESOURCE_SUFFIX);
}

/** helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io, not a requests. quota name. */
function isExtendedResourceName(name: string): boolean {
  return !isNativeResource(name) && !name.startsWith('requests.');
}

/** podComputeUsageHelper: the quota resources a set of requests and limits stands for (plus one pod). */
function computeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const result: ResourceList = { pods: quantity.newQuantity(1, 'DecimalSI') };
  for (const base of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[base]) {
      result[base] = requests[base];
      result[`requests.${base}`] = requests[base];
    }
    if (limits[base]) result[`limits.${base}`] = limits[base];
  }
  for (const [name, value] of Object.entries(requests)) {
    if (name.startsWith('hugepages-')) {
      result[name] = value;
      result[`requests.${name}`] = value;
    }
    if (isExtendedResourceName(name)) result[`requests.${name}`] = value;
  }
  return result;
}

function maxLists(into: ResourceList, other: ResourceList): void {
  for (const [name, value] of Object.entries(other)) if (!into[name] || value.cmp(into[name]) > 0) into[name] = value;
}

/** resourcehelper.PodRequests / PodLimits: containers summed, init containers as their peak (sidecars stay running), plus overhead. */
function podResources(pod: Pod, kind: 'requests' | 'limits'): ResourceList {
  const of = (c: Container) => parseResourceList(c.resources?.[kind]);
  let total: ResourceList = {};
  for (const container of pod.spec?.containers ?? []) total = addLists(total, of(container));
  let sidecars: ResourceList = {};
  const initPeak: ResourceList = {};
  for (const container of pod.spec?.initContainers ?? []) {
    let own = of(container);
    if (container.restartPolicy === 'Always') {
      total = addLists(total, own);
      sidecars = addLists(sidecars, own);
      own = sidecars;
    } else {
      own = addLists(own, sidecars);
    }
    maxLists(initPeak, own);
  }
  maxLists(total, initPeak);
  const overhead = parseResourceList(pod.spec?.overhead);
  if (kind === 'requests') return addLists(total, overhead);
  // Overhead adds to limits only where a limit is set.
  return addLists(total, maskList(overhead, Object.keys(total)));
}

/** QuotaV1Pod: terminal pods, and pods past their deletion grace period, are not charged. */
export function podIsCharged(pod: Pod, now: number): boolean {
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return false;
  const deletion = pod.metadata?.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : NaN;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (!Number.isNaN(deletion) && grace !== undefined && now > deletion + grace * 1000) return false;
  return true;
}

/** PodUsageFunc: count/pods always; compute resources and `pods` while the pod is charged. */
export function podUsage(pod: Pod, now: number): ResourceList {
  const result: ResourceList = { 'count/pods': quantity.newQuantity(1, 'DecimalSI') };
  if (!podIsCharged(pod, now)) return result;
  return addLists(result, computeUsage(podResources(pod, 'requests'), podResources(pod, 'limits')));
}

/** qos.GetPodQOS == BestEffort: no container asks for or limits cpu or memory. */
function isBestEffort(pod: Pod): boolean {
  if (pod.status?.qosClass) return pod.status.qosClass === 'BestEffort';
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].every((c) =>
    ['cpu', 'memory'].every((r) => c.resources?.requests?.[r] === undefined && c.resources?.limits?.[r] === undefined),
  );
}

/** isTerminating: an activeDeadlineSeconds bounds the pod's life. */
function isTerminatingPod(pod: Pod): boolean {
  return (pod.spec?.activeDeadlineSeconds ?? -1) >= 0;
}

function usesCrossNamespacePodAffinity(pod: Pod): boolean {
  const affinity = pod.spec?.affinity;
  const crossNamespace = (term: { namespaces?: string[]; namespaceSelector?: unknown }) => (term.namespaces?.length ?? 0) > 0 || term.namespaceSelector !== undefined;
  for (const group of [affinity?.podAffinity, affinity?.podAntiAffinity]) {
    if (!group) continue;
    if ((group.requiredDuringSchedulingIgnoredDuringExecution ?? []).some(crossNamespace)) return true;
    if ((group.preferredDuringSchedulingIgnoredDuringExecution ?? []).some((w) => crossNamespace(w.podAffinityTerm))) return true;
  }
  return false;
}

const SCOPE_OPERATORS: Record<string, labels.Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** podMatchesSelector: a PriorityClass scope selector over {PriorityClass: spec.priorityClassName}. */
function priorityClassMatches(pod: Pod, selector: ScopedResourceSelectorRequirement): boolean {
  const operator = SCOPE_OPERATORS[selector.operator];
  if (!operator) return false;
  const requirement = labels.newRequirement(selector.scopeName, operator, selector.values ?? []);
  if ('error' in requirement) return false;
  const set: Record<string, string> = pod.spec?.priorityClassName ? { [selector.scopeName]: pod.spec.priorityClassName } : {};
  return labels.requirementMatches(requirement, set);
}

/** podMatchesScopeFunc. */
export function podMatchesScope(selector: ScopedResourceSelectorRequirement, pod: Pod): boolean {
  switch (selector.scopeName) {
    case 'Terminating':
      return isTerminatingPod(pod);
    case 'NotTerminating':
      return !isTerminatingPod(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      return selector.operator === 'Exists' ? Boolean(pod.spec?.priorityClassName) : priorityClassMatches(pod, selector);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    default:
      return false;
  }
}

/** Constraints: with cpu or memory quota'd, every container must declare them ("must specify ..."). */
function podConstraints(required: readonly string[], pod: Pod): string | undefined {
  const requiredSet = required.filter((r) => VALIDATION_SET.includes(r));
  const missing = new Map<string, Set<string>>();
  for (const container of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const declared = new Set(Object.keys(computeUsage(parseResourceList(container.resources?.requests), parseResourceList(container.resources?.limits))));
    for (const resource of requiredSet) {
      if (declared.has(resource)) continue;
      let names = missing.get(resource);
      if (!names) missing.set(resource, (names = new Set()));
      names.add(container.name);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = sortStrings(missing.keys()).map((resource) => `${resource} for: ${sortStrings(missing.get(resource)!).join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

export const podEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'pods',
  // Pods are charged on create, and on in-place resizes.
  handles: (operation, subresource) => (subresource === '' && operation === 'CREATE') || (subresource === 'resize' && operation === 'UPDATE'),
  matchingResources: (input) => [...intersect(input, POD_RESOURCES), ...input.filter((name) => name.startsWith('hugepages-') || name.startsWith('requests.hugepages-') || (name.startsWith('requests.') && !isNativeResource(name)))],
  matchesScope: (selector, obj) => podMatchesScope(selector, obj as Pod),
  usage: (obj, now) => podUsage(obj as Pod, now),
  constraints: (required, obj) => podConstraints(required, obj as Pod),
};

// --- Services ---------------------------------------------------------------------

const SERVICE_RESOURCES = ['count/services', 'services', 'services.nodeports', 'services.loadbalancers'];

/** The services evaluator's usage: one service, its node ports and load balancers. */
export function serviceUsage(service: Service): ResourceList {
  const ports = service.spec?.ports ?? [];
  const result: ResourceList = {
    'count/services': quantity.newQuantity(1, 'DecimalSI'),
    services: quantity.newQuantity(1, 'DecimalSI'),
    'services.loadbalancers': ZERO,
    'services.nodeports': ZERO,
  };
  if (service.spec?.type === 'NodePort') result['services.nodeports'] = quantity.newQuantity(ports.length, 'DecimalSI');
  if (service.spec?.type === 'LoadBalancer') {
    // With node port allocation off, only explicitly requested node ports count.
    const nodePorts = service.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
    result['services.nodeports'] = quantity.newQuantity(nodePorts, 'DecimalSI');
    result['services.loadbalancers'] = quantity.newQuantity(1, 'DecimalSI');
  }
  return result;
}

export const serviceEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'services',
  handles: (operation, subresource) => subresource === '' && (operation === 'CREATE' || operation === 'UPDATE'),
  matchingResources: (input) => intersect(input, SERVICE_RESOURCES),
  matchesScope: matchesNoScope,
  usage: (obj) => serviceUsage(obj as Service),
  constraints: () => undefined,
};

// --- PersistentVolumeClaims ---------------------------------------------------------

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const PVC_RESOURCES = ['count/persistentvolumeclaims', 'persistentvolumeclaims', 'requests.storage'];

function storageClassOf(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

/** The PVC evaluator's usage: one claim and its requested (or larger allocated) storage, also per storage class. */
export function pvcUsage(pvc: PersistentVolumeClaim): ResourceList {
  const one = quantity.newQuantity(1, 'DecimalSI');
  const result: ResourceList = { 'count/persistentvolumeclaims': one, persistentvolumeclaims: one };
  const storageClass = storageClassOf(pvc);
  if (storageClass) result[`${storageClass}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = one;
  const requested = parseResourceList(pvc.spec?.resources?.requests).storage;
  const allocated = parseResourceList(pvc.status?.allocatedResources).storage;
  const billed = requested && allocated ? (allocated.cmp(requested) > 0 ? allocated : requested) : (requested ?? allocated);
  if (billed) {
    result['requests.storage'] = billed;
    if (storageClass) result[`${storageClass}${STORAGE_CLASS_SUFFIX}requests.storage`] = billed;
  }
  return result;
}

export const pvcEvaluator: QuotaEvaluator = {
  group: '',
  resource: 'persistentvolumeclaims',
  handles: (operation, subresource) => subresource === '' && (operation === 'CREATE' || operation === 'UPDATE'),
  matchingResources: (input) => [...intersect(input, PVC_RESOURCES), ...input.filter((name) => name.includes(STORAGE_CLASS_SUFFIX) && (name.endsWith('/persistentvolumeclaims') || name.endsWith('/requests.storage')))],
  matchesScope: matchesNoScope,
  usage: (obj) => pvcUsage(obj as PersistentVolumeClaim),
  constraints: () => undefined,
};

// --- Registry ---------------------------------------------------------------------

/** legacyObjectCountAliases: the old names of four object counts. */
const LEGACY_ALIASES: Record<string, string> = { configmaps: 'configmaps', resourcequotas: 'resourcequotas', replicationcontrollers: 'replicationcontrollers', secrets: 'secrets' };

/** Resources quota never charges (virtual resources, events). */
const IGNORED = new Set(['/bindings', '/componentstatuses', '/events', 'events.k8s.io/events', 'authentication.k8s.io/tokenreviews', 'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/localsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews']);

export function isIgnoredByQuota(group: string, resource: string): boolean {
  return IGNORED.has(`${group}/${resource}`);
}

/** The evaluator of a kind: the specific ones, else an object count (with its legacy alias for core kinds). */
export function evaluatorFor(group: string, resource: string): QuotaEvaluator {
  if (group === '') {
    if (resource === 'pods') return podEvaluator;
    if (resource === 'services') return serviceEvaluator;
    if (resource === 'persistentvolumeclaims') return pvcEvaluator;
    const alias = LEGACY_ALIASES[resource];
    if (alias) return objectCountEvaluator('', resource, alias);
  }
  return objectCountEvaluator(group, resource);
}

/** The kind a count/<resource>[.<group>] quota resource counts. */
export function countedResource(name: string): { group: string; resource: string } | undefined {
  if (!name.startsWith('count/')) return undefined;
  const rest = name.slice('count/'.length);
  const dot = rest.indexOf('.');
  return dot < 0 ? { group: '', resource: rest } : { group: rest.slice(dot + 1), resource: rest.slice(0, dot) };
}

/** The kinds whose usage a quota's hard resources ask for. */
export function kindsForQuota(hard: readonly string[]): Array<{ group: string; resource: string }> {
  const kinds = new Map<string, { group: string; resource: string }>();
  const add = (group: string, resource: string) => kinds.set(`${group}/${resource}`, { group, resource });
  for (const evaluator of [podEvaluator, serviceEvaluator, pvcEvaluator]) if (evaluator.matchingResources(hard).length) add(evaluator.group, evaluator.resource);
  for (const name of hard) {
    const counted = countedResource(name);
    if (counted) add(counted.group, counted.resource);
    else if (LEGACY_ALIASES[name]) add('', name);
  }
  return [...kinds.values()];
}

/**
 * quota.CalculateUsage over given objects per kind: the usage of the quota's hard
 * resources by the objects in all its scopes, zero where nothing is used.
 */
export function calculateUsage(quota: ResourceQuota, objectsOf: (group: string, resource: string) => readonly KubeObject[], now: number): ResourceList {
  const hard = Object.keys(quota.spec?.hard ?? {});
  const scopes = quotaScopeSelectors(quota);
  let used: ResourceList = {};
  const matched = new Set<string>();
  for (const { group, resource } of kindsForQuota(hard)) {
    const evaluator = evaluatorFor(group, resource);
    const names = evaluator.matchingResources(hard);
    if (names.length === 0) continue;
    for (const name of names) {
      matched.add(name);
      used[name] ??= ZERO;
    }
    for (const obj of objectsOf(group, resource)) {
      if (scopes.every((selector) => evaluator.matchesScope(selector, obj))) used = addLists(used, evaluator.usage(obj, now));
    }
  }
  return maskList(used, matched);
}
