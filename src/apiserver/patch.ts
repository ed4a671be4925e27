// PATCH bodies applied to the current object. TEMPORARY: merge patch only until
// src/machinery/patch lands (JSON patch, strategic merge patch, apply).

import { isObject, type KubeObject } from '../api/types.js';
import type { PatchType } from './body.js';
import type { GenericStore, RequestContext } from './registry/generic-store.js';
import { newBadRequest, newUnsupportedMediaType } from './status.js';

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export function applyPatch(_store: GenericStore, type: PatchType, current: KubeObject | undefined, patch: unknown, _ctx: RequestContext): KubeObject {
  if (type === 'merge' || type === 'strategic') {
    if (!isObject(patch)) throw newBadRequest('patch body must be a JSON object');
    return mergePatch(current ?? {}, patch) as KubeObject;
  }
  throw newUnsupportedMediaType(type, ['application/merge-patch+json']);
}
