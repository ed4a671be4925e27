// Server-side printing: the meta.k8s.io Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.

import type { KubeObject } from '../api/types.js';
import { acceptedVersion } from './media.js';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TablePrinter {
  readonly columns: readonly TableColumn[];
  row(obj: Record<string, unknown>, now: Date): unknown[];
  /** Row conditions upstream sets (pods: Completed for finished pods). */
  rowConditions?(obj: Record<string, unknown>): readonly unknown[] | undefined;
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

/** Which Table version an Accept header asks for, if any. */
export function wantsTable(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  return acceptedVersion(accept, 'Table', 'meta.k8s.io', ['v1', 'v1beta1'] as const);
}

function rowObject(obj: KubeObject, include: IncludeObject, tableVersion: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${tableVersion}`, metadata: obj.metadata ?? {} };
}

export function toTable(
  printer: TablePrinter,
  objects: readonly KubeObject[],
  options: { now: Date; include: IncludeObject; version: 'v1' | 'v1beta1'; resourceVersion?: string; continue?: string; remainingItemCount?: number; noHeaders?: boolean },
): object {
  const metadata: Record<string, unknown> = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata,
    columnDefinitions: options.noHeaders ? null : printer.columns,
    rows: objects.map((obj) => {
      const object = rowObject(obj, options.include, options.version);
      const conditions = printer.rowConditions?.(obj as Record<string, unknown>);
      return {
        cells: printer.row(obj as Record<string, unknown>, options.now),
        ...(conditions && conditions.length ? { conditions } : {}),
        ...(object === undefined ? {} : { object }),
      };
    }),
  };
}
