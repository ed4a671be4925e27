// Loose accessors for objects in their JSON (v1 wire) form. Objects arrive
// from clients, so every field is read defensively: a field of the wrong
// shape is treated as absent (the decoder or schema check reports it).

import { quantity } from '../../machinery/index.js';

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at obj[key], created (and stored) when absent or not an object. */
export function ensureObj(obj: Obj, key: string): Obj {
  const value = obj[key];
  if (isObj(value)) return value;
  const created: Obj = {};
  obj[key] = created;
  return created;
}

/** The object at obj[key] when it is one. */
export function objAt(obj: Obj | undefined, key: string): Obj | undefined {
  const value = obj?.[key];
  return isObj(value) ? value : undefined;
}

/** The objects of the array at obj[key] (non-objects skipped). */
export function objsAt(obj: Obj | undefined, key: string): Obj[] {
  const value = obj?.[key];
  return Array.isArray(value) ? value.filter(isObj) : [];
}

/** Go's "unset" for a string field: absent, null or "". */
export function unsetString(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Go's nil for a pointer field: absent or null. */
export function isNil(value: unknown): boolean {
  return value === undefined || value === null;
}

/** A slice or map with no entries (Go's len(x) == 0). */
export function isEmptyCollection(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isObj(value)) return Object.keys(value).length === 0;
  return value === undefined || value === null;
}

/**
 * SetDefaults_ResourceList: every quantity rounded up to milli precision and
 * written back in the canonical form the Go server serialises. Unparseable
 * values are left alone (decoding reports them).
 */
export function defaultResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [name, raw] of Object.entries(list)) {
    const parsed = quantity.quantityFromJSON(raw);
    if ('error' in parsed) continue;
    list[name] = parsed.roundUp(-3).quantity.toString();
  }
}

/** A single Quantity field (not a list), serialised canonically. */
export function canonicalQuantity(obj: Obj, key: string): void {
  if (isNil(obj[key])) return;
  const parsed = quantity.quantityFromJSON(obj[key]);
  if (!('error' in parsed)) obj[key] = parsed.toString();
}
