// Hash-consing of FieldsV1 trees. The managedFields of objects made from one template
// (a Deployment's pods, a DaemonSet's) are the same trees but for a few leaves (the
// owner's uid, the pod's IP), and decoded into JS objects they cost more memory than
// the rest of the object. Interning makes equal subtrees one shared object, so a
// cluster of 150k pods holds each distinct subtree about once. Pure.
//
// Interned trees are shared: like every decoded stored object, they are read-only.

import { GenerationalCache } from '../generational-cache.js';
import { setOwn } from '../objects.js';

/** An interned subtree and the number naming it (equal numbers, identical objects). */
interface Canonical {
  readonly node: object;
  readonly id: number;
}

/** Not an interned tree (a value other than a plain object); such a node is kept as it is. */
const NOT_INTERNED = -1;
/** The one empty object all leaves become. */
const EMPTY: Canonical = { node: {}, id: 0 };

/**
 * Subtrees by the hash of their shape (their keys and their children's ids), in a
 * generational cache: hot shapes stay; subtrees unique to one object (the ones naming
 * its IP) pass through and are let go, so the table stays bounded.
 */
export class FieldsV1Interner {
  private readonly shapes: GenerationalCache<number, Canonical[]>;
  private nextId = 1;
  /** Roots already interned, to their canonical tree: a set's memoized FieldsV1 is interned once. */
  private readonly roots = new WeakMap<object, object>();

  constructor(generationSize = 5_000) {
    this.shapes = new GenerationalCache(generationSize);
  }

  /** The canonical tree equal to `fields`; `fields` itself when it is new, or when it is not a FieldsV1 object. */
  intern<T extends object>(fields: T): T {
    const known = this.roots.get(fields);
    if (known) return known as T;
    const canonical = this.internNode(fields).node as T;
    this.roots.set(fields, canonical);
    if (canonical !== fields) this.roots.set(canonical, canonical);
    return canonical;
  }

  /** Shapes held for sharing. */
  get size(): number {
    return this.shapes.size;
  }

  private internNode(node: object): Canonical {
    if (Array.isArray(node)) return { node, id: NOT_INTERNED };
    const record = node as Record<string, unknown>;
    // The shape (keys in order, each child's id) is hashed, not spelled out as a string:
    // a candidate of the same hash is then compared member by member.
    let hash = FNV_OFFSET;
    const keys: string[] = [];
    const children: object[] = [];
    let changed = false;
    for (const key in record) {
      const value = record[key];
      if (typeof value !== 'object' || value === null) return { node, id: NOT_INTERNED };
      const child = isEmptyObject(value) ? EMPTY : this.internNode(value);
      if (child.id === NOT_INTERNED) return { node, id: NOT_INTERNED };
      keys.push(key);
      children.push(child.node);
      if (child.node !== value) changed = true;
      hash = mix(mix(hash, stringHash(key)), child.id);
    }
    if (keys.length === 0) return EMPTY;
    const bucket = this.shapes.get(hash);
    const found = matching(bucket, keys, children);
    if (found) return found;
    let canonicalNode = node;
    if (changed) {
      const copy: Record<string, object> = {};
      for (let i = 0; i < keys.length; i++) setOwn(copy, keys[i]!, children[i]!);
      canonicalNode = copy;
    }
    const canonical: Canonical = { node: canonicalNode, id: this.nextId++ };
    if (bucket) bucket.push(canonical);
    else this.shapes.set(hash, [canonical]);
    return canonical;
  }
}

/** The canonical node in `bucket` with exactly these keys, in this order, over these very children. */
function matching(bucket: readonly Canonical[] | undefined, keys: readonly string[], children: readonly object[]): Canonical | undefined {
  if (!bucket) return undefined;
  for (const candidate of bucket) {
    const node = candidate.node as Record<string, unknown>;
    let i = 0;
    let same = true;
    for (const key in node) {
      if (i >= keys.length || key !== keys[i] || node[key] !== children[i]) {
        same = false;
        break;
      }
      i++;
    }
    if (same && i === keys.length) return candidate;
  }
  return undefined;
}

const FNV_OFFSET = 0x811c9dc5;

/** One step of FNV-1a over a 32-bit value. */
function mix(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193) >>> 0;
}

/** FNV-1a over a string's UTF-16 code units. */
function stringHash(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function isEmptyObject(value: object): boolean {
  if (Array.isArray(value)) return false;
  for (const _key in value) return false;
  return true;
}

const shared = new FieldsV1Interner();

/** internFieldsV1: the process-wide interned form of a FieldsV1 tree (read-only, shared). */
export function internFieldsV1<T extends object>(fields: T): T {
  return shared.intern(fields);
}

/** Interns the fieldsV1 of each managedFields entry of a freshly decoded object, in place. */
export function internManagedFields(entries: unknown): void {
  if (!Array.isArray(entries)) return;
  for (const entry of entries as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as { fieldsV1?: unknown };
    if (typeof e.fieldsV1 === 'object' && e.fieldsV1 !== null) e.fieldsV1 = shared.intern(e.fieldsV1);
  }
}
