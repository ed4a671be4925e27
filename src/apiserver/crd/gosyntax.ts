// Go's %#v of the apiextensions internal types, for the few CRD validation errors
// whose bad value is a whole struct (`spec.versions: Invalid value:
// []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one
// version marked as storage version`). Pointers print as addresses upstream; here
// they print as stable fake addresses. Pure.

import { isObject } from '../../api/types.js';
import { goNumber, goQuote, GoText, goSyntax } from './field-errors.js';
import type { CustomResourceColumnDefinition, CustomResourceDefinitionVersion, CustomResourceSubresources, JSONSchemaProps } from './types.js';

let fakeAddress = 0xc000a00000;
function pointer(type: string, present: boolean): string {
  if (!present) return `(*${type})(nil)`;
  fakeAddress += 0x60;
  return `(*${type})(0x${fakeAddress.toString(16)})`;
}

const s = (v: unknown): string => goQuote(typeof v === 'string' ? v : '');
const b = (v: unknown): string => String(v === true);
const has = (v: unknown): boolean => v !== undefined && v !== null;

function strSlice(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return '[]string(nil)';
  return `[]string{${v.map((x) => goQuote(String(x))).join(', ')}}`;
}

function schemaSlice(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return '[]apiextensions.JSONSchemaProps(nil)';
  return `[]apiextensions.JSONSchemaProps{${v.map((x) => goSchema(isObject(x) ? (x as JSONSchemaProps) : {})).join(', ')}}`;
}

function schemaMap(v: unknown): string {
  if (!isObject(v) || Object.keys(v).length === 0) return 'map[string]apiextensions.JSONSchemaProps(nil)';
  const entries = Object.keys(v)
    .sort()
    .map((k) => `${goQuote(k)}:${goSchema(isObject(v[k]) ? (v[k] as JSONSchemaProps) : {})}`);
  return `map[string]apiextensions.JSONSchemaProps{${entries.join(', ')}}`;
}

function jsonSlice(v: unknown): string {
  if (!Array.isArray(v) || v.length === 0) return '[]apiextensions.JSON(nil)';
  return `[]apiextensions.JSON{${v.map((x) => goSyntax(x)).join(', ')}}`;
}

/** %#v of an apiextensions.JSONSchemaProps. */
export function goSchema(x: JSONSchemaProps): string {
  const fields: Array<[string, string]> = [
    ['ID', s(x.id)],
    ['Schema', s(x.$schema)],
    ['Ref', pointer('string', has(x.$ref))],
    ['Description', s(x.description)],
    ['Type', s(x.type)],
    ['Format', s(x.format)],
    ['Title', s(x.title)],
    ['Default', pointer('apiextensions.JSON', has(x.default))],
    ['Maximum', pointer('float64', typeof x.maximum === 'number')],
    ['ExclusiveMaximum', b(x.exclusiveMaximum)],
    ['Minimum', pointer('float64', typeof x.minimum === 'number')],
    ['ExclusiveMinimum', b(x.exclusiveMinimum)],
    ['MaxLength', pointer('int64', typeof x.maxLength === 'number')],
    ['MinLength', pointer('int64', typeof x.minLength === 'number')],
    ['Pattern', s(x.pattern)],
    ['MaxItems', pointer('int64', typeof x.maxItems === 'number')],
    ['MinItems', pointer('int64', typeof x.minItems === 'number')],
    ['UniqueItems', b(x.uniqueItems)],
    ['MultipleOf', pointer('float64', typeof x.multipleOf === 'number')],
    ['Enum', jsonSlice(x.enum)],
    ['MaxProperties', pointer('int64', typeof x.maxProperties === 'number')],
    ['MinProperties', pointer('int64', typeof x.minProperties === 'number')],
    ['Required', strSlice(x.required)],
    ['Items', pointer('apiextensions.JSONSchemaPropsOrArray', has(x.items))],
    ['AllOf', schemaSlice(x.allOf)],
    ['OneOf', schemaSlice(x.oneOf)],
    ['AnyOf', schemaSlice(x.anyOf)],
    ['Not', pointer('apiextensions.JSONSchemaProps', has(x.not))],
    ['Properties', schemaMap(x.properties)],
    ['AdditionalProperties', pointer('apiextensions.JSONSchemaPropsOrBool', has(x.additionalProperties))],
    ['PatternProperties', schemaMap(x.patternProperties)],
    ['Dependencies', isObject(x.dependencies) ? 'apiextensions.JSONSchemaDependencies{...}' : 'apiextensions.JSONSchemaDependencies(nil)'],
    ['AdditionalItems', pointer('apiextensions.JSONSchemaPropsOrBool', has(x.additionalItems))],
    ['Definitions', isObject(x.definitions) ? 'apiextensions.JSONSchemaDefinitions{...}' : 'apiextensions.JSONSchemaDefinitions(nil)'],
    ['ExternalDocs', pointer('apiextensions.ExternalDocumentation', has(x.externalDocs))],
    ['Example', pointer('apiextensions.JSON', has(x.example))],
    ['Nullable', b(x.nullable)],
    ['XPreserveUnknownFields', pointer('bool', has(x['x-kubernetes-preserve-unknown-fields']))],
    ['XEmbeddedResource', b(x['x-kubernetes-embedded-resource'])],
    ['XIntOrString', b(x['x-kubernetes-int-or-string'])],
    ['XListMapKeys', strSlice(x['x-kubernetes-list-map-keys'])],
    ['XListType', pointer('string', has(x['x-kubernetes-list-type']))],
    ['XMapType', pointer('string', has(x['x-kubernetes-map-type']))],
    ['XValidations', Array.isArray(x['x-kubernetes-validations']) && x['x-kubernetes-validations'].length ? 'apiextensions.ValidationRules{...}' : 'apiextensions.ValidationRules(nil)'],
  ];
  return `apiextensions.JSONSchemaProps{${fields.map(([k, v]) => `${k}:${v}`).join(', ')}}`;
}

function goColumn(c: CustomResourceColumnDefinition): string {
  return `apiextensions.CustomResourceColumnDefinition{Name:${s(c.name)}, Type:${s(c.type)}, Format:${s(c.format)}, Description:${s(c.description)}, Priority:${typeof c.priority === 'number' ? goNumber(c.priority) : '0'}, JSONPath:${s(c.jsonPath)}}`;
}

export interface InternalVersionView {
  readonly version: CustomResourceDefinitionVersion;
  /** The per-version fields left after identical ones were moved to the spec. */
  readonly schema: unknown;
  readonly subresources: CustomResourceSubresources | undefined;
  readonly columns: CustomResourceColumnDefinition[] | undefined;
}

/** %#v of the internal []CustomResourceDefinitionVersion. */
export function goVersions(versions: readonly InternalVersionView[]): GoText {
  if (versions.length === 0) return new GoText('[]apiextensions.CustomResourceDefinitionVersion(nil)');
  const items = versions.map((v) => {
    const cols = v.columns && v.columns.length ? `[]apiextensions.CustomResourceColumnDefinition{${v.columns.map(goColumn).join(', ')}}` : '[]apiextensions.CustomResourceColumnDefinition(nil)';
    const selectable = Array.isArray(v.version.selectableFields) && v.version.selectableFields.length ? '[]apiextensions.SelectableField{...}' : '[]apiextensions.SelectableField(nil)';
    return (
      `apiextensions.CustomResourceDefinitionVersion{Name:${s(v.version.name)}, Served:${b(v.version.served)}, Storage:${b(v.version.storage)}, ` +
      `Deprecated:${b(v.version.deprecated)}, DeprecationWarning:${pointer('string', typeof v.version.deprecationWarning === 'string')}, ` +
      `Schema:${pointer('apiextensions.CustomResourceValidation', has(v.schema))}, Subresources:${pointer('apiextensions.CustomResourceSubresources', has(v.subresources))}, ` +
      `AdditionalPrinterColumns:${cols}, SelectableFields:${selectable}}`
    );
  });
  return new GoText(`[]apiextensions.CustomResourceDefinitionVersion{${items.join(', ')}}`);
}
