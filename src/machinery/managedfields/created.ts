// The fields a create sets, straight to FieldsV1: what compare(zero, object)
// (added plus modified) reports for a new object, built in one walk over the
// object without field sets or set algebra. The field manager uses it when a
// create has no managedFields to merge with, the common case; shapes the walk
// does not handle (a value of another shape than the kind's empty object has
// there) return undefined and take the general path. Pure.

import { compareGoStrings } from '../validation/index.js';
import type { FieldSet, FieldsV1 } from './fieldset.js';
import { comparePE, fieldKey, jsonEqual, serializePE, serializePEOnce, type PathElement } from './pathelement.js';
import { DEDUCED, resolveAtom, type Atom, type ListAtom, type MapAtom } from './schema.js';
import { listItemPE } from './typed.js';

type JsonObject = Record<string, unknown>;

/** The walk met a shape it leaves to compare (a removal, or a filled-in atomic value). */
class Unsupported {}
const UNSUPPORTED = new Unsupported();

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyObject(obj: object): boolean {
  for (const _key in obj) return false;
  return true;
}

const SMALL_SORT = 16;

/**
 * Sorts names in Go's (UTF-8 byte) order: the native UTF-16 sort agrees unless
 * surrogates are involved, which the adjacent-pair check catches.
 */
function sortGoStrings(names: string[]): void {
  const n = names.length;
  if (n < 2) return;
  if (n <= SMALL_SORT) {
    // The same order as sort() (UTF-16 code units) without the work arrays sort()
    // allocates per call: a create sorts the members of every object it walks.
    for (let i = 1; i < n; i++) {
      const name = names[i]!;
      let j = i - 1;
      for (; j >= 0 && names[j]! > name; j--) names[j + 1] = names[j]!;
      names[j + 1] = name;
    }
  } else {
    names.sort();
  }
  for (let i = 1; i < names.length; i++) {
    if (compareGoStrings(names[i - 1]!, names[i]!) > 0) {
      names.sort(compareGoStrings);
      return;
    }
  }
}

function fieldAtom(map: MapAtom, name: string): Atom {
  return map.field(name) ?? map.elem ?? DEDUCED;
}

/** A member leaf: `{}`. */
function leaf(): FieldsV1 {
  return {};
}

/** A value nobody had: itself and everything below it are added (compareNode with no left side). */
function added(value: unknown, atom: Atom): FieldsV1 {
  const a = resolveAtom(atom, value);
  if (a.kind === 'scalar' || a.atomic) return leaf();
  if (a.kind === 'list') return Array.isArray(value) && value.length > 0 ? listItems(a, value, true) : leaf();
  if (!isObject(value)) return leaf();
  const keys: string[] = [];
  for (const key in value) if (value[key] !== undefined) keys.push(key);
  if (keys.length === 0) return leaf();
  sortGoStrings(keys);
  const out: FieldsV1 = { '.': {} };
  for (const key of keys) out[fieldKey(key)] = added(value[key], fieldAtom(a, key));
  return out;
}

/** The items of an associative list, all added, in upstream's order (first occurrence of each key). */
function listItems(a: ListAtom, list: readonly unknown[], member: boolean): FieldsV1 {
  if (list.length === 1) {
    // One item (most lists of a pod): no duplicates to skip, nothing to sort.
    let pe: PathElement;
    try {
      pe = listItemPE(a, 0, list[0]);
    } catch {
      return {};
    }
    const out: FieldsV1 = member ? { '.': {} } : {};
    out[serializePEOnce(pe)] = added(list[0], a.elem);
    return out;
  }
  const items: { pe: PathElement; key: string; value: unknown }[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    let pe: PathElement;
    try {
      pe = listItemPE(a, i, list[i]);
    } catch {
      continue; // compare skips items without a key
    }
    const key = serializePEOnce(pe);
    if (seen.has(key)) continue;
    seen.add(key);
    items.push({ pe, key, value: list[i] });
  }
  if (items.length > 1) items.sort((x, y) => comparePE(x.pe, y.pe));
  const out: FieldsV1 = member && items.length > 0 ? { '.': {} } : {};
  for (const item of items) out[item.key] = added(item.value, a.elem);
  return out;
}

/**
 * compareNode(zero, value) for a part of the object the kind's empty object
 * has (`zero` defined): undefined when nothing differs. `value` undefined
 * means the caller's map lacks the key, which the empty object fills in.
 */
function fromZero(zero: unknown, value: unknown, atom: Atom): FieldsV1 | undefined {
  if (value === undefined || zero === value) return undefined;
  const al = resolveAtom(atom, zero);
  const a = resolveAtom(atom, value);
  if (al !== a) throw UNSUPPORTED;
  if (a.kind === 'scalar') return jsonEqual(zero, value) ? undefined : leaf();
  if (a.kind === 'list') {
    const ll = Array.isArray(zero) ? zero : undefined;
    const rl = Array.isArray(value) ? value : undefined;
    if (a.atomic || ((!ll || ll.length === 0) && (!rl || rl.length === 0))) return jsonEqual(zero, value) ? undefined : leaf();
    if (ll && ll.length > 0) throw UNSUPPORTED;
    const out = listItems(a, rl!, false);
    return isEmptyObject(out) ? undefined : out;
  }
  const lm = isObject(zero) ? zero : undefined;
  const rm = isObject(value) ? value : undefined;
  const lEmpty = !lm || isEmptyObject(lm);
  // A filled-in atomic struct, or a struct replaced by a non-object: compare knows best.
  if (!lEmpty && (a.atomic || !rm)) throw UNSUPPORTED;
  if (a.atomic || (lEmpty && (!rm || isEmptyObject(rm)))) return jsonEqual(zero, value) ? undefined : leaf();
  const keys: string[] = [];
  if (lm) for (const key in lm) if (lm[key] !== undefined) keys.push(key);
  if (rm) for (const key in rm) if (rm[key] !== undefined && !(lm && lm[key] !== undefined)) keys.push(key);
  sortGoStrings(keys);
  let out: FieldsV1 | undefined;
  for (const key of keys) {
    const z = lm?.[key];
    const v = rm?.[key];
    const d = z === undefined ? added(v, fieldAtom(a, key)) : fromZero(z, v, fieldAtom(a, key));
    if (d !== undefined) (out ??= {})[fieldKey(key)] = d;
  }
  return out;
}

function isMemberNode(node: FieldsV1): boolean {
  return '.' in node || isEmptyObject(node);
}

function hasChildren(node: FieldsV1): boolean {
  for (const key in node) if (key !== '.') return true;
  return false;
}

/** One member of a FieldSet as subtract uses it: its FieldsV1 key and what is below it. */
interface Cut {
  readonly key: string;
  readonly member: boolean;
  readonly child: readonly Cut[] | undefined;
}

/**
 * The sets subtracted here are built once and never changed (the kind's reset
 * fields, the fields nobody owns): their members are listed once, not iterated
 * and serialized again on every create.
 */
const cutsBySet = new WeakMap<FieldSet, readonly Cut[]>();

function cutsOf(set: FieldSet): readonly Cut[] {
  let cuts = cutsBySet.get(set);
  if (!cuts) {
    const list: Cut[] = [];
    for (const e of set.entries()) list.push({ key: serializePE(e.pe), member: e.member, child: e.child ? cutsOf(e.child) : undefined });
    cuts = list;
    cutsBySet.set(set, cuts);
  }
  return cuts;
}

/** A FieldsV1 level without its "." marker. */
function withoutMarker(node: FieldsV1): FieldsV1 {
  const out: FieldsV1 = {};
  for (const key in node) if (key !== '.') out[key] = node[key]!;
  return out;
}

/**
 * FieldSet difference (or recursiveDifference) of FieldsV1 of this walk: `fields`
 * itself when nothing is removed, else a copy without it. Copies rather than
 * deletes: `delete` turns an object into a slow dictionary, and these objects
 * become the stored managedFields, encoded with every write and read.
 */
function subtract(fields: FieldsV1, cuts: readonly Cut[], recursive: boolean): FieldsV1 {
  let replaced: Map<string, FieldsV1 | undefined> | undefined;
  for (const cut of cuts) {
    const node = fields[cut.key];
    if (!node) continue;
    let next: FieldsV1 | undefined;
    if (!(recursive && cut.member)) {
      const member = isMemberNode(node) && !cut.member;
      const below = cut.child && hasChildren(node) ? subtract(node, cut.child, recursive) : node;
      const children = hasChildren(below);
      if (!children) next = member ? leaf() : undefined;
      else next = member ? below : withoutMarker(below);
      if (next === node) continue;
    }
    (replaced ??= new Map()).set(cut.key, next);
  }
  if (!replaced) return fields;
  const out: FieldsV1 = {};
  for (const key in fields) {
    const next = replaced.has(key) ? replaced.get(key) : fields[key];
    if (next) out[key] = next;
  }
  return out;
}

/**
 * The FieldsV1 of what creating `obj` sets, as updateCore computes it against
 * the kind's empty object: `{ fields }` (undefined fields when it sets nothing
 * anyone owns), or undefined when the general path must decide.
 * `ignored` is removed with everything below it, `strip` member by member.
 */
export function createdFieldsV1(zero: Readonly<JsonObject>, obj: JsonObject, root: Atom, ignored: FieldSet | undefined, strip: FieldSet): { fields: FieldsV1 | undefined } | undefined {
  let fields: FieldsV1 | undefined;
  try {
    fields = fromZero(zero, obj, root);
  } catch (err) {
    if (err === UNSUPPORTED) return undefined;
    throw err;
  }
  if (!fields) return { fields: undefined };
  if (ignored) fields = subtract(fields, cutsOf(ignored), true);
  fields = subtract(fields, cutsOf(strip), false);
  return { fields: isEmptyObject(fields) ? undefined : fields };
}
