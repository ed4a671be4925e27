// The default Table of kinds without a printer of their own (apiserver's
// registry/rest/table.go): Name and Created At.

import { meta, name, rfc3339 } from './format.js';
import { docColumn, printer, type Printer } from './types.js';

export const defaultPrinter: Printer = printer(
  [docColumn('Name', 'string', 'ObjectMeta.name', { format: 'name' }), docColumn('Created At', 'date', 'ObjectMeta.creationTimestamp')],
  (o) => [name(o), rfc3339(meta(o).creationTimestamp)],
);
