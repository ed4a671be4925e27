// Shared helpers for the per-kind validators: loose accessors over JSON
// objects, field errors whose bad value Go prints with %#v (structs, maps,
// IntOrString), and the small validators every group reuses.

import { validation } from '../../machinery/index.js';

export type Obj = Record<string, unknown>;
export type FieldError = validation.FieldError;
export type FieldPath = validation.FieldPath;
export type Errs = FieldError[];
export const { newPath } = validation;

export const { invalid, required, notSupported, forbidden, duplicate, notFound, tooLong, tooMany, goQuote, compareGoStrings } = validation;

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objAt(obj: Obj | undefined, key: string): Obj | undefined {
  const value = obj?.[key];
  return isObj(value) ? value : undefined;
}

/**
 * Items of an array field; non-objects become {} so indexes stay aligned with the input.
 * A list of objects only (nearly every list) is the field's own array, not a copy:
 * validators read what they are given and never change it.
 */
export function listAt(obj: Obj | undefined, key: string): Obj[] {
  const value = obj?.[key];
  if (!Array.isArray(value)) return [];
  for (const item of value) if (!isObj(item)) return value.map((v: unknown) => (isObj(v) ? v : {}));
  return value as Obj[];
}

export function strAt(obj: Obj | undefined, key: string): string {
  const value = obj?.[key];
  return typeof value === 'string' ? value : '';
}

/** A pointer-to-string field: undefined when nil. */
export function optStr(obj: Obj | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function numAt(obj: Obj | undefined, key: string): number | undefined {
  const value = obj?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringsAt(obj: Obj | undefined, key: string): string[] {
  const value = obj?.[key];
  return Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : String(v))) : [];
}

/** A map[string]string field (undefined when nil). */
export function stringMapAt(obj: Obj | undefined, key: string): Record<string, string> | undefined {
  const value = objAt(obj, key);
  if (!value) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

export function isNil(value: unknown): boolean {
  return value === undefined || value === null;
}

export function sortedKeys(obj: Obj | undefined): string[] {
  return Object.keys(obj ?? {}).sort(compareGoStrings);
}

/** Duplicate with a detail (upstream sets Detail on the error after constructing it). */
export function duplicateWithDetail(path: FieldPath, value: unknown, detail: string): FieldError {
  return new validation.FieldError('FieldValueDuplicate', path.toString(), value, detail);
}

// ---- bad values as upstream renders them ----
// Since 1.31 field errors print a non-scalar bad value as its JSON: a Go map
// with sorted keys (a plain object here), a struct in declaration order with
// omitempty fields dropped (a Map here).

/** A map[string]string bad value (nil prints as null). */
export function labelsValue(map: Record<string, string> | undefined): unknown {
  return map ?? null;
}

function nonEmpty(value: unknown): boolean {
  if (isNil(value) || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObj(value)) return Object.keys(value).length > 0;
  return true;
}

/** A metav1.LabelSelector bad value: {"matchLabels":{...},"matchExpressions":[...]}, omitempty. */
export function selectorValue(selector: Obj | undefined): unknown {
  if (!selector) return null;
  const out = new Map<string, unknown>();
  if (nonEmpty(selector.matchLabels)) out.set('matchLabels', stringMapAt(selector, 'matchLabels'));
  if (nonEmpty(selector.matchExpressions)) {
    out.set(
      'matchExpressions',
      listAt(selector, 'matchExpressions').map(
        (e) =>
          new Map<string, unknown>([
            ['key', strAt(e, 'key')],
            ['operator', strAt(e, 'operator')],
            ['values', nonEmpty(e.values) ? stringsAt(e, 'values') : undefined],
          ]),
      ),
    );
  }
  return out;
}

/** An intstr.IntOrString bad value: the number or the string. */
export function intOrStringValue(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'string' ? value : 0;
}

/** A struct bad value with its fields in declaration order, omitempty fields dropped. */
export function structValue(value: Obj | undefined, order: readonly string[]): unknown {
  if (!value) return null;
  const out = new Map<string, unknown>();
  for (const key of order) if (nonEmpty(value[key])) out.set(key, value[key]);
  for (const key of Object.keys(value)) if (!order.includes(key) && nonEmpty(value[key])) out.set(key, value[key]);
  return out;
}

// ---- shared validators ----

export const IS_NEGATIVE_ERROR_MSG = validation.IS_NEGATIVE_ERROR_MSG;
export const FIELD_IMMUTABLE_ERROR_MSG = validation.FIELD_IMMUTABLE_ERROR_MSG;
export const MAX_INT32 = 2147483647;

/** ValidateNonnegativeField (absent fields are skipped by callers). */
export function nonNegative(value: number | undefined, path: FieldPath): Errs {
  return value !== undefined && value < 0 ? [invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** ValidateDNS1123Label / ValidateDNS1123Subdomain / ValidateQualifiedName as field errors. */
export function dnsLabel(value: string, path: FieldPath): Errs {
  return validation.isDNS1123Label(value).map((msg) => invalid(path, value, msg));
}

export function dnsSubdomain(value: string, path: FieldPath): Errs {
  return validation.isDNS1123Subdomain(value).map((msg) => invalid(path, value, msg));
}

export function qualifiedName(value: string, path: FieldPath): Errs {
  return validation.isQualifiedName(value).map((msg) => invalid(path, value, msg));
}

/** Semantic deep equality of two JSON values as apimachinery compares them (nil == empty slice/map). */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const emptyA = isNil(a) || (Array.isArray(a) && a.length === 0) || (isObj(a) && Object.keys(a).length === 0);
  const emptyB = isNil(b) || (Array.isArray(b) && b.length === 0) || (isObj(b) && Object.keys(b).length === 0);
  if (emptyA || emptyB) return emptyA && emptyB;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => semanticEqual(item, b[i]));
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!semanticEqual(a[key], b[key])) return false;
    return true;
  }
  return a === b;
}

/** ValidateImmutableField for a value Go prints with %v or JSON (strings, numbers, lists). */
export function immutable(newValue: unknown, oldValue: unknown, path: FieldPath): Errs {
  return semanticEqual(newValue, oldValue) ? [] : [invalid(path, newValue ?? null, FIELD_IMMUTABLE_ERROR_MSG)];
}

/** ValidateImmutableField for a struct value, with its Go rendering. */
export function immutableValue(newValue: unknown, oldValue: unknown, path: FieldPath, badValue: unknown): Errs {
  return semanticEqual(newValue, oldValue) ? [] : [invalid(path, badValue, FIELD_IMMUTABLE_ERROR_MSG)];
}
