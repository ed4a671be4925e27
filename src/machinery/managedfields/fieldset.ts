// Sets of field paths (structured-merge-diff fieldpath.Set): a trie whose
// nodes are path elements, each either a member of the set, a parent of
// members, or both. Set algebra with upstream's exact semantics (Difference
// does not remove children of a removed parent; RecursiveDifference does) and
// the FieldsV1 encoding managedFields carry. Pure.

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

export class FieldSet {
  private readonly nodes = new Map<string, Node>();

  static empty(): FieldSet {
    return new FieldSet();
  }

  /** A set from one level of nodes (for walkers building sets bottom-up). Empty subsets are dropped. */
  static fromNodes(nodes: Iterable<{ readonly pe: PathElement; readonly member: boolean; readonly child?: FieldSet | undefined }>): FieldSet {
    const s = new FieldSet();
    for (const n of nodes) {
      const key = serializePE(n.pe);
      const prev = s.nodes.get(key);
      if (prev) {
        const child = prev.child && n.child ? prev.child.union(n.child) : (prev.child ?? n.child);
        s.put(n.pe, prev.member || n.member, child);
      } else {
        s.put(n.pe, n.member, n.child);
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
    const node = this.node(path[i]!, true);
    if (i === path.length - 1) {
      node.member = true;
      return;
    }
    if (!node.child) node.child = new FieldSet();
    else if (!node.ownChild) node.child = node.child.shallowClone();
    node.ownChild = true;
    node.child.insertFrom(path, i + 1);
  }

  private node(pe: PathElement, create: true): Node;
  private node(pe: PathElement, create: false): Node | undefined;
  private node(pe: PathElement, create: boolean): Node | undefined {
    const key = serializePE(pe);
    let n = this.nodes.get(key);
    if (!n && create) {
      n = { pe, member: false, child: undefined, ownChild: true };
      this.nodes.set(key, n);
    }
    return n;
  }

  private put(pe: PathElement, member: boolean, child: FieldSet | undefined): void {
    if (child && child.isEmpty()) child = undefined;
    if (!member && !child) return;
    this.nodes.set(serializePE(pe), { pe, member, child, ownChild: false });
  }

  private shallowClone(): FieldSet {
    const out = new FieldSet();
    for (const [key, n] of this.nodes) out.nodes.set(key, { pe: n.pe, member: n.member, child: n.child, ownChild: false });
    return out;
  }

  has(path: Path): boolean {
    return path.length > 0 && this.hasFrom(path, 0);
  }

  private hasFrom(path: Path, i: number): boolean {
    const n = this.node(path[i]!, false);
    if (!n) return false;
    if (i === path.length - 1) return n.member;
    return n.child ? n.child.hasFrom(path, i + 1) : false;
  }

  isEmpty(): boolean {
    for (const n of this.nodes.values()) {
      if (n.member || (n.child && !n.child.isEmpty())) return false;
    }
    return true;
  }

  /** The number of member paths. */
  get size(): number {
    let count = 0;
    for (const n of this.nodes.values()) count += (n.member ? 1 : 0) + (n.child ? n.child.size : 0);
    return count;
  }

  /** The subset under `pe`, without the prefix (empty when none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.node(pe, false)?.child ?? new FieldSet();
  }

  /** Whether `pe` is a member at this level. */
  hasMember(pe: PathElement): boolean {
    return this.node(pe, false)?.member ?? false;
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, n] of this.nodes) {
      const o = other.nodes.get(key);
      if (!o) out.put(n.pe, n.member, n.child);
      else out.put(n.pe, n.member || o.member, n.child && o.child ? n.child.union(o.child) : (n.child ?? o.child));
    }
    for (const [key, o] of other.nodes) if (!this.nodes.has(key)) out.put(o.pe, o.member, o.child);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, n] of this.nodes) {
      const o = other.nodes.get(key);
      if (!o) continue;
      out.put(n.pe, n.member && o.member, n.child && o.child ? n.child.intersection(o.child) : undefined);
    }
    return out;
  }

  /** Members of this set not in `other`; a member of `other` does not remove this set's children below it. */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, n] of this.nodes) {
      const o = other.nodes.get(key);
      if (!o) out.put(n.pe, n.member, n.child);
      else out.put(n.pe, n.member && !o.member, n.child && o.child ? n.child.difference(o.child) : n.child);
    }
    return out;
  }

  /** Like difference, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, n] of this.nodes) {
      const o = other.nodes.get(key);
      if (!o) out.put(n.pe, n.member, n.child);
      else if (o.member) continue;
      else out.put(n.pe, n.member, n.child && o.child ? n.child.recursiveDifference(o.child) : n.child);
    }
    return out;
  }

  /** Only the leaf members: members that are not also parents of members. */
  leaves(): FieldSet {
    const out = new FieldSet();
    for (const n of this.nodes.values()) out.put(n.pe, n.member && !n.child, n.child?.leaves());
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.nodes.size !== other.nodes.size) return false;
    for (const [key, n] of this.nodes) {
      const o = other.nodes.get(key);
      if (!o || o.member !== n.member) return false;
      if (!n.child !== !o.child) return false;
      if (n.child && o.child && !n.child.equals(o.child)) return false;
    }
    return true;
  }

  /** The nodes at this level in upstream's order. */
  private sortedNodes(): Node[] {
    return [...this.nodes.values()].sort((a, b) => comparePE(a.pe, b.pe));
  }

  /** Every member path in upstream's iteration order: this level's members, then each child's. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    this.collect([], out);
    return out;
  }

  private collect(prefix: PathElement[], out: PathElement[][]): void {
    const sorted = this.sortedNodes();
    for (const n of sorted) if (n.member) out.push([...prefix, n.pe]);
    for (const n of sorted) if (n.child) n.child.collect([...prefix, n.pe], out);
  }

  /** Set.String(): one path per line. */
  toString(): string {
    return this.paths().map(pathToString).join('\n');
  }

  /** Direct children of this level as (element, member, subset) for walkers. */
  *entries(): IterableIterator<{ readonly pe: PathElement; readonly member: boolean; readonly child: FieldSet | undefined }> {
    for (const n of this.nodes.values()) yield { pe: n.pe, member: n.member, child: n.child };
  }

  /** The FieldsV1 JSON object (keys in upstream's serialization order). */
  toFieldsV1(): FieldsV1 {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): FieldsV1 {
    const out: FieldsV1 = {};
    const sorted = this.sortedNodes();
    if (includeSelf && sorted.length > 0) out['.'] = {};
    for (const n of sorted) out[serializePE(n.pe)] = n.child ? n.child.emit(n.member) : {};
    return out;
  }

  /** Set.FromJSON over an already parsed FieldsV1 object. Throws FieldsV1Error when malformed. */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (fields === null || fields === undefined) return new FieldSet();
    if (typeof fields !== 'object' || Array.isArray(fields)) throw new FieldsV1Error('FieldsV1 must be a JSON object');
    return readV1(fields as Record<string, unknown>).children ?? new FieldSet();
  }
}

export class FieldsV1Error extends Error {}

function readV1(obj: Record<string, unknown>): { children: FieldSet | undefined; isMember: boolean } {
  let isMember = false;
  const nodes: { pe: PathElement; member: boolean; child: FieldSet | undefined }[] = [];
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
