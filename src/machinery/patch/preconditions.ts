// Preconditions a client checks on a patch it computed before sending it
// (k8s.io/apimachinery/pkg/util/mergepatch). `kubectl edit` and
// `kubectl apply` use them to refuse patches that would rename an object or
// change its kind.

import { goFormat } from './go.js';
import { getOwn, isJsonObject, type JsonObject } from './json.js';
import { conflict, type PatchFailure } from './result.js';

/** True when the patch is acceptable. */
export type PatchPrecondition = (patch: JsonObject) => boolean;

/** The patch must not touch the top-level `key` (e.g. "apiVersion", "kind"). */
export function requireKeyUnchanged(key: string): PatchPrecondition {
  // The key's presence in a patch means its value changed.
  return (patch) => getOwn(patch, key) === undefined;
}

/** The patch must not touch `metadata.<key>` (e.g. "name"). */
export function requireMetadataKeyUnchanged(key: string): PatchPrecondition {
  return (patch) => {
    const metadata = getOwn(patch, 'metadata');
    return !isJsonObject(metadata) || getOwn(metadata, key) === undefined;
  };
}

/** The failure for the first unmet precondition, if any. */
export function checkPreconditions(patch: JsonObject, preconditions: readonly PatchPrecondition[]): PatchFailure | undefined {
  for (const precondition of preconditions) {
    if (!precondition(patch)) return conflict(`precondition failed for: ${goFormat(patch)}`);
  }
  return undefined;
}
