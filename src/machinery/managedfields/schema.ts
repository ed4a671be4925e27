// The types server-side apply walks objects with (structured-merge-diff's
// schema, as kube-openapi's schemaconv derives it from OpenAPI): scalars,
// maps (structs with declared fields and/or map entries of one element type;
// atomic or granular), lists (atomic, sets, or maps keyed by some fields) and
// "deduced" values typed by what they hold (objects are granular maps, lists
// are atomic). Built from the built-in OpenAPI definitions, from a custom
// resource's structural schema, or deduced when there is no schema. Pure.

import { definitionForKind, definitions as builtinDefinitions, refName, type SchemaObject } from '../../api/openapi/index.js';
import type { Json } from './pathelement.js';

export interface ScalarAtom {
  readonly kind: 'scalar';
  readonly scalar: 'string' | 'numeric' | 'boolean' | 'untyped';
}

export interface MapAtom {
  readonly kind: 'map';
  /** x-kubernetes-map-type: atomic — the map is owned and replaced as a whole. */
  readonly atomic: boolean;
  /** The type of a declared (struct) field. */
  field(name: string): Atom | undefined;
  /** The type of keys that are not declared fields; undefined when such keys are not allowed. */
  readonly elem: Atom | undefined;
  /** The OpenAPI default of a declared field (used for missing map-list keys). */
  fieldDefault(name: string): Json | undefined;
  /** Whether a declared field may hold null (`nullable: true`). */
  fieldNullable(name: string): boolean;
}

export interface ListAtom {
  readonly kind: 'list';
  /** atomic: replaced as a whole; otherwise associative (a set when keys is empty, a map-list otherwise). */
  readonly atomic: boolean;
  readonly keys: readonly string[];
  readonly elem: Atom;
}

export interface DeducedAtom {
  readonly kind: 'deduced';
}

export type Atom = ScalarAtom | MapAtom | ListAtom | DeducedAtom;

export const DEDUCED: DeducedAtom = { kind: 'deduced' };
const UNTYPED_SCALAR: ScalarAtom = { kind: 'scalar', scalar: 'untyped' };

/** The granular map a deduced object is. */
export const DEDUCED_MAP: MapAtom = {
  kind: 'map',
  atomic: false,
  field: () => undefined,
  elem: DEDUCED,
  fieldDefault: () => undefined,
  fieldNullable: () => true,
};

/** The atomic list a deduced array is. */
export const DEDUCED_LIST: ListAtom = { kind: 'list', atomic: true, keys: [], elem: DEDUCED };

/** The concrete atom of a value: deduced atoms take the shape of the value. */
export function resolveAtom(atom: Atom, value: unknown): Exclude<Atom, DeducedAtom> {
  if (atom.kind !== 'deduced') return atom;
  if (Array.isArray(value)) return DEDUCED_LIST;
  if (typeof value === 'object' && value !== null) return DEDUCED_MAP;
  return UNTYPED_SCALAR;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Structs upstream marks `+structType=atomic` whose definitions here lack
 * x-kubernetes-map-type (the definitions come from client models).
 */
const ATOMIC_STRUCTS: ReadonlySet<string> = new Set(['io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference']);

type Definitions = Readonly<Record<string, SchemaObject>>;

class SchemaMap implements MapAtom {
  readonly kind = 'map';
  private readonly fieldCache = new Map<string, Atom>();
  private elemCache: Atom | undefined | null = null;

  constructor(
    private readonly conv: Converter,
    private readonly props: Readonly<Record<string, SchemaObject>>,
    private readonly elemSchema: SchemaObject | boolean | undefined,
    readonly atomic: boolean,
  ) {}

  field(name: string): Atom | undefined {
    let a = this.fieldCache.get(name);
    if (!a) {
      if (!Object.prototype.hasOwnProperty.call(this.props, name)) return undefined;
      a = this.conv.atom(this.props[name]);
      this.fieldCache.set(name, a);
    }
    return a;
  }

  get elem(): Atom | undefined {
    if (this.elemCache === null) {
      const e = this.elemSchema;
      this.elemCache = e === undefined || e === false ? undefined : e === true ? DEDUCED : this.conv.atom(e);
    }
    return this.elemCache;
  }

  fieldDefault(name: string): Json | undefined {
    const prop = this.props[name];
    if (!prop) return undefined;
    const resolved = this.conv.deref(prop);
    return (prop.default ?? resolved?.default) as Json | undefined;
  }

  fieldNullable(name: string): boolean {
    const prop = this.props[name] as (SchemaObject & { nullable?: boolean }) | undefined;
    return prop?.nullable === true;
  }
}

class SchemaList implements ListAtom {
  readonly kind = 'list';
  private elemCache: Atom | undefined;

  constructor(
    private readonly conv: Converter,
    private readonly items: SchemaObject | undefined,
    readonly atomic: boolean,
    readonly keys: readonly string[],
  ) {}

  get elem(): Atom {
    this.elemCache ??= this.conv.atom(this.items);
    return this.elemCache;
  }
}

/** OpenAPI (v2 definitions or a v3 structural schema) to atoms, lazily and memoized per definition. */
class Converter {
  private readonly named = new Map<string, Atom>();

  constructor(private readonly defs: Definitions) {}

  deref(s: SchemaObject | undefined): SchemaObject | undefined {
    let cur = s;
    for (let i = 0; i < 8 && cur; i++) {
      if (cur.$ref) cur = this.defs[refName(cur.$ref)];
      else if (!cur.type && !cur.properties && cur.allOf?.length === 1 && cur.allOf[0]?.$ref) cur = cur.allOf[0];
      else return cur;
    }
    return cur;
  }

  atom(s: SchemaObject | undefined): Atom {
    if (!s) return DEDUCED;
    if (s.$ref) return this.namedAtom(refName(s.$ref));
    if (!s.type && !s.properties && s.allOf?.length === 1 && s.allOf[0]?.$ref) {
      // v3 form of a $ref with siblings: the extensions on `s` still apply to lists.
      const target = this.deref(s);
      if (target?.type === 'array' && s['x-kubernetes-list-type']) return this.fromSchema({ ...target, ...s, allOf: undefined }, undefined);
      return this.namedAtom(refName(s.allOf[0].$ref));
    }
    return this.fromSchema(s, undefined);
  }

  private namedAtom(name: string): Atom {
    let a = this.named.get(name);
    if (a) return a;
    const def = this.defs[name];
    if (!def) return DEDUCED;
    a = this.fromSchema(def, name);
    this.named.set(name, a);
    return a;
  }

  private fromSchema(s: SchemaObject, name: string | undefined): Atom {
    if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') return UNTYPED_SCALAR;
    if (s.type === 'array') {
      const listType = s['x-kubernetes-list-type'];
      if (listType === 'set') return new SchemaList(this, s.items, false, []);
      if (listType === 'map') return new SchemaList(this, s.items, false, s['x-kubernetes-list-map-keys'] ?? []);
      if (listType === 'atomic') return new SchemaList(this, s.items, true, []);
      const strategy = s['x-kubernetes-patch-strategy'] ?? '';
      if (strategy.split(',').includes('merge')) {
        const key = s['x-kubernetes-patch-merge-key'];
        return new SchemaList(this, s.items, false, key ? [key] : []);
      }
      return new SchemaList(this, s.items, true, []);
    }
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (s.type === 'object' || s.properties || s.additionalProperties !== undefined) {
      let props: Record<string, SchemaObject> = { ...(s.properties ?? {}) };
      if (s['x-kubernetes-embedded-resource']) {
        props = {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { $ref: `#/definitions/${OBJECT_META}` },
          ...props,
        };
        if (props.metadata && !props.metadata.$ref) props.metadata = { $ref: `#/definitions/${OBJECT_META}` };
      }
      let elem: SchemaObject | boolean | undefined = s.additionalProperties;
      if (elem === undefined && (preserve || (!s.properties && !s['x-kubernetes-embedded-resource']))) elem = true;
      if (elem === false && preserve) elem = true;
      const atomic = s['x-kubernetes-map-type'] === 'atomic' || (name !== undefined && ATOMIC_STRUCTS.has(name));
      return new SchemaMap(this, props, elem, atomic);
    }
    switch (s.type) {
      case 'string':
        return { kind: 'scalar', scalar: 'string' };
      case 'integer':
      case 'number':
        return { kind: 'scalar', scalar: 'numeric' };
      case 'boolean':
        return { kind: 'scalar', scalar: 'boolean' };
      default:
        return DEDUCED;
    }
  }
}

/** Names of struct fields that are Go value structs (present as `{}` in a new, empty object). */
const VALUE_STRUCT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'io.k8s.api.apps.v1.DeploymentSpec': ['strategy'],
  'io.k8s.api.apps.v1.StatefulSetSpec': ['updateStrategy'],
  'io.k8s.api.apps.v1.DaemonSetSpec': ['updateStrategy'],
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': ['resources'],
  'io.k8s.api.core.v1.NodeStatus': ['daemonEndpoints', 'nodeInfo'],
  'io.k8s.api.core.v1.NodeDaemonEndpoints': ['kubeletEndpoint'],
};

/**
 * The schema of one kind: the root atom plus what a freshly created, empty
 * object of the kind looks like (upstream compares a create against the Go
 * zero value, in which value structs are `{}` and required lists are null).
 */
export class TypeSchema {
  private zeroCache: Record<string, unknown> | undefined;

  constructor(
    readonly root: Atom,
    private readonly zeroOf: () => Record<string, unknown> = () => ({}),
  ) {}

  /** A copy of the empty object of this kind. */
  zero(): Record<string, unknown> {
    return structuredClone(this.zeroView());
  }

  /** The empty object of this kind, shared: callers must not modify it. */
  zeroView(): Readonly<Record<string, unknown>> {
    this.zeroCache ??= this.zeroOf();
    return this.zeroCache;
  }

  /** No schema: every object is a granular map, every list atomic. */
  static deduced(): TypeSchema {
    return DEDUCED_SCHEMA;
  }

  /** A definition of a v2 definitions map (the built-in kinds, or a map with the same shape). */
  static fromDefinitions(defs: Definitions, rootName: string): TypeSchema {
    const conv = new Converter(defs);
    const root = conv.atom({ $ref: `#/definitions/${rootName}` });
    return new TypeSchema(root, () => zeroObject(defs, rootName));
  }

  /**
   * A custom resource's structural schema (openAPIV3Schema of its version).
   * The root's apiVersion, kind and metadata are the standard ones, whatever
   * the schema says.
   */
  static fromStructural(schema: SchemaObject): TypeSchema {
    const conv = new Converter(builtinDefinitions);
    const root: SchemaObject = {
      ...schema,
      type: 'object',
      properties: {
        ...(schema.properties ?? {}),
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { $ref: `#/definitions/${OBJECT_META}` },
      },
    };
    return new TypeSchema(conv.atom(root), () => ({}));
  }

  /** The schema of a built-in kind, or the deduced schema when the kind has none. Memoized. */
  static forKind(group: string, version: string, kind: string): TypeSchema {
    const key = `${group}/${version}/${kind}`;
    let s = KIND_CACHE.get(key);
    if (!s) {
      const name = definitionForKind(group, version, kind);
      s = name ? TypeSchema.fromDefinitions(builtinDefinitions, name) : DEDUCED_SCHEMA;
      KIND_CACHE.set(key, s);
    }
    return s;
  }
}

const DEDUCED_SCHEMA = new TypeSchema(DEDUCED);
const KIND_CACHE = new Map<string, TypeSchema>();

function zeroObject(defs: Definitions, rootName: string): Record<string, unknown> {
  const root = defs[rootName];
  const out: Record<string, unknown> = {};
  if (!root?.properties) return out;
  for (const [field, prop] of Object.entries(root.properties)) {
    if (field === 'metadata') out.metadata = { creationTimestamp: null };
    else if (field === 'spec' || field === 'status') {
      const z = zeroStruct(defs, prop, new Set([rootName]));
      if (z !== undefined) out[field] = z;
    }
  }
  for (const field of root.required ?? []) {
    if (field in out) continue;
    const z = zeroField(defs, root.properties[field], new Set([rootName]));
    if (z !== undefined) out[field] = z;
  }
  return out;
}

function refOf(s: SchemaObject | undefined): string | undefined {
  if (!s) return undefined;
  if (s.$ref) return refName(s.$ref);
  if (s.allOf?.length === 1 && s.allOf[0]?.$ref) return refName(s.allOf[0].$ref);
  return undefined;
}

/** The zero value of a struct-typed field, or undefined when it is not a struct. */
function zeroStruct(defs: Definitions, prop: SchemaObject | undefined, seen: Set<string>): Record<string, unknown> | undefined {
  const name = refOf(prop);
  if (!name) return undefined;
  const def = defs[name];
  if (!def || !def.properties || seen.has(name)) return undefined;
  if (name === OBJECT_META) return { creationTimestamp: null };
  const inner = new Set(seen).add(name);
  const out: Record<string, unknown> = {};
  const valueFields = new Set([...(def.required ?? []), ...(VALUE_STRUCT_FIELDS[name] ?? [])]);
  for (const [field, p] of Object.entries(def.properties)) {
    const isMeta = refOf(p) === OBJECT_META;
    if (!valueFields.has(field) && !isMeta && !(field === 'spec' && refOf(p))) continue;
    const z = zeroField(defs, p, inner);
    if (z !== undefined) out[field] = z;
  }
  return out;
}

function zeroField(defs: Definitions, prop: SchemaObject | undefined, seen: Set<string>): unknown {
  if (!prop) return undefined;
  const name = refOf(prop);
  const target = name ? defs[name] : prop;
  if (!target) return undefined;
  if (target.type === 'array') return null;
  if (name && target.properties) return zeroStruct(defs, prop, seen);
  if (target.type === 'object' && target.additionalProperties) return null;
  return undefined;
}
