// Resource names and quantities (pkg/apis/core/helper and the resource parts
// of pkg/apis/core/validation): container resource requirements, quota and
// limit-range names, non-negative and integer quantities.

import { quantity, validation } from '../../machinery/index.js';
import { forbidden, invalid, isObj, required, sortedKeys, type Errs, type FieldPath, type Obj } from './util.js';

type Quantity = quantity.Quantity;

const HUGEPAGES_PREFIX = 'hugepages-';
const REQUESTS_HUGEPAGES_PREFIX = 'requests.hugepages-';
const DEFAULT_NAMESPACE_PREFIX = 'kubernetes.io/';
const REQUESTS_PREFIX = 'requests.';

const STANDARD_RESOURCES = new Set([
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
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

const STANDARD_QUOTA_RESOURCES = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'services.nodeports',
  'services.loadbalancers',
]);

const INTEGER_RESOURCES = new Set([
  'pods',
  'resourcequotas',
  'services',
  'replicationcontrollers',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX);
}

function isQuotaHugePageResourceName(name: string): boolean {
  return name.startsWith(HUGEPAGES_PREFIX) || name.startsWith(REQUESTS_HUGEPAGES_PREFIX);
}

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes(DEFAULT_NAMESPACE_PREFIX);
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith(REQUESTS_PREFIX)) return false;
  return validation.isQualifiedName(REQUESTS_PREFIX + name).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

/** validateResourceName: qualified, and standard unless domain-prefixed. */
export function validateResourceName(name: string, path: FieldPath): Errs {
  const errs = validation.isQualifiedName(name).map((msg) => invalid(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !(STANDARD_RESOURCES.has(name) || isQuotaHugePageResourceName(name))) {
    return [invalid(path, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

/** validateContainerResourceName. */
export function validateContainerResourceName(name: string, path: FieldPath): Errs {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!(STANDARD_CONTAINER_RESOURCES.has(name) || isHugePageResourceName(name))) {
      return [...errs, invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    return [...errs, invalid(path, name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

/** ValidateResourceQuotaResourceName. */
export function validateQuotaResourceName(name: string, path: FieldPath): Errs {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !(STANDARD_QUOTA_RESOURCES.has(name) || isQuotaHugePageResourceName(name))) {
    return [...errs, invalid(path, name, 'must be a standard resource for quota')];
  }
  return errs;
}

/** Parsed quantities by raw value (null: does not parse); Quantity values are immutable. */
const parsedQuantities = new Map<string | number, Quantity | null>();
const PARSED_QUANTITIES_MAX = 4096;

/** A quantity field's value, or undefined when it does not parse (decoding rejects those). */
export function parseQuantityValue(value: unknown): Quantity | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') {
    const parsed = quantity.quantityFromJSON(value);
    return 'error' in parsed ? undefined : parsed;
  }
  let parsed = parsedQuantities.get(value);
  if (parsed === undefined) {
    const result = quantity.quantityFromJSON(value);
    parsed = 'error' in result ? null : result;
    if (parsedQuantities.size >= PARSED_QUANTITIES_MAX) parsedQuantities.clear();
    parsedQuantities.set(value, parsed);
  }
  return parsed ?? undefined;
}

/** ValidateResourceQuantityValue: non-negative, and whole for integer resources. */
export function validateResourceQuantityValue(name: string, value: Quantity, path: FieldPath): Errs {
  const errs: Errs = [];
  if (value.sign() < 0) errs.push(invalid(path, value.toString(), validation.IS_NEGATIVE_ERROR_MSG));
  if (isIntegerResourceName(name) && value.milliValue() % 1000n !== 0n) {
    errs.push(invalid(path, value.toString(), 'must be an integer'));
  }
  return errs;
}

function hugePageValueError(name: string, value: Quantity): string | undefined {
  const pageSize = parseQuantityValue(name.slice(HUGEPAGES_PREFIX.length));
  const divisible =
    pageSize !== undefined && pageSize.sign() > 0 && pageSize.milliValue() % 1000n === 0n && value.value() % pageSize.value() === 0n;
  return divisible ? undefined : `${value.toString()} is not positive integer multiple of ${name}`;
}

/** The entries of a ResourceList in Go map order (sorted here, for determinism). */
export function resourceEntries(list: unknown): Array<[string, Quantity]> {
  if (!isObj(list)) return [];
  const out: Array<[string, Quantity]> = [];
  for (const name of sortedKeys(list)) {
    const value = parseQuantityValue(list[name]);
    if (value !== undefined) out.push([name, value]);
  }
  return out;
}

/** validateResourceRequirements with the container resource-name rule. */
export function validateContainerResources(resources: Obj | undefined, podClaimNames: ReadonlySet<string>, path: FieldPath): Errs {
  const errs: Errs = [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = resourceEntries(resources?.limits);
  const requests = resourceEntries(resources?.requests);
  const limitMap = new Map(limits);
  let limCPUOrMemory = false;
  let reqCPUOrMemory = false;
  let limHugePages = false;
  let reqHugePages = false;
  for (const [name, value] of limits) {
    const fieldPath = limPath.key(name);
    errs.push(...validateContainerResourceName(name, fieldPath));
    errs.push(...validateResourceQuantityValue(name, value, fieldPath));
    if (isHugePageResourceName(name)) {
      limHugePages = true;
      const message = hugePageValueError(name, value);
      if (message !== undefined) errs.push(invalid(fieldPath, value.toString(), message));
    }
    if (name === 'cpu' || name === 'memory') limCPUOrMemory = true;
  }
  for (const [name, value] of requests) {
    const fieldPath = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, fieldPath));
    errs.push(...validateResourceQuantityValue(name, value, fieldPath));
    const limit = limitMap.get(name);
    if (limit !== undefined) {
      if (value.cmp(limit) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(reqPath, value.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
      } else if (value.cmp(limit) > 0) {
        errs.push(invalid(reqPath, value.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) {
      reqHugePages = true;
      const message = hugePageValueError(name, value);
      if (message !== undefined) errs.push(invalid(fieldPath, value.toString(), message));
    }
    if (name === 'cpu' || name === 'memory') reqCPUOrMemory = true;
  }
  if (!limCPUOrMemory && !reqCPUOrMemory && (reqHugePages || limHugePages)) {
    errs.push(forbidden(path, 'HugePages require cpu or memory'));
  }
  errs.push(...validateResourceClaimNames(resources, podClaimNames, path.child('claims')));
  return errs;
}

function validateResourceClaimNames(resources: Obj | undefined, podClaimNames: ReadonlySet<string>, path: FieldPath): Errs {
  const errs: Errs = [];
  const claims = Array.isArray(resources?.claims) ? resources.claims : [];
  const seen = new Set<string>();
  claims.forEach((claim, i) => {
    const name = isObj(claim) && typeof claim.name === 'string' ? claim.name : '';
    if (name === '') {
      errs.push(required(path.index(i), ''));
      return;
    }
    const request = isObj(claim) && typeof claim.request === 'string' ? claim.request : '';
    const key = request === '' ? name : `${name}/${request}`;
    if (seen.has(name) || seen.has(key)) errs.push(validation.duplicate(path.index(i), key));
    seen.add(key);
    if (!podClaimNames.has(name)) {
      const names = [...podClaimNames].sort(validation.compareGoStrings);
      const detail = `must be one of the names in pod.spec.resourceClaims${names.length === 0 ? ' which is empty' : `: ${names.join(', ')}`}`;
      errs.push(new validation.FieldError('FieldValueNotFound', path.index(i).toString(), name, detail));
    }
  });
  return errs;
}
