// Names as upstream's controllers derive them from content: FNV-32a sums printed in
// decimal and mapped through rand.SafeEncodeString.

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** k8s.io/apimachinery/pkg/util/rand.SafeEncodeString: no vowels, no confusable characters. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

/** FNV-1a (hash/fnv.New32a) over the concatenated chunks. */
export function fnv32a(...chunks: Uint8Array[]): number {
  let hash = FNV_OFFSET;
  for (const chunk of chunks) {
    for (const byte of chunk) hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortKeys(v);
  }
  return out;
}

/** FNV-1 (hash/fnv.New32) over the concatenated chunks, as HashControllerRevision uses it. */
export function fnv32(...chunks: Uint8Array[]): number {
  let hash = FNV_OFFSET;
  for (const chunk of chunks) {
    for (const byte of chunk) hash = (Math.imul(hash, FNV_PRIME) ^ byte) >>> 0;
  }
  return hash >>> 0;
}

/** json.Marshal of a map[string]interface{}: keys sorted at every level, <, >, & and U+2028/9 escaped. */
export function goJson(value: unknown): string {
  return canonicalJson(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The canonical JSON of a value: keys sorted at every level, so equal objects hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

/**
 * controller.ComputeHash: the pod-template-hash of a template and collision count.
 * Upstream hashes a spew dump of the Go struct; here the template's canonical JSON is
 * hashed, so the values differ from upstream's but keep their shape and stability.
 */
export function computeHash(template: unknown, collisionCount?: number | null): string {
  const chunks = [encoder.encode(canonicalJson(template))];
  if (collisionCount !== undefined && collisionCount !== null) {
    // binary.LittleEndian.PutUint32 into an 8-byte slice: all 8 bytes are hashed.
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    chunks.push(bytes);
  }
  return safeEncodeString(String(fnv32a(...chunks)));
}
