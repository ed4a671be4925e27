// The node's half of local-path volume deletion (upstream's local-path-provisioner
// runs a helper pod on the node for it): a released Delete volume of this node that
// the controller marked for cleanup has its directory removed here, then the volume.

import { rm } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, WorkQueue, isNotFound, runWorkers, type ApiClient, type Disposable, type Informer, type InformerFactory } from '../../client/index.js';
import { ANNOTATION_CLEANUP, nodeOfVolume } from '../../controllers/localpath/index.js';

type Volume = PersistentVolume & KubeObject;

export interface LocalPathCleanerOptions {
  readonly client: ApiClient;
  readonly informers: InformerFactory;
  readonly nodeName: string;
  /** This node's local-path directory: nothing outside it is ever removed. */
  readonly localPathDir: string;
  readonly onError: (err: unknown, what: string) => void;
}

export class LocalPathCleaner {
  private readonly volumes: Informer<Volume>;
  private readonly queue = new WorkQueue<string>();
  private readonly subscription: Disposable;
  private worker: Promise<void> | undefined;

  constructor(private readonly options: LocalPathCleanerOptions) {
    this.volumes = options.informers.informer<Volume>(Resources.persistentvolumes);
    const consider = (volume: Volume) => {
      if (this.isMine(volume)) this.queue.add(volume.metadata?.name ?? '');
    };
    this.subscription = this.volumes.addHandlers({ add: consider, update: (_old, volume) => consider(volume) });
  }

  private isMine(volume: Volume): boolean {
    return volume.metadata?.annotations?.[ANNOTATION_CLEANUP] === 'requested' && nodeOfVolume(volume) === this.options.nodeName;
  }

  start(): void {
    this.worker ??= runWorkers(this.queue, 1, (name) => this.clean(name), (name, err) => this.options.onError(err, `removing local-path volume ${name}`));
  }

  async stop(): Promise<void> {
    this.subscription.dispose();
    this.queue.shutDown();
    await this.worker;
  }

  private async clean(name: string): Promise<void> {
    const volume = this.volumes.get('', name);
    if (!volume || !this.isMine(volume)) return;
    const path = volume.spec?.hostPath?.path ?? volume.spec?.local?.path;
    const root = resolve(this.options.localPathDir) + sep;
    if (path && resolve(path).startsWith(root)) await rm(resolve(path), { recursive: true, force: true });
    else this.options.onError(new Error(`${path ?? '(no path)'} is outside ${root}: left in place`), `removing local-path volume ${name}`);
    await this.options.client.delete(Resources.persistentvolumes, '', name).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
