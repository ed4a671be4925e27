// Decoding checks of a JSON object against a definition, as kube-apiserver's
// strict JSON decoder (sigs.k8s.io/json into the Go types) reports them:
//   - unknown fields, path with [i] for list items and .key for map keys:
//       unknown field "spec.template.spec.containers[0].foo"
//   - wrong JSON types, in encoding/json's words: struct name of the innermost
//     Go struct, then the JSON field names from the root without indices or map
//     keys, then the Go type:
//       json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container
// Required fields are not checked here (that is validation, not decoding).
// One compiled checker per definition, built on first use.

import { definitions, refName, type SchemaObject } from './schema.js';

export type UnknownFieldMode = 'strict' | 'warn' | 'ignore';

export interface ValidateOptions {
  unknownFields: UnknownFieldMode;
}

export interface FieldTypeError {
  /** Where the bad value is, as in unknown-field paths: `spec.containers[0].image`. */
  readonly path: string;
  /** The decoder's message, e.g. `json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string`. */
  readonly message: string;
}

export interface ValidationResult {
  /** Upstream format: `unknown field "spec.foo"`. Empty when unknownFields is 'ignore'. */
  readonly unknownFields: string[];
  readonly typeErrors: FieldTypeError[];
}

type Segment = string | number;

interface Context {
  readonly reportUnknown: boolean;
  /** Path of the current value: field names, map keys and list indices. */
  readonly path: Segment[];
  /** Which path segments are JSON struct field names (Go's error field stack). */
  readonly isField: boolean[];
  /** Name of the innermost Go struct being decoded. */
  struct: string;
  readonly unknownFields: string[];
  readonly typeErrors: FieldTypeError[];
}

type Check = (value: unknown, ctx: Context) => void;

function formatPath(path: readonly Segment[], extra?: string): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  if (extra !== undefined) out += out ? `.${extra}` : extra;
  return out;
}

function goFieldPath(ctx: Context): string {
  const names: string[] = [];
  for (let i = 0; i < ctx.path.length; i++) if (ctx.isField[i]) names.push(ctx.path[i] as string);
  return names.join('.');
}

function jsonKind(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

function typeError(ctx: Context, value: unknown, goType: string, valueText?: string): void {
  const what = valueText ?? jsonKind(value);
  const field = goFieldPath(ctx);
  const message = field
    ? `json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${field} of type ${goType}`
    : `json: cannot unmarshal ${what} into Go value of type ${goType}`;
  ctx.typeErrors.push({ path: formatPath(ctx.path), message });
}

function plainError(ctx: Context, message: string): void {
  ctx.typeErrors.push({ path: formatPath(ctx.path), message });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------
// Go type names, for messages

/** Go package name of a definition: io.k8s.api.core.v1.Pod -> v1, io.k8s.apimachinery.pkg.util.intstr.IntOrString -> intstr. */
function goTypeOfDefinition(name: string): string {
  const parts = name.split('.');
  return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
}

/** Named Go string types of common fields (the decoder names them in messages). */
const NAMED_STRING_TYPES: Record<string, string> = {
  'io.k8s.api.core.v1.Container.imagePullPolicy': 'v1.PullPolicy',
  'io.k8s.api.core.v1.Container.terminationMessagePolicy': 'v1.TerminationMessagePolicy',
  'io.k8s.api.core.v1.ContainerPort.protocol': 'v1.Protocol',
  'io.k8s.api.core.v1.ServicePort.protocol': 'v1.Protocol',
  'io.k8s.api.core.v1.PodSpec.restartPolicy': 'v1.RestartPolicy',
  'io.k8s.api.core.v1.PodSpec.dnsPolicy': 'v1.DNSPolicy',
  'io.k8s.api.core.v1.ServiceSpec.type': 'v1.ServiceType',
  'io.k8s.api.core.v1.ServiceSpec.sessionAffinity': 'v1.ServiceAffinity',
  'io.k8s.api.core.v1.Secret.type': 'v1.SecretType',
  'io.k8s.api.apps.v1.DeploymentStrategy.type': 'v1.DeploymentStrategyType',
};

/** Named Go map types. */
const NAMED_MAP_TYPES: Record<string, string> = {
  'io.k8s.api.core.v1.ResourceRequirements.limits': 'v1.ResourceList',
  'io.k8s.api.core.v1.ResourceRequirements.requests': 'v1.ResourceList',
  'io.k8s.api.core.v1.VolumeResourceRequirements.limits': 'v1.ResourceList',
  'io.k8s.api.core.v1.VolumeResourceRequirements.requests': 'v1.ResourceList',
  'io.k8s.api.core.v1.ResourceQuotaSpec.hard': 'v1.ResourceList',
  'io.k8s.api.core.v1.ResourceQuotaStatus.hard': 'v1.ResourceList',
  'io.k8s.api.core.v1.ResourceQuotaStatus.used': 'v1.ResourceList',
  'io.k8s.api.core.v1.NodeStatus.capacity': 'v1.ResourceList',
  'io.k8s.api.core.v1.NodeStatus.allocatable': 'v1.ResourceList',
  'io.k8s.api.core.v1.PersistentVolumeSpec.capacity': 'v1.ResourceList',
  'io.k8s.api.core.v1.PersistentVolumeClaimStatus.capacity': 'v1.ResourceList',
  'io.k8s.api.core.v1.PodSpec.overhead': 'v1.ResourceList',
};

function goTypeOf(schema: SchemaObject, fieldKey?: string): string {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    // Types with their own JSON decoding report their inner Go type.
    if (name === 'io.k8s.apimachinery.pkg.apis.meta.v1.Time' || name === 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime') return 'string';
    return goTypeOfDefinition(name);
  }
  switch (schema.type) {
    case 'string':
      if (schema.format === 'byte') return '[]uint8';
      return (fieldKey && NAMED_STRING_TYPES[fieldKey]) ?? 'string';
    case 'integer':
      return schema.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'array':
      return `[]${schema.items ? goTypeOf(schema.items) : 'interface {}'}`;
    case 'object':
      if (fieldKey && NAMED_MAP_TYPES[fieldKey]) return NAMED_MAP_TYPES[fieldKey];
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') return `map[string]${goTypeOf(schema.additionalProperties)}`;
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}

// ---------------------------------------------------------------------------
// Scalars with custom decoding

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_LIMIT = 2 ** 63;

function checkInteger(value: unknown, ctx: Context, goType: string, int32: boolean): void {
  if (value === null) return;
  if (typeof value !== 'number') return typeError(ctx, value, goType);
  const ok = Number.isInteger(value) && (int32 ? value >= INT32_MIN && value <= INT32_MAX : Math.abs(value) < INT64_LIMIT);
  if (!ok) typeError(ctx, value, goType, `number ${String(value)}`);
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/** Go's base64.StdEncoding.Decode, reduced to its verdict: the offset of the first bad byte, or -1. */
export function base64Error(src: string): number {
  const isNewline = (c: string | undefined): boolean => c === '\n' || c === '\r';
  let si = 0;
  while (si < src.length) {
    let j = 0;
    while (j < 4) {
      if (si === src.length) {
        if (j === 0) return -1;
        return si - j;
      }
      const c = src[si] as string;
      si++;
      if (BASE64_ALPHABET.test(c)) {
        j++;
        continue;
      }
      if (isNewline(c)) continue;
      if (c !== '=') return si - 1;
      // Padding: valid only after 2 or 3 symbols of a quantum, and must end the input.
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return src.length;
        if (src[si] !== '=') return si - 1;
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      return si < src.length ? si : -1;
    }
  }
  return -1;
}

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/;
const QUANTITY_SUFFIXES = new Set(['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E']);

/** resource.ParseQuantity's errors: undefined when the text is a quantity. */
export function quantityError(text: string): string | undefined {
  const s = text.trim();
  if (!s) return QUANTITY_FORMAT;
  const m = QUANTITY_NUMBER.exec(s);
  if (!m) return QUANTITY_FORMAT;
  const suffix = s.slice(m[0].length);
  if (QUANTITY_SUFFIXES.has(suffix)) return undefined;
  if (/^[eE][+-]?[0-9]+$/.test(suffix)) return undefined;
  if (/^[eEinumkKMGTP]*[-+]?[0-9]*$/.test(suffix)) return 'unable to parse quantity\'s suffix';
  return QUANTITY_FORMAT;
}

const checkQuantity: Check = (value, ctx) => {
  if (value === null) return;
  // Quantity.UnmarshalJSON parses a JSON string's content or the raw token text.
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  const err = quantityError(text);
  if (err) plainError(ctx, err);
};

const checkIntOrString: Check = (value, ctx) => {
  if (value === null || typeof value === 'string') return;
  // IntOrString.UnmarshalJSON decodes anything but a JSON string into an int32.
  checkInteger(value, ctx, 'int32', true);
};

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const checkTime: Check = (value, ctx) => {
  if (value === null) return;
  if (typeof value !== 'string') return typeError(ctx, value, 'string');
  if (!RFC3339.test(value)) {
    plainError(ctx, `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`);
  }
};

const anything: Check = () => {};

/** Definitions decoded by custom code that accepts any JSON (or is checked no further). */
const OPAQUE = new Set([
  'io.k8s.apimachinery.pkg.runtime.RawExtension',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray',
]);

const SPECIAL: Record<string, Check> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': checkQuantity,
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': checkIntOrString,
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': checkTime,
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': checkTime,
};

// ---------------------------------------------------------------------------
// Compilation

export class SchemaCompiler {
  private readonly compiled = new Map<string, Check>();

  constructor(private readonly defs: Readonly<Record<string, SchemaObject>> = definitions) {}

  /** The checker of a definition (compiled once; recursion-safe). */
  definition(name: string): Check {
    const existing = this.compiled.get(name);
    if (existing) return existing;
    const special = SPECIAL[name] ?? (OPAQUE.has(name) ? anything : undefined);
    if (special) {
      this.compiled.set(name, special);
      return special;
    }
    const schema = this.defs[name];
    if (!schema) throw new Error(`unknown definition ${name}`);
    // A placeholder first, so a definition that reaches itself compiles.
    const holder: { impl?: Check } = {};
    this.compiled.set(name, (value, ctx) => (holder.impl as Check)(value, ctx));
    holder.impl = this.schema(schema, goTypeOfDefinition(name), name);
    this.compiled.set(name, holder.impl);
    return holder.impl;
  }

  /**
   * A checker for `schema`. `goType` names the Go type for messages; `structName`
   * is set when the schema is a definition (a Go struct) whose fields we check.
   */
  private schema(schema: SchemaObject, goType: string, definitionName?: string): Check {
    if (schema.$ref) {
      const name = refName(schema.$ref);
      // Resolved lazily so mutually recursive definitions compile.
      let target: Check | undefined;
      return (value, ctx) => (target ??= this.definition(name))(value, ctx);
    }
    if (schema.allOf?.length === 1 && schema.allOf[0]) return this.schema(schema.allOf[0], goType, definitionName);
    if (schema['x-kubernetes-preserve-unknown-fields']) return this.preserveUnknown(schema);
    switch (schema.type) {
      case 'string':
        if (schema.format === 'byte') return this.bytes(goType);
        if (schema.format === 'int-or-string') return checkIntOrString;
        if (schema.format === 'date-time') return checkTime;
        return (value, ctx) => {
          if (value !== null && typeof value !== 'string') typeError(ctx, value, goType);
        };
      case 'integer': {
        const int32 = schema.format === 'int32';
        return (value, ctx) => checkInteger(value, ctx, goType, int32);
      }
      case 'number':
        return (value, ctx) => {
          if (value !== null && typeof value !== 'number') typeError(ctx, value, goType);
        };
      case 'boolean':
        return (value, ctx) => {
          if (value !== null && typeof value !== 'boolean') typeError(ctx, value, goType);
        };
      case 'array':
        return this.array(schema, goType);
      case 'object':
      case undefined:
        if (schema.properties) return this.struct(schema, goType, definitionName);
        if (schema.additionalProperties && typeof schema.additionalProperties === 'object') return this.map(schema.additionalProperties, goType);
        if (schema.type === 'object' && definitionName) return this.struct(schema, goType, definitionName);
        return anything;
      default:
        return anything;
    }
  }

  private bytes(goType: string): Check {
    return (value, ctx) => {
      if (value === null) return;
      if (typeof value !== 'string') return typeError(ctx, value, goType);
      const at = base64Error(value);
      if (at >= 0) plainError(ctx, `illegal base64 data at input byte ${at}`);
    };
  }

  private array(schema: SchemaObject, goType: string): Check {
    const itemSchema = schema.items;
    const item = itemSchema ? this.schema(itemSchema, goTypeOf(itemSchema)) : anything;
    return (value, ctx) => {
      if (value === null) return;
      if (!Array.isArray(value)) return typeError(ctx, value, goType);
      const depth = ctx.path.length;
      for (let i = 0; i < value.length; i++) {
        ctx.path[depth] = i;
        ctx.isField[depth] = false;
        item(value[i], ctx);
      }
      ctx.path.length = depth;
      ctx.isField.length = depth;
    };
  }

  private map(valueSchema: SchemaObject, goType: string): Check {
    const elem = this.schema(valueSchema, goTypeOf(valueSchema));
    return (value, ctx) => {
      if (value === null) return;
      if (!isObject(value)) return typeError(ctx, value, goType);
      const depth = ctx.path.length;
      for (const key in value) {
        ctx.path[depth] = key;
        ctx.isField[depth] = false;
        elem(value[key], ctx);
      }
      ctx.path.length = depth;
      ctx.isField.length = depth;
    };
  }

  private preserveUnknown(schema: SchemaObject): Check {
    // Known properties are still type-checked; nothing is unknown.
    if (!schema.properties) return anything;
    const props = new Map<string, Check>();
    for (const [field, s] of Object.entries(schema.properties)) props.set(field, this.schema(s, goTypeOf(s)));
    return (value, ctx) => {
      if (!isObject(value)) return;
      const depth = ctx.path.length;
      for (const key in value) {
        const check = props.get(key);
        if (!check) continue;
        ctx.path[depth] = key;
        ctx.isField[depth] = true;
        check(value[key], ctx);
      }
      ctx.path.length = depth;
      ctx.isField.length = depth;
    };
  }

  private struct(schema: SchemaObject, goType: string, definitionName?: string): Check {
    const structName = goType.slice(goType.lastIndexOf('.') + 1);
    const props = new Map<string, Check>();
    for (const [field, s] of Object.entries(schema.properties ?? {})) {
      const key = definitionName ? `${definitionName}.${field}` : undefined;
      props.set(field, this.schema(s, goTypeOf(s, key)));
    }
    return (value, ctx) => {
      if (value === null) return;
      if (!isObject(value)) return typeError(ctx, value, goType);
      const depth = ctx.path.length;
      const outer = ctx.struct;
      for (const key in value) {
        const check = props.get(key);
        if (!check) {
          if (ctx.reportUnknown) {
            ctx.path.length = depth;
            ctx.unknownFields.push(`unknown field "${formatPath(ctx.path, key)}"`);
          }
          continue;
        }
        ctx.path[depth] = key;
        ctx.isField[depth] = true;
        ctx.struct = structName;
        check(value[key], ctx);
      }
      ctx.struct = outer;
      ctx.path.length = depth;
      ctx.isField.length = depth;
    };
  }
}

const builtin = new SchemaCompiler();

/**
 * Checks `obj` as the apiserver's strict decoder would decode it into the Go type
 * of `definitionName`. Unknown fields are collected unless `unknownFields` is
 * 'ignore' ('strict' and 'warn' differ only in what the caller does with them).
 */
export function validateAgainstSchema(obj: unknown, definitionName: string, options: ValidateOptions, compiler: SchemaCompiler = builtin): ValidationResult {
  const check = compiler.definition(definitionName);
  const ctx: Context = {
    reportUnknown: options.unknownFields !== 'ignore',
    path: [],
    isField: [],
    struct: goTypeOfDefinition(definitionName).split('.')[1] ?? '',
    unknownFields: [],
    typeErrors: [],
  };
  check(obj, ctx);
  return { unknownFields: ctx.unknownFields, typeErrors: ctx.typeErrors };
}
