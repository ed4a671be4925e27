// Objects in storage are JSON without metadata.resourceVersion; the revision of the
// stored version becomes the resourceVersion on the way out (as the etcd3 store
// upstream does). Decoded objects are memoized per stored version, since the watch
// cache shares one KeyValue among every reader; callers must copy before mutating.

import type { KubeObject } from '../../api/types.js';
import type { KeyValue } from '../../storage/index.js';

const decoded = new WeakMap<KeyValue, KubeObject>();
const encodedJson = new WeakMap<KeyValue, string>();

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

/** The JSON text of a stored version with its resourceVersion, memoized (watch fan-out). */
export function encodedJsonOf(kv: KeyValue): string {
  let json = encodedJson.get(kv);
  if (json === undefined) {
    json = JSON.stringify(decodeShared(kv));
    encodedJson.set(kv, json);
  }
  return json;
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
