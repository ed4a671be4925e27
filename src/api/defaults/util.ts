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

/** Canonical forms by raw value (null: does not parse): pods repeat a handful of quantities. */
const roundedQuantities = new Map<string | number, string | null>();
const canonicalQuantities = new Map<string | number, string | null>();
const QUANTITY_MEMO_MAX = 4096;

function memoized(memo: Map<string | number, string | null>, raw: unknown, compute: () => string | null): string | null {
  if (typeof raw !== 'string' && typeof raw !== 'number') return compute();
  let out = memo.get(raw);
  if (out === undefined) {
    out = compute();
    if (memo.size >= QUANTITY_MEMO_MAX) memo.clear();
    memo.set(raw, out);
  }
  return out;
}

/**
 * SetDefaults_ResourceList: every quantity rounded up to milli precision and
 * written back in the canonical form the Go server serialises. Unparseable
 * values are left alone (decoding reports them).
 */
export function defaultResourceList(list: unknown): void {
  if (!isObj(list)) return;
  for (const [name, raw] of Object.entries(list)) {
    const rounded = memoized(roundedQuantities, raw, () => {
      const parsed = quantity.quantityFromJSON(raw);
      return 'error' in parsed ? null : parsed.roundUp(-3).quantity.toString();
    });
    if (rounded !== null) list[name] = rounded;
  }
}

/** A single Quantity field (not a list), serialised canonically. */
export function canonicalQuantity(obj: Obj, key: string): void {
  const raw = obj[key];
  if (isNil(raw)) return;
  const canonical = memoized(canonicalQuantities, raw, () => {
    const parsed = quantity.quantityFromJSON(raw);
    return 'error' in parsed ? null : parsed.toString();
  });
  if (canonical !== null) obj[key] = canonical;
}
