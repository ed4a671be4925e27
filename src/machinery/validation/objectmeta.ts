// Generic ObjectMeta validation (apimachinery/pkg/api/validation/objectmeta.go
// and generic.go, plus the label helpers of meta/v1/validation): the checks
// every kind shares on create and update, with upstream's paths and messages.
// Kind-specific rules (which name format, core finalizer names) stay with the kind.

import { compareGoStrings, goQuote, isGoPrintable, utf8ByteLength } from './go.js';
import { forbidden, internalError, invalid, required, tooLong, type FieldError } from './field-errors.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';
import { newPath, type FieldPath } from './path.js';

/** The ObjectMeta fields these checks read; structurally compatible with api's ObjectMeta. */
export interface ObjectMetaLike {
  readonly name?: string;
  readonly generateName?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string | null;
  readonly deletionTimestamp?: string | null;
  readonly deletionGracePeriodSeconds?: number | null;
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly annotations?: Readonly<Record<string, string>> | null;
  readonly ownerReferences?: readonly OwnerReferenceLike[] | null;
  readonly finalizers?: readonly string[] | null;
  readonly managedFields?: readonly ManagedFieldsEntryLike[] | null;
}

export interface OwnerReferenceLike {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly controller?: boolean | null;
  readonly blockOwnerDeletion?: boolean | null;
}

export interface ManagedFieldsEntryLike {
  readonly manager?: string;
  readonly operation?: string;
  readonly fieldsType?: string;
  readonly subresource?: string;
}

/** 256 KiB: the limit on the summed byte length of all annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
export const FIELD_MANAGER_MAX_LENGTH = 128;
export const MAX_SUBRESOURCE_NAME_LENGTH = 256;

/**
 * ValidateNameFunc: checks a name (prefix=false) or a generateName prefix
 * (prefix=true, a trailing '-' is allowed since a suffix follows).
 */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/** A prefix ending in '-' is checked as if the dash were a letter (upstream drops two characters and appends 'a'). */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
export const validateNamespaceName: ValidateNameFunc = nameIsDNSLabel;
export const validateServiceAccountName: ValidateNameFunc = nameIsDNSSubdomain;

export function validateNonnegativeField(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

export function validateLabelName(labelName: string, path: FieldPath): FieldError[] {
  return isQualifiedName(labelName).map((msg) => invalid(path, labelName, msg));
}

/** Keys and values of metadata.labels (or a selector's matchLabels); errors point at the map, not the key. */
export function validateLabels(labels: Readonly<Record<string, string>> | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(key, path));
    errs.push(...isValidLabelValue(value).map((msg) => invalid(path, value, msg)));
  }
  return errs;
}

export function annotationsSize(annotations: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) total += utf8ByteLength(key) + utf8ByteLength(value);
  return total;
}

/** Annotation keys are qualified names compared case-insensitively; the total size is capped. */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(annotations ?? {})) {
    errs.push(...isQualifiedName(key.toLowerCase()).map((msg) => invalid(path, key, msg)));
  }
  if (annotations && annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}

/** schema.FromAPIVersionAndKind: "group/version" or "version"; anything else has no group or version. */
function groupVersionOf(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return { group: '', version: '' };
}

/** Go renders an OwnerReference struct as JSON in declaration order, omitting empty optional fields. */
function ownerReferenceValue(ref: OwnerReferenceLike): Map<string, unknown> {
  return new Map<string, unknown>([
    ['apiVersion', ref.apiVersion ?? ''],
    ['kind', ref.kind ?? ''],
    ['name', ref.name ?? ''],
    ['uid', ref.uid ?? ''],
    ['controller', ref.controller ?? undefined],
    ['blockOwnerDeletion', ref.blockOwnerDeletion ?? undefined],
  ]);
}

function validateOwnerReference(ref: OwnerReferenceLike, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? '';
  const kind = ref.kind ?? '';
  const gv = groupVersionOf(apiVersion);
  if (gv.version.length === 0) errs.push(invalid(path.child('apiVersion'), apiVersion, 'version must not be empty'));
  if (kind.length === 0) errs.push(invalid(path.child('kind'), kind, 'must not be empty'));
  if ((ref.name ?? '').length === 0) errs.push(invalid(path.child('name'), ref.name ?? '', 'must not be empty'));
  if ((ref.uid ?? '').length === 0) errs.push(invalid(path.child('uid'), ref.uid ?? '', 'must not be empty'));
  // Events are the one banned owner kind (core/v1 Event).
  if (gv.group === '' && gv.version === 'v1' && kind === 'Event') {
    errs.push(invalid(path, ownerReferenceValue(ref), `${gv.group}/${gv.version}, Kind=${kind} is disallowed from being an owner`));
  }
  return errs;
}

export function validateOwnerReferences(refs: readonly OwnerReferenceLike[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller !== true) continue;
    const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
    if (firstController === '') {
      firstController = current;
      continue;
    }
    const all = (refs ?? []).map(ownerReferenceValue);
    errs.push(invalid(path, all, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
  }
  return errs;
}

export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

export function validateFinalizers(finalizers: readonly string[] | null | undefined, path: FieldPath): FieldError[] {
  const list = finalizers ?? [];
  const errs = list.flatMap((f) => validateFinalizerName(f, path));
  if (list.includes(FINALIZER_ORPHAN_DEPENDENTS) && list.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(invalid(path, list, `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`));
  }
  return errs;
}

/** Go's %#U for a rune: U+0007 (the glyph is only added for printable runes, never reported here). */
function runeLiteral(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function validateFieldManager(manager: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (utf8ByteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(tooLong(path, FIELD_MANAGER_MAX_LENGTH));
  let bytePosition = 0;
  for (const char of manager) {
    const cp = char.codePointAt(0) ?? 0;
    if (!isGoPrintable(char)) errs.push(invalid(path, manager, `invalid character ${runeLiteral(cp)} (at position ${bytePosition})`));
    bytePosition += utf8ByteLength(char);
  }
  return errs;
}

export function validateManagedFields(entries: readonly ManagedFieldsEntryLike[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((entry, i) => {
    const entryPath = path.index(i);
    const operation = entry.operation ?? '';
    if (operation !== 'Apply' && operation !== 'Update') errs.push(invalid(entryPath.child('operation'), operation, 'must be `Apply` or `Update`'));
    const fieldsType = entry.fieldsType ?? '';
    if (fieldsType.length > 0 && fieldsType !== 'FieldsV1') errs.push(invalid(entryPath.child('fieldsType'), fieldsType, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(entry.manager ?? '', entryPath.child('manager')));
    if (utf8ByteLength(entry.subresource ?? '') > MAX_SUBRESOURCE_NAME_LENGTH) errs.push(tooLong(entryPath.child('subresource'), MAX_SUBRESOURCE_NAME_LENGTH));
  });
  return errs;
}

function validateNamespaceField(meta: ObjectMetaLike, namespaced: boolean, path: FieldPath): FieldError[] {
  const namespace = meta.namespace ?? '';
  if (!namespaced) return namespace.length > 0 ? [forbidden(path.child('namespace'), 'not allowed on this type')] : [];
  if (namespace.length === 0) return [required(path.child('namespace'), '')];
  return validateNamespaceName(namespace, false).map((msg) => invalid(path.child('namespace'), namespace, msg));
}

/** The checks shared by create (both name styles) — validateObjectMetaAccessorWithOptsCommon. */
function validateObjectMetaCommon(meta: ObjectMetaLike, namespaced: boolean, path: FieldPath): FieldError[] {
  return [
    ...validateNamespaceField(meta, namespaced, path),
    ...validateNonnegativeField(meta.generation ?? 0, path.child('generation')),
    ...validateLabels(meta.labels, path.child('labels')),
    ...validateAnnotations(meta.annotations, path.child('annotations')),
    ...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')),
    ...validateFinalizers(meta.finalizers, path.child('finalizers')),
    ...validateManagedFields(meta.managedFields, path.child('managedFields')),
  ];
}

export interface ObjectMetaOptions {
  /** Whether the kind is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  readonly namespaced: boolean;
  /** The kind's name rule, e.g. nameIsDNSSubdomain. */
  readonly nameFn: ValidateNameFunc;
  /** Defaults to "metadata". */
  readonly path?: FieldPath;
}

/**
 * ValidateObjectMeta on create (after name generation): generateName and name
 * against nameFn, "name or generateName is required", then the common checks.
 */
export function validateObjectMeta(meta: ObjectMetaLike, options: ObjectMetaOptions): FieldError[] {
  const path = options.path ?? newPath('metadata');
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? '';
  if (generateName.length > 0) {
    errs.push(...options.nameFn(generateName, true).map((msg) => invalid(path.child('generateName'), generateName, msg)));
  }
  const name = meta.name ?? '';
  if (name.length === 0) errs.push(required(path.child('name'), 'name or generateName is required'));
  else errs.push(...options.nameFn(name, false).map((msg) => invalid(path.child('name'), name, msg)));
  return [...errs, ...validateObjectMetaCommon(meta, options.namespaced, path)];
}

/** A name validator in the newer style, returning field errors for the given path. */
export type ValidateNameFuncWithErrors = (path: FieldPath, name: string) => FieldError[];

/**
 * ValidateObjectMetaWithOpts: generateName is not checked itself (only the
 * generated name is), and a generateName that produced no name is a server bug.
 */
export function validateObjectMetaWithOpts(
  meta: ObjectMetaLike,
  options: { readonly namespaced: boolean; readonly nameFn: ValidateNameFuncWithErrors; readonly path?: FieldPath },
): FieldError[] {
  const path = options.path ?? newPath('metadata');
  const errs: FieldError[] = [];
  const name = meta.name ?? '';
  const generateName = meta.generateName ?? '';
  if (generateName.length > 0 && name.length === 0) {
    errs.push(internalError(path.child('name'), `generateName was specified (${goQuote(generateName)}), but no name was generated`));
  }
  if (name.length === 0) errs.push(required(path.child('name'), 'name or generateName is required'));
  else errs.push(...options.nameFn(path.child('name'), name));
  return [...errs, ...validateObjectMetaCommon(meta, options.namespaced, path)];
}

export function validateImmutableField(newValue: unknown, oldValue: unknown, path: FieldPath): FieldError[] {
  return sameValue(newValue, oldValue) ? [] : [invalid(path, newValue, FIELD_IMMUTABLE_ERROR_MSG)];
}

/** Semantic equality for the scalar metadata fields (null and absent are the same). */
function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}

/** Go's %#v of a []string: []string{"a", "b"}. */
function goStringSliceLiteral(values: readonly string[]): string {
  return `[]string{${values.map((v) => goQuote(v)).join(', ')}}`;
}

export function validateNoNewFinalizers(newFinalizers: readonly string[], oldFinalizers: readonly string[], path: FieldPath): FieldError[] {
  const old = new Set(oldFinalizers);
  const extra = [...new Set(newFinalizers.filter((f) => !old.has(f)))].sort(compareGoStrings);
  if (extra.length === 0) return [];
  return [forbidden(path, `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSliceLiteral(extra)}`)];
}

/** ValidateObjectMetaUpdate: identity fields immutable, resourceVersion required, generation monotonic. */
export function validateObjectMetaUpdate(newMeta: ObjectMetaLike, oldMeta: ObjectMetaLike, path: FieldPath = newPath('metadata')): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    errs.push(...validateNoNewFinalizers(newMeta.finalizers ?? [], oldMeta.finalizers ?? [], path.child('finalizers')));
  }
  if ((newMeta.resourceVersion ?? '').length === 0) {
    errs.push(invalid(path.child('resourceVersion'), newMeta.resourceVersion ?? '', 'must be specified for an update'));
  }
  if ((newMeta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    errs.push(invalid(path.child('generation'), newMeta.generation ?? 0, 'must not be decremented'));
  }
  errs.push(...validateImmutableField(newMeta.name ?? '', oldMeta.name ?? '', path.child('name')));
  errs.push(...validateImmutableField(newMeta.namespace ?? '', oldMeta.namespace ?? '', path.child('namespace')));
  errs.push(...validateImmutableField(newMeta.uid ?? '', oldMeta.uid ?? '', path.child('uid')));
  errs.push(...validateImmutableField(newMeta.creationTimestamp, oldMeta.creationTimestamp, path.child('creationTimestamp')));
  errs.push(...validateImmutableField(newMeta.deletionTimestamp, oldMeta.deletionTimestamp, path.child('deletionTimestamp')));
  errs.push(...validateImmutableField(newMeta.deletionGracePeriodSeconds, oldMeta.deletionGracePeriodSeconds, path.child('deletionGracePeriodSeconds')));
  errs.push(...validateLabels(newMeta.labels, path.child('labels')));
  errs.push(...validateAnnotations(newMeta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateManagedFields(newMeta.managedFields, path.child('managedFields')));
  return errs;
}
