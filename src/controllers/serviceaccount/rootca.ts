// The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher):
// the ConfigMap `kube-root-ca.crt` in every namespace carries the cluster CA under
// `ca.crt`, so pods can verify the API server; edits and deletions are undone.

import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1.js';
import { Resources, WorkQueue, isNotFound, runWorkers, type Disposable, type Informer } from '../../client/index.js';
import { NAMESPACE_TERMINATING_CAUSE, canonicalJson, hasStatusCause, typed, type Typed } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';

export const ROOT_CA_CONFIGMAP_NAME = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** ConcurrentRootCACertPublisherSyncs' default. */
const WORKERS = 5;

export interface RootCACertPublisherOptions {
  /** The cluster CA certificate(s), PEM. */
  readonly caPem: string;
}

type CM = Typed<ConfigMap>;

export class RootCACertPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher';
  private readonly queue: WorkQueue<string>;
  private readonly namespaces: Informer<Typed<Namespace>>;
  private readonly configMaps: Informer<CM>;
  private readonly subscriptions: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly options: RootCACertPublisherOptions,
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.namespaces = ctx.informers.informer<Typed<Namespace>>(Resources.namespaces);
    // Only the one ConfigMap name matters: cache just those.
    this.configMaps = ctx.informers.informer<CM>(Resources.configmaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP_NAME}` });
    const enqueueNamespaceOf = (cm: CM) => {
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP_NAME) this.queue.add(cm.metadata.namespace ?? '');
    };
    this.subscriptions.push(
      this.namespaces.addHandlers({
        add: (ns) => this.queue.add(ns.metadata?.name ?? ''),
        update: (_old, cur) => {
          if ((cur.status?.phase ?? 'Active') === 'Active') this.queue.add(cur.metadata?.name ?? '');
        },
      }),
      this.configMaps.addHandlers({ update: (_old, cur) => enqueueNamespaceOf(cur), delete: enqueueNamespaceOf }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, WORKERS, (ns) => this.sync(ns), (ns, err) => this.ctx.onError(err, `syncing ${ROOT_CA_CONFIGMAP_NAME} of namespace ${ns}`));
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  /** syncNamespace. */
  async sync(namespace: string): Promise<void> {
    const ns = this.namespaces.get('', namespace);
    if (!ns || ns.metadata?.deletionTimestamp) return;
    const data = { 'ca.crt': this.options.caPem };
    const current = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP_NAME);
    if (!current) {
      try {
        await this.ctx.client.create(Resources.configmaps, namespace, typed<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP_NAME, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } }, data }));
      } catch (err) {
        // Do not retry a create into a namespace that is gone or terminating.
        if (isNotFound(err) || hasStatusCause(err, NAMESPACE_TERMINATING_CAUSE)) return;
        throw err;
      }
      return;
    }
    // The data and the one annotation describing the ConfigMap's use must match.
    if (canonicalJson(current.data ?? {}) === canonicalJson(data) && current.metadata?.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next = structuredClone(current);
    next.data = data;
    next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } };
    await this.ctx.client.update(Resources.configmaps, namespace, next);
  }
}

export function newRootCACertPublisher(ctx: ControllerContext, options: RootCACertPublisherOptions): Controller {
  return new RootCACertPublisher(ctx, options);
}
