// Go runtime behaviours that leak into upstream's patch results and error
// messages: fmt's %v rendering, byte-wise string order, interface equality
// and sort.SliceStable. Strategic merge patch sorts list items by the %v text
// of their merge key and reports bad input with %v-formatted maps, so
// matching kubectl and kube-apiserver byte for byte needs these.

import { isJsonObject, type JsonValue } from './json.js';

/** fmt.Sprintf("%v", v) for a value decoded from JSON (maps print sorted). */
export function goFormat(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return goFormatNumber(value);
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  const keys = Object.keys(value).sort(compareGoStrings);
  return `map[${keys.map((key) => `${key}:${goFormat(value[key])}`).join(' ')}]`;
}

/**
 * Integers decode to int64 upstream (kubectl and the API server both ask for
 * that), which %v prints in decimal; other numbers are float64, which %v
 * prints like %g with the shortest exact digits, switching to an exponent
 * below 1e-4 or from 1e6 up (so 1234567.5 prints as 1.2345675e+06).
 */
function goFormatNumber(value: number): string {
  if (Number.isInteger(value)) return Object.is(value, -0) ? '0' : value.toFixed(0);
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, '0');
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return String(value);
}

/** %s of a value that Go expected to be a string (fmt's "%!s(T=v)" otherwise). */
export function goFormatString(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '%!s(<nil>)';
  return `%!s(${goTypeName(value)}=${goFormat(value)})`;
}

/** reflect.TypeOf(v).String() for a value decoded from JSON. */
export function goTypeName(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '<nil>';
  if (Array.isArray(value)) return '[]interface {}';
  if (isJsonObject(value)) return 'map[string]interface {}';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

/** Go compares strings byte-wise in UTF-8, which is code point order. */
export function compareGoStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    return codePointRank(a, i) - codePointRank(b, i);
  }
  return a.length - b.length;
}

// A surrogate unit stands for a code point above U+FFFF, which sorts after
// every BMP character in UTF-8 even though the unit itself is below U+E000.
function codePointRank(text: string, index: number): number {
  return text.codePointAt(index) ?? 0;
}

/**
 * `a == b` on two interface{} values holding decoded JSON: scalars compare
 * by type and value; maps and slices are not comparable (Go would panic), so
 * they never match here.
 */
export function goScalarEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const left = a === undefined ? null : a;
  const right = b === undefined ? null : b;
  if (typeof left === 'object' && left !== null) return false;
  if (typeof right === 'object' && right !== null) return false;
  return left === right;
}

/**
 * sort.SliceStable, step for step (insertion sort on blocks of 20, then
 * SymMerge). Upstream's ordering comparators are not always consistent (an
 * item missing from the order list is "less" than everything), so only the
 * same algorithm gives the same order.
 */
export function goSliceStable<T>(items: T[], less: (a: T, b: T) => boolean): void {
  const n = items.length;
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(items, a, b, less);
    a = b;
    b += blockSize;
  }
  insertionSort(items, a, n, less);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(items, a, a + blockSize, b, less);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(items, a, m, n, less);
    blockSize *= 2;
  }
}

function swap<T>(items: T[], i: number, j: number): void {
  const tmp = items[i] as T;
  items[i] = items[j] as T;
  items[j] = tmp;
}

function lessAt<T>(items: T[], i: number, j: number, less: (a: T, b: T) => boolean): boolean {
  return less(items[i] as T, items[j] as T);
}

function insertionSort<T>(items: T[], a: number, b: number, less: (a: T, b: T) => boolean): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && lessAt(items, j, j - 1, less); j--) swap(items, j, j - 1);
  }
}

function symMerge<T>(items: T[], a: number, m: number, b: number, less: (a: T, b: T) => boolean): void {
  if (m - a === 1) {
    let i = m;
    let j = b;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (lessAt(items, h, a, less)) i = h + 1;
      else j = h;
    }
    for (let k = a; k < i - 1; k++) swap(items, k, k + 1);
    return;
  }
  if (b - m === 1) {
    let i = a;
    let j = m;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (!lessAt(items, m, h, less)) i = h + 1;
      else j = h;
    }
    for (let k = m; k > i; k--) swap(items, k, k - 1);
    return;
  }
  const mid = (a + b) >>> 1;
  const n = mid + m;
  let start: number;
  let r: number;
  if (m > mid) {
    start = n - b;
    r = mid;
  } else {
    start = a;
    r = m;
  }
  const p = n - 1;
  while (start < r) {
    const c = (start + r) >>> 1;
    if (!lessAt(items, p - c, c, less)) start = c + 1;
    else r = c;
  }
  const end = n - start;
  if (start < m && m < end) rotate(items, start, m, end);
  if (a < start && start < mid) symMerge(items, a, start, mid, less);
  if (mid < end && end < b) symMerge(items, mid, end, b, less);
}

function swapRange<T>(items: T[], a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) swap(items, a + i, b + i);
}

function rotate<T>(items: T[], a: number, m: number, b: number): void {
  let i = m - a;
  let j = b - m;
  while (i !== j) {
    if (i > j) {
      swapRange(items, m - i, m, j);
      i -= j;
    } else {
      swapRange(items, m - i, m + j - i, i);
      j -= i;
    }
  }
  swapRange(items, m - i, m, i);
}
