import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, FieldsV1Error } from './fieldset.js';
import { deserializePE, fieldPE, keyPE, makePath, pathToString, serializePE, valuePE } from './pathelement.js';

const roundTrip = (text: string): string => JSON.stringify(FieldSet.fromFieldsV1(JSON.parse(text)).toFieldsV1());

test('FieldsV1 golden data of structured-merge-diff round-trips byte for byte', () => {
  // fieldpath/serialize_test.go TestSerializeV1GoldenData.
  const examples = [
    String.raw`{"f:aaa":{},"f:aab":{},"f:aac":{},"f:aad":{},"f:aae":{},"f:aaf":{},"k:{\"name\":\"first\"}":{},"k:{\"name\":\"second\"}":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{},"k:{\"port\":443,\"protocol\":\"udp\"}":{},"v:1":{},"v:2":{},"v:3":{},"v:\"aa\"":{},"v:\"ab\"":{},"v:true":{},"i:1":{},"i:2":{},"i:3":{},"i:4":{}}`,
    String.raw`{"f:aaa":{"k:{\"name\":\"second\"}":{"v:3":{"f:aab":{}}},"v:3":{},"v:true":{}},"f:aab":{"f:aaa":{},"f:aaf":{"k:{\"port\":443,\"protocol\":\"udp\"}":{"k:{\"port\":443,\"protocol\":\"tcp\"}":{}}},"k:{\"name\":\"first\"}":{}},"f:aac":{"f:aaa":{"v:1":{}},"f:aac":{},"v:3":{"k:{\"name\":\"second\"}":{}}},"f:aad":{"f:aac":{"v:1":{}},"f:aaf":{"k:{\"name\":\"first\"}":{"k:{\"name\":\"first\"}":{}}},"i:1":{"i:1":{},"i:3":{"v:true":{}}}},"f:aae":{"f:aae":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{"k:{\"port\":443,\"protocol\":\"udp\"}":{}},"i:4":{"f:aaf":{}}},"f:aaf":{"i:1":{"f:aac":{}},"i:2":{},"i:3":{}},"k:{\"name\":\"first\"}":{"f:aad":{"f:aaf":{}}},"k:{\"port\":443,\"protocol\":\"tcp\"}":{"f:aaa":{"f:aad":{}}},"k:{\"port\":443,\"protocol\":\"udp\"}":{"f:aac":{},"k:{\"name\":\"first\"}":{"i:3":{}},"k:{\"port\":443,\"protocol\":\"udp\"}":{"i:4":{}}},"v:1":{"f:aac":{"i:4":{}},"f:aaf":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{}},"v:2":{"f:aad":{"f:aaf":{}},"i:1":{}},"v:3":{"f:aaa":{},"k:{\"name\":\"first\"}":{},"i:2":{}},"v:\"aa\"":{"f:aab":{"f:aaf":{}},"f:aae":{},"k:{\"name\":\"first\"}":{"f:aad":{}},"i:2":{}},"v:\"ab\"":{"f:aaf":{"i:4":{}},"k:{\"port\":443,\"protocol\":\"tcp\"}":{},"k:{\"port\":443,\"protocol\":\"udp\"}":{},"v:1":{"k:{\"port\":443,\"protocol\":\"udp\"}":{}},"i:1":{"f:aae":{"i:4":{}}}},"v:true":{"k:{\"name\":\"second\"}":{"f:aaa":{}},"i:2":{"k:{\"port\":443,\"protocol\":\"tcp\"}":{}}},"i:1":{"i:3":{"f:aaf":{}}},"i:2":{"f:aae":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{"v:1":{}}},"i:3":{"f:aab":{"v:true":{"v:\"aa\"":{}}},"f:aaf":{},"i:1":{}},"i:4":{"v:\"aa\"":{"f:aab":{"k:{\"name\":\"second\"}":{}}}}}`,
  ];
  for (const text of examples) assert.equal(roundTrip(text), text);
});

test('unknown path element types are dropped (TestDropUnknown)', () => {
  assert.equal(roundTrip('{"f:aaa":{},"r:aab":{}}'), '{"f:aaa":{}}');
});

test('"." marks a node that is a member and has children, and comes first', () => {
  const s = FieldSet.of(
    makePath('metadata', 'labels'),
    makePath('metadata', 'labels', 'app'),
    makePath('spec', 'containers', keyPE([{ name: 'name', value: 'nginx' }])),
    makePath('spec', 'containers', keyPE([{ name: 'name', value: 'nginx' }]), 'image'),
    makePath('spec', 'finalizers', valuePE('example.com/x')),
  );
  assert.equal(
    JSON.stringify(s.toFieldsV1()),
    String.raw`{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}},"f:finalizers":{"v:\"example.com/x\"":{}}}}`,
  );
  const back = FieldSet.fromFieldsV1(s.toFieldsV1());
  assert.ok(back.equals(s));
  assert.ok(back.has(makePath('metadata', 'labels')));
  assert.ok(!back.has(makePath('metadata')));
});

test('map-list keys are sorted by name and keep JSON number formatting', () => {
  const pe = keyPE([
    { name: 'protocol', value: 'TCP' },
    { name: 'containerPort', value: 80 },
  ]);
  assert.equal(serializePE(pe), 'k:{"containerPort":80,"protocol":"TCP"}');
  assert.equal(pathToString(makePath('spec', 'ports', pe)), '.spec.ports[containerPort=80,protocol="TCP"]');
  const parsed = deserializePE('k:{"protocol":"TCP","containerPort":80}');
  assert.notEqual(typeof parsed, 'symbol');
  assert.equal(serializePE(parsed as typeof pe), 'k:{"containerPort":80,"protocol":"TCP"}');
  // jsoniter escapes HTML characters inside keys and values.
  assert.equal(serializePE(valuePE('a<b&c')), 'v:"a\\u003cb\\u0026c"');
});

test('path strings as conflict messages print them', () => {
  assert.equal(pathToString(makePath('spec', 'replicas')), '.spec.replicas');
  assert.equal(pathToString(makePath('spec', 'template', 'spec', 'containers', keyPE([{ name: 'name', value: 'nginx' }]), 'image')), '.spec.template.spec.containers[name="nginx"].image');
  assert.equal(pathToString(makePath('metadata', 'finalizers', valuePE('x'))), '.metadata.finalizers[="x"]');
  assert.equal(pathToString(makePath('spec', 'ingress', 0, '_from')), '.spec.ingress[0]._from');
});

test('set algebra follows upstream: difference keeps children of a removed parent, recursiveDifference does not', () => {
  const a = FieldSet.of(makePath('a'), makePath('a', 'b'), makePath('a', 'c'), makePath('d'));
  const parent = FieldSet.of(makePath('a'));
  assert.deepEqual(a.difference(parent).paths().map(pathToString), ['.d', '.a.b', '.a.c']);
  assert.deepEqual(a.recursiveDifference(parent).paths().map(pathToString), ['.d']);
  const b = FieldSet.of(makePath('a', 'b'), makePath('e'));
  assert.deepEqual(a.intersection(b).paths().map(pathToString), ['.a.b']);
  assert.deepEqual(a.union(b).paths().map(pathToString), ['.a', '.d', '.e', '.a.b', '.a.c']);
  assert.deepEqual(a.leaves().paths().map(pathToString), ['.d', '.a.b', '.a.c']);
  assert.equal(a.size, 4);
  assert.ok(a.difference(a).isEmpty());
  assert.ok(FieldSet.empty().isEmpty());
});

test('sets returned by operations are not changed by inserting into others', () => {
  const a = FieldSet.of(makePath('x', 'y'));
  const u = a.union(FieldSet.empty());
  u.insert(makePath('x', 'z'));
  assert.deepEqual(a.paths().map(pathToString), ['.x.y']);
  assert.deepEqual(u.paths().map(pathToString), ['.x.y', '.x.z']);
});

test('malformed FieldsV1 is an error', () => {
  assert.throws(() => FieldSet.fromFieldsV1({ 'f:a': 1 }), FieldsV1Error);
  assert.throws(() => FieldSet.fromFieldsV1({ x: {} }), FieldsV1Error);
  assert.throws(() => FieldSet.fromFieldsV1({ 'k:{bad': {} }), FieldsV1Error);
  assert.throws(() => FieldSet.fromFieldsV1([]), FieldsV1Error);
  assert.ok(FieldSet.fromFieldsV1(null).isEmpty());
  assert.equal(fieldPE('a').kind, 'field');
});
