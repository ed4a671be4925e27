// Path elements of structured-merge-diff (fieldpath.PathElement): the steps of
// a field path, their total order, their FieldsV1 key form ("f:name",
// "k:{...}", "v:...", "i:N") and their human form (".name", "[name=\"x\"]",
// "[=v]", "[0]") as conflict messages print them. Pure.

import { compareGoStrings, goJSON, goQuote } from '../validation/index.js';

/** A JSON value as decoded from a request body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface KeyField {
  readonly name: string;
  readonly value: Json;
}

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly value: Json }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

export function fieldPE(name: string): PathElement {
  return { kind: 'field', name };
}

/** A map-list key; the fields are sorted by name as upstream stores them. */
export function keyPE(fields: readonly KeyField[]): PathElement {
  return { kind: 'key', fields: [...fields].sort((a, b) => compareGoStrings(a.name, b.name)) };
}

export function valuePE(value: Json): PathElement {
  return { kind: 'value', value };
}

export function indexPE(index: number): PathElement {
  return { kind: 'index', index };
}

/** A path from field names (and numbers for indexes), for tests and fixed sets. */
export function makePath(...parts: (string | number | PathElement)[]): PathElement[] {
  return parts.map((p) => (typeof p === 'string' ? fieldPE(p) : typeof p === 'number' ? indexPE(p) : p));
}

// ---- values -------------------------------------------------------------

function isJsonObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rank(v: Json): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (isJsonObject(v)) return 4;
  return 5; // null
}

/**
 * value.Compare: a total order over values of any type. Numbers (ints and
 * floats compare numerically) < strings < booleans < lists < maps < null.
 */
export function compareValues(a: Json, b: Json): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareGoStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a === false ? -1 : 1;
    case 3: {
      const x = a as Json[];
      const y = b as Json[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 4: {
      const x = a as { [key: string]: Json };
      const y = b as { [key: string]: Json };
      const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort(compareGoStrings);
      const lx = Object.keys(x).length;
      const ly = Object.keys(y).length;
      if (lx === 0 && ly === 0) return 0;
      let i = 0;
      for (const k of keys) {
        let c: number;
        if (i === lx) c = -1;
        else if (i === ly) c = 1;
        else if (!(k in x)) c = 1;
        else if (!(k in y)) c = -1;
        else c = compareValues(x[k]!, y[k]!);
        i++;
        if (c !== 0) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

/** Deep equality of JSON values (numbers by value, object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  for (const k of kx) {
    if (!Object.prototype.hasOwnProperty.call(y, k) || !jsonEqual(x[k], y[k])) return false;
  }
  return true;
}

/** fmt's %v for a float64 (shortest form, exponent below 1e-4 or from 1e21). */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [mantissa = '', exp = '0'] = n.toExponential().split('e');
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

/** value.ToString: how values appear inside path strings. */
export function valueToString(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? (Object.is(v, -0) ? '0' : v.toFixed(0)) : goFloat(v);
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  return Object.keys(v)
    .sort(compareGoStrings)
    .map((k) => `${k}=${valueToString(v[k]!)}`)
    .join('');
}

// ---- path elements ------------------------------------------------------

function peRank(pe: PathElement): number {
  switch (pe.kind) {
    case 'field':
      return 0;
    case 'key':
      return 1;
    case 'value':
      return 2;
    default:
      return 3;
  }
}

function compareKeys(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const c = compareGoStrings(a[i]!.name, b[i]!.name);
    if (c !== 0) return c;
    const d = compareValues(a[i]!.value, b[i]!.value);
    if (d !== 0) return d;
  }
}

/** PathElement.Compare: field names < keys < values < indexes, then by content. */
export function comparePE(a: PathElement, b: PathElement): number {
  const ra = peRank(a);
  const rb = peRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (a.kind) {
    case 'field':
      return compareGoStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeys(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    default: {
      const bi = (b as typeof a).index;
      return a.index < bi ? -1 : a.index > bi ? 1 : 0;
    }
  }
}

/** Whether encoding/json (and jsoniter's compatible config) would escape anything in `s`. */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) return true;
    if (c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/** The JSON text jsoniter (ConfigCompatibleWithStandardLibrary) writes for a value. */
export function valueJSON(v: Json): string {
  if (typeof v === 'string') return needsEscape(v) ? goJSON(v) : `"${v}"`;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return goJSON(v);
}

const serialized = new WeakMap<object, string>();

/** Serialized field elements by name: FieldsV1 keys made fresh cost a string-table lookup on every use. */
const fieldKeys = new Map<string, string>();
const FIELD_KEYS_MAX = 16384;

/** serializePE(fieldPE(name)), memoized: "f:name". */
export function fieldKey(name: string): string {
  let key = fieldKeys.get(name);
  if (key === undefined) {
    if (fieldKeys.size >= FIELD_KEYS_MAX) fieldKeys.clear();
    key = `f:${name}`;
    fieldKeys.set(name, key);
  }
  return key;
}

/** Serialized one-field keys (a container's name, a condition's type) by field name and value. */
const singleKeys = new Map<string, Map<string | number, string>>();
let singleKeysCount = 0;

function singleKey(name: string, value: string | number): string {
  let byValue = singleKeys.get(name);
  if (!byValue) {
    byValue = new Map();
    singleKeys.set(name, byValue);
  }
  let key = byValue.get(value);
  if (key === undefined) {
    if (++singleKeysCount > FIELD_KEYS_MAX) {
      singleKeys.clear();
      singleKeysCount = 0;
    }
    key = `k:{${valueJSON(name)}:${valueJSON(value)}}`;
    byValue.set(value, key);
  }
  return key;
}

/** SerializePathElement without the memo, for walkers that serialize each element they make once. */
export function serializePEOnce(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return fieldKey(pe.name);
    case 'key': {
      const only = pe.fields.length === 1 ? pe.fields[0]! : undefined;
      if (only && (typeof only.value === 'string' || typeof only.value === 'number')) return singleKey(only.name, only.value);
      let s = 'k:{';
      for (let i = 0; i < pe.fields.length; i++) {
        const f = pe.fields[i]!;
        s += `${i > 0 ? ',' : ''}${valueJSON(f.name)}:${valueJSON(f.value)}`;
      }
      return `${s}}`;
    }
    case 'value':
      return `v:${valueJSON(pe.value)}`;
    default:
      return `i:${pe.index}`;
  }
}

/** SerializePathElement: the FieldsV1 object key of a path element. */
export function serializePE(pe: PathElement): string {
  if (pe.kind === 'field') return fieldKey(pe.name);
  let s = serialized.get(pe);
  if (s === undefined) {
    s = serializePEOnce(pe);
    serialized.set(pe, s);
  }
  return s;
}

export class PathElementError extends Error {}

/** Marker for a key of a type this version does not know (upstream skips these). */
export const UNKNOWN_PATH_ELEMENT = Symbol('unknown path element type');

/** DeserializePathElement; throws PathElementError for a malformed key. */
export function deserializePE(s: string): PathElement | typeof UNKNOWN_PATH_ELEMENT {
  if (s.length < 2) throw new PathElementError('key must be 2 characters long:');
  if (s[1] !== ':') throw new PathElementError(`missing colon: ${s}`);
  const rest = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldPE(rest);
    case 'v':
      return valuePE(parseJSON(rest));
    case 'k': {
      const parsed = parseJSON(rest);
      if (!isJsonObject(parsed)) throw new PathElementError(`expected a JSON object in ${s}`);
      return keyPE(Object.entries(parsed).map(([name, value]) => ({ name, value })));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(rest)) throw new PathElementError(`strconv.Atoi: parsing ${goQuote(rest)}: invalid syntax`);
      return indexPE(Number(rest));
    }
    default:
      return UNKNOWN_PATH_ELEMENT;
  }
}

function parseJSON(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new PathElementError((err as Error).message);
  }
}

/** PathElement.String(): ".name", "[k=v,...]", "[=v]", "[i]". */
export function peToString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map((f) => `${f.name}=${valueToString(f.value)}`).join(',')}]`;
    case 'value':
      return `[=${valueToString(pe.value)}]`;
    default:
      return `[${pe.index}]`;
  }
}

/** Path.String(): the path elements' strings concatenated, e.g. `.spec.replicas`. */
export function pathToString(path: Path): string {
  return path.map(peToString).join('');
}
