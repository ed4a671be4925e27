// The ResourceQuota controller (pkg/controller/resourcequota): keeps each quota's
// status.hard equal to spec.hard and status.used equal to what the namespace's
// objects (in the quota's scopes) use. Quota admission charges new objects as they
// are created; this controller recomputes usage when a quota changes, when objects
// go away or stop being charged (replenishment), and on a periodic full resync.

import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, WorkQueue, isConflict, objectKey, runWorkers, splitKey, type Disposable, type Informer, type ResourceType, type TimerHandle } from '../../client/index.js';
import { canonicalJson, typed, type Typed, SYNC_COALESCE_MS } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';
import { calculateUsage, formatResourceList, kindsForQuota, listsEqual, parseResourceList, podIsCharged, pvcUsage } from './evaluators.js';

type RQ = Typed<ResourceQuota>;

/** --resource-quota-sync-period default. */
export const DEFAULT_RESYNC_MS = 5 * 60 * 1000;
/** --concurrent-resource-quota-syncs default. */
const WORKERS = 5;

export interface ResourceQuotaControllerOptions {
  /** Full recalculation of every quota this often (default 5 minutes; 0 disables). */
  readonly resyncMs?: number;
}

/** The ResourceType of a group/resource among the built-in kinds the client knows. */
function resourceTypeOf(group: string, resource: string): ResourceType | undefined {
  return Object.values(Resources).find((t) => t.group === group && t.plural === resource && t.namespaced);
}

export class ResourceQuotaController implements Controller {
  readonly name = 'resourcequota';
  private readonly queue: WorkQueue<string>;
  private readonly quotas: Informer<RQ>;
  /** Informers of the kinds quotas count, by "group/resource"; more are added as quotas ask for them. */
  private readonly tracked = new Map<string, Informer<KubeObject>>();
  private readonly subscriptions: Disposable[] = [];
  private readonly resyncMs: number;
  private resyncTimer: TimerHandle | undefined;
  private stopped = false;
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: ResourceQuotaControllerOptions = {},
  ) {
    this.resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
    this.queue = new WorkQueue<string>({ clock: ctx.clock, minIntervalMs: SYNC_COALESCE_MS });
    this.quotas = ctx.informers.informer<RQ>(Resources.resourcequotas);
    this.subscriptions.push(
      this.quotas.addHandlers({
        add: (quota) => this.queue.add(objectKey(quota)),
        // Status writes (ours and admission's) are not a reason to recount; spec changes are.
        update: (old, cur) => {
          if (canonicalJson(old.spec ?? {}) !== canonicalJson(cur.spec ?? {}) || cur.status?.hard === undefined || cur.status.used === undefined) this.queue.add(objectKey(cur));
        },
      }),
    );
    for (const [group, resource] of [
      ['', 'pods'],
      ['', 'services'],
      ['', 'persistentvolumeclaims'],
      ['', 'configmaps'],
      ['', 'secrets'],
      ['', 'replicationcontrollers'],
      ['', 'resourcequotas'],
    ] as const) {
      this.track(group, resource);
    }
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (key) => this.sync(key), (key, err) => {
      // A conflict is admission charging the quota meanwhile: recount, quietly.
      if (!isConflict(err)) this.ctx.onError(err, `syncing resource quota ${key}`);
    });
    this.scheduleResync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.resyncTimer?.cancel();
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  private scheduleResync(): void {
    if (!this.resyncMs || this.stopped) return;
    this.resyncTimer = this.ctx.clock.setTimeout(() => {
      for (const quota of this.quotas.list()) this.queue.add(objectKey(quota));
      this.scheduleResync();
    }, this.resyncMs);
  }

  /** The informer of a kind quotas count (started by the factory if it already runs). */
  private track(group: string, resource: string): Informer<KubeObject> | undefined {
    const id = `${group}/${resource}`;
    const existing = this.tracked.get(id);
    if (existing) return existing;
    const type = resourceTypeOf(group, resource);
    if (!type) return undefined;
    const informer = this.ctx.informers.informer(type);
    this.tracked.set(id, informer);
    this.subscriptions.push(
      informer.addHandlers({
        update: (old, cur) => {
          if (this.usageMayHaveDropped(group, resource, old, cur)) this.replenish(group, resource, cur);
        },
        delete: (obj) => this.replenish(group, resource, obj),
      }),
    );
    return informer;
  }

  /** The replenishment filter: updates after which an object may cost less. */
  private usageMayHaveDropped(group: string, resource: string, old: KubeObject, cur: KubeObject): boolean {
    if (group !== '') return false;
    const now = this.ctx.clock.now();
    if (resource === 'pods') return podIsCharged(old as Pod, now) && !podIsCharged(cur as Pod, now);
    if (resource === 'services') return (old as Service).spec?.type !== (cur as Service).spec?.type;
    if (resource === 'persistentvolumeclaims') return canonicalJson(formatResourceList(pvcUsage(old as PersistentVolumeClaim))) !== canonicalJson(formatResourceList(pvcUsage(cur as PersistentVolumeClaim)));
    return false;
  }

  /** replenishQuota: recount the namespace's quotas that track this kind. */
  private replenish(group: string, resource: string, obj: KubeObject): void {
    for (const quota of this.quotas.list(obj.metadata?.namespace ?? '')) {
      const kinds = kindsForQuota(Object.keys(quota.status?.hard ?? quota.spec?.hard ?? {}));
      if (kinds.some((k) => k.group === group && k.resource === resource)) this.queue.add(objectKey(quota));
    }
  }

  /** syncResourceQuota. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const quota = this.quotas.get(namespace, name);
    if (!quota) return;
    const hard = parseResourceList(quota.spec?.hard);
    // Counting a kind for the first time: wait until its cache is complete.
    const informers = new Map<string, Informer<KubeObject>>();
    for (const { group, resource } of kindsForQuota(Object.keys(hard))) {
      const informer = this.track(group, resource);
      if (informer) {
        await informer.synced;
        informers.set(`${group}/${resource}`, informer);
      }
    }
    const observed = calculateUsage(quota, (group, resource) => informers.get(`${group}/${resource}`)?.list(namespace) ?? [], this.ctx.clock.now());
    // Usage of resources nobody here can count is kept as last reported, for the hard resources only.
    const used = { ...parseResourceList(quota.status?.used), ...observed };
    for (const resourceName of Object.keys(used)) if (!(resourceName in hard)) delete used[resourceName];
    const statusHard = parseResourceList(quota.status?.hard);
    const dirty = quota.status?.hard === undefined || quota.status?.used === undefined || !listsEqual(hard, statusHard) || !listsEqual(used, parseResourceList(quota.status?.used));
    if (!dirty) return;
    const status = { hard: formatResourceList(hard), used: formatResourceList(used) };
    await this.ctx.client.update(Resources.resourcequotas, namespace, typed<ResourceQuota>({ ...quota, status }), { subresource: 'status' });
  }
}

export function newResourceQuotaController(ctx: ControllerContext, options?: ResourceQuotaControllerOptions): Controller {
  return new ResourceQuotaController(ctx, options);
}
