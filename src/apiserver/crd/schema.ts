// Custom resources against their version's openAPIV3Schema, the way
// apiextensions-apiserver treats them:
//   - pruning (structuralpruning): fields the schema does not specify are dropped,
//     and their paths returned for fieldValidation=Strict/Warn (`spec.foo`);
//   - non-nullable nulls without a default are dropped, then `default`s applied
//     (structuraldefaulting), on writes and on reads;
//   - validation with kube-openapi's validator and its messages, turned into field
//     errors as apiextensions' kubeOpenAPIResultToFieldErrors does
//     (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`),
//     plus embedded resources, list-type set/map and update ratcheting.
// CEL rules (x-kubernetes-validations) are not evaluated. Pure.

import { isObject } from '../../api/types.js';
import type { FieldCause } from '../status.js';
import {
  child,
  dns1035LabelProblems,
  duplicate,
  goNumber,
  index as indexPath,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from './field-errors.js';
import { checkFormat, isSupportedFormat } from './formats.js';
import { deepEqual, type JSONSchemaProps } from './types.js';

type Json = unknown;
type JsonMap = Record<string, unknown>;

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);
/** The JSON fields of ObjectMeta; anything else under metadata is dropped. */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

function schemaOrUndefined(value: unknown): JSONSchemaProps | undefined {
  return isObject(value) ? (value as JSONSchemaProps) : undefined;
}

function propertiesOf(s: JSONSchemaProps | undefined): Record<string, JSONSchemaProps> {
  return s && isObject(s.properties) ? (s.properties as Record<string, JSONSchemaProps>) : {};
}

function propertyOf(s: JSONSchemaProps | undefined, name: string): JSONSchemaProps | undefined {
  const props = propertiesOf(s);
  return Object.prototype.hasOwnProperty.call(props, name) ? schemaOrUndefined(props[name]) : undefined;
}

/** additionalProperties: present (a schema, or true/false without one) or absent. */
function additionalOf(s: JSONSchemaProps | undefined): { schema: JSONSchemaProps | undefined } | undefined {
  if (!s || s.additionalProperties === undefined || s.additionalProperties === null) return undefined;
  if (typeof s.additionalProperties === 'boolean') return { schema: undefined };
  return { schema: schemaOrUndefined(s.additionalProperties) };
}

function itemsOf(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  return s && !Array.isArray(s.items) ? schemaOrUndefined(s.items) : undefined;
}

function hasDefault(s: JSONSchemaProps | undefined): boolean {
  return !!s && s.default !== undefined && s.default !== null;
}

const flag = (s: JSONSchemaProps | undefined, name: 'x-kubernetes-preserve-unknown-fields' | 'x-kubernetes-embedded-resource' | 'x-kubernetes-int-or-string'): boolean =>
  !!s && s[name] === true;

// ---- pruning ------------------------------------------------------------------

class PruneState {
  readonly pruned: string[] = [];
  path: string[] = [];
  constructor(readonly track: boolean) {}
  record(key: string): void {
    if (this.track) this.pruned.push(this.join(key));
  }
  join(key: string): string {
    return this.path.length ? `${this.path.join('')}.${key}` : key;
  }
  pushKey(key: string): number {
    const len = this.path.length;
    this.path.push(len ? `.${key}` : key);
    return len;
  }
  pushIndex(i: number): number {
    const len = this.path.length;
    this.path.push(`[${i}]`);
    return len;
  }
  restore(len: number): void {
    this.path.length = len;
  }
}

function pruneNode(x: Json, s: JSONSchemaProps | undefined, st: PruneState): void {
  if (s && flag(s, 'x-kubernetes-preserve-unknown-fields')) {
    skipPrune(x, s, st);
    return;
  }
  if (isObject(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        st.record(k);
        delete x[k];
      }
      return;
    }
    const additional = additionalOf(s);
    for (const k of Object.keys(x)) {
      const v = x[k];
      if (flag(s, 'x-kubernetes-embedded-resource')) {
        if ((k === 'apiVersion' || k === 'kind') && typeof v === 'string') continue;
        if (k === 'metadata' && isObject(v)) {
          coerceObjectMeta(v, st);
          continue;
        }
      }
      const prop = propertyOf(s, k);
      if (prop) {
        const len = st.pushKey(k);
        pruneNode(v, prop, st);
        st.restore(len);
      } else if (additional) {
        const len = st.pushKey(k);
        pruneNode(v, additional.schema, st);
        st.restore(len);
      } else if (!META_FIELDS.has(k) || st.path.length > 0) {
        st.record(k);
        delete x[k];
      }
    }
    return;
  }
  if (Array.isArray(x)) {
    if (!s) {
      for (const v of x) pruneNode(v, undefined, st);
      return;
    }
    const items = itemsOf(s);
    x.forEach((v, i) => {
      const len = st.pushIndex(i);
      pruneNode(v, items, st);
      st.restore(len);
    });
  }
}

function skipPrune(x: Json, s: JSONSchemaProps, st: PruneState): void {
  if (isObject(x)) {
    const additional = additionalOf(s);
    for (const k of Object.keys(x)) {
      if (flag(s, 'x-kubernetes-embedded-resource') && META_FIELDS.has(k)) {
        if (k === 'metadata' && isObject(x[k])) coerceObjectMeta(x[k] as JsonMap, st);
        continue;
      }
      const prop = propertyOf(s, k);
      if (prop) {
        const len = st.pushKey(k);
        pruneNode(x[k], prop, st);
        st.restore(len);
      } else if (additional) {
        const len = st.pushKey(k);
        pruneNode(x[k], additional.schema, st);
        st.restore(len);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => {
      const len = st.pushIndex(i);
      if (items) skipPrune(v, items, st);
      st.restore(len);
    });
  }
}

/** Embedded ObjectMeta keeps only ObjectMeta's fields (upstream decodes it into the Go type). */
function coerceObjectMeta(meta: JsonMap, st: PruneState): void {
  for (const k of Object.keys(meta)) {
    if (OBJECT_META_FIELDS.has(k)) continue;
    if (st.track) st.pruned.push(`${st.join('metadata')}.${k}`);
    delete meta[k];
  }
}

/**
 * Drops what the schema does not specify from `value` (mutating it), as
 * upstream's structural pruning; at a resource root apiVersion, kind and metadata
 * stay, and unknown metadata fields are dropped. Returns the dropped paths, sorted.
 */
export function pruneValue(value: Json, schema: JSONSchemaProps | undefined, isResourceRoot: boolean, track = true): string[] {
  let s = schema;
  if (isResourceRoot) s = { ...(s ?? {}), 'x-kubernetes-embedded-resource': true };
  const st = new PruneState(track);
  pruneNode(value, s, st);
  return st.pruned.sort();
}

// ---- nulls and defaults ---------------------------------------------------------

function isNonNullableNull(v: Json, s: JSONSchemaProps | undefined): boolean {
  return v === null && !!s && s.nullable !== true;
}

/** Drops `null`s the schema neither allows nor defaults (PruneNonNullableNullsWithoutDefaults). */
export function pruneNonNullableNulls(x: Json, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    const additional = additionalOf(s);
    for (const k of Object.keys(x)) {
      const prop = propertyOf(s, k);
      const sub = prop ?? (additional ? additional.schema : undefined);
      if (!prop && !additional) continue;
      if (isNonNullableNull(x[k], sub) && !hasDefault(sub)) delete x[k];
      else pruneNonNullableNulls(x[k], sub);
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (const v of x) pruneNonNullableNulls(v, items);
  }
}

/** Applies `default`s top-down, mutating (structuraldefaulting.Default). */
export function applyDefaults(x: Json, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    const props = propertiesOf(s);
    for (const k of Object.keys(props)) {
      const prop = schemaOrUndefined(props[k]);
      if (!prop || !hasDefault(prop)) continue;
      if (!(k in x) || x[k] === undefined || isNonNullableNull(x[k], prop)) x[k] = structuredClone(prop.default);
    }
    const additional = additionalOf(s);
    for (const k of Object.keys(x)) {
      const prop = propertyOf(s, k);
      if (prop) applyDefaults(x[k], prop);
      else if (additional) {
        if (isNonNullableNull(x[k], additional.schema) && hasDefault(additional.schema)) x[k] = structuredClone(additional.schema!.default);
        applyDefaults(x[k], additional.schema);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items) && hasDefault(items)) x[i] = structuredClone(items!.default);
      applyDefaults(x[i], items);
    }
  }
}

/** Whether a schema (outside value validations) sets any default. */
export function schemaHasDefaults(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if (hasDefault(s)) return true;
  for (const p of Object.values(propertiesOf(s))) if (schemaHasDefaults(schemaOrUndefined(p))) return true;
  const additional = additionalOf(s);
  if (additional && schemaHasDefaults(additional.schema)) return true;
  return schemaHasDefaults(itemsOf(s));
}

// ---- validation (kube-openapi) ----------------------------------------------------

type Code =
  | 'type'
  | 'required'
  | 'tooLong'
  | 'tooShort'
  | 'pattern'
  | 'enum'
  | 'multipleOf'
  | 'max'
  | 'min'
  | 'unique'
  | 'maxItems'
  | 'minItems'
  | 'tooFewProperties'
  | 'tooManyProperties'
  | 'unallowedProperty';

interface OpenAPIError {
  /** Absent for composite errors (anyOf, oneOf, allOf, not), which have no field. */
  readonly code?: Code;
  readonly name: string;
  readonly message: string;
  readonly value?: unknown;
  readonly values?: readonly unknown[];
  readonly actual?: number;
  readonly limit?: number;
}

class Result {
  readonly errors: OpenAPIError[] = [];
  matchCount = 0;
  add(e: OpenAPIError): void {
    this.errors.push(e);
  }
  merge(other: Result): void {
    this.errors.push(...other.errors);
    this.matchCount += other.matchCount;
  }
  get valid(): boolean {
    return this.errors.length === 0;
  }
}

const IN = 'body';

function jsonType(value: Json): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'array';
  if (isObject(value)) return 'object';
  return 'null';
}

function typeError(name: string, typeName: string, value: unknown): OpenAPIError {
  const message = typeof value === 'string' ? `${name} in ${IN} must be of type ${typeName}: ${JSON.stringify(value)}` : `${name} in ${IN} must be of type ${typeName}`;
  return { code: 'type', name, message, value };
}

/** The types a value may have: x-kubernetes-int-or-string means integer or string. */
function typesOf(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string'] === true) return ['integer', 'string'];
  return typeof s.type === 'string' && s.type !== '' ? [s.type] : [];
}

const patternCache = new Map<string, RegExp | null>();

/** Go RE2 patterns as JavaScript regular expressions (undefined when not expressible). */
export function compilePattern(pattern: string): RegExp | undefined {
  let cached = patternCache.get(pattern);
  if (cached === undefined) {
    let source = pattern;
    let flags = 'u';
    const inline = /^\(\?([imsU]+)\)/.exec(source);
    if (inline) {
      source = source.slice(inline[0].length);
      if (inline[1]!.includes('i')) flags += 'i';
      if (inline[1]!.includes('s')) flags += 's';
      if (inline[1]!.includes('m')) flags += 'm';
    }
    source = source.replace(/\\z/g, '$').replace(/\\A/g, '^');
    try {
      cached = new RegExp(source, flags);
    } catch {
      try {
        cached = new RegExp(source, flags.replace('u', ''));
      } catch {
        cached = null;
      }
    }
    patternCache.set(pattern, cached);
  }
  return cached ?? undefined;
}

function enumContains(values: readonly unknown[], data: Json): boolean {
  return values.some((v) => deepEqual(v, data) || (typeof v === 'number' && typeof data === 'number' && v === data));
}

function validateNode(data: Json, s: JSONSchemaProps | undefined, path: string): Result {
  const result = new Result();
  if (!s || !isObject(s)) return result;
  const types = typesOf(s);
  const nullable = s.nullable === true;
  const enumValues = Array.isArray(s.enum) ? s.enum : undefined;

  if (data === null || data === undefined) {
    if (types.length && !nullable) result.add(typeError(path, types.join(','), 'null'));
    if (enumValues && enumValues.length && !nullable && !enumContains(enumValues, null)) {
      result.add({ code: 'enum', name: path, message: `${path} in ${IN} should be one of ${goList(enumValues)}`, value: data, values: enumValues });
    }
    return result;
  }

  const kind = jsonType(data);
  // typeValidator
  const format = typeof s.format === 'string' && isSupportedFormat(s.format) ? s.format : '';
  const numeric = types.includes('number') || types.includes('integer');
  if (types.length && !(kind === 'string' && !numeric && format !== '')) {
    const ok =
      types.includes(kind) ||
      (kind === 'integer' && types.includes('number')) ||
      (kind === 'number' && Number.isInteger(data) && types.includes('integer'));
    if (!ok) result.add(typeError(path, types.join(','), kind));
  }
  result.matchCount++;

  // schemaPropsValidator: allOf, oneOf, anyOf, not
  validateJunctors(data, s, path, result);

  // stringValidator: the first failure only
  if (typeof data === 'string') {
    const length = [...data].length;
    if (typeof s.maxLength === 'number' && length > s.maxLength) {
      result.add({ code: 'tooLong', name: path, message: `${path} in ${IN} should be at most ${s.maxLength} chars long`, value: data, limit: s.maxLength });
    } else if (typeof s.minLength === 'number' && length < s.minLength) {
      result.add({ code: 'tooShort', name: path, message: `${path} in ${IN} should be at least ${s.minLength} chars long`, value: data });
    } else if (typeof s.pattern === 'string' && s.pattern !== '') {
      const re = compilePattern(s.pattern);
      if (re && !re.test(data)) result.add({ code: 'pattern', name: path, message: `${path} in ${IN} should match '${s.pattern}'`, value: data });
    }
    // formatValidator
    if (format && !checkFormat(format, data)) result.add(typeError(path, format, data));
  }

  // numberValidator
  if (typeof data === 'number') {
    if (typeof s.multipleOf === 'number' && s.multipleOf > 0) {
      const q = data / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        result.add({ code: 'multipleOf', name: path, message: `${path} in ${IN} should be a multiple of ${goNumber(s.multipleOf)}`, value: data });
      }
    }
    if (typeof s.maximum === 'number') {
      const exclusive = s.exclusiveMaximum === true;
      if (exclusive ? data >= s.maximum : data > s.maximum) {
        result.add({ code: 'max', name: path, message: `${path} in ${IN} should be less than ${exclusive ? '' : 'or equal to '}${goNumber(s.maximum)}`, value: data });
      }
    }
    if (typeof s.minimum === 'number') {
      const exclusive = s.exclusiveMinimum === true;
      if (exclusive ? data <= s.minimum : data < s.minimum) {
        result.add({ code: 'min', name: path, message: `${path} in ${IN} should be greater than ${exclusive ? '' : 'or equal to '}${goNumber(s.minimum)}`, value: data });
      }
    }
  }

  // sliceValidator
  if (Array.isArray(data)) {
    const items = itemsOf(s);
    if (items) data.forEach((v, i) => result.merge(validateNode(v, items, `${path}[${i}]`)));
    if (typeof s.minItems === 'number' && data.length < s.minItems) {
      result.add({ code: 'minItems', name: path, message: `${path} in ${IN} should have at least ${s.minItems} items`, value: data.length });
    }
    if (typeof s.maxItems === 'number' && data.length > s.maxItems) {
      result.add({ code: 'maxItems', name: path, message: `${path} in ${IN} should have at most ${s.maxItems} items`, value: data.length, actual: data.length, limit: s.maxItems });
    }
    if (s.uniqueItems === true && data.some((v, i) => data.findIndex((w) => deepEqual(v, w)) !== i)) {
      result.add({ code: 'unique', name: path, message: `${path} in ${IN} shouldn't contain duplicates` });
    }
  }

  // basicCommonValidator
  if (enumValues && enumValues.length && !enumContains(enumValues, data)) {
    result.add({ code: 'enum', name: path, message: `${path} in ${IN} should be one of ${goList(enumValues)}`, value: data, values: enumValues });
  }

  // objectValidator
  if (isObject(data)) validateObject(data, s, path, result);
  return result;
}

function goList(values: readonly unknown[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ')}]`;
}

function validateObject(data: JsonMap, s: JSONSchemaProps, path: string, result: Result): void {
  const keys = Object.keys(data);
  if (typeof s.minProperties === 'number' && keys.length < s.minProperties) {
    result.add({ code: 'tooFewProperties', name: path, message: `${path} in ${IN} should have at least ${s.minProperties} properties`, value: keys.length });
    return;
  }
  if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) {
    result.add({
      code: 'tooManyProperties',
      name: path,
      message: `${path} in ${IN} should have at most ${s.maxProperties} properties`,
      value: keys.length,
      actual: keys.length,
      limit: s.maxProperties,
    });
    return;
  }
  const props = propertiesOf(s);
  const has = (k: string) => Object.prototype.hasOwnProperty.call(props, k);
  if (s.additionalProperties === false) {
    for (const k of keys) {
      if (!has(k)) result.add({ code: 'unallowedProperty', name: path, message: `${path}.${k} in ${IN} is a forbidden property`, value: k });
    }
  } else {
    const additional = additionalOf(s);
    if (additional?.schema) {
      for (const k of keys) if (!has(k)) result.merge(validateNode(data[k], additional.schema, `${path}.${k}`));
    }
  }
  for (const name of Object.keys(props)) {
    if (!Object.prototype.hasOwnProperty.call(data, name)) continue;
    result.merge(validateNode(data[name], schemaOrUndefined(props[name]), path ? `${path}.${name}` : name));
  }
  if (Array.isArray(s.required)) {
    for (const k of s.required) {
      if (typeof k === 'string' && !Object.prototype.hasOwnProperty.call(data, k)) {
        result.add({ code: 'required', name: `${path}.${k}`, message: `${path}.${k} in ${IN} is required` });
      }
    }
  }
}

function schemaList(value: unknown): JSONSchemaProps[] {
  return Array.isArray(value) ? (value.filter((v) => isObject(v)) as JSONSchemaProps[]) : [];
}

function validateJunctors(data: Json, s: JSONSchemaProps, path: string, main: Result): void {
  const anyOf = schemaList(s.anyOf);
  if (anyOf.length) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    for (const sub of anyOf) {
      const r = validateNode(data, sub, path);
      if (r.valid) {
        firstSuccess = r;
        best = undefined;
        break;
      }
      if (!best || r.matchCount > best.matchCount) best = r;
    }
    if (!firstSuccess) main.add({ name: path, message: `${JSON.stringify(path)} must validate at least one schema (anyOf)` });
    if (best) main.merge(best);
  }
  const oneOf = schemaList(s.oneOf);
  if (oneOf.length) {
    let validated = 0;
    let best: Result | undefined;
    for (const sub of oneOf) {
      const r = validateNode(data, sub, path);
      if (r.valid) validated++;
      else if (!best || r.matchCount > best.matchCount) best = r;
    }
    if (validated !== 1) {
      const extra = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.add({ name: path, message: `${JSON.stringify(path)} must validate one and only one schema (oneOf). ${extra}` });
      if (validated === 0 && best) main.merge(best);
    }
  }
  const allOf = schemaList(s.allOf);
  if (allOf.length) {
    let validated = 0;
    const failures = new Result();
    for (const sub of allOf) {
      const r = validateNode(data, sub, path);
      if (r.valid) validated++;
      failures.merge(r);
    }
    if (validated !== allOf.length) {
      const extra = validated === 0 ? '. None validated' : '';
      main.add({ name: path, message: `${JSON.stringify(path)} must validate all the schemas (allOf)${extra}` });
    }
    main.merge(failures);
  }
  if (isObject(s.not)) {
    const r = validateNode(data, s.not as JSONSchemaProps, path);
    if (r.valid) main.add({ name: path, message: `${JSON.stringify(path)} must not validate the schema (not)` });
  }
}

/**
 * kube-openapi's errors as field errors (apiextensions' kubeOpenAPIResultToFieldErrors).
 * `fieldPath` is the path of the validated value; '' stands for upstream's nil path.
 */
function toFieldCauses(errors: readonly OpenAPIError[], fieldPath: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const err of errors) {
    const root = fieldPath === '' ? '<nil>' : fieldPath;
    if (!err.code) {
      causes.push(invalid(root, '', err.message));
      continue;
    }
    const name = err.name.startsWith('.') ? err.name.slice(1) : err.name;
    const errPath = err.name === '' || err.name === '.' ? root : fieldPath === '' ? name : child(fieldPath, name);
    switch (err.code) {
      case 'required':
        causes.push(required(errPath));
        break;
      case 'enum':
        causes.push(notSupported(errPath, err.value, (err.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))));
        break;
      case 'tooLong':
        causes.push(tooLong(errPath, err.limit ?? -1));
        break;
      case 'maxItems':
      case 'tooManyProperties':
        causes.push(tooMany(errPath, err.actual ?? -1, err.limit ?? -1));
        break;
      case 'type':
        causes.push(typeInvalid(errPath, err.value ?? '', err.message));
        break;
      default:
        causes.push(invalid(errPath, err.value ?? '', err.message));
    }
  }
  return causes;
}

/**
 * Validates a value against a schema with kube-openapi's rules and messages.
 * `fieldPath` prefixes the error paths ('' for a custom resource, as upstream
 * validates those with a nil path).
 */
export function validateAgainstSchema(value: Json, schema: JSONSchemaProps | undefined, fieldPath = ''): FieldCause[] {
  if (!schema) return [];
  const result = validateNode(value, schema, '');
  return toFieldCauses(result.errors, fieldPath);
}

// ---- embedded resources and list types (structural checks besides kube-openapi) --------

function validateEmbeddedResources(x: Json, s: JSONSchemaProps | undefined, path: string, isRoot: boolean, out: FieldCause[]): void {
  if (!s) return;
  if (isObject(x)) {
    if (flag(s, 'x-kubernetes-embedded-resource') && !isRoot) validateEmbedded(x, path, out);
    const additional = additionalOf(s);
    for (const k of Object.keys(x)) {
      const prop = propertyOf(s, k);
      if (prop) validateEmbeddedResources(x[k], prop, child(path, k), false, out);
      else if (additional) validateEmbeddedResources(x[k], additional.schema, `${path}[${k}]`, false, out);
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => validateEmbeddedResources(v, items, indexPath(path, i), false, out));
  }
}

function validateEmbedded(x: JsonMap, path: string, out: FieldCause[]): void {
  if (!('apiVersion' in x)) out.push(required(child(path, 'apiVersion')));
  if (!('kind' in x)) out.push(required(child(path, 'kind')));
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (k === 'apiVersion') {
      if (typeof v !== 'string') out.push(invalid(child(path, 'apiVersion'), v, 'must be a string'));
      else if (v === '') out.push(invalid(child(path, 'apiVersion'), v, 'must not be empty'));
      else if (v.split('/').length > 2) out.push(invalid(child(path, 'apiVersion'), v, `unexpected GroupVersion string: ${v}`));
    } else if (k === 'kind') {
      if (typeof v !== 'string') out.push(invalid(child(path, 'kind'), v, 'must be a string'));
      else if (v === '') out.push(invalid(child(path, 'kind'), v, 'must not be empty'));
      else {
        const problems = dns1035LabelProblems(v.toLowerCase());
        if (problems.length) out.push(invalid(child(path, 'kind'), v, `may have mixed case, but should otherwise match: ${problems.join(',')}`));
      }
    }
  }
}

function validateListTypes(x: Json, s: JSONSchemaProps | undefined, path: string, out: FieldCause[]): void {
  if (!s) return;
  if (Array.isArray(x)) {
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set') {
      x.forEach((v, i) => {
        if (x.findIndex((w) => deepEqual(v, w)) !== i) out.push(duplicate(indexPath(path, i), v));
      });
    } else if (listType === 'map') {
      const keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'].filter((k): k is string => typeof k === 'string') : [];
      const items = itemsOf(s);
      const seen: JsonMap[] = [];
      x.forEach((v, i) => {
        if (!isObject(v)) return;
        const keyValues: JsonMap = {};
        let complete = true;
        for (const k of keys) {
          if (k in v) keyValues[k] = v[k];
          else if (hasDefault(propertyOf(items, k))) keyValues[k] = propertyOf(items, k)!.default;
          else {
            out.push(required(child(indexPath(path, i), k)));
            complete = false;
          }
        }
        if (!complete) return;
        if (seen.some((other) => deepEqual(other, keyValues))) out.push(duplicate(indexPath(path, i), keyValues));
        else seen.push(keyValues);
      });
    }
    const items = itemsOf(s);
    x.forEach((v, i) => validateListTypes(v, items, indexPath(path, i), out));
  } else if (isObject(x)) {
    const additional = additionalOf(s);
    for (const k of Object.keys(x)) {
      const prop = propertyOf(s, k);
      if (prop) validateListTypes(x[k], prop, child(path, k), out);
      else if (additional) validateListTypes(x[k], additional.schema, `${path}[${k}]`, out);
    }
  }
}

// ---- ratcheting ----------------------------------------------------------------------

function parsePath(path: string): Array<string | number> | undefined {
  const parts: Array<string | number> = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else parts.push(m[3]!);
  }
  return parts.length ? parts : undefined;
}

function lookup(obj: Json, parts: ReadonlyArray<string | number>): { found: boolean; value: unknown } {
  let cur: unknown = obj;
  for (const p of parts) {
    if (typeof p === 'number') {
      if (!Array.isArray(cur) || p >= cur.length) return { found: false, value: undefined };
      cur = cur[p];
    } else {
      if (!isObject(cur) || !(p in cur)) return { found: false, value: undefined };
      cur = cur[p];
    }
  }
  return { found: true, value: cur };
}

/**
 * CRD validation ratcheting (on by default since Kubernetes 1.30): an update may
 * keep a value that the schema rejects if that value did not change. A missing
 * required field is kept if the object holding it did not change.
 */
export function ratchet(errors: readonly FieldCause[], obj: Json, old: Json): FieldCause[] {
  return errors.filter((e) => {
    const parts = parsePath(e.field);
    if (!parts || e.field === '<nil>') return true;
    const at = e.type === 'FieldValueRequired' ? parts.slice(0, -1) : parts;
    const now = lookup(obj, at);
    const before = lookup(old, at);
    return !(now.found && before.found && deepEqual(now.value, before.value));
  });
}

// ---- the per-version schema -------------------------------------------------------------

/** One version's schema, as the custom resource handler applies it. */
export class CustomResourceSchema {
  readonly hasDefaults: boolean;

  constructor(readonly schema: JSONSchemaProps | undefined) {
    this.hasDefaults = schemaHasDefaults(schema);
  }

  /** Prunes unknown fields and nulls, then applies defaults; returns the pruned paths. */
  normalize(obj: JsonMap, track = false): string[] {
    const pruned = pruneValue(obj, this.schema, true, track);
    pruneNonNullableNulls(obj, this.schema);
    applyDefaults(obj, this.schema);
    return pruned;
  }

  /** The fields a request body has that pruning would drop (`spec.foo`), without changing it. */
  unknownFields(obj: JsonMap): string[] {
    return pruneValue(structuredClone(obj), this.schema, true, true);
  }

  validate(obj: JsonMap): FieldCause[] {
    const errors = validateAgainstSchema(obj, this.schema, '');
    validateEmbeddedResources(obj, this.schema, '', true, errors);
    validateListTypes(obj, this.schema, '', errors);
    return errors;
  }

  validateUpdate(obj: JsonMap, old: JsonMap): FieldCause[] {
    return ratchet(this.validate(obj), obj, old);
  }
}
