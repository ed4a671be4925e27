// The codec's shortcuts are invisible: stored bytes are JSON.stringify's text, a
// written version's JSON (rebuilt from its bytes) is JSON.stringify's text of
// it, and a private copy is a deep copy that shares only managedFields.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { checkLeaksAfterAll } from '../../testing/index.js';
import { decodeCopy, decodeShared, encodeForStorage, jsonOf, rememberDecoded, retainDecoded } from './codec.js';

checkLeaksAfterAll();

const OBJECTS: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      labels: { app: 'wéb', '日本': 'x' },
      managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } } }],
    },
    spec: { containers: [{ name: 'c', image: 'i', args: ['a "quoted" \\ arg', '\u2028', '\ud83d\ude00'] }] },
    status: { phase: 'Pending' },
  },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', resourceVersion: '5' }, data: { k: 'v' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: undefined, binaryData: { b: 'AA==' } },
  { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'order' }, data: { a: '1' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', extra: undefined } as KubeObject,
  { metadata: { name: 'untyped' }, spec: { n: 1.5, z: -0, big: 1e21 } } as KubeObject,
  JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"p","__proto__":"x"},"data":{"__proto__":"y"}}') as KubeObject,
];

test('stored bytes are the JSON text of the object without its resourceVersion', () => {
  for (const obj of OBJECTS) {
    const { resourceVersion: _rv, ...metadata } = obj.metadata ?? {};
    const expected = JSON.stringify(obj.metadata ? { ...obj, metadata } : obj);
    assert.equal(Buffer.from(encodeForStorage(obj)).toString('utf8'), expected);
  }
});

test("a written version's JSON, rebuilt from its stored bytes, is its JSON text", () => {
  let revision = 10;
  for (const obj of OBJECTS) {
    const written: KubeObject = { ...obj, metadata: obj.metadata ? { ...obj.metadata } : undefined } as KubeObject;
    if (written.metadata) delete written.metadata.resourceVersion;
    if (!obj.metadata) delete written.metadata;
    const bytes = encodeForStorage(written);
    // A store may keep a copy of the bytes it was given.
    const kv = { key: `/k/${revision}`, value: new Uint8Array(bytes), createRevision: revision, modRevision: revision };
    revision++;
    const remembered = rememberDecoded(kv, written, bytes);
    assert.equal(decodeShared(kv), remembered);
    assert.equal(jsonOf(remembered), JSON.stringify(remembered));
    assert.equal(JSON.parse(jsonOf(remembered)).metadata?.resourceVersion, String(kv.modRevision));
  }
});

test('a private copy is deep except for the shared managedFields, and keeps every member', () => {
  const kv = { key: '/k/copy', value: encodeForStorage(OBJECTS[0]!), createRevision: 3, modRevision: 3 };
  const shared = decodeShared(kv);
  const copy = decodeCopy(kv);
  assert.deepEqual(copy, shared);
  assert.notEqual(copy.spec, shared.spec);
  assert.notEqual(copy.metadata, shared.metadata);
  assert.notEqual(copy.metadata?.labels, shared.metadata?.labels);
  assert.equal(copy.metadata?.managedFields, shared.metadata?.managedFields);
  (copy.spec as { containers: { image: string }[] }).containers[0]!.image = 'changed';
  assert.equal((shared.spec as { containers: { image: string }[] }).containers[0]!.image, 'i');

  const odd = { key: '/k/proto', value: encodeForStorage(OBJECTS[7]!), createRevision: 4, modRevision: 4 };
  const oddCopy = decodeCopy(odd);
  assert.deepEqual(oddCopy, decodeShared(odd));
  assert.equal(Object.getOwnPropertyDescriptor(oddCopy.data, '__proto__')?.value, 'y');
  assert.equal(Object.getPrototypeOf(oddCopy.data), Object.prototype);
});

test("a version read back from storage serves its JSON text from its bytes, resourceVersion included once", () => {
  let revision = 100;
  for (const obj of OBJECTS) {
    // Stored as written (without resourceVersion), and as an older writer may have left it (with one).
    for (const bytes of [encodeForStorage(obj), Buffer.from(JSON.stringify(obj))]) {
      const kv = { key: `/k/read/${revision}`, value: new Uint8Array(bytes), createRevision: revision, modRevision: revision };
      revision++;
      const read = decodeShared(kv);
      assert.equal(jsonOf(read), JSON.stringify(read));
      assert.equal(JSON.parse(jsonOf(read)).metadata?.resourceVersion, obj.metadata ? String(kv.modRevision) : undefined);
    }
  }
});

test('a version kept decoded gives back its stored bytes, its object and its JSON text', () => {
  let revision = 500;
  for (const obj of OBJECTS) {
    const bytes = encodeForStorage(obj);
    // As read from storage, and as just written (the object remembered for the write).
    const read = { key: `/k/retain/${revision}`, value: new Uint8Array(bytes), createRevision: revision, modRevision: revision };
    revision++;
    const written = { key: `/k/retain/${revision}`, value: new Uint8Array(bytes), createRevision: revision, modRevision: revision };
    revision++;
    rememberDecoded(written, obj, bytes);
    for (const kv of [read, written]) {
      const kept = retainDecoded(kv);
      assert.equal(kept.key, kv.key);
      assert.equal(kept.modRevision, kv.modRevision);
      assert.equal(kept.valueSize, bytes.byteLength);
      assert.equal(decodeShared(kept), decodeShared(kv), 'the one decoded object');
      assert.equal(retainDecoded(kept), kept);
      assert.deepEqual(Buffer.from(kept.value), Buffer.from(bytes), `bytes of ${JSON.stringify(obj.metadata)}`);
      assert.equal(jsonOf(decodeShared(kept)), JSON.stringify(decodeShared(kept)));
    }
  }
});
