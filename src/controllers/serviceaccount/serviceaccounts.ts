// The ServiceAccounts controller (pkg/controller/serviceaccount): every active
// namespace has the `default` ServiceAccount; one deleted is created again.

import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { Resources, WorkQueue, isAlreadyExists, runWorkers, type Disposable, type Informer } from '../../client/index.js';
import { NAMESPACE_TERMINATING_CAUSE, hasStatusCause, typed, type Typed } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';

/** The ServiceAccounts controller runs one worker upstream. */
const WORKERS = 1;

export interface ServiceAccountsControllerOptions {
  /** The ServiceAccounts every namespace gets (default: `default`). */
  readonly serviceAccounts?: readonly string[];
}

/** A namespace new content may go into: not terminating. */
export function isNamespaceActive(ns: Namespace): boolean {
  return !ns.metadata?.deletionTimestamp && (ns.status?.phase ?? 'Active') === 'Active';
}

export class ServiceAccountsController implements Controller {
  readonly name = 'serviceaccount';
  private readonly queue: WorkQueue<string>;
  private readonly namespaces: Informer<Typed<Namespace>>;
  private readonly accounts: Informer<Typed<ServiceAccount>>;
  private readonly subscriptions: Disposable[] = [];
  private readonly names: readonly string[];
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    options: ServiceAccountsControllerOptions = {},
  ) {
    this.names = options.serviceAccounts ?? ['default'];
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.namespaces = ctx.informers.informer<Typed<Namespace>>(Resources.namespaces);
    this.accounts = ctx.informers.informer<Typed<ServiceAccount>>(Resources.serviceaccounts);
    this.subscriptions.push(
      this.namespaces.addHandlers({
        add: (ns) => this.queue.add(ns.metadata?.name ?? ''),
        update: (_old, cur) => this.queue.add(cur.metadata?.name ?? ''),
      }),
      this.accounts.addHandlers({
        delete: (sa) => {
          if (this.names.includes(sa.metadata?.name ?? '')) this.queue.add(sa.metadata?.namespace ?? '');
        },
      }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (ns) => this.sync(ns), (ns, err) => this.ctx.onError(err, `syncing service accounts of namespace ${ns}`));
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  /** syncNamespace. */
  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get('', namespace);
    // Gone or terminating: nothing may be created in it.
    if (!ns || !isNamespaceActive(ns)) return;
    const failures: unknown[] = [];
    for (const name of this.names) {
      if (this.accounts.get(namespace, name)) continue;
      try {
        await this.ctx.client.create(Resources.serviceaccounts, namespace, typed<ServiceAccount>({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }));
      } catch (err) {
        if (isAlreadyExists(err) || hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) continue;
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, failures.map(String).join('; '));
  }
}

export function newServiceAccountsController(ctx: ControllerContext, options?: ServiceAccountsControllerOptions): Controller {
  return new ServiceAccountsController(ctx, options);
}
