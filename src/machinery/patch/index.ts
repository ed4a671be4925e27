// Public face of machinery/patch: the three PATCH formats kube-apiserver
// applies (JSON Patch, JSON Merge Patch, strategic merge patch) with
// upstream's semantics and error texts, the patch creation kubectl performs
// (two- and three-way), and the schema strategic merge patch is driven by.
// Pure: no I/O imports. Bad input is a returned PatchFailure, never a throw.

export type { JsonArray, JsonObject, JsonPrimitive, JsonValue } from './json.js';
export type { PatchFailure, PatchResult, PatchStatus, PatchStatusReason, PatchSuccess } from './result.js';

export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';
export {
  applyMergePatch,
  createMergePatch,
  createThreeWayJsonMergePatch,
  hasConflicts,
  type ThreeWayMergeOptions,
} from './merge-patch.js';
export {
  applyStrategicMergePatch,
  createThreeWayMergePatch,
  createTwoWayMergePatch,
  mergingMapsHaveConflicts,
  strategicMergePatchUnsupported,
  type CreatePatchOptions,
  type ThreeWayPatchOptions,
} from './strategic.js';
export {
  EMPTY_PATCH_SCHEMA,
  fieldAtPath,
  schemaFromOpenAPIDefinitions,
  schemaFromTypes,
  type FieldDescription,
  type FieldPatchInfo,
  type FieldSpec,
  type OpenAPIDefinitions,
  type OpenAPISchemaObject,
  type PatchSchema,
  type PatchStrategy,
  type TypeDescription,
  type TypeTable,
} from './schema.js';
export { requireKeyUnchanged, requireMetadataKeyUnchanged, type PatchPrecondition } from './preconditions.js';
export {
  APPLY_PATCH_YAML_CONTENT_TYPE,
  JSON_PATCH_CONTENT_TYPE,
  MERGE_PATCH_CONTENT_TYPE,
  STRATEGIC_MERGE_PATCH_CONTENT_TYPE,
  checkPatchContentType,
  patchMediaType,
  patchTypeFromContentType,
  supportedPatchContentTypes,
  unsupportedMediaTypeMessage,
  type PatchType,
} from './content-types.js';
