// Computing a strategic merge patch from two documents (upstream diffMaps and
// friends), as kubectl does for `kubectl edit` and client-side
// `kubectl apply`. The patch adds and changes fields, sets removed fields to
// null, deletes merge-list items with `$patch: delete`, removes primitives
// with `$deleteFromPrimitiveList/<field>`, records list order with
// `$setElementOrder/<field>` and, for retainKeys fields, lists the fields to
// keep in `$retainKeys`.

import { compareGoStrings, goFormat } from './go.js';
import { getOwn, hasOwn, isJsonObject, jsonEqual, jsonKind, setOwn, type JsonArray, type JsonKind, type JsonObject, type JsonValue } from './json.js';
import type { PatchSchema } from './schema.js';
import {
  DELETE_DIRECTIVE,
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  DIRECTIVE_MARKER,
  MERGE_DIRECTIVE,
  REPLACE_DIRECTIVE,
  RETAIN_KEYS_DIRECTIVE,
  SET_ELEMENT_ORDER_PREFIX,
  deduplicateScalars,
  errBadArgType,
  errNoMergeKey,
  fail,
  lookupField,
  mergeKeyValueEqual,
  sliceElementKind,
} from './strategic-common.js';
import { normalizeSliceOrder, sortMapsByField, sortScalars } from './strategic-order.js';

export interface DiffOptions {
  /** Emit `$setElementOrder` lists. */
  readonly setElementOrder: boolean;
  /** Leave additions and changes out (only deletions). */
  readonly ignoreChangesAndAdditions: boolean;
  /** Leave deletions out (only additions and changes). */
  readonly ignoreDeletions: boolean;
  /** Emit `$retainKeys` for this map (its field has the retainKeys strategy). */
  readonly buildRetainKeysDirective: boolean;
}

export const NO_DIFF_OPTIONS: DiffOptions = {
  setElementOrder: false,
  ignoreChangesAndAdditions: false,
  ignoreDeletions: false,
  buildRetainKeysDirective: false,
};

/** The patch that turns `original` into `modified`. Both must be private copies. */
export function diffMaps(original: JsonObject, modified: JsonObject, schema: PatchSchema | undefined, options: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: JsonValue[] = [];
  for (const key of Object.keys(modified)) {
    const modifiedValue = modified[key] as JsonValue;
    if (options.buildRetainKeysDirective && modifiedValue !== null) retainKeys.push(key);
    diffField(key, getOwn(original, key), modifiedValue, patch, schema, options);
  }
  if (!options.ignoreDeletions) {
    for (const key of Object.keys(original)) {
      if (!hasOwn(modified, key)) setOwn(patch, key, null);
    }
  }
  // Sending $retainKeys is only needed when something changes or a field
  // present in `original` has to be cleared.
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalField(original, modified))) {
    setOwn(patch, RETAIN_KEYS_DIRECTIVE, sortScalars(retainKeys));
  }
  return patch;
}

function diffField(
  key: string,
  originalValue: JsonValue | undefined,
  modifiedValue: JsonValue,
  patch: JsonObject,
  schema: PatchSchema | undefined,
  options: DiffOptions,
): void {
  if (originalValue === undefined || (key !== DIRECTIVE_MARKER && jsonKind(originalValue) !== jsonKind(modifiedValue))) {
    if (!options.ignoreChangesAndAdditions) setOwn(patch, key, modifiedValue);
    return;
  }
  if (key === DIRECTIVE_MARKER) {
    diffDirectiveMarker(originalValue, modifiedValue, patch);
  } else if (isJsonObject(originalValue)) {
    diffMapField(key, originalValue, modifiedValue as JsonObject, patch, schema, options);
  } else if (Array.isArray(originalValue)) {
    diffListField(key, originalValue, modifiedValue as JsonArray, patch, schema, options);
  } else {
    replaceIfNotEqual(key, originalValue, modifiedValue, patch, options);
  }
}

function diffDirectiveMarker(originalValue: JsonValue, modifiedValue: JsonValue, patch: JsonObject): void {
  if (typeof originalValue !== 'string' || typeof modifiedValue !== 'string') fail(`invalid value for special key: ${DIRECTIVE_MARKER}`);
  if (originalValue !== modifiedValue) setOwn(patch, DIRECTIVE_MARKER, modifiedValue);
}

function replaceIfNotEqual(key: string, originalValue: JsonValue, modifiedValue: JsonValue, patch: JsonObject, options: DiffOptions): void {
  if (options.ignoreChangesAndAdditions || jsonEqual(originalValue, modifiedValue)) return;
  setOwn(patch, key, modifiedValue);
}

function diffMapField(
  key: string,
  originalValue: JsonObject,
  modifiedValue: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
  options: DiffOptions,
): void {
  const meta = lookupField(schema, key);
  if (meta.strategy === REPLACE_DIRECTIVE) {
    // The whole map is sent whenever changes are wanted, equal or not.
    if (!options.ignoreChangesAndAdditions) setOwn(patch, key, modifiedValue);
    return;
  }
  const nested = diffMaps(originalValue, modifiedValue, meta.schema, { ...options, buildRetainKeysDirective: meta.retainKeys });
  if (Object.keys(nested).length > 0) setOwn(patch, key, nested);
}

function diffListField(
  key: string,
  originalValue: JsonArray,
  modifiedValue: JsonArray,
  patch: JsonObject,
  schema: PatchSchema | undefined,
  options: DiffOptions,
): void {
  const meta = lookupField(schema, key);
  if (meta.strategy !== MERGE_DIRECTIVE) {
    replaceIfNotEqual(key, originalValue, modifiedValue, patch, options);
    return;
  }
  const itemOptions = { ...options, buildRetainKeysDirective: meta.retainKeys };
  const diff = diffLists(originalValue, modifiedValue, meta.schema, meta.mergeKey, itemOptions);
  if (diff.patch.length > 0) setOwn(patch, key, diff.patch);
  if (diff.deletions.length > 0) setOwn(patch, `${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/${key}`, diff.deletions);
  if (diff.order.length > 0) setOwn(patch, `${SET_ELEMENT_ORDER_PREFIX}/${key}`, diff.order);
}

interface ListDiff {
  /** Items to merge (for maps, deletion directives included). */
  readonly patch: JsonArray;
  /** Primitives to delete. */
  readonly deletions: JsonArray;
  /** The `$setElementOrder` list, or empty. */
  readonly order: JsonArray;
}

const EMPTY_LIST_DIFF: ListDiff = { patch: [], deletions: [], order: [] };

function diffLists(original: JsonArray, modified: JsonArray, schema: PatchSchema | undefined, mergeKey: string, options: DiffOptions): ListDiff {
  if (original.length === 0) {
    if (modified.length === 0 || options.ignoreChangesAndAdditions) return EMPTY_LIST_DIFF;
    return { patch: modified, deletions: [], order: [] };
  }
  const kind = sliceElementKind([original, modified]);
  return kind === 'object' ? diffListsOfMaps(original, modified, schema, mergeKey, options) : diffListsOfScalars(original, modified, mergeKey, kind, options);
}

function diffListsOfMaps(original: JsonArray, modified: JsonArray, schema: PatchSchema | undefined, mergeKey: string, options: DiffOptions): ListDiff {
  const [changes, deletions] = compareMapLists(original, modified, schema, mergeKey, options);
  const patch = [...normalizeSliceOrder(changes, modified, mergeKey, 'object'), ...deletions];
  const orderSame = isOrderSame(original, modified, mergeKey);
  const wantOrder =
    options.setElementOrder &&
    ((!options.ignoreChangesAndAdditions && (patch.length > 0 || !orderSame)) || (!options.ignoreDeletions && patch.length > 0));
  // Each entry of the order list carries only the merge key.
  const order = wantOrder ? modified.map((item) => ({ [mergeKey]: (item as JsonObject)[mergeKey] ?? null })) : [];
  return { patch, deletions: [], order };
}

/**
 * Walks both lists sorted by merge key: matching items recurse, new items are
 * added whole, missing items become `{<mergeKey>: v, $patch: delete}`.
 */
function compareMapLists(
  original: JsonArray,
  modified: JsonArray,
  schema: PatchSchema | undefined,
  mergeKey: string,
  options: DiffOptions,
): [JsonArray, JsonArray] {
  const changes: JsonArray = [];
  const deletions: JsonArray = [];
  const before = sortMapsByField(original, mergeKey);
  const after = sortMapsByField(modified, mergeKey);
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const left = i < before.length ? mapWithMergeKey(before[i], mergeKey) : undefined;
    const right = j < after.length ? mapWithMergeKey(after[j], mergeKey) : undefined;
    const order = left === undefined ? 1 : right === undefined ? -1 : compareGoStrings(goFormat(left.key), goFormat(right.key));
    if (order === 0 && left !== undefined && right !== undefined) {
      const nested = diffMaps(left.map, right.map, schema, options);
      if (Object.keys(nested).length > 0) {
        setOwn(nested, mergeKey, right.key);
        changes.push(nested);
      }
      i++;
      j++;
    } else if (order > 0 && right !== undefined) {
      if (!options.ignoreChangesAndAdditions) changes.push(right.map);
      j++;
    } else if (left !== undefined) {
      if (!options.ignoreDeletions) deletions.push({ [mergeKey]: left.key, [DIRECTIVE_MARKER]: DELETE_DIRECTIVE });
      i++;
    }
  }
  return [changes, deletions];
}

function mapWithMergeKey(item: JsonValue | undefined, mergeKey: string): { readonly map: JsonObject; readonly key: JsonValue } {
  if (!isJsonObject(item)) return errBadArgType('map', item);
  if (!hasOwn(item, mergeKey)) return errNoMergeKey(item, mergeKey);
  return { map: item, key: item[mergeKey] as JsonValue };
}

function isOrderSame(original: JsonArray, modified: JsonArray, mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  return modified.every((item, i) => mergeKeyValueEqual(original[i], item, mergeKey));
}

function diffListsOfScalars(original: JsonArray, modified: JsonArray, mergeKey: string, kind: JsonKind, options: DiffOptions): ListDiff {
  // Upstream sorts `original` in place here and later compares the sorted
  // copy with `modified`, so an unchanged but unsorted list still yields a
  // $setElementOrder list; reproduce that.
  const before = sortScalars(original);
  const after = sortScalars(modified);
  const additions: JsonArray = [];
  const removals: JsonArray = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const order = i >= before.length ? 1 : j >= after.length ? -1 : compareGoStrings(goFormat(before[i]), goFormat(after[j]));
    if (order === 0) {
      i++;
      j++;
    } else if (order > 0) {
      if (!options.ignoreChangesAndAdditions) additions.push(after[j] as JsonValue);
      j++;
    } else {
      if (!options.ignoreDeletions) removals.push(before[i] as JsonValue);
      i++;
    }
  }
  const deletions = deduplicateScalars(removals);
  const patch = normalizeSliceOrder(additions, modified, mergeKey, kind);
  const wantOrder =
    options.setElementOrder &&
    ((!options.ignoreDeletions && deletions.length > 0) || (!options.ignoreChangesAndAdditions && !jsonEqual(before, modified)));
  return { patch, deletions, order: wantOrder ? modified : [] };
}

/** True when `original` has a non-null field that `modified` lacks. */
function hasAdditionalField(original: JsonObject, modified: JsonObject): boolean {
  return Object.keys(original).some((key) => original[key] !== null && !hasOwn(modified, key));
}
