// Validation of CustomResourceDefinitions on create and update, after upstream's
// apiextensions validation (pkg/apis/apiextensions/validation): names, group,
// scope, versions, per-version schemas (which must be structural), subresources,
// printer columns, conversion and status; plus the Strategy of the built-in
// customresourcedefinitions resource (v1 defaults, status kept by writes of the
// main resource, storedVersions, the cleanup finalizer added on delete). Pure.
//
// Upstream validates the internal form of a CRD, where per-version schemas,
// subresources and printer columns that are identical in every version move to
// the spec (spec.validation, spec.subresources, spec.additionalPrinterColumns), so
// error paths for single-version CRDs read `spec.validation.openAPIV3Schema...`.
// This mirrors that. CEL rules are checked for their static shape only.

import { isObject, type KubeObject } from '../../api/types.js';
import type { Strategy } from '../registry/strategy.js';
import type { FieldCause } from '../status.js';
import {
  child,
  dns1035LabelProblems,
  dns1123SubdomainProblems,
  forbidden,
  goStrings,
  GoText,
  index,
  invalid,
  key,
  notSupported,
  required,
} from './field-errors.js';
import { goSchema, goVersions, type InternalVersionView } from './gosyntax.js';
import { schemaHasDefaults } from './schema.js';
import { validateDefaults, validateStructural } from './structural.js';
import {
  CRD_CLEANUP_FINALIZER,
  deepEqual,
  isConditionTrue,
  objects,
  specOf,
  str,
  strings,
  type CustomResourceColumnDefinition,
  type CustomResourceDefinition,
  type CustomResourceDefinitionCondition,
  type CustomResourceDefinitionNames,
  type CustomResourceDefinitionSpec,
  type CustomResourceDefinitionVersion,
  type CustomResourceSubresources,
  type JSONSchemaProps,
} from './types.js';

const PRINTER_COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const PRINTER_COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = new Set(['metadata', 'kind', 'apiVersion']);
const ACCEPTED_CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const SUPPORTED_VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
export const API_APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';
/** Upstream's allowedFieldsAtRootSchema, by Go field name and by JSON name. */
const ALLOWED_AT_ROOT_GO = [
  'Description',
  'Type',
  'Format',
  'Title',
  'Maximum',
  'ExclusiveMaximum',
  'Minimum',
  'ExclusiveMinimum',
  'MaxLength',
  'MinLength',
  'Pattern',
  'MaxItems',
  'MinItems',
  'UniqueItems',
  'MultipleOf',
  'Required',
  'Items',
  'Properties',
  'ExternalDocs',
  'Example',
  'XPreserveUnknownFields',
  'XValidations',
];
const ALLOWED_AT_ROOT_JSON = new Set([
  'description',
  'type',
  'format',
  'title',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'required',
  'items',
  'properties',
  'externalDocs',
  'example',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
]);

interface Options {
  requireOpenAPISchema: boolean;
  requireValidPropertyType: boolean;
  requireStructuralSchema: boolean;
  requirePrunedDefaults: boolean;
  requireImmutableNames: boolean;
  requireRecognizedConversionReviewVersion: boolean;
  requireAtomicSetType: boolean;
  requireMapListKeysMapSetValidation: boolean;
}

const CREATE_OPTIONS: Options = {
  requireOpenAPISchema: true,
  requireValidPropertyType: true,
  requireStructuralSchema: true,
  requirePrunedDefaults: true,
  requireImmutableNames: false,
  requireRecognizedConversionReviewVersion: true,
  requireAtomicSetType: true,
  requireMapListKeysMapSetValidation: true,
};

// ---- the internal view -------------------------------------------------------------

interface InternalSpec {
  readonly spec: CustomResourceDefinitionSpec;
  readonly versions: InternalVersionView[];
  /** spec.validation: the schema wrapper ({openAPIV3Schema}) shared by every version. */
  readonly validation: unknown;
  readonly subresources: CustomResourceSubresources | undefined;
  readonly columns: CustomResourceColumnDefinition[] | undefined;
}

function emptyToUndefined<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length ? list : undefined;
}

function subresourcesValue(v: CustomResourceDefinitionVersion): CustomResourceSubresources | undefined {
  return isObject(v.subresources) ? (v.subresources as CustomResourceSubresources) : undefined;
}

function internalize(crd: KubeObject): InternalSpec {
  const spec = specOf(crd);
  const versions = objects<CustomResourceDefinitionVersion>(spec.versions);
  const first = versions[0];
  const schemaOf = (v: CustomResourceDefinitionVersion) => (v.schema === null ? undefined : v.schema);
  const columnsOf = (v: CustomResourceDefinitionVersion) => emptyToUndefined(objects<CustomResourceColumnDefinition>(v.additionalPrinterColumns));
  const sameSchema = !!first && versions.every((v) => deepEqual(schemaOf(v), schemaOf(first)));
  const sameSubresources = !!first && versions.every((v) => deepEqual(subresourcesValue(v), subresourcesValue(first)));
  const sameColumns = !!first && versions.every((v) => deepEqual(columnsOf(v), columnsOf(first)));
  return {
    spec,
    versions: versions.map((v) => ({
      version: v,
      schema: sameSchema ? undefined : schemaOf(v),
      subresources: sameSubresources ? undefined : subresourcesValue(v),
      columns: sameColumns ? undefined : columnsOf(v),
    })),
    validation: sameSchema && first ? schemaOf(first) : undefined,
    subresources: sameSubresources && first ? subresourcesValue(first) : undefined,
    columns: sameColumns && first ? columnsOf(first) : undefined,
  };
}

function subresourcesFor(internal: InternalSpec, view: InternalVersionView): CustomResourceSubresources | undefined {
  return internal.versions.some((v) => v.subresources !== undefined) ? view.subresources : internal.subresources;
}

function hasStatus(sub: CustomResourceSubresources | undefined): boolean {
  return !!sub && sub.status !== undefined && sub.status !== null;
}

function schemaIn(wrapper: unknown): JSONSchemaProps | undefined {
  if (!isObject(wrapper)) return undefined;
  return isObject(wrapper.openAPIV3Schema) ? (wrapper.openAPIV3Schema as JSONSchemaProps) : undefined;
}

// ---- spec -------------------------------------------------------------------------------

function validateEnum(path: string, value: string, accepted: string[], isRequired: boolean): FieldCause[] {
  if (value === '') return isRequired ? [required(path)] : [];
  return accepted.includes(value) ? [] : [notSupported(path, value, accepted)];
}

function validateSpec(internal: InternalSpec, opts: Options, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const spec = internal.spec;
  const group = str(spec.group);
  if (group === '') errs.push(required(child(path, 'group')));
  else {
    const problems = dns1123SubdomainProblems(group);
    if (problems.length) errs.push(invalid(child(path, 'group'), group, problems.join(',')));
    else if (group.split('.').length < 2) errs.push(invalid(child(path, 'group'), group, 'should be a domain with at least one dot'));
  }
  errs.push(...validateEnum(child(path, 'scope'), str(spec.scope), ['Cluster', 'Namespaced'], true));

  const preserveUnknownFields = spec.preserveUnknownFields === true;
  const o: Options = { ...opts };
  if (!preserveUnknownFields) o.requireStructuralSchema = true;

  if (o.requireOpenAPISchema) {
    if (!schemaIn(internal.validation)) {
      internal.versions.forEach((v, i) => {
        if (!schemaIn(v.schema)) errs.push(required(child(child(index(child(path, 'versions'), i), 'schema'), 'openAPIV3Schema'), 'schemas are required'));
      });
    }
  } else if (!preserveUnknownFields && !schemaIn(internal.validation)) {
    internal.versions.forEach((v, i) => {
      if (v.version.served === true && !schemaIn(v.schema)) {
        errs.push(required(child(child(index(child(path, 'versions'), i), 'schema'), 'openAPIV3Schema'), 'because otherwise all fields are pruned'));
      }
    });
  }
  const anySchema = [internal.validation, ...internal.versions.map((v) => v.schema)].map(schemaIn);
  if (anySchema.some((s) => schemaHasDefaults(s) || schemaHasAnyDefault(s))) {
    o.requireStructuralSchema = true;
    if (preserveUnknownFields) errs.push(invalid(child(path, 'preserveUnknownFields'), true, 'must be false in order to use defaults in the schema'));
  }

  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  internal.versions.forEach((view, i) => {
    const v = view.version;
    if (v.storage === true) storageCount++;
    const name = str(v.name);
    if (seen.has(name)) unique = false;
    seen.add(name);
    const problems = dns1035LabelProblems(name);
    const vPath = index(child(path, 'versions'), i);
    if (problems.length) errs.push(invalid(child(vPath, 'name'), name, problems.join(',')));
    errs.push(...validateVersion(view, vPath, hasStatus(subresourcesFor(internal, view)), o));
  });

  if (!unique) errs.push(invalid(child(path, 'versions'), goVersions(internal.versions), 'must contain unique version names'));
  if (storageCount !== 1) errs.push(invalid(child(path, 'versions'), goVersions(internal.versions), 'must have exactly one version marked as storage version'));
  const firstName = internal.versions.length ? str(internal.versions[0]!.version.name) : '';
  if (firstName !== '') {
    const problems = dns1035LabelProblems(firstName);
    if (problems.length) errs.push(invalid(child(path, 'version'), firstName, problems.join(',')));
  }

  const names: CustomResourceDefinitionNames = isObject(spec.names) ? spec.names : {};
  const namesPath = child(path, 'names');
  if (str(names.plural) === '') errs.push(required(child(namesPath, 'plural')));
  if (str(names.singular) === '') errs.push(required(child(namesPath, 'singular')));
  if (str(names.kind) === '') errs.push(required(child(namesPath, 'kind')));
  if (str(names.listKind) === '') errs.push(required(child(namesPath, 'listKind')));
  errs.push(...validateNames(names, namesPath));

  const anyStatus = hasStatus(internal.subresources) || internal.versions.some((v) => hasStatus(v.subresources));
  errs.push(...validateValidation(internal.validation, anyStatus, o, child(path, 'validation')));
  errs.push(...validateSubresources(internal.subresources, child(path, 'subresources')));
  (internal.columns ?? []).forEach((c, i) => errs.push(...validateColumn(c, index(child(path, 'additionalPrinterColumns'), i))));

  const conversion = isObject(spec.conversion) ? spec.conversion : undefined;
  if (conversion && str(conversion.strategy) !== 'None' && preserveUnknownFields) {
    errs.push(invalid(child(child(path, 'conversion'), 'strategy'), str(conversion.strategy), 'must be None if spec.preserveUnknownFields is true'));
  }
  errs.push(...validateConversion(conversion, o.requireRecognizedConversionReviewVersion, child(path, 'conversion')));
  return errs;
}

function schemaHasAnyDefault(s: JSONSchemaProps | undefined): boolean {
  if (!s || !isObject(s)) return false;
  if (s.default !== undefined && s.default !== null) return true;
  const subs: unknown[] = [s.items, s.not, s.additionalProperties, ...(Array.isArray(s.allOf) ? s.allOf : []), ...(Array.isArray(s.anyOf) ? s.anyOf : []), ...(Array.isArray(s.oneOf) ? s.oneOf : [])];
  if (isObject(s.properties)) subs.push(...Object.values(s.properties));
  return subs.some((x) => (Array.isArray(x) ? x.some((y) => schemaHasAnyDefault(y as JSONSchemaProps)) : schemaHasAnyDefault(x as JSONSchemaProps)));
}

function validateVersion(view: InternalVersionView, path: string, statusEnabled: boolean, opts: Options): FieldCause[] {
  const errs: FieldCause[] = [];
  const v = view.version;
  const deprecated = v.deprecated === true;
  if (typeof v.deprecationWarning === 'string') {
    const warning = v.deprecationWarning;
    const problems: string[] = [];
    if (!deprecated) problems.push('can only be set for deprecated versions');
    else {
      if (Buffer.byteLength(warning) > 256) problems.push('must be <= 256 characters long');
      if (warning.length === 0) problems.push('must not be an empty string');
      const bad = [...warning].findIndex((ch) => /[\p{Cc}\p{Cf}]/u.test(ch));
      if (bad >= 0) problems.push(`must only contain printable UTF-8 characters; control character found at index ${bad}`);
    }
    for (const p of problems) errs.push(invalid(child(path, 'deprecationWarning'), warning, p));
  }
  errs.push(...validateValidation(view.schema, statusEnabled, opts, child(path, 'schema')));
  errs.push(...validateSubresources(view.subresources, child(path, 'subresources')));
  (view.columns ?? []).forEach((c, i) => errs.push(...validateColumn(c, index(child(path, 'additionalPrinterColumns'), i))));
  const selectable = objects<{ jsonPath?: string }>(v.selectableFields);
  if (selectable.length) {
    if (!schemaIn(v.schema)) {
      errs.push(invalid(child(path, 'selectableFields'), '', 'selectableFields may only be set when version.schema.openAPIV3Schema is not included'));
    } else {
      errs.push(...validateSelectableFields(selectable, schemaIn(v.schema)!, child(path, 'selectableFields')));
    }
  }
  return errs;
}

function validateSelectableFields(fields: Array<{ jsonPath?: string }>, schema: JSONSchemaProps, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const unique = new Set<string>();
  fields.forEach((f, i) => {
    const p = child(index(path, i), 'jsonPath');
    const jsonPath = str(f.jsonPath);
    if (jsonPath === '') {
      errs.push(required(p));
      return;
    }
    const parts = jsonPath.startsWith('.') ? jsonPath.slice(1).split('.') : undefined;
    let s: JSONSchemaProps | undefined = schema;
    for (const part of parts ?? []) s = s && isObject(s.properties) ? (s.properties[part] as JSONSchemaProps | undefined) : undefined;
    if (!parts || parts.some((x) => x === '') || !s) {
      errs.push(invalid(p, jsonPath, `is an invalid path: does not refer to a valid field`));
      return;
    }
    if (parts[0] === 'metadata') errs.push(invalid(p, jsonPath, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(str(s.type))) {
      errs.push(invalid(p, jsonPath, 'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.'));
    }
    if (unique.has(jsonPath)) errs.push({ type: 'FieldValueDuplicate', field: p, message: `${p}: Duplicate value: ${JSON.stringify(jsonPath)}` });
    unique.add(jsonPath);
  });
  if (unique.size > 8) errs.push({ type: 'FieldValueTooMany', field: path, message: `${path}: Too many: ${unique.size}: must have at most 8 items` });
  return errs;
}

function validateNames(names: CustomResourceDefinitionNames, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const plural = str(names.plural);
  const singular = str(names.singular);
  const kind = str(names.kind);
  const listKind = str(names.listKind);
  const label = (p: string, value: string, mixedCase: boolean) => {
    const problems = dns1035LabelProblems(mixedCase ? value.toLowerCase() : value);
    if (value !== '' && problems.length) errs.push(invalid(p, value, `${mixedCase ? 'may have mixed case, but should otherwise match: ' : ''}${problems.join(',')}`));
  };
  label(child(path, 'plural'), plural, false);
  label(child(path, 'singular'), singular, false);
  label(child(path, 'kind'), kind, true);
  label(child(path, 'listKind'), listKind, true);
  strings(names.shortNames).forEach((s, i) => {
    const problems = dns1035LabelProblems(s);
    if (problems.length) errs.push(invalid(index(child(path, 'shortNames'), i), s, problems.join(',')));
  });
  if (kind !== '' && kind === listKind) errs.push(invalid(child(path, 'listKind'), listKind, 'kind and listKind may not be the same'));
  strings(names.categories).forEach((c, i) => {
    const problems = dns1035LabelProblems(c);
    if (problems.length) errs.push(invalid(index(child(path, 'categories'), i), c, problems.join(',')));
  });
  return errs;
}

function validateSimpleJSONPath(s: string, path: string): FieldCause[] {
  if (s.length === 0) return [invalid(path, s, 'must not be empty')];
  if (s[0] !== '.') return [invalid(path, s, 'must be a simple json path starting with .')];
  return [];
}

function validateSubresources(sub: CustomResourceSubresources | undefined, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const scale = sub && isObject(sub.scale) ? sub.scale : undefined;
  if (!scale) return errs;
  const spec = str(scale.specReplicasPath);
  if (spec === '') errs.push(required(child(path, 'scale.specReplicasPath')));
  else {
    const e = validateSimpleJSONPath(spec, child(path, 'scale.specReplicasPath'));
    if (e.length) errs.push(...e);
    else if (!spec.startsWith('.spec.')) errs.push(invalid(child(path, 'scale.specReplicasPath'), spec, 'should be a json path under .spec'));
  }
  const status = str(scale.statusReplicasPath);
  if (status === '') errs.push(required(child(path, 'scale.statusReplicasPath')));
  else {
    const e = validateSimpleJSONPath(status, child(path, 'scale.statusReplicasPath'));
    if (e.length) errs.push(...e);
    else if (!status.startsWith('.status.')) errs.push(invalid(child(path, 'scale.statusReplicasPath'), status, 'should be a json path under .status'));
  }
  const selector = str(scale.labelSelectorPath);
  if (selector !== '') {
    const e = validateSimpleJSONPath(selector, child(path, 'scale.labelSelectorPath'));
    if (e.length) errs.push(...e);
    else if (!selector.startsWith('.spec.') && !selector.startsWith('.status.')) {
      errs.push(invalid(child(path, 'scale.labelSelectorPath'), selector, 'should be a json path under either .spec or .status'));
    }
  }
  return errs;
}

function validateColumn(col: CustomResourceColumnDefinition, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (str(col.name) === '') errs.push(required(child(path, 'name')));
  const type = str(col.type);
  if (type === '') errs.push(required(child(path, 'type'), `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  else if (!PRINTER_COLUMN_TYPES.includes(type)) errs.push(invalid(child(path, 'type'), type, `must be one of ${PRINTER_COLUMN_TYPES.join(',')}`));
  const format = str(col.format);
  if (format !== '' && !PRINTER_COLUMN_FORMATS.includes(format)) errs.push(invalid(child(path, 'format'), format, `must be one of ${PRINTER_COLUMN_FORMATS.join(',')}`));
  const jsonPath = str(col.jsonPath);
  if (jsonPath === '') errs.push(required(child(path, 'JSONPath')));
  else errs.push(...validateSimpleJSONPath(jsonPath, child(path, 'JSONPath')));
  return errs;
}

function validateConversion(conversion: CustomResourceDefinitionSpec['conversion'], requireRecognized: boolean, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!conversion) return errs;
  const strategy = str(conversion.strategy);
  errs.push(...validateEnum(child(path, 'strategy'), strategy, ['None', 'Webhook'], true));
  const webhook = isObject(conversion.webhook) ? conversion.webhook : undefined;
  const clientConfig = webhook && isObject(webhook.clientConfig) ? webhook.clientConfig : undefined;
  const reviewVersions = webhook && Array.isArray(webhook.conversionReviewVersions) ? strings(webhook.conversionReviewVersions) : undefined;
  if (strategy === 'Webhook') {
    if (!clientConfig) errs.push(required(child(path, 'webhookClientConfig'), 'required when strategy is set to Webhook'));
    else {
      const hasUrl = typeof clientConfig.url === 'string';
      const hasService = isObject(clientConfig.service);
      if (hasUrl === hasService) errs.push(required(child(path, 'webhookClientConfig'), 'exactly one of url or service is required'));
      else if (hasUrl) errs.push(...validateWebhookURL(clientConfig.url!, child(child(path, 'webhookClientConfig'), 'url')));
      else {
        const svc = clientConfig.service!;
        const svcPath = child(child(path, 'webhookClientConfig'), 'service');
        if (str(svc.name) === '') errs.push(required(child(svcPath, 'name'), 'service name is required'));
        if (str(svc.namespace) === '') errs.push(required(child(svcPath, 'namespace'), 'service namespace is required'));
        if (typeof svc.port === 'number' && (svc.port < 1 || svc.port > 65535)) {
          errs.push(invalid(child(svcPath, 'port'), svc.port, 'port is not valid: must be between 1 and 65535, inclusive'));
        }
      }
    }
    const versionsPath = child(path, 'conversionReviewVersions');
    if (!reviewVersions || reviewVersions.length === 0) errs.push(required(versionsPath));
    else {
      const seen = new Set<string>();
      let accepted = false;
      reviewVersions.forEach((v, i) => {
        if (seen.has(v)) {
          errs.push(invalid(index(versionsPath, i), v, 'duplicate version'));
          return;
        }
        seen.add(v);
        for (const p of dns1035LabelProblems(v)) errs.push(invalid(index(versionsPath, i), v, p));
        if (ACCEPTED_CONVERSION_REVIEW_VERSIONS.includes(v)) accepted = true;
      });
      if (requireRecognized && !accepted) {
        errs.push(invalid(versionsPath, goStrings(reviewVersions), `must include at least one of ${ACCEPTED_CONVERSION_REVIEW_VERSIONS.join(', ')}`));
      }
    }
  } else {
    if (clientConfig) errs.push(forbidden(child(path, 'webhookClientConfig'), 'should not be set when strategy is not set to Webhook'));
    if (reviewVersions && reviewVersions.length) errs.push(forbidden(child(path, 'conversionReviewVersions'), 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

function validateWebhookURL(url: string, path: string): FieldCause[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [invalid(path, url, `host must be specified`)];
  }
  const errs: FieldCause[] = [];
  if (parsed.protocol !== 'https:') errs.push(invalid(path, url, "'https' is the only allowed URL scheme"));
  if (parsed.hostname === '') errs.push(invalid(path, url, 'host must be specified'));
  if (parsed.username || parsed.password) errs.push(invalid(path, url, 'user information is not permitted in the URL'));
  if (parsed.hash) errs.push(invalid(path, url, 'fragments are not permitted in the URL'));
  if (parsed.search) errs.push(invalid(path, url, 'query parameters are not permitted in the URL'));
  return errs;
}

// ---- schemas ------------------------------------------------------------------------------

interface SchemaValidator {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
  requireValidPropertyType: boolean;
}

function validateValidation(wrapper: unknown, statusEnabled: boolean, opts: Options, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (wrapper === undefined || wrapper === null) return errs;
  const schema = schemaIn(wrapper);
  if (!schema) return errs;
  const schemaPath = child(path, 'openAPIV3Schema');
  if (statusEnabled) {
    for (const [field, value] of Object.entries(schema)) {
      if (isZero(value)) continue;
      if (field === 'type') {
        if (value !== 'object') {
          errs.push(invalid(child(path, 'openAPIV3Schema.type'), value, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT_JSON.has(field)) {
        errs.push(invalid(schemaPath, new GoText(goSchema(schema)), `only [${ALLOWED_AT_ROOT_GO.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable === true) errs.push(forbidden(child(path, 'openAPIV3Schema.nullable'), 'nullable cannot be true at the root'));

  if (opts.requireStructuralSchema) {
    const structural = validateStructural(schema, schemaPath);
    if (structural.length) errs.push(...structural);
    else errs.push(...validateDefaults(schema, schemaPath, opts.requirePrunedDefaults));
  }
  const ssv: SchemaValidator = { allowDefaults: true, disallowDefaultsReason: '', insideResourceMeta: false, requireValidPropertyType: opts.requireValidPropertyType };
  errs.push(...validateOpenAPISchema(schema, schemaPath, ssv, true, opts));
  return errs;
}

function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '' || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.keys(value).length === 0;
  return false;
}

function asSchema(value: unknown): JSONSchemaProps | undefined {
  return isObject(value) ? (value as JSONSchemaProps) : undefined;
}

function validateOpenAPISchema(schema: JSONSchemaProps | undefined, path: string, ssv: SchemaValidator, isRoot: boolean, opts: Options): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!schema) return errs;
  errs.push(...standardValidate(schema, path, ssv));
  if (schema.uniqueItems === true) errs.push(forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));

  const properties = isObject(schema.properties) ? Object.entries(schema.properties) : [];
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== null) {
    if (properties.length && (schema.additionalProperties === false || isObject(schema.additionalProperties))) {
      errs.push(forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    }
    const sub = ssv.insideResourceMeta ? { ...ssv, allowDefaults: false, disallowDefaultsReason: 'inside additionalProperties applying to object metadata' } : ssv;
    errs.push(...validateOpenAPISchema(asSchema(schema.additionalProperties), child(path, 'additionalProperties'), sub, false, opts));
  }
  for (const [name, prop] of properties) {
    let sub = ssv;
    if ((isRoot || schema['x-kubernetes-embedded-resource'] === true) && META_FIELDS.has(name)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, disallowDefaultsReason: `in top-level ${name}` };
    }
    errs.push(...validateOpenAPISchema(asSchema(prop), key(child(path, 'properties'), name), sub, false, opts));
  }
  errs.push(...validateOpenAPISchema(asSchema(schema.not), child(path, 'not'), ssv, false, opts));
  for (const junctor of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = schema[junctor];
    if (Array.isArray(list)) list.forEach((s, i) => errs.push(...validateOpenAPISchema(asSchema(s), index(child(path, junctor), i), ssv, false, opts)));
  }
  if (isObject(schema.definitions)) {
    for (const [name, s] of Object.entries(schema.definitions)) errs.push(...validateOpenAPISchema(asSchema(s), key(child(path, 'definitions'), name), ssv, false, opts));
  }
  if (schema.items !== undefined && schema.items !== null) {
    if (Array.isArray(schema.items)) schema.items.forEach((s, i) => errs.push(...validateOpenAPISchema(asSchema(s), index(child(path, 'items'), i), ssv, false, opts)));
    else errs.push(...validateOpenAPISchema(asSchema(schema.items), child(path, 'items'), ssv, false, opts));
  }
  if (isObject(schema.dependencies)) {
    for (const [name, d] of Object.entries(schema.dependencies)) errs.push(...validateOpenAPISchema(asSchema(d), key(child(path, 'dependencies'), name), ssv, false, opts));
  }
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) {
    errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  }
  const type = str(schema.type);
  const mapType = schema['x-kubernetes-map-type'];
  if (mapType !== undefined && mapType !== null) {
    if (type !== 'object') {
      if (type === '') errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-map-type is specified'));
      else errs.push(invalid(child(path, 'type'), type, 'must be object if x-kubernetes-map-type is specified'));
    }
    if (mapType !== 'atomic' && mapType !== 'granular') errs.push(notSupported(child(path, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  }
  const listType = schema['x-kubernetes-list-type'];
  const items = Array.isArray(schema.items) ? undefined : asSchema(schema.items);
  if (listType !== undefined && listType !== null && type !== 'array') {
    if (type === '') errs.push(required(child(path, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalid(child(path, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (opts.requireAtomicSetType && listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic') {
      errs.push(invalid(child(child(path, 'items'), 'x-kubernetes-list-type'), items['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    } else if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
      errs.push(invalid(child(child(path, 'items'), 'x-kubernetes-map-type'), items['x-kubernetes-list-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && listType !== null && !['atomic', 'set', 'map'].includes(String(listType))) {
    errs.push(notSupported(child(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  }
  const mapKeys = strings(schema['x-kubernetes-list-map-keys']);
  if (mapKeys.length) {
    if (listType === undefined || listType === null) errs.push(required(child(path, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(invalid(child(path, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) errs.push(required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (schema.items === undefined || schema.items === null) errs.push(required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(schema.items)) errs.push(invalid(child(path, 'items'), schema.items, 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && str(items.type) !== 'object') errs.push(invalid(child(child(path, 'items'), 'type'), str(items.type), "must be object if parent array's x-kubernetes-list-type is map"));
    if (items && str(items.type) === 'object') {
      const seen = new Set<string>();
      const itemProps = isObject(items.properties) ? items.properties : {};
      for (const k of mapKeys) {
        const p = asSchema(itemProps[k]);
        if (p) {
          if (p.type === 'array' || p.type === 'object') {
            errs.push(invalid(child(key(child(child(path, 'items'), 'properties'), k), 'type'), str(items.type), "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          }
        } else {
          errs.push(invalid(child(path, 'x-kubernetes-list-map-keys'), goStrings(mapKeys), 'entries must all be names of item properties'));
        }
        if (seen.has(k)) errs.push(invalid(child(path, 'x-kubernetes-list-map-keys'), goStrings(mapKeys), 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  if (opts.requireMapListKeysMapSetValidation && items && (listType === 'set' || listType === 'map')) {
    if (items.nullable === true) errs.push(forbidden(child(child(path, 'items'), 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${String(listType)}`));
    if (listType === 'map') {
      const requiredKeys = new Set(strings(items.required));
      const itemProps = isObject(items.properties) ? items.properties : {};
      for (const k of mapKeys) {
        const p = asSchema(itemProps[k]);
        if (!p) continue;
        const propPath = key(child(child(path, 'items'), 'properties'), k);
        if (!requiredKeys.has(k) && (p.default === undefined || p.default === null)) {
          errs.push(required(child(propPath, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        }
        if (p.nullable === true) errs.push(forbidden(child(propPath, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      }
    }
  }
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    rules.forEach((rule, i) => {
      const rPath = index(child(path, 'x-kubernetes-validations'), i);
      const r = isObject(rule) ? rule : {};
      const ruleText = str(r.rule).trim();
      const message = str(r.message);
      const trimmedMessage = message.trim();
      if (ruleText === '') errs.push(required(child(rPath, 'rule'), 'rule is not specified'));
      else if (message.length > 0 && trimmedMessage === '') errs.push(invalid(child(rPath, 'message'), message, 'message must be non-empty if specified'));
      else if (/[\n\r]/.test(trimmedMessage)) errs.push(invalid(child(rPath, 'message'), message, 'message must not contain line breaks'));
      else if (/[\n\r]/.test(ruleText) && trimmedMessage === '') errs.push(required(child(rPath, 'message'), 'message must be specified if rule contains line breaks'));
      const messageExpression = str(r.messageExpression);
      if (messageExpression.length > 0 && messageExpression.trim() === '') {
        errs.push(required(child(rPath, 'messageExpression'), 'messageExpression must be non-empty if specified'));
      }
      if (typeof r.reason === 'string' && !SUPPORTED_VALIDATION_REASONS.includes(r.reason)) {
        errs.push(notSupported(child(rPath, 'reason'), r.reason, SUPPORTED_VALIDATION_REASONS));
      }
      const fieldPath = str(r.fieldPath);
      if (fieldPath.length > 0 && fieldPath.trim() === '') errs.push(invalid(child(rPath, 'fieldPath'), fieldPath, 'fieldPath must be non-empty if specified'));
      if (/[\n\r]/.test(fieldPath)) errs.push(invalid(child(rPath, 'fieldPath'), fieldPath, 'fieldPath must not contain line breaks'));
    });
  }
  return errs;
}

function standardValidate(schema: JSONSchemaProps, path: string, ssv: SchemaValidator): FieldCause[] {
  const errs: FieldCause[] = [];
  const type = str(schema.type);
  if (ssv.requireValidPropertyType && type !== '' && !OPENAPI_V3_TYPES.includes(type)) errs.push(notSupported(child(path, 'type'), type, OPENAPI_V3_TYPES));
  if (schema.default !== undefined && schema.default !== null && !ssv.allowDefaults) {
    errs.push(forbidden(child(path, 'default'), `must not be set${ssv.disallowDefaultsReason ? ` ${ssv.disallowDefaultsReason}` : ''}`));
  }
  if (str(schema.id) !== '') errs.push(forbidden(child(path, 'id'), 'id is not supported'));
  if (schema.additionalItems !== undefined && schema.additionalItems !== null) errs.push(forbidden(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (isObject(schema.patternProperties) && Object.keys(schema.patternProperties).length) errs.push(forbidden(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (isObject(schema.definitions) && Object.keys(schema.definitions).length) errs.push(forbidden(child(path, 'definitions'), 'definitions is not supported'));
  if (schema.dependencies !== undefined && schema.dependencies !== null) errs.push(forbidden(child(path, 'dependencies'), 'dependencies is not supported'));
  if (schema.$ref !== undefined && schema.$ref !== null) errs.push(forbidden(child(path, '$ref'), '$ref is not supported'));
  if (type === 'null') errs.push(forbidden(child(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(schema.items) && schema.items.length) errs.push(forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (ssv.insideResourceMeta && schema['x-kubernetes-embedded-resource'] === true) {
    errs.push(forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  }
  return errs;
}

// ---- status, stored versions, API approval ----------------------------------------------------

function validateStatus(crd: CustomResourceDefinition): FieldCause[] {
  const status = isObject(crd.status) ? crd.status : {};
  const accepted = isObject(status.acceptedNames) ? (status.acceptedNames as CustomResourceDefinitionNames) : {};
  return validateNames(accepted, 'status.acceptedNames');
}

function validateStoredVersions(crd: CustomResourceDefinition, internal: InternalSpec): FieldCause[] {
  const path = 'status.storedVersions';
  const status = isObject(crd.status) ? crd.status : {};
  const stored = Array.isArray(status.storedVersions) ? strings(status.storedVersions) : undefined;
  if (!stored || stored.length === 0) return [invalid(path, goStrings(stored), 'must have at least one stored version')];
  const errs: FieldCause[] = [];
  const remaining = new Map<string, number>();
  stored.forEach((v, i) => remaining.set(v, i));
  for (const { version } of internal.versions) {
    const name = str(version.name);
    const found = remaining.has(name);
    if (version.storage === true && !found) errs.push(invalid(path, goStrings(stored), `must have the storage version ${name}`));
    if (found) remaining.delete(name);
  }
  for (const [v, i] of [...remaining].sort((a, b) => a[1] - b[1])) {
    errs.push(
      invalid(
        index(path, i),
        v,
        `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`,
      ),
    );
  }
  return errs;
}

type ApprovalState = 'Missing' | 'Bypassed' | 'Approved' | 'Invalid';

function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group === 'kubernetes.io' || group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io');
}

function approvalState(annotations: Record<string, string> | undefined): { state: ApprovalState; reason: string } {
  const value = annotations?.[API_APPROVAL_ANNOTATION] ?? '';
  if (value === '') {
    return { state: 'Missing', reason: `protected groups must have approval annotation "${API_APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111` };
  }
  if (value.startsWith('unapproved')) return { state: 'Bypassed', reason: `not approved: "${value}"` };
  try {
    const url = new URL(value);
    if (url.host && url.protocol) return { state: 'Approved', reason: `approved in ${value}` };
  } catch {
    // not a URL
  }
  return {
    state: 'Invalid',
    reason: `protected groups must have approval annotation "${API_APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

/** The KubernetesAPIApprovalPolicyConformant condition of a CRD in a protected group, if any. */
export function apiApprovalCondition(crd: KubeObject): CustomResourceDefinitionCondition | undefined {
  if (!isProtectedGroup(str(specOf(crd).group))) return undefined;
  const { state, reason } = approvalState(crd.metadata?.annotations);
  switch (state) {
    case 'Approved':
      return { type: 'KubernetesAPIApprovalPolicyConformant', status: 'True', reason: 'ApprovedAnnotation', message: reason };
    case 'Bypassed':
      return { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: 'UnapprovedAnnotation', message: reason };
    case 'Missing':
      return { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: 'MissingAnnotation', message: reason };
    default:
      return { type: 'KubernetesAPIApprovalPolicyConformant', status: 'False', reason: 'InvalidAnnotation', message: reason };
  }
}

function validateAPIApproval(crd: KubeObject, old: KubeObject | undefined): FieldCause[] {
  if (!isProtectedGroup(str(specOf(crd).group))) return [];
  const next = approvalState(crd.metadata?.annotations);
  if (old && approvalState(old.metadata?.annotations).state === next.state) return [];
  const path = key('metadata.annotations', API_APPROVAL_ANNOTATION);
  switch (next.state) {
    case 'Missing':
      return [required(path, next.reason)];
    case 'Approved':
    case 'Bypassed':
      return [];
    default:
      return [invalid(path, crd.metadata?.annotations?.[API_APPROVAL_ANNOTATION] ?? '', next.reason)];
  }
}

function validatePreserveUnknownFields(crd: KubeObject, old: KubeObject | undefined): FieldCause[] {
  if (old && specOf(old).preserveUnknownFields === true) return [];
  if (specOf(crd).preserveUnknownFields === true) {
    return [invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  }
  return [];
}

// ---- entry points --------------------------------------------------------------------------------

/** Errors of a CRD being created (besides the generic metadata checks of the registry). */
export function validateCustomResourceDefinition(crd: CustomResourceDefinition): FieldCause[] {
  const errs: FieldCause[] = [];
  const spec = specOf(crd);
  const name = crd.metadata?.name ?? '';
  if (name !== `${str(namesOfSpec(spec).plural)}.${str(spec.group)}`) errs.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  const internal = internalize(crd);
  errs.push(...validateSpec(internal, CREATE_OPTIONS, 'spec'));
  errs.push(...validateStatus(crd));
  errs.push(...validateStoredVersions(crd, internal));
  errs.push(...validateAPIApproval(crd, undefined));
  errs.push(...validatePreserveUnknownFields(crd, undefined));
  return errs;
}

function namesOfSpec(spec: CustomResourceDefinitionSpec): CustomResourceDefinitionNames {
  return isObject(spec.names) ? spec.names : {};
}

function anySchemaIs(spec: KubeObject, predicate: (s: JSONSchemaProps) => boolean): boolean {
  const internal = internalize(spec);
  return [internal.validation, ...internal.versions.map((v) => v.schema)].some((w) => {
    const s = schemaIn(w);
    return !!s && predicate(s);
  });
}

function schemaHas(s: JSONSchemaProps, predicate: (s: JSONSchemaProps) => boolean): boolean {
  if (predicate(s)) return true;
  const subs: unknown[] = [s.not, s.additionalProperties, ...(Array.isArray(s.items) ? s.items : [s.items])];
  for (const j of ['allOf', 'anyOf', 'oneOf'] as const) if (Array.isArray(s[j])) subs.push(...s[j]!);
  if (isObject(s.properties)) subs.push(...Object.values(s.properties));
  return subs.some((x) => isObject(x) && schemaHas(x as JSONSchemaProps, predicate));
}

/** Errors of a CRD update; relaxations for what the stored CRD already had, as upstream. */
export function validateCustomResourceDefinitionUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldCause[] {
  const oldInternal = internalize(old);
  const allOldVersionsHaveSchema = !!schemaIn(oldInternal.validation) || oldInternal.versions.every((v) => !!schemaIn(v.schema));
  const oldStructural = [oldInternal.validation, ...oldInternal.versions.map((v) => v.schema)].every((w) => {
    const s = schemaIn(w);
    return !s || validateStructural(s, '').length === 0;
  });
  const opts: Options = {
    ...CREATE_OPTIONS,
    requireOpenAPISchema: allOldVersionsHaveSchema,
    requireStructuralSchema: oldStructural,
    requireValidPropertyType: !anySchemaIs(old, (s) => schemaHas(s, (x) => typeof x.type === 'string' && x.type !== '' && !OPENAPI_V3_TYPES.includes(x.type))),
    requireImmutableNames: isConditionTrue(old, 'Established'),
  };
  const errs: FieldCause[] = [];
  const spec = specOf(crd);
  const oldSpec = specOf(old);
  const internal = internalize(crd);
  errs.push(...validateSpec(internal, opts, 'spec'));
  const immutable = (path: string, value: unknown, oldValue: unknown) => {
    if (!deepEqual(value, oldValue)) errs.push(invalid(path, value ?? '', 'field is immutable'));
  };
  if (opts.requireImmutableNames) {
    immutable('spec.scope', str(spec.scope), str(oldSpec.scope));
    immutable('spec.names.kind', str(namesOfSpec(spec).kind), str(namesOfSpec(oldSpec).kind));
  }
  immutable('spec.group', str(spec.group), str(oldSpec.group));
  immutable('spec.names.plural', str(namesOfSpec(spec).plural), str(namesOfSpec(oldSpec).plural));
  errs.push(...validateStatus(crd));
  errs.push(...validateStoredVersions(crd, internal));
  errs.push(...validateAPIApproval(crd, old));
  errs.push(...validatePreserveUnknownFields(crd, old));
  return errs;
}

// ---- the strategy of customresourcedefinitions ----------------------------------------------------

/** The v1 defaults (SetDefaults_CustomResourceDefinitionSpec and friends). */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  if (!isObject(crd.spec)) return;
  const spec = crd.spec as CustomResourceDefinitionSpec;
  if (isObject(spec.names)) {
    const names = spec.names;
    if (str(names.singular) === '' && str(names.kind) !== '') names.singular = str(names.kind).toLowerCase();
    if (str(names.listKind) === '' && str(names.kind) !== '') names.listKind = `${str(names.kind)}List`;
  }
  if (!isObject(spec.conversion)) spec.conversion = { strategy: 'None' };
  const webhook = isObject(spec.conversion.webhook) ? spec.conversion.webhook : undefined;
  const service = webhook && isObject(webhook.clientConfig) && isObject(webhook.clientConfig.service) ? webhook.clientConfig.service : undefined;
  if (service && service.port === undefined) service.port = 443;
  for (const v of objects<CustomResourceDefinitionVersion>(spec.versions)) {
    if (typeof v.served !== 'boolean') v.served = false;
    if (typeof v.storage !== 'boolean') v.storage = false;
  }
}

function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  const v = objects<CustomResourceDefinitionVersion>(specOf(crd).versions).find((x) => x.storage === true);
  return v ? str(v.name) : undefined;
}

function addStoredVersion(crd: CustomResourceDefinition): void {
  const storage = storageVersionOf(crd);
  if (storage === undefined) return;
  const status = (isObject(crd.status) ? crd.status : (crd.status = {})) as CustomResourceDefinition['status'] & object;
  const stored = Array.isArray(status.storedVersions) ? strings(status.storedVersions) : [];
  if (!stored.includes(storage)) stored.push(storage);
  status.storedVersions = stored;
}

/** Sets a condition the way apiextensions' SetCRDCondition does. */
export function setCondition(crd: CustomResourceDefinition, condition: CustomResourceDefinitionCondition, now: Date): void {
  const status = (isObject(crd.status) ? crd.status : (crd.status = {})) as CustomResourceDefinition['status'] & object;
  const conditions = objects<CustomResourceDefinitionCondition>(status.conditions);
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const existing = conditions.find((c) => c.type === condition.type);
  if (!existing) {
    conditions.push({ type: condition.type, status: condition.status, lastTransitionTime: time, reason: condition.reason ?? '', message: condition.message ?? '' });
  } else {
    if (existing.status !== condition.status || !existing.lastTransitionTime) existing.lastTransitionTime = time;
    existing.status = condition.status;
    existing.reason = condition.reason ?? '';
    existing.message = condition.message ?? '';
  }
  status.conditions = conditions;
}

export interface CustomResourceDefinitionStrategyOptions {
  readonly now?: () => Date;
}

/**
 * The Strategy of apiextensions.k8s.io/v1 customresourcedefinitions: v1 defaults,
 * a fresh status with the storage version in storedVersions on create, generation
 * following the spec, validation as upstream, and on delete the cleanup finalizer
 * and the Terminating condition (the CRD stays until its custom resources are gone).
 */
export function customResourceDefinitionStrategy(options: CustomResourceDefinitionStrategyOptions = {}): Strategy {
  const now = options.now ?? (() => new Date());
  return {
    generationTracksSpec: true,
    defaults(obj) {
      defaultCustomResourceDefinition(obj as CustomResourceDefinition);
    },
    prepareForCreate(obj) {
      const crd = obj as CustomResourceDefinition;
      crd.status = { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: null };
      addStoredVersion(crd);
    },
    prepareForUpdate(obj, old) {
      const crd = obj as CustomResourceDefinition;
      // Writes of the main resource keep status, except the delete that marks it.
      const marking = !!crd.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp;
      if (!marking) crd.status = structuredClone(old.status) as CustomResourceDefinition['status'];
      addStoredVersion(crd);
    },
    validate(obj) {
      return validateCustomResourceDefinition(obj as CustomResourceDefinition);
    },
    validateUpdate(obj, old) {
      const crd = obj as CustomResourceDefinition;
      const previous = old as CustomResourceDefinition;
      if (deepEqual(crd.spec, previous.spec)) {
        // A status write (or a metadata-only change): status rules only.
        return [...validateStatus(crd), ...validateAPIApproval(crd, previous)];
      }
      return validateCustomResourceDefinitionUpdate(crd, previous);
    },
    // A CRD is not removed by its first delete: the cleanup finalizer goes on first.
    pendingFinalization(obj) {
      return !obj.metadata?.deletionTimestamp;
    },
    onMarkedForDeletion(obj) {
      const crd = obj as CustomResourceDefinition;
      const finalizers = crd.metadata?.finalizers ?? [];
      if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) crd.metadata = { ...crd.metadata, finalizers: [...finalizers, CRD_CLEANUP_FINALIZER] };
      crd.status = structuredClone(crd.status) ?? {};
      setCondition(
        crd,
        {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionPending',
          message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
        },
        now(),
      );
    },
  };
}
