// Kubernetes protobuf bodies (application/vnd.kubernetes.protobuf) and the JSON wire
// form Skiff works in. kubectl 1.32+ sends the objects of its typed commands (create
// configmap/secret/deployment/..., create token, auth can-i, auth whoami) as protobuf.
//
// A body is the 4 bytes "k8s\0" and a runtime.Unknown { typeMeta {apiVersion, kind}, raw,
// contentEncoding, contentType } whose raw is the typed message. The schemas are the
// upstream generated.proto files, extracted from kubectl by
// scripts/gen-proto-descriptors.mjs into descriptors.json (protobufjs JSON). The JSON
// form is what Go's encoding/json prints for the decoded Go struct, from the facts the
// generator read out of kubectl's Go struct tags: proto field names are the JSON names
// except where a field says `json_name`; `inline` fields (embedded structs) spread into
// their parent; a Go value scalar (gogo writes it even when zero) is omitted when zero
// unless its tag lacks omitempty (`omitempty: false`); a `go_pointer` scalar is kept
// whenever it is on the wire, zero or not; an empty list or map is omitted (Go would
// print null where the tag lacks omitempty). A handful of apimachinery types have custom
// encodings: Time, MicroTime, Duration, IntOrString, Quantity, RawExtension, FieldsV1
// and the string-list wrappers (Verbs, ExtraValue).
//
// Pure: no I/O. The schema is built on first use (or preloadProtobufSchema()), not at import.

import protobuf from 'protobufjs/light.js';
import descriptors from './descriptors.json' with { type: 'json' };

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The prefix of every Kubernetes protobuf body: "k8s" and a zero byte. */
const MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export type ProtobufDecodeResult =
  | { ok: true; object: Record<string, unknown> }
  /** code: 415 when Skiff has no schema for the kind or encoding, 400 when the bytes are bad. */
  | { ok: false; message: string; code: 400 | 415 };

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const DURATION = `${META}.Duration`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = '.k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = '.k8s.io.apimachinery.pkg.api.resource.Quantity';
const QUANTITY_VALUE = '.k8s.io.apimachinery.pkg.api.resource.QuantityValue';
const RAW_EXTENSION = '.k8s.io.apimachinery.pkg.runtime.RawExtension';
const UNKNOWN = '.k8s.io.apimachinery.pkg.runtime.Unknown';
/** Go named []string types that go-to-protobuf wraps as `message X { repeated string items = 1; }`. */
const STRING_LISTS = new Set([
  `${META}.Verbs`,
  '.k8s.io.api.authentication.v1.ExtraValue',
  '.k8s.io.api.authorization.v1.ExtraValue',
  '.k8s.io.api.certificates.v1.ExtraValue',
]);
/** Types whose JSON may be null: an empty message on the wire. */
const NULLABLE_JSON = new Set([TIME, MICRO_TIME, RAW_EXTENSION, FIELDS_V1]);

/** meta/v1 kinds that every group version accepts (metav1.AddToGroupVersion). */
const META_KINDS = new Set([
  'APIGroup',
  'APIGroupList',
  'APIResourceList',
  'APIVersions',
  'CreateOptions',
  'DeleteOptions',
  'GetOptions',
  'List',
  'ListOptions',
  'PartialObjectMetadata',
  'PartialObjectMetadataList',
  'PatchOptions',
  'Status',
  'Table',
  'UpdateOptions',
  'WatchEvent',
]);

/** Options generated into descriptors.json (see scripts/gen-proto-descriptors.mjs). */
interface FieldOptions {
  /** A scalar that is a Go pointer: set when on the wire, even if zero. */
  go_pointer?: boolean;
  /** The JSON name, where it is not the proto name. */
  json_name?: string;
  /** An embedded struct whose fields sit in the parent JSON object. */
  inline?: boolean;
  /** false: a Go value scalar whose JSON tag lacks omitempty, printed even when zero. */
  omitempty?: boolean;
}

type Message = Record<string, unknown>;

class DecodeError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 415 = 400,
  ) {
    super(message);
  }
}

let root: protobuf.Root | undefined;

function schema(): protobuf.Root {
  if (!root) {
    const loaded = protobuf.Root.fromJSON(descriptors as unknown as protobuf.INamespace);
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}

/** Builds the schema now (about 100-150 ms, a few MB) instead of on the first protobuf body. */
export function preloadProtobufSchema(): void {
  schema();
}

function lookupType(fullName: string): protobuf.Type | undefined {
  const found = schema().lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}

/**
 * The message type of apiVersion+kind: `apps/v1` Deployment -> k8s.io.api.apps.v1.Deployment,
 * core `v1` -> k8s.io.api.core.v1, `rbac.authorization.k8s.io/v1` -> k8s.io.api.rbac.v1;
 * DeleteOptions, Status and the other meta kinds -> k8s.io.apimachinery.pkg.apis.meta.v1.
 */
function kindType(apiVersion: string, kind: string): protobuf.Type | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind) || !/^v[0-9][a-z0-9]*$/.test(version) || !/^[a-z0-9.-]*$/.test(group)) return undefined;
  if (group !== 'meta.k8s.io') {
    const pkg = group === '' ? 'core' : group.split('.')[0];
    const type = lookupType(`.k8s.io.api.${pkg}.${version}.${kind}`);
    // A kind is a top-level object (it has metadata), not a part like Container.
    if (type?.fields['metadata']) return type;
  }
  if (META_KINDS.has(kind) && version === 'v1') return lookupType(`${META}.${kind}`);
  return undefined;
}

function fieldOptions(field: protobuf.Field): FieldOptions {
  return (field.options ?? {}) as FieldOptions;
}

function own(message: Message, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, key);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

// ---- decoding: protobufjs message -> JSON

/** An int64 decodes to a Long (long.js is installed) or a number. */
function longToBigInt(value: unknown): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'object' && value !== null && 'toString' in value) return BigInt(String(value));
  return 0n;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'toNumber' in value && typeof value.toNumber === 'function') return value.toNumber() as number;
  return Number(value);
}

function isZero(value: unknown): boolean {
  if (value === '' || value === 0 || value === false) return true;
  return typeof value === 'object' && value !== null && 'isZero' in value && typeof value.isZero === 'function' && value.isZero() === true;
}

function zeroValue(type: string): unknown {
  return type === 'string' ? '' : type === 'bool' ? false : 0;
}

function scalarToJson(type: string, value: unknown): unknown {
  switch (type) {
    case 'bytes': {
      const bytes = value as Uint8Array;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    }
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toNumber(value);
    default:
      return value;
  }
}

function fieldValueToJson(field: protobuf.Field, value: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type ? messageToJson(field.resolvedType, value as Message) : scalarToJson(field.type, value);
}

function rfc3339(seconds: bigint, micros: number | undefined): string {
  const date = new Date(Number(seconds) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw new DecodeError(`time ${seconds}s is outside the years 0000-9999`);
  const base = date.toISOString().slice(0, 19);
  return micros === undefined ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** Go's time.Duration.String(). */
export function formatGoDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const negative = nanoseconds < 0n;
  let u = negative ? -nanoseconds : nanoseconds;
  const fraction = (value: bigint, precision: number): [string, bigint] => {
    const scale = 10n ** BigInt(precision);
    const digits = (value % scale).toString().padStart(precision, '0').replace(/0+$/, '');
    return [digits ? `.${digits}` : '', value / scale];
  };
  let text: string;
  if (u < 1_000_000_000n) {
    const [unit, precision] = u < 1000n ? ['ns', 0] : u < 1_000_000n ? ['µs', 3] : ['ms', 6];
    const [frac, whole] = fraction(u, precision);
    text = `${whole}${frac}${unit}`;
  } else {
    const [frac, wholeSeconds] = fraction(u, 9);
    u = wholeSeconds;
    text = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      text = `${u % 60n}m${text}`;
      u /= 60n;
      if (u > 0n) text = `${u}h${text}`;
    }
  }
  return negative ? `-${text}` : text;
}

function rawToJson(raw: Uint8Array, what: string): unknown {
  if (raw.length === 0) return null;
  if (startsWithMagic(raw)) return decodeEnvelope(raw);
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    throw new DecodeError(`${what} holds neither JSON nor a Kubernetes protobuf object`);
  }
}

function messageToJson(type: protobuf.Type, message: Message): unknown {
  switch (type.fullName) {
    case TIME:
      // metav1.Time: an empty message is the zero time (JSON null); nanos are not part of its JSON.
      return own(message, 'seconds') || own(message, 'nanos') ? rfc3339(longToBigInt(message['seconds']), undefined) : null;
    case MICRO_TIME:
      return own(message, 'seconds') || own(message, 'nanos') ? rfc3339(longToBigInt(message['seconds']), Math.floor(toNumber(message['nanos'] ?? 0) / 1000)) : null;
    case DURATION:
      return formatGoDuration(longToBigInt(message['duration'] ?? 0));
    case INT_OR_STRING:
      return toNumber(message['type'] ?? 0) === 1 ? (message['strVal'] ?? '') : toNumber(message['intVal'] ?? 0);
    case QUANTITY:
    case QUANTITY_VALUE:
      return own(message, 'string') ? message['string'] : '0';
    case RAW_EXTENSION:
      return own(message, 'raw') ? rawToJson(message['raw'] as Uint8Array, 'a RawExtension') : null;
    case FIELDS_V1:
      return own(message, 'Raw') ? rawToJson(message['Raw'] as Uint8Array, 'a FieldsV1') : null;
  }
  if (STRING_LISTS.has(type.fullName)) return [...((message['items'] as string[] | undefined) ?? [])];
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const options = fieldOptions(field);
    const name = options.json_name ?? field.name;
    const value = message[field.name];
    if (field.map) {
      const entries = Object.entries((value as Record<string, unknown> | undefined) ?? {});
      if (entries.length > 0) out[name] = Object.fromEntries(entries.map(([k, v]) => [k, fieldValueToJson(field, v)]));
    } else if (field.repeated) {
      const items = (value as unknown[] | undefined) ?? [];
      if (items.length > 0) out[name] = items.map((item) => fieldValueToJson(field, item));
    } else if (field.resolvedType instanceof protobuf.Type) {
      if (!own(message, field.name)) continue;
      const json = messageToJson(field.resolvedType, value as Message);
      if (options.inline) Object.assign(out, json);
      else out[name] = json;
    } else if (options.omitempty === false) {
      // Go prints this value field even when zero (a tag without omitempty).
      out[name] = scalarToJson(field.type, own(message, field.name) ? value : zeroValue(field.type));
    } else if (own(message, field.name) && (options.go_pointer || field.type === 'bytes' || !isZero(value))) {
      // gogo writes a Go value field even when zero; zero is what omitempty omits.
      out[name] = scalarToJson(field.type, value);
    }
  }
  return out;
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array, what: string): Message {
  try {
    return type.decode(bytes) as unknown as Message;
  } catch (err) {
    throw new DecodeError(`${what}: ${(err as Error).message}`);
  }
}

/** Objects nest in RawExtensions (WatchEvent, List); a bound keeps hostile bodies off the stack limit. */
const MAX_ENVELOPE_DEPTH = 16;
let envelopeDepth = 0;

function decodeEnvelope(body: Uint8Array): Record<string, unknown> {
  if (envelopeDepth >= MAX_ENVELOPE_DEPTH) throw new DecodeError(`protobuf objects nest deeper than ${MAX_ENVELOPE_DEPTH} levels`);
  envelopeDepth++;
  try {
    return decodeEnvelopeContent(body);
  } finally {
    envelopeDepth--;
  }
}

function decodeEnvelopeContent(body: Uint8Array): Record<string, unknown> {
  if (!startsWithMagic(body)) throw new DecodeError('not a Kubernetes protobuf object: the body does not start with "k8s\\x00"');
  const unknownType = lookupType(UNKNOWN)!;
  const envelope = decodeMessage(unknownType, body.subarray(MAGIC.length), 'cannot decode the protobuf envelope (runtime.Unknown)');
  const typeMeta = (envelope['typeMeta'] ?? {}) as Message;
  const apiVersion = String(typeMeta['apiVersion'] ?? '');
  const kind = String(typeMeta['kind'] ?? '');
  if (!apiVersion || !kind) throw new DecodeError('the protobuf envelope does not name an apiVersion and kind');
  const contentEncoding = String(envelope['contentEncoding'] ?? '');
  if (contentEncoding) throw new DecodeError(`protobuf content encoding "${contentEncoding}" is not supported`, 415);
  const raw = (envelope['raw'] as Uint8Array | undefined) ?? new Uint8Array();
  const contentType = String(envelope['contentType'] ?? '');
  if (contentType && contentType !== PROTOBUF_MEDIA_TYPE) {
    if (contentType !== 'application/json') throw new DecodeError(`protobuf envelope content type "${contentType}" is not supported`, 415);
    const json = rawToJson(raw, `the ${apiVersion} ${kind} in the envelope`);
    if (!isObject(json)) throw new DecodeError(`the ${apiVersion} ${kind} in the envelope is not a JSON object`);
    return { ...json, apiVersion, kind };
  }
  const type = kindType(apiVersion, kind);
  if (!type) throw new DecodeError(`no protobuf schema for kind "${kind}" in "${apiVersion}"; send JSON instead`, 415);
  const message = decodeMessage(type, raw, `cannot decode ${apiVersion} ${kind} from protobuf`);
  return { apiVersion, kind, ...(messageToJson(type, message) as Record<string, unknown>) };
}

/** Decodes a Kubernetes protobuf body: 4-byte magic 'k8s\0' + runtime.Unknown{typeMeta{apiVersion,kind}, raw, contentEncoding, contentType}; raw is the typed message. */
export function decodeKubernetesProtobuf(body: Uint8Array): ProtobufDecodeResult {
  try {
    return { ok: true, object: decodeEnvelope(body) };
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, message: err.message, code: err.code };
    // protobufjs and the JSON conversion report malformed input with plain errors.
    return { ok: false, message: `cannot decode the protobuf body: ${(err as Error).message}`, code: 400 };
  }
}

// ---- encoding: JSON -> protobufjs plain message

/** Go's time.ParseDuration, in nanoseconds. */
export function parseGoDuration(text: string): bigint {
  const units: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw new TypeError(`invalid duration "${text}"`);
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (rest) {
    const match = part.exec(rest);
    const [whole = '', frac = ''] = [match?.[1], match?.[2]];
    if (!match || (whole === '' && frac === '')) throw new TypeError(`invalid duration "${text}"`);
    const unit = units[match[3]!]!;
    total += BigInt(whole || '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    rest = rest.slice(match[0].length);
  }
  return negative ? -total : total;
}

/** RFC 3339 -> [seconds, nanoseconds]. */
function parseTime(value: unknown): [number, number] {
  const match = typeof value === 'string' ? /^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$/.exec(value) : null;
  const millis = match ? Date.parse(`${match[1]}${match[3]!.toUpperCase()}`) : NaN;
  if (!match || Number.isNaN(millis)) throw new TypeError(`invalid RFC 3339 time ${JSON.stringify(value)}`);
  return [Math.floor(millis / 1000), Number((match[2] ?? '').padEnd(9, '0'))];
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function scalarFromJson(type: string, value: unknown, where: string): unknown {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw new TypeError(`${where}: expected a string`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError(`${where}: expected a boolean`);
      return value;
    case 'bytes':
      if (typeof value !== 'string') throw new TypeError(`${where}: expected base64 bytes`);
      return Buffer.from(value, 'base64');
    default:
      if (typeof value !== 'number') throw new TypeError(`${where}: expected a number`);
      return value;
  }
}

function messageFromJson(type: protobuf.Type, json: unknown, where: string): Message {
  switch (type.fullName) {
    case TIME:
      return json === null ? {} : { seconds: parseTime(json)[0], nanos: 0 };
    case MICRO_TIME: {
      if (json === null) return {};
      const [seconds, nanos] = parseTime(json);
      return { seconds, nanos: Math.floor(nanos / 1000) * 1000 };
    }
    case DURATION:
      if (typeof json !== 'string') throw new TypeError(`${where}: expected a duration string`);
      return { duration: Number(parseGoDuration(json)) };
    case INT_OR_STRING:
      if (typeof json === 'number') return { type: 0, intVal: json, strVal: '' };
      if (typeof json === 'string') return { type: 1, intVal: 0, strVal: json };
      throw new TypeError(`${where}: expected an integer or a string`);
    case QUANTITY:
    case QUANTITY_VALUE:
      if (typeof json !== 'string' && typeof json !== 'number') throw new TypeError(`${where}: expected a quantity`);
      return { string: String(json) };
    case RAW_EXTENSION:
      return json === null ? {} : { raw: jsonBytes(json) };
    case FIELDS_V1:
      return json === null ? {} : { Raw: jsonBytes(json) };
  }
  if (STRING_LISTS.has(type.fullName)) {
    if (json !== null && !Array.isArray(json)) throw new TypeError(`${where}: expected a list of strings`);
    return { items: ((json ?? []) as unknown[]).map((item, i) => scalarFromJson('string', item, `${where}[${i}]`)) };
  }
  if (!isObject(json)) throw new TypeError(`${where}: expected an object`);
  const out: Message = {};
  for (const field of type.fieldsArray) {
    const options = fieldOptions(field);
    const resolved = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (options.inline && resolved) {
      out[field.name] = messageFromJson(resolved, json, where);
      continue;
    }
    const name = options.json_name ?? field.name;
    const value = json[name];
    const at = `${where}.${name}`;
    if (value === undefined || (value === null && !(resolved && NULLABLE_JSON.has(resolved.fullName) && !field.repeated && !field.map))) continue;
    const convert = (item: unknown, itemWhere: string): unknown => (resolved ? messageFromJson(resolved, item, itemWhere) : scalarFromJson(field.type, item, itemWhere));
    if (field.map) {
      if (!isObject(value)) throw new TypeError(`${at}: expected an object`);
      out[field.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, `${at}.${k}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`${at}: expected a list`);
      out[field.name] = value.map((item, i) => convert(item, `${at}[${i}]`));
    } else {
      out[field.name] = convert(value, at);
    }
  }
  return out;
}

/**
 * The reverse, for tests and for clients that want protobuf responses later. Undefined
 * when there is no schema for the object's apiVersion and kind or the object does not fit
 * it (a field of the wrong JSON type). Fields the schema does not know are dropped.
 */
export function encodeKubernetesProtobuf(object: Record<string, unknown>): Uint8Array | undefined {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const type = kindType(apiVersion, kind);
  if (!type) return undefined;
  try {
    const raw = type.encode(messageFromJson(type, object, kind)).finish();
    const envelope = lookupType(UNKNOWN)!.encode({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' }).finish();
    const body = new Uint8Array(MAGIC.length + envelope.length);
    body.set(MAGIC);
    body.set(envelope, MAGIC.length);
    return body;
  } catch {
    return undefined;
  }
}
