import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import protobuf from 'protobufjs/light.js';
import { buildOpenAPIV2 } from '../openapi/index.js';
import { BUILTIN_RESOURCES } from '../resources.js';
import descriptor from './openapiv2.json' with { type: 'json' };
import { decodeOpenAPIV2Protobuf, encodeOpenAPIV2Protobuf, negotiateOpenAPIV2, OPENAPI_V2_PROTOBUF_MEDIA_TYPE, toYaml } from './index.js';

type Json = Record<string, unknown>;

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
const Document = root.lookupType('openapi.v2.Document');

/** The raw message as kubectl's Go code sees it (snake_case fields). */
function rawMessage(bytes: Uint8Array): Json {
  return Document.toObject(Document.decode(bytes), { longs: Number }) as Json;
}

const named = (list: unknown, name: string): Json | undefined => (list as Json[] | undefined)?.find((e) => e.name === name);

describe('OpenAPI v2 protobuf (gnostic openapi_v2.Document)', () => {
  const doc = buildOpenAPIV2(BUILTIN_RESOURCES) as Json;

  it('round-trips the whole built-in document', () => {
    const bytes = encodeOpenAPIV2Protobuf(doc);
    assert.deepStrictEqual(decodeOpenAPIV2Protobuf(bytes), doc);
  });

  it('writes definitions, refs, types and x-kubernetes-* extensions as gnostic does', () => {
    const raw = rawMessage(encodeOpenAPIV2Protobuf(doc));
    assert.equal(raw.swagger, '2.0');
    const definitions = (raw.definitions as Json).additional_properties as Json[];
    assert.equal(definitions.length, Object.keys(doc.definitions as Json).length);

    const deployment = named(definitions, 'io.k8s.api.apps.v1.Deployment')!.value as Json;
    assert.deepEqual(deployment.type, { value: ['object'] });
    const gvk = named(deployment.vendor_extension, 'x-kubernetes-group-version-kind')!.value as Json;
    assert.deepEqual(parseYaml(gvk.yaml as string), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const spec = named((deployment.properties as Json).additional_properties, 'spec')!.value as Json;
    assert.equal(spec._ref, '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');

    const podSpec = named(definitions, 'io.k8s.api.core.v1.PodSpec')!.value as Json;
    const containers = named((podSpec.properties as Json).additional_properties, 'containers')!.value as Json;
    assert.deepEqual(containers.type, { value: ['array'] });
    assert.deepEqual(containers.items, { schema: [{ _ref: '#/definitions/io.k8s.api.core.v1.Container' }] });
    const extensions = Object.fromEntries((containers.vendor_extension as Json[]).map((e) => [e.name, (e.value as Json).yaml]));
    assert.equal(extensions['x-kubernetes-patch-merge-key'], 'name\n');
    assert.equal(extensions['x-kubernetes-patch-strategy'], 'merge\n');
    assert.equal(extensions['x-kubernetes-list-type'], 'map\n');
    assert.equal(extensions['x-kubernetes-list-map-keys'], '- name\n');
    assert.deepEqual(podSpec.required, ['containers']);

    const configMap = named(definitions, 'io.k8s.api.core.v1.ConfigMap')!.value as Json;
    const data = named((configMap.properties as Json).additional_properties, 'data')!.value as Json;
    assert.deepEqual(data.additional_properties, { schema: { type: { value: ['string'] } } });
  });

  it('maps paths, operations, parameters and responses to the oneofs gnostic picks', () => {
    const raw = rawMessage(encodeOpenAPIV2Protobuf(doc));
    const item = named((raw.paths as Json).path, '/api/v1/namespaces/{namespace}/pods/{name}')!.value as Json;
    const patch = item.patch as Json;
    assert.equal(patch.operation_id, 'patchCoreV1NamespacedPod');
    const body = (patch.parameters as Json[]).map((p) => p.parameter as Json).find((p) => p.body_parameter)!.body_parameter as Json;
    assert.deepEqual(body.schema, { _ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' });
    const query = (patch.parameters as Json[]).map((p) => ((p.parameter as Json).non_body_parameter as Json | undefined)?.query_parameter_sub_schema as Json | undefined);
    assert.ok(query.some((q) => q?.name === 'fieldValidation' && q.type === 'string' && q.unique_items === true));
    const gvk = named(patch.vendor_extension, 'x-kubernetes-group-version-kind')!.value as Json;
    assert.deepEqual(parseYaml(gvk.yaml as string), { group: '', kind: 'Pod', version: 'v1' });
    const ok = named((patch.responses as Json).response_code, '200')!.value as Json;
    assert.deepEqual(ok, { response: { description: 'OK', schema: { schema: { _ref: '#/definitions/io.k8s.api.core.v1.Pod' } } } });
    const pathParams = (item.parameters as Json[]).map((p) => ((p.parameter as Json).non_body_parameter as Json).path_parameter_sub_schema as Json | undefined).filter(Boolean);
    assert.deepEqual(pathParams.map((p) => p!.name), ['namespace', 'name']);
    const security = (raw.security_definitions as Json).additional_properties as Json[];
    assert.deepEqual(security[0], { name: 'BearerToken', value: { api_key_security: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } } });
    assert.deepEqual(raw.security, [{ additional_properties: [{ name: 'BearerToken', value: {} }] }]);
  });

  it('keeps schema details: enums, defaults, allOf, additionalProperties false, numbers', () => {
    const small = {
      swagger: '2.0',
      info: { title: 'T', version: 'v1' },
      paths: {
        '/x': { get: { responses: { default: { $ref: '#/responses/r' }, '404': { description: 'no' }, 'x-r': 1 }, 'x-kubernetes-action': 'get' } },
        'x-paths': { a: 1 },
      },
      definitions: {
        S: {
          type: 'object',
          required: ['a'],
          allOf: [{ $ref: '#/definitions/T' }],
          additionalProperties: false,
          properties: {
            a: { type: 'string', enum: ['on', 'yes', 'null', '1', 'a b', 'merge,retainKeys', ''], default: 'on' },
            b: { type: 'integer', format: 'int32', minimum: 0, maximum: 65535, exclusiveMaximum: true, default: 3 },
            c: { type: 'array', items: [{ type: 'string' }, { type: 'number' }], maxItems: 2 },
            d: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, 'x-kubernetes-embedded-resource': false },
            e: { description: 'free form', 'x-kubernetes-int-or-string': true, example: { k: ['v', 1.5, null, { n: '' }] } },
          },
          'x-weird': 'line\nbreak "quoted" \u2028 \u0085',
        },
        T: { properties: {} },
      },
    };
    assert.deepStrictEqual(decodeOpenAPIV2Protobuf(encodeOpenAPIV2Protobuf(small)), small);
  });

  it('drops what gnostic would not accept instead of failing', () => {
    const odd = {
      swagger: '2.0',
      info: { title: 'T', version: 'v1' },
      paths: {},
      definitions: { S: { type: 'object', nullable: true, oneOf: [{ type: 'string' }], properties: { a: { type: 'string', maxLength: 'ten' } } } },
    };
    assert.deepStrictEqual(decodeOpenAPIV2Protobuf(encodeOpenAPIV2Protobuf(odd)), {
      swagger: '2.0',
      info: { title: 'T', version: 'v1' },
      paths: {},
      definitions: { S: { type: 'object', properties: { a: { type: 'string' } } } },
    });
  });

  it('writes YAML that YAML 1.1 readers (kubectl uses yaml.v2) read back as the same values', () => {
    assert.equal(toYaml('merge'), 'merge\n');
    assert.equal(toYaml('yes'), '"yes"\n');
    assert.equal(toYaml('2'), '"2"\n');
    assert.equal(toYaml([{ group: '', kind: 'Pod', version: 'v1' }]), '- group: ""\n  kind: Pod\n  version: v1\n');
    assert.equal(toYaml({ a: [], b: {}, c: [[1, 2]] }), 'a: []\nb: {}\nc:\n  - - 1\n    - 2\n');
    for (const value of ['', 'a: b', '- x', '#c', 'y', 'No', 'TRUE', '~', 'x\ty', [1, 'on', false, null], { 'key with space': { n: -1.5e-7 } }]) {
      assert.deepStrictEqual(parseYaml(toYaml(value), { version: '1.1' }), value);
    }
  });

  it('negotiates the media types as kube-openapi does', () => {
    assert.equal(negotiateOpenAPIV2(OPENAPI_V2_PROTOBUF_MEDIA_TYPE), 'protobuf');
    assert.equal(negotiateOpenAPIV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), 'protobuf');
    assert.equal(negotiateOpenAPIV2(undefined), 'json');
    assert.equal(negotiateOpenAPIV2(''), 'json');
    assert.equal(negotiateOpenAPIV2('application/json, */*'), 'json');
    assert.equal(negotiateOpenAPIV2('*/*'), 'json');
    assert.equal(negotiateOpenAPIV2(`application/json;q=0.5, ${OPENAPI_V2_PROTOBUF_MEDIA_TYPE}`), 'protobuf');
    assert.equal(negotiateOpenAPIV2('application/yaml'), undefined);
    assert.equal(negotiateOpenAPIV2('application/json;q=0'), undefined);
  });
});
