// Hash-consing of decoded JSON. Objects made from one template (a Deployment's
// pods, their managedFields) are the same trees but for a few leaves (names, uids,
// IPs, times), and decoded into JS values they cost about twice their text: every
// pod had its own copy of the tolerations, the projected token volume, the image
// name, each condition type, and arrays with spare capacity. Interning makes equal
// subtrees (and equal strings) one shared value: a decoded pod of a Deployment
// takes about a third of the memory. Interned values are shared: like every
// decoded stored object, they are read-only. Pure.

/** An interned value and the number naming it (equal numbers, identical values). */
interface Canonical {
  readonly value: unknown;
  readonly id: number;
}

/** A value that cannot be interned (not plain JSON); its parents are kept as they are. */
const NOT_INTERNED = -1;
const NULL_ID = 1;
const TRUE_ID = 2;
const FALSE_ID = 3;
const FIRST_ID = 16;
/** Longer strings are kept as they are (file contents, certificates): rarely repeated, costly to hash. */
const MAX_INTERNED_STRING = 512;
const ARRAY_TAG = 0x9e3779b9;
const NUMBER_TAG = 0x85ebca6b;
const LONG_STRING_TAG = 0xc2b2ae35;
/** Hashes kept small integers (V8 Smis): Map keys that need no boxing. */
const HASH_MASK = 0x3fffffff;
/** Deeper than this is not interned (a cycle would otherwise never end). */
const MAX_DEPTH = 100;

/**
 * Subtrees by the hash of their shape (keys in order and children's ids), strings by
 * value. A table that reaches its limit starts over: values unique to one object
 * pass through and are let go, and a shared value is at worst made once more per
 * fill of the table (cheaper per lookup than generations).
 */
export class JsonInterner {
  private readonly nodes: Map<number, Canonical[]>;
  private readonly strings: Map<string, Canonical>;
  private nextId = FIRST_ID;
  private readonly limit: number;
  /** The id of the value internNode returned last (saves an allocation per value). */
  private lastId = 0;
  /**
   * Trees interned through internMemoized, and their canonical forms, to the
   * canonical form: a memoized tree is interned once, and an object holding one (a
   * managedFields entry holding the field manager's interned FieldsV1) does not walk
   * it again.
   */
  private readonly roots = new WeakMap<object, Canonical>();

  /** limit: entries per table before it starts over. */
  constructor(limit = 50_000) {
    this.nodes = new Map();
    this.strings = new Map();
    this.limit = limit;
  }

  /**
   * The canonical value equal to `value` (the same JSON text): `value` itself when it
   * is new, or when it is not plain JSON (class instances, functions, cycles beyond
   * the depth bound). Takes `value` over: its members are set, in place, to their
   * canonical (equal) values, and a new array may take its place.
   */
  intern<T>(value: T): T {
    return this.internNode(value, 0) as T;
  }

  /**
   * intern for a new version of an object whose previous version was interned: parts
   * equal to the previous version's become those (found by comparing, much cheaper
   * than hashing), changed parts are interned. Objects on the path to a change are
   * kept as they are, not shared: they are new (their version differs). Takes `value`
   * over as intern does.
   */
  internAgainst<T>(value: T, previous: unknown): T {
    if (!isPlainObject(value) || !isPlainObject(previous)) return this.intern(value);
    return this.againstObject(value, previous) as T;
  }

  private againstObject(value: Record<string, unknown>, previous: Record<string, unknown>): Record<string, unknown> {
    if (value === previous) return value;
    let same = true;
    for (const key in value) {
      const member = value[key];
      if (member === undefined) continue;
      const before = previous[key];
      if (member === before) continue;
      let next: unknown;
      if (isPlainObject(member) && isPlainObject(before)) next = this.againstObject(member, before);
      else if (Array.isArray(member) && Array.isArray(before) && sameJsonText(member, before)) next = before;
      else next = this.intern(member);
      if (next !== member || typeof next === 'string') value[key] = next;
      if (next !== before) same = false;
    }
    return same && sameMembers(value, previous) ? previous : value;
  }

  /** intern, remembering the answer for this very object: for a tree asked about again and again. */
  internMemoized<T extends object>(value: T): T {
    const known = this.roots.get(value);
    if (known) return known.value as T;
    const canonical = this.internNode(value, 0) as T;
    if (this.lastId === NOT_INTERNED) return canonical;
    const entry: Canonical = { value: canonical, id: this.lastId };
    this.roots.set(value, entry);
    if (canonical !== value) this.roots.set(canonical, entry);
    return canonical;
  }

  /** Values held for sharing (subtrees and strings). */
  get size(): number {
    return this.nodes.size + this.strings.size;
  }

  /** The canonical form of a value; its id is left in lastId (NOT_INTERNED: keep it and its parents as they are). */
  private internNode(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
        return this.internString(value);
      case 'number':
        this.lastId = numberId(value);
        return value;
      case 'boolean':
        this.lastId = value ? TRUE_ID : FALSE_ID;
        return value;
      case 'object':
        if (value === null) {
          this.lastId = NULL_ID;
          return value;
        }
        if (depth > MAX_DEPTH) {
          this.lastId = NOT_INTERNED;
          return value;
        }
        return Array.isArray(value) ? this.internArray(value, depth) : this.internObject(value, depth);
      default:
        this.lastId = NOT_INTERNED;
        return value;
    }
  }

  private internString(text: string): string {
    if (text.length > MAX_INTERNED_STRING) {
      this.lastId = mix(LONG_STRING_TAG, text.length);
      return text;
    }
    let canonical = this.strings.get(text);
    if (!canonical) {
      canonical = { value: text, id: this.newId() };
      if (this.strings.size >= this.limit) this.strings.clear();
      this.strings.set(text, canonical);
    }
    this.lastId = canonical.id;
    return canonical.value as string;
  }

  private internArray(array: unknown[], depth: number): unknown {
    let hash = ARRAY_TAG;
    for (let i = 0; i < array.length; i++) {
      const member = array[i];
      const child = this.internNode(member, depth + 1);
      if (this.lastId === NOT_INTERNED) return array;
      if (child !== member || typeof child === 'string') array[i] = child;
      hash = mix(hash, this.lastId);
    }
    hash &= HASH_MASK;
    const bucket = this.nodes.get(hash);
    if (bucket) {
      for (const candidate of bucket) {
        if (sameArray(candidate.value, array)) {
          this.lastId = candidate.id;
          return candidate.value;
        }
      }
    }
    // A copy of exactly its length: JSON.parse and push leave spare capacity behind.
    return this.remember(hash, bucket, array.slice());
  }

  private internObject(object: object, depth: number): unknown {
    const root = this.roots.get(object);
    if (root) {
      this.lastId = root.id;
      return root.value;
    }
    if (!isPlainObject(object)) {
      this.lastId = NOT_INTERNED;
      return object;
    }
    const record = object;
    let hash = FNV_OFFSET;
    let size = 0;
    for (const key in record) {
      const member = record[key];
      if (member === undefined) continue;
      const child = this.internNode(member, depth + 1);
      if (this.lastId === NOT_INTERNED) return object;
      // The same member, now holding the canonical value (equal strings: one copy).
      if (child !== member || typeof child === 'string') record[key] = child;
      const childId = this.lastId;
      this.internString(key);
      hash = mix(mix(hash, this.lastId), childId);
      size++;
    }
    hash &= HASH_MASK;
    const bucket = this.nodes.get(hash);
    if (bucket) {
      for (const candidate of bucket) {
        if (sameObject(candidate.value, record, size)) {
          this.lastId = candidate.id;
          return candidate.value;
        }
      }
    }
    return this.remember(hash, bucket, object);
  }

  private remember(hash: number, bucket: Canonical[] | undefined, value: unknown): unknown {
    const canonical: Canonical = { value, id: this.newId() };
    if (bucket) bucket.push(canonical);
    else {
      if (this.nodes.size >= this.limit) this.nodes.clear();
      this.nodes.set(hash, [canonical]);
    }
    this.lastId = canonical.id;
    return value;
  }

  private newId(): number {
    const id = this.nextId++;
    if (this.nextId > HASH_MASK) this.nextId = FIRST_ID;
    return id;
  }
}

function sameArray(candidate: unknown, array: readonly unknown[]): boolean {
  if (!Array.isArray(candidate) || candidate.length !== array.length) return false;
  for (let i = 0; i < array.length; i++) if (!Object.is(candidate[i], array[i])) return false;
  return true;
}

/**
 * Whether `candidate` has the members of `record` (`size` of them defined) with
 * these very values. Their order is in the hash they share, not compared again.
 */
function sameObject(candidate: unknown, record: Record<string, unknown>, size: number): boolean {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) return false;
  const node = candidate as Record<string, unknown>;
  let count = 0;
  for (const key in node) {
    const value = node[key];
    if (value === undefined) continue;
    if (!Object.is(value, record[key])) return false;
    count++;
  }
  return count === size;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Whether two objects have the same defined members in the same order (their values already known identical). */
function sameMembers(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const bKeys: string[] = [];
  for (const key in b) if (b[key] !== undefined) bKeys.push(key);
  let i = 0;
  for (const key in a) {
    if (a[key] === undefined) continue;
    if (bKeys[i] !== key) return false;
    i++;
  }
  return i === bKeys.length;
}

/** Whether two decoded JSON values have the same text: unlike managedfields jsonEqual, member order counts (the stored bytes keep it). */
function sameJsonText(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJsonText(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) if (x[key] !== undefined && !sameJsonText(x[key], y[key])) return false;
  return sameMembers(x, y);
}

function numberId(n: number): number {
  return Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff ? mix(NUMBER_TAG, n | 0) : mix(NUMBER_TAG, stringHash(String(n)));
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

const shared = new JsonInterner();

/** The process-wide interned form of decoded JSON (read-only, shared); takes `value` over (see JsonInterner.intern). */
export function internJson<T>(value: T): T {
  return shared.intern(value);
}

/** The process-wide internAgainst: a new version interned against its previous one (see JsonInterner.internAgainst). */
export function internJsonAgainst<T>(value: T, previous: unknown): T {
  return shared.internAgainst(value, previous);
}

/** internJson, remembered for this very object (a memoized tree that is interned again and again). */
export function internJsonMemoized<T extends object>(value: T): T {
  return shared.internMemoized(value);
}
