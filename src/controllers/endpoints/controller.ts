// The Endpoints controller (pkg/controller/endpoint): one Endpoints object per
// Service with a selector, named like the Service, listing the addresses of the
// pods it selects (ready ones in addresses, others in notReadyAddresses) with the
// ports their targetPorts resolve to. Services without a selector are left to
// their users; Endpoints of deleted Services are removed.

import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import { Resources, WorkQueue, isNotFound, objectKey, runWorkers, splitKey, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { NAMESPACE_TERMINATING_CAUSE, canonicalJson, errorMessage, hasStatusCause, typed, type Typed } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { HEADLESS_SERVICE_LABEL, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, TriggerTimeTracker, isServiceIPSet, rfc3339Nano, serviceSelector, servicesMatching, servicesToUpdateOnPodChange } from './membership.js';
import { MAX_ENDPOINTS_CAPACITY, OVER_CAPACITY_ANNOTATION, computeSubsets, subsetsEqual, truncateSubsets } from './subsets.js';

type Svc = Typed<Service>;
type P = Typed<Pod>;
type Ep = Typed<Endpoints>;

/** ConcurrentEndpointSyncs' default. */
const WORKERS = 5;
/** resourcelock.LeaderElectionRecordAnnotationKey: Endpoints used as leader-election locks have no Service. */
const LEADER_ELECTION_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

export interface EndpointsControllerOptions {
  /** EndpointUpdatesBatchPeriod: delay before syncing after a pod change (default 0). */
  readonly batchPeriodMs?: number;
}

/** The `kubernetes` Service's Endpoints belong to the API server. */
function isApiServerEndpoints(namespace: string, name: string): boolean {
  return namespace === 'default' && name === 'kubernetes';
}

/** How long a sync deferred for a stale cache waits at most for the cache to catch up. */
const STALE_RETRY_MS = 1000;

function withoutLabel(set: Readonly<Record<string, string>> | undefined, label: string): Record<string, string> {
  const out = { ...set };
  delete out[label];
  return out;
}

export class EndpointsController implements Controller {
  readonly name = 'endpoint';
  private readonly queue: WorkQueue<string>;
  private readonly services: Informer<Svc>;
  private readonly pods: Informer<P>;
  private readonly endpoints: Informer<Ep>;
  private readonly recorder: EventRecorder;
  private readonly triggerTimes = new TriggerTimeTracker();
  /** staleEndpointsTracker: resourceVersions this controller replaced; a cache still showing one is behind. */
  private readonly replaced = new Map<string, string>();
  /** Services whose sync waits for the Endpoints cache to show this controller's last write. */
  private readonly waitingForCache = new Set<string>();
  private readonly subscriptions: Disposable[] = [];
  private readonly batchPeriodMs: number;
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: EndpointsControllerOptions = {},
  ) {
    this.batchPeriodMs = options.batchPeriodMs ?? 0;
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.recorder = ctx.recorder('endpoint-controller');
    this.services = ctx.informers.informer<Svc>(Resources.services);
    this.pods = ctx.informers.informer<P>(Resources.pods);
    this.endpoints = ctx.informers.informer<Ep>(Resources.endpoints);
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
      this.endpoints.addHandlers({
        update: (_old, cur) => {
          if (this.waitingForCache.delete(objectKey(cur))) this.queue.add(objectKey(cur));
        },
        delete: (ep) => this.queue.add(objectKey(ep)),
      }),
    );
  }

  run(): void {
    // checkLeftoverEndpoints: Endpoints whose Service went away while we were down.
    for (const ep of this.endpoints.list()) {
      if (ep.metadata?.annotations?.[LEADER_ELECTION_ANNOTATION] === undefined) this.queue.add(objectKey(ep));
    }
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => this.ctx.onError(err, `syncing endpoints of service ${key}`));
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private enqueueAll(keys: Iterable<string>): void {
    for (const key of keys) this.queue.addAfter(key, this.batchPeriodMs);
  }

  /** syncService. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (isApiServerEndpoints(namespace, name)) return;
    const service = this.services.get(namespace, name);
    if (!service) {
      // The Service is gone: so are its Endpoints.
      try {
        await this.ctx.client.delete(Resources.endpoints, namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.replaced.delete(key);
      this.waitingForCache.delete(key);
      return;
    }
    if (service.spec?.type === 'ExternalName') return;
    const selector = serviceSelector(service);
    // Without a selector the Service's Endpoints are the user's to manage.
    if (!selector) return;

    const pods = this.pods.list(namespace).filter((pod) => selector.matches(pod.metadata?.labels ?? {}));
    // Computed even when nothing is written, so the tracker remembers what it has seen.
    const triggerTime = this.triggerTimes.compute(service, pods);
    const { subsets } = computeSubsets(service, pods);

    const current = this.endpoints.get(namespace, name);
    if (current && this.replaced.get(key) === current.metadata?.resourceVersion) {
      // The cache has not seen our last write yet: sync again when it does.
      this.waitingForCache.add(key);
      this.queue.addAfter(key, STALE_RETRY_MS);
      return;
    }
    const serviceLabels = service.metadata?.labels ?? {};
    if (
      current &&
      subsetsEqual(current.subsets, subsets) &&
      canonicalJson(withoutLabel(current.metadata?.labels, HEADLESS_SERVICE_LABEL)) === canonicalJson(serviceLabels) &&
      this.capacityAnnotationCorrect(current)
    ) {
      return;
    }

    const next: Ep = current
      ? structuredClone(current)
      : typed<Endpoints>({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels: { ...serviceLabels } } });
    next.subsets = subsets;
    const annotations = { ...next.metadata?.annotations };
    if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = rfc3339Nano(triggerTime);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
    if (truncateSubsets(subsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const nextLabels: Record<string, string> = { ...serviceLabels };
    if (!isServiceIPSet(service)) nextLabels[HEADLESS_SERVICE_LABEL] = '';
    next.metadata = { ...next.metadata, labels: nextLabels, annotations };

    try {
      if (!current) {
        await this.ctx.client.create(Resources.endpoints, namespace, next);
      } else {
        const updated = await this.ctx.client.update(Resources.endpoints, namespace, next);
        if (updated.metadata?.resourceVersion !== current.metadata?.resourceVersion) this.replaced.set(key, current.metadata?.resourceVersion ?? '');
      }
    } catch (err) {
      // A terminating namespace refuses new objects; nothing to retry.
      if (!current && hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) return;
      if (!current) this.recorder.event(next, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${errorMessage(err)}`);
      else this.recorder.event(next, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** capacityAnnotationSetCorrectly: no over-capacity annotation unless truncation is due. */
  private capacityAnnotationCorrect(ep: Ep): boolean {
    let count = 0;
    for (const subset of ep.subsets ?? []) count += (subset.addresses?.length ?? 0) + (subset.notReadyAddresses?.length ?? 0);
    if (count > MAX_ENDPOINTS_CAPACITY) return false;
    return ep.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] === undefined;
  }
}

export function newEndpointsController(ctx: ControllerContext, options?: EndpointsControllerOptions): Controller {
  return new EndpointsController(ctx, options);
}
