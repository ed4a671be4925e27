// resource.Quantity's canonical string (Quantity.String()), which upstream prints in
// capacity, quota and metric cells: `4096Mi` -> `4Gi`, `2000` -> `2k`, `0.5` -> `500m`,
// `1.5Gi` -> `1536Mi`. Values are kept exact with BigInt; like ParseQuantity, they are
// rounded up (away from zero) to nano precision and capped at 2^63-1.

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

interface Parsed {
  /** value = mantissa * 10^exponent */
  mantissa: bigint;
  exponent: number;
  format: Format;
}

const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([suffix, exp]) => [exp, suffix]));
const BINARY_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const MAX = 2n ** 63n - 1n;
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(.*)$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function parse(input: string): Parsed | undefined {
  const m = NUMBER.exec(input);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return undefined;
  let format: Format;
  let exponent = -fraction.length;
  let mantissa = BigInt(whole + fraction || '0');
  if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    mantissa *= 2n ** BigInt(BINARY_SUFFIXES[suffix] ?? 0);
  } else if (suffix in DECIMAL_SUFFIXES) {
    format = 'DecimalSI';
    exponent += DECIMAL_SUFFIXES[suffix] ?? 0;
  } else if (/^[eE][+-]?\d+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent += Number(suffix.slice(1));
  } else {
    return undefined;
  }
  // Round the magnitude up to nano precision.
  if (exponent < -9) {
    const divisor = pow10(-9 - exponent);
    const rounded = mantissa / divisor + (mantissa % divisor === 0n ? 0n : 1n);
    mantissa = rounded;
    exponent = -9;
  }
  if (exponent >= 0 && exponent < 40 && mantissa * pow10(exponent) > MAX) {
    mantissa = MAX;
    exponent = 0;
  } else if (exponent >= 40 && mantissa !== 0n) {
    mantissa = MAX;
    exponent = 0;
  }
  if (sign === '-') mantissa = -mantissa;
  return { mantissa, exponent, format };
}

function decimalCanonical(mantissa: bigint, exponent: number, format: Format): string {
  let m = mantissa;
  let e = exponent;
  while (m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  const r = ((e % 3) + 3) % 3;
  if (r === 1) {
    m *= 10n;
    e -= 1;
  } else if (r === 2) {
    m *= 100n;
    e -= 2;
  }
  if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
  const suffix = DECIMAL_BY_EXPONENT.get(e);
  return suffix === undefined ? `${m}e${e}` : `${m}${suffix}`;
}

/** The canonical form of a quantity (`Quantity.String()`); `0` for a missing one, the input itself if it does not parse. */
export function canonicalQuantity(value: unknown): string {
  if (value === undefined || value === null || value === '') return '0';
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined) return String(value);
  const q = parse(text);
  if (!q) return text;
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const absolute = q.mantissa < 0n ? -q.mantissa : q.mantissa;
    const isInteger = q.exponent >= 0 || absolute % pow10(-q.exponent) === 0n;
    const integer = q.exponent >= 0 ? q.mantissa * pow10(q.exponent) : q.mantissa / pow10(-q.exponent);
    if (!isInteger || (integer > -1024n && integer < 1024n)) {
      format = 'DecimalSI';
    } else {
      let m = integer;
      let power = 0;
      while (m % 1024n === 0n && power < BINARY_BY_POWER.length - 1) {
        m /= 1024n;
        power += 1;
      }
      return `${m}${BINARY_BY_POWER[power] ?? ''}`;
    }
  }
  return decimalCanonical(q.mantissa, q.exponent, format);
}
