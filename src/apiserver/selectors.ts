// labelSelector and fieldSelector query parameters -> one filter function.
// TEMPORARY: replaced by src/machinery/labels and src/machinery/fields.

import type { KubeObject } from '../api/types.js';
import type { GenericStore } from './registry/generic-store.js';
import { newBadRequest } from './status.js';

export function listFilterFor(store: GenericStore, query: URLSearchParams): ((obj: KubeObject) => boolean) | undefined {
  const labels = query.get('labelSelector');
  const fields = query.get('fieldSelector');
  const tests: Array<(obj: KubeObject) => boolean> = [];
  if (labels) {
    for (const term of labels.split(',')) {
      const [key, value] = term.split('=');
      if (!key || value === undefined) throw newBadRequest(`unable to parse requirement: ${term}`);
      tests.push((obj) => obj.metadata?.labels?.[key] === value);
    }
  }
  if (fields) {
    for (const term of fields.split(',')) {
      const [key, value] = term.split('=');
      if (!key || value === undefined) throw newBadRequest(`invalid field selector: ${term}`);
      const get =
        key === 'metadata.name' ? (o: KubeObject) => o.metadata?.name ?? '' : key === 'metadata.namespace' ? (o: KubeObject) => o.metadata?.namespace ?? '' : store.strategy.fieldSelectors?.[key];
      if (!get) throw newBadRequest(`field label not supported: ${key}`);
      tests.push((obj) => get(obj) === value);
    }
  }
  if (tests.length === 0) return undefined;
  return (obj) => tests.every((t) => t(obj));
}
