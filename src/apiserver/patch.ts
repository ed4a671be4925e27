// PATCH bodies applied to the current object: JSON patch, JSON merge patch and
// strategic merge patch (with the kind's patch metadata from the served OpenAPI).
// Server-side apply arrives with managed fields.

import { definitionForKind, definitions } from '../api/openapi/index.js';
import type { KubeObject } from '../api/types.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, schemaFromOpenAPIDefinitions, type OpenAPIDefinitions, type PatchSchema } from '../machinery/patch/index.js';
import type { JsonObject, JsonValue } from '../machinery/patch/index.js';
import type { PatchType } from './body.js';
import type { GenericStore, RequestContext } from './registry/generic-store.js';
import { newUnsupportedMediaType, StatusError, type Status } from './status.js';

const schemas = new Map<string, PatchSchema | null>();

/** The strategic-merge schema of a built-in kind; null for custom resources (upstream: 415). */
function patchSchemaFor(store: GenericStore): PatchSchema | null {
  const id = `${store.info.group}/${store.info.version}/${store.info.kind}`;
  let schema = schemas.get(id);
  if (schema === undefined) {
    const name = store.strategy.unknownFields ? undefined : definitionForKind(store.info.group, store.info.version, store.info.kind);
    // The served definitions are the patch schema's OpenAPI shape; only the index signature differs.
    schema = name ? schemaFromOpenAPIDefinitions(definitions as unknown as OpenAPIDefinitions, name) : null;
    schemas.set(id, schema);
  }
  return schema;
}

function failure(status: { code: number; reason: string; message: string }): StatusError {
  const full: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: status.message, code: status.code };
  if (status.reason) full.reason = status.reason;
  return new StatusError(full);
}

export function applyPatch(store: GenericStore, type: PatchType, current: KubeObject | undefined, patch: unknown, _ctx: RequestContext): KubeObject {
  const doc = (current ?? {}) as JsonValue;
  switch (type) {
    case 'json': {
      const result = applyJsonPatch(doc, patch);
      if (!result.ok) throw failure(result.status);
      return result.value as KubeObject;
    }
    case 'merge': {
      const result = applyMergePatch(doc, patch);
      if (!result.ok) throw failure(result.status);
      return result.value as KubeObject;
    }
    case 'strategic': {
      const schema = patchSchemaFor(store);
      const result = applyStrategicMergePatch(doc as JsonObject, patch, schema);
      if (!result.ok) throw failure(result.status);
      return result.value as KubeObject;
    }
    case 'apply':
      throw newUnsupportedMediaType('application/apply-patch+yaml', ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
  }
}
