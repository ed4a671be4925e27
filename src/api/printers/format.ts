// Defensive readers over plain JSON objects and the formatting helpers upstream's
// printers share (labels, selectors, container lists, ages).

import { humanDuration } from './duration.js';

export type Obj = Record<string, unknown>;

const EMPTY: Obj = Object.freeze({}) as Obj;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at a path, `{}` when anything on the way is missing or not an object. */
export function obj(v: unknown, ...path: string[]): Obj {
  const found = path.length ? get(v, ...path) : v;
  return isObj(found) ? found : EMPTY;
}

export function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function objs(v: unknown): Obj[] {
  return arr(v).map((item) => (isObj(item) ? item : EMPTY));
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function optStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function optNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean {
  return v === true;
}

export function optBool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Number of keys of a JSON map (len() of a Go map). */
export function mapSize(v: unknown): number {
  return isObj(v) ? Object.keys(v).length : 0;
}

export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, val] of Object.entries(v)) out[k] = typeof val === 'string' ? val : String(val);
  return out;
}

/** A pointer field upstream (deletionTimestamp, ...) that is set. */
export function isSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

export function meta(o: Obj): Obj {
  return obj(o, 'metadata');
}

export function name(o: Obj): string {
  return str(meta(o).name);
}

// Go sorts strings by bytes; for the ASCII names Kubernetes allows, code-unit order is the same.
export function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Time

/** Go's zero time.Time, 0001-01-01T00:00:00Z, in milliseconds since the epoch. */
const GO_ZERO_TIME = -62135596800000;

/** A metav1.Time / MicroTime in milliseconds, or undefined for a missing (zero) one. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t) || t <= GO_ZERO_TIME) return undefined;
  return t;
}

/** translateTimestampSince: the age of a timestamp, `<unknown>` when unset. */
export function since(v: unknown, now: Date): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

export function age(o: Obj, now: Date): string {
  return since(meta(o).creationTimestamp, now);
}

/** time.Time.UTC().Format(time.RFC3339): seconds precision, `Z`; Go's zero time when unset. */
export function rfc3339(v: unknown): string {
  const t = parseTime(v);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------
// Labels and selectors

/** labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty. */
export function formatLabels(v: unknown): string {
  const labels = strMap(v);
  const keys = Object.keys(labels).sort(byteCompare);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

interface Requirement {
  key: string;
  text: string;
}

/**
 * metav1.LabelSelectorAsSelector(selector).String(): `''` for a missing or empty
 * selector (Nothing / Everything), undefined when the selector is invalid.
 */
export function labelSelectorString(v: unknown): string | undefined {
  if (!isObj(v)) return '';
  const matchLabels = strMap(v.matchLabels);
  const expressions = objs(v.matchExpressions);
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(matchLabels)) reqs.push({ key, text: `${key}=${value}` });
  for (const expr of expressions) {
    const key = str(expr.key);
    const values = arr(expr.values).map((x) => str(x));
    const sorted = [...values].sort(byteCompare).join(',');
    switch (expr.operator) {
      case 'In':
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} in (${sorted})` });
        break;
      case 'NotIn':
        if (values.length === 0) return undefined;
        reqs.push({ key, text: `${key} notin (${sorted})` });
        break;
      case 'Exists':
        if (values.length !== 0) return undefined;
        reqs.push({ key, text: key });
        break;
      case 'DoesNotExist':
        if (values.length !== 0) return undefined;
        reqs.push({ key, text: `!${key}` });
        break;
      default:
        return undefined;
    }
  }
  // selector.Add sorts requirements by key (stable here; Go's sort is not, but
  // equal keys only arise from contradictory selectors).
  reqs.sort((a, b) => byteCompare(a.key, b.key));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(v: unknown): string {
  const s = labelSelectorString(v);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

// ---------------------------------------------------------------------------
// Containers

/** layoutContainerCells: container names and images, comma separated. */
export function containerCells(containers: unknown): [string, string] {
  const list = objs(containers);
  return [list.map((c) => str(c.name)).join(','), list.map((c) => str(c.image)).join(',')];
}

/** IntOrString.String(). */
export function intOrString(v: unknown): string {
  if (typeof v === 'number') return String(Math.trunc(v));
  return str(v);
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The upstream `a,b,c + N more...` list with at most three entries; `<unset>` when empty. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** Go's %d of an integer field that JSON carries as a number. */
export function int(v: unknown): number {
  return Math.trunc(num(v));
}
