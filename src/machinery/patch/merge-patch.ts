// JSON Merge Patch (RFC 7386, application/merge-patch+json) as upstream's
// evanphx/json-patch v4 applies and creates it, plus the three-way variant
// kubectl apply uses for types without strategic merge metadata
// (k8s.io/apimachinery/pkg/util/jsonmergepatch). `kubectl label`,
// `annotate`, `scale` and `patch --type=merge` all send merge patches.

import { stringify } from 'yaml';
import { cloneJson, getOwn, isJsonObject, jsonEqual, jsonKind, setOwn, toJsonValue, type JsonArray, type JsonObject, type JsonValue } from './json.js';
import { checkPreconditions, type PatchPrecondition } from './preconditions.js';
import { badRequest, conflict, success, type PatchResult } from './result.js';

const BAD_JSON_PATCH = 'Invalid JSON Patch';

/**
 * Applies a merge patch to a copy of `doc`: null deletes a member, objects
 * merge recursively, anything else (arrays included) replaces. A null or
 * scalar patch is refused with 400 "Invalid JSON Patch"; an array patch
 * replaces the whole document, which the caller will then fail to decode,
 * exactly as upstream.
 */
export function applyMergePatch(doc: JsonValue, patch: unknown): PatchResult<JsonValue> {
  const body = toJsonValue(patch);
  if (body === undefined || body === null) return badRequest(BAD_JSON_PATCH);
  if (Array.isArray(body)) return success(pruneArrayNulls(body));
  if (!isJsonObject(body)) return badRequest(BAD_JSON_PATCH);
  if (!isJsonObject(doc)) return success(pruneObjectNulls(body));
  const merged = cloneJson(doc);
  mergeObjects(merged, body);
  return success(merged);
}

/** mergeDocs: `patch` is already a private copy, so it may be adopted as is. */
function mergeObjects(target: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      delete target[key];
      continue;
    }
    const current = getOwn(target, key);
    if (current === undefined || current === null) {
      setOwn(target, key, pruneNulls(value));
      continue;
    }
    setOwn(target, key, mergeValue(current, value));
  }
}

function mergeValue(current: JsonValue, patch: JsonValue): JsonValue {
  // Upstream prunes nulls from a replacing value only when the current value
  // is not an object; a non-object replacing an object is kept verbatim.
  if (!isJsonObject(current)) return pruneNulls(patch);
  if (!isJsonObject(patch)) return patch;
  mergeObjects(current, patch);
  return current;
}

function pruneNulls(value: JsonValue): JsonValue {
  if (isJsonObject(value)) return pruneObjectNulls(value);
  if (Array.isArray(value)) return pruneArrayNulls(value);
  return value;
}

function pruneObjectNulls(object: JsonObject): JsonObject {
  for (const key of Object.keys(object)) {
    const value = object[key] as JsonValue;
    if (value === null) delete object[key];
    else pruneNulls(value);
  }
  return object;
}

/** Null elements stay (they are values); objects inside lose their nulls. */
function pruneArrayNulls(array: JsonArray): JsonArray {
  for (const item of array) pruneNulls(item);
  return array;
}

/**
 * The merge patch that turns `original` into `modified` (evanphx
 * CreateMergePatch): changed and added members, and null for removed ones.
 * Lists are compared whole.
 */
export function createMergePatch(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(modified)) {
    const after = modified[key] as JsonValue;
    const before = getOwn(original, key);
    if (before === undefined || jsonKind(before) !== jsonKind(after)) {
      setOwn(patch, key, cloneJson(after));
      continue;
    }
    if (isJsonObject(before) && isJsonObject(after)) {
      const nested = createMergePatch(before, after);
      if (Object.keys(nested).length > 0) setOwn(patch, key, nested);
      continue;
    }
    if (!jsonEqual(before, after)) setOwn(patch, key, cloneJson(after));
  }
  for (const key of Object.keys(original)) {
    if (getOwn(modified, key) === undefined) setOwn(patch, key, null);
  }
  return patch;
}

export interface ThreeWayMergeOptions {
  /** Checked on the computed patch; a failure is returned, not the patch. */
  readonly preconditions?: readonly PatchPrecondition[];
}

/**
 * kubectl apply's patch for types without strategic metadata (custom
 * resources): additions and changes from `current` (the live object) to
 * `modified` (the new configuration), plus deletions from `original` (the
 * last-applied configuration) to `modified`. Fails when a deletion collides
 * with an addition, as upstream.
 */
export function createThreeWayJsonMergePatch(
  original: JsonObject | null,
  modified: JsonObject | null,
  current: JsonObject | null,
  options: ThreeWayMergeOptions = {},
): PatchResult<JsonObject> {
  const originalDoc = original ?? {};
  const modifiedDoc = modified ?? {};
  const currentDoc = current ?? {};
  const additions = filterNulls(createMergePatch(currentDoc, modifiedDoc), false);
  const deletions = filterNulls(createMergePatch(originalDoc, modifiedDoc), true);
  if (hasConflicts(additions, deletions)) {
    return conflict(conflictMessage(additions, deletions));
  }
  const merged = applyMergePatch(deletions, additions);
  if (!merged.ok) return merged;
  const patch = isJsonObject(merged.value) ? merged.value : {};
  const failed = checkPreconditions(patch, options.preconditions ?? []);
  return failed ?? success(patch);
}

/**
 * keepOrDeleteNullInObj: with keepNull, only the deletions (nulls) survive;
 * without, only the rest. An explicitly empty object is a value, not an
 * empty patch, so it is kept with the additions.
 */
function filterNulls(patch: JsonObject, keepNull: boolean): JsonObject {
  const filtered: JsonObject = {};
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      if (keepNull) setOwn(filtered, key, null);
      continue;
    }
    if (isJsonObject(value)) {
      if (Object.keys(value).length === 0) {
        if (!keepNull) setOwn(filtered, key, value);
        continue;
      }
      const nested = filterNulls(value, keepNull);
      if (Object.keys(nested).length > 0) setOwn(filtered, key, nested);
      continue;
    }
    if (!keepNull) setOwn(filtered, key, value);
  }
  return filtered;
}

/**
 * mergepatch.HasConflicts: true when both patches set a common key to
 * different values (objects recursively, lists element by element).
 */
export function hasConflicts(left: JsonValue, right: JsonValue): boolean {
  if (isJsonObject(left)) {
    if (!isJsonObject(right)) return true;
    return Object.keys(left).some((key) => {
      const rightValue = getOwn(right, key);
      return rightValue !== undefined && hasConflicts(left[key] as JsonValue, rightValue);
    });
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return true;
    return left.some((item, i) => hasConflicts(item, right[i] as JsonValue));
  }
  return !jsonEqual(left, right);
}

/** mergepatch.NewErrConflict with both sides rendered as YAML. */
export function conflictMessage(patch: JsonValue, changes: JsonValue): string {
  return `patch:\n${toYaml(patch)}\nconflicts with changes made from original to current:\n${toYaml(changes)}\n`;
}

function toYaml(value: JsonValue): string {
  return stringify(value, { sortMapEntries: true });
}
