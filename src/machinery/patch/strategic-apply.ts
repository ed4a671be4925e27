// Applying a strategic merge patch (upstream mergeMap and friends). The same
// code also merges two patches into one when kubectl computes a three-way
// patch; MergeOptions tells the two uses apart.
//
// Everything here mutates `original` in place, like upstream: callers pass
// private copies. One consequence is deliberate: when list items are deleted
// by `$patch: delete` and new items appended, upstream compacts the live
// list's backing array in place and appends into the freed slots, and the
// final ordering step then reads that shuffled array. Mutating the same JS
// array the same way reproduces upstream's resulting order.

import { goFormat } from './go.js';
import { getOwn, hasOwn, isJsonObject, jsonEqual, jsonKind, setOwn, type JsonArray, type JsonKind, type JsonObject, type JsonValue } from './json.js';
import type { PatchSchema } from './schema.js';
import {
  DELETE_DIRECTIVE,
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  DIRECTIVE_MARKER,
  ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS,
  ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST,
  MERGE_DIRECTIVE,
  REPLACE_DIRECTIVE,
  RETAIN_KEYS_DIRECTIVE,
  SET_ELEMENT_ORDER_PREFIX,
  containsDirectiveMarker,
  deduplicateScalars,
  errBadArgType,
  errBadPatchType,
  errNoMergeKey,
  extractKey,
  fail,
  findMapIndex,
  isDirectiveKey,
  lookupField,
  mergeKeyValueEqual,
  partitionMapsByPresentInList,
  partitionPrimitivesByPresentInList,
  sliceElementKind,
} from './strategic-common.js';
import { extractToDeleteItems, normalizeElementOrder } from './strategic-order.js';

export interface MergeOptions {
  /**
   * Applying a patch to an object (true) rather than merging two patches
   * (false): parallel lists ($deleteFromPrimitiveList, $setElementOrder,
   * $retainKeys) are executed instead of carried over.
   */
  readonly mergeParallelList: boolean;
  /** Drop nulls that match nothing instead of keeping them in the result. */
  readonly ignoreUnmatchedNulls: boolean;
}

export const APPLY_OPTIONS: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };
export const MERGE_PATCHES_OPTIONS: MergeOptions = { mergeParallelList: false, ignoreUnmatchedNulls: false };

/** Merges `patch` into `original` and returns the result (mergeMap). */
export function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined, options: MergeOptions): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch, options);
  applyRetainKeysDirective(original, patch, options);
  mergePatchIntoOriginal(original, patch, schema, options);
  for (const key of Object.keys(patch)) mergeField(original, key, patch[key] as JsonValue, schema, options);
  return original;
}

/** `$patch` at map level: replace the map with the patch, or delete it. */
function handleDirectiveInMergeMap(directive: JsonValue | undefined, patch: JsonObject, options: MergeOptions): JsonObject {
  if (directive === REPLACE_DIRECTIVE) {
    delete patch[DIRECTIVE_MARKER];
    return adopt(patch, options) as JsonObject;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  return errBadPatchType(directive, patch);
}

function mergeField(original: JsonObject, patchKey: string, patchValue: JsonValue, schema: PatchSchema | undefined, options: MergeOptions): void {
  let key = patchKey;
  let isDeleteList = false;
  if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
    if (!options.mergeParallelList) {
      // Merging patches: carry the deletion list over untouched.
      setOwn(original, patchKey, patchValue);
      return;
    }
    key = extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
    isDeleteList = true;
  }
  if (patchValue === null) {
    delete original[key];
    if (options.ignoreUnmatchedNulls) return;
  }
  const current = getOwn(original, key);
  if (current === undefined || jsonKind(current) !== jsonKind(patchValue)) {
    if (!isDeleteList) setOwn(original, key, adopt(patchValue, options));
    return;
  }
  if (isJsonObject(current)) {
    const meta = lookupField(schema, key);
    setOwn(original, key, mergeMapHandler(current, patchValue as JsonObject, meta.schema, meta.strategy, options));
  } else if (Array.isArray(current)) {
    const meta = lookupField(schema, key);
    setOwn(original, key, mergeSliceHandler(current, patchValue as JsonArray, meta.schema, meta.strategy, meta.mergeKey, isDeleteList, options));
  } else {
    setOwn(original, key, patchValue);
  }
}

function mergeMapHandler(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined, strategy: string, options: MergeOptions): JsonObject {
  if (strategy === REPLACE_DIRECTIVE) return adopt(patch, options) as JsonObject;
  return mergeMap(original, patch, schema, options);
}

function mergeSliceHandler(
  original: JsonArray,
  patch: JsonArray,
  schema: PatchSchema | undefined,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
  options: MergeOptions,
): JsonArray {
  if (strategy !== MERGE_DIRECTIVE) return adopt(patch, options) as JsonArray;
  return mergeSlice(original, patch, schema, mergeKey, options, isDeleteList);
}

/**
 * Takes a patch value into the result where upstream copies it verbatim.
 * Upstream then decodes the result into a Go struct, which silently drops
 * nulls and leftover directive keys; Skiff stores JSON, so applying a patch
 * drops them here instead. Merging two patches keeps everything.
 */
function adopt(value: JsonValue, options: MergeOptions): JsonValue {
  if (!options.mergeParallelList && !options.ignoreUnmatchedNulls) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = adopt(value[i] as JsonValue, options);
    return value;
  }
  if (!isJsonObject(value)) return value;
  for (const key of Object.keys(value)) {
    const item = value[key] as JsonValue;
    if ((options.ignoreUnmatchedNulls && item === null) || (options.mergeParallelList && isDirectiveKey(key))) delete value[key];
    else setOwn(value, key, adopt(item, options));
  }
  return value;
}

// ---------------------------------------------------------------------------
// Lists.

/** A Go slice header over a shared backing array: the first `length` items count. */
interface SliceView {
  readonly items: JsonValue[];
  length: number;
}

function mergeSlice(
  original: JsonArray,
  patch: JsonArray,
  schema: PatchSchema | undefined,
  mergeKey: string,
  options: MergeOptions,
  isDeleteList: boolean,
): JsonArray {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind([original, patch]);
  if (kind !== 'object') return mergeScalarSlice(original, patch, options, isDeleteList, kind);
  if (mergeKey === '') return fail(`cannot merge lists without merge key for ${schema?.name ?? ''}`);
  const special = mergeSliceWithSpecialElements(original, patch, mergeKey, options);
  const merged = mergeSliceWithoutSpecialElements(special.original, special.patch, mergeKey, schema, options);
  const serverOrder = special.original.items.slice(0, special.original.length);
  const [patchItems, serverOnly] = partitionMapsByPresentInList(merged, special.patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, special.patch, serverOrder, mergeKey, kind);
}

/** Lists of primitives merge as a set union, or lose the listed values. */
function mergeScalarSlice(original: JsonArray, patch: JsonArray, options: MergeOptions, isDeleteList: boolean, kind: JsonKind): JsonArray {
  if (options.mergeParallelList && isDeleteList) {
    const remove = new Set<JsonValue>(patch);
    return original.filter((item) => !remove.has(item));
  }
  const merged = deduplicateScalars([...original, ...patch]);
  const [patchItems, serverOnly] = partitionPrimitivesByPresentInList(merged, patch);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, '', kind);
}

/**
 * Executes `$patch` items (delete by key, replace the whole list) and returns
 * the remaining patch items. Deletions compact `original` in place.
 */
function mergeSliceWithSpecialElements(
  original: JsonArray,
  patch: JsonArray,
  mergeKey: string,
  options: MergeOptions,
): { readonly original: SliceView; readonly patch: JsonArray } {
  const view: SliceView = { items: original, length: original.length };
  const rest: JsonArray = [];
  let replace = false;
  for (const value of patch) {
    const item = value as JsonObject;
    if (!hasOwn(item, DIRECTIVE_MARKER)) {
      rest.push(item);
      continue;
    }
    const directive = item[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasOwn(item, mergeKey)) errNoMergeKey(item, mergeKey);
      deleteMatchingEntries(view, mergeKey, item[mergeKey]);
    } else if (directive === REPLACE_DIRECTIVE) {
      // Keep scanning: later `$patch` items are dropped, not merged.
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      fail('merging lists cannot yet be specified in the patch');
    } else {
      errBadPatchType(directive, item);
    }
  }
  if (!replace) return { original: view, patch: rest };
  const replacement = rest.map((item) => adopt(item, options));
  return { original: { items: replacement, length: replacement.length }, patch: [] };
}

/** Removes every item whose merge key matches, shifting the rest left in place. */
function deleteMatchingEntries(view: SliceView, mergeKey: string, value: JsonValue | undefined): void {
  for (;;) {
    const index = findMapIndex(view.items, view.length, mergeKey, value);
    if (index < 0) return;
    for (let i = index; i < view.length - 1; i++) view.items[i] = view.items[i + 1] as JsonValue;
    view.length--;
  }
}

/**
 * Merges patch items into the items with the same merge key and appends the
 * others. Appends reuse the slots freed by deletions, as Go's append does
 * while the backing array has room.
 */
function mergeSliceWithoutSpecialElements(
  view: SliceView,
  patch: JsonArray,
  mergeKey: string,
  schema: PatchSchema | undefined,
  options: MergeOptions,
): JsonArray {
  let items = view.items;
  let length = view.length;
  for (const value of patch) {
    const item = value as JsonObject;
    if (!hasOwn(item, mergeKey)) errNoMergeKey(item, mergeKey);
    const index = findMapIndex(items, length, mergeKey, item[mergeKey]);
    if (index >= 0) {
      items[index] = mergeMap(items[index] as JsonObject, item, schema, options);
      continue;
    }
    if (items === view.items && length >= items.length) items = items.slice(0, length);
    items[length++] = adopt(item, options);
  }
  return items.slice(0, length);
}

// ---------------------------------------------------------------------------
// Parallel lists.

/** `$retainKeys`: clear every field of `original` the list does not name. */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject, options: MergeOptions): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE] as JsonValue;
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!options.mergeParallelList) {
    carryRetainKeys(original, retainKeys);
    return;
  }
  if (!Array.isArray(retainKeys)) fail(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS, 'BadRequest');
  const keep = new Set<JsonValue>(retainKeys);
  for (const key of Object.keys(patch)) {
    if (patch[key] === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    // Every field the patch sets must be retained.
    if (!keep.has(key)) fail(ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS, 'BadRequest');
  }
  for (const key of Object.keys(original)) {
    if (!keep.has(key)) delete original[key];
  }
}

/** Merging two patches: both must agree on the directive. */
function carryRetainKeys(original: JsonObject, retainKeys: JsonValue): void {
  const existing = getOwn(original, RETAIN_KEYS_DIRECTIVE);
  if (existing === undefined) {
    setOwn(original, RETAIN_KEYS_DIRECTIVE, retainKeys);
  } else if (!jsonEqual(existing, retainKeys)) {
    fail(`${goFormat(existing)} and ${goFormat(retainKeys)} are not deep equal: this may happen when calculating the 3-way diff patch`);
  }
}

/**
 * `$setElementOrder/<list>`: merges the named list (when the patch has it)
 * and orders the result: directive order first, then the patch's, then the
 * live object's (mergePatchIntoOriginal).
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema | undefined, options: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX) || !hasOwn(patch, key)) continue;
    const order = patch[key] as JsonValue;
    if (!options.mergeParallelList) carrySetElementOrder(original, key, order);
    delete patch[key];
    if (!Array.isArray(order)) errBadArgType('slice', order);
    const listKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const ordered = orderedList(original, patch, listKey, order, schema, options);
    if (ordered === undefined) continue;
    setOwn(original, listKey, ordered);
    delete patch[listKey];
  }
}

function carrySetElementOrder(original: JsonObject, key: string, order: JsonValue): void {
  const existing = getOwn(original, key);
  if (existing === undefined) setOwn(original, key, order);
  else if (!jsonEqual(existing, order)) fail(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST, 'BadRequest');
}

function listValue(container: JsonObject, key: string): JsonArray | undefined {
  const value = getOwn(container, key);
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : errBadArgType('slice', value);
}

/** The merged and reordered list for one `$setElementOrder`, or undefined when neither side has it. */
function orderedList(
  original: JsonObject,
  patch: JsonObject,
  listKey: string,
  order: JsonArray,
  schema: PatchSchema | undefined,
  options: MergeOptions,
): JsonArray | undefined {
  const originalList = listValue(original, listKey);
  const patchList = listValue(patch, listKey);
  const meta = lookupField(schema, listKey);
  validatePatchWithSetOrderList(patchList ?? [], order, meta.mergeKey);
  let merged: JsonArray;
  if (originalList !== undefined && patchList !== undefined) {
    merged = mergeSliceHandler(originalList, patchList, meta.schema, meta.strategy, meta.mergeKey, false, options);
  } else if (originalList !== undefined) {
    merged = originalList;
  } else if (patchList !== undefined) {
    merged = patchList;
  } else {
    return undefined;
  }
  const [inOrder, serverOnly] =
    meta.mergeKey === '' ? partitionPrimitivesByPresentInList(merged, order) : partitionMapsByPresentInList(merged, order, meta.mergeKey);
  // `originalList` was possibly compacted in place by the merge above; the
  // ordering deliberately reads it as it now is (see the file comment).
  const serverOrder = originalList ?? [];
  const kind = sliceElementKind([serverOrder, patchList ?? []]);
  const ordered = normalizeElementOrder(inOrder, serverOnly, order, serverOrder, meta.mergeKey, kind);
  return originalList === undefined ? (adopt(ordered, options) as JsonArray) : ordered;
}

/**
 * The patch list must be a subsequence of the order list (deletions aside),
 * or the order would contradict the patch.
 */
function validatePatchWithSetOrderList(patchList: JsonArray, order: JsonArray, mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey === '' ? patchList : extractToDeleteItems(patchList)[0];
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (containsDirectiveMarker(items[p])) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(items[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < items.length && o >= order.length) {
    fail(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goFormat(order)}\n`);
  }
}

