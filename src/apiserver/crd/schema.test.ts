import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CustomResourceSchema, applyDefaults, pruneValue, ratchet } from './schema.js';
import type { JSONSchemaProps } from './types.js';

const cronTab: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        replicas: { type: 'integer', minimum: 0, maximum: 10 },
        size: { type: 'string', minLength: 2, maxLength: 5 },
        color: { type: 'string', enum: ['red', 'blue'] },
        image: { type: 'string', pattern: '^[a-z]+$' },
        ratio: { type: 'number', multipleOf: 0.5, exclusiveMinimum: true, minimum: 0 },
        when: { type: 'string', format: 'date-time' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        optional: { type: 'string', nullable: true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

function messages(obj: Record<string, unknown>, schema = cronTab): string[] {
  return new CustomResourceSchema(schema).validate(obj).map((e) => e.message);
}

const base = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'x' } };

describe('custom resource validation', () => {
  it('reports wrong types the way kube-openapi and apiextensions print them', () => {
    const errors = new CustomResourceSchema(cronTab).validate({ ...base, spec: { size: 'ab', replicas: 'three' } });
    assert.deepEqual(
      errors.map((e) => [e.type, e.field, e.message]),
      [['FieldValueTypeInvalid', 'spec.replicas', 'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
    );
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', replicas: 1.5 } }), ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']);
  });

  it('reports required fields, enums, bounds, lengths and patterns', () => {
    assert.deepEqual(messages({ ...base, spec: {} }), ['spec.size: Required value']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', color: 'pink' } }), ['spec.color: Unsupported value: "pink": supported values: "red", "blue"']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', replicas: -1 } }), ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', replicas: 11 } }), ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']);
    assert.deepEqual(messages({ ...base, spec: { size: 'abcdef' } }), ['spec.size: Too long: may not be more than 5 bytes']);
    assert.deepEqual(messages({ ...base, spec: { size: 'a' } }), ['spec.size: Invalid value: "a": spec.size in body should be at least 2 chars long']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', image: 'Nginx' } }), ["spec.image: Invalid value: \"Nginx\": spec.image in body should match '^[a-z]+$'"]);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', ratio: 0 } }), ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', ratio: 0.7 } }), ['spec.ratio: Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5']);
  });

  it('checks array sizes, formats, int-or-string, map values and nullable', () => {
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', tags: [] } }), ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', tags: ['a', 'b', 'c'] } }), ['spec.tags: Too many: 3: must have at most 2 items']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', tags: ['a', 5] } }), ['spec.tags[1]: Invalid value: "integer": spec.tags[1] in body must be of type string: "integer"']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', when: 'yesterday' } }), ['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', when: '2024-01-02T03:04:05Z' } }), []);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', port: 80 } }), []);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', port: 'http' } }), []);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', port: true } }), ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', labels: { a: 1 } } }), ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', optional: null } }), []);
  });

  it('requires apiVersion and kind of embedded resources', () => {
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', template: { metadata: {} } } }), ['spec.template.apiVersion: Required value', 'spec.template.kind: Required value']);
    assert.deepEqual(messages({ ...base, spec: { size: 'ab', template: { apiVersion: 'v1', kind: 'Pod' } } }), []);
  });

  it('reports anyOf failures with the nil path upstream uses', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { x: { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }] } } } } };
    const out = messages({ ...base, spec: { x: 'c' } }, schema);
    assert.equal(out[0], '<nil>: Invalid value: "": "spec.x" must validate at least one schema (anyOf)');
    assert.equal(out[1], "spec.x: Invalid value: \"c\": spec.x in body should match '^a'");
  });

  it('checks list-type set and map', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            set: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
            map: {
              type: 'array',
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-list-map-keys': ['name'],
              items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, v: { type: 'integer' } } },
            },
          },
        },
      },
    };
    assert.deepEqual(messages({ ...base, spec: { set: ['a', 'b', 'a'] } }, schema), ['spec.set[2]: Duplicate value: "a"']);
    assert.deepEqual(messages({ ...base, spec: { map: [{ name: 'a', v: 1 }, { name: 'a', v: 2 }] } }, schema), ['spec.map[1]: Duplicate value: map[string]interface {}{"name":"a"}']);
  });

  it('ratchets unchanged invalid values on update', () => {
    const schema = new CustomResourceSchema(cronTab);
    const old = { ...base, spec: { size: 'ab', replicas: 50 } };
    assert.deepEqual(schema.validateUpdate({ ...base, spec: { size: 'abc', replicas: 50 } }, old), []);
    assert.equal(schema.validateUpdate({ ...base, spec: { size: 'ab', replicas: 60 } }, old).length, 1);
    // A missing required field is kept only while its object is unchanged.
    const noSize = { ...base, spec: { replicas: 1 } };
    assert.deepEqual(schema.validateUpdate({ ...base, spec: { replicas: 1 } }, noSize), []);
    assert.deepEqual(
      schema.validateUpdate({ ...base, spec: { replicas: 2 } }, noSize).map((e) => e.message),
      ['spec.size: Required value'],
    );
  });
});

describe('pruning', () => {
  it('drops unknown fields and reports their paths, keeping apiVersion, kind and metadata', () => {
    const obj = {
      ...base,
      metadata: { name: 'x', labels: { a: 'b' }, bogus: 1 },
      extra: true,
      spec: { size: 'ab', foo: 1, tags: ['a'], free: { anything: { goes: 1 }, known: { a: 'x', b: 'y' } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', junk: 1 }, spec: { x: 1 } } },
      status: { replicas: 1, phase: 'Running' },
    };
    const pruned = pruneValue(obj, cronTab, true);
    assert.deepEqual(pruned, ['extra', 'metadata.bogus', 'spec.foo', 'spec.free.known.b', 'spec.template.metadata.junk', 'status.phase']);
    assert.deepEqual(obj, {
      ...base,
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: { size: 'ab', tags: ['a'], free: { anything: { goes: 1 }, known: { a: 'x' } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 1 } } },
      status: { replicas: 1 },
    });
  });

  it('reports unknown fields without changing the object', () => {
    const schema = new CustomResourceSchema(cronTab);
    const obj = { ...base, spec: { size: 'ab', items: [{ a: 1 }] } };
    assert.deepEqual(schema.unknownFields(obj), ['spec.items']);
    assert.deepEqual(obj.spec.items, [{ a: 1 }]);
  });

  it('prunes array items by index', () => {
    const schema: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { list: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } } } } } };
    const obj = { spec: { list: [{ a: 'x' }, { a: 'y', b: 1 }] } };
    assert.deepEqual(pruneValue(obj, schema, true), ['spec.list[1].b']);
  });
});

describe('defaulting', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        default: {},
        properties: {
          replicas: { type: 'integer', default: 1 },
          nested: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'fast' } } },
          list: { type: 'array', items: { type: 'object', properties: { weight: { type: 'integer', default: 5 } } } },
          keepNull: { type: 'string', nullable: true, default: 'x' },
          dropNull: { type: 'string' },
        },
      },
    },
  };

  it('applies defaults top-down, into new objects and array items', () => {
    const obj: Record<string, unknown> = { ...base, spec: { list: [{}, { weight: 2 }] } };
    applyDefaults(obj, schema);
    assert.deepEqual(obj.spec, { list: [{ weight: 5 }, { weight: 2 }], replicas: 1, nested: { mode: 'fast' }, keepNull: 'x' });
    const empty: Record<string, unknown> = { ...base };
    applyDefaults(empty, schema);
    assert.deepEqual(empty.spec, { replicas: 1, nested: { mode: 'fast' }, keepNull: 'x' });
  });

  it('drops non-nullable nulls without defaults and defaults nulls that have them', () => {
    const s = new CustomResourceSchema(schema);
    const obj: Record<string, unknown> = { ...base, spec: { replicas: null, dropNull: null, keepNull: null } };
    s.normalize(obj);
    assert.deepEqual(obj.spec, { replicas: 1, keepNull: null, nested: { mode: 'fast' } });
    assert.equal(s.hasDefaults, true);
  });

  it('ratchet keeps errors without a path', () => {
    assert.equal(ratchet([{ type: 'FieldValueInvalid', field: '<nil>', message: 'x' }], {}, {}).length, 1);
  });
});
