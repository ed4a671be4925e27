// List ordering in strategic merge patch. A merged list keeps the patch's
// order for the items the patch mentions and the live order for the others,
// interleaving them by their positions in the live list. The comparisons are
// ported step for step because clients see the resulting order
// (design: community/contributors/design-proposals/cli/preserve-order-in-strategic-merge-patch.md).

import { compareGoStrings, goFormat, goSliceStable } from './go.js';
import { getOwn, hasOwn, isJsonObject, type JsonKind, type JsonPrimitive, type JsonValue } from './json.js';
import { DELETE_DIRECTIVE, DIRECTIVE_MARKER, errBadArgType, errNoMergeKey } from './strategic-common.js';

/**
 * Orders `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then
 * interleaves them (normalizeElementOrder).
 */
export function normalizeElementOrder(
  patchItems: readonly JsonValue[],
  serverOnly: readonly JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: JsonKind,
): JsonValue[] {
  const sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}

/** Sorts `items` by their position in `order`; deletion directives go last. */
export function normalizeSliceOrder(items: readonly JsonValue[], order: readonly JsonValue[], mergeKey: string, kind: JsonKind): JsonValue[] {
  let toSort = [...items];
  let toDelete: JsonValue[] = [];
  if (kind === 'object') {
    validateMergeKeyInLists(mergeKey, [toSort, order]);
    [toSort, toDelete] = extractToDeleteItems(toSort);
  }
  const position = positionsIn(order, mergeKey, kind);
  goSliceStable(toSort, (a, b) => {
    const ia = position(a);
    if (ia >= 0) {
      const ib = position(b);
      if (ib >= 0) return ia < ib;
    }
    // Upstream treats an item missing from the order as "less"; the stable
    // sort above reproduces what that does.
    return true;
  });
  return [...toSort, ...toDelete];
}

/**
 * Interleaves two sorted lists: an item of `left` (server-only) goes before
 * the next item of `right` (from the patch) only when both are in
 * `serverOrder` and it comes first there (mergeSortedSlice).
 */
function mergeSortedSlice(
  left: readonly JsonValue[],
  right: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string,
  kind: JsonKind,
): JsonValue[] {
  const position = positionsIn(serverOrder, mergeKey, kind);
  const leftComesFirst = (l: JsonValue, r: JsonValue): boolean => {
    const li = position(l);
    const ri = position(r);
    return li >= 0 && ri >= 0 && li < ri;
  };
  const merged: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) merged.push(right[j++] as JsonValue);
    else if (j >= right.length) merged.push(left[i++] as JsonValue);
    else if (leftComesFirst(left[i] as JsonValue, right[j] as JsonValue)) merged.push(left[i++] as JsonValue);
    else merged.push(right[j++] as JsonValue);
  }
  return merged;
}

/**
 * Position of an item in `list` (upstream's index): the first entry with the
 * same merge key value for maps, the same value for primitives, compared as
 * Go compares interface values. Built once per list because the sorts above
 * ask for it in their comparators.
 */
function positionsIn(list: readonly JsonValue[], mergeKey: string, kind: JsonKind): (item: JsonValue) => number {
  const identity = (value: JsonValue): JsonValue => {
    if (kind !== 'object') return value;
    return (isJsonObject(value) ? getOwn(value, mergeKey) : undefined) ?? null;
  };
  const positions = new Map<JsonPrimitive, number>();
  list.forEach((candidate, index) => {
    const id = identity(candidate);
    if (isScalar(id) && !positions.has(id)) positions.set(id, index);
  });
  return (item) => {
    const id = identity(item);
    return isScalar(id) ? (positions.get(id) ?? -1) : -1;
  };
}

// Maps and lists are not comparable in Go, so they never match.
function isScalar(value: JsonValue): value is JsonPrimitive {
  return value === null || typeof value !== 'object';
}

/** Every item of every list must be a map carrying the merge key. */
function validateMergeKeyInLists(mergeKey: string, lists: readonly (readonly JsonValue[])[]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isJsonObject(item)) errBadArgType('map', item);
      if (!hasOwn(item, mergeKey)) errNoMergeKey(item, mergeKey);
    }
  }
}

/** Splits off the items carrying `$patch: delete`. */
export function extractToDeleteItems(items: readonly JsonValue[]): [JsonValue[], JsonValue[]] {
  const keep: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const item of items) {
    if (!isJsonObject(item)) return errBadArgType('map', item);
    (getOwn(item, DIRECTIVE_MARKER) === DELETE_DIRECTIVE ? toDelete : keep).push(item);
  }
  return [keep, toDelete];
}

/** Scalars sorted by their %v text (sortScalars). */
export function sortScalars(items: readonly JsonValue[]): JsonValue[] {
  return [...items].sort((a, b) => compareGoStrings(goFormat(a), goFormat(b)));
}

/** Maps sorted by the %v text of their merge key (sortMapsBasedOnField). */
export function sortMapsByField(items: readonly JsonValue[], field: string): JsonValue[] {
  const keyOf = (item: JsonValue): string => goFormat(isJsonObject(item) ? getOwn(item, field) : undefined);
  return [...items].sort((a, b) => compareGoStrings(keyOf(a), keyOf(b)));
}
