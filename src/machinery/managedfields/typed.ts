// Schema-driven walks over plain JSON objects, as structured-merge-diff's
// typed package does them: the field set an object sets (ToFieldSet),
// validation of an applied configuration (unknown fields, map-list keys,
// duplicates), the comparison of two versions (added / modified / removed
// fields), the apply merge (maps merge, map-lists merge by key keeping a
// stable order, sets union, atomic values replaced) and the removal of a set
// of fields. Pure.

import { FieldSet, type SetNode } from './fieldset.js';
import {
  fieldKey,
  fieldPE,
  indexPE,
  keyPE,
  pathToString,
  serializePE,
  serializePEOnce,
  valuePE,
  jsonEqual,
  type Json,
  type KeyField,
  type PathElement,
} from './pathelement.js';
import { DEDUCED, DEDUCED_MAP, resolveAtom, type Atom, type ListAtom, type MapAtom } from './schema.js';

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- list items ---------------------------------------------------------

export class ItemError extends Error {}

/** listItemToPathElement: the key of a list item; throws ItemError when it has none. */
export function listItemPE(list: ListAtom, index: number, item: unknown): PathElement {
  if (list.atomic) return indexPE(index);
  if (list.keys.length > 0) {
    if (item === null || item === undefined) throw new ItemError('associative list with keys may not have a null element');
    if (!isObject(item)) throw new ItemError('associative list with keys may not have non-map elements');
    const fields: KeyField[] = [];
    const elem = resolveAtom(list.elem, item);
    for (const name of list.keys) {
      if (Object.prototype.hasOwnProperty.call(item, name) && item[name] !== undefined) {
        fields.push({ name, value: item[name] as Json });
        continue;
      }
      const def = elem.kind === 'map' ? elem.fieldDefault(name) : undefined;
      if (def === undefined) {
        throw new ItemError(`associative list with keys has an element that omits key field "${name}" (and doesn't have default value)`);
      }
      fields.push({ name, value: def });
    }
    return keyPE(fields);
  }
  if (isObject(item)) throw new ItemError("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new ItemError('not supported: associative list with lists as elements');
  if (item === null || item === undefined) throw new ItemError("associative list without keys has an element that's an explicit null");
  return valuePE(item as Json);
}

function fieldAtom(map: MapAtom, name: string): Atom | undefined {
  return map.field(name) ?? map.elem;
}

// ---- ToFieldSet ---------------------------------------------------------

/** The fields an object sets, per its schema. Items whose key cannot be computed are skipped. */
export function toFieldSet(value: unknown, atom: Atom): FieldSet {
  const out = walkToSet(value, atom);
  return out ?? FieldSet.empty();
}

/** The set below one value (its own membership is decided by the caller). */
function walkToSet(value: unknown, atom: Atom): FieldSet | undefined {
  const a = resolveAtom(atom, value);
  if (a.kind === 'scalar' || a.atomic) return undefined;
  if (a.kind === 'list') {
    if (!Array.isArray(value)) return undefined;
    const nodes: { pe: PathElement; member: boolean; child: FieldSet | undefined }[] = [];
    value.forEach((item, i) => {
      let pe: PathElement;
      try {
        pe = listItemPE(a, i, item);
      } catch {
        return;
      }
      nodes.push({ pe, member: true, child: walkToSet(item, a.elem) });
    });
    return FieldSet.fromNodes(nodes);
  }
  if (!isObject(value)) return undefined;
  const nodes: { pe: PathElement; member: boolean; child: FieldSet | undefined }[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const declared = a.field(key);
    const t = declared ?? a.elem ?? DEDUCED;
    const child = walkToSet(v, t);
    // Scalars and atomic values are members; so are entries that are not declared fields.
    const leaf = isLeaf(v, t);
    nodes.push({ pe: fieldPE(key), member: leaf || !declared, child });
  }
  return FieldSet.fromNodes(nodes);
}

function isLeaf(value: unknown, atom: Atom): boolean {
  const a = resolveAtom(atom, value);
  return a.kind === 'scalar' || a.atomic;
}

// ---- validation ---------------------------------------------------------

export interface ValidationError {
  /** Path string, e.g. `.spec.template.spec.containers[name="nginx"].ports`. */
  readonly path: string;
  readonly message: string;
}

/** ValidationErrors.Error(): one error as `path: message`, several as an indented list. */
export function formatValidationErrors(errs: readonly ValidationError[]): string {
  const one = (e: ValidationError): string => (e.path ? `${e.path}: ${e.message}` : e.message);
  if (errs.length === 1) return one(errs[0]!);
  return ['errors:', ...errs.map((e) => `  ${one(e)}`)].join('\n');
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/**
 * Checks an object against its schema as upstream does when it types an
 * applied configuration: undeclared fields, maps/lists where the schema wants
 * something else, map-list items without keys, and duplicate keys.
 */
export function validate(value: unknown, atom: Atom, options: { allowDuplicates?: boolean } = {}): ValidationError[] {
  const errs: ValidationError[] = [];
  validateValue(value, atom, [], errs, options.allowDuplicates ?? false);
  return errs;
}

function validateValue(value: unknown, atom: Atom, path: PathElement[], errs: ValidationError[], allowDuplicates: boolean): void {
  const a = resolveAtom(atom, value);
  const err = (message: string): void => {
    errs.push({ path: pathToString(path), message });
  };
  if (value === null) return;
  if (a.kind === 'scalar') {
    switch (a.scalar) {
      case 'numeric':
        if (typeof value !== 'number') err(`expected numeric (int or float), got ${goType(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') err(`expected boolean, got ${goType(value)}`);
        return;
      default:
        // Strings also take numbers: Quantity and int-or-string values arrive as either.
        if (typeof value === 'object') err(`expected ${a.scalar === 'string' ? 'string' : 'any scalar'}, got ${goType(value)}`);
        return;
    }
  }
  if (a.kind === 'list') {
    if (!Array.isArray(value)) {
      err(`expected list, got ${goType(value)}`);
      return;
    }
    const seen = new Set<string>();
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      let pe: PathElement;
      if (a.atomic) {
        pe = indexPE(i);
      } else {
        try {
          pe = listItemPE(a, i, item);
        } catch (e) {
          err(`element ${i}: ${(e as Error).message}`);
          return;
        }
        const key = serializePE(pe);
        if (seen.has(key) && !allowDuplicates) err(`duplicate entries for key ${pathToString([pe])}`);
        seen.add(key);
      }
      validateValue(item, a.elem, [...path, pe], errs, allowDuplicates);
    }
    return;
  }
  if (!isObject(value)) {
    err(`expected map, got ${goType(value)}`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const t = fieldAtom(a, key);
    if (!t) {
      errs.push({ path: pathToString([...path, fieldPE(key)]), message: 'field not declared in schema' });
      return;
    }
    validateValue(v, t, [...path, fieldPE(key)], errs, allowDuplicates);
  }
}

// ---- Compare ------------------------------------------------------------

export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

/** The fields `rhs` adds, changes and removes relative to `lhs` (both objects of the same schema). */
export function compare(lhs: unknown, rhs: unknown, atom: Atom): Comparison {
  const r = compareNode(lhs, rhs, atom);
  return { added: r.added ?? FieldSet.empty(), modified: r.modified ?? FieldSet.empty(), removed: r.removed ?? FieldSet.empty() };
}

/** Keeps a comparison to the fields outside `ignored` (and everything below them). */
export function excludeFields(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (!ignored || ignored.isEmpty()) return c;
  return {
    added: c.added.recursiveDifference(ignored),
    modified: c.modified.recursiveDifference(ignored),
    removed: c.removed.recursiveDifference(ignored),
  };
}

/** One node's outcome: whether the node itself was added/modified/removed, and the sets below it. */
interface NodeDiff {
  self: 'added' | 'modified' | 'removed' | undefined;
  added: FieldSet | undefined;
  modified: FieldSet | undefined;
  removed: FieldSet | undefined;
}

/** Collects children's outcomes into the three sets of their parent. */
class DiffBuilder {
  private readonly added: SetNode[] = [];
  private readonly modified: SetNode[] = [];
  private readonly removed: SetNode[] = [];

  add(pe: PathElement, key: string, d: NodeDiff): void {
    if (d.self === 'added' || d.added) this.added.push({ pe, key, member: d.self === 'added', child: d.added });
    if (d.self === 'modified' || d.modified) this.modified.push({ pe, key, member: d.self === 'modified', child: d.modified });
    if (d.self === 'removed' || d.removed) this.removed.push({ pe, key, member: d.self === 'removed', child: d.removed });
  }

  finish(self: NodeDiff['self']): NodeDiff {
    return {
      self,
      added: this.added.length ? FieldSet.fromNodes(this.added) : undefined,
      modified: this.modified.length ? FieldSet.fromNodes(this.modified) : undefined,
      removed: this.removed.length ? FieldSet.fromNodes(this.removed) : undefined,
    };
  }
}

const NO_DIFF: NodeDiff = { self: undefined, added: undefined, modified: undefined, removed: undefined };

function hasDiff(d: NodeDiff): boolean {
  return d !== NO_DIFF && (d.self !== undefined || d.added !== undefined || d.modified !== undefined || d.removed !== undefined);
}

function compareNode(l: unknown, r: unknown, atom: Atom): NodeDiff {
  // A value compared with itself has no differences (stored objects share unchanged subtrees).
  if (l === r) return NO_DIFF;
  if (l === undefined) {
    const below = addedBelow(r, atom);
    return below ? { self: 'added', added: below, modified: undefined, removed: undefined } : ADDED;
  }
  const al = l === undefined ? undefined : resolveAtom(atom, l);
  const ar = r === undefined ? undefined : resolveAtom(atom, r);
  let d: NodeDiff;
  let inLeaf: boolean;
  if (ar === undefined) [d, inLeaf] = compareAtom(al!, l, r);
  else if (al === undefined || al === ar) [d, inLeaf] = compareAtom(ar, l, r);
  else {
    const [first] = compareAtom(al, l, undefined);
    const [second, leaf] = compareAtom(ar, undefined, r);
    inLeaf = leaf;
    d = {
      self: second.self,
      added: second.added,
      modified: second.modified,
      removed: first.removed && second.removed ? first.removed.union(second.removed) : (first.removed ?? second.removed),
    };
  }
  if (!inLeaf && d.self === undefined) {
    if (l === undefined) d = { ...d, self: 'added' };
    else if (r === undefined) d = { ...d, self: 'removed' };
  }
  return d;
}

const ADDED: NodeDiff = { ...NO_DIFF, self: 'added' };

/** What compareNode(undefined, value) reports below an added value: every field and item in it, as members. */
function addedBelow(value: unknown, atom: Atom): FieldSet | undefined {
  const a = resolveAtom(atom, value);
  if (a.kind === 'scalar' || a.atomic) return undefined;
  const nodes: SetNode[] = [];
  if (a.kind === 'list') {
    if (!Array.isArray(value) || value.length === 0) return undefined;
    for (const item of firstItems(a, value).values()) nodes.push({ pe: item.pe, key: item.key, member: true, child: addedBelow(item.value, a.elem) });
  } else {
    if (!isObject(value)) return undefined;
    for (const key in value) {
      const v = value[key];
      if (v !== undefined) nodes.push({ pe: fieldPE(key), key: fieldKey(key), member: true, child: addedBelow(v, fieldAtom(a, key) ?? DEDUCED) });
    }
  }
  return nodes.length > 0 ? FieldSet.fromNodes(nodes) : undefined;
}
const REMOVED: NodeDiff = { ...NO_DIFF, self: 'removed' };
const MODIFIED: NodeDiff = { ...NO_DIFF, self: 'modified' };

function leafRule(l: unknown, r: unknown): NodeDiff {
  if (l === undefined) return ADDED;
  if (r === undefined) return REMOVED;
  return jsonEqual(l, r) ? NO_DIFF : MODIFIED;
}

function isEmptyObject(obj: JsonObject): boolean {
  for (const _ in obj) return false;
  return true;
}

/** Returns the node's outcome and whether it was treated as a leaf. */
function compareAtom(a: Exclude<Atom, { kind: 'deduced' }>, l: unknown, r: unknown): [NodeDiff, boolean] {
  if (a.kind === 'scalar') return [leafRule(l, r), true];
  if (a.kind === 'list') {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    if (a.atomic || ((!ll || ll.length === 0) && (!rl || rl.length === 0))) return [leafRule(l, r), true];
    const left = firstItems(a, ll);
    const right = firstItems(a, rl);
    let b: DiffBuilder | undefined;
    for (const [key, item] of left) {
      const d = compareNode(item.value, right.get(key)?.value, a.elem);
      if (hasDiff(d)) (b ??= new DiffBuilder()).add(item.pe, key, d);
    }
    for (const [key, item] of right) {
      if (left.has(key)) continue;
      const d = compareNode(undefined, item.value, a.elem);
      if (hasDiff(d)) (b ??= new DiffBuilder()).add(item.pe, key, d);
    }
    return [b ? b.finish(undefined) : NO_DIFF, false];
  }
  const lm = isObject(l) ? l : undefined;
  const rm = isObject(r) ? r : undefined;
  const lEmpty = !lm || isEmptyObject(lm);
  const rEmpty = !rm || isEmptyObject(rm);
  if (a.atomic || (lEmpty && rEmpty)) return [leafRule(l, r), true];
  let b: DiffBuilder | undefined;
  if (lm) {
    for (const key in lm) {
      const v = lm[key];
      if (v === undefined) continue;
      const d = compareNode(v, rm?.[key], fieldAtom(a, key) ?? DEDUCED);
      if (hasDiff(d)) (b ??= new DiffBuilder()).add(fieldPE(key), fieldKey(key), d);
    }
  }
  if (rm) {
    for (const key in rm) {
      const v = rm[key];
      if (v === undefined || (lm && lm[key] !== undefined)) continue;
      const d = compareNode(undefined, v, fieldAtom(a, key) ?? DEDUCED);
      if (hasDiff(d)) (b ??= new DiffBuilder()).add(fieldPE(key), fieldKey(key), d);
    }
  }
  return [b ? b.finish(undefined) : NO_DIFF, false];
}

interface IndexedItem {
  readonly pe: PathElement;
  readonly key: string;
  readonly value: unknown;
}

/** The first item of each key of an associative list (items without a key are skipped). */
function firstItems(a: ListAtom, list: readonly unknown[] | undefined): Map<string, IndexedItem> {
  const first = new Map<string, IndexedItem>();
  if (!list) return first;
  for (let i = 0; i < list.length; i++) {
    const value = list[i];
    let pe: PathElement;
    try {
      pe = listItemPE(a, i, value);
    } catch {
      continue;
    }
    const key = serializePEOnce(pe);
    if (!first.has(key)) first.set(key, { pe, key, value });
  }
  return first;
}

/** The items of an associative list by key: first occurrences, and every keyed item in order. */
function indexItems(a: ListAtom, list: readonly unknown[] | undefined): { first: Map<string, IndexedItem>; order: IndexedItem[] } {
  const first = new Map<string, IndexedItem>();
  const order: IndexedItem[] = [];
  (list ?? []).forEach((value, i) => {
    let pe: PathElement;
    try {
      pe = listItemPE(a, i, value);
    } catch {
      return;
    }
    const item = { pe, key: serializePE(pe), value };
    if (!first.has(item.key)) first.set(item.key, item);
    order.push(item);
  });
  return { first, order };
}

// ---- Merge --------------------------------------------------------------

/**
 * TypedValue.Merge: `rhs` (the applied configuration) merged into `lhs` (the
 * live object). Undefined means "no value" (the field is left out).
 */
export function merge(lhs: unknown, rhs: unknown, atom: Atom): unknown {
  return mergeNode(lhs, rhs, atom);
}

function mergeNode(l: unknown, r: unknown, atom: Atom): unknown {
  const al = l === undefined ? undefined : resolveAtom(atom, l);
  const ar = r === undefined ? undefined : resolveAtom(atom, r);
  if (ar === undefined) return mergeAtom(al!, l, r);
  if (al === undefined || al === ar) return mergeAtom(ar, l, r);
  return mergeAtom(ar, undefined, r);
}

function keepRHS(l: unknown, r: unknown): unknown {
  return r !== undefined ? r : l;
}

function mergeAtom(a: Exclude<Atom, { kind: 'deduced' }>, l: unknown, r: unknown): unknown {
  if (a.kind === 'scalar') return keepRHS(l, r);
  if (a.kind === 'list') {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    if (a.atomic || ((!ll || ll.length === 0) && (!rl || rl.length === 0))) return keepRHS(l, r);
    const out = mergeListItems(a, ll, rl);
    return out.length > 0 ? out : undefined;
  }
  const lm = isObject(l) ? l : undefined;
  const rm = isObject(r) ? r : undefined;
  const lEmpty = !lm || Object.keys(lm).length === 0;
  const rEmpty = !rm || Object.keys(rm).length === 0;
  if (a.atomic || (lEmpty && rEmpty)) return keepRHS(l, r);
  const out: JsonObject = {};
  const put = (key: string, v: unknown): void => {
    if (v === undefined) return;
    // A null merged into a declared field leaves it unset, as decoding into the typed object does.
    if (v === null && a !== DEDUCED_MAP && !a.fieldNullable(key)) return;
    out[key] = v;
  };
  if (lm) {
    for (const [key, v] of Object.entries(lm)) {
      if (v === undefined) continue;
      put(key, mergeNode(v, rm?.[key], fieldAtom(a, key) ?? DEDUCED));
    }
  }
  if (rm) {
    for (const [key, v] of Object.entries(rm)) {
      if (v === undefined || (lm && lm[key] !== undefined)) continue;
      put(key, mergeNode(undefined, v, fieldAtom(a, key) ?? DEDUCED));
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Merges associative list items: items only in the live list keep their
 * place, items of the configuration come in its order, and shared items move
 * to the configuration's relative order.
 */
function mergeListItems(a: ListAtom, ll: readonly unknown[] | undefined, rl: readonly unknown[] | undefined): unknown[] {
  const out: unknown[] = [];
  const right = indexItems(a, rl);
  const left = indexItems(a, ll);
  const rhsOrder = right.order.filter((item, i) => right.order.findIndex((o) => o.key === item.key) === i);
  const lhsOrder = left.order;
  const sharedOrder = rhsOrder.filter((item) => left.first.has(item.key)).map((item) => item.key);
  let nextShared = sharedOrder.shift();
  const mergedRHS = new Set<string>();
  const push = (v: unknown): void => {
    if (v !== undefined) out.push(v);
  };
  let lI = 0;
  let rI = 0;
  while (lI < lhsOrder.length || rI < rhsOrder.length) {
    if (lI < lhsOrder.length && rI < rhsOrder.length) {
      const pe = lhsOrder[lI]!;
      if (pe.key === rhsOrder[rI]!.key && !mergedRHS.has(pe.key)) {
        mergedRHS.add(pe.key);
        push(mergeNode(left.first.get(pe.key)!.value, right.first.get(pe.key)!.value, a.elem));
        lI++;
        rI++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (right.first.has(pe.key) && nextShared !== undefined && nextShared !== pe.key) {
        lI++;
        continue;
      }
    }
    if (lI < lhsOrder.length) {
      const item = lhsOrder[lI]!;
      if (!right.first.has(item.key)) {
        push(mergeNode(item.value, undefined, a.elem));
        lI++;
        continue;
      }
      if (mergedRHS.has(item.key)) {
        lI++;
        continue;
      }
    }
    if (rI < rhsOrder.length) {
      const key = rhsOrder[rI]!.key;
      mergedRHS.add(key);
      push(mergeNode(left.first.get(key)?.value, right.first.get(key)!.value, a.elem));
      rI++;
      if (nextShared !== undefined && nextShared === key) nextShared = sharedOrder.shift();
    } else if (lI < lhsOrder.length) {
      // Only reachable with duplicate keys in the live list.
      lI++;
    }
  }
  return out;
}

// ---- RemoveItems --------------------------------------------------------

/** TypedValue.RemoveItems: the object without the fields (and items) that are members of `set`. */
export function removeItems(value: unknown, set: FieldSet, atom: Atom): unknown {
  if (set.isEmpty()) return value;
  const out = removeNode(value, set, atom);
  return out === undefined && isObject(value) ? {} : out;
}

function removeNode(value: unknown, set: FieldSet, atom: Atom): unknown {
  const a = resolveAtom(atom, value);
  if (a.kind === 'scalar' || a.atomic) return value;
  if (a.kind === 'list') {
    if (!Array.isArray(value) || value.length === 0) return value;
    const items: unknown[] = [];
    value.forEach((item: unknown, i) => {
      let pe: PathElement;
      try {
        pe = listItemPE(a, i, item);
      } catch {
        items.push(item);
        return;
      }
      if (set.hasMember(pe)) return;
      const sub = set.withPrefix(pe);
      const next = sub.isEmpty() ? item : removeNode(item, sub, a.elem);
      if (next !== undefined) items.push(next);
    });
    return items.length > 0 ? items : undefined;
  }
  if (!isObject(value) || Object.keys(value).length === 0) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const pe = fieldPE(key);
    if (set.hasMember(pe)) continue;
    const sub = set.withPrefix(pe);
    const next = sub.isEmpty() ? v : removeNode(v, sub, fieldAtom(a, key) ?? DEDUCED);
    if (next !== undefined) out[key] = next;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

// ---- EnsureNamedFieldsAreMembers ---------------------------------------

/**
 * The set plus, as members, every declared struct field that has members
 * below it (a map's entries stay children only): what prune removes whole.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, atom: Atom | undefined): FieldSet {
  const a = atom && atom.kind !== 'deduced' ? atom : undefined;
  const nodes: { pe: PathElement; member: boolean; child: FieldSet | undefined }[] = [];
  for (const n of set.entries()) {
    let member = n.member;
    let childAtom: Atom | undefined;
    if (n.pe.kind === 'field' && a?.kind === 'map') {
      const declared = a.field(n.pe.name);
      if (declared && n.child) member = true;
      childAtom = declared ?? a.elem;
    } else if (n.pe.kind === 'key' && a?.kind === 'list') {
      childAtom = a.elem;
    }
    nodes.push({ pe: n.pe, member, child: n.child ? ensureNamedFieldsAreMembers(n.child, childAtom) : undefined });
  }
  return FieldSet.fromNodes(nodes);
}
