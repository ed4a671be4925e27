// Vocabulary shared by strategic merge patch application and creation:
// directive names, upstream's error texts (mergepatch.Err*), schema lookups
// and the list helpers both sides use.
//
// The algorithms are deep recursions ported from upstream, where every level
// returns `err`. They signal bad input by throwing StrategicMergeError, which
// the public functions in strategic.ts turn into a PatchFailure; it never
// escapes this module group.

import { goFormat, goFormatString, goScalarEqual, goTypeName } from './go.js';
import { getOwn, hasOwn, isJsonObject, jsonKind, type JsonArray, type JsonKind, type JsonObject, type JsonValue } from './json.js';
import { badRequest, unknownError, unprocessable, type PatchFailure } from './result.js';
import type { PatchSchema } from './schema.js';

export const DIRECTIVE_MARKER = '$patch';
export const DELETE_DIRECTIVE = 'delete';
export const REPLACE_DIRECTIVE = 'replace';
export const MERGE_DIRECTIVE = 'merge';
export const RETAIN_KEYS_STRATEGY = 'retainKeys';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';

export const ERR_BAD_JSON_DOC = 'invalid JSON document';
export const ERR_NO_LIST_OF_LISTS = 'lists of lists are not supported';
export const ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
export const ERR_BAD_PATCH_FORMAT_FOR_RETAIN_KEYS = 'invalid patch format of retainKeys';
export const ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST = 'invalid patch format of setElementOrder list';

const MAP_TYPE = 'map[string]interface {}';
const SLICE_TYPE = '[]interface {}';

/**
 * How kube-apiserver answers each failure (interpretStrategicMergePatchError):
 * a few sentinel errors are 400 or 422, any other error is a plain 500.
 */
export type StrategicErrorKind = 'BadRequest' | 'Invalid' | 'Unknown';

export class StrategicMergeError extends Error {
  constructor(
    message: string,
    readonly kind: StrategicErrorKind,
  ) {
    super(message);
    this.name = 'StrategicMergeError';
  }
}

export function fail(message: string, kind: StrategicErrorKind = 'Unknown'): never {
  throw new StrategicMergeError(message, kind);
}

export function errNoMergeKey(item: JsonObject, mergeKey: string): never {
  return fail(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`);
}

export function errBadArgType(expected: 'map' | 'slice', actual: JsonValue | undefined): never {
  return fail(`expected a ${expected === 'map' ? MAP_TYPE : SLICE_TYPE}, but received a ${goTypeName(actual)}`);
}

export function errBadPatchType(directive: JsonValue | undefined, map: JsonObject): never {
  return fail(`unknown patch type: ${goFormatString(directive)} in map: ${goFormat(map)}`);
}

/** Runs a strategic computation, turning its input errors into a failure. */
export function runStrategic<T>(compute: () => T): { readonly ok: true; readonly value: T } | PatchFailure {
  try {
    return { ok: true, value: compute() };
  } catch (error) {
    if (!(error instanceof StrategicMergeError)) throw error;
    return failureFor(error);
  }
}

function failureFor(error: StrategicMergeError): PatchFailure {
  switch (error.kind) {
    case 'BadRequest':
      return badRequest(error.message);
    case 'Invalid':
      return unprocessable(error.message);
    default:
      return unknownError(error.message);
  }
}

// ---------------------------------------------------------------------------
// Schema lookups.

export interface FieldMeta {
  /** Schema of the value (of each item for lists). */
  readonly schema: PatchSchema | undefined;
  /** "merge", "replace" or "" once any retainKeys part is taken out. */
  readonly strategy: string;
  readonly retainKeys: boolean;
  readonly mergeKey: string;
}

export function lookupField(schema: PatchSchema | undefined, key: string): FieldMeta {
  const info = schema?.field(key);
  const strategies = info?.patchStrategy ? info.patchStrategy.split(',') : [];
  const [retainKeys, strategy] = extractRetainKeysPatchStrategy(strategies);
  return { schema: info?.schema, strategy, retainKeys, mergeKey: info?.patchMergeKey ?? '' };
}

/** Splits "merge,retainKeys" into its retainKeys flag and the other strategy. */
function extractRetainKeysPatchStrategy(strategies: readonly string[]): [boolean, string] {
  const [first = '', second = ''] = strategies;
  if (strategies.length === 0) return [false, ''];
  if (strategies.length === 1) return first === RETAIN_KEYS_STRATEGY ? [true, ''] : [false, first];
  if (strategies.length === 2 && first === RETAIN_KEYS_STRATEGY) return [true, second];
  if (strategies.length === 2 && second === RETAIN_KEYS_STRATEGY) return [true, first];
  return fail(`unexpected patch strategy: ${goFormat([...strategies])}`);
}

// ---------------------------------------------------------------------------
// Directive keys.

/** The list field a "$prefix/field" directive key refers to. */
export function extractKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) fail(ERR_BAD_PATCH_FORMAT_FOR_PRIMITIVE_LIST, 'BadRequest');
    if (prefix === SET_ELEMENT_ORDER_PREFIX) fail(ERR_BAD_PATCH_FORMAT_FOR_SET_ELEMENT_ORDER_LIST, 'BadRequest');
    fail(`fail to find unknown prefix ${JSON.stringify(prefix)} in ${key}\n`);
  }
  return key.slice(slash + 1);
}

export function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE_MARKER ||
    key === RETAIN_KEYS_DIRECTIVE ||
    key.startsWith(SET_ELEMENT_ORDER_PREFIX) ||
    key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
  );
}

export function containsDirectiveMarker(item: JsonValue | undefined): boolean {
  return isJsonObject(item) && hasOwn(item, DIRECTIVE_MARKER);
}

// ---------------------------------------------------------------------------
// List helpers.

/**
 * The single kind of the elements of all `lists` (sliceElementType). Lists of
 * lists, mixed kinds and no elements at all are errors upstream.
 */
export function sliceElementKind(lists: readonly JsonArray[]): JsonKind {
  let kind: JsonKind | undefined;
  for (const list of lists) {
    for (const item of list) {
      const current = jsonKind(item);
      if (kind === undefined) {
        kind = current;
        if (kind === 'array') fail(ERR_NO_LIST_OF_LISTS, 'Invalid');
      } else if (kind !== current) {
        fail(`list element types are not identical: ${goFormat([...lists])}`);
      }
    }
  }
  return kind ?? fail('no elements in any of the given slices');
}

/** Whether two items have the same merge key value (or are equal scalars). */
export function mergeKeyValueEqual(left: JsonValue | undefined, right: JsonValue | undefined, mergeKey: string): boolean {
  if (mergeKey === '') return goScalarEqual(left, right);
  if (!isJsonObject(left)) return errBadArgType('map', left);
  if (!isJsonObject(right)) return errBadArgType('map', right);
  if (!hasOwn(left, mergeKey)) return errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) return errNoMergeKey(right, mergeKey);
  return goScalarEqual(left[mergeKey], right[mergeKey]);
}

/** Index of the first map whose `key` equals `value` (findMapInSliceBasedOnKeyValue). */
export function findMapIndex(items: readonly JsonValue[], length: number, key: string, value: JsonValue | undefined): number {
  for (let i = 0; i < length; i++) {
    const item = items[i];
    if (!isJsonObject(item)) return fail(`value for key ${i} is not a map`);
    if (hasOwn(item, key) && goScalarEqual(item[key], value)) return i;
  }
  return -1;
}

/**
 * deduplicateScalars, including its habit of moving the last element into
 * the slot of each duplicate (the resulting order is observable).
 */
export function deduplicateScalars(list: readonly JsonValue[]): JsonValue[] {
  const items = [...list];
  let last = items.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (goScalarEqual(items[i], items[j])) {
        items[j] = items[last] as JsonValue;
        items.length = last;
        last--;
        j--;
      }
    }
  }
  return items;
}

/** Partition items into those present in `partitionBy` and the rest. */
export function partitionPrimitivesByPresentInList(items: readonly JsonValue[], partitionBy: readonly JsonValue[]): [JsonValue[], JsonValue[]] {
  const present = new Set<JsonValue>(partitionBy);
  const inList: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const item of items) (present.has(item) ? inList : rest).push(item);
  return [inList, rest];
}

/** Same for maps, compared by merge key. */
export function partitionMapsByPresentInList(items: readonly JsonValue[], partitionBy: readonly JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const inList: JsonValue[] = [];
  const rest: JsonValue[] = [];
  for (const item of items) {
    if (!isJsonObject(item)) return errBadArgType('map', item);
    if (!hasOwn(item, mergeKey)) return errNoMergeKey(item, mergeKey);
    const found = findMapIndex(partitionBy, partitionBy.length, mergeKey, getOwn(item, mergeKey)) >= 0;
    (found ? inList : rest).push(item);
  }
  return [inList, rest];
}
