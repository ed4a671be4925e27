// The EndpointSlice controller (pkg/controller/endpointslice): the pods a Service
// selects, as EndpointSlices of at most maxEndpointsPerSlice endpoints each, labelled
// for the Service and owned by it. It also publishes the API server's `kubernetes`
// Endpoints as the slice named `kubernetes`, as kube-apiserver's endpoints reconciler
// does upstream.

import type { Endpoints, Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { Resources, WorkQueue, isNotFound, objectKey, runWorkers, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { NAMESPACE_TERMINATING_CAUSE, canonicalJson, errorMessage, hasStatusCause, typed, type Typed } from '../common/index.js';
import { TriggerTimeTracker, serviceSelector, servicesMatching, servicesToUpdateOnPodChange } from '../endpoints/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { CONTROLLER_NAME, DEFAULT_MAX_ENDPOINTS_PER_SLICE, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, reconcileSlices, type Slice } from './reconciler.js';

type Svc = Typed<Service>;
type P = Typed<Pod>;

/** How long a sync deferred for a stale cache waits at most for the cache to catch up. */
const STALE_RETRY_MS = 1000;
/** ConcurrentServiceEndpointSyncs' default. */
const WORKERS = 5;
/** endpointSliceChangeMinSyncDelay: a burst of slice events becomes one sync. */
const SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1000;
/** The API server's own Service, whose slice mirrors its Endpoints. */
const API_SERVER_KEY = 'default/kubernetes';

export interface EndpointSliceControllerOptions {
  /** --max-endpoints-per-slice (default 100). */
  readonly maxEndpointsPerSlice?: number;
  /** EndpointUpdatesBatchPeriod: delay before syncing after a pod change (default 0). */
  readonly batchPeriodMs?: number;
}

/** An expected reason to retry later (a pod on an unknown Node): retried with backoff, not reported. */
class RetryLater extends Error {}

function revision(rv: string | undefined): number {
  const n = Number(rv);
  return Number.isFinite(n) ? n : 0;
}

/**
 * EndpointSliceTracker, by resourceVersion: what this controller last wrote or
 * deleted per Service, so its own writes echoing back are not re-synced and a
 * cache that has not seen them yet is recognised as stale.
 */
class SliceTracker {
  private readonly written = new Map<string, Map<string, string>>();
  private readonly deleted = new Map<string, Set<string>>();

  wrote(serviceKey: string, slice: Slice): void {
    let slices = this.written.get(serviceKey);
    if (!slices) this.written.set(serviceKey, (slices = new Map()));
    slices.set(slice.metadata?.name ?? '', slice.metadata?.resourceVersion ?? '');
  }

  expectDeletion(serviceKey: string, slice: Slice): void {
    let names = this.deleted.get(serviceKey);
    if (!names) this.deleted.set(serviceKey, (names = new Set()));
    names.add(slice.metadata?.name ?? '');
    this.written.get(serviceKey)?.delete(slice.metadata?.name ?? '');
  }

  /** ShouldSync: a slice event that is not the echo of our own write. */
  shouldSync(serviceKey: string, slice: Slice): boolean {
    const rv = this.written.get(serviceKey)?.get(slice.metadata?.name ?? '');
    return rv === undefined || revision(slice.metadata?.resourceVersion) > revision(rv);
  }

  /** HandleDeletion: true when the deletion was ours. */
  handleDeletion(serviceKey: string, slice: Slice): boolean {
    const name = slice.metadata?.name ?? '';
    this.written.get(serviceKey)?.delete(name);
    return this.deleted.get(serviceKey)?.delete(name) ?? false;
  }

  /** StaleSlices: the cache lacks a write of ours or still has a slice we deleted. */
  stale(serviceKey: string, cached: readonly Slice[]): boolean {
    const byName = new Map(cached.map((s) => [s.metadata?.name ?? '', s]));
    for (const [name, rv] of this.written.get(serviceKey) ?? []) {
      const slice = byName.get(name);
      if (!slice || revision(slice.metadata?.resourceVersion) < revision(rv)) return true;
    }
    for (const name of this.deleted.get(serviceKey) ?? []) if (byName.has(name)) return true;
    return false;
  }

  deleteService(serviceKey: string): void {
    this.written.delete(serviceKey);
    this.deleted.delete(serviceKey);
  }
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  private readonly queue: WorkQueue<string>;
  private readonly services: Informer<Svc>;
  private readonly pods: Informer<P>;
  private readonly nodes: Informer<Typed<Node>>;
  private readonly slices: Informer<Slice>;
  private readonly endpoints: Informer<Typed<Endpoints>>;
  private readonly recorder: EventRecorder;
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly tracker = new SliceTracker();
  /** Services whose sync waits for the slice cache to show this controller's last writes. */
  private readonly waitingForCache = new Set<string>();
  private readonly subscriptions: Disposable[] = [];
  private readonly maxEndpointsPerSlice: number;
  private readonly batchPeriodMs: number;
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: EndpointSliceControllerOptions = {},
  ) {
    this.maxEndpointsPerSlice = options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    this.batchPeriodMs = options.batchPeriodMs ?? 0;
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.recorder = ctx.recorder('endpoint-slice-controller');
    this.services = ctx.informers.informer<Svc>(Resources.services);
    this.pods = ctx.informers.informer<P>(Resources.pods);
    this.nodes = ctx.informers.informer<Typed<Node>>(Resources.nodes);
    this.slices = ctx.informers.informer<Slice>(Resources.endpointslices);
    // Only the API server's own Endpoints are mirrored.
    this.endpoints = ctx.informers.informer<Typed<Endpoints>>(Resources.endpoints, { namespace: 'default', fieldSelector: 'metadata.name=kubernetes' });
    this.slices.addIndex(LABEL_SERVICE_NAME, (s) => [`${s.metadata?.namespace ?? ''}/${s.metadata?.labels?.[LABEL_SERVICE_NAME] ?? ''}`]);
    this.subscriptions.push(
      this.services.addHandlers({
        add: (svc) => this.queue.add(objectKey(svc)),
        update: (_old, cur) => this.queue.add(objectKey(cur)),
        delete: (svc) => this.queue.add(objectKey(svc)),
      }),
      this.pods.addHandlers({
        add: (pod) => this.enqueueAll(servicesMatching(this.services.list(pod.metadata?.namespace ?? ''), pod.metadata?.labels ?? {})),
        update: (old, cur) => this.enqueueAll(servicesToUpdateOnPodChange(this.services.list(cur.metadata?.namespace ?? ''), old, cur)),
        delete: (pod) => this.enqueueAll(servicesMatching(this.services.list(pod.metadata?.namespace ?? ''), pod.metadata?.labels ?? {})),
      }),
      this.slices.addHandlers({
        add: (slice) => this.onSliceChange(slice),
        update: (old, cur) => {
          // The controller never changes the service-name label, but users may.
          if (old.metadata?.labels?.[LABEL_SERVICE_NAME] !== cur.metadata?.labels?.[LABEL_SERVICE_NAME]) {
            this.enqueueForSlice(old);
            this.enqueueForSlice(cur);
            return;
          }
          if (managedByUs(old) !== managedByUs(cur)) this.enqueueForSlice(cur);
          else this.onSliceChange(cur);
        },
        delete: (slice) => {
          if (isApiServerSlice(slice)) return this.queue.add(API_SERVER_KEY);
          const key = serviceKeyOf(slice);
          this.resumeIfWaiting(key);
          if (managedByUs(slice) && key && !this.tracker.handleDeletion(key, slice)) this.enqueueForSlice(slice);
        },
      }),
      this.endpoints.addHandlers({
        add: (ep) => this.onEndpointsChange(ep),
        update: (_old, cur) => this.onEndpointsChange(cur),
        delete: (ep) => this.onEndpointsChange(ep),
      }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => {
      if (!(err instanceof RetryLater)) this.ctx.onError(err, `syncing endpoint slices of service ${key}`);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private enqueueAll(keys: Iterable<string>): void {
    for (const key of keys) this.queue.addAfter(key, this.batchPeriodMs);
  }

  private onSliceChange(slice: Slice): void {
    if (isApiServerSlice(slice)) return this.queue.add(API_SERVER_KEY);
    const key = serviceKeyOf(slice);
    this.resumeIfWaiting(key);
    if (managedByUs(slice) && key && this.tracker.shouldSync(key, slice)) this.enqueueForSlice(slice);
  }

  /** A slice event may be the one a deferred sync waits for. */
  private resumeIfWaiting(key: string | undefined): void {
    if (key && this.waitingForCache.delete(key)) this.queue.add(key);
  }

  private enqueueForSlice(slice: Slice): void {
    const key = serviceKeyOf(slice);
    if (key) this.queue.addAfter(key, Math.max(SLICE_CHANGE_MIN_SYNC_DELAY_MS, this.batchPeriodMs));
  }

  private onEndpointsChange(ep: Typed<Endpoints>): void {
    if (objectKey(ep) === API_SERVER_KEY) this.queue.add(API_SERVER_KEY);
  }

  /** syncService. */
  async sync(key: string): Promise<void> {
    if (key === API_SERVER_KEY) return this.syncApiServerSlice();
    const { namespace, name } = splitKey(key);
    const service = this.services.get(namespace, name);
    if (!service) {
      // The garbage collector removes the slices with their owner.
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(key);
      this.waitingForCache.delete(key);
      return;
    }
    if (service.spec?.type === 'ExternalName') return;
    const selector = serviceSelector(service);
    // Without a selector the Service's slices are the user's to manage.
    if (!selector) return;

    const pods = this.pods.list(namespace).filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
    const existing = this.slices.byIndex(LABEL_SERVICE_NAME, key).filter((s) => managedByUs(s) && !s.metadata?.deletionTimestamp);
    if (this.tracker.stale(key, existing)) {
      // Our last writes have not reached the cache yet: sync again when they do.
      this.waitingForCache.add(key);
      this.queue.addAfter(key, STALE_RETRY_MS);
      return;
    }
    const triggerTime = this.triggerTimes.compute(service, pods);
    const changes = reconcileSlices({
      service,
      pods,
      existing,
      nodeByName: (nodeName) => this.nodes.get('', nodeName),
      maxEndpointsPerSlice: this.maxEndpointsPerSlice,
      ...(triggerTime !== undefined ? { triggerTime } : {}),
    });
    try {
      await this.apply(key, namespace, changes.create, changes.update, changes.delete);
    } catch (err) {
      this.recorder.event(service, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${namespace}/${name}: ${errorMessage(err)}`);
      throw err;
    }
    if (changes.errors.length) throw new RetryLater(changes.errors.join('; '));
  }

  /** finalize: creates, then updates, then deletes. */
  private async apply(key: string, namespace: string, create: Slice[], update: Slice[], remove: Slice[]): Promise<void> {
    for (const slice of create) {
      try {
        this.tracker.wrote(key, await this.ctx.client.create<Slice>(Resources.endpointslices, namespace, slice));
      } catch (err) {
        // A terminating namespace refuses new objects; nothing to retry.
        if (hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) return;
        throw new Error(`failed to create EndpointSlice for Service ${key}: ${errorMessage(err)}`, { cause: err });
      }
    }
    for (const slice of update) {
      try {
        this.tracker.wrote(key, await this.ctx.client.update<Slice>(Resources.endpointslices, namespace, slice));
      } catch (err) {
        throw new Error(`failed to update ${slice.metadata?.name ?? ''} EndpointSlice for Service ${key}: ${errorMessage(err)}`, { cause: err });
      }
    }
    for (const slice of remove) {
      try {
        await this.ctx.client.delete(Resources.endpointslices, namespace, slice.metadata?.name ?? '');
        this.tracker.expectDeletion(key, slice);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw new Error(`failed to delete ${slice.metadata?.name ?? ''} EndpointSlice for Service ${key}: ${errorMessage(err)}`, { cause: err });
      }
    }
  }

  /** The API server's Endpoints as the `kubernetes` slice (EndpointsAdapter.Sync). */
  private async syncApiServerSlice(): Promise<void> {
    const { namespace, name } = splitKey(API_SERVER_KEY);
    const endpoints = this.endpoints.get(namespace, name);
    const current = this.slices.get(namespace, name);
    if (!endpoints) {
      if (current && !managedByUs(current)) {
        await this.ctx.client.delete(Resources.endpointslices, namespace, name).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      }
      return;
    }
    const subset = endpoints.subsets?.[0];
    const ips = [...new Set((subset?.addresses ?? []).map((a) => a.ip))].sort();
    const wanted = {
      labels: { [LABEL_SERVICE_NAME]: name },
      addressType: 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: (subset?.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    };
    if (current) {
      const have = { labels: current.metadata?.labels ?? {}, addressType: current.addressType, endpoints: current.endpoints ?? [], ports: current.ports ?? [] };
      if (canonicalJson(have) === canonicalJson(wanted)) return;
      const next: Slice = { ...structuredClone(current), addressType: wanted.addressType, endpoints: wanted.endpoints, ports: wanted.ports };
      next.metadata = { ...next.metadata, labels: wanted.labels };
      await this.ctx.client.update(Resources.endpointslices, namespace, next);
      return;
    }
    const slice = typed<EndpointSlice>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace, labels: wanted.labels }, addressType: wanted.addressType, endpoints: wanted.endpoints, ports: wanted.ports });
    await this.ctx.client.create(Resources.endpointslices, namespace, slice);
  }
}

function managedByUs(slice: EndpointSlice): boolean {
  return slice.metadata?.labels?.[LABEL_MANAGED_BY] === CONTROLLER_NAME;
}

function isApiServerSlice(slice: EndpointSlice): boolean {
  return slice.metadata?.namespace === 'default' && slice.metadata.name === 'kubernetes' && !managedByUs(slice);
}

/** ServiceControllerKey: the Service a slice belongs to, by its service-name label. */
function serviceKeyOf(slice: EndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.[LABEL_SERVICE_NAME];
  return name ? `${slice.metadata?.namespace ?? ''}/${name}` : undefined;
}

export function newEndpointSliceController(ctx: ControllerContext, options?: EndpointSliceControllerOptions): Controller {
  return new EndpointSliceController(ctx, options);
}
