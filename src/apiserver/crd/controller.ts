// The CRD controller: what apiextensions-apiserver's naming, establishing and
// finalizer controllers and its custom resource handler do together. It lists and
// watches CustomResourceDefinitions in storage and, for each:
//   - accepts names that conflict with no other CRD of the group (or built-in)
//     and writes status.acceptedNames with the NamesAccepted condition
//     (NoConflicts / "no conflicts found", or PluralConflict, KindConflict, ...);
//   - serves every served version through ApiServer.serve with a ResourceInfo,
//     a Strategy (schema pruning, defaults, validation, status and scale
//     subresources) and a TablePrinter (additionalPrinterColumns);
//   - sets Established (InitialNamesAccepted / "the initial names have been accepted");
//   - when the CRD is deleted (it then carries customresourcecleanup.apiextensions.k8s.io),
//     deletes all its custom resources, waits until they are gone, removes the
//     finalizer (so the CRD goes) and stops serving it.

import { BUILTIN_RESOURCES, STANDARD_VERBS, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { isStorageError, type Store, type Watcher } from '../../storage/index.js';
import { GenericStore } from '../registry/generic-store.js';
import type { ApiServer } from '../server.js';
import { isStatusError, newNotFound, StatusError } from '../status.js';
import { customResourceStrategy, type CustomResourceState, type ScalePaths } from './cr-strategy.js';
import { customResourceTablePrinter } from './printer.js';
import {
  APIEXTENSIONS_GROUP,
  bool,
  columnsOf,
  conditionsOf,
  CRD_CLEANUP_FINALIZER,
  CRD_PLURAL,
  deepEqual,
  findCondition,
  isConditionTrue,
  namesOf,
  schemaOf,
  specOf,
  statusOf,
  str,
  strings,
  subresourcesOf,
  versionsOf,
  type CustomResourceDefinition,
  type CustomResourceDefinitionCondition,
  type CustomResourceDefinitionNames,
  type CustomResourceDefinitionVersion,
} from './types.js';
import { apiApprovalCondition, setCondition } from './validation.js';

import { crdOpenAPISchemas } from './openapi.js';

export { crdOpenAPISchemas, type CustomResourceOpenAPI } from './openapi.js';

const CRD_PREFIX = `/registry/${APIEXTENSIONS_GROUP}/${CRD_PLURAL}/`;

export interface CrdControllerOptions {
  readonly store: Store;
  readonly api: Pick<ApiServer, 'serve' | 'unserve' | 'storeFor' | 'systemContext'>;
  /** Unexpected errors (I/O, bugs); reconciles are retried with backoff. */
  readonly onError?: (err: unknown) => void;
  readonly now?: () => Date;
  /** First retry delay after a failed reconcile (doubles up to 30 s). Default 100 ms. */
  readonly retryBaseMs?: number;
  /** How often deletion checks whether custom resources are gone. Default 1 s. */
  readonly deletionPollMs?: number;
  /** How long deletion waits for custom resources to go before retrying. Default 60 s. */
  readonly deletionTimeoutMs?: number;
}

interface ServedVersion {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly fingerprint: string;
}

interface CrdRuntime {
  readonly state: CustomResourceState;
  readonly served: Map<string, ServedVersion>;
  group: string;
}

function conditionsEqual(a: readonly CustomResourceDefinitionCondition[], b: readonly CustomResourceDefinitionCondition[]): boolean {
  const key = (c: CustomResourceDefinitionCondition) => `${c.type}\u0000${c.status}\u0000${c.reason ?? ''}\u0000${c.message ?? ''}`;
  return a.length === b.length && a.every((c, i) => key(c) === key(b[i]!));
}

function aggregate(errors: readonly unknown[]): string {
  const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

/** The ResourceInfo of one served version, from the accepted names. */
export function resourceInfoFor(crd: CustomResourceDefinition, version: CustomResourceDefinitionVersion): ResourceInfo {
  const spec = specOf(crd);
  const accepted = statusOf(crd).acceptedNames;
  const names: CustomResourceDefinitionNames = accepted && str(accepted.plural) !== '' ? accepted : namesOf(spec);
  const kind = str(names.kind);
  const sub = subresourcesOf(version);
  const hasStatus = !!sub && sub.status !== undefined && sub.status !== null;
  const scale = scalePathsOf(version);
  const subresources = [...(scale ? ['scale'] : []), ...(hasStatus ? ['status'] : [])];
  return {
    group: str(spec.group),
    version: str(version.name),
    kind,
    plural: str(names.plural) || str(namesOf(spec).plural),
    singular: str(names.singular) || kind.toLowerCase(),
    namespaced: str(spec.scope) !== 'Cluster',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    verbs: STANDARD_VERBS,
    subresources,
    hasStatus,
    ...(scale ? { scale } : {}),
  };
}

function scalePathsOf(version: CustomResourceDefinitionVersion): ScalePaths | undefined {
  const scale = subresourcesOf(version)?.scale;
  if (!scale || typeof scale !== 'object') return undefined;
  const selector = str(scale.labelSelectorPath);
  return {
    specReplicasPath: str(scale.specReplicasPath),
    statusReplicasPath: str(scale.statusReplicasPath),
    ...(selector ? { labelSelectorPath: selector } : {}),
  };
}

/** Upstream's equalToAcceptedOrFresh. */
function acceptedOrFresh(requested: string, accepted: string, used: ReadonlySet<string>): string | undefined {
  if (requested === accepted || !used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

export class CrdController {
  private readonly runtimes = new Map<string, CrdRuntime>();
  private readonly cache = new Map<string, CustomResourceDefinition>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly finalizing = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private watcher: Watcher | undefined;
  private worker: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private idleWaiters: Array<{ deletions: boolean; resolve: () => void }> = [];
  private disposed = false;

  constructor(private readonly options: CrdControllerOptions) {}

  private get now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  /** Starts listing and watching; resolves once the CRDs found by the first list are reconciled. */
  async start(): Promise<void> {
    let synced!: () => void;
    const firstSync = new Promise<void>((resolve) => (synced = resolve));
    this.loop = this.run(synced);
    await firstSync;
    await this.idle(false);
  }

  /** Stops watching and waits for running work to end. Served resources stay served. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    this.watcher?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.dirty.clear();
    await this.loop?.catch(() => undefined);
    await this.worker?.catch(() => undefined);
    await Promise.allSettled([...this.finalizing.values()]);
    for (const waiter of this.idleWaiters.splice(0)) waiter.resolve();
  }

  /**
   * Resolves when no reconcile is queued or running, nor (unless `deletions` is
   * false) any CRD deletion; retry timers aside.
   */
  idle(deletions = true): Promise<void> {
    if (this.isIdle(deletions)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ deletions, resolve }));
  }

  /**
   * OpenAPI definitions (v2 form) of every served custom resource version, for the
   * API server's OpenAPI documents (`extraDefinitions`); they change when serve or
   * unserve is called.
   */
  openAPIDefinitions(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [name, runtime] of this.runtimes) {
      const crd = this.cache.get(name);
      if (!crd || runtime.served.size === 0) continue;
      for (const version of crdOpenAPISchemas(crd)) {
        if (!runtime.served.has(version.version)) continue;
        Object.assign(out, version.schemas);
      }
    }
    return out;
  }

  private isIdle(deletions: boolean): boolean {
    return this.disposed || (this.dirty.size === 0 && !this.worker && (!deletions || this.finalizing.size === 0));
  }

  private checkIdle(): void {
    const waiting = this.idleWaiters.splice(0);
    for (const waiter of waiting) {
      if (this.isIdle(waiter.deletions)) waiter.resolve();
      else this.idleWaiters.push(waiter);
    }
  }

  private report(err: unknown): void {
    if (this.disposed) return;
    this.options.onError?.(err);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
      this.abort.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  // ---- list and watch ------------------------------------------------------------

  private async run(synced: () => void): Promise<void> {
    let backoff = 100;
    let first = true;
    while (!this.disposed) {
      try {
        const names = new Set<string>();
        let page = await this.options.store.list(CRD_PREFIX);
        const revision = page.revision;
        for (;;) {
          for (const kv of page.items) {
            const name = kv.key.slice(CRD_PREFIX.length);
            names.add(name);
            this.remember(name, kv.value);
          }
          if (!page.continue) break;
          page = await this.options.store.list(CRD_PREFIX, { continue: page.continue });
        }
        for (const name of names) this.enqueue(name);
        for (const name of this.runtimes.keys()) if (!names.has(name)) this.enqueue(name);
        if (first) {
          first = false;
          synced();
        }
        backoff = 100;
        const watcher = this.options.store.watch(CRD_PREFIX, { fromRevision: revision });
        this.watcher = watcher;
        if (this.disposed) watcher.stop();
        for await (const batch of watcher) {
          for (const event of batch) {
            const name = event.kv.key.slice(CRD_PREFIX.length);
            if (event.type !== 'DELETED') this.remember(name, event.kv.value);
            this.enqueue(name);
          }
        }
        // The watch ended: stopped by dispose, or closed under us (relist).
      } catch (err) {
        if (this.disposed) break;
        if (!isStorageError(err, 'Expired')) {
          this.report(err);
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, 30_000);
        }
      } finally {
        this.watcher = undefined;
      }
      if (first && this.disposed) synced();
    }
    if (first) synced();
  }

  /** Keeps the stored CRD for name-conflict checks of other CRDs (upstream's informer cache). */
  private remember(name: string, value: Uint8Array): void {
    try {
      this.cache.set(name, JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')) as CustomResourceDefinition);
    } catch {
      // Undecodable: the reconcile reports it.
    }
  }

  // ---- the work queue ---------------------------------------------------------------

  private enqueue(name: string): void {
    if (this.disposed || name === '') return;
    this.dirty.add(name);
    if (!this.worker) this.worker = this.work().finally(() => {
      this.worker = undefined;
      if (this.dirty.size && !this.disposed) this.enqueue([...this.dirty][0]!);
      this.checkIdle();
    });
  }

  private async work(): Promise<void> {
    while (this.dirty.size && !this.disposed) {
      const name = this.dirty.values().next().value as string;
      this.dirty.delete(name);
      try {
        await this.reconcile(name);
        this.failures.delete(name);
      } catch (err) {
        if (this.disposed) return;
        this.retryLater(name, err);
      }
    }
  }

  private retryLater(name: string, err: unknown): void {
    const count = (this.failures.get(name) ?? 0) + 1;
    this.failures.set(name, count);
    // Conflicts are expected when writes race; anything else is worth reporting.
    if (!(isStatusError(err) && (err.code === 409 || err.code === 404))) this.report(err);
    const delay = Math.min((this.options.retryBaseMs ?? 100) * 2 ** (count - 1), 30_000);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(name);
    }, delay);
    this.timers.add(timer);
  }

  // ---- reconcile ----------------------------------------------------------------------

  private crdStore(): GenericStore {
    const store = this.options.api.storeFor(APIEXTENSIONS_GROUP, 'v1', CRD_PLURAL);
    if (!store) throw new Error('customresourcedefinitions are not served');
    return store;
  }

  private ctx() {
    return this.options.api.systemContext('');
  }

  private async read(name: string): Promise<CustomResourceDefinition | undefined> {
    try {
      return (await this.crdStore().get('', name)) as CustomResourceDefinition;
    } catch (err) {
      if (isStatusError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  private runtimeFor(name: string, group: string): CrdRuntime {
    let runtime = this.runtimes.get(name);
    if (!runtime) {
      runtime = { state: { terminating: false }, served: new Map(), group };
      this.runtimes.set(name, runtime);
    }
    runtime.group = group;
    return runtime;
  }

  private async reconcile(name: string): Promise<void> {
    const crd = await this.read(name);
    if (!crd) {
      const previous = this.cache.get(name);
      this.cache.delete(name);
      this.teardown(name);
      if (previous) this.requeueGroup(str(specOf(previous).group), name);
      return;
    }
    this.cache.set(name, crd);
    const group = str(specOf(crd).group);
    const runtime = this.runtimeFor(name, group);

    if (crd.metadata?.deletionTimestamp) {
      runtime.state.terminating = true;
      if ((crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER) && !this.finalizing.has(name)) {
        const task = this.finalize(crd)
          .catch((err: unknown) => {
            if (!this.disposed) this.retryLater(name, err);
          })
          .finally(() => {
            this.finalizing.delete(name);
            this.checkIdle();
          });
        this.finalizing.set(name, task);
      }
      return;
    }
    runtime.state.terminating = false;

    // Naming: accepted names and the NamesAccepted condition.
    let current = crd;
    const planned = structuredClone(crd);
    this.applyNames(planned);
    if (!deepEqual(statusOf(planned).acceptedNames, statusOf(crd).acceptedNames) || !conditionsEqual(conditionsOf(planned), conditionsOf(crd))) {
      current = await this.updateStatus(name, (next) => this.applyNames(next));
      this.cache.set(name, current);
      if (!deepEqual(statusOf(current).acceptedNames, statusOf(crd).acceptedNames)) this.requeueGroup(group, name);
    }

    // Serving, once names are accepted.
    if (isConditionTrue(current, 'NamesAccepted') || isConditionTrue(current, 'Established')) this.serve(current, runtime);
    else this.teardown(name);

    // Establishing.
    if (isConditionTrue(current, 'NamesAccepted') && !isConditionTrue(current, 'Established')) {
      current = await this.updateStatus(name, (next) => {
        if (!isConditionTrue(next, 'NamesAccepted') || isConditionTrue(next, 'Established')) return;
        setCondition(next, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, this.now);
      });
      this.cache.set(name, current);
    }
  }

  private requeueGroup(group: string, except: string): void {
    for (const [name, other] of this.cache) if (name !== except && str(specOf(other).group) === group) this.enqueue(name);
  }

  private async updateStatus(name: string, mutate: (next: CustomResourceDefinition) => void): Promise<CustomResourceDefinition> {
    const { object } = await this.crdStore().update(
      '',
      name,
      (current) => {
        if (!current) throw newNotFound({ group: APIEXTENSIONS_GROUP, resource: CRD_PLURAL }, name);
        const next = structuredClone(current) as CustomResourceDefinition;
        mutate(next);
        return next;
      },
      this.ctx(),
      { subresource: 'status' },
    );
    return object as CustomResourceDefinition;
  }

  /** The names other CRDs of the group (and built-ins) already use. */
  private usedNames(group: string): { resources: Set<string>; kinds: Set<string> } {
    const resources = new Set<string>();
    const kinds = new Set<string>();
    for (const other of this.cache.values()) {
      if (str(specOf(other).group) !== group) continue;
      const accepted = statusOf(other).acceptedNames ?? {};
      resources.add(str(accepted.plural));
      resources.add(str(accepted.singular));
      for (const s of strings(accepted.shortNames)) resources.add(s);
      kinds.add(str(accepted.kind));
      kinds.add(str(accepted.listKind));
    }
    for (const info of BUILTIN_RESOURCES) {
      if (info.group !== group) continue;
      resources.add(info.plural);
      resources.add(info.singular);
      for (const s of info.shortNames) resources.add(s);
      kinds.add(info.kind);
      kinds.add(`${info.kind}List`);
    }
    return { resources, kinds };
  }

  /** Upstream's calculateNamesAndConditions, applied to `crd`'s status. */
  private applyNames(crd: CustomResourceDefinition): void {
    const spec = specOf(crd);
    const requested = namesOf(spec);
    const status = (crd.status ??= {});
    const accepted: CustomResourceDefinitionNames = { ...(status.acceptedNames ?? {}) };
    const { resources, kinds } = this.usedNames(str(spec.group));
    let namesAccepted: CustomResourceDefinitionCondition | undefined;
    const conflict = (reason: string, message: string) => (namesAccepted = { type: 'NamesAccepted', status: 'False', reason, message });
    const next: CustomResourceDefinitionNames = { ...accepted };

    let problem = acceptedOrFresh(str(requested.plural), str(accepted.plural), resources);
    if (problem) conflict('PluralConflict', problem);
    else next.plural = str(requested.plural);
    problem = acceptedOrFresh(str(requested.singular), str(accepted.singular), resources);
    if (problem) conflict('SingularConflict', problem);
    else if (str(requested.singular) !== '') next.singular = str(requested.singular);
    const requestedShort = strings(requested.shortNames);
    const acceptedShort = strings(accepted.shortNames);
    if (!deepEqual(requestedShort, acceptedShort)) {
      const problems = requestedShort.filter((s) => !acceptedShort.includes(s)).flatMap((s) => acceptedOrFresh(s, '', resources) ?? []);
      if (problems.length) conflict('ShortNamesConflict', problems.length === 1 ? problems[0]! : `[${problems.join(', ')}]`);
      else if (requestedShort.length) next.shortNames = requestedShort;
      else delete next.shortNames;
    }
    problem = acceptedOrFresh(str(requested.kind), str(accepted.kind), kinds);
    if (problem) conflict('KindConflict', problem);
    else next.kind = str(requested.kind);
    problem = acceptedOrFresh(str(requested.listKind), str(accepted.listKind), kinds);
    if (problem) conflict('ListKindConflict', problem);
    else if (str(requested.listKind) !== '') next.listKind = str(requested.listKind);
    const categories = strings(requested.categories);
    if (categories.length) next.categories = categories;
    else delete next.categories;
    if (!namesAccepted) namesAccepted = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };

    let established: CustomResourceDefinitionCondition = findCondition(crd, 'Established') ?? {
      type: 'Established',
      status: 'False',
      reason: 'NotAccepted',
      message: 'not all names are accepted',
    };
    if (established.status !== 'True' && namesAccepted.status === 'True') {
      established = { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
    }

    // Go's field order: plural, singular, shortNames, kind, listKind, categories.
    status.acceptedNames = {
      plural: next.plural ?? '',
      ...(next.singular ? { singular: next.singular } : {}),
      ...(next.shortNames?.length ? { shortNames: next.shortNames } : {}),
      kind: next.kind ?? '',
      ...(next.listKind ? { listKind: next.listKind } : {}),
      ...(next.categories?.length ? { categories: next.categories } : {}),
    };
    setCondition(crd, namesAccepted, this.now);
    setCondition(crd, established, this.now);
    const approval = apiApprovalCondition(crd);
    if (approval) setCondition(crd, approval, this.now);
  }

  /** Serves the served versions (again, when they changed) and stops serving the others. */
  private serve(crd: CustomResourceDefinition, runtime: CrdRuntime): void {
    const seen = new Set<string>();
    for (const version of versionsOf(specOf(crd))) {
      if (!bool(version.served)) continue;
      const info = resourceInfoFor(crd, version);
      if (info.version === '' || info.plural === '' || info.kind === '') continue;
      seen.add(info.version);
      const columns = columnsOf(version);
      const selectable = (Array.isArray(version.selectableFields) ? version.selectableFields : []).map((f) => str(f?.jsonPath)).filter((p) => p !== '');
      const schema = schemaOf(version);
      const fingerprint = JSON.stringify({ info, schema, columns, selectable });
      const previous = runtime.served.get(info.version);
      if (previous?.fingerprint === fingerprint) continue;
      if (previous && previous.plural !== info.plural) this.options.api.unserve(previous.group, previous.version, previous.plural);
      const strategy = customResourceStrategy({
        group: info.group,
        version: info.version,
        plural: info.plural,
        schema,
        hasStatus: info.hasStatus,
        ...(info.scale ? { scale: info.scale } : {}),
        selectableFields: selectable,
        state: runtime.state,
      });
      this.options.api.serve(info, strategy, customResourceTablePrinter(columns));
      runtime.served.set(info.version, { group: info.group, version: info.version, plural: info.plural, fingerprint });
    }
    for (const [version, served] of runtime.served) {
      if (seen.has(version)) continue;
      this.options.api.unserve(served.group, served.version, served.plural);
      runtime.served.delete(version);
    }
  }

  private teardown(name: string): void {
    const runtime = this.runtimes.get(name);
    if (!runtime) return;
    for (const served of runtime.served.values()) this.options.api.unserve(served.group, served.version, served.plural);
    runtime.served.clear();
    this.runtimes.delete(name);
  }

  // ---- deletion ------------------------------------------------------------------------

  private async finalize(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata!.name!;
    const current = await this.updateStatus(name, (next) =>
      setCondition(next, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }, this.now),
    );
    let condition: CustomResourceDefinitionCondition;
    if (isConditionTrue(current, 'Established')) {
      const outcome = await this.deleteInstances(current);
      if (outcome.error) {
        await this.updateStatus(name, (next) => setCondition(next, outcome.condition, this.now));
        throw outcome.error;
      }
      condition = outcome.condition;
    } else {
      condition = { type: 'Terminating', status: 'False', reason: 'NeverEstablished', message: 'resource was never established' };
    }
    if (this.disposed) return;
    await this.updateStatus(name, (next) => setCondition(next, condition, this.now));
    await this.crdStore().update(
      '',
      name,
      (latest) => {
        if (!latest) throw newNotFound({ group: APIEXTENSIONS_GROUP, resource: CRD_PLURAL }, name);
        const next = structuredClone(latest);
        const finalizers = (next.metadata?.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
        next.metadata = { ...next.metadata };
        if (finalizers.length) next.metadata.finalizers = finalizers;
        else delete next.metadata.finalizers;
        return next;
      },
      this.ctx(),
    );
  }

  /** A store of the custom resources: a served version's, or one made for the deletion. */
  private instanceStore(crd: CustomResourceDefinition): GenericStore {
    const spec = specOf(crd);
    const runtime = this.runtimes.get(crd.metadata!.name!);
    for (const served of runtime?.served.values() ?? []) {
      const store = this.options.api.storeFor(served.group, served.version, served.plural);
      if (store) return store;
    }
    const version = versionsOf(spec).find((v) => v.storage === true) ?? versionsOf(spec)[0] ?? { name: 'v1' };
    const info = resourceInfoFor(crd, version);
    return new GenericStore(info, customResourceStrategy({ group: info.group, version: info.version, plural: info.plural, schema: undefined, hasStatus: info.hasStatus }), this.options.store);
  }

  private async deleteInstances(crd: CustomResourceDefinition): Promise<{ condition: CustomResourceDefinitionCondition; error?: unknown }> {
    const store = this.instanceStore(crd);
    const failed = (reason: string, message: string, error: unknown) => ({ condition: { type: 'Terminating', status: 'True' as const, reason, message }, error });
    let items: KubeObject[];
    try {
      items = (await store.list('', {})).items;
    } catch (err) {
      return failed('InstanceDeletionFailed', `could not list instances: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const errors: unknown[] = [];
    for (const item of items) {
      if (this.disposed) return failed('InstanceDeletionFailed', 'could not issue all deletes: shutting down', new Error('shutting down'));
      const namespace = store.info.namespaced ? (item.metadata?.namespace ?? '') : '';
      try {
        await store.delete(namespace, item.metadata?.name ?? '', {}, this.options.api.systemContext(namespace));
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) errors.push(err);
      }
    }
    if (errors.length) {
      const error = new Error(aggregate(errors));
      return failed('InstanceDeletionFailed', `could not issue all deletes: ${error.message}`, error);
    }
    const deadline = Date.now() + (this.options.deletionTimeoutMs ?? 60_000);
    for (;;) {
      const remaining = (await store.list('', {})).items.length;
      if (remaining === 0) break;
      if (Date.now() >= deadline || this.disposed) {
        const error = new Error('timed out waiting for the condition');
        return failed('InstanceDeletionCheck', `could not confirm zero CustomResources remaining: ${error.message}`, error);
      }
      await this.sleep(this.options.deletionPollMs ?? 1000);
    }
    return { condition: { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' } };
  }
}
