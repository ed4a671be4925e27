// Property tests of the write path's shortcuts: set algebra on lazily decoded
// and identity-sharing sets means what it means on plain sets of paths, and the
// comparison with its shortcuts (shared subtrees, added subtrees) reports what a
// straightforward walk reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { applyDefaults } from '../../api/defaults/index.js';
import { FieldSet, type FieldsV1 } from './fieldset.js';
import { fieldPE, indexPE, jsonEqual, keyPE, pathToString, serializePE, valuePE, type PathElement } from './pathelement.js';
import { DEDUCED, resolveAtom, TypeSchema, type Atom, type ListAtom } from './schema.js';
import { compare, listItemPE, type Comparison } from './typed.js';

checkLeaksAfterAll();

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- set algebra ----------------------------------------------------------

const ELEMENTS: PathElement[] = [
  fieldPE('a'),
  fieldPE('b'),
  fieldPE('spec'),
  keyPE([{ name: 'name', value: 'x' }]),
  keyPE([{ name: 'port', value: 80 }]),
  keyPE([{ name: 'port', value: 443 }]),
  valuePE('v'),
  valuePE(3),
  indexPE(0),
  indexPE(2),
];

function randomSet(next: () => number): FieldSet {
  const paths: PathElement[][] = [];
  const count = Math.floor(next() * 8);
  for (let i = 0; i < count; i++) {
    const depth = 1 + Math.floor(next() * 4);
    paths.push(Array.from({ length: depth }, () => ELEMENTS[Math.floor(next() * ELEMENTS.length)]!));
  }
  return FieldSet.of(...paths);
}

const members = (s: FieldSet): string[] => s.paths().map((p) => p.map(serializePE).join('/'));

/** The same set, decoded lazily from its FieldsV1 as a stored object's is (a JSON copy: no shared identity). */
const stored = (s: FieldSet): FieldSet => FieldSet.fromStoredFieldsV1(JSON.parse(JSON.stringify(s.toFieldsV1())) as FieldsV1);

test('set operations on eager, stored and shared sets mean what they mean on sets of member paths', () => {
  const next = random(7);
  for (let i = 0; i < 3000; i++) {
    const x = randomSet(next);
    const y = next() < 0.2 ? x : randomSet(next);
    const px = new Set(members(x));
    const py = new Set(members(y));
    const under = (p: string, q: string): boolean => p === q || p.startsWith(`${q}/`);
    const expect = {
      union: [...new Set([...px, ...py])].sort(),
      intersection: [...px].filter((p) => py.has(p)).sort(),
      difference: [...px].filter((p) => !py.has(p)).sort(),
      recursiveDifference: [...px].filter((p) => ![...py].some((q) => under(p, q))).sort(),
    };
    for (const [a, b] of [
      [x, y],
      [stored(x), stored(y)],
      [stored(x), y],
      [x, stored(y)],
    ] as const) {
      assert.deepEqual(members(a.union(b)).sort(), expect.union);
      assert.deepEqual(members(a.intersection(b)).sort(), expect.intersection);
      assert.deepEqual(members(a.difference(b)).sort(), expect.difference);
      assert.deepEqual(members(a.recursiveDifference(b)).sort(), expect.recursiveDifference);
      // Results encode as a freshly built set of the same paths does.
      const fresh = FieldSet.of(...a.union(b).paths());
      assert.equal(JSON.stringify(a.union(b).toFieldsV1()), JSON.stringify(fresh.toFieldsV1()));
      assert.ok(a.union(b).equals(fresh));
    }
    assert.equal(JSON.stringify(stored(x).toFieldsV1()), JSON.stringify(x.toFieldsV1()));
    assert.equal(stored(x).size, x.size);
    assert.equal(stored(x).isEmpty(), x.isEmpty());
  }
});

test('inserting into a result never changes an operand, even when the result shares its nodes', () => {
  const a = FieldSet.of([fieldPE('x'), fieldPE('y')]);
  const before = JSON.stringify(a.toFieldsV1());
  for (const result of [a.union(FieldSet.empty()), FieldSet.empty().union(a), a.union(a), a.difference(FieldSet.empty()), a.recursiveDifference(FieldSet.of([fieldPE('q')]))]) {
    result.insert([fieldPE('x'), fieldPE('z')]);
    assert.equal(JSON.stringify(a.toFieldsV1()), before);
    assert.deepEqual(result.paths().map(pathToString), ['.x.y', '.x.z']);
  }
  const lazy = FieldSet.fromStoredFieldsV1({ 'f:x': { 'f:y': {} } });
  const copy = lazy.union(FieldSet.empty());
  copy.insert([fieldPE('x'), fieldPE('w')]);
  assert.deepEqual(JSON.stringify(lazy.toFieldsV1()), '{"f:x":{"f:y":{}}}');
  assert.deepEqual(JSON.stringify(copy.toFieldsV1()), '{"f:x":{"f:w":{},"f:y":{}}}');
});

test('a union that adds nothing encodes to the FieldsV1 already stored', () => {
  const storedV1: FieldsV1 = { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } }, 'f:phase': {} } };
  const owned = FieldSet.fromStoredFieldsV1(storedV1);
  const written = FieldSet.of([fieldPE('status'), fieldPE('phase')]);
  assert.equal(written.union(owned).toFieldsV1(), storedV1);
  assert.equal(owned.union(written).toFieldsV1(), storedV1);
});

// ---- compare ------------------------------------------------------------------

/** The comparison as a plain walk (structured-merge-diff's compare), without shortcuts. */
function referenceCompare(lhs: unknown, rhs: unknown, atom: Atom): Comparison {
  const added: PathElement[][] = [];
  const modified: PathElement[][] = [];
  const removed: PathElement[][] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const leaf = (path: PathElement[], l: unknown, r: unknown): void => {
    if (l === undefined) added.push(path);
    else if (r === undefined) removed.push(path);
    else if (!jsonEqual(l, r)) modified.push(path);
  };
  const items = (a: ListAtom, list: unknown[] | undefined): Map<string, { pe: PathElement; value: unknown }> => {
    const out = new Map<string, { pe: PathElement; value: unknown }>();
    (list ?? []).forEach((value, i) => {
      try {
        const pe = listItemPE(a, i, value);
        if (!out.has(serializePE(pe))) out.set(serializePE(pe), { pe, value });
      } catch {
        // items without a key are skipped
      }
    });
    return out;
  };
  /** Returns whether the node was a leaf. */
  const walkAtom = (path: PathElement[], a: Exclude<Atom, { kind: 'deduced' }>, l: unknown, r: unknown): boolean => {
    if (a.kind === 'scalar') {
      leaf(path, l, r);
      return true;
    }
    if (a.kind === 'list') {
      const ll = Array.isArray(l) ? l : undefined;
      const rl = Array.isArray(r) ? r : undefined;
      if (a.atomic || ((!ll || ll.length === 0) && (!rl || rl.length === 0))) {
        leaf(path, l, r);
        return true;
      }
      const left = items(a, ll);
      const right = items(a, rl);
      for (const [key, item] of left) walk([...path, item.pe], item.value, right.get(key)?.value, a.elem);
      for (const [key, item] of right) if (!left.has(key)) walk([...path, item.pe], undefined, item.value, a.elem);
      return false;
    }
    const lm = isObject(l) ? l : undefined;
    const rm = isObject(r) ? r : undefined;
    if (a.atomic || ((!lm || Object.keys(lm).length === 0) && (!rm || Object.keys(rm).length === 0))) {
      leaf(path, l, r);
      return true;
    }
    for (const [key, v] of Object.entries(lm ?? {})) if (v !== undefined) walk([...path, fieldPE(key)], v, rm?.[key], a.field(key) ?? a.elem ?? DEDUCED);
    for (const [key, v] of Object.entries(rm ?? {})) if (v !== undefined && lm?.[key] === undefined) walk([...path, fieldPE(key)], undefined, v, a.field(key) ?? a.elem ?? DEDUCED);
    return false;
  };
  const walk = (path: PathElement[], l: unknown, r: unknown, atom: Atom): void => {
    const al = l === undefined ? undefined : resolveAtom(atom, l);
    const ar = r === undefined ? undefined : resolveAtom(atom, r);
    let isLeaf: boolean;
    if (al !== undefined && ar !== undefined && al !== ar) {
      // A value changed shape: only what the old shape held below it is removed.
      const before = removed.length;
      walkAtom(path, al, l, undefined);
      const kept = removed.splice(before).filter((p) => p.length > path.length);
      removed.push(...kept);
      isLeaf = walkAtom(path, ar, undefined, r);
    } else {
      isLeaf = walkAtom(path, (ar ?? al)!, l, r);
    }
    // A map or list that appears or goes is itself added or removed.
    if (!isLeaf && l === undefined) added.push(path);
    else if (!isLeaf && r === undefined) removed.push(path);
  };
  walk([], lhs, rhs, atom);
  return { added: FieldSet.of(...added), modified: FieldSet.of(...modified), removed: FieldSet.of(...removed) };
}

const OBJECTS: { group: string; kind: string; obj: Record<string, unknown> }[] = [
  {
    group: '',
    kind: 'Pod',
    obj: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }] },
      spec: {
        containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }], env: [{ name: 'A', value: '1' }] }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: '10.0.0.1' }], containerStatuses: [{ name: 'app', ready: true }] },
    },
  },
  {
    group: 'apps',
    kind: 'Deployment',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', finalizers: ['a', 'b'] },
      spec: { replicas: 2, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
    },
  },
];

const CHANGES: unknown[] = [undefined, null, {}, [], 'x', 7, { a: 1 }, [{ name: 'app', image: 'y' }], [{ type: 'Ready', status: 'False' }], [{ ip: '10.0.0.2' }], ['a', 'b', 'c']];

/** A copy of `obj` with a few random parts changed; unchanged parts stay shared, as the registry's objects do. */
function changed(obj: unknown, next: () => number, depth = 0): unknown {
  if (next() < 0.08 + depth * 0.02) return CHANGES[Math.floor(next() * CHANGES.length)];
  if (typeof obj !== 'object' || obj === null || next() < 0.3) return obj;
  if (Array.isArray(obj)) return obj.map((v) => changed(v, next, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const c = changed(v, next, depth + 1);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

test('compare with its shortcuts reports what the plain walk reports', () => {
  const next = random(11);
  let cases = 0;
  for (const { group, kind, obj } of OBJECTS) {
    const defaulted = structuredClone(obj);
    applyDefaults(group, 'v1', kind, defaulted);
    for (const schema of [TypeSchema.forKind(group, 'v1', kind), TypeSchema.deduced()]) {
      for (let i = 0; i < 400; i++) {
        const lhs = i % 3 === 0 ? undefined : changed(i % 2 ? defaulted : obj, next);
        const rhs = changed(lhs ?? defaulted, next) ?? {};
        const got = compare(lhs, rhs, schema.root);
        const want = referenceCompare(lhs, rhs, schema.root);
        for (const part of ['added', 'modified', 'removed'] as const) {
          assert.deepEqual(got[part].paths().map(pathToString).sort(), want[part].paths().map(pathToString).sort(), `${part} of ${JSON.stringify(lhs)} -> ${JSON.stringify(rhs)}`);
        }
        cases++;
      }
    }
  }
  assert.equal(cases, 1600);
});
