// Serves one resource request (get, list, watch, create, update, patch, delete,
// deletecollection and the status and scale subresources) through the generic
// registry, with upstream's query parameters, content types and errors.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObject, type KubeObject } from '../api/types.js';
import type { UserInfo } from './auth.js';
import { decodeObjectBody, decodePatchBody, patchTypeOf, readBody, type PatchType } from './body.js';
import type { DeleteRequest, GenericStore, RequestContext } from './registry/generic-store.js';
import { encodeList, jsonOf } from './registry/codec.js';
import type { ResourceRequestInfo } from './request-info.js';
import { newBadRequest, newInvalid, newMethodNotSupported, newNotFound, StatusError, type Status } from './status.js';
import { managedfields } from '../machinery/index.js';
import { toTable, wantsTable, type IncludeObject, type TablePrinter } from './table.js';
import { serveWatch, type WatchSettings } from './watch-stream.js';
import { addWarnings, fieldValidationOf, type FieldValidation } from './openapi-service.js';

export interface ResourceHandlerDeps {
  readonly printerFor: (store: GenericStore) => TablePrinter;
  readonly listFilter: (store: GenericStore, query: URLSearchParams) => ((obj: KubeObject) => boolean) | undefined;
  readonly applyPatch: (store: GenericStore, type: PatchType, current: KubeObject | undefined, patch: unknown, ctx: RequestContext) => KubeObject;
  readonly admit: (store: GenericStore, verb: string, ctx: RequestContext, obj?: KubeObject) => Promise<void>;
  /** Computed (not stored) resources and server-side subresources. */
  readonly createVirtual: (store: GenericStore, body: KubeObject, ctx: RequestContext, req: IncomingMessage) => Promise<KubeObject | undefined>;
  readonly bindPod: (binding: KubeObject, ctx: RequestContext, podName: string) => Promise<KubeObject>;
  readonly evictPod: (eviction: KubeObject, ctx: RequestContext, podName: string) => Promise<KubeObject>;
  readonly requestToken: (request: KubeObject, ctx: RequestContext, serviceAccount: string) => Promise<KubeObject>;
  /** Schema checks of a decoded body; returns warnings, throws for errors, drops unknown fields. */
  readonly checkFields: (store: GenericStore, obj: KubeObject, mode: FieldValidation) => string[];
  readonly watch: WatchSettings;
  readonly now: () => Date;
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendText(res, code, JSON.stringify(body), contentType);
}

export function sendText(res: ServerResponse, code: number, text: string, contentType = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function queryInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw newBadRequest(`invalid ${name} "${raw}"`);
  return Number(raw);
}

function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All' && v !== '') throw newBadRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return values.includes('All');
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw newBadRequest(`includeObject: Unsupported value: "${v}"`);
}

/** The field manager of a write (default: the user agent's program name) after upstream's option checks. */
function fieldManagerOf(query: URLSearchParams, req: IncomingMessage, patchType?: PatchType): string | undefined {
  const apply = patchType === 'apply';
  const given = query.get('fieldManager');
  const manager = apply ? (given ?? '') : managedfields.managerFromRequest(given, req.headers['user-agent']);
  const errors = managedfields.patchOptionsErrors({ apply, fieldManager: manager, forceGiven: patchType !== undefined && query.has('force') });
  if (errors.length) {
    const kind = patchType ? 'PatchOptions' : 'CreateOptions';
    throw newInvalid({ group: 'meta.k8s.io', kind }, '', errors.map((e) => e.toCause()));
  }
  return manager || undefined;
}

export interface WriteResult {
  readonly object: KubeObject;
  readonly created: boolean;
  /** Field validation warnings (Warn mode). */
  readonly warnings: readonly string[];
}

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async serve(req: IncomingMessage, res: ServerResponse, info: ResourceRequestInfo, store: GenericStore, user: UserInfo, query: URLSearchParams): Promise<void> {
    const { verb, subresource } = info;
    const namespace = store.info.namespaced ? info.namespace : '';
    if (store.info.namespaced && !namespace && !['list', 'watch'].includes(verb)) {
      // Upstream routes no such path; mirror its 404.
      throw newNotFound(store.qualified, info.name);
    }
    const writes = verb === 'create' || verb === 'update' || verb === 'patch';
    const fieldManager = writes ? fieldManagerOf(query, req, verb === 'patch' ? patchTypeOf(req.headers['content-type']) : undefined) : undefined;
    const ctx: RequestContext = { namespace, user, dryRun: dryRunOf(query), now: this.deps.now(), ...(fieldManager ? { fieldManager } : {}) };

    if (subresource === 'binding' && store.info.plural === 'pods' && verb === 'create') {
      const binding = decodeObjectBody(req.headers['content-type'], await readBody(req)) as KubeObject;
      return sendJson(res, 201, await this.deps.bindPod(binding, ctx, info.name));
    }
    if (subresource === 'eviction' && store.info.plural === 'pods' && store.info.group === '' && verb === 'create') {
      const eviction = decodeObjectBody(req.headers['content-type'], await readBody(req)) as KubeObject;
      return sendJson(res, 201, await this.deps.evictPod(eviction, ctx, info.name));
    }
    if (subresource === 'token' && store.info.plural === 'serviceaccounts' && verb === 'create') {
      const request = decodeObjectBody(req.headers['content-type'], await readBody(req)) as KubeObject;
      return sendJson(res, 201, await this.deps.requestToken(request, ctx, info.name));
    }
    if (subresource === 'finalize' && store.info.plural === 'namespaces' && verb === 'update') {
      return this.finalizeNamespace(req, res, store, ctx, info.name);
    }
    if (subresource && !['status', 'scale'].includes(subresource)) {
      if (!store.info.subresources.includes(subresource)) throw newNotFound(store.qualified, info.name);
      throw newMethodNotSupported({ group: store.info.group, resource: `${store.info.plural}/${subresource}` }, verb);
    }
    if (store.info.virtual) {
      if (verb === 'create') {
        const body = await this.readObject(req, store);
        const result = await this.deps.createVirtual(store, body, ctx, req);
        if (result) return sendJson(res, 201, result);
      }
      if (verb === 'list' && store.info.plural === 'componentstatuses') {
        return sendJson(res, 200, { kind: 'ComponentStatusList', apiVersion: 'v1', metadata: {}, items: [] });
      }
      throw newMethodNotSupported(store.qualified, verb);
    }
    if (subresource && !store.info.subresources.includes(subresource)) throw newNotFound(store.qualified, info.name);

    const allowedVerb = (v: string) => {
      if (subresource) return ['get', 'update', 'patch'].includes(v);
      return (store.info.verbs as readonly string[]).includes(v);
    };
    if (!allowedVerb(verb)) throw newMethodNotSupported(store.qualified, verb);

    switch (verb) {
      case 'get':
        return this.get(req, res, store, namespace, info.name, query, subresource);
      case 'list':
        return this.list(req, res, store, namespace, query);
      case 'watch':
        return serveWatch(req, res, store, namespace, info.name, query, this.deps);
      case 'create':
        return this.create(req, res, store, ctx, query);
      case 'update':
        return this.replace(req, res, store, ctx, info.name, subresource, query);
      case 'patch':
        return this.patch(req, res, store, ctx, info.name, subresource, query);
      case 'delete':
        return this.delete(req, res, store, ctx, info.name, query);
      case 'deletecollection':
        return this.deleteCollection(req, res, store, ctx, query);
      default:
        throw newMethodNotSupported(store.qualified, verb);
    }
  }

  private respondObject(req: IncomingMessage, res: ServerResponse, store: GenericStore, code: number, obj: KubeObject, query: URLSearchParams): void {
    const table = wantsTable(req.headers.accept);
    if (table) {
      const printer = this.deps.printerFor(store);
      sendJson(res, code, toTable(printer, [obj], { now: this.deps.now(), include: includeObjectOf(query), version: table }));
      return;
    }
    sendText(res, code, jsonOf(obj));
  }

  private async get(req: IncomingMessage, res: ServerResponse, store: GenericStore, namespace: string, name: string, query: URLSearchParams, subresource: string): Promise<void> {
    const obj = await store.get(namespace, name, query.get('resourceVersion') ?? undefined);
    if (subresource === 'scale') return sendJson(res, 200, scaleOf(store, obj));
    this.respondObject(req, res, store, 200, obj, query);
  }

  private async list(req: IncomingMessage, res: ServerResponse, store: GenericStore, namespace: string, query: URLSearchParams): Promise<void> {
    const filter = this.deps.listFilter(store, query);
    const limit = queryInt(query, 'limit');
    const list = await store.list(namespace, {
      ...(query.get('resourceVersion') !== null ? { resourceVersion: query.get('resourceVersion')! } : {}),
      ...(query.get('resourceVersionMatch') ? { resourceVersionMatch: query.get('resourceVersionMatch')! } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(query.get('continue') ? { continue: query.get('continue')! } : {}),
      ...(filter ? { filter } : {}),
    });
    const table = wantsTable(req.headers.accept);
    if (table) {
      const printer = this.deps.printerFor(store);
      sendJson(
        res,
        200,
        toTable(printer, list.items, {
          now: this.deps.now(),
          include: includeObjectOf(query),
          version: table,
          ...(list.metadata.resourceVersion ? { resourceVersion: list.metadata.resourceVersion } : {}),
          ...(list.metadata.continue ? { continue: list.metadata.continue } : {}),
          ...(list.metadata.remainingItemCount !== undefined ? { remainingItemCount: list.metadata.remainingItemCount } : {}),
        }),
      );
      return;
    }
    sendText(res, 200, encodeList(list));
  }

  private async readObject(req: IncomingMessage, store: GenericStore): Promise<KubeObject> {
    const obj = decodeObjectBody(req.headers['content-type'], await readBody(req)) as KubeObject;
    checkTypeMeta(store, obj);
    return obj;
  }

  private async create(req: IncomingMessage, res: ServerResponse, store: GenericStore, ctx: RequestContext, query: URLSearchParams): Promise<void> {
    const obj = await this.readObject(req, store);
    const { object, warnings } = await this.createObject(store, obj, ctx, fieldValidationOf(query));
    addWarnings(res, warnings);
    this.respondObject(req, res, store, 201, object, new URLSearchParams());
  }

  private async replace(req: IncomingMessage, res: ServerResponse, store: GenericStore, ctx: RequestContext, name: string, subresource: string, query: URLSearchParams): Promise<void> {
    const body = decodeObjectBody(req.headers['content-type'], await readBody(req)) as KubeObject;
    const { object, created, warnings } = await this.replaceObject(store, name, body, ctx, subresource, fieldValidationOf(query));
    if (subresource === 'scale') return sendJson(res, 200, object);
    addWarnings(res, warnings);
    this.respondObject(req, res, store, created ? 201 : 200, object, new URLSearchParams());
  }

  private async patch(req: IncomingMessage, res: ServerResponse, store: GenericStore, ctx: RequestContext, name: string, subresource: string, query: URLSearchParams): Promise<void> {
    const type = patchTypeOf(req.headers['content-type']);
    const patch = decodePatchBody(type, await readBody(req));
    const { object, created, warnings } = await this.patchObject(store, name, type, patch, ctx, { subresource, force: query.get('force') === 'true', mode: fieldValidationOf(query) });
    if (subresource === 'scale') return sendJson(res, 200, object);
    addWarnings(res, warnings);
    this.respondObject(req, res, store, created ? 201 : 200, object, new URLSearchParams());
  }

  // ---- operations shared by HTTP and the in-process client -----------------

  async createObject(store: GenericStore, obj: KubeObject, ctx: RequestContext, mode: FieldValidation): Promise<WriteResult> {
    checkTypeMeta(store, obj);
    const warnings = this.deps.checkFields(store, obj, mode);
    await this.deps.admit(store, 'create', ctx, obj);
    return { object: await store.create(obj, ctx), created: true, warnings };
  }

  /** PUT of an object or of its status or scale subresource (the result is a Scale then). */
  async replaceObject(store: GenericStore, name: string, body: KubeObject, ctx: RequestContext, subresource: string, mode: FieldValidation): Promise<WriteResult> {
    if (subresource === 'scale') {
      const { object } = await store.update(ctx.namespace, name, (current) => withScale(store, current, name, body), ctx, { subresource: 'scale' });
      return { object: scaleOf(store, object) as KubeObject, created: false, warnings: [] };
    }
    checkTypeMeta(store, body);
    const warnings = this.deps.checkFields(store, body, mode);
    await this.deps.admit(store, 'update', ctx, body);
    const { object, created } = await store.update(ctx.namespace, name, () => body, ctx, subresource ? { subresource } : {});
    return { object, created, warnings };
  }

  async patchObject(
    store: GenericStore,
    name: string,
    type: PatchType,
    patch: unknown,
    ctx: RequestContext,
    options: { subresource: string; force: boolean; mode: FieldValidation },
  ): Promise<WriteResult> {
    const { subresource, mode } = options;
    let warnings: string[] = [];
    await this.deps.admit(store, 'patch', ctx);
    if (subresource === 'scale') {
      const { object } = await store.update(
        ctx.namespace,
        name,
        (current) => {
          if (!current) throw newNotFound(store.qualified, name);
          const scale = this.deps.applyPatch(store, type === 'strategic' ? 'merge' : type, scaleOf(store, current) as KubeObject, patch, ctx);
          return withScale(store, current, name, scale);
        },
        ctx,
        { subresource: 'scale' },
      );
      return { object: scaleOf(store, object) as KubeObject, created: false, warnings };
    }
    if (type === 'apply') {
      const { object, created } = await store.update(
        ctx.namespace,
        name,
        (current) => {
          const reset = managedfields.resetFieldsFor({ hasStatus: store.info.hasStatus, subresource });
          const result = managedfields.apply(
            current,
            patch,
            {
              manager: ctx.fieldManager ?? '',
              force: options.force,
              apiVersion: store.apiVersion,
              kind: store.info.kind,
              time: ctx.now,
              ...(subresource ? { subresource } : {}),
              ...(reset ? { resetFields: reset } : {}),
              name,
              namespace: ctx.namespace,
            },
            store.typeSchema,
          );
          if (!result.ok) throw new StatusError(result.status as Status);
          warnings = this.deps.checkFields(store, result.object, mode);
          return result.object;
        },
        ctx,
        { ...(subresource ? { subresource } : {}), forceAllowCreate: true, managedFieldsComputed: true },
      );
      return { object, created, warnings };
    }
    const { object, created } = await store.update(
      ctx.namespace,
      name,
      (current) => {
        if (!current) throw newNotFound(store.qualified, name);
        const patched = this.deps.applyPatch(store, type, current, patch, ctx);
        checkTypeMeta(store, patched);
        warnings = this.deps.checkFields(store, patched, mode);
        return patched;
      },
      ctx,
      subresource ? { subresource } : {},
    );
    return { object, created, warnings };
  }

  async deleteObject(store: GenericStore, name: string, options: DeleteRequest, ctx: RequestContext): Promise<{ object: KubeObject; deleted: boolean }> {
    await this.deps.admit(store, 'delete', ctx);
    return store.delete(ctx.namespace, name, options, ctx);
  }

  /** PUT namespaces/NAME/finalize: the namespace controller's spec.finalizers update. */
  private async finalizeNamespace(req: IncomingMessage, res: ServerResponse, store: GenericStore, ctx: RequestContext, name: string): Promise<void> {
    const body = decodeObjectBody(req.headers['content-type'], await readBody(req)) as KubeObject;
    const finalizers = isObject(body.spec) && Array.isArray(body.spec.finalizers) ? body.spec.finalizers : [];
    const { object } = await store.update(
      '',
      name,
      (current) => {
        if (!current) throw newNotFound(store.qualified, name);
        return { ...current, spec: { ...(isObject(current.spec) ? current.spec : {}), finalizers } };
      },
      ctx,
      { subresource: 'finalize' },
    );
    sendJson(res, 200, object);
  }

  private async deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<{ propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } }> {
    const body = await readBody(req);
    let options: Record<string, unknown> = {};
    if (body.length > 0) options = decodeObjectBody(req.headers['content-type'], body);
    const policy = (query.get('propagationPolicy') ?? options.propagationPolicy) as string | undefined;
    const orphan = query.get('orphanDependents') ?? options.orphanDependents;
    const grace = queryInt(query, 'gracePeriodSeconds') ?? (typeof options.gracePeriodSeconds === 'number' ? options.gracePeriodSeconds : undefined);
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw newBadRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    const preconditions = isObject(options.preconditions) ? (options.preconditions as { uid?: string; resourceVersion?: string }) : undefined;
    const resolved = policy ?? (orphan === true || orphan === 'true' ? 'Orphan' : undefined);
    return {
      ...(resolved ? { propagationPolicy: resolved as 'Orphan' | 'Background' | 'Foreground' } : {}),
      ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
      ...(preconditions ? { preconditions } : {}),
    };
  }

  private async delete(req: IncomingMessage, res: ServerResponse, store: GenericStore, ctx: RequestContext, name: string, query: URLSearchParams): Promise<void> {
    const options = await this.deleteOptions(req, query);
    const { object, deleted } = await this.deleteObject(store, name, options, ctx);
    // Upstream answers 200 with the object, 202 when deletion is pending finalizers.
    this.respondObject(req, res, store, deleted ? 200 : 202, object, new URLSearchParams());
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, store: GenericStore, ctx: RequestContext, query: URLSearchParams): Promise<void> {
    const options = await this.deleteOptions(req, query);
    const filter = this.deps.listFilter(store, query);
    await this.deps.admit(store, 'deletecollection', ctx);
    const list = await store.list(ctx.namespace, filter ? { filter } : {});
    const deleted: KubeObject[] = [];
    for (const item of list.items) {
      try {
        const result = await store.delete(item.metadata?.namespace ?? ctx.namespace, item.metadata!.name!, options, { ...ctx, namespace: item.metadata?.namespace ?? ctx.namespace });
        deleted.push(result.object);
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    sendJson(res, 200, { ...list, items: deleted });
  }
}

function checkTypeMeta(store: GenericStore, obj: KubeObject): void {
  if (obj.apiVersion !== undefined && obj.apiVersion !== store.apiVersion) {
    throw newBadRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${store.apiVersion})`);
  }
  if (obj.kind !== undefined && obj.kind !== store.info.kind) {
    throw newBadRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${store.info.kind})`);
  }
}

// ---- scale subresource ---------------------------------------------------

function pathGet(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.').filter(Boolean)) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function pathSet(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.').filter(Boolean);
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function selectorString(selector: unknown): string {
  if (typeof selector === 'string') return selector;
  if (!isObject(selector)) return '';
  const parts: string[] = [];
  const labels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const key of Object.keys(labels).sort()) parts.push(`${key}=${String(labels[key])}`);
  for (const expr of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    if (!isObject(expr)) continue;
    const values = Array.isArray(expr.values) ? (expr.values as string[]) : [];
    switch (expr.operator) {
      case 'In':
        parts.push(`${String(expr.key)} in (${[...values].sort().join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${String(expr.key)} notin (${[...values].sort().join(',')})`);
        break;
      case 'Exists':
        parts.push(String(expr.key));
        break;
      case 'DoesNotExist':
        parts.push(`!${String(expr.key)}`);
        break;
    }
  }
  return parts.join(',');
}

export function scaleOf(store: GenericStore, obj: KubeObject): object {
  const scale = store.info.scale;
  if (!scale) throw newNotFound(store.qualified, obj.metadata?.name ?? '');
  const meta = obj.metadata ?? {};
  const selector = scale.labelSelectorPath ? pathGet(obj, scale.labelSelectorPath) ?? pathGet(obj, '.spec.selector') : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion, creationTimestamp: meta.creationTimestamp },
    spec: { replicas: Number(pathGet(obj, scale.specReplicasPath) ?? 0) },
    status: { replicas: Number(pathGet(obj, scale.statusReplicasPath) ?? 0), ...(selector !== undefined ? { selector: selectorString(selector) } : {}) },
  };
}

function withScale(store: GenericStore, current: KubeObject | undefined, name: string, scale: KubeObject): KubeObject {
  if (!current) throw newNotFound(store.qualified, name);
  const replicas = isObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw newBadRequest(`spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  const rv = scale.metadata?.resourceVersion;
  const next = structuredClone(current);
  pathSet(next as Record<string, unknown>, store.info.scale!.specReplicasPath, replicas);
  if (rv) next.metadata = { ...next.metadata, resourceVersion: rv };
  return next;
}

