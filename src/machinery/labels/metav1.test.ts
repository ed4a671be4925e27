import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, fromLabelSelector, validateLabelSelector } from './metav1.js';
import { newPath, type FieldError } from '../validation/index.js';

function messages(errs: FieldError[]): string[] {
  return errs.map((e) => e.toString());
}

describe('fromLabelSelector (LabelSelectorAsSelector)', () => {
  it('maps nil to nothing and empty to everything', () => {
    const none = fromLabelSelector(null);
    assert.ok(!('error' in none));
    assert.equal(none.matches({ a: 'b' }), false);
    const all = fromLabelSelector({});
    assert.ok(!('error' in all));
    assert.equal(all.matches({ a: 'b' }), true);
    const allToo = fromLabelSelector({ matchLabels: {}, matchExpressions: [] });
    assert.ok(!('error' in allToo));
    assert.equal(allToo.isEmpty(), true);
  });
  it('combines matchLabels and matchExpressions', () => {
    const s = fromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists', values: [] },
      ],
    });
    assert.ok(!('error' in s));
    assert.equal(s.toString(), 'app=web,!canary,env notin (dev),tier in (edge,front),zone');
    assert.equal(s.matches({ app: 'web', tier: 'edge', zone: 'a' }), true);
    assert.equal(s.matches({ app: 'web', tier: 'edge', zone: 'a', canary: 'x' }), false);
    assert.equal(s.matches({ app: 'web', tier: 'back', zone: 'a' }), false);
  });
  it('reports upstream errors', () => {
    const badOp = fromLabelSelector({ matchExpressions: [{ key: 'name', operator: 'Seriously' }] });
    assert.deepEqual(badOp, { error: '"Seriously" is not a valid label selector operator' });
    const noValues = fromLabelSelector({ matchExpressions: [{ key: 'name', operator: 'In', values: [] }] });
    assert.deepEqual(noValues, { error: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty" });
    const withValues = fromLabelSelector({ matchExpressions: [{ key: 'name', operator: 'Exists', values: ['x'] }] });
    assert.deepEqual(withValues, { error: 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist' });
    const badKey = fromLabelSelector({ matchLabels: { 'a b': 'c' } });
    assert.ok('error' in badKey);
    assert.match(badKey.error, /^key: Invalid value: "a b": name part must consist of/);
  });
});

describe('formatLabelSelector', () => {
  it('prints <none>, <error> or the selector', () => {
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector({ matchLabels: { app: 'nginx' } }), 'app=nginx');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
  });
});

describe('validateLabelSelector', () => {
  const path = newPath('spec', 'selector');
  it('accepts a valid selector and nil', () => {
    assert.deepEqual(validateLabelSelector(undefined, {}, path), []);
    assert.deepEqual(validateLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }, {}, path), []);
  });
  it('reports operator arity and format errors with paths', () => {
    const errs = validateLabelSelector(
      {
        matchLabels: { 'bad key': 'v' },
        matchExpressions: [
          { key: 'a', operator: 'In' },
          { key: 'b', operator: 'Exists', values: ['x'] },
          { key: 'c', operator: 'Maybe' },
          { key: 'd', operator: 'NotIn', values: ['ok', 'not ok'] },
        ],
      },
      {},
      path,
    );
    assert.deepEqual(messages(errs), [
      "spec.selector.matchLabels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Maybe": not a valid selector operator',
      "spec.selector.matchExpressions[3].values[1]: Invalid value: \"not ok\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
    assert.deepEqual(
      errs.map((e) => e.type),
      ['FieldValueInvalid', 'FieldValueRequired', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueInvalid'],
    );
  });
  it('can skip value format checks', () => {
    const ps = { matchExpressions: [{ key: 'd', operator: 'In', values: ['not ok'] }] };
    assert.deepEqual(validateLabelSelector(ps, { allowInvalidLabelValueInSelector: true }, path), []);
  });
});
