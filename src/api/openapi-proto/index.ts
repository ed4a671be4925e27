// The OpenAPI v2 document in gnostic's protobuf form, as kube-apiserver serves it at
// /openapi/v2 (and /swagger-2.0.0.pb-v1) for
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`: kube-openapi's
// handler parses the JSON document with gnostic's `openapi_v2.ParseDocument` and
// marshals the resulting `openapi_v2.Document`. kubectl 1.27's client-side apply asks
// for nothing else; newer kubectl fetches it for `create -f` of a List and for
// `explain --output=plaintext-openapiv2`.
//
// The schema (`openapiv2/OpenAPIv2.proto` of github.com/google/gnostic-models) is read
// out of kubectl by scripts/gen-openapi-proto-descriptor.mjs into openapiv2.json.
//
// The JSON -> message mapping follows gnostic's generated `NewXxx` functions:
//  - a JSON key `fooBar` is the field `foo_bar`, `$ref` is `_ref`;
//  - `x-*` keys become `vendor_extension: NamedAny[]` whose `Any.yaml` is the value as
//    YAML text (kubectl's kube-openapi reads them back with yaml.Unmarshal: patch
//    strategy and merge key, list type and map keys, group-version-kind, ...);
//  - `default`, `example` and each `enum` item are an `Any` with YAML text too;
//  - JSON objects used as maps (definitions, properties, securityDefinitions, ...) are
//    `additional_properties: NamedX[]` in document order; `paths` splits into `path`
//    ("/..." keys) and `vendor_extension`, `responses` into `response_code` (three
//    digits or "default") and `vendor_extension`;
//  - Schema.type is `TypeItem { value: string[] }`, Schema.items `ItemsItem { schema:
//    Schema[] }`, Schema.additionalProperties `AdditionalPropertiesItem` (schema or
//    boolean);
//  - the oneofs pick the alternative gnostic would: a parameter with `$ref` is a
//    JsonReference, `in: body` a BodyParameter, else a NonBodyParameter by `in`; a
//    response with `$ref` (and at most a description) is a JsonReference; a response
//    schema of `type: file` a FileSchema; a security definition by `type` (and `flow`).
// Keys gnostic does not allow in a place (it would reject the whole document) are
// dropped, as are values of the wrong JSON type.
//
// Pure: no I/O. The schema is built on first use, not at import.

import protobuf from 'protobufjs/light.js';
import { parse as parseYaml } from 'yaml';
import descriptor from './openapiv2.json' with { type: 'json' };

/** What kubectl (client-go's discovery) sends in Accept. */
export const OPENAPI_V2_PROTOBUF_MEDIA_TYPE = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/**
 * What kube-openapi answers in Content-Type for either protobuf media type: "@" is no
 * token character, and client-go fails on the reply ("mime: unexpected content after
 * media subtype") if the Content-Type carries it.
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * kube-openapi's content negotiation for /openapi/v2 (goautoneg): the clauses of Accept
 * by quality (q=0 refused), then specificity; the first that matches, in the order json,
 * the deprecated protobuf type, the protobuf type, wins. An empty Accept is `*\/*` (JSON).
 * undefined: nothing acceptable (kube-apiserver answers 406 with an empty body).
 */
export function negotiateOpenAPIV2(accept: string | undefined): 'json' | 'protobuf' | undefined {
  const clauses = (accept && accept.trim() ? accept : '*/*')
    .split(',')
    .map((part, index) => {
      const [range = '', ...params] = part.split(';').map((s) => s.trim());
      const [type = '', subType = ''] = range.split('/').map((s) => s.trim().toLowerCase());
      let q = 1;
      for (const param of params) {
        const m = /^q\s*=\s*([0-9.]+)$/i.exec(param);
        if (m) q = Number(m[1]);
      }
      return { type, subType, q: Number.isNaN(q) ? 0 : q, index };
    })
    .filter((c) => c.type !== '' && c.q > 0)
    .sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index);
  const offers: Array<[string, 'json' | 'protobuf']> = [
    ['json', 'json'],
    ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'protobuf'],
    ['com.github.proto-openapi.spec.v2.v1.0+protobuf', 'protobuf'],
  ];
  for (const clause of clauses) {
    if (clause.type !== 'application' && clause.type !== '*') continue;
    for (const [subType, format] of offers) {
      if (clause.subType === subType || clause.subType === '*') return format;
    }
  }
  return undefined;
}

const specificity = (c: { type: string; subType: string }): number => (c.type === '*' ? 0 : c.subType === '*' ? 1 : 2);

type Json = unknown;
type JsonObject = Record<string, Json>;
/** A message as protobufjs encodes it: field name -> value. */
type Message = Record<string, unknown>;

const PACKAGE = 'openapi.v2';

interface Schema {
  root: protobuf.Root;
  document: protobuf.Type;
  /** Per message: JSON key -> field (without vendor_extension). */
  jsonFields: Map<protobuf.Type, Map<string, protobuf.Field>>;
}

let loaded: Schema | undefined;

function schema(): Schema {
  if (!loaded) {
    const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
    root.resolveAll();
    loaded = { root, document: root.lookupType(`${PACKAGE}.Document`), jsonFields: new Map() };
  }
  return loaded;
}

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const jsonKeyOf = (field: protobuf.Field): string => (field.name === '_ref' ? '$ref' : camel(field.name));

function jsonFieldsOf(type: protobuf.Type): Map<string, protobuf.Field> {
  const s = schema();
  let fields = s.jsonFields.get(type);
  if (!fields) {
    fields = new Map();
    for (const field of type.fieldsArray) {
      if (field.name !== 'vendor_extension') fields.set(jsonKeyOf(field), field);
    }
    s.jsonFields.set(type, fields);
  }
  return fields;
}

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------
// YAML text of Any values

/** YAML 1.1 words a plain scalar must not be (yaml.v2, which kubectl uses, reads them as bool/null). */
const YAML_WORDS = /^(?:y|yes|n|no|on|off|true|false|null)$/i;
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

function yamlString(s: string): string {
  if (PLAIN.test(s) && !YAML_WORDS.test(s)) return s;
  // JSON's escapes are YAML double-quoted escapes; YAML also wants C1 controls, DEL and
  // the Unicode line separators escaped.
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function yamlScalar(value: Json): string {
  if (typeof value === 'string') return yamlString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? '.inf' : value < 0 ? '-.inf' : '.nan';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  return 'null';
}

const isNonEmptyContainer = (value: Json): boolean => (Array.isArray(value) ? value.length > 0 : isObject(value) && Object.keys(value).length > 0);

function yamlLines(value: Json): string[] {
  if (Array.isArray(value) && value.length > 0) {
    return value.flatMap((item) => (isNonEmptyContainer(item) ? yamlLines(item) : [yamlScalar(item)]).map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`)));
  }
  if (isObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, item]) =>
      isNonEmptyContainer(item) ? [`${yamlString(key)}:`, ...yamlLines(item).map((line) => `  ${line}`)] : [`${yamlString(key)}: ${yamlScalar(item)}`],
    );
  }
  return [yamlScalar(value)];
}

/** A JSON value as block YAML, as gnostic's compiler.Marshal writes it (a trailing newline). */
export function toYaml(value: Json): string {
  return `${yamlLines(value).join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// JSON -> message

const RESPONSE_CODE = /^([0-9]{3})$|^(default)$/;
const SECURITY_BY_TYPE: Record<string, string> = { basic: 'basic_authentication_security', apiKey: 'api_key_security' };
const OAUTH2_BY_FLOW: Record<string, string> = {
  implicit: 'oauth2_implicit_security',
  password: 'oauth2_password_security',
  application: 'oauth2_application_security',
  accessCode: 'oauth2_access_code_security',
};
const NON_BODY_BY_IN: Record<string, string> = {
  header: 'header_parameter_sub_schema',
  formData: 'form_data_parameter_sub_schema',
  query: 'query_parameter_sub_schema',
  path: 'path_parameter_sub_schema',
};

const vendorExtension = (key: string, value: Json): Message => ({ name: key, value: { yaml: toYaml(value) } });

/** A message of `type` holding one alternative of its oneof, or undefined. */
function oneof(type: protobuf.Type, field: string, json: Json): Message | undefined {
  const f = type.fields[field];
  const value = f?.resolvedType instanceof protobuf.Type ? toMessage(f.resolvedType, json) : undefined;
  return value === undefined ? undefined : { [field]: value };
}

/** Messages that hold a JSON object as `additional_properties: NamedX[]`. */
function namedMapField(type: protobuf.Type): protobuf.Field | undefined {
  const fields = type.fieldsArray;
  const only = fields.length === 1 ? fields[0] : undefined;
  return only && only.name === 'additional_properties' && only.repeated && only.resolvedType instanceof protobuf.Type && only.resolvedType.name.startsWith('Named') ? only : undefined;
}

function named(entryType: protobuf.Type, name: string, json: Json): Message | undefined {
  const valueField = entryType.fields.value;
  if (!valueField) return undefined;
  const value = fieldValue(valueField, json);
  return value === undefined ? undefined : { name, value };
}

function toMessage(type: protobuf.Type, json: Json): Message | undefined {
  switch (type.name) {
    case 'Any':
      return { yaml: toYaml(json) };
    case 'TypeItem': {
      const values = Array.isArray(json) ? json : [json];
      return values.every((v) => typeof v === 'string') ? { value: values } : undefined;
    }
    case 'ItemsItem': {
      const schemaType = type.fields.schema!.resolvedType as protobuf.Type;
      const schemas = (Array.isArray(json) ? json : [json]).map((s) => toMessage(schemaType, s));
      return schemas.every((s) => s !== undefined) ? { schema: schemas } : undefined;
    }
    case 'AdditionalPropertiesItem':
      return typeof json === 'boolean' ? { boolean: json } : oneof(type, 'schema', json);
    case 'StringArray':
      return Array.isArray(json) && json.every((v) => typeof v === 'string') ? { value: json } : undefined;
    case 'ParametersItem':
      return isObject(json) && '$ref' in json ? oneof(type, 'json_reference', json) : oneof(type, 'parameter', json);
    case 'Parameter':
      return isObject(json) && json.in === 'body' ? oneof(type, 'body_parameter', json) : oneof(type, 'non_body_parameter', json);
    case 'NonBodyParameter': {
      const field = isObject(json) && typeof json.in === 'string' ? NON_BODY_BY_IN[json.in] : undefined;
      return field ? oneof(type, field, json) : undefined;
    }
    case 'ResponseValue':
      return isObject(json) && '$ref' in json && Object.keys(json).every((k) => k === '$ref' || k === 'description')
        ? oneof(type, 'json_reference', json)
        : oneof(type, 'response', json);
    case 'SchemaItem':
      return isObject(json) && json.type === 'file' ? oneof(type, 'file_schema', json) : oneof(type, 'schema', json);
    case 'SecurityDefinitionsItem': {
      if (!isObject(json) || typeof json.type !== 'string') return undefined;
      const field = json.type === 'oauth2' ? (typeof json.flow === 'string' ? OAUTH2_BY_FLOW[json.flow] : undefined) : SECURITY_BY_TYPE[json.type];
      return field ? oneof(type, field, json) : undefined;
    }
    default:
      break;
  }
  if (!isObject(json)) return undefined;
  const mapField = namedMapField(type);
  if (mapField) {
    const entries: Message[] = [];
    for (const [key, value] of Object.entries(json)) {
      const entry = named(mapField.resolvedType as protobuf.Type, key, value);
      if (entry) entries.push(entry);
    }
    return { additional_properties: entries };
  }
  const out: Message = {};
  const extensions: Message[] = [];
  const hasExtensions = type.fields.vendor_extension !== undefined;
  if (type.name === 'Paths' || type.name === 'Responses') {
    const [field, pattern] = type.name === 'Paths' ? ['path', /^\//] : ['response_code', RESPONSE_CODE];
    const entryType = type.fields[field]!.resolvedType as protobuf.Type;
    const entries: Message[] = [];
    for (const key in json) {
      if (hasExtensions && key.startsWith('x-')) extensions.push(vendorExtension(key, json[key]));
      else if (pattern.test(key)) {
        const entry = named(entryType, key, json[key]);
        if (entry) entries.push(entry);
      }
    }
    out[field] = entries;
  } else {
    const fields = jsonFieldsOf(type);
    for (const key in json) {
      if (hasExtensions && key.startsWith('x-')) {
        extensions.push(vendorExtension(key, json[key]));
        continue;
      }
      const field = fields.get(key);
      if (!field) continue;
      const converted = fieldValue(field, json[key]);
      if (converted !== undefined) out[field.name] = converted;
    }
  }
  if (extensions.length > 0) out.vendor_extension = extensions;
  return out;
}

function scalarValue(type: string, json: Json): unknown {
  switch (type) {
    case 'string':
      return typeof json === 'string' ? json : undefined;
    case 'bool':
      return typeof json === 'boolean' ? json : undefined;
    case 'double':
    case 'float':
      return typeof json === 'number' ? json : undefined;
    case 'int64':
    case 'int32':
      return typeof json === 'number' && Number.isInteger(json) ? json : undefined;
    default:
      return undefined;
  }
}

function fieldValue(field: protobuf.Field, json: Json): unknown {
  const single = (value: Json): unknown => (field.resolvedType instanceof protobuf.Type ? toMessage(field.resolvedType, value) : scalarValue(field.type, value));
  if (!field.repeated) return single(json);
  if (!Array.isArray(json)) return undefined;
  const values = json.map(single);
  return values.every((v) => v !== undefined) ? values : undefined;
}

/** The `/openapi/v2` JSON document as an `openapi_v2.Document` protobuf message. */
export function encodeOpenAPIV2Protobuf(doc: object): Uint8Array {
  const { document } = schema();
  const message = toMessage(document, doc);
  if (!message) throw new Error('the OpenAPI v2 document is not an object');
  return document.encode(message).finish();
}

// ---------------------------------------------------------------------------
// message -> JSON (tests and tools; kube-openapi's inverse, protobuf -> JSON)

const has = (m: Message, key: string): boolean => Object.prototype.hasOwnProperty.call(m, key) && m[key] !== undefined && m[key] !== null;
const asMessages = (value: unknown): Message[] => (Array.isArray(value) ? (value as Message[]) : []);

function fromYaml(text: unknown): Json {
  return typeof text === 'string' && text !== '' ? (parseYaml(text) as Json) : null;
}

function fromOneof(type: protobuf.Type, m: Message): Json {
  for (const field of type.fieldsArray) {
    if (has(m, field.name)) return fromField(field, m[field.name]);
  }
  return null;
}

function fromMessage(type: protobuf.Type, m: Message): Json {
  switch (type.name) {
    case 'Any':
      return fromYaml(m.yaml);
    case 'TypeItem': {
      const values = (m.value as string[] | undefined) ?? [];
      return values.length === 1 ? values[0] : values;
    }
    case 'ItemsItem': {
      const schemas = asMessages(m.schema).map((s) => fromMessage(type.fields.schema!.resolvedType as protobuf.Type, s));
      return schemas.length === 1 ? schemas[0] : schemas;
    }
    case 'StringArray':
      return (m.value as string[] | undefined) ?? [];
    default:
      break;
  }
  if (type.oneofsArray.length > 0) return fromOneof(type, m);
  const out: JsonObject = {};
  const mapField = namedMapField(type);
  if (mapField) {
    for (const entry of asMessages(m.additional_properties)) out[String(entry.name ?? '')] = fromNamedValue(mapField.resolvedType as protobuf.Type, entry);
    return out;
  }
  for (const field of type.fieldsArray) {
    if (!has(m, field.name) || field.name === 'vendor_extension') continue;
    if ((type.name === 'Paths' && field.name === 'path') || (type.name === 'Responses' && field.name === 'response_code')) {
      for (const entry of asMessages(m[field.name])) out[String(entry.name ?? '')] = fromNamedValue(field.resolvedType as protobuf.Type, entry);
      continue;
    }
    out[jsonKeyOf(field)] = fromField(field, m[field.name]);
  }
  for (const extension of asMessages(m.vendor_extension)) {
    const value = extension.value as Message | undefined;
    out[String(extension.name ?? '')] = value ? fromYaml(value.yaml) : null;
  }
  return out;
}

function fromNamedValue(entryType: protobuf.Type, entry: Message): Json {
  const valueField = entryType.fields.value!;
  return has(entry, 'value') ? fromField(valueField, entry.value) : valueField.resolvedType instanceof protobuf.Type ? fromMessage(valueField.resolvedType, {}) : '';
}

function fromField(field: protobuf.Field, value: unknown): Json {
  const single = (v: unknown): Json => (field.resolvedType instanceof protobuf.Type ? fromMessage(field.resolvedType, v as Message) : (v as Json));
  return field.repeated ? asMessages(value).map(single) : single(value);
}

/** An `openapi_v2.Document` protobuf message back in its JSON form. */
export function decodeOpenAPIV2Protobuf(bytes: Uint8Array): object {
  const { document } = schema();
  const message = document.toObject(document.decode(bytes), { longs: Number });
  return fromMessage(document, message) as object;
}
