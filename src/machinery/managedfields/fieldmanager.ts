// The field manager (apimachinery's managedfields FieldManager with its
// default chain: version check, last-applied upgrade and sync, skip of
// untracked objects, cap of Update managers, manager identifiers, timestamps,
// stripping of server-owned metadata, and structured-merge-diff's Updater):
// `updateManagedFields` for create/update/patch, `apply` for server-side
// apply. Objects are plain JSON; errors are returned Status bodies. Pure.

import type { KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { forbidden, goJSON, isGoPrintable, newPath, required, utf8ByteLength, validateFieldManager, type FieldError } from '../validation/index.js';
import { createdFieldsV1 } from './created.js';
import { FieldSet, type FieldsV1 } from './fieldset.js';
import {
  ManagedFieldsError,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  managerIdentifier,
  parseIdentifier,
  printManager,
  type Managed,
} from './managers.js';
import { jsonEqual, makePath, pathToString, type PathElement } from './pathelement.js';
import { TypeSchema } from './schema.js';
import { withOverrides } from '../objects.js';
import {
  compare,
  ensureNamedFieldsAreMembers,
  excludeFields,
  formatValidationErrors,
  merge,
  removeItems,
  toFieldSet,
  validate,
  type Comparison,
} from './typed.js';

type Obj = Record<string, unknown>;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const CURRENT_OPERATION = 'current-operation';
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';
/** The only manager whose applies upgrade client-side apply and keep its annotation in sync. */
const KUBECTL_MANAGER = 'kubectl';
const FIELD_MANAGER_MAX_LENGTH = 128;

/** Fields nobody owns (stripMetaManager). */
const STRIP_SET = FieldSet.of(
  makePath('apiVersion'),
  makePath('kind'),
  makePath('metadata'),
  makePath('metadata', 'name'),
  makePath('metadata', 'namespace'),
  makePath('metadata', 'creationTimestamp'),
  makePath('metadata', 'selfLink'),
  makePath('metadata', 'uid'),
  makePath('metadata', 'clusterName'),
  makePath('metadata', 'generation'),
  makePath('metadata', 'managedFields'),
  makePath('metadata', 'resourceVersion'),
);

// ---- results ------------------------------------------------------------

/** A Kubernetes Status body (structurally the apiserver's Status). */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
  code: number;
}

/** A failure Status with upstream's field order (kind, apiVersion, metadata, status, message, reason, details, code). */
function failure(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  };
}

export interface ApplyConflict {
  /** The other manager's name, e.g. `kubectl-client-side-apply`. */
  readonly manager: string;
  readonly operation: 'Apply' | 'Update' | '';
  readonly apiVersion?: string | undefined;
  readonly subresource?: string | undefined;
  /** The conflicting field as upstream prints it, e.g. `.spec.replicas`. */
  readonly field: string;
  /** The cause message, e.g. `conflict with "kubectl-client-side-apply" using apps/v1`. */
  readonly message: string;
}

export type ApplyResult =
  | { readonly ok: true; readonly object: KubeObject; readonly changed: boolean }
  | { readonly ok: false; readonly reason: 'Conflict'; readonly conflicts: readonly ApplyConflict[]; readonly status: StatusBody }
  | { readonly ok: false; readonly reason: 'BadRequest' | 'InternalError'; readonly conflicts?: undefined; readonly status: StatusBody };

export interface UpdateOptions {
  /** The request's fieldManager (or the user agent's program name); empty means "unknown". */
  readonly manager: string;
  readonly operation?: 'Update';
  /** The resource's group/version, e.g. `apps/v1`. */
  readonly apiVersion: string;
  readonly time: Date | string;
  /** Set for writes through a subresource (`status`, `scale`): recorded on the entry, and client-sent managedFields are ignored. */
  readonly subresource?: string | undefined;
  /** Fields this endpoint resets (upstream's strategy ResetFields), never owned through it. See resetFieldsFor. */
  readonly resetFields?: FieldSet | undefined;
}

export interface ApplyOptions {
  readonly manager: string;
  readonly force: boolean;
  readonly apiVersion: string;
  /** The resource's kind; the applied configuration must name the same apiVersion and kind. */
  readonly kind: string;
  readonly time: Date | string;
  readonly subresource?: string | undefined;
  readonly resetFields?: FieldSet | undefined;
  /** The name (and namespace) of the URL: when given, the result must carry them (checkName, 400 otherwise). */
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
}

interface Ctx {
  readonly schema: TypeSchema;
  readonly apiVersion: string;
  readonly subresource: string | undefined;
  readonly ignored: FieldSet | undefined;
  readonly now: string;
}

// ---- helpers for the API server -----------------------------------------

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function metaOf(obj: unknown): Obj | undefined {
  return isObj(obj) && isObj(obj.metadata) ? obj.metadata : undefined;
}

/** A copy of the object without metadata.managedFields (the object itself when it has none). */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  const meta = metaOf(obj);
  if (!meta || !('managedFields' in meta)) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

function withManagedFields(obj: Obj, entries: ManagedFieldsEntry[] | undefined): KubeObject {
  // Not spread and then extended or deleted from: see machinery/objects.ts.
  const managedFields = entries !== undefined && entries.length > 0 ? entries : undefined;
  return withOverrides(obj, { metadata: withOverrides(metaOf(obj) ?? {}, { managedFields }) }) as KubeObject;
}

/**
 * A client resets managedFields by sending an empty list or a list with one
 * empty entry (isResetManagedFields); null or a missing field keeps them.
 */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  if (entries.length !== 1) return false;
  const e: unknown = entries[0];
  if (!isObj(e)) return false;
  for (const key of ['manager', 'operation', 'apiVersion', 'fieldsType', 'subresource']) {
    const v = e[key];
    if (v !== undefined && v !== null && v !== '') return false;
  }
  return (e.time === undefined || e.time === null) && (e.fieldsV1 === undefined || e.fieldsV1 === null);
}

/** The object with its managedFields dropped when they do not decode (what the server keeps of invalid client input). */
export function ensureManagedFieldsValid<T extends KubeObject>(obj: T): T {
  const entries = metaOf(obj)?.managedFields;
  if (entries === undefined) return obj;
  if (entries === null) return stripManagedFields(obj);
  try {
    if (!Array.isArray(entries)) throw new ManagedFieldsError('not a list');
    decodeManagedFields(entries);
    return obj;
  } catch (err) {
    if (err instanceof ManagedFieldsError) return stripManagedFields(obj);
    throw err;
  }
}

/**
 * managerOrUserAgent: the request's fieldManager, else the user agent's
 * program name (before the first "/"), printable characters only, cut at 128 bytes.
 */
export function managerFromRequest(fieldManager: string | undefined | null, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const prefix = (userAgent ?? '').split('/')[0] ?? '';
  let out = '';
  for (const ch of prefix) {
    if (!isGoPrintable(ch)) continue;
    if (utf8ByteLength(out) + utf8ByteLength(ch) > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
  }
  return out;
}

/**
 * The fields an endpoint never lets a writer own (upstream's ResetFields):
 * the main resource of a kind with a status subresource resets `status`; the
 * status subresource resets everything but status (Skiff's status writes
 * change status only).
 */
export function resetFieldsFor(options: { readonly hasStatus: boolean; readonly subresource?: string | undefined }): FieldSet | undefined {
  if (!options.subresource) return options.hasStatus ? FieldSet.of(makePath('status')) : undefined;
  if (options.subresource === 'status') return FieldSet.of(makePath('spec'), makePath('metadata'));
  return undefined;
}

/**
 * ValidatePatchOptions: `force` only with apply, a fieldManager required for
 * apply, and a printable fieldManager of at most 128 bytes. Upstream answers
 * these with 422 `PatchOptions.meta.k8s.io "" is invalid: ...`.
 */
export function patchOptionsErrors(options: { readonly apply: boolean; readonly fieldManager: string; readonly forceGiven: boolean }): FieldError[] {
  const errs: FieldError[] = [];
  if (!options.apply) {
    if (options.forceGiven) errs.push(forbidden(newPath('force'), 'may not be specified for non-apply patch'));
  } else if (options.fieldManager === '') {
    errs.push(required(newPath('fieldManager'), 'is required for apply patch'));
  }
  errs.push(...validateFieldManager(options.fieldManager, newPath('fieldManager')));
  return errs;
}

function gvkString(apiVersion: unknown, kind: unknown): string {
  const av = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = av.indexOf('/');
  const group = slash >= 0 ? av.slice(0, slash) : '';
  const version = slash >= 0 ? av.slice(slash + 1) : av;
  return `${group}/${version}, Kind=${typeof kind === 'string' ? kind : ''}`;
}

function objectGVKNN(obj: Obj): string {
  const meta = metaOf(obj) ?? {};
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  return `${ns}/${name}; ${gvkString(obj.apiVersion, obj.kind)}`;
}

/**
 * checkName of the patch handler: the (applied) object must carry the name
 * of the URL, and no other namespace. Returns a 400 Status, or undefined.
 */
export function checkName(obj: KubeObject, name: string, namespace: string): StatusBody | undefined {
  const meta = obj.metadata ?? {};
  const objName = meta.name ?? '';
  if (objName === '') return failure(400, 'BadRequest', `the name of the object (${name} based on URL) was undeterminable: name must be provided`);
  if (objName !== name) return failure(400, 'BadRequest', `the name of the object (${objName}) does not match the name on the URL (${name})`);
  const objNamespace = meta.namespace ?? '';
  if (namespace && objNamespace && objNamespace !== namespace) {
    return failure(400, 'BadRequest', `the namespace of the object (${objNamespace}) does not match the namespace on the request (${namespace})`);
  }
  return undefined;
}

// ---- the Updater ---------------------------------------------------------

/**
 * Updater.update: given what changed, takes the changed fields away from
 * every manager but `workflow` (conflicts unless forced) and forgets removed
 * fields. Returns the conflicts when not forced and there are some.
 */
function takeChanges(raw: Comparison, managers: Managed, workflow: string, force: boolean, ignored: FieldSet | undefined): Map<string, FieldSet> | undefined {
  const cmp = excludeFields(raw, ignored);
  const changed = cmp.modified.union(cmp.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, vs] of managers) {
    if (id === workflow) continue;
    const c = vs.set.intersection(changed);
    if (!c.isEmpty()) conflicts.set(id, c);
  }
  if (!force && conflicts.size > 0) return conflicts;
  for (const [id, c] of conflicts) {
    const vs = managers.get(id)!;
    managers.set(id, { ...vs, set: vs.set.difference(c) });
  }
  if (!cmp.removed.isEmpty()) {
    for (const [id, vs] of managers) {
      if (id === workflow) continue;
      managers.set(id, { ...vs, set: vs.set.difference(cmp.removed) });
    }
  }
  for (const [id, vs] of managers) if (vs.set.isEmpty()) managers.delete(id);
  return undefined;
}

/**
 * An Update by `managerName` from `live` to `next` (neither with
 * managedFields): the changed fields move to the manager's Update entry.
 */
function updateCore(live: Obj, next: Obj, managedIn: Managed, managerName: string, ctx: Ctx): Managed {
  const managers: Managed = new Map(managedIn);
  const zero = ctx.schema.zeroView();
  const raw = compare(withZeroValues(live, zero), withZeroValues(next, zero), ctx.schema.root);
  takeChanges(raw, managers, CURRENT_OPERATION, true, ctx.ignored);
  let set = raw.modified.union(raw.added).difference(raw.removed);
  if (ctx.ignored) set = set.recursiveDifference(ctx.ignored);
  set = set.difference(STRIP_SET);
  if (!set.isEmpty()) {
    const id = managerIdentifier({ manager: managerName || 'unknown', operation: 'Update', apiVersion: ctx.apiVersion, subresource: ctx.subresource });
    const previous = managers.get(id);
    let owned = previous ? set.union(previous.set) : set;
    // A manager that rewrites the fields it owns keeps its set (and the FieldsV1 stored for it).
    const before = managedIn.get(id)?.set;
    if (before && owned !== before && owned.equals(before)) owned = before;
    managers.set(id, { set: owned, apiVersion: ctx.apiVersion, applied: false, time: ctx.now });
  }
  return capUpdateManagers(managers);
}

/**
 * The object as upstream's typed form holds it: value structs the JSON
 * leaves out (status, a template's metadata, ...) are present and empty, so
 * that they never show up as added or removed.
 */
function withZeroValues(obj: Obj, zero: Readonly<Obj>): Obj {
  let out: Obj | undefined;
  for (const [key, z] of Object.entries(zero)) {
    const v = obj[key];
    let next: unknown;
    if (v === undefined) next = z;
    else if (isObj(v) && isObj(z) && Object.keys(z).length > 0) next = withZeroValues(v, z as Obj);
    else continue;
    if (next === v) continue;
    out ??= { ...obj };
    out[key] = next;
  }
  return out ?? obj;
}

/** prune: drops what the applier applied last time and no longer applies, unless someone else owns it. */
function prune(merged: Obj, managers: Managed, lastSet: FieldSet | undefined, ctx: Ctx): Obj {
  if (!lastSet || lastSet.isEmpty()) return merged;
  const root = ctx.schema.root;
  const ensure = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, root);
  let pruned = removeItems(merged, ensure(lastSet), root) as Obj;
  // addBackOwnedItems: keep whatever any manager (the applier's new set included) owns.
  let managed = FieldSet.empty();
  for (const vs of managers.values()) managed = managed.union(vs.set);
  const mergedSet = ensure(toFieldSet(merged, root));
  pruned = removeItems(merged, mergedSet.difference(ensure(toFieldSet(pruned, root)).union(ensure(managed))), root) as Obj;
  // addBackDanglingItems: only what the applier owned last time goes.
  const prunedSet = ensure(toFieldSet(pruned, root));
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(ensure(lastSet)), root) as Obj;
}

type CoreResult =
  | { kind: 'ok'; object: Obj; changed: boolean; managed: Managed }
  | { kind: 'conflicts'; conflicts: Map<string, FieldSet> }
  | { kind: 'error'; status: StatusBody };

/** skipNonApplied + manager info + timestamps + stripMeta + structured merge, for one apply. */
function applyCore(live: Obj | undefined, config: Obj, managedIn: Managed, manager: string, force: boolean, ctx: Ctx): CoreResult {
  let managed: Managed = new Map(managedIn);
  const liveObj: Obj = live ?? {};
  if (managed.size === 0 && live) {
    // Fields set before anyone applied belong to "before-first-apply".
    managed = updateCore(ctx.schema.zeroView() as Obj, liveObj, managed, BEFORE_FIRST_APPLY_MANAGER, ctx);
  }
  const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Apply', subresource: ctx.subresource });

  if (Array.isArray(metaOf(config)?.managedFields)) return { kind: 'error', status: failure(400, 'BadRequest', 'metadata.managedFields must be nil') };
  const errs = validate(config, ctx.schema.root);
  if (errs.length > 0) {
    return { kind: 'error', status: failure(500, '', `failed to create typed patch object (${objectGVKNN(config)}): ${formatValidationErrors(errs)}`) };
  }

  const root = ctx.schema.root;
  const merged = (merge(liveObj, config, root) ?? {}) as Obj;
  const last = managed.get(id);
  let set = toFieldSet(config, root);
  if (ctx.ignored) set = set.recursiveDifference(ctx.ignored);
  managed.set(id, { set, apiVersion: ctx.apiVersion, applied: true, time: last?.time });
  const result = prune(merged, managed, last?.set, ctx);
  const zero = ctx.schema.zeroView();
  const conflicts = takeChanges(compare(withZeroValues(liveObj, zero), withZeroValues(result, zero), root), managed, id, force, ctx.ignored);
  if (conflicts) return { kind: 'conflicts', conflicts };
  const changed = !jsonEqual(liveObj, result);

  const own = managed.get(id);
  if (own) {
    let stripped = own.set.difference(STRIP_SET);
    // Re-applying the same configuration keeps the set (and the FieldsV1 stored for it).
    if (last && stripped.equals(last.set)) stripped = last.set;
    if (stripped.isEmpty()) managed.delete(id);
    else managed.set(id, { ...own, set: stripped, time: changed ? ctx.now : own.time });
  }
  return { kind: 'ok', object: changed ? result : liveObj, changed, managed };
}

function conflictList(conflicts: Map<string, FieldSet>): { id: string; path: PathElement[] }[] {
  const out: { id: string; path: PathElement[] }[] = [];
  for (const id of [...conflicts.keys()].sort()) for (const path of conflicts.get(id)!.paths()) out.push({ id, path });
  return out;
}

/** NewConflictError: the 409 kube-apiserver answers an apply with conflicts. */
function conflictResult(conflicts: Map<string, FieldSet>): ApplyResult {
  const list = conflictList(conflicts);
  let message: string;
  if (list.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(list[0]!.id)}: ${pathToString(list[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let current: string | undefined;
    for (const c of list) {
      if (c.id !== current) {
        lines.push(`conflicts with ${printManager(c.id)}:`);
        current = c.id;
      }
      lines.push(`- ${pathToString(c.path)}`);
    }
    message = `Apply failed with ${list.length} conflicts: ${lines.join('\n')}`;
  }
  const causes = list.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.id)}`, field: pathToString(c.path) }));
  const status = failure(409, 'Conflict', message, { causes });
  const conflictsOut: ApplyConflict[] = list.map((c) => {
    const info = parseIdentifier(c.id);
    const operation = info?.operation === 'Apply' || info?.operation === 'Update' ? info.operation : '';
    return {
      manager: info?.manager ?? c.id,
      operation,
      apiVersion: info?.apiVersion,
      subresource: info?.subresource,
      field: pathToString(c.path),
      message: `conflict with ${printManager(c.id)}`,
    };
  });
  return { ok: false, reason: 'Conflict', conflicts: conflictsOut, status };
}

/**
 * The fields of the last-applied annotation that still hold their value in
 * the live object: conflicts on these do not stop kubectl's first
 * server-side apply of an object it used to apply client-side.
 */
function allowedConflictsFromLastApplied(live: Obj, ctx: Ctx): FieldSet | undefined {
  const annotations = metaOf(live)?.annotations;
  const text = isObj(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(lastApplied) || lastApplied.apiVersion !== ctx.apiVersion) return undefined;
  const root = ctx.schema.root;
  if (validate(lastApplied, root).length > 0) return undefined;
  const cmp = compare(lastApplied, live, root);
  return toFieldSet(lastApplied, root).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/** buildLastApplied: the applied configuration without the annotation, as JSON with a trailing newline. */
function buildLastApplied(config: Obj): string {
  const meta = metaOf(config);
  let out: Obj = config;
  if (meta && 'annotations' in meta) {
    const annotations = isObj(meta.annotations) ? { ...meta.annotations } : undefined;
    const nextMeta: Obj = { ...meta };
    if (annotations) {
      delete annotations[LAST_APPLIED_ANNOTATION];
      nextMeta.annotations = annotations;
    } else {
      delete nextMeta.annotations;
    }
    out = { ...config, metadata: nextMeta };
  }
  return `${goJSON(out)}\n`;
}

// ---- entry points ----------------------------------------------------------

/** The managedFields a create or update starts from (decodeLiveOrNew). */
function decodeLiveOrNew(live: KubeObject | undefined, next: KubeObject, isSubresource: boolean): Managed {
  const liveManaged = (): Managed => {
    try {
      const entries = metaOf(live)?.managedFields;
      return decodeManagedFields(Array.isArray(entries) ? entries : [], { stored: true });
    } catch (err) {
      if (err instanceof ManagedFieldsError) return new Map();
      throw err;
    }
  };
  if (isSubresource) return liveManaged();
  const entries = metaOf(next)?.managedFields;
  if (isResetManagedFields(entries)) return new Map();
  // A client that sends back what it read (a PUT of a fetched object) keeps the stored, already decoded sets.
  if (live && Array.isArray(entries) && jsonEqual(entries, metaOf(live)?.managedFields)) return liveManaged();
  try {
    const m = decodeManagedFields(Array.isArray(entries) ? entries : []);
    if (m.size > 0) return m;
  } catch (err) {
    if (!(err instanceof ManagedFieldsError)) throw err;
  }
  return liveManaged();
}

/**
 * The managedFields of `next` after a create (`live` undefined), update or
 * non-apply patch by `options.manager`: the fields that changed are the
 * manager's (taken from anyone else), removed fields are nobody's, entries
 * left empty go, at most 10 Update entries stay. Call it on the object as it
 * will be stored (after defaulting), with `live` as read from storage.
 * Returns a new object; `next` is not modified.
 */
export function updateManagedFields(live: KubeObject | undefined, next: KubeObject, options: UpdateOptions, schema: TypeSchema): KubeObject {
  return trackUpdate(live, next, options, schema, true);
}

/** updateManagedFields without the create shortcut (exported for the tests that prove the shortcut changes nothing). */
export function updateManagedFieldsGeneral(live: KubeObject | undefined, next: KubeObject, options: UpdateOptions, schema: TypeSchema): KubeObject {
  return trackUpdate(live, next, options, schema, false);
}

function trackUpdate(live: KubeObject | undefined, next: KubeObject, options: UpdateOptions, schema: TypeSchema, createShortcut: boolean): KubeObject {
  const isSubresource = !!options.subresource;
  const managed = decodeLiveOrNew(live, next, isSubresource);
  const newObj = stripManagedFields(next) as Obj;
  // Objects that lost their managedFields stay untracked until someone applies.
  if (managed.size === 0 && live && live.metadata?.uid) return withManagedFields(newObj, undefined);
  const ctx: Ctx = { schema, apiVersion: options.apiVersion, subresource: options.subresource || undefined, ignored: options.resetFields, now: formatTime(options.time) };
  try {
    if (createShortcut && !live && managed.size === 0) {
      // A create with nothing to merge: the manager owns what the new object sets.
      const created = createdFieldsV1(schema.zeroView(), newObj, schema.root, ctx.ignored, STRIP_SET);
      if (created) return withManagedFields(newObj, created.fields ? encodeManagedFields(createdManaged(created.fields, options.manager, ctx)) : undefined);
    }
    const liveObj = live ? (stripManagedFields(live) as Obj) : (schema.zeroView() as Obj);
    const result = updateCore(liveObj, newObj, managed, options.manager, ctx);
    return withManagedFields(newObj, encodeManagedFields(result));
  } catch {
    // UpdateNoErrors: keep what the live object had rather than fail the write.
    const entries = metaOf(live)?.managedFields;
    return withManagedFields(newObj, Array.isArray(entries) ? (entries as ManagedFieldsEntry[]) : undefined);
  }
}

/** The managers after a create whose fields createdFieldsV1 computed: the creating manager's Update entry. */
function createdManaged(fields: FieldsV1, managerName: string, ctx: Ctx): Managed {
  const id = managerIdentifier({ manager: managerName || 'unknown', operation: 'Update', apiVersion: ctx.apiVersion, subresource: ctx.subresource });
  return new Map([[id, { set: FieldSet.fromStoredFieldsV1(fields), apiVersion: ctx.apiVersion, applied: false, time: ctx.now }]]);
}

/**
 * Server-side apply of `applied` (the decoded apply-patch body) by
 * `options.manager` onto `live` (undefined: the object does not exist yet and
 * is created from the configuration). On success the object to store
 * (before defaulting, which the caller still runs) with its managedFields;
 * otherwise the Status to answer: 409 with one cause per conflicting field,
 * 400 for a wrong apiVersion/kind or managedFields in the body, 500 when the
 * configuration does not fit the schema (as kube-apiserver answers).
 */
export function apply(live: KubeObject | undefined, applied: unknown, options: ApplyOptions, schema: TypeSchema): ApplyResult {
  if (applied === null || applied === undefined) applied = {};
  if (!isObj(applied)) {
    return { ok: false, reason: 'BadRequest', status: failure(400, 'BadRequest', `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${jsonKind(applied)} into Go value of type map[string]interface {}`) };
  }
  let managed: Managed;
  try {
    const entries = metaOf(live)?.managedFields;
    managed = decodeManagedFields(Array.isArray(entries) ? entries : [], { stored: true });
  } catch (err) {
    if (!(err instanceof ManagedFieldsError)) throw err;
    return { ok: false, reason: 'InternalError', status: failure(500, '', `failed to decode managed fields: ${err.message}`) };
  }
  const expected = gvkString(options.apiVersion, options.kind);
  const got = gvkString(applied.apiVersion, applied.kind);
  if (got !== expected) return { ok: false, reason: 'BadRequest', status: failure(400, 'BadRequest', `invalid object type: ${got}`) };

  const ctx: Ctx = { schema, apiVersion: options.apiVersion, subresource: options.subresource || undefined, ignored: options.resetFields, now: formatTime(options.time) };
  const liveObj = live ? (stripManagedFields(live) as Obj) : undefined;

  let result = applyCore(liveObj, applied, managed, options.manager, options.force, ctx);
  if (result.kind === 'conflicts' && options.manager === KUBECTL_MANAGER && liveObj) {
    // lastAppliedManager: conflicts on fields kubectl applied client-side, unchanged since, are forced.
    const allowed = allowedConflictsFromLastApplied(liveObj, ctx);
    if (allowed) {
      const remaining = new Map<string, FieldSet>();
      for (const [id, set] of result.conflicts) {
        const rest = FieldSet.of(...set.paths().filter((p) => !allowed.has(p)));
        if (!rest.isEmpty()) remaining.set(id, rest);
      }
      result = remaining.size > 0 ? { kind: 'conflicts', conflicts: remaining } : applyCore(liveObj, applied, managed, options.manager, true, ctx);
    }
  }
  if (result.kind === 'conflicts') return conflictResult(result.conflicts);
  if (result.kind === 'error') return { ok: false, reason: result.status.code === 400 ? 'BadRequest' : 'InternalError', status: result.status };

  let object = result.object;
  if (options.name !== undefined) {
    const bad = checkName(object as KubeObject, options.name, options.namespace ?? '');
    if (bad) return { ok: false, reason: 'BadRequest', status: bad };
  }
  // lastAppliedUpdater: kubectl's applies keep an existing client-side annotation current.
  const annotations = metaOf(object)?.annotations;
  if (options.manager === KUBECTL_MANAGER && isObj(annotations) && typeof annotations[LAST_APPLIED_ANNOTATION] === 'string' && annotations[LAST_APPLIED_ANNOTATION] !== '') {
    const meta = metaOf(object)!;
    object = { ...object, metadata: { ...meta, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: buildLastApplied(applied) } } };
  }
  return { ok: true, object: withManagedFields(object, encodeManagedFields(result.managed)), changed: result.changed };
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'null';
}
