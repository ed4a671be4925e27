import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/index.js';
import {
  completionIndexOf,
  firstPendingIndexes,
  formatIntervals,
  generateNameWithIndex,
  matchSuccessPolicy,
  parseIntervals,
  totalIndexes,
  withIndexes,
} from './indexes.js';

checkLeaksAfterAll();

const key = 'batch.kubernetes.io/job-completion-index';

test('completion index comes from the annotation; malformed or negative is unknown', () => {
  assert.equal(completionIndexOf({ [key]: '3' }), 3);
  assert.equal(completionIndexOf({ [key]: '-1' }), -1);
  assert.equal(completionIndexOf({ [key]: 'x' }), -1);
  assert.equal(completionIndexOf({}), -1);
  assert.equal(completionIndexOf(undefined), -1);
});

test('completed indexes print as upstream: ranges of three or more, pairs with a comma', () => {
  assert.equal(formatIntervals(withIndexes([], [0, 1, 2, 4])), '0-2,4');
  assert.equal(formatIntervals(withIndexes([], [1, 3, 4, 5, 7])), '1,3-5,7');
  assert.equal(formatIntervals(withIndexes([], [3, 4])), '3,4');
  assert.equal(formatIntervals([]), '');
});

test('parsing joins adjacent intervals, skips corrupt parts and drops indexes past completions', () => {
  assert.deepEqual(parseIntervals('0-2,3,5,x,7-20', 10), [
    { first: 0, last: 3 },
    { first: 5, last: 5 },
    { first: 7, last: 9 },
  ]);
  assert.deepEqual(parseIntervals('', 3), []);
  assert.deepEqual(parseIntervals('4,5', 4), []);
  assert.equal(totalIndexes(parseIntervals('0-2,4', 5)), 4);
});

test('adding indexes merges with what is there', () => {
  const merged = withIndexes(parseIntervals('0-2,6', 10), [3, 5, 8]);
  assert.equal(formatIntervals(merged), '0-3,5,6,8');
});

test('pending indexes are the lowest not succeeded nor active', () => {
  const nonPending = withIndexes(parseIntervals('0,1', 10), [3, 4]);
  assert.deepEqual(firstPendingIndexes(nonPending, 3, 10), [2, 5, 6]);
  assert.deepEqual(firstPendingIndexes(nonPending, 10, 6), [2, 5]);
  assert.deepEqual(firstPendingIndexes([], 0, 6), []);
});

test('generateName carries the index and fits the name length limit', () => {
  assert.equal(generateNameWithIndex('pi', 3), 'pi-3-');
  const long = 'a'.repeat(60);
  const name = generateNameWithIndex(long, 12);
  assert.equal(name.length, 58);
  assert.ok(name.endsWith('-12-'));
});

test('success policy rules match on indexes or counts', () => {
  const done = parseIntervals('0-2,5', 10);
  assert.equal(matchSuccessPolicy([{ succeededIndexes: '0-1' }], 10, done), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy([{ succeededIndexes: '3-4' }, { succeededCount: 4 }], 10, done), 'Matched rules at index 1');
  assert.equal(matchSuccessPolicy([{ succeededIndexes: '0-5', succeededCount: 4 }], 10, done), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy([{ succeededIndexes: '0-5', succeededCount: 5 }], 10, done), undefined);
  assert.equal(matchSuccessPolicy(undefined, 10, done), undefined);
});
