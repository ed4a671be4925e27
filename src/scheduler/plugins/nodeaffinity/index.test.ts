import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../../testing/index.js';
import { Code, CycleState, QueueingHint } from '../../framework/types.js';
import { TestSnapshot, makeNode, makePod, runFilter, runScore, summarize } from '../helper/testing.js';
import { ERR_REASON_CONFLICT, ERR_REASON_ENFORCED, ERR_REASON_POD, NodeAffinity } from './index.js';

checkLeaksAfterAll();

const rejected = `UnschedulableAndUnresolvable: ${ERR_REASON_POD}`;

describe('NodeAffinity filter', () => {
  const plugin = new NodeAffinity();
  const snapshot = new TestSnapshot([
    makeNode('ssd-a').labels({ disk: 'ssd', zone: 'a', gen: '5' }).obj(),
    makeNode('hdd-b').labels({ disk: 'hdd', zone: 'b', gen: '3' }).obj(),
    makeNode('bare').withoutLabel('kubernetes.io/hostname').obj(),
  ]);

  const cases = [
    { name: 'no affinity skips the plugin', pod: makePod('p'), want: { 'ssd-a': 'Skip', 'hdd-b': 'Skip', bare: 'Skip' } },
    { name: 'nodeSelector', pod: makePod('p').nodeSelector({ disk: 'ssd' }), want: { 'ssd-a': 'ok', 'hdd-b': rejected, bare: rejected } },
    {
      name: 'In',
      pod: makePod('p').requiredNodeTerm([{ key: 'zone', operator: 'In', values: ['a', 'c'] }]),
      want: { 'ssd-a': 'ok', 'hdd-b': rejected, bare: rejected },
    },
    {
      name: 'NotIn admits nodes without the label',
      pod: makePod('p').requiredNodeTerm([{ key: 'zone', operator: 'NotIn', values: ['a'] }]),
      want: { 'ssd-a': rejected, 'hdd-b': 'ok', bare: 'ok' },
    },
    {
      name: 'Exists and DoesNotExist',
      pod: makePod('p').requiredNodeTerm([{ key: 'disk', operator: 'Exists' }, { key: 'gpu', operator: 'DoesNotExist' }]),
      want: { 'ssd-a': 'ok', 'hdd-b': 'ok', bare: rejected },
    },
    {
      name: 'Gt',
      pod: makePod('p').requiredNodeTerm([{ key: 'gen', operator: 'Gt', values: ['4'] }]),
      want: { 'ssd-a': 'ok', 'hdd-b': rejected, bare: rejected },
    },
    {
      name: 'terms are ORed',
      pod: makePod('p')
        .requiredNodeTerm([{ key: 'zone', operator: 'In', values: ['a'] }])
        .requiredNodeTerm([{ key: 'zone', operator: 'In', values: ['b'] }]),
      want: { 'ssd-a': 'ok', 'hdd-b': 'ok', bare: rejected },
    },
    {
      name: 'nodeSelector and affinity must both match',
      pod: makePod('p').nodeSelector({ disk: 'ssd' }).requiredNodeTerm([{ key: 'zone', operator: 'In', values: ['b'] }]),
      want: { 'ssd-a': rejected, 'hdd-b': rejected, bare: rejected },
    },
    {
      name: 'a term with a bad operator fails alone',
      pod: makePod('p')
        .requiredNodeTerm([{ key: 'zone', operator: 'Bogus', values: ['a'] }])
        .requiredNodeTerm([{ key: 'zone', operator: 'In', values: ['b'] }]),
      want: { 'ssd-a': rejected, 'hdd-b': 'ok', bare: rejected },
    },
    {
      name: 'metadata.name fields narrow the nodes in PreFilter',
      pod: makePod('p').requiredNodeTerm([], [{ key: 'metadata.name', operator: 'In', values: ['hdd-b'] }]),
      want: { 'ssd-a': 'UnschedulableAndUnresolvable: filtered out by PreFilter result', 'hdd-b': 'ok', bare: 'UnschedulableAndUnresolvable: filtered out by PreFilter result' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(summarize(runFilter(plugin, c.pod.obj(), snapshot)), c.want));
  }

  it('returns the union of node names over terms, intersected within a term', () => {
    const pod = makePod('p')
      .requiredNodeTerm([], [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }, { key: 'metadata.name', operator: 'In', values: ['b', 'c'] }])
      .requiredNodeTerm([], [{ key: 'metadata.name', operator: 'In', values: ['d'] }])
      .obj();
    const { result, status } = plugin.preFilter(new CycleState(), pod);
    assert.equal(status.code, Code.Success);
    assert.deepEqual([...(result?.nodeNames ?? [])].sort(), ['b', 'd']);
  });

  it('reports conflicting name terms as unresolvable', () => {
    const pod = makePod('p')
      .requiredNodeTerm([], [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }])
      .obj();
    const { status } = plugin.preFilter(new CycleState(), pod);
    assert.deepEqual(status, { code: Code.UnschedulableAndUnresolvable, reasons: [ERR_REASON_CONFLICT] });
  });

  it('does not narrow when one term has no name fields', () => {
    const pod = makePod('p')
      .requiredNodeTerm([], [{ key: 'metadata.name', operator: 'In', values: ['a'] }])
      .requiredNodeTerm([{ key: 'zone', operator: 'Exists' }])
      .obj();
    assert.equal(plugin.preFilter(new CycleState(), pod).result, undefined);
  });

  it('enforces the profile-added affinity', () => {
    const enforced = new NodeAffinity({
      addedAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } },
    });
    assert.deepEqual(summarize(runFilter(enforced, makePod('p').obj(), snapshot)), {
      'ssd-a': 'ok',
      'hdd-b': `UnschedulableAndUnresolvable: ${ERR_REASON_ENFORCED}`,
      bare: `UnschedulableAndUnresolvable: ${ERR_REASON_ENFORCED}`,
    });
  });
});

describe('NodeAffinity score', () => {
  const plugin = new NodeAffinity();
  const snapshot = new TestSnapshot([
    makeNode('m1').labels({ foo: 'bar' }).obj(),
    makeNode('m2').labels({ key: 'value' }).obj(),
    makeNode('m3').labels({ foo: 'bar', key: 'value', az: 'az1' }).obj(),
  ]);

  it('skips pods without preferred terms', () => {
    assert.equal((runScore(plugin, makePod('p').obj(), snapshot.list()) as { code: Code }).code, Code.Skip);
  });

  it('sums matching weights and normalizes to the best node', () => {
    const pod = makePod('p')
      .preferredNodeTerm(2, [{ key: 'foo', operator: 'In', values: ['bar'] }])
      .preferredNodeTerm(4, [{ key: 'key', operator: 'In', values: ['value'] }])
      .preferredNodeTerm(5, [{ key: 'az', operator: 'In', values: ['az1'] }])
      .obj();
    // Raw: m1 2, m2 4, m3 11.
    assert.deepEqual(runScore(plugin, pod, snapshot.list()), { m1: 18, m2: 36, m3: 100 });
  });

  it('adds the profile-added preferred terms', () => {
    const added = new NodeAffinity({
      addedAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, preference: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] } }] },
    });
    assert.deepEqual(runScore(added, makePod('p').obj(), snapshot.list()), { m1: 100, m2: 0, m3: 100 });
  });
});

describe('NodeAffinity queueing hint', () => {
  it('queues when a node starts matching the required affinity', () => {
    const plugin = new NodeAffinity();
    const hint = plugin.eventsToRegister()[0]?.hint;
    assert.ok(hint);
    const pod = makePod('p').nodeSelector({ disk: 'ssd' }).obj();
    assert.equal(hint(pod, undefined, makeNode('n').labels({ disk: 'ssd' }).obj()), QueueingHint.Queue);
    assert.equal(hint(pod, undefined, makeNode('n').obj()), QueueingHint.Skip);
    assert.equal(hint(pod, makeNode('n').obj(), makeNode('n').labels({ disk: 'ssd' }).obj()), QueueingHint.Queue);
    assert.equal(hint(pod, makeNode('n').labels({ disk: 'ssd' }).obj(), makeNode('n').labels({ disk: 'ssd', x: 'y' }).obj()), QueueingHint.Skip);
  });
});
