import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaObject } from '../../api/openapi/index.js';
import { FieldSet } from './fieldset.js';
import { keyPE, makePath, pathToString, valuePE } from './pathelement.js';
import { TypeSchema } from './schema.js';
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, validate } from './typed.js';

// The schemas of structured-merge-diff's typed tests, as structural schemas.
const setOf = (type: 'string' | 'boolean' | 'number'): SchemaObject => ({ type: 'array', items: { type }, 'x-kubernetes-list-type': 'set' });
const GRAB_BAG = TypeSchema.fromStructural({
  type: 'object',
  properties: {
    numeric: { type: 'number' },
    string: { type: 'string' },
    bool: { type: 'boolean' },
    setStr: setOf('string'),
    setBool: setOf('boolean'),
    setNumeric: setOf('number'),
    color: { type: 'object', properties: { R: { type: 'number' }, G: { type: 'number' }, B: { type: 'number' } }, 'x-kubernetes-map-type': 'atomic' },
    args: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, value: { type: 'string' } } }, 'x-kubernetes-list-type': 'atomic' },
  },
}).root;
const ASSOCIATIVE = TypeSchema.fromStructural({
  type: 'object',
  properties: {
    list: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['key', 'id'],
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          id: { type: 'number' },
          value: { type: 'object', additionalProperties: { type: 'string' } },
          bv: { type: 'boolean' },
          nv: { type: 'number' },
        },
      },
    },
    atomicList: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' },
  },
}).root;

test('merge: upstream typed merge cases (sets union, map-lists merge in a stable order, atomic lists replace)', () => {
  const cases: [unknown, unknown, unknown, typeof GRAB_BAG][] = [
    [{ numeric: 1 }, { numeric: 3.14159 }, { numeric: 3.14159 }, GRAB_BAG],
    [{ string: 'aoeu' }, { bool: true }, { string: 'aoeu', bool: true }, GRAB_BAG],
    [{ setStr: ['a', 'b', 'c'] }, { setStr: ['a', 'b'] }, { setStr: ['a', 'b', 'c'] }, GRAB_BAG],
    [{ setStr: ['a', 'b'] }, { setStr: ['a', 'b', 'c'] }, { setStr: ['a', 'b', 'c'] }, GRAB_BAG],
    [{ setStr: ['a', 'b', 'c'] }, { setStr: [] }, { setStr: ['a', 'b', 'c'] }, GRAB_BAG],
    [{ setStr: [] }, { setStr: ['a', 'b', 'c'] }, { setStr: ['a', 'b', 'c'] }, GRAB_BAG],
    [{ setBool: [true] }, { setBool: [false] }, { setBool: [true, false] }, GRAB_BAG],
    // Upstream marks this order as a known bug; it is what the API server does.
    [{ setNumeric: [1, 2, 3.14159] }, { setNumeric: [1, 2, 3] }, { setNumeric: [1, 2, 3.14159, 3] }, GRAB_BAG],
    [{ list: [{ key: 'a', id: 1, value: { a: 'a' } }] }, { list: [{ key: 'a', id: 1, value: { a: 'a' } }] }, { list: [{ key: 'a', id: 1, value: { a: 'a' } }] }, ASSOCIATIVE],
    [{ list: [{ key: 'a', id: 1, value: { a: 'a' } }] }, { list: [{ key: 'a', id: 2, value: { a: 'a' } }] }, { list: [{ key: 'a', id: 1, value: { a: 'a' } }, { key: 'a', id: 2, value: { a: 'a' } }] }, ASSOCIATIVE],
    [
      { list: [{ key: 'a', id: 1 }, { key: 'b', id: 1 }] },
      { list: [{ key: 'a', id: 1 }, { key: 'a', id: 2 }] },
      { list: [{ key: 'a', id: 1 }, { key: 'b', id: 1 }, { key: 'a', id: 2 }] },
      ASSOCIATIVE,
    ],
    [{ atomicList: ['a', 'b', 'c'] }, { atomicList: [] }, { atomicList: [] }, ASSOCIATIVE],
    [{ atomicList: ['a', 'a', 'a'] }, { atomicList: ['a', 'a'] }, { atomicList: ['a', 'a'] }, ASSOCIATIVE],
    // Shared items follow the configuration's order; live-only items keep their place.
    [{ setStr: ['x', 'a', 'b'] }, { setStr: ['b', 'a'] }, { setStr: ['x', 'b', 'a'] }, GRAB_BAG],
  ];
  for (const [lhs, rhs, out, atom] of cases) assert.deepEqual(merge(lhs, rhs, atom), out, JSON.stringify([lhs, rhs]));
});

test('toFieldSet: upstream cases', () => {
  const paths = (v: unknown, atom = GRAB_BAG): string[] => toFieldSet(v, atom).paths().map(pathToString);
  assert.deepEqual(paths({ setStr: ['a', 'b', 'c'] }), ['.setStr[="a"]', '.setStr[="b"]', '.setStr[="c"]']);
  assert.deepEqual(paths({ setNumeric: [1, 2, 3, 3.14159] }), ['.setNumeric[=1]', '.setNumeric[=2]', '.setNumeric[=3]', '.setNumeric[=3.14159]']);
  assert.deepEqual(paths({ color: {} }), ['.color']);
  assert.deepEqual(paths({ color: null }), ['.color']);
  assert.deepEqual(paths({ args: [] }), ['.args']);
  assert.deepEqual(paths({ args: [{ key: 'a', value: 'b' }] }), ['.args']);
  assert.deepEqual(paths({ list: [] }, ASSOCIATIVE), []);
  assert.deepEqual(paths({ list: [{ key: 'a', id: 1, value: { a: 'a' } }] }, ASSOCIATIVE), ['.list[id=1,key="a"]', '.list[id=1,key="a"].id', '.list[id=1,key="a"].key', '.list[id=1,key="a"].value.a']);
  assert.deepEqual(paths({ atomicList: ['a', 'a', 'a'] }, ASSOCIATIVE), ['.atomicList']);
});

test('compare: added, modified and removed fields, with list items and map entries as nodes', () => {
  const c = compare({ list: [{ key: 'a', id: 1, nv: 1 }, { key: 'b', id: 1 }], atomicList: ['x'] }, { list: [{ key: 'a', id: 1, nv: 2 }, { key: 'c', id: 1, value: { k: 'v' } }], atomicList: ['y'] }, ASSOCIATIVE);
  assert.deepEqual(c.added.paths().map(pathToString), ['.list[id=1,key="c"]', '.list[id=1,key="c"].id', '.list[id=1,key="c"].key', '.list[id=1,key="c"].value', '.list[id=1,key="c"].value.k']);
  assert.deepEqual(c.modified.paths().map(pathToString), ['.atomicList', '.list[id=1,key="a"].nv']);
  assert.deepEqual(c.removed.paths().map(pathToString), ['.list[id=1,key="b"]', '.list[id=1,key="b"].id', '.list[id=1,key="b"].key']);
  // Empty and absent containers compare as leaves.
  assert.deepEqual(compare({}, { setStr: [] }, GRAB_BAG).added.paths().map(pathToString), ['.setStr']);
  assert.ok(compare({ setStr: [] }, { setStr: [] }, GRAB_BAG).modified.isEmpty());
});

test('removeItems: members go whole, children are walked, emptied containers disappear', () => {
  const obj = { setBool: [true, false], setNumeric: [1, 2, 3, 4.5], list: [{ key: 'a', id: 1, nv: 1 }] };
  assert.deepEqual(removeItems(obj, FieldSet.of(makePath('setBool', valuePE(true)), makePath('setNumeric', valuePE(1)), makePath('setNumeric', valuePE(4.5))), GRAB_BAG), {
    setBool: [false],
    setNumeric: [2, 3],
    list: [{ key: 'a', id: 1, nv: 1 }],
  });
  assert.deepEqual(removeItems({ setBool: [false] }, FieldSet.of(makePath('setBool', valuePE(false))), GRAB_BAG), {});
  const key = keyPE([
    { name: 'key', value: 'a' },
    { name: 'id', value: 1 },
  ]);
  assert.deepEqual(removeItems({ list: [{ key: 'a', id: 1, nv: 1 }] }, FieldSet.of(makePath('list', key, 'nv')), ASSOCIATIVE), { list: [{ key: 'a', id: 1 }] });
  assert.deepEqual(removeItems({ list: [{ key: 'a', id: 1, nv: 1 }] }, FieldSet.of(makePath('list', key)), ASSOCIATIVE), {});
});

test('ensureNamedFieldsAreMembers adds declared struct fields, not map entries', () => {
  const d = TypeSchema.forKind('apps', 'v1', 'Deployment').root;
  const s = FieldSet.of(makePath('metadata', 'labels', 'app'), makePath('spec', 'template', 'spec', 'containers', keyPE([{ name: 'name', value: 'x' }]), 'image'));
  assert.deepEqual(ensureNamedFieldsAreMembers(s, d).paths().map(pathToString), [
    '.metadata',
    '.spec',
    '.metadata.labels',
    '.metadata.labels.app',
    '.spec.template',
    '.spec.template.spec',
    '.spec.template.spec.containers',
    '.spec.template.spec.containers[name="x"].image',
  ]);
});

test('validate: unknown fields, keys and structure', () => {
  const pod = TypeSchema.forKind('', 'v1', 'Pod').root;
  assert.deepEqual(validate({ spec: { containers: [{ name: 'a', ports: [{ containerPort: 1 }] }] } }, pod), []);
  assert.deepEqual(validate({ spec: { containers: 'x' } }, pod), [{ path: '.spec.containers', message: 'expected list, got string' }]);
  assert.deepEqual(validate({ spec: { tolerations: [{ bogus: 1 }] } }, pod), [{ path: '.spec.tolerations[0].bogus', message: 'field not declared in schema' }]);
  assert.deepEqual(validate({ metadata: { finalizers: [{}] } }, pod), [{ path: '.metadata.finalizers', message: "element 0: associative list without keys has an element that's a map type" }]);
  assert.deepEqual(validate({ spec: { containers: [{ name: 'a' }, { name: 'a' }] } }, pod, { allowDuplicates: true }), []);
  // Quantities and int-or-strings take numbers and strings.
  assert.deepEqual(validate({ spec: { containers: [{ name: 'a', resources: { limits: { cpu: 1 } }, ports: [{ containerPort: 1 }], livenessProbe: { httpGet: { port: 'http' } } }] } }, pod), []);
});
