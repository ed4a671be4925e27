// Field errors as apimachinery's field.Error prints them: "<path>: <Type>: <value>:
// <detail>", with the bad value formatted the way Go's fmt does (%q for strings,
// %v for numbers and booleans, %#v for everything else). Pure.

import type { FieldCause } from '../status.js';
import { validation } from '../../machinery/index.js';

/** A value already in its Go text form (e.g. `[]string{"v1"}`), printed as is. */
export class GoText {
  constructor(readonly text: string) {}
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\v':
        out += '\\v';
        continue;
      case '\x07':
        out += '\\a';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xfffd) out += cp > 0xff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u00${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Go's %v of a float64 or int64 from JSON. */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const text = String(n);
  // Go switches to exponent form below 1e-4; JavaScript below 1e-6.
  const abs = Math.abs(n);
  if (abs < 1e-4 && abs >= 1e-6) {
    const [mantissa, exp] = n.toExponential().split('e') as [string, string];
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Go's %#v of a JSON value held in an interface{}. */
export function goSyntax(value: unknown): string {
  if (value instanceof GoText) return value.text;
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${goQuote(k)}:${goSyntax((value as Record<string, unknown>)[k])}`);
    return `map[string]interface {}{${entries.join(', ')}}`;
  }
  return String(value);
}

/** How field.Error prints a bad value. */
export function goValue(value: unknown): string {
  if (value instanceof GoText) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  return goSyntax(value);
}

/** `[]string{"a", "b"}` (or `[]string(nil)`). */
export function goStrings(values: readonly string[] | undefined | null): GoText {
  if (!values) return new GoText('[]string(nil)');
  return new GoText(`[]string{${values.map(goQuote).join(', ')}}`);
}

// ---- paths ------------------------------------------------------------------

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

// ---- errors -------------------------------------------------------------------

function withDetail(head: string, detail: string): string {
  return detail ? `${head}: ${detail}` : head;
}

export function invalid(field: string, value: unknown, detail: string): FieldCause {
  return { type: 'FieldValueInvalid', field, message: withDetail(`${field}: Invalid value: ${goValue(value)}`, detail) };
}

export function typeInvalid(field: string, value: unknown, detail: string): FieldCause {
  return { type: 'FieldValueTypeInvalid', field, message: withDetail(`${field}: Invalid value: ${goValue(value)}`, detail) };
}

export function required(field: string, detail = ''): FieldCause {
  return { type: 'FieldValueRequired', field, message: withDetail(`${field}: Required value`, detail) };
}

export function forbidden(field: string, detail = ''): FieldCause {
  return { type: 'FieldValueForbidden', field, message: withDetail(`${field}: Forbidden`, detail) };
}

export function duplicate(field: string, value: unknown): FieldCause {
  return { type: 'FieldValueDuplicate', field, message: `${field}: Duplicate value: ${goValue(value)}` };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldCause {
  const detail = supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field, message: withDetail(`${field}: Unsupported value: ${goValue(value)}`, detail) };
}

/** field.TooLong as of Kubernetes 1.32+: the value is not printed. */
export function tooLong(field: string, maxLength: number): FieldCause {
  const detail = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return { type: 'FieldValueTooLong', field, message: `${field}: Too long: ${detail}` };
}

export function tooMany(field: string, actual: number, max: number): FieldCause {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  const head = actual >= 0 ? `${field}: Too many: ${actual}` : `${field}: Too many`;
  return { type: 'FieldValueTooMany', field, message: `${head}: ${detail}` };
}

export function internalError(field: string, detail: string): FieldCause {
  return { type: 'InternalError', field, message: `${field}: Internal error: ${detail}` };
}

/** Upstream's validation.IsDNS1035Label and IsDNS1123Subdomain, from the shared machinery. */
export const dns1035LabelProblems = (value: string): string[] => validation.isDNS1035Label(value);
export const dns1123SubdomainProblems = (value: string): string[] => validation.isDNS1123Subdomain(value);
