// Public face of the OpenAPI schemas of the built-in kinds: one source of truth
// for kubectl explain, field validation, strategic merge patch and server-side
// apply metadata, and the /openapi/v2 and /openapi/v3 documents.

export { definitions, definitionForKind, reachableDefinitions, refName, REF_PREFIX_V2, REF_PREFIX_V3 } from './schema.js';
export type { GroupVersionKind, SchemaObject } from './schema.js';
export { buildOpenAPIV2, buildOpenAPIV3, documentHash, groupVersionPath, toV3Definition, toV3Schema } from './documents.js';
export type { BuildOptions, OpenAPIV3Documents, ServedResource } from './documents.js';
export { validateAgainstSchema, SchemaCompiler, quantityError, base64Error } from './validate.js';
export type { FieldTypeError, UnknownFieldMode, ValidateOptions, ValidationResult } from './validate.js';
