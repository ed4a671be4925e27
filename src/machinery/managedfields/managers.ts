// metadata.managedFields in and out (apimachinery's managedfields/internal:
// DecodeManagedFields, BuildManagerIdentifier, encodeManagedFields with its
// sort, capManagersManager): the wire entries become a map from manager
// identifier (the JSON of the entry without time and fields, and without
// apiVersion for appliers) to the manager's field set. Pure.

import type { ManagedFieldsEntry } from '../../api/types.js';
import { goQuote } from '../validation/index.js';
import { FieldSet, FieldsV1Error, type FieldsV1 } from './fieldset.js';
import { valueJSON as goJSON } from './pathelement.js';
import { internJsonMemoized } from '../json-interner.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  /** Operation Apply (true) or Update (false). */
  readonly applied: boolean;
  /** RFC 3339 time of the manager's last change, when known. */
  readonly time?: string | undefined;
}

/** Manager identifier -> its fields. Iteration order carries no meaning. */
export type Managed = Map<string, ManagerSet>;

export interface ManagerInfo {
  readonly manager?: string | undefined;
  readonly operation?: Operation | string | undefined;
  readonly apiVersion?: string | undefined;
  readonly subresource?: string | undefined;
}

/** BuildManagerIdentifier: the JSON of the entry's identity fields, in ManagedFieldsEntry field order, empty ones left out. */
export function managerIdentifier(info: ManagerInfo): string {
  const parts: string[] = [];
  if (info.manager) parts.push(`"manager":${goJSON(info.manager)}`);
  if (info.operation) parts.push(`"operation":${goJSON(info.operation)}`);
  if (info.apiVersion && info.operation !== 'Apply') parts.push(`"apiVersion":${goJSON(info.apiVersion)}`);
  if (info.subresource) parts.push(`"subresource":${goJSON(info.subresource)}`);
  return `{${parts.join(',')}}`;
}

/** Parsed identifiers: a server sees few distinct managers, and every write encodes them. */
const parsedIdentifiers = new Map<string, ManagerInfo | undefined>();
const PARSED_IDENTIFIERS_MAX = 4096;

/** The identity fields of an identifier (undefined when it is not one, like "current-operation"). */
export function parseIdentifier(id: string): ManagerInfo | undefined {
  if (parsedIdentifiers.has(id)) return parsedIdentifiers.get(id);
  let info: ManagerInfo | undefined;
  if (id.startsWith('{')) {
    try {
      const v = JSON.parse(id) as Record<string, unknown>;
      const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
      info = Object.freeze({ manager: str(v.manager), operation: str(v.operation), apiVersion: str(v.apiVersion), subresource: str(v.subresource) });
    } catch {
      info = undefined;
    }
  }
  if (parsedIdentifiers.size >= PARSED_IDENTIFIERS_MAX) parsedIdentifiers.clear();
  parsedIdentifiers.set(id, info);
  return info;
}

/** printManager: how conflict messages name a manager, e.g. `"kubectl-edit" using apps/v1`. */
export function printManager(id: string): string {
  const info = parseIdentifier(id);
  if (!info) return goQuote(id);
  let s = goQuote(info.manager ?? '');
  if (info.subresource) s = `${s} with subresource ${goQuote(info.subresource)}`;
  if (info.operation === 'Update') return `${s} using ${info.apiVersion ?? ''}`;
  return s;
}

/** metav1.Time as it serializes: RFC 3339 in UTC, whole seconds. */
export function formatTime(t: Date | string): string {
  if (typeof t === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(t)) return t;
  const d = typeof t === 'string' ? new Date(t) : t;
  const ms = d.getTime();
  if (Number.isNaN(ms)) return String(t);
  // Every write stamps its managedFields entry: writes within one second share the text.
  const second = Math.floor(ms / 1000);
  if (second !== lastFormatted.second) {
    lastFormatted.second = second;
    lastFormatted.text = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return lastFormatted.text;
}

const lastFormatted = { second: Number.NaN, text: '' };

function unixSeconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

export class ManagedFieldsError extends Error {}

/** Sets of FieldsV1 this module wrote (stored objects' managedFields), by that FieldsV1 object. */
const decodedFrom = new WeakMap<object, FieldSet>();

/**
 * DecodeManagedFields: the wire entries as a Managed map. Throws
 * ManagedFieldsError for entries upstream rejects (bad operation, no
 * apiVersion, missing or unknown fieldsType, undecodable fieldsV1).
 */
export function decodeManagedFields(entries: readonly unknown[] | null | undefined, options: { readonly stored?: boolean } = {}): Managed {
  const managed: Managed = new Map();
  (entries ?? []).forEach((raw, i) => {
    const e = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    const operation = e.operation;
    if (operation !== 'Apply' && operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = typeof e.apiVersion === 'string' ? e.apiVersion : '';
    if (apiVersion.length < 1) throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = typeof e.fieldsType === 'string' ? e.fieldsType : '';
    if (fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${goQuote(fieldsType)} in managed fields entry ${i}`);
    const manager = typeof e.manager === 'string' ? e.manager : '';
    const subresource = typeof e.subresource === 'string' ? e.subresource : '';
    const id = managerIdentifier({ manager, operation, apiVersion, subresource });
    const fieldsV1 = e.fieldsV1;
    let set: FieldSet | undefined;
    if (options.stored && typeof fieldsV1 === 'object' && fieldsV1 !== null && !Array.isArray(fieldsV1)) {
      // What this module wrote is well-formed and canonical: decoded lazily, encoded back as is.
      set = decodedFrom.get(fieldsV1);
      if (!set) {
        set = FieldSet.fromStoredFieldsV1(fieldsV1 as FieldsV1);
        decodedFrom.set(fieldsV1, set);
      }
    } else {
      try {
        set = FieldSet.fromFieldsV1(fieldsV1);
      } catch (err) {
        if (err instanceof FieldsV1Error) throw new ManagedFieldsError(`error decoding versioned set: error decoding set: ${err.message}`);
        throw err;
      }
    }
    const time = typeof e.time === 'string' && e.time !== '' ? formatTime(e.time) : undefined;
    managed.set(id, { set, apiVersion, applied: operation === 'Apply', time });
  });
  return managed;
}

/** encodeManagedFields: the wire entries, sorted as upstream sorts them; undefined when there are none. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed) {
    const info = parseIdentifier(id) ?? {};
    const entry: ManagedFieldsEntry = {};
    if (info.manager) entry.manager = info.manager;
    const operation = vs.applied ? 'Apply' : info.operation;
    if (operation === 'Apply' || operation === 'Update') entry.operation = operation;
    if (vs.apiVersion) entry.apiVersion = vs.apiVersion;
    if (vs.time) entry.time = vs.time;
    entry.fieldsType = 'FieldsV1';
    // Interned: pods of one template share their managers' subtrees (see json-interner.ts).
    const fields = internJsonMemoized(vs.set.toFieldsV1());
    // The stored version keeps a set of its own that decodes from `fields` as it is used
    // (what a version read back from storage gets), not vs.set: a set built or used by
    // set operations holds its decoded levels, and would for as long as the version is
    // current (thousands of bytes per object, for every object in the cluster).
    const known = decodedFrom.get(fields);
    if (!known || !known.isUndecoded()) decodedFrom.set(fields, FieldSet.fromStoredFieldsV1(fields));
    entry.fieldsV1 = fields as ManagedFieldsEntry['fieldsV1'];
    if (info.subresource) entry.subresource = info.subresource;
    entries.push(entry);
  }
  const str = (s: string | undefined): string => s ?? '';
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  entries.sort((p, q) => {
    if (str(p.operation) !== str(q.operation)) return cmp(str(p.operation), str(q.operation));
    const ps = unixSeconds(p.time);
    const qs = unixSeconds(q.time);
    if (ps !== qs) return ps < qs ? -1 : 1;
    if (str(p.manager) !== str(q.manager)) return cmp(str(p.manager), str(q.manager));
    if (str(p.apiVersion) !== str(q.apiVersion)) return cmp(str(p.apiVersion), str(q.apiVersion));
    return cmp(str(p.subresource), str(q.subresource));
  });
  return entries;
}

/** DefaultMaxUpdateManagers. */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/**
 * capUpdateManagers: when there are more than `max` Update entries, the
 * oldest are merged into one "ancient-changes" entry per API version.
 */
export function capUpdateManagers(managed: Managed, max = MAX_UPDATE_MANAGERS): Managed {
  const updaters = [...managed].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return managed;
  const out: Managed = new Map(managed);
  updaters.sort((a, b) => {
    const as = unixSeconds(managed.get(a)!.time);
    const bs = unixSeconds(managed.get(b)!.time);
    if (as !== bs) return as < bs ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const versionToFirst = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i]!;
    const vs = out.get(id);
    if (!vs) continue;
    const version = vs.apiVersion;
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: version });
    // (Upstream would merge an existing bucket into itself and then delete it, losing its fields.)
    if (id === bucket && versionToFirst.has(version)) continue;
    const first = versionToFirst.get(version);
    if (first === undefined) {
      versionToFirst.set(version, id);
      continue;
    }
    if (!out.has(bucket)) {
      const s = out.get(first)!;
      out.delete(first);
      out.set(bucket, s);
    }
    const prev = out.get(bucket)!;
    out.set(bucket, { set: vs.set.union(prev.set), apiVersion: vs.apiVersion, applied: vs.applied, time: vs.time });
    out.delete(id);
    length--;
  }
  return out;
}
