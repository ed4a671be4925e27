// The generic registry: one implementation of create/get/list/update/delete/watch
// for every kind, configured by its ResourceInfo and Strategy (upstream's
// registry/generic/registry.Store). Storage errors become Kubernetes Status errors.

import { randomUUID } from 'node:crypto';
import { apiVersionOf, type KubeList, type KubeObject, type ObjectMeta } from '../../api/types.js';
import { storageKey, storagePrefix, type ResourceInfo } from '../../api/resources.js';
import {
  encodeContinue,
  isStorageError,
  type KeyValue,
  type ListOptions as StoreListOptions,
  type Store,
  type WatchEvent,
  type Watcher,
} from '../../storage/index.js';
import {
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newInternalError,
  newInvalid,
  newNotFound,
  newResourceExpired,
  newTimeout,
  OPTIMISTIC_LOCK_MESSAGE,
  StatusError,
  type FieldCause,
  type QualifiedResource,
} from '../status.js';
import { decodeCopy, decodeShared, encodeForStorage, rememberDecoded } from './codec.js';
import { copyMembers, managedfields, validation, withOverrides } from '../../machinery/index.js';
import type { Strategy } from './strategy.js';
import type { TablePrinter } from '../table.js';

export interface RequestContext {
  readonly namespace: string;
  readonly user: { readonly name: string; readonly uid?: string; readonly groups: readonly string[] };
  readonly dryRun: boolean;
  readonly fieldManager?: string;
  readonly now: Date;
}

export interface ListRequest {
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
  readonly limit?: number;
  readonly continue?: string;
  /** Selector filter; undefined when nothing is filtered. */
  readonly filter?: (obj: KubeObject) => boolean;
}

export interface WatchRequest {
  readonly resourceVersion?: string;
  readonly filter?: (obj: KubeObject) => boolean;
  readonly sendInitialEvents?: boolean;
}

export interface DeleteRequest {
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
}

export type ApiWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ApiWatchEvent {
  readonly type: ApiWatchEventType;
  readonly object: KubeObject;
  /** The stored version behind the event, for encoders that memoize per version. */
  readonly kv?: KeyValue;
}

export const GENERATE_NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += GENERATE_NAME_CHARS[Math.floor(Math.random() * GENERATE_NAME_CHARS.length)];
  return out;
}
function parseResourceVersion(value: string | undefined, what = 'resourceVersion'): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d+$/.test(value)) throw newBadRequest(`invalid ${what} "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw newBadRequest(`invalid ${what} "${value}"`);
  return n;
}

let lastSecond = Number.NaN;
let lastSecondText = '';

/** RFC 3339 with whole seconds; writes within one second share the text. */
function nowString(now: Date): string {
  const second = Math.floor(now.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecondText = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastSecondText;
}

function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

export class GenericStore {
  readonly qualified: QualifiedResource;
  readonly apiVersion: string;

  constructor(
    readonly info: ResourceInfo,
    readonly strategy: Strategy,
    private readonly store: Store,
    /** This resource's own Table printer (custom resources), else the built-in one. */
    readonly printer?: TablePrinter,
  ) {
    this.qualified = { group: info.group, resource: info.plural };
    this.apiVersion = apiVersionOf(info.group, info.version);
  }

  private schemaCache: managedfields.TypeSchema | undefined;

  /** The structure server-side apply and managedFields use (deduced for custom resources). */
  get typeSchema(): managedfields.TypeSchema {
    this.schemaCache ??= this.strategy.unknownFields ? managedfields.TypeSchema.deduced() : managedfields.TypeSchema.forKind(this.info.group, this.info.version, this.info.kind);
    return this.schemaCache;
  }

  /** The fields each endpoint resets (by subresource), built once. */
  private readonly resetFields = new Map<string, managedfields.FieldSet | undefined>();

  /** managedFields of a write that is not an apply (Update operations). */
  private trackFields(live: KubeObject | undefined, next: KubeObject, ctx: RequestContext, subresource?: string): KubeObject {
    let resetFields = this.resetFields.get(subresource ?? '');
    if (!this.resetFields.has(subresource ?? '')) {
      resetFields = managedfields.resetFieldsFor({ hasStatus: this.info.hasStatus, subresource });
      this.resetFields.set(subresource ?? '', resetFields);
    }
    return managedfields.updateManagedFields(
      live,
      next,
      {
        manager: ctx.fieldManager ?? '',
        apiVersion: this.apiVersion,
        time: ctx.now,
        ...(subresource ? { subresource } : {}),
        ...(resetFields ? { resetFields } : {}),
      },
      this.typeSchema,
    );
  }

  key(namespace: string, name: string): string {
    return storageKey(this.info, namespace, name);
  }

  prefix(namespace: string): string {
    return storagePrefix(this.info, namespace);
  }

  /** Maps a storage failure to the Status kube-apiserver would send. */
  private translate(err: unknown, name: string): never {
    if (err instanceof StatusError) throw err;
    if (isStorageError(err)) {
      switch (err.code) {
        case 'NotFound':
          throw newNotFound(this.qualified, name);
        case 'KeyExists':
          throw newAlreadyExists(this.qualified, name);
        case 'Conflict':
          throw newConflict(this.qualified, name, OPTIMISTIC_LOCK_MESSAGE);
        case 'Expired':
          throw newResourceExpired(`too old resource version: ${err.revision ?? 0}`);
        case 'FutureRevision':
          throw newTimeout(`Too large resource version: ${err.message}`, 1);
        case 'InvalidContinue':
          throw newBadRequest(err.message);
        case 'TooLarge':
          throw newBadRequest(`etcdserver: request is too large`);
        case 'InvalidKey':
          throw newBadRequest(err.message);
        default:
          throw newInternalError(err.message);
      }
    }
    throw err;
  }

  /** The object as this endpoint serves it. */
  present(obj: KubeObject): KubeObject {
    return this.strategy.transformRead ? this.strategy.transformRead(obj) : this.withTypeMeta(obj);
  }

  private withTypeMeta(obj: KubeObject): KubeObject {
    if (obj.apiVersion === this.apiVersion && obj.kind === this.info.kind) return obj;
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    return { apiVersion: this.apiVersion, kind: this.info.kind, ...rest };
  }

  private invalid(name: string, errors: FieldCause[]): StatusError {
    return newInvalid({ group: this.info.group, kind: this.info.kind }, name, errors);
  }

  /** Upstream's ObjectMeta validation with this kind's name rule. */
  private validateMeta(meta: ObjectMeta): FieldCause[] {
    const own = this.strategy.nameProblems;
    const nameFn = own ? (name: string, prefix: boolean) => own(prefix ? name.replace(/-$/, 'a') : name) : validation.nameIsDNSSubdomain;
    return validation.validateObjectMeta(meta as validation.ObjectMetaLike, { namespaced: this.info.namespaced, nameFn }).map((e) => e.toCause());
  }

  // ---- reads -------------------------------------------------------------

  async get(namespace: string, name: string, resourceVersion?: string): Promise<KubeObject> {
    const key = this.key(namespace, name);
    try {
      const rv = resourceVersion === undefined || resourceVersion === '' ? undefined : parseResourceVersion(resourceVersion);
      const result = await this.store.get(key, rv === undefined ? {} : { notOlderThan: rv });
      if (!result.kv) throw newNotFound(this.qualified, name);
      return this.present(decodeShared(result.kv));
    } catch (err) {
      return this.translate(err, name);
    }
  }

  /**
   * get, with undefined for an object that does not exist: for lookups where absence
   * is ordinary (admission), without building a NotFound error (and its stack) each time.
   */
  async getIfExists(namespace: string, name: string, resourceVersion?: string): Promise<KubeObject | undefined> {
    const key = this.key(namespace, name);
    try {
      const rv = resourceVersion === undefined || resourceVersion === '' ? undefined : parseResourceVersion(resourceVersion);
      const result = await this.store.get(key, rv === undefined ? {} : { notOlderThan: rv });
      return result.kv ? this.present(decodeShared(result.kv)) : undefined;
    } catch (err) {
      return this.translate(err, name);
    }
  }

  async list(namespace: string, request: ListRequest): Promise<KubeList> {
    const prefix = this.prefix(namespace);
    const options = this.listOptions(request);
    const limit = request.limit && request.limit > 0 ? request.limit : 0;
    try {
      const items: KubeObject[] = [];
      let page = await this.store.list(prefix, { ...options, ...(limit && !request.filter ? { limit } : {}) });
      const revision = page.revision;
      if (!request.filter) {
        for (const kv of page.items) items.push(decodeShared(kv));
        return this.listOf(items, revision, page.continue, page.remainingItemCount);
      }
      // Filtered: read on until the page is full, like upstream's etcd3 store.
      for (;;) {
        for (let i = 0; i < page.items.length; i++) {
          const kv = page.items[i]!;
          const obj = this.present(decodeShared(kv));
          if (!request.filter(obj)) continue;
          items.push(obj);
          if (limit && items.length === limit) {
            const more = i < page.items.length - 1 || page.continue !== undefined;
            return this.listOf(items, revision, more ? encodeContinue(prefix, kv.key, revision) : undefined);
          }
        }
        if (!page.continue) return this.listOf(items, revision);
        page = await this.store.list(prefix, { continue: page.continue, limit: Math.max(limit * 2, 500) });
      }
    } catch (err) {
      if (isStorageError(err, 'Expired') && request.continue) {
        throw newResourceExpired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      return this.translate(err, '');
    }
  }

  private listOptions(request: ListRequest): StoreListOptions {
    // The storage validates continue tokens (InvalidContinue -> 400).
    if (request.continue) return { continue: request.continue };
    const rv = request.resourceVersion;
    const match = request.resourceVersionMatch ?? '';
    if (match && !['Exact', 'NotOlderThan'].includes(match)) {
      throw newBadRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    }
    if (match && (rv === undefined || rv === '')) {
      throw newBadRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    if (rv === undefined || rv === '') return {};
    const revision = parseResourceVersion(rv);
    if (match === 'Exact') {
      if (revision === 0) throw newBadRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
      return { revision };
    }
    return { notOlderThan: revision };
  }

  private listOf(items: KubeObject[], revision: number, token?: string, remaining?: number): KubeList {
    const metadata: KubeList['metadata'] = { resourceVersion: String(revision) };
    if (token) metadata.continue = token;
    if (token && remaining !== undefined && remaining > 0) metadata.remainingItemCount = remaining;
    return { apiVersion: this.apiVersion, kind: `${this.info.kind}List`, metadata, items: items.map((o) => this.present(o)) };
  }

  // ---- writes ------------------------------------------------------------

  /** Fills server-set metadata and runs defaults, prepare and validation for a create. */
  private prepareCreate(obj: KubeObject, ctx: RequestContext, options: { managedFieldsComputed?: boolean } = {}): KubeObject {
    const incoming = obj.metadata ?? {};
    if (this.info.namespaced && incoming.namespace && incoming.namespace !== ctx.namespace) {
      throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const meta = withOverrides(incoming, {
      namespace: this.info.namespaced ? ctx.namespace : undefined,
      name: !incoming.name && incoming.generateName ? `${incoming.generateName}${randomSuffix()}` : incoming.name,
      uid: randomUUID(),
      creationTimestamp: nowString(ctx.now),
      resourceVersion: undefined,
      deletionTimestamp: undefined,
      deletionGracePeriodSeconds: undefined,
      selfLink: undefined,
      generation: this.strategy.generationTracksSpec ? 1 : undefined,
    });
    // Not a spread copy: defaults add members to it (see machinery/objects.ts).
    let prepared = withOverrides(obj, { apiVersion: this.apiVersion, kind: this.info.kind, metadata: meta });
    this.strategy.defaults?.(prepared);
    if (this.info.hasStatus && !this.strategy.prepareForCreate) delete prepared.status;
    if (!options.managedFieldsComputed) prepared = this.trackFields(undefined, prepared, ctx);
    this.strategy.prepareForCreate?.(prepared);
    const errors: FieldCause[] = [...this.validateMeta(prepared.metadata ?? {}), ...(this.strategy.validate?.(prepared) ?? [])];
    if (errors.length) throw this.invalid(meta.name ?? '', errors);
    return prepared;
  }

  async create(obj: KubeObject, ctx: RequestContext): Promise<KubeObject> {
    const prepared = this.prepareCreate(obj, ctx);
    const name = prepared.metadata!.name!;
    if (ctx.dryRun) {
      const exists = (await this.store.get(this.key(ctx.namespace, name))).kv;
      if (exists) throw newAlreadyExists(this.qualified, name);
      return this.present(prepared);
    }
    const undo = this.strategy.allocate ? await this.allocateOrInvalid(prepared, undefined) : undefined;
    try {
      const bytes = encodeForStorage(prepared);
      const kv = await this.store.create(this.key(ctx.namespace, name), bytes);
      return this.present(rememberDecoded(kv, prepared, bytes));
    } catch (err) {
      await undo?.();
      return this.translate(err, name);
    }
  }

  private async allocateOrInvalid(obj: KubeObject, old: KubeObject | undefined): Promise<() => Promise<void>> {
    try {
      return await this.strategy.allocate!(obj, old);
    } catch (err) {
      if (err instanceof StatusError) throw err;
      throw newInternalError(`failed to allocate: ${String(err)}`);
    }
  }

  /**
   * The one update path (PUT, PATCH, status and scale writes): reads the current
   * object, lets `mutate` produce the new one, keeps what the client may not change,
   * validates, and writes if the resourceVersion it read is still current.
   */
  async update(
    namespace: string,
    name: string,
    mutate: (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>,
    ctx: RequestContext,
    options: {
      subresource?: string;
      forceAllowCreate?: boolean;
      managedFieldsComputed?: boolean;
      /**
       * `mutate` never changes the object it is given (patches work on a copy; a PUT
       * ignores it): a status or binding write then hands it the shared stored object instead
       * of a private copy, and the new version shares the unchanged spec with the old.
       */
      readOnlyMutate?: boolean;
    } = {},
  ): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.key(namespace, name);
    let created = false;
    let result: KubeObject | undefined;
    let deleteAfter = false;
    /** The version replaced, as stored (shared): the new one shares what it has in common with it; release frees what it held. */
    let replaced: KubeObject | undefined;
    let written: Uint8Array | undefined;
    // A status write changes nothing but status (no defaults, no prepareForUpdate), and a
    // binding is written as computed (see prepareUpdate), so the stored object can be
    // read in place when the mutation does not write to it.
    const shareCurrent = !!options.readOnlyMutate && (options.subresource === 'status' || options.subresource === 'binding') && !this.strategy.allocate;
    const tryUpdate = async (currentKv: KeyValue | undefined): Promise<Uint8Array | undefined> => {
      replaced = currentKv ? decodeShared(currentKv) : undefined;
      const current = currentKv && !shareCurrent ? decodeCopy(currentKv) : replaced;
      const next = await mutate(current);
      const meta = next.metadata ?? {};
      if (meta.name !== undefined && meta.name !== name) {
        throw newBadRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
      }
      if (this.info.namespaced && meta.namespace && meta.namespace !== namespace) {
        throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (!current) {
        if (!(this.strategy.allowCreateOnUpdate || options.forceAllowCreate) || options.subresource) throw newNotFound(this.qualified, name);
        if (meta.resourceVersion) throw newNotFound(this.qualified, name);
        created = true;
        result = this.prepareCreate({ ...next, metadata: { ...meta, name } }, { ...ctx, namespace }, { managedFieldsComputed: !!options.managedFieldsComputed });
        if (this.strategy.allocate && !ctx.dryRun) await this.allocateOrInvalid(result, undefined);
        return (written = encodeForStorage(result));
      }
      // resourceVersion in the body is a precondition (optimistic concurrency).
      if (meta.resourceVersion && meta.resourceVersion !== current.metadata?.resourceVersion) {
        throw newConflict(this.qualified, name, OPTIMISTIC_LOCK_MESSAGE);
      }
      result = this.prepareUpdate(next, current, ctx, options.subresource, !!options.managedFieldsComputed);
      if (this.strategy.allocate && !ctx.dryRun) await this.allocateOrInvalid(result, current);
      const m = result.metadata ?? {};
      deleteAfter =
        !!m.deletionTimestamp && (m.finalizers ?? []).length === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0 && !this.strategy.pendingFinalization?.(result);
      if (deleteAfter) return undefined;
      return (written = encodeForStorage(result));
    };
    if (ctx.dryRun) {
      const current = (await this.store.get(key)).kv;
      await tryUpdate(current).catch((err: unknown) => this.translate(err, name));
      // Nothing was written: the object keeps the resourceVersion it has.
      const object = current && !created ? { ...result!, metadata: { ...result!.metadata, resourceVersion: String(current.modRevision) } } : result!;
      return { object: this.present(object), created };
    }
    try {
      const kv = await this.store.guaranteedUpdate(key, tryUpdate, { ignoreNotFound: true });
      if (deleteAfter) {
        // The last finalizer is gone from an object being deleted: delete it now.
        const deleted = await this.store.delete(key, { preconditions: { modRevision: kv.modRevision } }).catch(() => kv);
        const object = this.present(decodeShared(deleted));
        await this.strategy.release?.(object, undefined);
        return { object, created: false };
      }
      // The object just written is the decoded form of its stored version: no parse back.
      const object = this.present(result ? rememberDecoded(kv, result, written, replaced) : decodeShared(kv));
      if (replaced && this.strategy.release) await this.strategy.release(replaced, object);
      return { object, created };
    } catch (err) {
      return this.translate(err, name);
    }
  }

  private prepareUpdate(next: KubeObject, current: KubeObject, ctx: RequestContext, subresource?: string, managedFieldsComputed = false): KubeObject {
    const old = current.metadata ?? {};
    const incoming = next.metadata ?? {};
    let updated: KubeObject;
    if (subresource === 'status' || subresource === 'approval') {
      // A status write changes status only (a CSR's approval: its conditions).
      updated = { ...current, status: next.status };
    } else if (!subresource) {
      // A write of the main resource leaves status to the status subresource.
      if (this.info.hasStatus && current.status === undefined) {
        const { status: _ignored, ...rest } = next;
        updated = rest;
      } else {
        // Copies that gain members here and in defaults (see machinery/objects.ts).
        updated = copyMembers(next);
        if (this.info.hasStatus) updated.status = current.status;
      }
    } else {
      // Server-side subresources (binding, scale, finalize, delete) compute the whole object.
      updated = copyMembers(next);
    }
    if (incoming.uid && incoming.uid !== old.uid) {
      throw newConflict(this.qualified, old.name!, `Precondition failed: UID in precondition: ${incoming.uid}, UID in object meta: ${old.uid ?? ''}`);
    }
    // A status write keeps the object's metadata but may change annotations (upstream
    // resets only spec, labels and the like; controllers record progress in annotations).
    const server: Record<string, unknown> = {
      name: old.name,
      namespace: this.info.namespaced ? old.namespace : undefined,
      uid: old.uid,
      creationTimestamp: old.creationTimestamp ?? null,
      resourceVersion: undefined,
      selfLink: undefined,
    };
    if (subresource !== 'delete') {
      // Only a delete may set these (and once set, they stay).
      server.deletionTimestamp = old.deletionTimestamp ? old.deletionTimestamp : undefined;
      server.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    }
    if (old.generation !== undefined) server.generation = old.generation;
    const meta =
      subresource === 'status'
        ? withOverrides(old, { annotations: incoming.annotations, ...server })
        : withOverrides(incoming, server);
    updated.apiVersion = this.apiVersion;
    updated.kind = this.info.kind;
    updated.metadata = meta;
    if (subresource === 'binding') {
      // Upstream's BindingREST (setPodHostAndAnnotations) writes the pod it computed
      // straight through storage: no defaults, prepareForUpdate, managedFields or
      // validation. The stored pod was defaulted and validated when it was created.
      return updated;
    }
    if (subresource !== 'status') this.strategy.defaults?.(updated);
    if (this.strategy.generationTracksSpec && subresource !== 'status' && specOf(updated) !== specOf(current)) {
      meta.generation = (old.generation ?? 0) + 1;
    }
    // Graceful deletion and the server's own subresources leave managedFields alone.
    if (!managedFieldsComputed && !['delete', 'finalize'].includes(subresource ?? '')) {
      updated = this.trackFields(current, updated, ctx, subresource);
    }
    if (subresource !== 'status') this.strategy.prepareForUpdate?.(updated, current);
    // Status writes get the metadata checks only (upstream's status validation is lighter).
    const kindErrors = subresource === 'status' ? [] : (this.strategy.validateUpdate?.(updated, current) ?? this.strategy.validate?.(updated) ?? []);
    const errors = [...this.validateMeta(updated.metadata ?? {}), ...kindErrors];
    if (errors.length) throw this.invalid(meta.name!, errors);
    void ctx;
    return updated;
  }

  async delete(namespace: string, name: string, request: DeleteRequest, ctx: RequestContext): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = this.key(namespace, name);
    try {
      const currentKv = (await this.store.get(key)).kv;
      if (!currentKv) throw newNotFound(this.qualified, name);
      const current = decodeShared(currentKv);
      this.checkDeletePreconditions(current, request, name);
      const finalizers = new Set(current.metadata?.finalizers ?? []);
      if (request.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      if (request.propagationPolicy === 'Orphan') finalizers.add('orphan');
      const grace = this.strategy.gracefulDelete?.(current, request.gracePeriodSeconds);
      const pending = this.strategy.pendingFinalization?.(current) ?? false;
      if (finalizers.size > 0 || (grace !== undefined && grace > 0) || pending) {
        // Mark for deletion; finalizers (or the kubelet) complete it.
        const { object } = await this.update(
          namespace,
          name,
          (latest) => {
            if (!latest) throw newNotFound(this.qualified, name);
            this.checkDeletePreconditions(latest, request, name);
            const meta = { ...(latest.metadata ?? {}) };
            const merged = new Set([...(meta.finalizers ?? []), ...finalizers]);
            if (merged.size > 0) meta.finalizers = [...merged];
            else delete meta.finalizers;
            if (!meta.deletionTimestamp) {
              meta.deletionTimestamp = nowString(new Date(ctx.now.getTime() + (grace ?? 0) * 1000));
              meta.deletionGracePeriodSeconds = grace ?? 0;
            } else if (grace !== undefined && grace < (meta.deletionGracePeriodSeconds ?? Infinity)) {
              meta.deletionGracePeriodSeconds = grace;
            }
            const marked = { ...latest, metadata: meta };
            this.strategy.onMarkedForDeletion?.(marked);
            return marked;
          },
          ctx,
          { subresource: 'delete' },
        );
        if (meta(object).finalizers?.length || (grace !== undefined && grace > 0) || this.strategy.pendingFinalization?.(object)) return { object, deleted: false };
        return { object, deleted: true };
      }
      if (ctx.dryRun) return { object: current, deleted: true };
      const deleted = await this.store.delete(key, {
        validate: (kv) => this.checkDeletePreconditions(decodeShared(kv), request, name),
      });
      const object = this.present(decodeShared(deleted));
      await this.strategy.release?.(object, undefined);
      return { object, deleted: true };
    } catch (err) {
      return this.translate(err, name);
    }
  }

  private checkDeletePreconditions(current: KubeObject, request: DeleteRequest, name: string): void {
    const pre = request.preconditions;
    if (!pre) return;
    if (pre.uid && pre.uid !== current.metadata?.uid) {
      throw newConflict(this.qualified, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid ?? ''}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata?.resourceVersion) {
      throw newConflict(
        this.qualified,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata?.resourceVersion ?? ''}`,
      );
    }
  }

  // ---- watch -------------------------------------------------------------

  /**
   * Starts a watch. Events are filtered by the selector with upstream's semantics: an
   * object leaving the selection is DELETED, one entering it is ADDED.
   */
  async watch(namespace: string, request: WatchRequest): Promise<{ initial: ApiWatchEvent[]; watcher: Watcher; revision: number }> {
    const prefix = this.prefix(namespace);
    const rv = request.resourceVersion;
    const initial: ApiWatchEvent[] = [];
    let from: number;
    try {
      if (rv === undefined || rv === '' || rv === '0' || request.sendInitialEvents) {
        // Start with the current state as ADDED events, then changes after it.
        const list = await this.store.list(prefix, rv === '0' || rv === undefined || rv === '' ? { notOlderThan: 0 } : { notOlderThan: parseResourceVersion(rv) });
        for (const kv of list.items) {
          const obj = this.present(decodeShared(kv));
          if (!request.filter || request.filter(obj)) initial.push({ type: 'ADDED', object: obj, kv });
        }
        from = list.revision;
      } else {
        from = parseResourceVersion(rv);
        const compacted = await this.store.compactedRevision();
        if (from < compacted) throw newResourceExpired(`too old resource version: ${from} (${compacted})`);
      }
      const watcher = this.store.watch(prefix, { fromRevision: from, progressNotify: true });
      return { initial, watcher, revision: from };
    } catch (err) {
      return this.translate(err, '');
    }
  }

  /** Turns storage events into API events for one watcher's selector. */
  toApiEvents(events: readonly WatchEvent[], filter?: (obj: KubeObject) => boolean): ApiWatchEvent[] {
    const out: ApiWatchEvent[] = [];
    for (const event of events) {
      const obj = this.present(decodeShared(event.kv));
      if (!filter) {
        out.push({ type: event.type, object: obj, kv: event.kv });
        continue;
      }
      const now = event.type !== 'DELETED' && filter(obj);
      const before = event.prevKv ? filter(this.present(decodeShared(event.prevKv))) : false;
      if (event.type === 'DELETED') {
        if (before) out.push({ type: 'DELETED', object: obj, kv: event.kv });
      } else if (now && before) out.push({ type: 'MODIFIED', object: obj, kv: event.kv });
      else if (now) out.push({ type: 'ADDED', object: obj, kv: event.kv });
      else if (before) out.push({ type: 'DELETED', object: obj, kv: event.kv });
    }
    return out;
  }
}

function meta(obj: KubeObject): ObjectMeta {
  return obj.metadata ?? {};
}
