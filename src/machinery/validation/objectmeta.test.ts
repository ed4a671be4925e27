import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateManagedFields,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateObjectMetaWithOpts,
  validateOwnerReferences,
  type ObjectMetaLike,
} from './objectmeta.js';
import { invalid, type FieldError } from './field-errors.js';
import { isDNS1123Subdomain } from './names.js';
import { newPath, type FieldPath } from './path.js';

function messages(errs: FieldError[]): string[] {
  return errs.map((e) => e.toString());
}

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const subdomainNamespaced = { namespaced: true, nameFn: nameIsDNSSubdomain } as const;

describe('name functions', () => {
  it('allow a trailing dash in a generateName prefix', () => {
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
    assert.notDeepEqual(nameIsDNSSubdomain('web-', false), []);
    assert.deepEqual(nameIsDNSLabel('web-', true), []);
    assert.deepEqual(nameIsDNS1035Label('svc-', true), []);
    assert.notDeepEqual(nameIsDNS1035Label('1svc-', true), []);
  });
});

describe('validateObjectMeta (create)', () => {
  it('accepts a good namespaced object', () => {
    const meta: ObjectMetaLike = { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'example.com/a': 'x' } };
    assert.deepEqual(validateObjectMeta(meta, subdomainNamespaced), []);
  });
  it('requires name or generateName', () => {
    assert.deepEqual(messages(validateObjectMeta({ namespace: 'default' }, subdomainNamespaced)), ['metadata.name: Required value: name or generateName is required']);
  });
  it('checks the name with the kind rule', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'Foo_Bar', namespace: 'default' }, subdomainNamespaced)), [
      `metadata.name: Invalid value: "Foo_Bar": ${SUBDOMAIN_MSG}`,
    ]);
  });
  it('checks generateName as a prefix', () => {
    const errs = validateObjectMeta({ generateName: 'Bad_', name: 'bad-x1', namespace: 'default' }, subdomainNamespaced);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]?.field, 'metadata.generateName');
  });
  it('requires a namespace on namespaced kinds and forbids it on cluster kinds', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'a' }, subdomainNamespaced)), ['metadata.namespace: Required value']);
    assert.deepEqual(messages(validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false, nameFn: nameIsDNSSubdomain })), [
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
    assert.deepEqual(messages(validateObjectMeta({ name: 'a', namespace: 'a.b' }, subdomainNamespaced)), ['metadata.namespace: Invalid value: "a.b": must not contain dots']);
  });
  it('rejects a negative generation', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'a', namespace: 'd', generation: -1 }, subdomainNamespaced)), [
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
  it('uses a custom root path', () => {
    const errs = validateObjectMeta({}, { namespaced: false, nameFn: nameIsDNSSubdomain, path: newPath('spec', 'template', 'metadata') });
    assert.deepEqual(messages(errs), ['spec.template.metadata.name: Required value: name or generateName is required']);
  });
});

describe('validateObjectMetaWithOpts', () => {
  it('reports a generateName that produced no name as an internal error', () => {
    const nameFn = (path: FieldPath, name: string): FieldError[] => isDNS1123Subdomain(name).map((m) => invalid(path, name, m));
    assert.deepEqual(messages(validateObjectMetaWithOpts({ generateName: 'x-' }, { namespaced: false, nameFn })), [
      'metadata.name: Internal error: generateName was specified ("x-"), but no name was generated',
      'metadata.name: Required value: name or generateName is required',
    ]);
  });
});

describe('labels and annotations', () => {
  it('validates label keys and values against the map path', () => {
    assert.deepEqual(messages(validateLabels({ 'a/b/c': 'ok', good: 'bad value' }, newPath('metadata', 'labels'))), [
      "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });
  it('compares annotation keys case-insensitively', () => {
    assert.deepEqual(validateAnnotations({ 'Example.COM/Key': 'v' }, newPath('metadata', 'annotations')), []);
    assert.equal(validateAnnotations({ 'a b': 'v' }, newPath('metadata', 'annotations')).length, 1);
  });
  it('caps the total annotation size at 256 KiB', () => {
    const path = newPath('metadata', 'annotations');
    assert.deepEqual(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) }, path), []);
    assert.deepEqual(messages(validateAnnotations({ a: 'x'.repeat(256 * 1024) }, path)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
    // Bytes, not characters: 'é' is two bytes in UTF-8.
    assert.equal(validateAnnotations({ a: 'é'.repeat(128 * 1024) }, path).length, 1);
  });
});

describe('owner references', () => {
  const path = newPath('metadata', 'ownerReferences');
  it('requires apiVersion version, kind, name and uid', () => {
    assert.deepEqual(messages(validateOwnerReferences([{ apiVersion: 'apps/', kind: '', name: '', uid: '' }], path)), [
      'metadata.ownerReferences.apiVersion: Invalid value: "apps/": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ]);
  });
  it('bans Events as owners', () => {
    assert.deepEqual(messages(validateOwnerReferences([{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u' }], path)), [
      'metadata.ownerReferences: Invalid value: {"apiVersion":"v1","kind":"Event","name":"e","uid":"u"}: /v1, Kind=Event is disallowed from being an owner',
    ]);
  });
  it('allows only one controller', () => {
    const refs = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
    ];
    const errs = validateOwnerReferences(refs, path);
    assert.equal(errs.length, 1);
    assert.match(errs[0]?.detail ?? '', /^Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/a and ReplicaSet\/b$/);
  });
});

describe('finalizers and managed fields', () => {
  it('rejects bad and conflicting finalizers', () => {
    const path = newPath('metadata', 'finalizers');
    assert.deepEqual(validateFinalizers(['kubernetes', 'example.com/f'], path), []);
    assert.deepEqual(messages(validateFinalizers(['orphan', 'foregroundDeletion'], path)), [
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    ]);
    assert.equal(validateFinalizers(['a b'], path)[0]?.field, 'metadata.finalizers');
  });
  it('checks operation, fieldsType and manager', () => {
    const path = newPath('metadata', 'managedFields');
    assert.deepEqual(messages(validateManagedFields([{ operation: 'Patch', fieldsType: 'FieldsV2', manager: 'kube\u0007ctl' }], path)), [
      'metadata.managedFields[0].operation: Invalid value: "Patch": must be `Apply` or `Update`',
      'metadata.managedFields[0].fieldsType: Invalid value: "FieldsV2": must be `FieldsV1`',
      'metadata.managedFields[0].manager: Invalid value: "kube\\actl": invalid character U+0007 (at position 4)',
    ]);
    assert.deepEqual(messages(validateManagedFields([{ operation: 'Apply', manager: 'x'.repeat(129) }], path)), [
      'metadata.managedFields[0].manager: Too long: may not be more than 128 bytes',
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMetaLike = { name: 'a', namespace: 'd', uid: 'u1', resourceVersion: '5', generation: 2, creationTimestamp: '2024-01-01T00:00:00Z' };
  it('accepts an unchanged identity', () => {
    assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { x: 'y' } }, old), []);
  });
  it('requires resourceVersion and a non-decreasing generation', () => {
    assert.deepEqual(messages(validateObjectMetaUpdate({ ...old, resourceVersion: '', generation: 1 }, old)), [
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.generation: Invalid value: 1: must not be decremented',
    ]);
  });
  it('keeps identity fields immutable', () => {
    assert.deepEqual(messages(validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2', creationTimestamp: null }, old)), [
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.creationTimestamp: Invalid value: null: field is immutable',
    ]);
  });
  it('forbids new finalizers once deletion started', () => {
    const deleting = { ...old, deletionTimestamp: '2024-02-01T00:00:00Z', finalizers: ['a/x'] };
    assert.deepEqual(messages(validateObjectMetaUpdate({ ...deleting, finalizers: ['a/x', 'c/z', 'b/y'] }, deleting)), [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b/y", "c/z"}',
    ]);
  });
});
