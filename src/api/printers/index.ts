// Server-side printing: the columns and cells of the meta.k8s.io Table kubectl asks
// for, per built-in kind, as kube-apiserver 1.33 prints them
// (pkg/printers/internalversion). The server always prints "wide": every row has a
// cell for every column and kubectl hides priority-1 columns unless `-o wide`.
// Pure code: objects in, cells out, the clock passed in.

import { PRINTERS } from './registry.js';
import { defaultPrinter } from './default.js';
import type { Printer } from './types.js';
import { scalePrinter } from './workloads.js';

export { humanDuration, shortHumanDuration } from './duration.js';
export { canonicalQuantity } from './quantity.js';
export { defaultPrinter } from './default.js';
export type { ColumnType, Printer, TableColumnDefinition, TableRowCondition } from './types.js';

/**
 * Printer for a resource, keyed by group (`''` for core) and plural resource name;
 * the default printer (Name, Created At) otherwise. `deployments/scale` style
 * subresources print the Scale; `.../status` prints the parent kind.
 */
export function printerFor(group: string, resource: string): Printer {
  const slash = resource.indexOf('/');
  if (slash >= 0) {
    const subresource = resource.slice(slash + 1);
    if (subresource === 'scale') return scalePrinter;
    if (subresource !== 'status') return defaultPrinter;
    resource = resource.slice(0, slash);
  }
  return PRINTERS.get(`${group}/${resource}`) ?? defaultPrinter;
}

/** The group/resource keys that have a printer of their own (`apps/deployments`, `/pods`). */
export function printedResources(): string[] {
  return [...PRINTERS.keys()];
}
