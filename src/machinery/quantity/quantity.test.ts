import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  Quantity,
  Scale,
  mustParseQuantity,
  newMilliQuantity,
  newQuantity,
  newScaledQuantity,
  parseQuantity,
  quantityFromJSON,
  sumQuantities,
  zeroQuantity,
  type QuantityFormat,
} from './index.js';

const q = mustParseQuantity;

/** An exact expected value: mantissa × 10^exponent. */
function dec(mantissa: bigint | number, exponent: number, format: QuantityFormat): Quantity {
  return Quantity.fromDecimal(BigInt(mantissa), exponent, format);
}

function parseErrorOf(s: string): string {
  const result = parseQuantity(s);
  assert.ok('error' in result, `expected ${JSON.stringify(s)} to fail`);
  return result.error;
}

// Upstream TestQuantityParse: input -> exact value and format.
const PARSE_TABLE: ReadonlyArray<readonly [string, Quantity]> = [
  ['0', dec(0, 0, 'DecimalSI')],
  ['0n', dec(0, 0, 'DecimalSI')],
  ['0u', dec(0, 0, 'DecimalSI')],
  ['0m', dec(0, 0, 'DecimalSI')],
  ['0Ki', dec(0, 0, 'BinarySI')],
  ['0k', dec(0, 0, 'DecimalSI')],
  ['0Mi', dec(0, 0, 'BinarySI')],
  ['0M', dec(0, 0, 'DecimalSI')],
  ['0Gi', dec(0, 0, 'BinarySI')],
  ['0G', dec(0, 0, 'DecimalSI')],
  ['0Ti', dec(0, 0, 'BinarySI')],
  ['0T', dec(0, 0, 'DecimalSI')],
  ['1', dec(1, 0, 'DecimalSI')],
  ['1Ki', dec(1024, 0, 'BinarySI')],
  ['8Ki', dec(8 * 1024, 0, 'BinarySI')],
  ['7Mi', dec(7 * 1024 * 1024, 0, 'BinarySI')],
  ['6Gi', dec(6n * 1024n ** 3n, 0, 'BinarySI')],
  ['5Ti', dec(5n * 1024n ** 4n, 0, 'BinarySI')],
  ['4Pi', dec(4n * 1024n ** 5n, 0, 'BinarySI')],
  ['3Ei', dec(3n * 1024n ** 6n, 0, 'BinarySI')],
  ['10Ti', dec(10n * 1024n ** 4n, 0, 'BinarySI')],
  ['100Ti', dec(100n * 1024n ** 4n, 0, 'BinarySI')],
  ['5n', dec(5, -9, 'DecimalSI')],
  ['4u', dec(4, -6, 'DecimalSI')],
  ['3m', dec(3, -3, 'DecimalSI')],
  ['9', dec(9, 0, 'DecimalSI')],
  ['8k', dec(8, 3, 'DecimalSI')],
  ['50k', dec(5, 4, 'DecimalSI')],
  ['7M', dec(7, 6, 'DecimalSI')],
  ['6G', dec(6, 9, 'DecimalSI')],
  ['5T', dec(5, 12, 'DecimalSI')],
  ['40T', dec(4, 13, 'DecimalSI')],
  ['300T', dec(3, 14, 'DecimalSI')],
  ['2P', dec(2, 15, 'DecimalSI')],
  ['1E', dec(1, 18, 'DecimalSI')],
  ['1E-3', dec(1, -3, 'DecimalExponent')],
  ['1e3', dec(1, 3, 'DecimalExponent')],
  ['1E6', dec(1, 6, 'DecimalExponent')],
  ['1e9', dec(1, 9, 'DecimalExponent')],
  ['1E12', dec(1, 12, 'DecimalExponent')],
  ['1e15', dec(1, 15, 'DecimalExponent')],
  ['1E18', dec(1, 18, 'DecimalExponent')],
  ['1e14', dec(1, 14, 'DecimalExponent')],
  ['1e13', dec(1, 13, 'DecimalExponent')],
  ['100.035k', dec(100035, 0, 'DecimalSI')],
  ['0.001', dec(1, -3, 'DecimalSI')],
  ['0.0005k', dec(5, -1, 'DecimalSI')],
  ['0.005', dec(5, -3, 'DecimalSI')],
  ['0.05', dec(5, -2, 'DecimalSI')],
  ['0.5', dec(5, -1, 'DecimalSI')],
  ['0.00050k', dec(5, -1, 'DecimalSI')],
  ['0.00500', dec(5, -3, 'DecimalSI')],
  ['0.05000', dec(5, -2, 'DecimalSI')],
  ['0.50000', dec(5, -1, 'DecimalSI')],
  ['0.5e0', dec(5, -1, 'DecimalExponent')],
  ['0.5e-1', dec(5, -2, 'DecimalExponent')],
  ['0.5e-2', dec(5, -3, 'DecimalExponent')],
  ['10.035M', dec(10035, 3, 'DecimalSI')],
  ['1.2e3', dec(12, 2, 'DecimalExponent')],
  ['1.3E+6', dec(13, 5, 'DecimalExponent')],
  ['1.40e9', dec(14, 8, 'DecimalExponent')],
  ['1.53E12', dec(153, 10, 'DecimalExponent')],
  ['1.6e15', dec(16, 14, 'DecimalExponent')],
  ['1.7E18', dec(17, 17, 'DecimalExponent')],
  ['9.01', dec(901, -2, 'DecimalSI')],
  ['8.1k', dec(81, 2, 'DecimalSI')],
  ['7.123456M', dec(7123456, 0, 'DecimalSI')],
  ['6.987654321G', dec(6987654321, 0, 'DecimalSI')],
  ['5.444T', dec(5444, 9, 'DecimalSI')],
  ['40.1T', dec(401, 11, 'DecimalSI')],
  ['300.2T', dec(3002, 11, 'DecimalSI')],
  ['2.5P', dec(25, 14, 'DecimalSI')],
  ['1.01E', dec(101, 16, 'DecimalSI')],
  ['3.001n', dec(4, -9, 'DecimalSI')],
  ['1.1E-9', dec(2, -9, 'DecimalExponent')],
  ['0.0000000001', dec(1, -9, 'DecimalSI')],
  ['0.0000000005', dec(1, -9, 'DecimalSI')],
  ['0.00000000050', dec(1, -9, 'DecimalSI')],
  ['0.5e-9', dec(1, -9, 'DecimalExponent')],
  ['0.9n', dec(1, -9, 'DecimalSI')],
  ['0.00000012345', dec(124, -9, 'DecimalSI')],
  ['0.00000012354', dec(124, -9, 'DecimalSI')],
  ['9Ei', dec(2n ** 63n - 1n, 0, 'BinarySI')],
  ['9223372036854775807Ki', dec(2n ** 63n - 1n, 0, 'BinarySI')],
  ['12E', dec(12, 18, 'DecimalSI')],
  ['100.035Ki', dec(10243584, -2, 'BinarySI')],
  ['0.5Mi', dec(512 * 1024, 0, 'BinarySI')],
  ['0.05Gi', dec(536870912, -1, 'BinarySI')],
  ['0.025Ti', dec(274877906944, -1, 'BinarySI')],
  ['0.000000000001Ki', dec(2, -9, 'DecimalSI')],
  ['.001', dec(1, -3, 'DecimalSI')],
  ['.0001k', dec(100, -3, 'DecimalSI')],
  ['1.', dec(1, 0, 'DecimalSI')],
  ['1.G', dec(1, 9, 'DecimalSI')],
];

describe('parseQuantity values (upstream TestQuantityParse)', () => {
  it('parses to the exact value and format', () => {
    for (const [input, expected] of PARSE_TABLE) {
      const got = q(input);
      assert.equal(got.cmp(expected), 0, `${input}: got ${got.canonical()}, want ${expected.canonical()}`);
      assert.equal(got.format, expected.format, input);
    }
  });
  it('parses the negated and explicitly signed forms', () => {
    for (const [input, expected] of PARSE_TABLE) {
      const negative = q(`-${input}`);
      assert.equal(negative.cmp(expected.neg()), 0, `-${input}`);
      assert.equal(negative.format, expected.format, `-${input}`);
      const positive = q(`+${input}`);
      assert.equal(positive.cmp(expected), 0, `+${input}`);
      assert.equal(positive.format, expected.format, `+${input}`);
    }
  });
  it('rejects upstream invalid inputs', () => {
    for (const s of ['1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', ' 1', '1 ', '']) {
      assert.ok('error' in parseQuantity(s), s);
    }
  });
  it('uses upstream error messages', () => {
    assert.equal(ERR_FORMAT_WRONG, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert.equal(parseErrorOf(''), ERR_FORMAT_WRONG);
    assert.equal(parseErrorOf('aoeu'), ERR_FORMAT_WRONG);
    assert.equal(parseErrorOf('1.1.M'), ERR_FORMAT_WRONG);
    assert.equal(parseErrorOf('1 '), ERR_FORMAT_WRONG);
    assert.equal(parseErrorOf('0.1mi'), ERR_SUFFIX);
    assert.equal(parseErrorOf('1i'), ERR_SUFFIX);
    assert.equal(parseErrorOf('-3.01e-'), ERR_SUFFIX);
    assert.equal(parseErrorOf('1e99999999999999999999'), ERR_SUFFIX);
    assert.equal(parseErrorOf('.e-20'), ERR_NUMERIC);
    assert.equal(ERR_SUFFIX, "unable to parse quantity's suffix");
    assert.equal(ERR_NUMERIC, 'unable to parse numeric part of quantity');
  });
  it('accepts the odd forms upstream accepts', () => {
    assert.equal(q('.').isZero(), true);
    assert.equal(q('-').isZero(), true);
    assert.equal(q('+').isZero(), true);
    assert.equal(q('000').toString(), '0');
  });
});

describe('String() (upstream TestQuantityString)', () => {
  // [value, canonical, an alternate spelling that canonicalises to it]
  const table: ReadonlyArray<readonly [Quantity, string, string]> = [
    [dec(1024n ** 3n, 0, 'BinarySI'), '1Gi', '1024Mi'],
    [dec(300 * 1024 * 1024, 0, 'BinarySI'), '300Mi', '307200Ki'],
    [dec(6 * 1024, 0, 'BinarySI'), '6Ki', ''],
    [dec(1001n * 1024n ** 3n, 0, 'BinarySI'), '1001Gi', '1025024Mi'],
    [dec(1024n ** 4n, 0, 'BinarySI'), '1Ti', '1024Gi'],
    [dec(5, 0, 'BinarySI'), '5', '5000m'],
    [dec(500, -3, 'BinarySI'), '500m', '0.5'],
    [dec(1, 9, 'DecimalSI'), '1G', '1000M'],
    [dec(1000, 6, 'DecimalSI'), '1G', '0.001T'],
    [dec(1000000, 3, 'DecimalSI'), '1G', ''],
    [dec(1000000000, 0, 'DecimalSI'), '1G', ''],
    [dec(1, -3, 'DecimalSI'), '1m', '1000u'],
    [dec(80, -3, 'DecimalSI'), '80m', ''],
    [dec(1080, -3, 'DecimalSI'), '1080m', '1.08'],
    [dec(108, -2, 'DecimalSI'), '1080m', '1080000000n'],
    [dec(10800, -4, 'DecimalSI'), '1080m', ''],
    [dec(300, 6, 'DecimalSI'), '300M', ''],
    [dec(1, 12, 'DecimalSI'), '1T', ''],
    [dec(1234567, 6, 'DecimalSI'), '1234567M', ''],
    [dec(1234567, -3, 'BinarySI'), '1234567m', ''],
    [dec(3, 3, 'DecimalSI'), '3k', ''],
    [dec(1025, 0, 'BinarySI'), '1025', ''],
    [dec(0, 0, 'DecimalSI'), '0', ''],
    [dec(0, 0, 'BinarySI'), '0', ''],
    [dec(1, 9, 'DecimalExponent'), '1e9', '.001e12'],
    [dec(1, -3, 'DecimalExponent'), '1e-3', '0.001e0'],
    [dec(1, -9, 'DecimalExponent'), '1e-9', '1000e-12'],
    [dec(80, -3, 'DecimalExponent'), '80e-3', ''],
    [dec(300, 6, 'DecimalExponent'), '300e6', ''],
    [dec(1, 12, 'DecimalExponent'), '1e12', ''],
    [dec(1, 3, 'DecimalExponent'), '1e3', ''],
    [dec(3, 3, 'DecimalExponent'), '3e3', ''],
    [dec(0, 0, 'DecimalExponent'), '0', '00'],
    [dec(1, -9, 'DecimalSI'), '1n', ''],
    [dec(80, -9, 'DecimalSI'), '80n', ''],
    [dec(1080, -9, 'DecimalSI'), '1080n', ''],
    [dec(108, -8, 'DecimalSI'), '1080n', ''],
    [dec(10800, -10, 'DecimalSI'), '1080n', ''],
    [dec(1, -6, 'DecimalSI'), '1u', ''],
    [dec(80, -6, 'DecimalSI'), '80u', ''],
    [dec(1080, -6, 'DecimalSI'), '1080u', ''],
  ];
  it('canonicalises values, their negations and alternate spellings', () => {
    for (const [value, expected, alternate] of table) {
      assert.equal(value.toString(), expected);
      assert.equal(q(expected).toString(), expected, `reparse ${expected}`);
      if (!value.isZero()) assert.equal(value.neg().toString(), `-${expected}`);
      if (alternate) assert.equal(q(alternate).toString(), expected, `alternate ${alternate}`);
    }
  });
});

describe('String() of parsed input (upstream TestQuantityParseEmit and the brief)', () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ['1Ki', '1Ki'],
    ['1Mi', '1Mi'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['100m', '100m'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['1.5Gi', '1536Mi'],
    ['1.5Ki', '1536'],
    ['1000000', '1M'],
    ['1000', '1k'],
    ['2e3', '2e3'],
    ['2000e0', '2e3'],
    ['1k', '1k'],
    ['1024', '1024'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['123Mi', '123Mi'],
    ['0.1', '100m'],
    ['250m', '250m'],
    ['0.5e-1', '50e-3'],
    ['12E', '12E'],
    ['9Ei', '9223372036854775807'],
    ['18446744073709551616', '18446744073709551616'],
    ['1.2345', '1234500u'],
    ['1000E', '1e21'],
  ];
  it('prints like upstream', () => {
    for (const [input, expected] of table) {
      assert.equal(q(input).toString(), expected, input);
      if (!q(input).isZero()) assert.equal(q(`-${input}`).toString(), `-${expected}`, `-${input}`);
    }
  });
  it('keeps canonical-looking input verbatim, as upstream does', () => {
    assert.equal(q('+1').toString(), '+1');
    assert.equal(q('1E3').toString(), '1E3');
    assert.equal(q('1e+3').toString(), '1e+3');
    assert.equal(q('01').toString(), '01');
    assert.equal(q('1.').toString(), '1.');
    assert.equal(q('+12Ki').toString(), '+12Ki');
    assert.equal(q('+8Ki').toString(), '8Ki');
    assert.equal(q('+1').canonical(), '1');
    assert.equal(q('1E3').canonical(), '1e3');
  });
  it('serialises through toJSON', () => {
    assert.equal(JSON.stringify({ cpu: q('0.5'), memory: q('1024Mi') }), '{"cpu":"500m","memory":"1Gi"}');
  });
});

describe('arithmetic and comparison', () => {
  it('compares exactly (upstream TestQuantityCmp)', () => {
    assert.equal(q('0').cmp(q('0')), 0);
    assert.equal(q('100m').cmp(q('50m')), 1);
    assert.equal(q('50m').cmp(q('100m')), -1);
    assert.equal(q('10000T').cmp(q('100Gi')), 1);
    assert.equal(q('1Gi').cmp(q('1024Mi')), 0);
    assert.equal(q('1').cmp(q('1000m')), 0);
    assert.equal(q('-1').cmp(q('1n')), -1);
    assert.equal(q('1e1000000000').cmp(q('1')), 1);
    assert.equal(q('1e-1000000000').cmp(q('0')), 1);
    assert.equal(q('1Gi').equal(q('1073741824')), true);
  });
  it('adds and subtracts exactly, keeping the receiver format', () => {
    assert.equal(q('0.1').add(q('0.2')).toString(), '300m');
    assert.equal(q('1Gi').add(q('512Mi')).toString(), '1536Mi');
    assert.equal(q('1').sub(q('1500m')).toString(), '-500m');
    assert.equal(q('1Gi').add(q('1')).toString(), '1073741825');
    assert.equal(q('100m').add(q('1Gi')).format, 'DecimalSI');
  });
  it('a zero receiver takes the other format (upstream TestQuantityAddZeroPreservesSuffix)', () => {
    for (const v of ['100m', '1Gi']) {
      assert.equal(q(v).add(q('0')).toString(), v);
      assert.equal(q('0').add(q(v)).toString(), v);
      assert.equal(q(v).sub(q('0')).toString(), v);
      assert.equal(q('0').sub(q(v)).toString(), q(v).neg().toString());
    }
  });
  it('negates (upstream TestQuantityNeg)', () => {
    assert.equal(dec(901, -2, 'DecimalSI').neg().toString(), '-9010m');
    assert.equal(q('9.01').neg().neg().toString(), '9010m');
  });
  it('multiplies', () => {
    assert.equal(q('100m').mul(3).toString(), '300m');
    assert.equal(q('1Gi').mul(2n).toString(), '2Gi');
  });
  it('sums', () => {
    assert.equal(sumQuantities([q('100m'), q('250m'), q('1')]).toString(), '1350m');
    assert.equal(sumQuantities([]).toString(), '0');
    assert.equal(sumQuantities([q('1Gi'), q('1Gi')]).toString(), '2Gi');
  });
  it('rounds up to a scale (upstream TestQuantityRoundUp)', () => {
    const cases: ReadonlyArray<readonly [string, number, Quantity, boolean]> = [
      ['9.01', -3, dec(901, -2, 'DecimalSI'), true],
      ['9.01', -2, dec(901, -2, 'DecimalSI'), true],
      ['9.01', -1, dec(91, -1, 'DecimalSI'), false],
      ['9.01', 0, dec(10, 0, 'DecimalSI'), false],
      ['9.01', 1, dec(10, 0, 'DecimalSI'), false],
      ['9.01', 2, dec(100, 0, 'DecimalSI'), false],
      ['-9.01', -3, dec(-901, -2, 'DecimalSI'), true],
      ['-9.01', -1, dec(-91, -1, 'DecimalSI'), false],
      ['-9.01', 0, dec(-10, 0, 'DecimalSI'), false],
      ['-9.01', 2, dec(-100, 0, 'DecimalSI'), false],
    ];
    for (const [input, scale, expected, exact] of cases) {
      const result = q(input).roundUp(scale);
      assert.equal(result.exact, exact, `${input} ${scale}`);
      assert.equal(result.quantity.cmp(expected), 0, `${input} ${scale}`);
    }
  });
  it('refuses absurd alignments instead of exhausting memory', () => {
    assert.throws(() => q('1e1000000000').add(q('1')), RangeError);
  });
});

describe('accessors', () => {
  it('value and milliValue round away from zero', () => {
    assert.equal(q('100m').milliValue(), 100n);
    assert.equal(q('1').milliValue(), 1000n);
    assert.equal(q('1.5').value(), 2n);
    assert.equal(q('-1.5').value(), -2n);
    assert.equal(q('1n').value(), 1n);
    assert.equal(q('0.5m').milliValue(), 1n);
    assert.equal(q('1Gi').value(), 1073741824n);
    assert.equal(q('1Gi').valueNumber(), 1073741824);
    assert.equal(q('250m').milliValueNumber(), 250);
    assert.equal(q('0').value(), 0n);
  });
  it('saturates at the int64 range', () => {
    assert.equal(q('1e30').value(), 2n ** 63n - 1n);
    assert.equal(q('-1e30').milliValue(), -(2n ** 63n));
    assert.equal(q('9223372036854775807').value(), 2n ** 63n - 1n);
    assert.equal(q('1e1000000000').value(), 2n ** 63n - 1n);
    assert.equal(q('1e-1000000000').value(), 1n);
  });
  it('scaledValue (upstream TestNewScaledSet round trips)', () => {
    assert.equal(q('1n').scaledValue(Scale.Nano), 1n);
    assert.equal(q('1u').scaledValue(Scale.Nano), 1000n);
    assert.equal(q('1m').scaledValue(Scale.Micro), 1000n);
    assert.equal(q('1k').scaledValue(Scale.Kilo), 1n);
    assert.equal(q('1500').scaledValue(Scale.Kilo), 2n);
  });
  it('approximates as a float', () => {
    assert.equal(q('1.5').asApproximateFloat64(), 1.5);
    assert.equal(q('100m').asApproximateFloat64(), 0.1);
    assert.equal(q('1Ki').asApproximateFloat64(), 1024);
    assert.equal(q('1e400').asApproximateFloat64(), Infinity);
  });
});

describe('constructors (upstream TestNewSet, TestMilliNewSet, TestNewScaledSet)', () => {
  it('newQuantity', () => {
    assert.equal(newQuantity(1, 'DecimalSI').toString(), '1');
    assert.equal(newQuantity(1000, 'DecimalSI').toString(), '1k');
    assert.equal(newQuantity(1234000, 'DecimalSI').toString(), '1234k');
    assert.equal(newQuantity(1024, 'BinarySI').toString(), '1Ki');
    assert.equal(newQuantity(1000000, 'DecimalExponent').toString(), '1e6');
    assert.equal(newQuantity(1024 * 1024, 'BinarySI').toString(), '1Mi');
  });
  it('newMilliQuantity', () => {
    assert.equal(newMilliQuantity(1, 'DecimalSI').toString(), '1m');
    assert.equal(newMilliQuantity(1000, 'DecimalSI').toString(), '1');
    assert.equal(newMilliQuantity(1234000, 'DecimalSI').toString(), '1234');
    assert.equal(newMilliQuantity(1024, 'BinarySI').toString(), '1024m');
    assert.equal(newMilliQuantity(1000000, 'DecimalExponent').toString(), '1e3');
    assert.equal(newMilliQuantity(1024 * 1024, 'BinarySI').toString(), '1048576m');
  });
  it('newScaledQuantity', () => {
    const cases: ReadonlyArray<readonly [number, number, string]> = [
      [1, Scale.Nano, '1n'],
      [1000, Scale.Nano, '1u'],
      [1, Scale.Micro, '1u'],
      [1000, Scale.Micro, '1m'],
      [1, Scale.Milli, '1m'],
      [1000, Scale.Milli, '1'],
      [1, 0, '1'],
      [0, Scale.Nano, '0'],
      [0, Scale.Micro, '0'],
      [0, Scale.Milli, '0'],
      [0, 0, '0'],
    ];
    for (const [value, scale, expected] of cases) {
      const created = newScaledQuantity(value, scale);
      assert.equal(created.toString(), expected);
      assert.equal(q(created.toString()).scaledValue(scale), BigInt(value));
    }
  });
  it('prints exponents outside the SI range in e-notation', () => {
    assert.equal(newScaledQuantity(1, -12).toString(), '1e-12');
    assert.equal(newScaledQuantity(5, 21).toString(), '5e21');
  });
  it('zeroQuantity', () => {
    assert.equal(zeroQuantity().toString(), '0');
    assert.equal(zeroQuantity('BinarySI').format, 'BinarySI');
  });
});

describe('quantityFromJSON (upstream TestJSONWhitespace)', () => {
  it('trims strings, accepts numbers and null', () => {
    for (const [input, expected] of [
      [' 1', '1'],
      ['1 ', '1'],
      [1, '1'],
      [10, '10'],
      [-1, '-1'],
      ['-1', '-1'],
      [0.5, '500m'],
      [null, '0'],
    ] as const) {
      const result = quantityFromJSON(input);
      assert.ok(!('error' in result), String(input));
      assert.equal(result.toString(), expected, String(input));
    }
  });
  it('rejects other types and bad strings', () => {
    assert.deepEqual(quantityFromJSON(true), { error: ERR_FORMAT_WRONG });
    assert.deepEqual(quantityFromJSON('abc'), { error: ERR_FORMAT_WRONG });
  });
});
