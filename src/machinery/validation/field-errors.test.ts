import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregateMessage,
  duplicate,
  field,
  forbidden,
  internalError,
  invalid,
  notFound,
  notSupported,
  required,
  tooLong,
  tooLongCharacters,
  tooMany,
  typeInvalid,
} from './field-errors.js';
import { isDNS1123Subdomain } from './names.js';
import { childOf, newPath, pathString } from './path.js';

describe('FieldPath', () => {
  it('renders children, indexes and keys like upstream', () => {
    const p = newPath('spec').child('containers').index(0).child('ports').index(1).child('name');
    assert.equal(p.toString(), 'spec.containers[0].ports[1].name');
    assert.equal(newPath('metadata', 'labels').key('app').toString(), 'metadata.labels[app]');
    assert.equal(newPath('a').key('b').key('c').child('d').toString(), 'a[b][c].d');
  });
  it('renders a nil path as <nil> and starts children of it fresh', () => {
    assert.equal(pathString(undefined), '<nil>');
    assert.equal(childOf(undefined, 'values').index(0).toString(), 'values[0]');
    assert.equal(childOf(newPath('spec'), 'selector').toString(), 'spec.selector');
  });
  it('is immutable', () => {
    const base = newPath('spec');
    base.child('a');
    assert.equal(base.toString(), 'spec');
  });
});

describe('FieldError rendering', () => {
  it('renders the brief example exactly', () => {
    const path = newPath('metadata', 'name');
    const [msg] = isDNS1123Subdomain('Foo_Bar');
    const err = invalid(path, 'Foo_Bar', msg ?? '');
    assert.equal(
      err.toString(),
      "metadata.name: Invalid value: \"Foo_Bar\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
    assert.equal(err.type, 'FieldValueInvalid');
  });
  it('renders each type with its reason text', () => {
    const p = newPath('f');
    assert.equal(required(p, '').toString(), 'f: Required value');
    assert.equal(required(p, 'name or generateName is required').toString(), 'f: Required value: name or generateName is required');
    assert.equal(forbidden(p, 'not allowed on this type').toString(), 'f: Forbidden: not allowed on this type');
    assert.equal(duplicate(p, 'x').toString(), 'f: Duplicate value: "x"');
    assert.equal(notFound(p, 'x').toString(), 'f: Not found: "x"');
    assert.equal(typeInvalid(p, 'x', 'must be a number').toString(), 'f: Invalid value: "x": must be a number');
    assert.equal(internalError(p, 'boom').toString(), 'f: Internal error: boom');
  });
  it('NotSupported lists quoted values', () => {
    assert.equal(
      notSupported(newPath('spec', 'restartPolicy'), 'Sometimes', ['Always', 'OnFailure', 'Never']).toString(),
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    );
    assert.equal(notSupported(newPath('x'), 'y', []).toString(), 'x: Unsupported value: "y"');
  });
  it('TooLong hides the value and counts bytes', () => {
    assert.equal(tooLong(newPath('metadata', 'annotations'), 262144).toString(), 'metadata.annotations: Too long: may not be more than 262144 bytes');
    assert.equal(tooLong(newPath('x'), 1).toString(), 'x: Too long: may not be more than 1 byte');
    assert.equal(tooLong(newPath('x'), -1).toString(), 'x: Too long: value is too long');
    assert.equal(tooLongCharacters(newPath('x'), 5).toString(), 'x: Too long: may not be more than 5 characters');
  });
  it('TooMany shows the count unless negative', () => {
    assert.equal(tooMany(newPath('items'), 12, 10).toString(), 'items: Too many: 12: must have at most 10 items');
    assert.equal(tooMany(newPath('items'), 2, 1).toString(), 'items: Too many: 2: must have at most 1 item');
    assert.equal(tooMany(newPath('items'), -1, -1).toString(), 'items: Too many: has too many items');
  });
  it('renders bad values by Go type: %v, %q or JSON', () => {
    const p = newPath('v');
    assert.equal(invalid(p, 5, 'd').toString(), 'v: Invalid value: 5: d');
    assert.equal(invalid(p, -1.5, 'd').toString(), 'v: Invalid value: -1.5: d');
    assert.equal(invalid(p, true, 'd').toString(), 'v: Invalid value: true: d');
    assert.equal(invalid(p, 'a"b\n', 'd').toString(), 'v: Invalid value: "a\\"b\\n": d');
    assert.equal(invalid(p, ['a', 'b'], 'd').toString(), 'v: Invalid value: ["a","b"]: d');
    assert.equal(invalid(p, null, 'd').toString(), 'v: Invalid value: null: d');
    assert.equal(invalid(p, { b: 1, a: '<x>' }, 'd').toString(), 'v: Invalid value: {"a":"\\u003cx\\u003e","b":1}: d');
    assert.equal(invalid(p, new Map<string, unknown>([['z', 1], ['a', 2]]), 'd').toString(), 'v: Invalid value: {"z":1,"a":2}: d');
    assert.equal(invalid(p, 'x', '').toString(), 'v: Invalid value: "x"');
  });
  it('exposes the body and a Status cause', () => {
    const err = invalid(newPath('spec', 'replicas'), -1, 'must be greater than or equal to 0');
    assert.equal(err.errorBody(), 'Invalid value: -1: must be greater than or equal to 0');
    assert.deepEqual(err.toCause(), {
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      message: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    });
  });
  it('keeps upstream reason codes', () => {
    const p = newPath('x');
    assert.deepEqual(
      [required(p, ''), invalid(p, 1, ''), notSupported(p, 1, []), duplicate(p, 1), forbidden(p, ''), tooLong(p, 1), tooMany(p, 1, 1)].map((e) => e.type),
      ['FieldValueRequired', 'FieldValueInvalid', 'FieldValueNotSupported', 'FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueTooLong', 'FieldValueTooMany'],
    );
  });
  it('offers the constructors under field.*', () => {
    assert.equal(field.invalid(newPath('a'), 'b', 'c').toString(), 'a: Invalid value: "b": c');
  });
});

describe('aggregateMessage', () => {
  it('dedups and brackets several messages', () => {
    const a = required(newPath('a'), '');
    const b = required(newPath('b'), '');
    assert.equal(aggregateMessage([]), undefined);
    assert.equal(aggregateMessage([a]), 'a: Required value');
    assert.equal(aggregateMessage([a, a]), 'a: Required value');
    assert.equal(aggregateMessage([a, b]), '[a: Required value, b: Required value]');
  });
});
