// Key scheme and list continuation tokens, shared by every backend.
//
// Keys:     /registry/<group>/<resource>/<namespace>/<name>   (namespaced)
//           /registry/<group>/<resource>/<name>               (cluster-scoped)
// Prefixes: '/registry/' followed by up to three segments, ending with '/'.
// The core API group is spelled "core".

import { StorageError } from './errors.js';

export const KEY_ROOT = '/registry/';
/** etcd's default request limit; Kubernetes objects must fit in it. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
const MAX_KEY_LENGTH = 1024;
const SEGMENT = /^[\x21-\x7e]+$/; // printable ASCII, no spaces

function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'an empty segment';
  if (segment === '.' || segment === '..') return `the segment "${segment}"`;
  if (segment.includes('%')) return 'a "%" character';
  if (!SEGMENT.test(segment)) return 'a character outside printable ASCII';
  return undefined;
}

function invalidKey(key: string, why: string): StorageError {
  return new StorageError('InvalidKey', `invalid storage key ${JSON.stringify(key.slice(0, 200))}: ${why}`, { key });
}

/** Throws InvalidKey unless the key follows the scheme. */
export function validateKey(key: string): void {
  if (typeof key !== 'string' || !key.startsWith(KEY_ROOT)) throw invalidKey(String(key), `must start with ${KEY_ROOT}`);
  if (key.length > MAX_KEY_LENGTH) throw invalidKey(key, `longer than ${MAX_KEY_LENGTH} characters`);
  const segments = key.slice(KEY_ROOT.length).split('/');
  if (segments.length < 3 || segments.length > 4) {
    throw invalidKey(key, 'want /registry/<group>/<resource>/[<namespace>/]<name>');
  }
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) throw invalidKey(key, `contains ${problem}`);
  }
}

/** Throws InvalidKey unless the prefix is '/registry/' plus up to three segments and ends with '/'. */
export function validatePrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !prefix.startsWith(KEY_ROOT)) throw invalidKey(String(prefix), `prefix must start with ${KEY_ROOT}`);
  if (!prefix.endsWith('/')) throw invalidKey(prefix, 'prefix must end with "/"');
  const inner = prefix.slice(KEY_ROOT.length, -1);
  if (inner === '') return;
  const segments = inner.split('/');
  if (segments.length > 3) throw invalidKey(prefix, 'prefix has more than three segments');
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) throw invalidKey(prefix, `contains ${problem}`);
  }
}

export function validateValue(key: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new StorageError('InvalidKey', `value for ${key} is not bytes`, { key });
  if (value.byteLength > MAX_VALUE_BYTES) {
    throw new StorageError('TooLarge', `value for ${key} is ${value.byteLength} bytes; the limit is ${MAX_VALUE_BYTES} bytes`, { key });
  }
}

/** The smallest string greater than every string starting with prefix (etcd's range end). */
export function prefixEnd(prefix: string): string {
  // Prefixes end with '/', so bumping the last character never overflows.
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const TOKEN_VERSION = 'meta.k8s.io/v1';

/** Token for the page after `lastKey`, pinned to `revision` (Kubernetes' continue format). */
export function encodeContinue(prefix: string, lastKey: string, revision: number): string {
  const token: ContinueToken = { v: TOKEN_VERSION, rv: revision, start: lastKey.slice(prefix.length) + '\u0000' };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** Returns the key to start from (inclusive) and the pinned revision; throws InvalidContinue. */
export function decodeContinue(prefix: string, token: string): { startKey: string; revision: number } {
  const bad = (why: string) => new StorageError('InvalidContinue', `continue key is not valid: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a token this server issued');
  }
  const t = parsed as Partial<ContinueToken> | null;
  if (!t || typeof t !== 'object' || t.v !== TOKEN_VERSION) throw bad('unknown token version');
  if (typeof t.rv !== 'number' || !Number.isSafeInteger(t.rv) || t.rv <= 0) throw bad('bad revision');
  if (typeof t.start !== 'string' || t.start.length === 0) throw bad('bad start key');
  if (t.start.includes('/..') || t.start.startsWith('..') || t.start.startsWith('/')) throw bad('start key leaves the prefix');
  return { startKey: prefix + t.start, revision: t.rv };
}
