// Server-side printing: the meta.k8s.io Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.

import type { KubeObject } from '../api/types.js';

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
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

/** Which Table version an Accept header asks for, if any. */
export function wantsTable(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1' || v === 'v1beta1') return v;
    }
  }
  return undefined;
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
      return { cells: printer.row(obj as Record<string, unknown>, options.now), ...(object === undefined ? {} : { object }) };
    }),
  };
}

/** Upstream's default printer for kinds without their own: Name and Created At. */
export const defaultTablePrinter: TablePrinter = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata', priority: 0 },
  ],
  row: (obj) => {
    const meta = (obj.metadata ?? {}) as { name?: string; creationTimestamp?: string };
    return [meta.name ?? '', meta.creationTimestamp ?? null];
  },
};
