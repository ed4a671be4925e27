import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareGoStrings, goFormat, goFormatString, goScalarEqual, goSliceStable, goTypeName } from './go.js';
import { deduplicateScalars } from './strategic-common.js';

describe('Go formatting', () => {
  it('prints values as fmt %v does', () => {
    assert.equal(goFormat({ name: 'web', image: 'nginx', ports: [80, 443], env: null, tty: true }), 'map[env:<nil> image:nginx name:web ports:[80 443] tty:true]');
    assert.equal(goFormat({}), 'map[]');
    assert.equal(goFormat([]), '[]');
    assert.equal(goFormat(undefined), '<nil>');
    assert.equal(goFormat(-0), '0');
    assert.equal(goFormat(1.5), '1.5');
    assert.equal(goFormat(1234567.5), '1.2345675e+06');
    assert.equal(goFormat(0.00001), '1e-05');
  });

  it('prints %s of non-strings and type names as Go does', () => {
    assert.equal(goFormatString('x'), 'x');
    assert.equal(goFormatString(5), '%!s(int64=5)');
    assert.equal(goFormatString(true), '%!s(bool=true)');
    assert.equal(goTypeName({}), 'map[string]interface {}');
    assert.equal(goTypeName([]), '[]interface {}');
    assert.equal(goTypeName(1.5), 'float64');
    assert.equal(goTypeName(null), '<nil>');
  });
});

describe('Go comparisons', () => {
  it('orders strings by UTF-8 bytes', () => {
    assert.ok(compareGoStrings('a', 'b') < 0);
    assert.ok(compareGoStrings('B', 'a') < 0);
    assert.ok(compareGoStrings('ab', 'a') > 0);
    assert.ok(compareGoStrings('\u{1F600}', '\uFFFD') > 0, 'astral characters sort after the BMP');
    assert.equal(compareGoStrings('same', 'same'), 0);
  });

  it('compares interface values: scalars by type and value, containers never', () => {
    assert.ok(goScalarEqual('1', '1'));
    assert.ok(!goScalarEqual('1', 1));
    assert.ok(goScalarEqual(null, undefined));
    assert.ok(!goScalarEqual({}, {}));
  });
});

describe('goSliceStable', () => {
  it('matches a stable sort for consistent comparators at every size', () => {
    for (const size of [0, 1, 5, 19, 20, 21, 40, 41, 97, 300]) {
      const items = Array.from({ length: size }, (_, i) => ({ key: (i * 7919) % 13, index: i }));
      const expected = [...items].sort((a, b) => a.key - b.key);
      goSliceStable(items, (a, b) => a.key < b.key);
      assert.deepEqual(items, expected, `size ${size}`);
    }
  });

  it('moves items the comparator always calls "less" the way Go does', () => {
    // Upstream's ordering comparator returns true whenever an item is not in
    // the order list; on insertion-sorted blocks that pulls it to the front.
    const items = ['b', 'x', 'a'];
    const order = ['a', 'b'];
    goSliceStable(items, (l, r) => {
      const li = order.indexOf(l);
      const ri = order.indexOf(r);
      return li >= 0 && ri >= 0 ? li < ri : true;
    });
    assert.deepEqual(items, ['a', 'x', 'b']);
  });
});

describe('deduplicateScalars', () => {
  it('moves the last element into each duplicate’s slot, as upstream', () => {
    assert.deepEqual(deduplicateScalars([1, 1, 2, 3]), [1, 3, 2]);
    assert.deepEqual(deduplicateScalars(['a', 'b', 'a', 'c', 'b']), ['a', 'b', 'c']);
    assert.deepEqual(deduplicateScalars([]), []);
  });
});
