// The Strategy of one served version of a custom resource (upstream's
// pkg/registry/customresource strategy and validator): schema pruning and
// defaults on every write and read, schema validation with update ratcheting,
// the status subresource's semantics, generation, scale paths and selectable
// fields. Pure: the controller builds one per served version.

import { isObject, type KubeObject } from '../../api/types.js';
import type { Strategy } from '../registry/strategy.js';
import { newMethodNotSupported, type FieldCause } from '../status.js';
import { invalid } from './field-errors.js';
import { CustomResourceSchema } from './schema.js';
import { deepEqual, type JSONSchemaProps } from './types.js';

export interface ScalePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** State shared by the strategies of all versions of one CRD. */
export interface CustomResourceState {
  /** The CRD is being deleted: creates are refused, as upstream. */
  terminating: boolean;
}

export interface CustomResourceStrategyOptions {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly schema: JSONSchemaProps | undefined;
  readonly hasStatus: boolean;
  readonly scale?: ScalePaths;
  /** spec.versions[].selectableFields jsonPaths (`.spec.color`), served as field selectors. */
  readonly selectableFields?: readonly string[];
  readonly state?: CustomResourceState;
}

export interface CustomResourceStrategy extends Strategy {
  readonly schema: CustomResourceSchema;
  /**
   * What a read of a stored object returns through this version: its apiVersion,
   * the schema's pruning and defaults. Returns `obj` itself when nothing changes;
   * never mutates it (stored objects are shared).
   */
  transformRead(obj: KubeObject): KubeObject;
  /** Paths of fields a request body has that the schema drops (`spec.foo`), for fieldValidation. */
  unknownFields(obj: KubeObject): string[];
}

type JsonMap = Record<string, unknown>;

function splitPath(path: string): string[] {
  return path.replace(/^\./, '').split('.');
}

function goTypeName(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  if (isObject(value)) return 'map[string]interface {}';
  return '<nil>';
}

function goPrint(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (isObject(value)) {
    return `map[${Object.keys(value)
      .sort()
      .map((k) => `${k}:${goPrint(value[k])}`)
      .join(' ')}]`;
  }
  return String(value);
}

/** unstructured.NestedFieldNoCopy + a type check, with its error messages. */
function nested(obj: JsonMap, path: string, expected: 'int64' | 'string'): { found: boolean; value: unknown; error?: string } {
  const fields = splitPath(path);
  let cur: unknown = obj;
  for (let i = 0; i < fields.length; i++) {
    if (!isObject(cur)) {
      const at = `.${fields.slice(0, i).join('.')}`;
      return { found: false, value: undefined, error: `${at} accessor error: ${goPrint(cur)} is of the type ${goTypeName(cur)}, expected map[string]interface{}` };
    }
    if (!(fields[i]! in cur)) return { found: false, value: undefined };
    cur = cur[fields[i]!];
  }
  const ok = expected === 'int64' ? typeof cur === 'number' && Number.isInteger(cur) : typeof cur === 'string';
  if (!ok) return { found: true, value: cur, error: `.${fields.join('.')} accessor error: ${goPrint(cur)} is of the type ${goTypeName(cur)}, expected ${expected}` };
  return { found: true, value: cur };
}

const MAX_INT32 = 2147483647;

function validateReplicas(obj: JsonMap, path: string): FieldCause[] {
  const r = nested(obj, path, 'int64');
  if (r.error) return [invalid(path, 0, r.error)];
  if (!r.found) return [];
  const n = r.value as number;
  if (n < 0) return [invalid(path, n, 'should be a non-negative integer')];
  if (n > MAX_INT32) return [invalid(path, n, `should be less than or equal to ${MAX_INT32}`)];
  return [];
}

/** customResourceValidator.ValidateScaleSpec and ValidateScaleStatus. */
export function validateScale(obj: JsonMap, scale: ScalePaths | undefined): FieldCause[] {
  if (!scale) return [];
  const errs = [...validateReplicas(obj, scale.specReplicasPath), ...validateReplicas(obj, scale.statusReplicasPath)];
  if (scale.labelSelectorPath) {
    const r = nested(obj, scale.labelSelectorPath, 'string');
    if (r.error) errs.push(invalid(scale.labelSelectorPath, '', r.error));
  }
  return errs;
}

function withoutMetadata(obj: KubeObject): JsonMap {
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function selectableValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const f of splitPath(path)) cur = isObject(cur) ? cur[f] : undefined;
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'string' ? cur : String(cur);
}

/** The Strategy of one served version of a custom resource. */
export function customResourceStrategy(options: CustomResourceStrategyOptions): CustomResourceStrategy {
  const schema = new CustomResourceSchema(options.schema);
  const apiVersion = `${options.group}/${options.version}`;
  const reads = new WeakMap<KubeObject, KubeObject>();
  const normalized = (obj: KubeObject): KubeObject => {
    const copy = structuredClone(obj);
    schema.normalize(copy);
    return copy;
  };
  const fieldSelectors: Record<string, (obj: KubeObject) => string> = {};
  for (const path of options.selectableFields ?? []) fieldSelectors[path.replace(/^\./, '')] = (obj) => selectableValue(obj, path);

  return {
    schema,
    generationTracksSpec: true,
    ...(options.selectableFields?.length ? { fieldSelectors } : {}),
    defaults(obj) {
      schema.normalize(obj);
    },
    prepareForCreate(obj) {
      if (options.state?.terminating) {
        const err = newMethodNotSupported({ group: options.group, resource: options.plural }, 'create');
        err.status.message = 'create not allowed while custom resource definition is terminating';
        throw err;
      }
      if (options.hasStatus) delete obj.status;
      obj.metadata = { ...obj.metadata, generation: 1 };
    },
    prepareForUpdate(obj, old) {
      // Anything but metadata changing bumps the generation (with a status
      // subresource, status was already reset to the stored one).
      const before = normalized(old);
      const changed = !deepEqual(withoutMetadata(obj), withoutMetadata(before));
      const generation = (old.metadata?.generation ?? 0) + (changed ? 1 : 0);
      obj.metadata = { ...obj.metadata, generation: generation || 1 };
    },
    validate(obj) {
      return [...schema.validate(obj), ...validateScale(obj, options.scale)];
    },
    validateUpdate(obj, old) {
      // Status writes skip defaults() in the registry: prune and default here too.
      schema.normalize(obj);
      const before = normalized(old);
      return [...schema.validateUpdate(obj, before), ...validateScale(obj, options.scale)];
    },
    transformRead(obj) {
      const cached = reads.get(obj);
      if (cached) return cached;
      const copy = normalized(obj);
      copy.apiVersion = apiVersion;
      const result = deepEqual(copy, obj) ? obj : copy;
      reads.set(obj, result);
      return result;
    },
    unknownFields(obj) {
      return schema.unknownFields(obj);
    },
  };
}
