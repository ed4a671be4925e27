// JSON Patch (RFC 6902, application/json-patch+json) as kube-apiserver applies
// it. Upstream uses evanphx/json-patch v4, whose path resolution has quirks
// clients can observe: negative array indexes count from the end, `replace`
// of a missing object member adds it, and a path without a leading "/" loses
// its first segment ("a/b" acts as "/b"). This file reproduces that
// resolution and those error texts, then hands each resolved, canonical
// operation to fast-json-patch to perform.

import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { cloneJson, getOwn, hasOwn, isJsonObject, jsonEqual, toJsonValue, type JsonArray, type JsonObject, type JsonValue } from './json.js';
import { badRequest, success, tooLarge, unprocessable, type PatchResult } from './result.js';

/** Upstream refuses larger patches with 413 (apiserver maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

/**
 * Applies a JSON Patch to a copy of `doc`. `patch` is the decoded request
 * body; malformed bodies give 400, too many operations 413, and operations
 * that do not apply (including a failed `test`) 422, as upstream.
 */
export function applyJsonPatch(doc: JsonValue, patch: unknown): PatchResult<JsonValue> {
  const decoded = decodeOperations(patch);
  if (!decoded.ok) return decoded;
  const operations = decoded.value;
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    return tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`);
  }
  if (!isJsonObject(doc) && !Array.isArray(doc)) {
    return unprocessable(`json: cannot unmarshal ${goJsonWord(doc)} into Go value of type jsonpatch.partialDoc`);
  }
  let document: JsonValue = cloneJson(doc);
  for (const operation of operations) {
    const applied = applyOperation(document, operation);
    if (typeof applied === 'string') return unprocessable(applied);
    document = applied.document;
  }
  return success(document);
}

/** A decoded operation; null stands for a `null` array element. */
type RawOperation = JsonObject | null;

function decodeOperations(patch: unknown): PatchResult<readonly RawOperation[]> {
  const body = toJsonValue(patch);
  if (body === undefined) return badRequest('json: the patch is not a JSON document');
  if (body === null) return success([]);
  if (!Array.isArray(body)) return badRequest(`json: cannot unmarshal ${goJsonWord(body)} into Go value of type jsonpatch.Patch`);
  const operations: RawOperation[] = [];
  for (const item of body) {
    if (item !== null && !isJsonObject(item)) {
      return badRequest(`json: cannot unmarshal ${goJsonWord(item)} into Go value of type jsonpatch.Operation`);
    }
    operations.push(item);
  }
  return success(operations);
}

/** The word encoding/json uses for a JSON value's type in its errors. */
function goJsonWord(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

// Either the new document or the error text.
type Applied = { readonly document: JsonValue } | string;

const MISSING = 'missing value';

function applyOperation(document: JsonValue, operation: RawOperation): Applied {
  const kind = operationKind(operation);
  const op = operation ?? {};
  switch (kind) {
    case 'add':
      return applyAdd(document, op);
    case 'remove':
      return applyRemove(document, op);
    case 'replace':
      return applyReplace(document, op);
    case 'move':
      return applyMove(document, op);
    case 'copy':
      return applyCopy(document, op);
    case 'test':
      return applyTest(document, op);
    default:
      return `Unexpected kind: ${kind}`;
  }
}

function operationKind(operation: RawOperation): string {
  const op = operation === null ? undefined : getOwn(operation, 'op');
  return typeof op === 'string' ? op : 'unknown';
}

type FieldRead = { readonly value: string } | { readonly error: string };

/** Reads "path" or "from" the way evanphx's Operation.Path/From do. */
function readPointer(op: JsonObject, field: 'path' | 'from'): FieldRead {
  const value = getOwn(op, field);
  if (value === undefined || value === null) {
    return { error: field === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof value !== 'string') return { error: `json: cannot unmarshal ${goJsonWord(value)} into Go value of type string` };
  return { value };
}

/** The operation's value; an absent one behaves as null upstream. */
function operationValue(op: JsonObject): JsonValue {
  return getOwn(op, 'value') ?? null;
}

// ---------------------------------------------------------------------------
// Path resolution (evanphx findObject and the container get/add/remove).

interface Location {
  readonly container: JsonObject | JsonArray;
  /** Canonical tokens of the container itself, for fast-json-patch. */
  readonly tokens: readonly string[];
  /** The last path segment, unescaped. */
  readonly key: string;
}

function unescapeToken(token: string): string {
  return token.replace(/~[01]/g, (escape) => (escape === '~1' ? '/' : '~'));
}

function findObject(document: JsonValue, path: string): Location | undefined {
  const segments = path.split('/');
  if (segments.length < 2 || (!isJsonObject(document) && !Array.isArray(document))) return undefined;
  let container: JsonObject | JsonArray = document;
  const tokens: string[] = [];
  for (const segment of segments.slice(1, -1)) {
    const step = childOf(container, unescapeToken(segment));
    if (step === undefined) return undefined;
    const [token, child] = step;
    if (!isJsonObject(child) && !Array.isArray(child)) return undefined;
    container = child;
    tokens.push(token);
  }
  return { container, tokens, key: unescapeToken(segments[segments.length - 1] ?? '') };
}

/** One traversal step; undefined when the child is absent or null. */
function childOf(container: JsonObject | JsonArray, key: string): [string, JsonValue] | undefined {
  if (!Array.isArray(container)) {
    const child = getOwn(container, key);
    return child === undefined || child === null ? undefined : [key, child];
  }
  const index = existingIndex(container, key);
  if (typeof index === 'string') return undefined;
  const child = container[index] ?? null;
  return child === null ? undefined : [String(index), child];
}

/** strconv.Atoi: decimal with an optional sign, within int64. */
function goAtoi(text: string): { readonly value: number; readonly text: string } | string {
  if (!/^[+-]?[0-9]+$/.test(text)) return `strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`;
  const parsed = BigInt(text);
  if (parsed > 9223372036854775807n || parsed < -9223372036854775808n) {
    return `strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`;
  }
  return { value: Number(parsed), text: parsed.toString() };
}

function invalidIndex(text: string): string {
  return `Unable to access invalid index: ${text}: invalid index referenced`;
}

/** Index of an existing element (partialArray.get); negatives count from the end. */
function existingIndex(array: JsonArray, key: string): number | string {
  const parsed = goAtoi(key);
  if (typeof parsed === 'string') return parsed;
  let index = parsed.value;
  if (index < 0) {
    if (index < -array.length) return invalidIndex(parsed.text);
    index += array.length;
  }
  return index >= array.length ? invalidIndex(parsed.text) : index;
}

/** Insertion index for `add` (partialArray.add): 0..length, or "-". */
function insertionIndex(array: JsonArray, key: string): number | string {
  if (key === '-') return array.length;
  const parsed = goAtoi(key);
  if (typeof parsed === 'string') return `value was not a proper array index: '${key}': ${parsed}`;
  const size = array.length + 1;
  let index = parsed.value;
  if (index >= size || index < -size) return invalidIndex(parsed.text);
  if (index < 0) index += size;
  return index;
}

function pointer(tokens: readonly string[]): string {
  return tokens.map((token) => `/${fastJsonPatch.escapePathComponent(token)}`).join('');
}

/** Runs one canonical operation through fast-json-patch on `document`. */
function perform(document: JsonValue, operation: Operation): { readonly document: JsonValue; readonly removed?: JsonValue } | string {
  try {
    const result = fastJsonPatch.applyOperation(document, operation, false, true, true);
    return { document: result.newDocument, removed: result.removed as JsonValue | undefined };
  } catch (error) {
    // Only fast-json-patch's ban on __proto__ / constructor.prototype paths
    // can throw here: the location was resolved above.
    return error instanceof Error ? error.message : String(error);
  }
}

// ---------------------------------------------------------------------------
// Operations.

function addAt(document: JsonValue, location: Location, value: JsonValue): Applied {
  const { container, key } = location;
  if (!Array.isArray(container)) {
    return perform(document, { op: 'add', path: pointer([...location.tokens, key]), value });
  }
  const index = insertionIndex(container, key);
  if (typeof index === 'string') return index;
  return perform(document, { op: 'add', path: pointer([...location.tokens, String(index)]), value });
}

function applyAdd(document: JsonValue, op: JsonObject): Applied {
  const path = readPointer(op, 'path');
  if ('error' in path) return `add operation failed to decode path: ${MISSING}`;
  const location = findObject(document, path.value);
  if (location === undefined) return `add operation does not apply: doc is missing path: "${path.value}": ${MISSING}`;
  const added = addAt(document, location, operationValue(op));
  return typeof added === 'string' ? `error in add for path: '${path.value}': ${added}` : added;
}

/** Removes the member at `location`, returning the removed value. */
function removeAt(document: JsonValue, location: Location): { readonly document: JsonValue; readonly removed: JsonValue } | string {
  const { container, key } = location;
  let token = key;
  if (Array.isArray(container)) {
    const index = existingIndex(container, key);
    if (typeof index === 'string') return index;
    token = String(index);
  } else if (!hasOwn(container, key)) {
    return `Unable to remove nonexistent key: ${key}: ${MISSING}`;
  }
  const removed = perform(document, { op: 'remove', path: pointer([...location.tokens, token]) });
  if (typeof removed === 'string') return removed;
  return { document: removed.document, removed: removed.removed ?? null };
}

function applyRemove(document: JsonValue, op: JsonObject): Applied {
  const path = readPointer(op, 'path');
  if ('error' in path) return `remove operation failed to decode path: ${MISSING}`;
  const location = findObject(document, path.value);
  if (location === undefined) return `remove operation does not apply: doc is missing path: "${path.value}": ${MISSING}`;
  const removed = removeAt(document, location);
  return typeof removed === 'string' ? `error in remove for path: '${path.value}': ${removed}` : removed;
}

function applyReplace(document: JsonValue, op: JsonObject): Applied {
  const path = readPointer(op, 'path');
  if ('error' in path) return `replace operation failed to decode path: ${path.error}`;
  const value = operationValue(op);
  if (path.value === '') {
    // Upstream swaps the whole document for an object or array value and
    // silently ignores any other value.
    return isJsonObject(value) || Array.isArray(value) ? { document: value } : { document };
  }
  const location = findObject(document, path.value);
  if (location === undefined) return `replace operation does not apply: doc is missing path: ${path.value}: ${MISSING}`;
  const { container, key } = location;
  if (!Array.isArray(container)) {
    // partialDoc.get never fails, so a missing member is simply set.
    const op = hasOwn(container, key) ? 'replace' : 'add';
    return perform(document, { op, path: pointer([...location.tokens, key]), value });
  }
  const index = existingIndex(container, key);
  if (typeof index === 'string') return `replace operation does not apply: doc is missing key: ${path.value}: ${MISSING}`;
  return perform(document, { op: 'replace', path: pointer([...location.tokens, String(index)]), value });
}

/** The value at a location (partialDoc/partialArray.get); absent reads as null. */
function valueAt(location: Location): { readonly value: JsonValue } | { readonly error: string } {
  const { container, key } = location;
  if (!Array.isArray(container)) return { value: getOwn(container, key) ?? null };
  const index = existingIndex(container, key);
  return typeof index === 'string' ? { error: index } : { value: container[index] ?? null };
}

function applyMove(document: JsonValue, op: JsonObject): Applied {
  const from = readPointer(op, 'from');
  if ('error' in from) return `move operation failed to decode from: ${from.error}`;
  const source = findObject(document, from.value);
  if (source === undefined) return `move operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`;
  const current = valueAt(source);
  if ('error' in current) return `error in move for path: '${source.key}': ${current.error}`;
  const removed = removeAt(document, source);
  if (typeof removed === 'string') return `error in move for path: '${source.key}': ${removed}`;
  const path = readPointer(op, 'path');
  if ('error' in path) return `move operation failed to decode path: ${path.error}`;
  const target = findObject(removed.document, path.value);
  if (target === undefined) return `move operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`;
  const added = addAt(removed.document, target, removed.removed);
  return typeof added === 'string' ? `error in move for path: '${path.value}': ${added}` : added;
}

function applyCopy(document: JsonValue, op: JsonObject): Applied {
  const from = readPointer(op, 'from');
  if ('error' in from) return `copy operation failed to decode from: ${from.error}`;
  const source = findObject(document, from.value);
  if (source === undefined) return `copy operation does not apply: doc is missing from path: ${from.value}: ${MISSING}`;
  const copied = valueAt(source);
  if ('error' in copied) return `error in copy for from: '${from.value}': ${copied.error}`;
  const path = readPointer(op, 'path');
  if ('error' in path) return `copy operation failed to decode path: ${MISSING}`;
  const target = findObject(document, path.value);
  if (target === undefined) return `copy operation does not apply: doc is missing destination path: ${path.value}: ${MISSING}`;
  const added = addAt(document, target, cloneJson(copied.value));
  return typeof added === 'string' ? `error while adding value during copy: ${added}` : added;
}

function applyTest(document: JsonValue, op: JsonObject): Applied {
  const path = readPointer(op, 'path');
  if ('error' in path) return `test operation failed to decode path: ${path.error}`;
  const failed = `testing value ${path.value} failed: test failed`;
  const expected = getOwn(op, 'value');
  if (path.value === '') return expected !== undefined && jsonEqual(document, expected) ? { document } : failed;
  const location = findObject(document, path.value);
  if (location === undefined) return `test operation does not apply: is missing path: ${path.value}: ${MISSING}`;
  const actual = valueAt(location);
  if ('error' in actual) return `error in test for path: '${path.value}': ${actual.error}`;
  // Upstream decodes both an absent member and a JSON null as nil, and fails
  // (rather than passes) when the operation has no value at all.
  if (expected === undefined) return failed;
  return jsonEqual(actual.value, expected) ? { document } : failed;
}
