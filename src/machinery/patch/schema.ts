// What strategic merge patch needs to know about a type: for each field, its
// patch strategy and merge key, and the type of its value (for a list, of its
// items). Upstream reads this from Go struct tags on built-in types or from
// the served OpenAPI (x-kubernetes-patch-strategy / -merge-key). Here it is an
// interface with two builders: a compact table for code and tests, and the
// OpenAPI v2 definitions map the API server serves.

/** Values upstream uses in `patchStrategy` tags and x-kubernetes-patch-strategy. */
export type PatchStrategy = 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys';

export interface FieldPatchInfo {
  /** Raw strategy, possibly comma separated ("merge,retainKeys"). */
  readonly patchStrategy?: string;
  /** For lists merged by key, the item field that identifies an item. */
  readonly patchMergeKey?: string;
  /** For list fields: whether the items are primitives (strings, numbers). */
  readonly listOfPrimitives?: boolean;
  /**
   * The schema of the field's value: of each item for a list, of each value
   * for a map. Absent for primitives and for types nothing is known about.
   */
  readonly schema?: PatchSchema;
}

export interface PatchSchema {
  /** Type name, used in error messages. */
  readonly name: string;
  /**
   * Metadata for one field of this type (for a map type, of any key).
   * Undefined when the type does not describe the field: the patch then
   * falls back to JSON-merge behaviour there (maps merge, lists replace).
   */
  field(name: string): FieldPatchInfo | undefined;
}

/** A type with no metadata at all: strategic merge degrades to JSON merge. */
export const EMPTY_PATCH_SCHEMA: PatchSchema = {
  name: 'unknown',
  field: () => undefined,
};

/**
 * The field reached by following `path` (field names) from `schema`; list
 * fields descend into their item type, so ["spec", "containers", "ports"]
 * names the ports of every container.
 */
export function fieldAtPath(schema: PatchSchema, path: readonly string[]): FieldPatchInfo | undefined {
  let current: PatchSchema | undefined = schema;
  let info: FieldPatchInfo | undefined;
  for (const name of path) {
    info = current?.field(name);
    if (info === undefined) return undefined;
    current = info.schema;
  }
  return info;
}

// ---------------------------------------------------------------------------
// Builder from a compact table of named types.

/** Names that denote primitives in a type table. */
const PRIMITIVE_NAMES: ReadonlySet<string> = new Set(['string', 'integer', 'number', 'boolean', 'primitive']);

export interface FieldDescription {
  /** A named object type. */
  readonly type?: string;
  /** A list whose items have this type (a table name or a primitive name). */
  readonly list?: string;
  /** A map (string keys) whose values have this type. */
  readonly map?: string;
  readonly patchStrategy?: PatchStrategy;
  readonly patchMergeKey?: string;
}

/** A field is either described or given as a bare type name. */
export type FieldSpec = FieldDescription | string;
export type TypeDescription = Readonly<Record<string, FieldSpec>>;
export type TypeTable = Readonly<Record<string, TypeDescription>>;

/**
 * Builds a schema from a table such as
 * `{ 'io.k8s.api.core.v1.PodSpec': { containers: { list: 'io.k8s.api.core.v1.Container',
 * patchStrategy: 'merge', patchMergeKey: 'name' } } }`. Fields a type does
 * not list, and type names missing from the table, carry no metadata.
 */
export function schemaFromTypes(types: TypeTable, rootType: string): PatchSchema {
  const cache = new Map<string, PatchSchema>();
  const named = (name: string): PatchSchema | undefined => {
    if (PRIMITIVE_NAMES.has(name)) return undefined;
    const description = types[name];
    if (description === undefined) return undefined;
    let schema = cache.get(name);
    if (schema === undefined) {
      schema = tableStructSchema(name, description, named);
      cache.set(name, schema);
    }
    return schema;
  };
  return named(rootType) ?? { name: rootType, field: () => undefined };
}

type Resolver = (name: string) => PatchSchema | undefined;

function tableStructSchema(name: string, description: TypeDescription, resolve: Resolver): PatchSchema {
  const fields = new Map<string, FieldPatchInfo>();
  return {
    name,
    field(fieldName) {
      if (!Object.prototype.hasOwnProperty.call(description, fieldName)) return undefined;
      let info = fields.get(fieldName);
      if (info === undefined) {
        info = tableFieldInfo(description[fieldName] as FieldSpec, resolve);
        fields.set(fieldName, info);
      }
      return info;
    },
  };
}

function tableFieldInfo(spec: FieldSpec, resolve: Resolver): FieldPatchInfo {
  const description: FieldDescription = typeof spec === 'string' ? { type: spec } : spec;
  const meta = { patchStrategy: description.patchStrategy, patchMergeKey: description.patchMergeKey };
  if (description.list !== undefined) {
    return { ...meta, listOfPrimitives: PRIMITIVE_NAMES.has(description.list), schema: resolve(description.list) };
  }
  if (description.map !== undefined) {
    const valueType = description.map;
    return { ...meta, schema: mapSchema(`map[string]${valueType}`, () => resolve(valueType)) };
  }
  return { ...meta, schema: description.type === undefined ? undefined : resolve(description.type) };
}

/**
 * Any key of a map has the map's value type and no strategy of its own. The
 * value type is resolved on first use, so a map of its own type terminates.
 */
function mapSchema(name: string, values: () => PatchSchema | undefined): PatchSchema {
  let info: FieldPatchInfo | undefined;
  return {
    name,
    field: () => {
      info ??= { schema: values() };
      return info;
    },
  };
}

// ---------------------------------------------------------------------------
// Builder from OpenAPI definitions.

/** The parts of an OpenAPI v2 (or v3) schema object that matter here. */
export interface OpenAPISchemaObject {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, OpenAPISchemaObject>>;
  readonly additionalProperties?: OpenAPISchemaObject | boolean;
  readonly items?: OpenAPISchemaObject;
  readonly allOf?: readonly OpenAPISchemaObject[];
  readonly 'x-kubernetes-patch-strategy'?: string;
  readonly 'x-kubernetes-patch-merge-key'?: string;
  readonly [extension: string]: unknown;
}

export type OpenAPIDefinitions = Readonly<Record<string, OpenAPISchemaObject>>;

const REF_PREFIXES = ['#/definitions/', '#/components/schemas/'];

/**
 * Builds a schema from `definitions` (swagger.json's `definitions`, or
 * OpenAPI v3's `components.schemas`) rooted at `rootDefinitionName`.
 * Definitions are resolved lazily, so recursive types are fine.
 */
export function schemaFromOpenAPIDefinitions(definitions: OpenAPIDefinitions, rootDefinitionName: string): PatchSchema {
  const resolver = new OpenAPIResolver(definitions);
  return resolver.named(rootDefinitionName) ?? { name: rootDefinitionName, field: () => undefined };
}

class OpenAPIResolver {
  private readonly cache = new Map<string, PatchSchema | undefined>();

  constructor(private readonly definitions: OpenAPIDefinitions) {}

  /** The schema of a definition, or undefined for primitives and unknown names. */
  named(name: string): PatchSchema | undefined {
    if (this.cache.has(name)) return this.cache.get(name);
    const definition = Object.prototype.hasOwnProperty.call(this.definitions, name) ? this.definitions[name] : undefined;
    // Cache before building so a self-referencing type finds itself.
    this.cache.set(name, undefined);
    const schema = definition === undefined ? undefined : this.objectSchema(definition, name);
    this.cache.set(name, schema);
    return schema;
  }

  /** The schema an inline or referenced schema object stands for. */
  schemaOf(object: OpenAPISchemaObject, name: string): PatchSchema | undefined {
    const reference = referenceName(object);
    if (reference !== undefined) return this.named(reference);
    return this.objectSchema(object, name);
  }

  private objectSchema(object: OpenAPISchemaObject, name: string): PatchSchema | undefined {
    const reference = referenceName(object);
    if (reference !== undefined) return this.named(reference);
    if (object.properties !== undefined) return this.structSchema(object.properties, name);
    const values = object.additionalProperties;
    if (typeof values === 'object') return mapSchema(name, () => this.schemaOf(values, `${name}.value`));
    return undefined;
  }

  private structSchema(properties: Readonly<Record<string, OpenAPISchemaObject>>, name: string): PatchSchema {
    const fields = new Map<string, FieldPatchInfo>();
    return {
      name,
      field: (fieldName) => {
        if (!Object.prototype.hasOwnProperty.call(properties, fieldName)) return undefined;
        let info = fields.get(fieldName);
        if (info === undefined) {
          info = this.fieldInfo(properties[fieldName] as OpenAPISchemaObject, `${name}.${fieldName}`);
          fields.set(fieldName, info);
        }
        return info;
      },
    };
  }

  private fieldInfo(property: OpenAPISchemaObject, name: string): FieldPatchInfo {
    const meta = {
      patchStrategy: stringExtension(property, 'x-kubernetes-patch-strategy'),
      patchMergeKey: stringExtension(property, 'x-kubernetes-patch-merge-key'),
    };
    const target = this.dereference(property);
    if (isArraySchema(target) && target.items !== undefined) {
      const items = target.items;
      const itemSchema = this.schemaOf(items, `${name}.items`);
      return { ...meta, listOfPrimitives: itemSchema === undefined && !isObjectLike(this.dereference(items)), schema: itemSchema };
    }
    return { ...meta, schema: this.schemaOf(property, name) };
  }

  /** Follows a $ref (or a single-ref allOf) to the definition it names. */
  private dereference(object: OpenAPISchemaObject): OpenAPISchemaObject {
    const reference = referenceName(object);
    if (reference === undefined) return object;
    return (Object.prototype.hasOwnProperty.call(this.definitions, reference) ? this.definitions[reference] : undefined) ?? object;
  }
}

/** The definition a schema object points at: `$ref`, or v3's `allOf: [{$ref}]`. */
function referenceName(object: OpenAPISchemaObject): string | undefined {
  const ref = object.$ref ?? (object.allOf?.length === 1 ? object.allOf[0]?.$ref : undefined);
  if (ref === undefined) return undefined;
  for (const prefix of REF_PREFIXES) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

function stringExtension(object: OpenAPISchemaObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' ? value : undefined;
}

function hasType(object: OpenAPISchemaObject, type: string): boolean {
  return object.type === type || (Array.isArray(object.type) && object.type.includes(type));
}

function isArraySchema(object: OpenAPISchemaObject): boolean {
  return hasType(object, 'array') || (object.type === undefined && object.items !== undefined);
}

function isObjectLike(object: OpenAPISchemaObject): boolean {
  return hasType(object, 'object') || object.properties !== undefined || typeof object.additionalProperties === 'object';
}
