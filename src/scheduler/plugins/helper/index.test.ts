import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { NodeSelectorMatcher, PreferredSchedulingTerms, defaultNormalizeScore, toleratesTaint } from './index.js';
import { makeNode } from './testing.js';

checkLeaksAfterAll();

describe('defaultNormalizeScore', () => {
  const cases = [
    { reverse: false, scores: [0, 0, 0], want: [0, 0, 0] },
    { reverse: true, scores: [0, 0, 0], want: [100, 100, 100] },
    { reverse: false, scores: [1, 2, 3], want: [33, 66, 100] },
    { reverse: true, scores: [1, 2, 3], want: [67, 34, 0] },
    { reverse: false, scores: [1000, 10, 20, 30], want: [100, 1, 2, 3] },
  ];
  for (const c of cases) {
    it(`${c.reverse ? 'reversed ' : ''}${c.scores.join(',')}`, () => {
      const scores = c.scores.map((score, i) => ({ name: `n${i}`, score }));
      defaultNormalizeScore(100, c.reverse, scores);
      assert.deepEqual(scores.map((s) => s.score), c.want);
    });
  }
});

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'foo', value: 'bar', effect: 'NoSchedule' };
  const cases: { toleration: Toleration; want: boolean }[] = [
    { toleration: { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' }, want: true },
    { toleration: { key: 'foo', value: 'bar' }, want: true },
    { toleration: { key: 'foo', operator: 'Exists' }, want: true },
    { toleration: { operator: 'Exists' }, want: true },
    { toleration: { key: 'foo', operator: 'Equal', value: 'baz' }, want: false },
    { toleration: { key: 'foo', operator: 'Exists', effect: 'NoExecute' }, want: false },
    { toleration: { key: 'other', operator: 'Exists' }, want: false },
    { toleration: { key: 'foo', operator: 'Lt', value: 'bar' }, want: false },
  ];
  for (const c of cases) it(JSON.stringify(c.toleration), () => assert.equal(toleratesTaint(c.toleration, taint), c.want));
});

describe('NodeSelectorMatcher', () => {
  const node = makeNode('n1').labels({ zone: 'a', gen: '5' }).obj();

  it('selects nothing with no terms or only empty terms', () => {
    assert.equal(new NodeSelectorMatcher({ nodeSelectorTerms: [] }).matches(node), false);
    assert.equal(new NodeSelectorMatcher({ nodeSelectorTerms: [{}] }).matches(node), false);
  });

  it('matches fields on the node name', () => {
    const byName = (operator: string) => new NodeSelectorMatcher({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator, values: ['n1'] }] }] });
    assert.equal(byName('In').matches(node), true);
    assert.equal(byName('NotIn').matches(node), false);
    assert.equal(byName('Exists').matches(node), false);
  });

  it('compares integers with Gt and Lt', () => {
    const term = (operator: string, value: string) => new NodeSelectorMatcher({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'gen', operator, values: [value] }] }] });
    assert.equal(term('Gt', '4').matches(node), true);
    assert.equal(term('Lt', '4').matches(node), false);
    assert.equal(term('Gt', 'x').matches(node), false);
    assert.deepEqual(term('Gt', 'x').errors().length, 1);
  });

  it('reports a parse error of preferred terms', () => {
    assert.ok('error' in PreferredSchedulingTerms.parse([{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'Bogus' }] } }]));
    const ok = PreferredSchedulingTerms.parse([{ weight: 3, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }, { weight: 0, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } }]);
    assert.ok(!('error' in ok));
    assert.equal(ok.score(node), 3);
  });
});
