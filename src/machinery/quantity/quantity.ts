// resource.Quantity: an exact decimal with a remembered format. The value is
// mantissa × 10^exponent on bigint (never a float), so "0.1" + "0.2" is 300m
// and 2^63-scale byte counts stay exact.
//
// String() follows upstream exactly, quirks included: a parsed string that
// already "looks canonical" is kept verbatim (so "+1" prints "+1" and "1E3"
// prints "1E3", as the Go API server echoes them); anything else is
// canonicalised in the format it was written in (decimal SI, binary SI or
// decimal exponent).

import { parseError, type ParseError } from '../validation/index.js';
import {
  INT64_MAX,
  align,
  clampInt64,
  compareDecimals,
  digitCount,
  divPow10AwayFromZero,
  pow10,
  signOf,
  stripTens,
} from './decimal.js';
import {
  BINARY_SI_SUFFIXES,
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  decimalExponentSuffix,
  decimalSISuffix,
  interpretSuffix,
  scanQuantity,
  type QuantityFormat,
  type ScannedQuantity,
  type SuffixMeaning,
} from './parse.js';

/** Scales (powers of ten) for scaledValue(). */
export const Scale = { Nano: -9, Micro: -6, Milli: -3, Kilo: 3, Mega: 6, Giga: 9, Tera: 12, Peta: 15, Exa: 18 } as const;

const MAX_INT64_FACTORS = 18;
const BINARY_CAP = INT64_MAX;

export class Quantity {
  private milliCache: bigint | undefined;
  private valueCache: bigint | undefined;

  private constructor(
    private readonly mantissa: bigint,
    private readonly exponent: number,
    /** The format String() renders in (a zero value renders as "0" whatever it is). */
    readonly format: QuantityFormat,
    /** The original text, when upstream would reuse it verbatim. */
    private readonly text?: string,
  ) {}

  /** An exact value mantissa × 10^exponent; no string is remembered. */
  static fromDecimal(mantissa: bigint, exponent: number, format: QuantityFormat): Quantity {
    return new Quantity(mantissa, exponent, format);
  }

  /** @internal used by the parser to keep a canonical-looking input verbatim. */
  static fromParsed(mantissa: bigint, exponent: number, format: QuantityFormat, text: string | undefined): Quantity {
    return new Quantity(mantissa, exponent, format, text);
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  sign(): -1 | 0 | 1 {
    return signOf(this.mantissa);
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return compareDecimals(this.toDecimal(), other.toDecimal());
  }

  cmpInt64(value: bigint | number): -1 | 0 | 1 {
    return compareDecimals(this.toDecimal(), { mantissa: BigInt(value), exponent: 0 });
  }

  equal(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** Sum; a zero receiver takes the other operand's format (upstream's Add). */
  add(other: Quantity): Quantity {
    const aligned = align(this.toDecimal(), other.toDecimal());
    return new Quantity(aligned.a + aligned.b, aligned.exponent, this.isZero() ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    const aligned = align(this.toDecimal(), other.toDecimal());
    return new Quantity(aligned.a - aligned.b, aligned.exponent, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.mantissa, this.exponent, this.format);
  }

  mul(factor: bigint | number): Quantity {
    return new Quantity(this.mantissa * BigInt(factor), this.exponent, this.format);
  }

  /**
   * RoundUp: the value rounded away from zero to a multiple of 10^scale, and
   * whether that lost nothing. Already-coarser values are returned unchanged.
   */
  roundUp(scale: number): { quantity: Quantity; exact: boolean } {
    if (this.exponent >= scale) return { quantity: this, exact: true };
    const { value, exact } = divPow10AwayFromZero(this.mantissa, scale - this.exponent);
    return { quantity: new Quantity(value, scale, this.format), exact };
  }

  /**
   * ScaledValue: ceil(|q| / 10^scale) with q's sign (rounded away from zero),
   * saturated to the int64 range as upstream's int64 accessors do.
   */
  scaledValue(scale: number): bigint {
    if (this.mantissa === 0n) return 0n;
    const shift = this.exponent - scale;
    if (shift >= 0) {
      // More than 19 digits cannot be an int64: saturate without building the number.
      if (digitCount(this.mantissa) + shift > 19) return this.mantissa < 0n ? -(2n ** 63n) : INT64_MAX;
      return clampInt64(this.mantissa * pow10(shift));
    }
    return clampInt64(divPow10AwayFromZero(this.mantissa, -shift).value);
  }

  /** Value(): whole units (bytes for memory), rounded away from zero. */
  value(): bigint {
    this.valueCache ??= this.scaledValue(0);
    return this.valueCache;
  }

  /** MilliValue(): thousandths (millicores for CPU), rounded away from zero. */
  milliValue(): bigint {
    this.milliCache ??= this.scaledValue(Scale.Milli);
    return this.milliCache;
  }

  /** value() as a JavaScript number (exact up to 2^53). */
  valueNumber(): number {
    return Number(this.value());
  }

  /** milliValue() as a JavaScript number (exact up to 2^53). */
  milliValueNumber(): number {
    return Number(this.milliValue());
  }

  /** AsApproximateFloat64: the nearest double (±Infinity beyond its range). */
  asApproximateFloat64(): number {
    return Number(`${this.mantissa}e${this.exponent}`);
  }

  toString(): string {
    return this.text ?? this.canonical();
  }

  /** JSON form: the same string, so JSON.stringify(obj) serialises quantities like the Go server. */
  toJSON(): string {
    return this.toString();
  }

  /** CanonicalizeBytes: the canonical text regardless of how the value was written. */
  canonical(): string {
    if (this.mantissa === 0n) return '0';
    if (this.format === 'BinarySI') {
      const binary = this.binaryCanonical();
      if (binary !== undefined) return binary;
    }
    return this.decimalCanonical(this.format === 'DecimalExponent' ? 'DecimalExponent' : 'DecimalSI');
  }

  /** Base 1024 when the value is an integer of at least 1Ki in magnitude; otherwise undefined (fall back to DecimalSI). */
  private binaryCanonical(): string | undefined {
    if (this.cmpInt64(-1024) > 0 && this.cmpInt64(1024) < 0) return undefined;
    const rounded = this.roundUp(0);
    if (!rounded.exact) return undefined;
    let n = rounded.quantity.mantissa * pow10(Math.max(0, rounded.quantity.exponent));
    let k = 0;
    while (k < BINARY_SI_SUFFIXES.length - 1 && n % 1024n === 0n) {
      n /= 1024n;
      k++;
    }
    return `${n}${BINARY_SI_SUFFIXES[k] ?? ''}`;
  }

  /** Trailing zeros into the exponent, then the exponent down to a multiple of three. */
  private decimalCanonical(format: 'DecimalSI' | 'DecimalExponent'): string {
    const stripped = stripTens(this.mantissa, this.exponent);
    let m = stripped.mantissa;
    let e = stripped.exponent;
    while (e % 3 !== 0) {
      m *= 10n;
      e--;
    }
    return `${m}${format === 'DecimalSI' ? decimalSISuffix(e) : decimalExponentSuffix(e)}`;
  }

  /** The exact value as mantissa and base-10 exponent. */
  toDecimal(): { mantissa: bigint; exponent: number } {
    return { mantissa: this.mantissa, exponent: this.exponent };
  }
}

/**
 * Upstream's int64 fast path: when the input is short enough it is kept as
 * an int64 and, if it already looks canonical, its text is reused verbatim.
 * Returns undefined when upstream would take the arbitrary-precision path.
 */
function fastPath(str: string, scanned: ScannedQuantity, meaning: SuffixMeaning): Quantity | undefined {
  const { num, denom } = scanned;
  let precision: number;
  let scale = 0;
  let multiplier = 1n;
  if (meaning.format === 'BinarySI') {
    if (meaning.exponent < 0 || denom.length > 0) return undefined;
    multiplier = 1n << BigInt(meaning.exponent);
    // 1Mi (2^20) has about 6 decimal digits: exponent*3/10 approximates the digits the suffix adds.
    precision = 15 - num.length - Math.trunc((meaning.exponent * 3) / 10) - 1;
  } else {
    scale = meaning.exponent;
    precision = MAX_INT64_FACTORS - (num.length + denom.length);
  }
  if (precision < 0) return undefined;
  scale -= denom.length;
  if (scale < -9) return undefined;
  const shifted = num + denom;
  const digits = BigInt(shifted);
  const magnitude = digits * multiplier;
  if (magnitude > INT64_MAX) return undefined;
  const mantissa = scanned.positive ? magnitude : -magnitude;
  const looksCanonical =
    meaning.format === 'BinarySI'
      ? meaning.exponent % 10 === 0 && (digits & 7n) !== 0n
      : scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
  return Quantity.fromParsed(mantissa, scale, meaning.format, looksCanonical ? str : undefined);
}

/** The arbitrary-precision path: exact value, rounded up to 1n granularity, BinarySI capped at 2^63-1. */
function slowPath(scanned: ScannedQuantity, meaning: SuffixMeaning): Quantity | ParseError {
  if (!/[0-9]/.test(scanned.value)) return parseError(ERR_NUMERIC);
  let mantissa = BigInt(scanned.num + scanned.denom);
  let exponent = -scanned.denom.length;
  if (meaning.base === 10) exponent += meaning.exponent;
  else mantissa *= 1n << BigInt(meaning.exponent);
  let format = meaning.format;
  // Non-zero values finer than 1n round up to the next nano: asking for some resource yields some.
  if (mantissa !== 0n && exponent < -9) {
    mantissa = divPow10AwayFromZero(mantissa, -9 - exponent).value;
    exponent = -9;
  }
  const value = { mantissa, exponent };
  if (format === 'BinarySI' && compareDecimals(value, { mantissa: BINARY_CAP, exponent: 0 }) > 0) {
    mantissa = BINARY_CAP;
    exponent = 0;
  }
  if (format === 'BinarySI' && mantissa !== 0n && compareDecimals({ mantissa, exponent }, { mantissa: 1n, exponent: 0 }) < 0) {
    format = 'DecimalSI'; // below one a binary suffix cannot express the value
  }
  return Quantity.fromDecimal(scanned.positive ? mantissa : -mantissa, exponent, format);
}

/**
 * resource.ParseQuantity. Accepts "100m", "1.5Gi", "2e3", "+1", ".5", "1."; errors
 * carry upstream's messages (ErrFormatWrong, ErrNumeric, ErrSuffix).
 */
export function parseQuantity(str: string): Quantity | ParseError {
  if (str.length === 0) return parseError(ERR_FORMAT_WRONG);
  if (str === '0') return Quantity.fromParsed(0n, 0, 'DecimalSI', '0');
  const scanned = scanQuantity(str);
  if ('error' in scanned) return scanned;
  const meaning = interpretSuffix(scanned.suffix);
  if (meaning === undefined) return parseError(ERR_SUFFIX);
  return fastPath(str, scanned, meaning) ?? slowPath(scanned, meaning);
}

/** MustParse: for constants in code and tests; throws on bad input (a bug there). */
export function mustParseQuantity(str: string): Quantity {
  const q = parseQuantity(str);
  if ('error' in q) throw new Error(`cannot parse '${str}': ${q.error}`);
  return q;
}

/**
 * Quantity.UnmarshalJSON: a JSON string (surrounding whitespace trimmed), a
 * JSON number (rendered with JavaScript's shortest form, which can differ from
 * the raw text upstream sees, e.g. 1e3 arrives as 1000), or null (zero).
 */
export function quantityFromJSON(value: unknown): Quantity | ParseError {
  if (value === null || value === undefined) return Quantity.fromDecimal(0n, 0, 'DecimalSI');
  if (typeof value === 'string') return parseQuantity(value.trim());
  if (typeof value === 'number' && Number.isFinite(value)) return parseQuantity(String(value));
  return parseError(ERR_FORMAT_WRONG);
}

/** NewQuantity: value units in the given format. */
export function newQuantity(value: bigint | number, format: QuantityFormat): Quantity {
  return Quantity.fromDecimal(BigInt(value), 0, format);
}

/** NewMilliQuantity: value thousandths in the given format. */
export function newMilliQuantity(value: bigint | number, format: QuantityFormat): Quantity {
  return Quantity.fromDecimal(BigInt(value), -3, format);
}

/** NewScaledQuantity: value × 10^scale, DecimalSI. */
export function newScaledQuantity(value: bigint | number, scale: number): Quantity {
  return Quantity.fromDecimal(BigInt(value), scale, 'DecimalSI');
}

export function zeroQuantity(format: QuantityFormat = 'DecimalSI'): Quantity {
  return Quantity.fromDecimal(0n, 0, format);
}

/** Sum of quantities (the format of the first non-zero term), e.g. a pod's container requests. */
export function sumQuantities(quantities: Iterable<Quantity>): Quantity {
  let total = zeroQuantity();
  for (const q of quantities) total = total.add(q);
  return total;
}

