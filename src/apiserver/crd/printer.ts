// Server-side printing of custom resources from a version's
// additionalPrinterColumns (upstream's customresource/tableconvertor): a Name
// column, then one column per definition evaluated with JSONPath. Without
// columns upstream serves a single `Age` column of `.metadata.creationTimestamp`
// (so kubectl shows NAME and AGE). Date cells are rendered as ages (`5m`). Pure.

import { isObject } from '../../api/types.js';
import type { TableColumn, TablePrinter } from '../table.js';
import { goNumber } from './field-errors.js';
import { parseJsonPath, type JsonPath } from './jsonpath.js';
import type { CustomResourceColumnDefinition } from './types.js';

/** ObjectMeta's swagger descriptions, which upstream puts on these columns. */
const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** Upstream's serveDefaultColumnsIfEmpty. */
export const DEFAULT_COLUMNS: readonly CustomResourceColumnDefinition[] = [
  { name: 'Age', type: 'date', description: CREATION_TIMESTAMP_DESCRIPTION, jsonPath: '.metadata.creationTimestamp' },
];

/** k8s.io/apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** metav1.Time from a query parameter, then ConvertToHumanReadableDateType. */
function dateCell(value: string, now: Date): string {
  if (value === '' || value === 'null') return '<unknown>';
  if (!RFC3339.test(value)) return '<invalid>';
  const t = Date.parse(value);
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now.getTime() - t);
}

/** Go's encoding/json of a JSON value: sorted keys, HTML-safe escapes. */
function goJson(value: unknown): string {
  const encode = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(encode).join(',')}]`;
    if (isObject(v)) {
      return `{${Object.keys(v)
        .sort()
        .map((k) => `${escape(JSON.stringify(k))}:${encode(v[k])}`)
        .join(',')}}`;
    }
    if (typeof v === 'string') return escape(JSON.stringify(v));
    if (typeof v === 'number') return JSON.stringify(v);
    return JSON.stringify(v ?? null);
  };
  const escape = (s: string) => s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return encode(value);
}

/** jsonpath.PrintResults of one value. */
function printValue(value: unknown): string {
  if (value === null || value === undefined) return '<no value>';
  if (Array.isArray(value) || isObject(value)) return goJson(value);
  if (typeof value === 'number') return goNumber(value);
  return String(value);
}

/** tableconvertor's cellForJSONValue. */
function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'date':
      return typeof value === 'string' ? dateCell(value, now) : null;
  }
  return null;
}

interface Column {
  readonly definition: TableColumn;
  readonly path: JsonPath | undefined;
}

/**
 * The TablePrinter of one version. Columns whose JSONPath does not parse print
 * empty cells (upstream falls back the same way, with a logged error).
 */
export function customResourceTablePrinter(columns: readonly CustomResourceColumnDefinition[] | undefined): TablePrinter {
  const defs = columns && columns.length ? columns : DEFAULT_COLUMNS;
  const custom: Column[] = defs.map((c) => {
    const jsonPath = typeof c.jsonPath === 'string' ? c.jsonPath : '';
    let path: JsonPath | undefined;
    try {
      path = parseJsonPath(jsonPath);
    } catch {
      path = undefined;
    }
    return {
      path,
      definition: {
        name: typeof c.name === 'string' ? c.name : '',
        type: typeof c.type === 'string' ? c.type : '',
        format: typeof c.format === 'string' ? c.format : '',
        description: typeof c.description === 'string' && c.description !== '' ? c.description : `Custom resource definition column (in JSONPath format): ${jsonPath}`,
        priority: typeof c.priority === 'number' ? c.priority : 0,
      },
    };
  });
  const header: TableColumn = { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 };
  return {
    columns: [header, ...custom.map((c) => c.definition)],
    row(obj, now) {
      const meta = isObject(obj.metadata) ? obj.metadata : {};
      const cells: unknown[] = [typeof meta.name === 'string' ? meta.name : ''];
      for (const column of custom) {
        const results = column.path ? column.path.find(obj) : [];
        if (results.length === 0) {
          cells.push(null);
          continue;
        }
        const value = results[0];
        cells.push(column.definition.type === 'string' ? printValue(value) : cellFor(column.definition.type, value, now));
      }
      return cells;
    },
  };
}
