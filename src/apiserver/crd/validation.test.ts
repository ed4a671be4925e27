import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateDefaults, validateStructural } from './structural.js';
import { CRD_CLEANUP_FINALIZER, type CustomResourceDefinition, type JSONSchemaProps } from './types.js';
import {
  customResourceDefinitionStrategy,
  defaultCustomResourceDefinition,
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionUpdate,
} from './validation.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer', default: 1 } } },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

function crd(mutate: (c: CustomResourceDefinition) => void = () => undefined): CustomResourceDefinition {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: structuredClone(schema) } }],
    },
  };
  mutate(c);
  defaultCustomResourceDefinition(c);
  const strategy = customResourceDefinitionStrategy();
  strategy.prepareForCreate!(c);
  return c;
}

const messages = (c: CustomResourceDefinition) => validateCustomResourceDefinition(c).map((e) => e.message);

describe('CRD validation', () => {
  it('accepts a valid CRD and defaults it like v1', () => {
    const c = crd((x) => {
      delete x.spec!.names!.singular;
      delete x.spec!.names!.listKind;
    });
    assert.deepEqual(messages(c), []);
    assert.equal(c.spec!.names!.singular, 'crontab');
    assert.equal(c.spec!.names!.listKind, 'CronTabList');
    assert.deepEqual(c.spec!.conversion, { strategy: 'None' });
    assert.deepEqual(c.status, { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
  });

  it('requires the name to be plural.group', () => {
    const c = crd((x) => (x.metadata!.name = 'crontab.stable.example.com'));
    assert.deepEqual(messages(c), ['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group']);
  });

  it('checks group, scope and names with upstream messages', () => {
    const c = crd((x) => {
      x.metadata!.name = 'crontabs.example';
      x.spec!.group = 'example';
      x.spec!.scope = 'Global';
      x.spec!.names!.shortNames = ['CT'];
      x.spec!.names!.listKind = 'CronTab';
    });
    assert.deepEqual(messages(c), [
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
      "spec.names.shortNames[0]: Invalid value: \"CT\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      'spec.names.listKind: Invalid value: "CronTab": kind and listKind may not be the same',
    ]);
  });

  it('requires a schema per version and exactly one storage version', () => {
    const c = crd((x) => {
      x.spec!.versions = [
        { name: 'v1', served: true, storage: false },
        { name: 'v2', served: true, storage: false },
      ];
    });
    const out = messages(c);
    assert.equal(out[0], 'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required');
    assert.equal(out[1], 'spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required');
    assert.match(out[2]!, /^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:false, /);
    assert.match(out[2]!, /: must have exactly one version marked as storage version$/);
    assert.equal(out[3], 'status.storedVersions: Invalid value: []string(nil): must have at least one stored version');
  });

  it('reports duplicate and invalid version names', () => {
    const c = crd((x) => {
      x.spec!.versions = [
        { name: 'V1', served: true, storage: true, schema: { openAPIV3Schema: schema } },
        { name: 'V1', served: true, storage: false, schema: { openAPIV3Schema: schema } },
      ];
    });
    const out = messages(c);
    assert.match(out[0]!, /^spec\.versions\[0\]\.name: Invalid value: "V1": a DNS-1035 label/);
    assert.match(out[2]!, /: must contain unique version names$/);
    assert.match(out[3]!, /^spec\.version: Invalid value: "V1": a DNS-1035 label/);
  });

  it('reports structural schema violations under spec.validation when all versions share the schema', () => {
    const c = crd((x) => {
      x.spec!.versions![0]!.schema = {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { foo: { description: 'untyped' }, bar: { type: 'array' } } },
            metadata: { type: 'object', properties: { labels: { type: 'object' } } },
          },
        },
      };
    });
    assert.deepEqual(messages(c), [
      'spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      'spec.validation.openAPIV3Schema.properties[spec].properties[bar].items: Required value: must be specified',
      'spec.validation.openAPIV3Schema.properties[spec].properties[foo].type: Required value: must not be empty for specified object fields',
    ]);
  });

  it('uses per-version paths when schemas differ', () => {
    const c = crd((x) => {
      x.spec!.versions = [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } },
        { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } } },
      ];
    });
    assert.deepEqual(messages(c), ['spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
  });

  it('checks defaults against their schema and forbids them in metadata', () => {
    const c = crd((x) => {
      x.spec!.versions![0]!.schema = {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            metadata: { type: 'object', default: { name: 'x' } },
            spec: { type: 'object', properties: { replicas: { type: 'integer', default: 'one' }, obj: { type: 'object', default: { extra: 1 }, properties: { a: { type: 'string' } } } } },
          },
        },
      };
    });
    assert.deepEqual(messages(c), [
      'spec.validation.openAPIV3Schema.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"',
      'spec.validation.openAPIV3Schema.properties[spec].properties[obj].default: Invalid value: map[string]interface {}{"extra":1}: must not have unknown fields',
      'spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata',
    ]);
  });

  it('validates the root schema with the status subresource, uniqueItems, $ref and types', () => {
    const c = crd((x) => {
      x.spec!.versions![0]!.subresources = { status: {} };
      x.spec!.versions![0]!.schema = {
        openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'array', uniqueItems: true, items: { type: 'string' } }, b: { type: 'str' } } } } },
      };
    });
    assert.deepEqual(messages(c), [
      'spec.validation.openAPIV3Schema.properties[spec].properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      'spec.validation.openAPIV3Schema.properties[spec].properties[b].type: Unsupported value: "str": supported values: "array", "boolean", "integer", "number", "object", "string"',
    ]);
  });

  it('checks scale paths and printer columns', () => {
    const c = crd((x) => {
      x.spec!.versions![0]!.subresources = { status: {}, scale: { specReplicasPath: '.status.replicas', statusReplicasPath: 'status.replicas' } };
      x.spec!.versions![0]!.additionalPrinterColumns = [
        { name: 'Replicas', type: 'int', jsonPath: '.spec.replicas' },
        { name: '', type: 'string', jsonPath: 'spec.x' },
      ];
    });
    assert.deepEqual(messages(c), [
      'spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
      'spec.subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with .',
      'spec.additionalPrinterColumns[0].type: Invalid value: "int": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[1].name: Required value',
      'spec.additionalPrinterColumns[1].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .',
    ]);
  });

  it('requires approval for protected groups', () => {
    const c = crd((x) => {
      x.metadata!.name = 'widgets.example.k8s.io';
      x.spec!.group = 'example.k8s.io';
      x.spec!.names!.plural = 'widgets';
    });
    assert.deepEqual(messages(c), [
      'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
    ]);
  });

  it('keeps group and plural immutable, and kind and scope once established', () => {
    const old = crd();
    old.status!.conditions = [{ type: 'Established', status: 'True' }];
    const next = structuredClone(old);
    next.spec!.scope = 'Cluster';
    next.spec!.names!.kind = 'Cron';
    next.spec!.names!.listKind = 'CronList';
    assert.deepEqual(
      validateCustomResourceDefinitionUpdate(next, old).map((e) => e.message),
      ['spec.scope: Invalid value: "Cluster": field is immutable', 'spec.names.kind: Invalid value: "Cron": field is immutable'],
    );
    old.status!.conditions = [];
    assert.deepEqual(validateCustomResourceDefinitionUpdate(next, old), []);
  });

  it('lists stored versions that left spec.versions', () => {
    const c = crd();
    c.status!.storedVersions = ['v1beta1', 'v1'];
    assert.deepEqual(messages(c), [
      'status.storedVersions[0]: Invalid value: "v1beta1": missing from spec.versions; v1beta1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1beta1 and removes v1beta1 from status.storedVersions',
    ]);
  });
});

describe('structural schemas', () => {
  it('forbids types and defaults in value validations and checks completeness', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
      anyOf: [{ properties: { spec: { properties: { b: { type: 'string' } } } } }],
    };
    assert.deepEqual(
      validateStructural(s, 'root').map((e) => e.message),
      [
        'root.anyOf[0].properties[spec].properties[b].type: Forbidden: must be empty to be structural',
        'root.properties[spec].properties[b]: Required value: because it is defined in root.anyOf[0].properties[spec].properties[b]',
      ],
    );
  });

  it('allows the int-or-string anyOf pattern and preserve-unknown-fields without type', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: {
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        free: { 'x-kubernetes-preserve-unknown-fields': true },
        res: { type: 'object', 'x-kubernetes-embedded-resource': true },
      },
    };
    assert.deepEqual(validateStructural(s, 'x').map((e) => e.message), [
      'x.properties[res].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
    ]);
  });

  it('rejects a non-object root and additionalProperties at the root', () => {
    assert.deepEqual(validateStructural({ type: 'string' }, 'r').map((e) => e.message), ['r.type: Invalid value: "string": must be object at the root']);
    assert.deepEqual(validateStructural({ type: 'object', additionalProperties: { type: 'string' } }, 'r').map((e) => e.message), [
      'r.additionalProperties: Forbidden: must not be used at the root',
    ]);
  });

  it('validates nested defaults', () => {
    const s: JSONSchemaProps = { type: 'object', properties: { list: { type: 'array', items: { type: 'string', enum: ['a'], default: 'b' } } } };
    assert.deepEqual(validateDefaults(s, 'r').map((e) => e.message), ['r.properties[list].items.default: Unsupported value: "b": supported values: "a"']);
  });
});

describe('CRD strategy', () => {
  it('adds the cleanup finalizer and the Terminating condition when a delete marks the CRD', () => {
    const strategy = customResourceDefinitionStrategy({ now: () => new Date('2024-01-01T00:00:00Z') });
    const c = crd();
    assert.equal(strategy.pendingFinalization!(c), true);
    c.metadata!.deletionTimestamp = '2024-01-01T00:00:00Z';
    strategy.onMarkedForDeletion!(c);
    assert.deepEqual(c.metadata!.finalizers, [CRD_CLEANUP_FINALIZER]);
    assert.deepEqual(c.status!.conditions, [
      {
        type: 'Terminating',
        status: 'True',
        lastTransitionTime: '2024-01-01T00:00:00Z',
        reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
      },
    ]);
    assert.equal(strategy.pendingFinalization!(c), false);
  });

  it('keeps status on updates of the main resource and adds new storage versions', () => {
    const strategy = customResourceDefinitionStrategy();
    const old = crd();
    old.status!.conditions = [{ type: 'Established', status: 'True' }];
    const next = structuredClone(old);
    next.status = { storedVersions: ['bogus'] };
    next.spec!.versions = [
      { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: schema } },
      { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: schema } },
    ];
    strategy.prepareForUpdate!(next, old);
    assert.deepEqual(next.status!.storedVersions, ['v1', 'v2']);
    assert.deepEqual(next.status!.conditions, [{ type: 'Established', status: 'True' }]);
    assert.deepEqual(strategy.validateUpdate!(next, old), []);
  });
});
