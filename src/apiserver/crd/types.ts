// The apiextensions.k8s.io/v1 shapes this folder reads: CustomResourceDefinition
// and the JSON schema dialect of its versions (JSONSchemaProps). Objects arrive as
// JSON, so every field may be missing or of the wrong type: readers go through the
// accessors below, which treat a wrong type as absent (Go's zero value).

import { isObject, type KubeObject } from '../../api/types.js';

export const APIEXTENSIONS_GROUP = 'apiextensions.k8s.io';
export const CRD_PLURAL = 'customresourcedefinitions';
/** The finalizer the API server puts on a CRD being deleted; the controller removes it. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface ValidationRule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface JSONSchemaProps {
  id?: string;
  $schema?: string;
  $ref?: string;
  description?: string;
  type?: string;
  format?: string;
  title?: string;
  default?: unknown;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  multipleOf?: number;
  enum?: unknown[];
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  patternProperties?: Record<string, JSONSchemaProps>;
  dependencies?: Record<string, unknown>;
  additionalItems?: JSONSchemaProps | boolean;
  definitions?: Record<string, JSONSchemaProps>;
  externalDocs?: { description?: string; url?: string };
  example?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
}

export interface CustomResourceColumnDefinition {
  name?: string;
  type?: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath?: string;
}

export interface CustomResourceSubresourceScale {
  specReplicasPath?: string;
  statusReplicasPath?: string;
  labelSelectorPath?: string;
}

export interface CustomResourceSubresources {
  status?: Record<string, never>;
  scale?: CustomResourceSubresourceScale;
}

export interface CustomResourceDefinitionVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: CustomResourceSubresources;
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: Array<{ jsonPath?: string }>;
}

export interface CustomResourceDefinitionNames {
  plural?: string;
  singular?: string;
  shortNames?: string[];
  kind?: string;
  listKind?: string;
  categories?: string[];
}

export interface CustomResourceConversion {
  strategy?: string;
  webhook?: {
    clientConfig?: { url?: string; service?: { namespace?: string; name?: string; path?: string; port?: number }; caBundle?: string };
    conversionReviewVersions?: string[];
  };
}

export interface CustomResourceDefinitionSpec {
  group?: string;
  names?: CustomResourceDefinitionNames;
  scope?: string;
  versions?: CustomResourceDefinitionVersion[];
  conversion?: CustomResourceConversion;
  preserveUnknownFields?: boolean;
}

export interface CustomResourceDefinitionCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface CustomResourceDefinitionStatus {
  conditions?: CustomResourceDefinitionCondition[] | null;
  acceptedNames?: CustomResourceDefinitionNames;
  storedVersions?: string[] | null;
}

export interface CustomResourceDefinition extends KubeObject {
  spec?: CustomResourceDefinitionSpec;
  status?: CustomResourceDefinitionStatus;
}

// ---- tolerant accessors ---------------------------------------------------

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export function bool(value: unknown): boolean {
  return value === true;
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function objects<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value.filter((v) => isObject(v)) as T[]) : [];
}

export function specOf(crd: KubeObject): CustomResourceDefinitionSpec {
  return isObject(crd.spec) ? (crd.spec as CustomResourceDefinitionSpec) : {};
}

export function namesOf(spec: CustomResourceDefinitionSpec): CustomResourceDefinitionNames {
  return isObject(spec.names) ? spec.names : {};
}

export function versionsOf(spec: CustomResourceDefinitionSpec): CustomResourceDefinitionVersion[] {
  return objects<CustomResourceDefinitionVersion>(spec.versions);
}

export function statusOf(crd: KubeObject): CustomResourceDefinitionStatus {
  return isObject(crd.status) ? (crd.status as CustomResourceDefinitionStatus) : {};
}

export function conditionsOf(crd: KubeObject): CustomResourceDefinitionCondition[] {
  return objects<CustomResourceDefinitionCondition>(statusOf(crd).conditions);
}

export function findCondition(crd: KubeObject, type: string): CustomResourceDefinitionCondition | undefined {
  return conditionsOf(crd).find((c) => c.type === type);
}

export function isConditionTrue(crd: KubeObject, type: string): boolean {
  return findCondition(crd, type)?.status === 'True';
}

/** The version's schema, or undefined. */
export function schemaOf(version: CustomResourceDefinitionVersion): JSONSchemaProps | undefined {
  const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
  return isObject(schema) ? (schema as JSONSchemaProps) : undefined;
}

export function subresourcesOf(version: CustomResourceDefinitionVersion): CustomResourceSubresources | undefined {
  return isObject(version.subresources) ? (version.subresources as CustomResourceSubresources) : undefined;
}

export function columnsOf(version: CustomResourceDefinitionVersion): CustomResourceColumnDefinition[] {
  return objects<CustomResourceColumnDefinition>(version.additionalPrinterColumns);
}

/** Deep equality of JSON values (object key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
