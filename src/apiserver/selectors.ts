// labelSelector and fieldSelector query parameters -> one filter function, with
// upstream's parsing, per-kind supported fields and error messages.

import type { KubeObject } from '../api/types.js';
import { fields, labels } from '../machinery/index.js';
import type { GenericStore } from './registry/generic-store.js';
import { newBadRequest } from './status.js';

const META_FIELDS = ['metadata.name', 'metadata.namespace'];
/** Old field names upstream still accepts, mapped to their current names. */
const FIELD_ALIASES: Record<string, Record<string, string>> = { '/pods': { 'spec.host': 'spec.nodeName' } };

/** The field-selectable values of an object of this store's kind. */
function fieldSet(store: GenericStore, obj: KubeObject): Record<string, string> {
  const set: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (store.info.namespaced) set['metadata.namespace'] = obj.metadata?.namespace ?? '';
  for (const [field, get] of Object.entries(store.strategy.fieldSelectors ?? {})) set[field] = get(obj);
  return set;
}

export function listFilterFor(store: GenericStore, query: URLSearchParams): ((obj: KubeObject) => boolean) | undefined {
  const labelText = query.get('labelSelector') ?? '';
  const fieldText = query.get('fieldSelector') ?? '';
  let labelSelector: labels.LabelSelector | undefined;
  if (labelText.trim() !== '') {
    const parsed = labels.parseLabelSelector(labelText);
    if ('error' in parsed) throw newBadRequest(parsed.error);
    if (!parsed.isEmpty()) labelSelector = parsed;
  }
  let fieldSelector: fields.FieldSelector | undefined;
  if (fieldText.trim() !== '') {
    const own = store.strategy.fieldSelectors;
    const converter = own
      ? fields.supportedFieldsConverter([...META_FIELDS, ...Object.keys(own)], FIELD_ALIASES[`${store.info.group}/${store.info.plural}`] ?? {})
      : fields.defaultMetaV1FieldConverter;
    const parsed = fields.parseAndTransformFieldSelector(fieldText, converter);
    if ('error' in parsed) throw newBadRequest(parsed.error);
    if (!parsed.isEmpty()) fieldSelector = parsed;
  }
  if (!labelSelector && !fieldSelector) return undefined;
  return (obj) =>
    (!labelSelector || labelSelector.matches(obj.metadata?.labels ?? {})) && (!fieldSelector || fieldSelector.matches(fieldSet(store, obj)));
}
