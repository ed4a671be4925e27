// Sets of field paths (structured-merge-diff fieldpath.Set): a trie whose
// nodes are path elements, each either a member of the set, a parent of
// members, or both. Set algebra with upstream's exact semantics (Difference
// does not remove children of a removed parent; RecursiveDifference does) and
// the FieldsV1 encoding managedFields carry. Pure.
//
// Cheap on the write path: a set read from a stored object's FieldsV1 decodes
// one level at a time as it is used, each set remembers the FieldsV1 it encodes
// to, and set operations whose result equals an operand return that operand's
// nodes (with its remembered encoding), so an unchanged manager's fields are
// never decoded or encoded again.

import {
  comparePE,
  deserializePE,
  pathToString,
  PathElementError,
  serializePE,
  UNKNOWN_PATH_ELEMENT,
  type Path,
  type PathElement,
} from './pathelement.js';

interface Node {
  readonly pe: PathElement;
  member: boolean;
  child: FieldSet | undefined; // never an empty set
  /** Whether `child` was created by this set (results of set operations share subtrees). */
  ownChild: boolean;
}

/** The FieldsV1 JSON form: nested objects keyed by serialized path elements ("." marks membership). */
export type FieldsV1 = { [key: string]: FieldsV1 };

/** One level of a set being built: a path element, its membership and the set below it. */
export interface SetNode {
  readonly pe: PathElement;
  readonly member: boolean;
  readonly child?: FieldSet | undefined;
  /** serializePE(pe), when the builder already has it. */
  readonly key?: string | undefined;
}

export class FieldSet {
  /** Nodes by serialized path element; undefined until a lazily decoded level is first used. */
  private map: Map<string, Node> | undefined;
  /** Stored FieldsV1 of this level not decoded yet (see fromStoredFieldsV1). */
  private source: FieldsV1 | undefined;
  /** The FieldsV1 this set encodes to, without and with its own "." marker (read-only, shared). */
  private encoded: FieldsV1 | undefined;
  private encodedSelf: FieldsV1 | undefined;

  private get nodes(): Map<string, Node> {
    return (this.map ??= this.decodeLevel());
  }

  static empty(): FieldSet {
    return new FieldSet();
  }

  /** A set from one level of nodes (for walkers building sets bottom-up). Empty subsets are dropped. */
  static fromNodes(nodes: Iterable<SetNode>): FieldSet {
    const s = new FieldSet();
    const map = s.nodes;
    for (const n of nodes) {
      const key = n.key ?? serializePE(n.pe);
      const child = n.child && n.child.isEmpty() ? undefined : n.child;
      const prev = map.get(key);
      if (prev) {
        const merged = prev.child && child ? prev.child.union(child) : (prev.child ?? child);
        map.set(key, { pe: n.pe, member: prev.member || n.member, child: merged, ownChild: false });
      } else if (n.member || child) {
        map.set(key, { pe: n.pe, member: n.member, child, ownChild: false });
      }
    }
    return s;
  }

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path (not its parents). The empty path is ignored: nobody owns the whole object. */
  insert(path: Path): void {
    if (path.length > 0) this.insertFrom(path, 0);
  }

  private insertFrom(path: Path, i: number): void {
    this.encoded = undefined;
    this.encodedSelf = undefined;
    const pe = path[i]!;
    const key = serializePE(pe);
    let node = this.nodes.get(key);
    if (!node) {
      node = { pe, member: false, child: undefined, ownChild: true };
      this.nodes.set(key, node);
    }
    if (i === path.length - 1) {
      node.member = true;
      return;
    }
    if (!node.child) node.child = new FieldSet();
    else if (!node.ownChild) node.child = node.child.shallowClone();
    node.ownChild = true;
    node.child.insertFrom(path, i + 1);
  }

  private node(pe: PathElement): Node | undefined {
    return this.nodes.get(serializePE(pe));
  }

  /** A set sharing this one's nodes (and encoding) that inserts do not write through to. */
  private shallowClone(): FieldSet {
    const out = new FieldSet();
    if (this.map) {
      const map = out.nodes;
      for (const [key, n] of this.map) map.set(key, { pe: n.pe, member: n.member, child: n.child, ownChild: false });
    } else {
      out.source = this.source;
    }
    out.encoded = this.encoded;
    out.encodedSelf = this.encodedSelf;
    return out;
  }

  /** The result of a public operation: an operand itself is handed out as a copy, so inserting into it cannot change the operand. */
  private static result(result: FieldSet, ...operands: FieldSet[]): FieldSet {
    return operands.includes(result) ? result.shallowClone() : result;
  }

  has(path: Path): boolean {
    return path.length > 0 && this.hasFrom(path, 0);
  }

  private hasFrom(path: Path, i: number): boolean {
    const n = this.node(path[i]!);
    if (!n) return false;
    if (i === path.length - 1) return n.member;
    return n.child ? n.child.hasFrom(path, i + 1) : false;
  }

  isEmpty(): boolean {
    // Every node is a member or has a non-empty child.
    return this.nodes.size === 0;
  }

  /** The number of member paths. */
  get size(): number {
    let count = 0;
    for (const n of this.nodes.values()) count += (n.member ? 1 : 0) + (n.child ? n.child.size : 0);
    return count;
  }

  /** The subset under `pe`, without the prefix (empty when none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.node(pe)?.child ?? new FieldSet();
  }

  /** Whether `pe` is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.node(pe)?.member ?? false;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.result(this.unionShared(other), this, other);
  }

  /** The union; `this` or `other` itself when it already holds the other. */
  private unionShared(other: FieldSet): FieldSet {
    if (other === this) return this;
    const a = this.nodes;
    const b = other.nodes;
    if (b.size === 0) return this;
    if (a.size === 0) return other;
    const out = new FieldSet();
    const map = out.nodes;
    let sameAsThis = true;
    let sameAsOther = true;
    for (const [key, n] of a) {
      const o = b.get(key);
      if (!o) {
        sameAsOther = false;
        map.set(key, { pe: n.pe, member: n.member, child: n.child, ownChild: false });
        continue;
      }
      const member = n.member || o.member;
      const child = n.child && o.child ? n.child.unionShared(o.child) : (n.child ?? o.child);
      if (member !== n.member || child !== n.child) sameAsThis = false;
      if (member !== o.member || child !== o.child) sameAsOther = false;
      map.set(key, { pe: n.pe, member, child, ownChild: false });
    }
    for (const [key, o] of b) {
      if (a.has(key)) continue;
      sameAsThis = false;
      map.set(key, { pe: o.pe, member: o.member, child: o.child, ownChild: false });
    }
    if (sameAsThis) return this;
    if (sameAsOther) return other;
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    const map = out.nodes;
    const b = other.nodes;
    for (const [key, n] of this.nodes) {
      const o = b.get(key);
      if (!o) continue;
      const member = n.member && o.member;
      let child = n.child && o.child ? n.child.intersection(o.child) : undefined;
      if (child && child.isEmpty()) child = undefined;
      if (member || child) map.set(key, { pe: n.pe, member, child, ownChild: false });
    }
    return out;
  }

  /** Members of this set not in `other`; a member of `other` does not remove this set's children below it. */
  difference(other: FieldSet): FieldSet {
    return FieldSet.result(this.subtract(other, false), this);
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    return FieldSet.result(this.subtract(other, true), this);
  }

  /** difference or recursiveDifference; `this` itself when nothing is taken away. */
  private subtract(other: FieldSet, recursive: boolean): FieldSet {
    const b = other.nodes;
    if (b.size === 0) return this;
    const out = new FieldSet();
    const map = out.nodes;
    let same = true;
    for (const [key, n] of this.nodes) {
      const o = b.get(key);
      if (!o) {
        map.set(key, { pe: n.pe, member: n.member, child: n.child, ownChild: false });
        continue;
      }
      if (recursive && o.member) {
        same = false;
        continue;
      }
      const member = n.member && !o.member;
      let child = n.child && o.child ? n.child.subtract(o.child, recursive) : n.child;
      if (child && child.isEmpty()) child = undefined;
      if (member !== n.member || child !== n.child) same = false;
      if (member || child) map.set(key, { pe: n.pe, member, child, ownChild: false });
    }
    return same ? this : out;
  }

  /** Only the leaf members: members that are not also parents of members. */
  leaves(): FieldSet {
    const out = new FieldSet();
    const map = out.nodes;
    for (const [key, n] of this.nodes) {
      const member = n.member && !n.child;
      const child = n.child?.leaves();
      const kept = child && !child.isEmpty() ? child : undefined;
      if (member || kept) map.set(key, { pe: n.pe, member, child: kept, ownChild: false });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    if (other === this) return true;
    const a = this.nodes;
    const b = other.nodes;
    if (a.size !== b.size) return false;
    for (const [key, n] of a) {
      const o = b.get(key);
      if (!o || o.member !== n.member) return false;
      if (!n.child !== !o.child) return false;
      if (n.child && o.child && !n.child.equals(o.child)) return false;
    }
    return true;
  }

  /**
   * The nodes at this level in upstream's order, with their keys. The native
   * order of the serialized keys is nearly always upstream's (field names sort
   * alike); a pass over neighbours proves it, else the nodes are sorted properly.
   */
  private sortedNodes(): [string, Node][] {
    const nodes = this.nodes;
    const keys = [...nodes.keys()].sort();
    const out = keys.map((key): [string, Node] => [key, nodes.get(key)!]);
    for (let i = 1; i < out.length; i++) {
      if (comparePE(out[i - 1]![1].pe, out[i]![1].pe) > 0) return out.sort((a, b) => comparePE(a[1].pe, b[1].pe));
    }
    return out;
  }

  /** Every member path in upstream's iteration order: this level's members, then each child's. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    this.collect([], out);
    return out;
  }

  private collect(prefix: PathElement[], out: PathElement[][]): void {
    const sorted = this.sortedNodes();
    for (const [, n] of sorted) if (n.member) out.push([...prefix, n.pe]);
    for (const [, n] of sorted) if (n.child) n.child.collect([...prefix, n.pe], out);
  }

  /** Set.String(): one path per line. */
  toString(): string {
    return this.paths().map(pathToString).join('\n');
  }

  /** Whether no level of this set is decoded yet (a fromStoredFieldsV1 set not used so far). */
  isUndecoded(): boolean {
    return this.map === undefined;
  }

  /** Direct children of this level as (element, member, subset) for walkers. */
  *entries(): IterableIterator<{ readonly pe: PathElement; readonly member: boolean; readonly child: FieldSet | undefined }> {
    for (const n of this.nodes.values()) yield { pe: n.pe, member: n.member, child: n.child };
  }

  /**
   * The FieldsV1 JSON object (keys in upstream's serialization order). Memoized:
   * the result is shared and must not be modified.
   */
  toFieldsV1(): FieldsV1 {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): FieldsV1 {
    const memo = includeSelf ? this.encodedSelf : this.encoded;
    if (memo) return memo;
    const out: FieldsV1 = {};
    const sorted = this.sortedNodes();
    if (includeSelf && sorted.length > 0) out['.'] = {};
    for (const [key, n] of sorted) out[key] = n.child ? n.child.emit(n.member) : {};
    if (includeSelf) this.encodedSelf = out;
    else this.encoded = out;
    return out;
  }

  /** Set.FromJSON over an already parsed FieldsV1 object. Throws FieldsV1Error when malformed. */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (fields === null || fields === undefined) return new FieldSet();
    if (typeof fields !== 'object' || Array.isArray(fields)) throw new FieldsV1Error('FieldsV1 must be a JSON object');
    return readV1(fields as Record<string, unknown>).children ?? new FieldSet();
  }

  /**
   * The set of FieldsV1 this module wrote (a stored object's managedFields):
   * well-formed and in canonical order, so it is decoded a level at a time as
   * it is used and encodes back to the very same object.
   */
  static fromStoredFieldsV1(fields: FieldsV1): FieldSet {
    const s = new FieldSet();
    s.source = fields;
    if ('.' in fields) s.encodedSelf = fields;
    else s.encoded = fields;
    return s;
  }

  /** readV1 of one level of trusted FieldsV1; the levels below stay encoded. */
  private decodeLevel(): Map<string, Node> {
    const map = new Map<string, Node>();
    const source = this.source;
    if (!source) return map;
    this.source = undefined;
    for (const key in source) {
      if (key === '.') continue;
      const pe = deserializePE(key);
      if (pe === UNKNOWN_PATH_ELEMENT) continue;
      const value = source[key]!;
      if (hasKnownElement(value)) {
        const child = new FieldSet();
        child.source = value;
        if ('.' in value) child.encodedSelf = value;
        else child.encoded = value;
        map.set(key, { pe, member: '.' in value, child, ownChild: false });
      } else {
        map.set(key, { pe, member: true, child: undefined, ownChild: false });
      }
    }
    return map;
  }
}

/** Whether a FieldsV1 level has a path element readV1 would keep (else it is a member leaf). */
function hasKnownElement(fields: FieldsV1): boolean {
  for (const key in fields) {
    if (key === '.' || key.length < 2) continue;
    const kind = key[0];
    if (kind === 'f' || kind === 'k' || kind === 'v' || kind === 'i') return true;
  }
  return false;
}

export class FieldsV1Error extends Error {}

function readV1(obj: Record<string, unknown>): { children: FieldSet | undefined; isMember: boolean } {
  let isMember = false;
  const nodes: SetNode[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement | typeof UNKNOWN_PATH_ELEMENT;
    try {
      pe = deserializePE(key);
    } catch (err) {
      if (err instanceof PathElementError) throw new FieldsV1Error(`parsing key as path element: ${err.message}`);
      throw err;
    }
    if (pe === UNKNOWN_PATH_ELEMENT) continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new FieldsV1Error(`ReadMapCB: expect { or n, but found ${JSON.stringify(value)?.[0] ?? '?'}`);
    }
    const sub = readV1(value as Record<string, unknown>);
    nodes.push({ pe, member: sub.isMember, child: sub.children });
  }
  if (nodes.length === 0) return { children: undefined, isMember: true };
  return { children: FieldSet.fromNodes(nodes), isMember };
}
