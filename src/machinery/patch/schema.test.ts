import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_PATCH_SCHEMA, fieldAtPath, schemaFromOpenAPIDefinitions, schemaFromTypes, type OpenAPIDefinitions } from './schema.js';
import { DEPLOYMENT_SCHEMA, KUBE_TYPES } from './test-fixtures.js';

describe('schemaFromTypes', () => {
  it('answers strategy, merge key and item type along a path', () => {
    const containers = fieldAtPath(DEPLOYMENT_SCHEMA, ['spec', 'template', 'spec', 'containers']);
    assert.equal(containers?.patchStrategy, 'merge');
    assert.equal(containers?.patchMergeKey, 'name');
    assert.equal(containers?.listOfPrimitives, false);
    assert.equal(containers?.schema?.name, 'io.k8s.api.core.v1.Container');
    const ports = fieldAtPath(DEPLOYMENT_SCHEMA, ['spec', 'template', 'spec', 'containers', 'ports']);
    assert.deepEqual([ports?.patchStrategy, ports?.patchMergeKey], ['merge', 'containerPort']);
    const volumes = fieldAtPath(DEPLOYMENT_SCHEMA, ['spec', 'template', 'spec', 'volumes']);
    assert.equal(volumes?.patchStrategy, 'merge,retainKeys');
  });

  it('describes primitive lists, atomic lists and maps', () => {
    const finalizers = fieldAtPath(DEPLOYMENT_SCHEMA, ['metadata', 'finalizers']);
    assert.deepEqual([finalizers?.patchStrategy, finalizers?.listOfPrimitives, finalizers?.schema], ['merge', true, undefined]);
    const tolerations = fieldAtPath(DEPLOYMENT_SCHEMA, ['spec', 'template', 'spec', 'tolerations']);
    assert.equal(tolerations?.patchStrategy, undefined);
    const labels = fieldAtPath(DEPLOYMENT_SCHEMA, ['metadata', 'labels']);
    assert.equal(labels?.schema?.name, 'map[string]string');
    assert.deepEqual(labels?.schema?.field('any-key'), { schema: undefined });
  });

  it('has no answer for undescribed fields and unknown types', () => {
    assert.equal(fieldAtPath(DEPLOYMENT_SCHEMA, ['spec', 'paused']), undefined);
    assert.equal(fieldAtPath(DEPLOYMENT_SCHEMA, ['spec', 'template', 'spec', 'containers', 'livenessProbe']), undefined);
    assert.equal(fieldAtPath(DEPLOYMENT_SCHEMA, ['status', 'conditions'])?.patchMergeKey, 'type');
    assert.equal(schemaFromTypes(KUBE_TYPES, 'no.such.Type').field('spec'), undefined);
    assert.equal(EMPTY_PATCH_SCHEMA.field('anything'), undefined);
    assert.equal(schemaFromTypes(KUBE_TYPES, 'io.k8s.api.core.v1.Pod').field('constructor'), undefined);
  });
});

describe('schemaFromOpenAPIDefinitions', () => {
  // An excerpt in the shape of the served /openapi/v2 definitions.
  const definitions: OpenAPIDefinitions = {
    'io.k8s.api.core.v1.PodSpec': {
      type: 'object',
      properties: {
        containers: {
          type: 'array',
          items: { $ref: '#/definitions/io.k8s.api.core.v1.Container' },
          'x-kubernetes-patch-merge-key': 'name',
          'x-kubernetes-patch-strategy': 'merge',
        },
        nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
        overhead: { type: 'object', additionalProperties: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' } },
      },
    },
    'io.k8s.api.core.v1.Container': {
      type: 'object',
      properties: {
        args: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' },
        env: {
          type: 'array',
          items: { $ref: '#/definitions/io.k8s.api.core.v1.EnvVar' },
          'x-kubernetes-patch-merge-key': 'name',
          'x-kubernetes-patch-strategy': 'merge',
        },
        resources: { $ref: '#/definitions/io.k8s.api.core.v1.ResourceRequirements' },
      },
    },
    'io.k8s.api.core.v1.EnvVar': { type: 'object', properties: { name: { type: 'string' } } },
    'io.k8s.api.core.v1.ResourceRequirements': {
      type: 'object',
      properties: { limits: { type: 'object', additionalProperties: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' } } },
    },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
    // Recursive, as JSONSchemaProps is.
    'io.k8s.apiextensions.v1.JSONSchemaProps': {
      type: 'object',
      properties: {
        properties: { type: 'object', additionalProperties: { $ref: '#/definitions/io.k8s.apiextensions.v1.JSONSchemaProps' } },
        allOf: { type: 'array', items: { $ref: '#/definitions/io.k8s.apiextensions.v1.JSONSchemaProps' } },
      },
    },
  };

  it('follows $ref, items and additionalProperties', () => {
    const schema = schemaFromOpenAPIDefinitions(definitions, 'io.k8s.api.core.v1.PodSpec');
    const env = fieldAtPath(schema, ['containers', 'env']);
    assert.deepEqual([env?.patchStrategy, env?.patchMergeKey, env?.schema?.name], ['merge', 'name', 'io.k8s.api.core.v1.EnvVar']);
    assert.equal(fieldAtPath(schema, ['containers', 'args'])?.listOfPrimitives, true);
    assert.equal(fieldAtPath(schema, ['containers', 'resources', 'limits', 'cpu'])?.schema, undefined);
    assert.ok(fieldAtPath(schema, ['nodeSelector', 'disktype']));
    assert.equal(fieldAtPath(schema, ['containers', 'unknownField']), undefined);
  });

  it('handles recursive definitions lazily', () => {
    const schema = schemaFromOpenAPIDefinitions(definitions, 'io.k8s.apiextensions.v1.JSONSchemaProps');
    const deep = fieldAtPath(schema, ['properties', 'spec', 'properties', 'replicas', 'allOf', 'properties']);
    assert.ok(deep?.schema);
  });

  it('reads OpenAPI v3 component references wrapped in allOf', () => {
    const v3: OpenAPIDefinitions = {
      'io.k8s.api.core.v1.ServiceSpec': {
        type: 'object',
        properties: {
          ports: {
            type: 'array',
            items: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.ServicePort' }] },
            'x-kubernetes-patch-merge-key': 'port',
            'x-kubernetes-patch-strategy': 'merge',
          },
          sessionAffinityConfig: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.SessionAffinityConfig' }] },
        },
      },
      'io.k8s.api.core.v1.ServicePort': { type: 'object', properties: { port: { type: 'integer' } } },
      'io.k8s.api.core.v1.SessionAffinityConfig': { type: 'object', properties: { clientIP: { type: 'object' } } },
    };
    const schema = schemaFromOpenAPIDefinitions(v3, 'io.k8s.api.core.v1.ServiceSpec');
    assert.equal(fieldAtPath(schema, ['ports'])?.schema?.name, 'io.k8s.api.core.v1.ServicePort');
    assert.equal(fieldAtPath(schema, ['sessionAffinityConfig'])?.schema?.name, 'io.k8s.api.core.v1.SessionAffinityConfig');
  });

  it('gives an empty schema for an unknown root', () => {
    assert.equal(schemaFromOpenAPIDefinitions(definitions, 'nope').field('x'), undefined);
  });
});
