import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { FieldsV1Interner } from './intern.js';

/** The kubelet's status fields of a pod with one IP (the part unique to each pod). */
function podFields(ip: string): Record<string, unknown> {
  return {
    'f:status': {
      'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } },
      'f:podIP': {},
      'f:podIPs': { '.': {}, [`k:{"ip":"${ip}"}`]: { '.': {}, 'f:ip': {} } },
    },
  };
}

describe('FieldsV1Interner', () => {
  it('makes equal trees one object and keeps their JSON', () => {
    const interner = new FieldsV1Interner();
    const a = interner.intern(podFields('10.0.0.1'));
    const b = interner.intern(podFields('10.0.0.1'));
    assert.equal(a, b);
    assert.equal(JSON.stringify(a), JSON.stringify(podFields('10.0.0.1')));
  });

  it('shares the equal subtrees of trees that differ in a leaf', () => {
    const interner = new FieldsV1Interner();
    const a = interner.intern(podFields('10.0.0.1')) as { 'f:status': Record<string, Record<string, unknown>> };
    const b = interner.intern(podFields('10.0.0.2')) as { 'f:status': Record<string, Record<string, unknown>> };
    assert.notEqual(a, b);
    assert.equal(a['f:status']['f:conditions'], b['f:status']['f:conditions']);
    assert.equal(a['f:status']['f:podIP'], b['f:status']['f:podIP'], 'leaves are one empty object');
    assert.notEqual(a['f:status']['f:podIPs'], b['f:status']['f:podIPs']);
    assert.equal(a['f:status']['f:podIPs']!['k:{"ip":"10.0.0.1"}'], b['f:status']['f:podIPs']!['k:{"ip":"10.0.0.2"}'], 'equal values under different keys are shared');
    assert.equal(JSON.stringify(b), JSON.stringify(podFields('10.0.0.2')));
  });

  it('keeps key order and own "__proto__" keys', () => {
    const interner = new FieldsV1Interner();
    const input = JSON.parse('{"f:b":{},"__proto__":{"f:x":{}},"f:a":{}}') as object;
    const out = interner.intern(input);
    assert.deepEqual(Object.keys(out), ['f:b', '__proto__', 'f:a']);
    assert.equal(JSON.stringify(out), JSON.stringify(input));
  });

  it('tells apart trees with the same members in another order or over other children', () => {
    const interner = new FieldsV1Interner();
    const ab = interner.intern({ 'f:a': {}, 'f:b': { 'f:x': {} } });
    const ba = interner.intern({ 'f:b': { 'f:x': {} }, 'f:a': {} });
    const other = interner.intern({ 'f:a': {}, 'f:b': { 'f:y': {} } });
    assert.notEqual(ab, ba);
    assert.deepEqual(Object.keys(ba), ['f:b', 'f:a']);
    assert.notEqual(ab, other);
    assert.equal(JSON.stringify(other), '{"f:a":{},"f:b":{"f:y":{}}}');
    assert.equal(interner.intern({ 'f:b': { 'f:x': {} }, 'f:a': {} }), ba);
  });

  it('leaves trees holding other values as they are', () => {
    const interner = new FieldsV1Interner();
    const odd = { 'f:a': { 'f:b': 1 }, 'f:c': {} };
    assert.equal(interner.intern(odd), odd);
    const list = { 'f:a': [{}] };
    assert.equal(interner.intern(list), list);
  });

  it('holds a bounded number of subtrees however many unique ones pass through', () => {
    const interner = new FieldsV1Interner(100);
    const first = interner.intern(podFields('10.0.0.1'));
    for (let i = 0; i < 1000; i++) interner.intern(podFields(`10.1.${i >> 8}.${i & 255}`));
    assert.ok(interner.size <= 200, `${interner.size} subtrees held`);
    // A hot shape survives: its subtrees keep being hit.
    const again = interner.intern(podFields('10.0.0.1')) as { 'f:status': Record<string, unknown> };
    assert.equal(again['f:status']['f:conditions'], (first as { 'f:status': Record<string, unknown> })['f:status']['f:conditions']);
  });
});
