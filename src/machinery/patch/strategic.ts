// Strategic merge patch (application/strategic-merge-patch+json): the public
// entry points. Applying is what kube-apiserver does for `kubectl patch`
// (the default type), `kubectl edit` and client-side `kubectl apply` on
// built-in types; creating two- and three-way patches is what kubectl does
// before sending them.

import { cloneJson, isJsonObject, toJsonValue, type JsonObject, type JsonValue } from './json.js';
import { conflictMessage } from './merge-patch.js';
import { checkPreconditions, type PatchPrecondition } from './preconditions.js';
import { badRequest, conflict, success, unsupportedMediaType, type PatchFailure, type PatchResult } from './result.js';
import type { PatchSchema } from './schema.js';
import { APPLY_OPTIONS, MERGE_PATCHES_OPTIONS, mergeMap } from './strategic-apply.js';
import { mapsConflict } from './strategic-conflicts.js';
import { diffMaps, NO_DIFF_OPTIONS } from './strategic-diff.js';
import { runStrategic } from './strategic-common.js';
import { supportedPatchContentTypes, unsupportedMediaTypeMessage } from './content-types.js';

/**
 * Applies a strategic merge patch to a copy of `doc`. `patch` is the decoded
 * request body. `schema` describes the object's type; pass null for types
 * that have no strategic metadata at all (custom resources), which upstream
 * refuses with 415 UnsupportedMediaType. Pass EMPTY_PATCH_SCHEMA instead to
 * apply with JSON-merge semantics plus the directives.
 */
export function applyStrategicMergePatch(doc: JsonObject, patch: unknown, schema: PatchSchema | null): PatchResult<JsonObject> {
  if (schema === null) return strategicMergePatchUnsupported();
  const body = toJsonValue(patch);
  if (body === undefined) return badRequest('json: the patch is not a JSON document');
  // Upstream decodes the body into a map: null leaves it empty, anything
  // else but an object fails.
  if (body === null) return success(cloneJson(doc));
  if (!isJsonObject(body)) return badRequest(`json: cannot unmarshal ${jsonWord(body)} into Go value of type map[string]interface {}`);
  return runStrategic(() => mergeMap(cloneJson(doc), body, schema, APPLY_OPTIONS));
}

/** The 415 upstream answers a strategic merge patch on a custom resource with. */
export function strategicMergePatchUnsupported(): PatchFailure {
  return unsupportedMediaType(unsupportedMediaTypeMessage(supportedPatchContentTypes({ customResource: true })));
}

function jsonWord(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

export interface CreatePatchOptions {
  /** Checked on the computed patch (see requireKeyUnchanged). */
  readonly preconditions?: readonly PatchPrecondition[];
}

/**
 * The patch that turns `original` into `modified` (CreateTwoWayMergePatch),
 * as `kubectl edit` computes it. A null document counts as empty.
 */
export function createTwoWayMergePatch(
  original: JsonObject | null,
  modified: JsonObject | null,
  schema: PatchSchema,
  options: CreatePatchOptions = {},
): PatchResult<JsonObject> {
  const diffOptions = { ...NO_DIFF_OPTIONS, setElementOrder: true };
  const computed = runStrategic(() => diffMaps(cloneJson(original ?? {}), cloneJson(modified ?? {}), schema, diffOptions));
  if (!computed.ok) return computed;
  return checkPreconditions(computed.value, options.preconditions ?? []) ?? computed;
}

export interface ThreeWayPatchOptions extends CreatePatchOptions {
  /**
   * When false, fail if the patch changes a field that also changed between
   * `original` and `current`. kubectl apply passes true (its --overwrite
   * default).
   */
  readonly overwrite?: boolean;
}

/**
 * kubectl apply's patch (CreateThreeWayMergePatch): the additions and changes
 * from `current` (the live object) to `modified` (the new configuration),
 * plus the deletions from `original` (the last-applied configuration) to
 * `modified`, so fields set by others survive.
 */
export function createThreeWayMergePatch(
  original: JsonObject | null,
  modified: JsonObject | null,
  current: JsonObject | null,
  schema: PatchSchema,
  options: ThreeWayPatchOptions = {},
): PatchResult<JsonObject> {
  const originalDoc = cloneJson(original ?? {});
  const modifiedDoc = cloneJson(modified ?? {});
  const currentDoc = cloneJson(current ?? {});
  const computed = runStrategic(() => {
    const delta = diffMaps(currentDoc, modifiedDoc, schema, { ...NO_DIFF_OPTIONS, ignoreDeletions: true, setElementOrder: true });
    const deletions = diffMaps(originalDoc, modifiedDoc, schema, { ...NO_DIFF_OPTIONS, ignoreChangesAndAdditions: true, setElementOrder: true });
    // Both diffs may share values taken from `modified`; merge copies.
    return mergeMap(cloneJson(deletions), cloneJson(delta), schema, MERGE_PATCHES_OPTIONS);
  });
  if (!computed.ok) return computed;
  const patch = computed.value;
  const failed = checkPreconditions(patch, options.preconditions ?? []);
  if (failed !== undefined) return failed;
  if (options.overwrite ?? true) return success(patch);
  const checked = runStrategic(() => {
    const changed = diffMaps(originalDoc, currentDoc, schema, NO_DIFF_OPTIONS);
    return mapsConflict(patch, changed, schema) ? changed : undefined;
  });
  if (!checked.ok) return checked;
  return checked.value === undefined ? success(patch) : conflict(conflictMessage(patch, checked.value));
}

/**
 * Whether two strategic merge patches change some field differently
 * (MergingMapsHaveConflicts).
 */
export function mergingMapsHaveConflicts(left: JsonObject, right: JsonObject, schema: PatchSchema): PatchResult<boolean> {
  return runStrategic(() => mapsConflict(left, right, schema));
}
