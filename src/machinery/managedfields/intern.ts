// Hash-consing of FieldsV1 trees. The managedFields of objects made from one template
// (a Deployment's pods, a DaemonSet's) are the same trees but for a few leaves (the
// owner's uid, the pod's IP), and decoded into JS objects they cost more memory than
// the rest of the object. Interning makes equal subtrees one shared object, so a
// cluster of 150k pods holds each distinct subtree about once. Pure.
//
// Interned trees are shared: like every decoded stored object, they are read-only.

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
 * Two generations of subtrees by shape (their keys and their children's ids): a lookup
 * that hits the old generation moves the entry to the young one, and the old one is
 * dropped when the young one fills. Hot shapes stay; subtrees unique to one object
 * (the ones naming its IP) pass through and are let go, so the table stays bounded.
 */
export class FieldsV1Interner {
  private young = new Map<string, Canonical>();
  private old = new Map<string, Canonical>();
  private nextId = 1;
  /** Roots already interned, to their canonical tree: a set's memoized FieldsV1 is interned once. */
  private readonly roots = new WeakMap<object, object>();

  constructor(private readonly generationSize = 5_000) {}

  /** The canonical tree equal to `fields`; `fields` itself when it is new, or when it is not a FieldsV1 object. */
  intern<T extends object>(fields: T): T {
    const known = this.roots.get(fields);
    if (known) return known as T;
    const canonical = this.internNode(fields).node as T;
    this.roots.set(fields, canonical);
    if (canonical !== fields) this.roots.set(canonical, canonical);
    return canonical;
  }

  /** Subtrees held for sharing (both generations). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  private internNode(node: object): Canonical {
    if (Array.isArray(node)) return { node, id: NOT_INTERNED };
    const record = node as Record<string, unknown>;
    let shape = '';
    let children: Canonical[] | undefined;
    let changed = false;
    let internable = true;
    for (const key in record) {
      const value = record[key];
      if (typeof value !== 'object' || value === null) {
        internable = false;
        break;
      }
      const child = isEmptyObject(value) ? EMPTY : this.internNode(value);
      if (child.id === NOT_INTERNED) {
        internable = false;
        break;
      }
      (children ??= []).push(child);
      if (child.node !== value) changed = true;
      // Length-prefixed key, then the child's id: unambiguous whatever the key holds.
      shape += `${key.length}:${key}${child.id},`;
    }
    if (!internable) return { node, id: NOT_INTERNED };
    if (!children) return EMPTY;
    const found = this.lookup(shape);
    if (found) return found;
    let canonicalNode = node;
    if (changed) {
      const copy: Record<string, object> = {};
      let i = 0;
      for (const key in record) setOwn(copy, key, children[i++]!.node);
      canonicalNode = copy;
    }
    const canonical: Canonical = { node: canonicalNode, id: this.nextId++ };
    this.remember(shape, canonical);
    return canonical;
  }

  private lookup(shape: string): Canonical | undefined {
    const young = this.young.get(shape);
    if (young) return young;
    const old = this.old.get(shape);
    if (old) this.remember(shape, old);
    return old;
  }

  private remember(shape: string, canonical: Canonical): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(shape, canonical);
  }
}

function isEmptyObject(value: object): boolean {
  if (Array.isArray(value)) return false;
  for (const _key in value) return false;
  return true;
}

/** Sets a property as JSON.parse does: "__proto__" becomes an own property, not the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
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
