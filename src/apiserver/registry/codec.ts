// Objects in storage are JSON without metadata.resourceVersion; the revision of the
// stored version becomes the resourceVersion on the way out (as the etcd3 store
// upstream does). Decoded objects are memoized per stored version, since the watch
// cache shares one KeyValue among every reader; callers must copy before mutating.

import type { KubeList, KubeObject, ObjectMeta } from '../../api/types.js';
import type { KeyValue } from '../../storage/index.js';
import { GenerationalCache, internJson, internJsonAgainst, setOwn } from '../../machinery/index.js';

const decoded = new WeakMap<KeyValue, KubeObject>();

/**
 * A stored version kept as its decoded object only (the watch cache's form): its
 * bytes are made again when something asks for them, which only the rare readers of
 * raw values do. Holding both the bytes and the object of every current version
 * doubled the cache's memory.
 */
class DecodedKeyValue implements KeyValue {
  constructor(
    readonly key: string,
    readonly createRevision: number,
    readonly modRevision: number,
    readonly object: KubeObject,
    readonly valueSize: number,
  ) {}

  get value(): Uint8Array {
    return encodeForStorage(this.object);
  }
}

/** The form the watch cache keeps a version in: its decoded object, without its bytes. */
export function retainDecoded(kv: KeyValue): KeyValue {
  if (kv instanceof DecodedKeyValue) return kv;
  return new DecodedKeyValue(kv.key, kv.createRevision, kv.modRevision, decodeShared(kv), kv.value.byteLength);
}

/** The object of a stored version, with its resourceVersion. Read-only: shared. */
export function decodeShared(kv: KeyValue): KubeObject {
  if (kv instanceof DecodedKeyValue) return kv.object;
  let obj = decoded.get(kv);
  if (!obj) {
    obj = JSON.parse(Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength).toString('utf8')) as KubeObject;
    const storedWithoutVersion = !!obj.metadata && !Object.prototype.hasOwnProperty.call(obj.metadata, 'resourceVersion');
    obj.metadata = withResourceVersion(obj.metadata, String(kv.modRevision));
    // Objects of one template share their equal parts (see machinery/json-interner.ts).
    obj = internJson(obj);
    decoded.set(kv, obj);
    if (storedWithoutVersion) storedJson.set(obj, kv.value);
  }
  return obj;
}

/** Metadata with resourceVersion as its first member (where JSON rebuilt from stored bytes puts it). */
function withResourceVersion(metadata: ObjectMeta | undefined, resourceVersion: string): ObjectMeta {
  if (!metadata) return { resourceVersion };
  if (!Object.prototype.hasOwnProperty.call(metadata, 'resourceVersion')) return { resourceVersion, ...metadata };
  const { resourceVersion: _stored, ...rest } = metadata;
  return { resourceVersion, ...rest };
}

/**
 * Records the object just written as the decoded form of its stored version, so the
 * response and the watch fan-out need not parse the bytes back. Given the bytes
 * encodeForStorage made of it, its JSON is later rebuilt from them rather than
 * encoded again (see jsonOf). Given the version it replaced (as stored, shared), the
 * parts they have in common are shared.
 */
export function rememberDecoded(kv: KeyValue, written: KubeObject, bytes?: Uint8Array, previous?: KubeObject): KubeObject {
  const known = decoded.get(kv);
  if (known) return known;
  // The written object becomes shared, read-only, with its equal parts interned (the
  // parts it has in common with the version it replaced become that version's).
  const versioned: KubeObject = { ...written, metadata: withResourceVersion(written.metadata, String(kv.modRevision)) };
  const obj = previous ? internJsonAgainst(versioned, previous) : internJson(versioned);
  decoded.set(kv, obj);
  // The stored bytes are JSON.stringify of `written` without resourceVersion (the same
  // bytes, or equal ones when the write was a no-op).
  const metadata = written.metadata;
  if (bytes && metadata && !Object.prototype.hasOwnProperty.call(metadata, 'resourceVersion') && kv.value.byteLength === bytes.byteLength) storedJson.set(obj, kv.value);
  return obj;
}

/**
 * A private, mutable copy of the object of a stored version. metadata.managedFields
 * stays shared with the stored version (nothing edits entries in place; they are
 * replaced whole), so the field manager finds its decoded sets by identity.
 */
export function decodeCopy(kv: KeyValue): KubeObject {
  const shared = decodeShared(kv) as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key in shared) {
    const v = shared[key];
    if (v === undefined) continue;
    if (key !== 'metadata' || typeof v !== 'object' || v === null || Array.isArray(v)) {
      setOwn(copy, key, cloneJson(v));
      continue;
    }
    const meta: Record<string, unknown> = {};
    for (const field in v) {
      const fv = (v as Record<string, unknown>)[field];
      if (fv !== undefined) setOwn(meta, field, field === 'managedFields' ? fv : cloneJson(fv));
    }
    copy.metadata = meta;
  }
  return copy as KubeObject;
}

/** A deep copy of decoded JSON (objects, arrays, scalars); several times cheaper than structuredClone. */
function cloneJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    const v = obj[key];
    if (v !== undefined) setOwn(out, key, cloneJson(v));
  }
  return out;
}

/**
 * JSON texts made lately, by object: a watch event goes out to every watcher as the
 * same text. Bounded, not a WeakMap: a text memoized for as long as its object lives
 * would double the memory of every object a list has served.
 */
const recentTexts = new GenerationalCache<object, string>(512);

/** The JSON text of an object (shared objects are read-only, so a text made once stays true). */
export function jsonOf(obj: object): string {
  let text = recentTexts.get(obj);
  if (text === undefined) {
    const stored = storedJson.get(obj);
    text = (stored && jsonFromStored(obj as KubeObject, stored)) ?? JSON.stringify(obj);
    recentTexts.set(obj, text);
  }
  return text;
}

/**
 * Versions written or read lately and their stored bytes (JSON.stringify of the
 * version but for resourceVersion), for the watch fan-out that follows a write.
 * Bounded: bytes kept for as long as their object lives would undo retainDecoded.
 */
const storedJson = new GenerationalCache<object, Uint8Array>(4096);

/**
 * JSON.stringify(obj) built from the stored bytes of it: they start with apiVersion,
 * kind and metadata as objects do, and obj's metadata starts with resourceVersion,
 * so the text is the bytes with that member put in. Undefined for other layouts.
 */
function jsonFromStored(obj: KubeObject, stored: Uint8Array): string | undefined {
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  const head = `{"apiVersion":${JSON.stringify(obj.apiVersion)},"kind":${JSON.stringify(obj.kind)},"metadata":{`;
  const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const headBytes = Buffer.byteLength(head);
  if (bytes.byteLength <= headBytes || bytes.toString('utf8', 0, headBytes) !== head) return undefined;
  const member = `"resourceVersion":${JSON.stringify(obj.metadata?.resourceVersion ?? '')}${bytes[headBytes] === 0x7d ? '' : ','}`;
  return `${head}${member}${bytes.toString('utf8', headBytes)}`;
}

/** The JSON text of a stored version with its resourceVersion, memoized (watch fan-out, lists). */
export function encodedJsonOf(kv: KeyValue): string {
  return jsonOf(decodeShared(kv));
}

/** A list's JSON from its items' memoized JSON: repeated lists do not stringify every item again. */
export function encodeList(list: KubeList): string {
  const { items, ...rest } = list;
  const head = JSON.stringify(rest);
  return `${head.slice(0, -1)},"items":[${items.map(jsonOf).join(',')}]}`;
}

/** Bytes to store: the object without resourceVersion (JSON.stringify's text). */
export function encodeForStorage(obj: KubeObject): Uint8Array {
  const metadata = obj.metadata;
  if (metadata && metadata.resourceVersion !== undefined) {
    const { resourceVersion: _ignored, ...rest } = metadata;
    return Buffer.from(JSON.stringify({ ...obj, metadata: rest }));
  }
  return Buffer.from(JSON.stringify(obj));
}
