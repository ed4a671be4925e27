// Small faithful copies of Go standard-library behaviour that upstream's error
// messages depend on: strconv.Quote (the %q verb), encoding/json rendering of
// bad values, byte-wise string ordering (sort.Strings) and strconv.ParseInt.
// Messages built from these must match upstream byte for byte, so each helper
// mirrors the Go rule rather than the nearest JavaScript idiom.

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** unicode.IsPrint for one character. */
export function isGoPrintable(char: string): boolean {
  return PRINTABLE.test(char);
}

function quoteRune(codePoint: number): string {
  if (codePoint === 0x22) return '\\"';
  if (codePoint === 0x5c) return '\\\\';
  const char = String.fromCodePoint(codePoint);
  if (PRINTABLE.test(char)) return char;
  const short = SHORT_ESCAPES[codePoint];
  if (short !== undefined) return short;
  if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${hex(codePoint, 2)}`;
  if (codePoint < 0x10000) return `\\u${hex(codePoint, 4)}`;
  return `\\U${hex(codePoint, 8)}`;
}

/**
 * strconv.Quote / fmt's %q. A lone UTF-16 surrogate cannot occur in a Go string
 * decoded from JSON (it becomes U+FFFD), so it is rendered as U+FFFD here too.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const char of s) {
    const cp = char.codePointAt(0) ?? 0xfffd;
    out += quoteRune(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
  }
  return `${out}"`;
}

/** encoding/json escapes these even though JSON does not require it (HTML safety). */
function goJSONString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

function hasToJSON(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * json.Marshal as upstream uses it to render a complex bad value in a field
 * error. A plain object is a Go map: keys sorted. A Map stands for a Go struct:
 * entries in insertion order (declaration order), undefined entries omitted
 * (omitempty).
 */
export function goJSON(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return goJSONString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return goJSONObject(value);
    default:
      return 'null';
  }
}

function goJSONObject(value: object): string {
  if (Array.isArray(value)) return `[${value.map((item: unknown) => goJSON(item)).join(',')}]`;
  if (value instanceof Map) return goJSONStruct(value);
  if (hasToJSON(value)) return goJSON(value.toJSON());
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(compareGoStrings);
  return `{${keys.map((k) => `${goJSONString(k)}:${goJSON(record[k])}`).join(',')}}`;
}

function goJSONStruct(value: Map<unknown, unknown>): string {
  const fields = [...value].filter(([, v]) => v !== undefined);
  return `{${fields.map(([k, v]) => `${goJSONString(String(k))}:${goJSON(v)}`).join(',')}}`;
}

/**
 * Orders UTF-16 code units so that comparing them gives code point order,
 * which equals Go's byte-wise UTF-8 order: surrogates (supplementary planes)
 * must sort after U+E000..U+FFFF.
 */
function codeUnitRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Go's string comparison (sort.Strings): byte-wise UTF-8 order. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) < codeUnitRank(y) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits only, int64 range. */
export function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const value = BigInt(s);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/** len(s) in Go: the UTF-8 byte length, which upstream length limits count. */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
