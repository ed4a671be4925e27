// Exact decimal helpers on bigint: a value is mantissa × 10^exponent. Kept
// apart from Quantity so the rounding rules (always away from zero, as
// upstream's inf.RoundUp) are in one place and testable on their own.

export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);

export function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

export function signOf(n: bigint): -1 | 0 | 1 {
  return n === 0n ? 0 : n < 0n ? -1 : 1;
}

/** Number of decimal digits of |n| (1 for 0). */
export function digitCount(n: bigint): number {
  return abs(n).toString().length;
}

/** Powers of ten are needed constantly; small ones are cached. */
const POW10: bigint[] = [1n];
export function pow10(k: number): bigint {
  if (k < 0) throw new RangeError(`negative power of ten: ${k}`);
  if (k < 64) {
    while (POW10.length <= k) POW10.push((POW10[POW10.length - 1] ?? 1n) * 10n);
    return POW10[k] ?? 1n;
  }
  return 10n ** BigInt(k);
}

/** Moves trailing decimal zeros of the mantissa into the exponent. */
export function stripTens(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number } {
  if (mantissa === 0n) return { mantissa, exponent };
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  return { mantissa: m, exponent: e };
}

/** Divides by 10^k rounding away from zero; exact tells whether nothing was lost. */
export function divPow10AwayFromZero(mantissa: bigint, k: number): { value: bigint; exact: boolean } {
  if (k <= 0) return { value: mantissa * pow10(-k), exact: true };
  if (mantissa === 0n) return { value: 0n, exact: true };
  // |m| < 10^k: the quotient is below one unit and rounds to ±1 without building 10^k.
  if (digitCount(mantissa) <= k) return { value: mantissa < 0n ? -1n : 1n, exact: false };
  const divisor = pow10(k);
  const q = abs(mantissa) / divisor;
  const exact = abs(mantissa) % divisor === 0n;
  const magnitude = exact ? q : q + 1n;
  return { value: mantissa < 0n ? -magnitude : magnitude, exact };
}

/** Largest alignment (in decimal digits) arithmetic will build; beyond it the numbers are absurd input. */
const MAX_ALIGNMENT_DIGITS = 1_000_000;

/** Brings two decimals to a common exponent (the smaller one). */
export function align(
  a: { mantissa: bigint; exponent: number },
  b: { mantissa: bigint; exponent: number },
): { a: bigint; b: bigint; exponent: number } {
  const exponent = Math.min(a.exponent, b.exponent);
  const shiftA = a.exponent - exponent;
  const shiftB = b.exponent - exponent;
  if (Math.max(shiftA, shiftB) > MAX_ALIGNMENT_DIGITS) {
    throw new RangeError(`quantity arithmetic across ${Math.max(shiftA, shiftB)} decimal places is not supported`);
  }
  return { a: a.mantissa * pow10(shiftA), b: b.mantissa * pow10(shiftB), exponent };
}

/** Exact comparison; decides by order of magnitude first so that wildly different exponents stay cheap. */
export function compareDecimals(a: { mantissa: bigint; exponent: number }, b: { mantissa: bigint; exponent: number }): -1 | 0 | 1 {
  const sa = signOf(a.mantissa);
  const sb = signOf(b.mantissa);
  if (sa !== sb) return sa > sb ? 1 : -1;
  if (sa === 0) return 0;
  const magnitudeA = digitCount(a.mantissa) + a.exponent;
  const magnitudeB = digitCount(b.mantissa) + b.exponent;
  if (magnitudeA !== magnitudeB) return magnitudeA > magnitudeB ? sa : sa === 1 ? -1 : 1;
  const aligned = align(a, b);
  return aligned.a === aligned.b ? 0 : aligned.a > aligned.b ? 1 : -1;
}

/** Clamps to the int64 range (upstream's int64 accessors saturate rather than wrap). */
export function clampInt64(n: bigint): bigint {
  return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
}
