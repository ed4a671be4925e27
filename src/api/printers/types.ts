// The shapes of server-side printing: column definitions and one printer per kind.

import { DOC, type DocKey } from './descriptions.js';
import type { Obj } from './format.js';

export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface TableColumnDefinition {
  name: string;
  type: ColumnType;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  /** One cell per column, priority-1 (wide) columns included: the server always prints wide and kubectl hides them. */
  row(obj: Record<string, unknown>, now: Date): unknown[];
  /** Upstream's row conditions (a finished pod is `Completed`), for the Table row's `conditions`. */
  rowConditions?(obj: Record<string, unknown>): TableRowCondition[] | undefined;
}

interface ColumnOptions {
  priority?: number;
  format?: string;
}

/** A column whose description is a literal. */
export function column(name: string, type: ColumnType, description: string, options: ColumnOptions = {}): TableColumnDefinition {
  return { name, type, format: options.format ?? '', description, priority: options.priority ?? 0 };
}

/** A column documented by an API field comment. */
export function docColumn(name: string, type: ColumnType, doc: DocKey, options: ColumnOptions = {}): TableColumnDefinition {
  return column(name, type, DOC[doc], options);
}

export const NAME_COLUMN = docColumn('Name', 'string', 'ObjectMeta.name', { format: 'name' });
export const AGE_COLUMN = docColumn('Age', 'string', 'ObjectMeta.creationTimestamp');
export const CONTAINERS_COLUMN = column('Containers', 'string', 'Names of each container in the template.', { priority: 1 });
export const IMAGES_COLUMN = column('Images', 'string', 'Images referenced by each container in the template.', { priority: 1 });

export function printer(columns: readonly TableColumnDefinition[], row: (o: Obj, now: Date) => unknown[], rowConditions?: (o: Obj) => TableRowCondition[] | undefined): Printer {
  return rowConditions ? { columns, row, rowConditions } : { columns, row };
}
