import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  FieldSelector,
  andSelectors,
  checkFieldSelectorFields,
  defaultMetaV1FieldConverter,
  escapeValue,
  everything,
  oneTermEqualSelector,
  parseAndTransformFieldSelector,
  parseFieldSelector,
  selectorFromSet,
  supportedFieldsConverter,
  unescapeValue,
  type Fields,
} from './selector.js';

function parse(s: string): FieldSelector {
  const result = parseFieldSelector(s);
  if ('error' in result) throw new Error(result.error);
  return result;
}

function parseFails(s: string): string {
  const result = parseFieldSelector(s);
  assert.ok('error' in result, `expected ${JSON.stringify(s)} to fail`);
  return result.error;
}

describe('parseFieldSelector (upstream TestSelectorParse)', () => {
  it('round-trips good selectors', () => {
    for (const s of ['x=a,y=b,z=c', '', 'x!=a,y=b']) assert.equal(parse(s).toString(), s);
  });
  it('is deterministic: terms sorted as raw strings', () => {
    assert.equal(parse('x=a,a=x').toString(), 'a=x,x=a');
    assert.equal(parse('a=x,x=a').toString(), 'a=x,x=a');
    assert.equal(parse('b!=1,b=2').toString(), 'b!=1,b=2');
  });
  it('normalises == to =', () => {
    assert.equal(parse('status.phase==Running').toString(), 'status.phase=Running');
    assert.deepEqual(parse('status.phase==Running').requirements(), [{ field: 'status.phase', operator: '=', value: 'Running' }]);
  });
  it('skips empty terms', () => {
    assert.equal(parse(',a=b,,').toString(), 'a=b');
  });
  it('rejects bad selectors with upstream messages', () => {
    assert.equal(parseFails('x=a||y=b'), 'invalid field selector: unescaped character in value: 61');
    assert.equal(parseFails('x==a==b'), 'invalid field selector: unescaped character in value: 61');
    assert.equal(parseFails('foo'), "invalid selector: 'foo'; can't understand 'foo'");
    assert.equal(parseFails('a=b,foo'), "invalid selector: 'a=b,foo'; can't understand 'foo'");
    assert.equal(parseFails('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
    assert.equal(parseFails('a=b\\x'), 'invalid field selector: invalid escape sequence: \\x');
  });
  it('splits on the first operator; the field name has no escaping', () => {
    assert.deepEqual(parse('a\\,b=c').requirements(), [{ field: 'a\\,b', operator: '=', value: 'c' }]);
    assert.deepEqual(parse('a!=b\\=c').requirements(), [{ field: 'a', operator: '!=', value: 'b=c' }]);
    assert.equal(parseFails('a=b!=c'), 'invalid field selector: unescaped character in value: 61');
  });
});

describe('escaping', () => {
  it('escapes \\ , and =', () => {
    assert.equal(escapeValue('a'), 'a');
    assert.equal(escapeValue('\\'), '\\\\');
    assert.equal(escapeValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  });
  it('unescapes and rejects bare separators', () => {
    assert.equal(unescapeValue('a\\,b\\=c\\\\d'), 'a,b=c\\d');
    assert.deepEqual(unescapeValue('a,b'), { error: 'invalid field selector: unescaped character in value: 44' });
    assert.deepEqual(unescapeValue('\\n'), { error: 'invalid field selector: invalid escape sequence: \\n' });
  });
  it('keeps escaped commas inside a term', () => {
    const s = parse('metadata.name=a\\,b,spec.x=c\\=d');
    assert.deepEqual(s.requirements(), [
      { field: 'metadata.name', operator: '=', value: 'a,b' },
      { field: 'spec.x', operator: '=', value: 'c=d' },
    ]);
    assert.equal(s.toString(), 'metadata.name=a\\,b,spec.x=c\\=d');
    assert.equal(s.matches({ 'metadata.name': 'a,b', 'spec.x': 'c=d' }), true);
  });
  it('an escaped backslash does not escape the comma after it', () => {
    assert.deepEqual(parse('a=x\\\\,b=y').requirements(), [
      { field: 'a', operator: '=', value: 'x\\' },
      { field: 'b', operator: '=', value: 'y' },
    ]);
  });
});

describe('matching (upstream TestSelectorMatches)', () => {
  const cases: ReadonlyArray<readonly [string, Fields, boolean]> = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }, true],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
    ['spec.nodeName=', {}, true],
    ['spec.nodeName!=', {}, false],
    ['spec.nodeName!=', { 'spec.nodeName': 'n1' }, true],
    ['toString=', {}, true],
  ];
  it('matches like upstream (absent fields are empty strings)', () => {
    for (const [s, fields, expected] of cases) assert.equal(parse(s).matches(fields), expected, `${s} on ${JSON.stringify(fields)}`);
  });
  it('oneTermEqualSelector and selectorFromSet', () => {
    assert.equal(oneTermEqualSelector('x', 'y').matches({ x: 'y' }), true);
    assert.equal(oneTermEqualSelector('x', 'y').matches({ x: 'z' }), false);
    const fields = { foo: 'bar', baz: 'blah' };
    assert.equal(selectorFromSet({}).matches(fields), true);
    assert.equal(selectorFromSet({ foo: 'bar', baz: 'blah' }).matches(fields), true);
    assert.equal(selectorFromSet({ foo: '=blah' }).matches(fields), false);
    assert.equal(selectorFromSet(null).isEmpty(), true);
    assert.equal(selectorFromSet({ a: 'x,y' }).toString(), 'a=x\\,y');
  });
  it('everything is empty and matches all', () => {
    assert.equal(everything().isEmpty(), true);
    assert.equal(everything().matches({ x: 'y' }), true);
    assert.equal(parse('').isEmpty(), true);
    assert.equal(parse('a=b').isEmpty(), false);
  });
  it('andSelectors concatenates', () => {
    assert.equal(andSelectors(oneTermEqualSelector('b', '1'), oneTermEqualSelector('a', '2')).toString(), 'b=1,a=2');
  });
});

describe('requiresExactMatch (upstream TestRequiresExactMatch)', () => {
  it('finds equality terms only', () => {
    assert.equal(everything().requiresExactMatch('test'), undefined);
    assert.equal(parse('a=b').requiresExactMatch('test'), undefined);
    assert.equal(parse('test=b').requiresExactMatch('test'), 'b');
    assert.equal(parse('test=').requiresExactMatch('test'), '');
    assert.equal(parse('test!=b').requiresExactMatch('test'), undefined);
    assert.equal(parse('a=c,test=b').requiresExactMatch('test'), 'b');
  });
});

describe('field label conversion', () => {
  const podFields = supportedFieldsConverter(
    ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
    { 'spec.host': 'spec.nodeName' },
  );
  it('passes supported fields and renames aliases', () => {
    const s = parseAndTransformFieldSelector('spec.host=n1,status.phase!=Failed', podFields);
    assert.ok(!('error' in s));
    assert.equal(s.toString(), 'spec.nodeName=n1,status.phase!=Failed');
  });
  it('rejects unsupported fields with upstream text', () => {
    assert.deepEqual(parseAndTransformFieldSelector('foo=bar', podFields), { error: 'field label not supported: foo' });
    assert.deepEqual(parseAndTransformFieldSelector('spec.nodeName=a,zzz=1', podFields), { error: 'field label not supported: zzz' });
    assert.deepEqual(checkFieldSelectorFields(parse('status.phase=Running'), ['status.phase']), undefined);
    assert.deepEqual(checkFieldSelectorFields(parse('foo=bar'), ['status.phase']), { error: 'field label not supported: foo' });
  });
  it('uses the default metav1 message for kinds without their own conversion', () => {
    const ok = parse('metadata.name=a').transform(defaultMetaV1FieldConverter);
    assert.ok(!('error' in ok));
    assert.deepEqual(parse('spec.replicas=1').transform(defaultMetaV1FieldConverter), {
      error: '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
  });
  it('drops terms converted to empty field and value', () => {
    const s = parse('a=1,b=2').transform((f, v) => (f === 'a' ? ['', ''] : [f, v]));
    assert.ok(!('error' in s));
    assert.equal(s.toString(), 'b=2');
  });
  it('still propagates parse errors', () => {
    assert.deepEqual(parseAndTransformFieldSelector('nope', podFields), { error: "invalid selector: 'nope'; can't understand 'nope'" });
  });
});
