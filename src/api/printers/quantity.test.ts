// Canonical quantity strings, as resource.Quantity.String() prints them upstream
// (cases after apimachinery/pkg/api/resource/quantity_test.go).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalQuantity } from './index.js';

test('canonicalQuantity: binary suffixes', () => {
  const cases: [string, string][] = [
    ['4Gi', '4Gi'],
    ['4096Mi', '4Gi'],
    ['1000Mi', '1000Mi'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['512Ki', '512Ki'],
    ['1Ki', '1Ki'],
    ['0.5Ki', '512'],
    ['1536', '1536'],
    ['-1Gi', '-1Gi'],
    ['5Mi', '5Mi'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('canonicalQuantity: decimal suffixes and exponents', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['1', '1'],
    ['10', '10'],
    ['100', '100'],
    ['1000', '1k'],
    ['2000', '2k'],
    ['1024', '1024'],
    ['100m', '100m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['.5', '500m'],
    ['0.1', '100m'],
    ['10G', '10G'],
    ['2000M', '2G'],
    ['1500M', '1500M'],
    ['1n', '1n'],
    ['0.1n', '1n'],
    ['1u', '1u'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['+5', '5'],
    ['-100m', '-100m'],
    ['0.000Gi', '0'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('canonicalQuantity: missing, numeric and unparsable values', () => {
  assert.equal(canonicalQuantity(undefined), '0');
  assert.equal(canonicalQuantity(null), '0');
  assert.equal(canonicalQuantity(10), '10');
  assert.equal(canonicalQuantity(0.25), '250m');
  assert.equal(canonicalQuantity('abc'), 'abc');
});
