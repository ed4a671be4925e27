// Objects in storage are JSON without metadata.resourceVersion; the revision of the
// stored version becomes the resourceVersion on the way out (as the etcd3 store
// upstream does). Decoded objects are memoized per stored version, since the watch
// cache shares one KeyValue among every reader; callers must copy before mutating.

import type { KubeList, KubeObject } from '../../api/types.js';
import type { KeyValue } from '../../storage/index.js';

const decoded = new WeakMap<KeyValue, KubeObject>();
const jsonText = new WeakMap<object, string>();

/** The object of a stored version, with its resourceVersion. Read-only: shared. */
export function decodeShared(kv: KeyValue): KubeObject {
  let obj = decoded.get(kv);
  if (!obj) {
    obj = JSON.parse(Buffer.from(kv.value.buffer, kv.value.byteOffset, kv.value.byteLength).toString('utf8')) as KubeObject;
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(kv.modRevision) };
    decoded.set(kv, obj);
  }
  return obj;
}

/**
 * Records the object just written as the decoded form of its stored version, so the
 * response and the watch fan-out need not parse the bytes back.
 */
export function rememberDecoded(kv: KeyValue, written: KubeObject): KubeObject {
  const obj: KubeObject = { ...written, metadata: { ...(written.metadata ?? {}), resourceVersion: String(kv.modRevision) } };
  if (!decoded.has(kv)) decoded.set(kv, obj);
  return decoded.get(kv)!;
}

/** A private, mutable copy of the object of a stored version. */
export function decodeCopy(kv: KeyValue): KubeObject {
  return structuredClone(decodeShared(kv));
}

/** The JSON text of an object, memoized: shared objects are read-only, so it stays true. */
export function jsonOf(obj: object): string {
  let text = jsonText.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    jsonText.set(obj, text);
  }
  return text;
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

/** Bytes to store: the object without resourceVersion. */
export function encodeForStorage(obj: KubeObject): Uint8Array {
  const metadata = obj.metadata;
  if (metadata && metadata.resourceVersion !== undefined) {
    const { resourceVersion: _ignored, ...rest } = metadata;
    return Buffer.from(JSON.stringify({ ...obj, metadata: rest }));
  }
  return Buffer.from(JSON.stringify(obj));
}
