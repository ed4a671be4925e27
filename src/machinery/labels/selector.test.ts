import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector } from './parser.js';
import {
  LabelSelector,
  everything,
  equalLabels,
  formatLabels,
  matches,
  newRequirement,
  nothing,
  selectorFromSet,
  validatedSelectorFromSet,
  type Labels,
  type Operator,
  type Requirement,
} from './selector.js';

function sel(s: string): LabelSelector {
  const result = parseLabelSelector(s);
  if ('error' in result) throw new Error(result.error);
  return result;
}

function req(key: string, operator: Operator, values: string[]): Requirement {
  const result = newRequirement(key, operator, values);
  if ('error' in result) throw new Error(result.error);
  return result;
}

describe('matching (upstream TestSelectorMatches)', () => {
  const cases: ReadonlyArray<readonly [string, Labels, boolean]> = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }, true],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
    ['x!=y', {}, true],
    ['x notin (a)', {}, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x in ()', { x: '' }, true],
    ['x in ()', { y: '' }, false],
    ['x=', { x: '' }, true],
    ['x>1', { x: 'v2' }, false],
    ['x>1', {}, false],
    ['x<10', { x: '-5' }, true],
    ['x>1', { x: '99999999999999999999' }, false],
    ['constructor', {}, false],
  ];
  it('matches like upstream', () => {
    for (const [s, labels, expected] of cases) assert.equal(sel(s).matches(labels), expected, `${s} on ${JSON.stringify(labels)}`);
  });
  it('offers a free matches()', () => {
    assert.equal(matches(sel('a=b'), { a: 'b' }), true);
  });
});

describe('requirement matching (upstream TestRequirementSelectorMatching)', () => {
  it('combines requirements with AND', () => {
    assert.equal(LabelSelector.of([req('x', 'in', ['foo']), req('y', 'notin', ['alpha'])]).matches({ x: 'foo', y: 'baz' }), true);
    assert.equal(LabelSelector.of([req('x', 'in', ['foo']), req('y', 'in', ['alpha'])]).matches({ x: 'foo', y: 'baz' }), false);
    assert.equal(LabelSelector.of([req('x', 'notin', ['']), req('y', 'exists', [])]).matches({ y: '' }), true);
    assert.equal(LabelSelector.of([req('x', '!', []), req('y', 'exists', [])]).matches({ y: '' }), true);
    assert.equal(LabelSelector.of([req('x', 'notin', ['']), req('y', '!', [])]).matches({ y: '' }), false);
    assert.equal(LabelSelector.of([req('x', 'in', [''])]).matches({ y: 'baz' }), false);
  });
});

describe('toString (upstream TestToString)', () => {
  it('prints requirements canonically', () => {
    assert.equal(LabelSelector.of([req('x', 'in', ['abc', 'def']), req('y', 'notin', ['jkl']), req('z', 'exists', [])]).toString(), 'x in (abc,def),y notin (jkl),z');
    assert.equal(LabelSelector.of([req('x', 'notin', ['abc', 'def']), req('y', '!=', ['jkl']), req('z', '!', [])]).toString(), 'x notin (abc,def),y!=jkl,!z');
    assert.equal(LabelSelector.of([req('x', 'notin', ['abc']), req('y', 'in', ['jkl', 'mno']), req('z', 'notin', [''])]).toString(), 'x notin (abc),y in (jkl,mno),z notin ()');
    assert.equal(LabelSelector.of([req('x', '=', ['abc']), req('y', '==', ['jkl']), req('z', '!=', ['a']), req('z', 'exists', [])]).toString(), 'x=abc,y==jkl,z!=a,z');
    assert.equal(LabelSelector.of([req('x', 'gt', ['2']), req('y', 'lt', ['8']), req('z', 'exists', [])]).toString(), 'x>2,y<8,z');
  });
  it('sorts values and keys without mutating the requirement', () => {
    const r = req('b', 'in', ['z', 'a']);
    assert.equal(LabelSelector.of([r, req('a', 'exists', [])]).toString(), 'a,b in (a,z)');
    assert.deepEqual(r.values, ['z', 'a']);
  });
});

describe('everything and nothing', () => {
  it('everything matches all and is empty', () => {
    assert.equal(everything().matches({ x: 'y' }), true);
    assert.equal(everything().isEmpty(), true);
    assert.equal(everything().toString(), '');
    assert.equal(sel('').isEmpty(), true);
  });
  it('nothing matches nothing and is not empty', () => {
    assert.equal(nothing().matches({}), false);
    assert.equal(nothing().isEmpty(), false);
    assert.equal(nothing().selectable, false);
    assert.equal(nothing().toString(), '');
    assert.equal(nothing().add(req('a', 'exists', [])).matches({ a: '1' }), false);
  });
});

describe('newRequirement (upstream TestRequirementConstructor)', () => {
  function error(key: string, op: Operator, values: string[]): string | undefined {
    const r = newRequirement(key, op, values);
    return 'error' in r ? r.error : undefined;
  }
  it('accepts valid requirements', () => {
    for (const [key, op, values] of [
      ['x', 'in', ['foo']],
      ['x', 'notin', ['foo']],
      ['x', 'exists', []],
      ['x', '!', []],
      ['1foo', 'in', ['bar']],
      ['1234', 'in', ['bar']],
      ['y', 'gt', ['1']],
      ['z', 'lt', ['6']],
    ] as const) {
      assert.equal(error(key, op, [...values]), undefined, `${key} ${op}`);
    }
  });
  it('reports upstream messages', () => {
    assert.equal(error('x', 'in', []), "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
    assert.equal(error('x', '=', ['bar', 'foo']), 'values: Invalid value: ["bar","foo"]: exact-match compatibility requires one single value');
    assert.equal(error('x', 'exists', ['foo']), 'values: Invalid value: ["foo"]: values set must be empty for exists and does not exist');
    assert.equal(error('x', 'gt', []), "values: Invalid value: null: for 'Gt', 'Lt' operators, exactly one value is required");
    assert.equal(error('foo', 'gt', ['bar']), "values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer");
    assert.equal(error('x17', '=', ['a b'])?.startsWith('values[0][x17]: Invalid value: "a b": a valid label'), true);
    assert.equal(error('a'.repeat(254), 'exists', [])?.startsWith('key: Invalid value: "aaa'), true);
  });
});

describe('requiresExactMatch (upstream TestRequiresExactMatch)', () => {
  it('finds single-valued equality requirements', () => {
    assert.equal(LabelSelector.of([req('key', 'in', ['value'])]).requiresExactMatch('key'), 'value');
    assert.equal(LabelSelector.of([req('key', 'in', ['value', 'value2'])]).requiresExactMatch('key'), undefined);
    assert.equal(LabelSelector.of([req('key', 'in', ['value', 'value1']), req('key2', 'in', ['value2'])]).requiresExactMatch('key2'), 'value2');
    assert.equal(LabelSelector.of([req('key', '=', ['value'])]).requiresExactMatch('key'), 'value');
    assert.equal(LabelSelector.of([req('key', '==', ['value'])]).requiresExactMatch('key'), 'value');
    assert.equal(LabelSelector.of([req('key', '!=', ['value'])]).requiresExactMatch('key'), undefined);
    assert.equal(LabelSelector.of([req('key', 'in', ['value']), req('key2', 'in', ['value2'])]).requiresExactMatch('key'), 'value');
    assert.equal(LabelSelector.of([]).requiresExactMatch('key'), undefined);
  });
});

describe('sets', () => {
  it('selectorFromSet selects k=v for all pairs, empty selects everything', () => {
    const labels = { foo: 'bar', baz: 'blah' };
    assert.equal(selectorFromSet({}).matches(labels), true);
    assert.equal(selectorFromSet(null).isEmpty(), true);
    assert.equal(selectorFromSet({ foo: 'bar' }).matches(labels), true);
    assert.equal(selectorFromSet({ foo: 'bar', baz: 'blah' }).matches(labels), true);
    assert.equal(selectorFromSet({ foo: 'bar', baz: 'nope' }).matches(labels), false);
    assert.equal(selectorFromSet({ z: '1', a: '2' }).toString(), 'a=2,z=1');
  });
  it('validatedSelectorFromSet reports upstream errors (upstream TestValidatedSelectorFromSet)', () => {
    const ok = validatedSelectorFromSet({ key: 'val' });
    assert.ok(!('error' in ok));
    assert.equal(ok.toString(), 'key=val');
    const bad = validatedSelectorFromSet({ Key: 'axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui' });
    assert.ok('error' in bad);
    assert.equal(bad.error, 'values[0][Key]: Invalid value: "axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui": must be no more than 63 characters');
  });
  it('equalLabels compares keys and values, in any order, no labels as empty', () => {
    assert.equal(equalLabels({ a: '1', b: '2' }, { b: '2', a: '1' }), true);
    assert.equal(equalLabels(undefined, {}), true);
    assert.equal(equalLabels({ a: '1' }, { a: '2' }), false);
    assert.equal(equalLabels({ a: '1' }, { a: '1', b: '2' }), false);
    assert.equal(equalLabels({ a: '1', b: '2' }, { a: '1' }), false);
    assert.equal(equalLabels({ toString: 'x' }, {}), false);
    assert.equal(equalLabels({}, { a: '1' }), false);
  });

  it('formatLabels sorts k=v pairs', () => {
    assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(formatLabels(undefined), '');
  });
  it('add keeps the key order', () => {
    assert.equal(everything().add(req('key2', '=', ['value2'])).add(req('key', 'in', ['value'])).toString(), 'key in (value),key2=value2');
  });
});
