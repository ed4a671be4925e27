// Structural schemas (apiextensions-apiserver pkg/apiserver/schema): the rules a
// CRD's openAPIV3Schema must follow so that pruning, defaulting and server-side
// apply can rely on it, with upstream's field paths and messages
// (`...properties[spec].type: Required value: must not be empty for specified object fields`),
// and the checks of `default` values (structuraldefaulting.ValidateDefaults). Pure.

import { isObject } from '../../api/types.js';
import type { FieldCause } from '../status.js';
import { child, forbidden, index as indexPath, invalid, key, required } from './field-errors.js';
import { compilePattern, pruneValue, validateAgainstSchema } from './schema.js';
import { deepEqual, type JSONSchemaProps } from './types.js';

type Level = 'root' | 'item' | 'field';

function asSchema(value: unknown): JSONSchemaProps | undefined {
  return isObject(value) ? (value as JSONSchemaProps) : undefined;
}

function schemaList(value: unknown): JSONSchemaProps[] {
  return Array.isArray(value) ? (value.filter((v) => isObject(v)) as JSONSchemaProps[]) : [];
}

function props(s: JSONSchemaProps): Array<[string, JSONSchemaProps]> {
  if (!isObject(s.properties)) return [];
  return Object.entries(s.properties).filter((e): e is [string, JSONSchemaProps] => isObject(e[1]));
}

function typeOf(s: JSONSchemaProps | undefined): string {
  return s && typeof s.type === 'string' ? s.type : '';
}

const isTrue = (v: unknown): boolean => v === true;

/** anyOf: [{type: integer}, {type: string}], the int-or-string pattern. */
function isIntOrStringAnyOf(list: unknown): boolean {
  const items = schemaList(list);
  return (
    Array.isArray(list) &&
    list.length === 2 &&
    items.length === 2 &&
    deepEqual(items[0], { type: 'integer' }) &&
    deepEqual(items[1], { type: 'string' })
  );
}

function validateInvariants(s: JSONSchemaProps | undefined, lvl: Level, path: string, errs: FieldCause[]): void {
  if (!s) return;
  const type = typeOf(s);
  const items = Array.isArray(s.items) ? undefined : asSchema(s.items);
  if (type === 'array' && !items) errs.push(required(child(path, 'items'), 'must be specified'));
  validateInvariants(items, 'item', child(path, 'items'), errs);
  for (const [name, prop] of props(s)) validateInvariants(prop, 'field', key(child(path, 'properties'), name), errs);

  // generic: additionalProperties
  if (s.additionalProperties !== undefined && s.additionalProperties !== null) {
    if (lvl === 'root') errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    const additional = asSchema(s.additionalProperties);
    if (additional) validateInvariants(additional, 'field', child(path, 'additionalProperties'), errs);
  }

  // extensions
  const intOrString = isTrue(s['x-kubernetes-int-or-string']);
  const preserve = isTrue(s['x-kubernetes-preserve-unknown-fields']);
  const embedded = isTrue(s['x-kubernetes-embedded-resource']);
  if (intOrString && preserve) errs.push(invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(invalid(child(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));

  // value validations
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const allOf = schemaList(s.allOf);
  const skipFirstAllOfAnyOf = allOf.length >= 1 && isIntOrStringAnyOf(allOf[0]!.anyOf);
  validateValueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, path, errs);

  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && type !== 'object') {
    if (type === '') errs.push(required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(child(path, 'type'), type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (type === '' && !intOrString && !preserve) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(required(child(path, 'type'), detail));
  }
  if (embedded && s.additionalProperties !== undefined && s.additionalProperties !== null) {
    errs.push(forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  if (lvl === 'root' && type !== '' && type !== 'object') errs.push(invalid(child(path, 'type'), type, 'must be object at the root'));

  const properties = isObject(s.properties) ? (s.properties as Record<string, unknown>) : {};
  if (checkMetadata) {
    const kind = asSchema(properties.kind);
    if (kind && typeOf(kind) !== 'string') errs.push(invalid(child(key(child(path, 'properties'), 'kind'), 'type'), typeOf(kind), 'must be string'));
    const apiVersion = asSchema(properties.apiVersion);
    if (apiVersion && typeOf(apiVersion) !== 'string') errs.push(invalid(child(key(child(path, 'properties'), 'apiVersion'), 'type'), typeOf(apiVersion), 'must be string'));
    const metadata = asSchema(properties.metadata);
    if (metadata && typeOf(metadata) !== 'object') errs.push(invalid(child(key(child(path, 'properties'), 'metadata'), 'type'), typeOf(metadata), 'must be object'));
  }
  const metadata = asSchema(properties.metadata);
  if (metadata && lvl === 'root' && !metadataOnlyNames(metadata)) {
    errs.push(forbidden(key(child(path, 'properties'), 'metadata'), 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  if (embedded && !preserve && props(s).length === 0) {
    errs.push(required(child(path, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
}

/** The root metadata schema may only set type and restrict name and generateName. */
function metadataOnlyNames(metadata: JSONSchemaProps): boolean {
  for (const [k, v] of Object.entries(metadata)) {
    if (v === undefined || v === null || v === false || v === '') continue;
    if (k === 'type' || k === 'default') continue;
    if (k === 'properties' && isObject(v)) {
      const names = Object.keys(v);
      if (names.every((n) => n === 'name' || n === 'generateName')) continue;
    }
    if (Array.isArray(v) && v.length === 0) continue;
    if (isObject(v) && Object.keys(v).length === 0) continue;
    return false;
  }
  return true;
}

function validateValueValidation(s: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, path: string, errs: FieldCause[]): void {
  if (!skipAnyOf) schemaList(s.anyOf).forEach((v, i) => validateNested(v, false, lvl, indexPath(child(path, 'anyOf'), i), errs));
  schemaList(s.allOf).forEach((v, i) => validateNested(v, skipFirstAllOfAnyOf && i === 0, lvl, indexPath(child(path, 'allOf'), i), errs));
  schemaList(s.oneOf).forEach((v, i) => validateNested(v, false, lvl, indexPath(child(path, 'oneOf'), i), errs));
  const not = asSchema(s.not);
  if (not) validateNested(not, false, lvl, child(path, 'not'), errs);
  if (typeof s.pattern === 'string' && s.pattern !== '' && !compilePattern(s.pattern)) {
    errs.push(invalid(child(path, 'pattern'), s.pattern, `must be a valid regular expression, but isn't: error parsing regexp: invalid or unsupported Perl syntax: \`${s.pattern}\``));
  }
}

/** A schema under anyOf/allOf/oneOf/not: value validations only. */
function validateNested(v: JSONSchemaProps, skipAnyOf: boolean, lvl: Level, path: string, errs: FieldCause[]): void {
  validateValueValidation(v, skipAnyOf, false, lvl, path, errs);
  const items = Array.isArray(v.items) ? undefined : asSchema(v.items);
  if (items) validateNested(items, false, lvl, child(path, 'items'), errs);
  for (const [name, prop] of props(v)) validateNested(prop, false, 'field', key(child(path, 'properties'), name), errs);

  if (typeOf(v) !== '') errs.push(forbidden(child(path, 'type'), 'must be empty to be structural'));
  if (v.additionalProperties !== undefined && v.additionalProperties !== null) errs.push(forbidden(child(path, 'additionalProperties'), 'must be undefined to be structural'));
  if (v.default !== undefined && v.default !== null) errs.push(forbidden(child(path, 'default'), 'must be undefined to be structural'));
  if (typeof v.title === 'string' && v.title !== '') errs.push(forbidden(child(path, 'title'), 'must be empty to be structural'));
  if (typeof v.description === 'string' && v.description !== '') errs.push(forbidden(child(path, 'description'), 'must be empty to be structural'));
  if (isTrue(v.nullable)) errs.push(forbidden(child(path, 'nullable'), 'must be false to be structural'));
  if (isTrue(v['x-kubernetes-preserve-unknown-fields'])) errs.push(forbidden(child(path, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (isTrue(v['x-kubernetes-embedded-resource'])) errs.push(forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (isTrue(v['x-kubernetes-int-or-string'])) errs.push(forbidden(child(path, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (Array.isArray(v['x-kubernetes-list-map-keys']) && v['x-kubernetes-list-map-keys'].length > 0) {
    errs.push(forbidden(child(path, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  }
  if (typeof v['x-kubernetes-list-type'] === 'string') errs.push(forbidden(child(path, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (isObject(v.properties) && 'metadata' in v.properties) {
    errs.push(forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  }
}

// ---- completeness: value validations may only name fields the structure specifies ----

function completeness(v: JSONSchemaProps, s: JSONSchemaProps | undefined, sPath: string, vPath: string, errs: FieldCause[]): void {
  if (!s) {
    errs.push(required(sPath, `because it is defined in ${vPath}`));
    return;
  }
  const not = asSchema(v.not);
  if (not) nestedCompleteness(not, s, sPath, child(vPath, 'not'), errs);
  schemaList(v.allOf).forEach((n, i) => nestedCompleteness(n, s, sPath, indexPath(child(vPath, 'allOf'), i), errs));
  schemaList(v.anyOf).forEach((n, i) => nestedCompleteness(n, s, sPath, indexPath(child(vPath, 'anyOf'), i), errs));
  schemaList(v.oneOf).forEach((n, i) => nestedCompleteness(n, s, sPath, indexPath(child(vPath, 'oneOf'), i), errs));
}

function nestedCompleteness(v: JSONSchemaProps, s: JSONSchemaProps, sPath: string, vPath: string, errs: FieldCause[]): void {
  completeness(v, s, sPath, vPath, errs);
  const vItems = Array.isArray(v.items) ? undefined : asSchema(v.items);
  if (vItems) {
    const sItems = Array.isArray(s.items) ? undefined : asSchema(s.items);
    if (!sItems) errs.push(required(child(sPath, 'items'), `because it is defined in ${child(vPath, 'items')}`));
    else nestedCompleteness(vItems, sItems, child(sPath, 'items'), child(vPath, 'items'), errs);
  }
  const sProps = isObject(s.properties) ? (s.properties as Record<string, unknown>) : {};
  for (const [name, vProp] of props(v)) {
    const sProp = asSchema(sProps[name]);
    const sp = key(child(sPath, 'properties'), name);
    const vp = key(child(vPath, 'properties'), name);
    if (!sProp) errs.push(required(sp, `because it is defined in ${vp}`));
    else nestedCompleteness(vProp, sProp, sp, vp, errs);
  }
}

/**
 * Upstream's ValidateStructural: the invariants and the completeness of value
 * validations, sorted by message as upstream sorts them.
 */
export function validateStructural(schema: JSONSchemaProps, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  validateInvariants(schema, 'root', path, errs);
  // Upstream checks the value validations of the root only.
  completeness(schema, schema, path, path, errs);
  return errs.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

// ---- defaults ---------------------------------------------------------------------------

/**
 * structuraldefaulting.ValidateDefaults: every default must be pruned (no unknown
 * fields) and valid against its own schema. Defaults under metadata are skipped
 * (they are forbidden elsewhere).
 */
export function validateDefaults(schema: JSONSchemaProps, path: string, requirePruned = true): FieldCause[] {
  const errs: FieldCause[] = [];
  const visit = (s: JSONSchemaProps | undefined, p: string, isResourceRoot: boolean, insideMeta: boolean): void => {
    if (!s) return;
    if (s.default !== undefined && s.default !== null && !insideMeta) {
      if (requirePruned) {
        const pruned = structuredClone(s.default);
        pruneValue(pruned, s, isTrue(s['x-kubernetes-embedded-resource']), false);
        if (!deepEqual(pruned, s.default)) errs.push(invalid(child(p, 'default'), s.default, 'must not have unknown fields'));
      }
      errs.push(...validateAgainstSchema(s.default, s, child(p, 'default')));
    }
    const items = Array.isArray(s.items) ? undefined : asSchema(s.items);
    visit(items, child(p, 'items'), false, insideMeta);
    for (const [name, prop] of props(s)) {
      const meta = insideMeta || ((isResourceRoot || isTrue(s['x-kubernetes-embedded-resource'])) && name === 'metadata');
      visit(prop, key(child(p, 'properties'), name), false, meta);
    }
    visit(asSchema(s.additionalProperties), child(p, 'additionalProperties'), false, insideMeta);
  };
  visit(schema, path, true, false);
  return errs;
}
