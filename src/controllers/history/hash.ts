// The bytes ControllerRevisions are hashed over: JSON encoded the way Go's
// encoding/json encodes a map (sorted keys, HTML-safe escapes), and FNV-1 as
// HashControllerRevision uses it (the pod-template hash is FNV-1a, in common/).

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1 (hash/fnv.New32) over the concatenated chunks. */
export function fnv32(...chunks: Uint8Array[]): number {
  let hash = FNV_OFFSET;
  for (const chunk of chunks) {
    for (const byte of chunk) hash = (Math.imul(hash, FNV_PRIME) ^ byte) >>> 0;
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

/** json.Marshal of a map[string]interface{}: keys sorted at every level, <, >, & and U+2028/9 escaped. */
export function goJson(value: unknown): string {
  return (JSON.stringify(sortKeys(value)) ?? 'null').replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
