// OpenAPI definitions of custom resources (upstream's pkg/controller/openapi/builder),
// for /openapi/v2, /openapi/v3/apis/<group>/<version> and `kubectl explain`: the
// version's schema with apiVersion, kind and metadata (a reference to ObjectMeta)
// at the root and in embedded resources, and the List kind. Definition names
// reverse the group: `com.example.stable.v1.CronTab`. References are in the v2
// form (`#/definitions/...`, with sibling descriptions), as src/api/openapi takes
// its definitions; its v3 builder turns them into `allOf: [{$ref}]`. Pure.

import { isObject } from '../../api/types.js';
import { namesOf, objects, schemaOf, specOf, statusOf, str, type CustomResourceDefinition, type CustomResourceDefinitionVersion, type JSONSchemaProps } from './types.js';

export const OBJECT_META_REF = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const LIST_META_REF = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

const API_VERSION_DESCRIPTION =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DESCRIPTION =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DESCRIPTION = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const LIST_METADATA_DESCRIPTION = 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

/** util.ToRESTFriendlyName of `<group>/<version>/<kind>`. */
export function definitionName(group: string, version: string, kind: string): string {
  const reversed = group.includes('.') ? group.split('.').reverse().join('.') : group;
  return [reversed, version, kind].filter((p) => p !== '').join('.');
}

type Schema = Record<string, unknown>;

function typeMeta(schema: Schema): void {
  const properties = (isObject(schema.properties) ? schema.properties : (schema.properties = {})) as Record<string, unknown>;
  properties.apiVersion = { description: API_VERSION_DESCRIPTION, type: 'string' };
  properties.kind = { description: KIND_DESCRIPTION, type: 'string' };
}

function objectMeta(schema: Schema): void {
  const properties = (isObject(schema.properties) ? schema.properties : (schema.properties = {})) as Record<string, unknown>;
  properties.metadata = { $ref: OBJECT_META_REF, description: METADATA_DESCRIPTION };
}

/** Adds TypeMeta and ObjectMeta to every x-kubernetes-embedded-resource below. */
function addEmbeddedProperties(schema: unknown): void {
  if (!isObject(schema)) return;
  if (schema['x-kubernetes-embedded-resource'] === true) {
    typeMeta(schema);
    objectMeta(schema);
  }
  if (isObject(schema.properties)) for (const p of Object.values(schema.properties)) addEmbeddedProperties(p);
  if (isObject(schema.items)) addEmbeddedProperties(schema.items);
  if (isObject(schema.additionalProperties)) addEmbeddedProperties(schema.additionalProperties);
}

/** The kind's schema as served: the structural schema with the Kubernetes object fields. */
function kindSchema(schema: JSONSchemaProps | undefined, group: string, version: string, kind: string): Schema {
  let out: Schema;
  if (!schema) {
    out = { type: 'object' };
  } else {
    out = structuredClone(schema) as Schema;
    objectMeta(out);
    typeMeta(out);
    if (isObject(out.properties)) for (const p of Object.values(out.properties)) addEmbeddedProperties(p);
  }
  out['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
  return out;
}

export interface CustomResourceOpenAPI {
  readonly group: string;
  readonly version: string;
  /** Definition name of the kind, e.g. com.example.stable.v1.CronTab. */
  readonly name: string;
  readonly listName: string;
  /** Definitions (v2 form) for the served documents: the kind and its List. */
  readonly schemas: Readonly<Record<string, Schema>>;
}

/**
 * The OpenAPI v3 definitions of each served version of a CRD (using its accepted
 * names when it has them, as upstream publishes established CRDs).
 */
export function crdOpenAPISchemas(crd: CustomResourceDefinition): CustomResourceOpenAPI[] {
  const spec = specOf(crd);
  const group = str(spec.group);
  const accepted = statusOf(crd).acceptedNames;
  const names = isObject(accepted) && str(accepted.kind) !== '' ? accepted : namesOf(spec);
  const kind = str(names.kind);
  const listKind = str(names.listKind) || `${kind}List`;
  const plural = str(names.plural) || str(namesOf(spec).plural);
  const out: CustomResourceOpenAPI[] = [];
  for (const v of objects<CustomResourceDefinitionVersion>(spec.versions)) {
    if (v.served !== true) continue;
    const version = str(v.name);
    const name = definitionName(group, version, kind);
    const listName = definitionName(group, version, listKind);
    const list: Schema = {
      description: `${listKind} is a list of ${kind}`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { description: API_VERSION_DESCRIPTION, type: 'string' },
        items: {
          description: `List of ${plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`,
          type: 'array',
          items: { $ref: `#/definitions/${name}` },
        },
        kind: { description: KIND_DESCRIPTION, type: 'string' },
        metadata: { $ref: LIST_META_REF, description: LIST_METADATA_DESCRIPTION },
      },
      'x-kubernetes-group-version-kind': [{ group, kind: listKind, version }],
    };
    out.push({ group, version, name, listName, schemas: { [name]: kindSchema(schemaOf(v), group, version, kind), [listName]: list } });
  }
  return out;
}
