// Conflict detection between two strategic merge patches
// (MergingMapsHaveConflicts): kubectl apply without --overwrite refuses a
// patch that changes a field differently from how the live object changed it
// since the last apply.

import { goFormat, goFormatString, goScalarEqual } from './go.js';
import { getOwn, hasOwn, isJsonObject, jsonEqual, type JsonArray, type JsonObject, type JsonValue } from './json.js';
import type { PatchSchema } from './schema.js';
import { DIRECTIVE_MARKER, MERGE_DIRECTIVE, REPLACE_DIRECTIVE, RETAIN_KEYS_DIRECTIVE, deduplicateScalars, fail, lookupField, sliceElementKind } from './strategic-common.js';
import { sortScalars } from './strategic-order.js';

export function mapsConflict(left: JsonObject, right: JsonObject, schema: PatchSchema | undefined): boolean {
  return fieldsConflict(left, right, schema, '', '');
}

function fieldsConflict(left: JsonValue, right: JsonValue, schema: PatchSchema | undefined, strategy: string, mergeKey: string): boolean {
  if (isJsonObject(left)) {
    if (!isJsonObject(right)) return true;
    return objectsConflict(left, right, schema, strategy);
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return true;
    return listsConflict(left, right, schema, strategy, mergeKey);
  }
  return !jsonEqual(left, right);
}

function objectsConflict(left: JsonObject, right: JsonObject, schema: PatchSchema | undefined, strategy: string): boolean {
  // A directive acts on the whole map, so it conflicts with anything but the
  // same directive.
  const leftMarker = getOwn(left, DIRECTIVE_MARKER);
  const rightMarker = getOwn(right, DIRECTIVE_MARKER);
  if (leftMarker !== undefined || rightMarker !== undefined) {
    if (leftMarker === undefined || rightMarker === undefined) return true;
    if (!goScalarEqual(leftMarker, rightMarker)) return true;
  }
  if (strategy === REPLACE_DIRECTIVE) return false;
  return Object.keys(left).some((key) => {
    if (key === DIRECTIVE_MARKER || key === RETAIN_KEYS_DIRECTIVE || !hasOwn(right, key)) return false;
    const meta = lookupField(schema, key);
    return fieldsConflict(left[key] as JsonValue, right[key] as JsonValue, meta.schema, meta.strategy, meta.mergeKey);
  });
}

function listsConflict(left: JsonArray, right: JsonArray, schema: PatchSchema | undefined, strategy: string, mergeKey: string): boolean {
  const kind = sliceElementKind([left, right]);
  if (strategy === MERGE_DIRECTIVE) {
    // Merging lists of scalars never conflict; maps conflict item by item.
    if (kind !== 'object') return false;
    const leftItems = itemsByMergeKey(left, mergeKey);
    const rightItems = itemsByMergeKey(right, mergeKey);
    for (const [key, item] of leftItems) {
      const other = rightItems.get(key);
      if (other !== undefined && fieldsConflict(item, other, schema, '', '')) return true;
    }
    return false;
  }
  if (left.length !== right.length) return true;
  const [l, r] = kind === 'object' ? [left, right] : [sortScalars(deduplicateScalars(left)), sortScalars(deduplicateScalars(right))];
  return l.some((item, i) => fieldsConflict(item, r[i] as JsonValue, schema, '', ''));
}

function itemsByMergeKey(list: JsonArray, mergeKey: string): Map<string, JsonObject> {
  const items = new Map<string, JsonObject>();
  for (const item of list) {
    if (!isJsonObject(item)) fail(`invalid element type in merging list:${goFormat(list)}`);
    if (!hasOwn(item, mergeKey)) fail(`cannot find merge key \`${mergeKey}\` in merging list element:${goFormat(item)}`);
    items.set(goFormatString(item[mergeKey]), item);
  }
  return items;
}
