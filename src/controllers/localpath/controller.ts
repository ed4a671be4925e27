// The built-in local-path storage: a default StorageClass whose provisioner makes a
// hostPath PersistentVolume on the node the scheduler picked (WaitForFirstConsumer,
// selected-node annotation), pinned there by nodeAffinity, plus the binding half of
// upstream's PV controller (pkg/controller/volume/persistentvolume): claims and
// volumes become Bound, pre-provisioned volumes are matched to Immediate claims, and
// released volumes are deleted (Delete) or kept Released (Retain).

import { join } from 'node:path';
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { Resources, WorkQueue, isAlreadyExists, isConflict, isNotFound, objectKey, runWorkers, splitKey, type ApiClient, type Disposable, type EventRecorder, type Informer } from '../../client/index.js';
import { quantity } from '../../machinery/index.js';
import type { Typed } from '../common/index.js';
import type { Controller, ControllerContext } from '../types.js';

export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_PROVISIONER = 'skiff.dev/local-path';
/** A node may name where its local-path volumes live (an agent with its own data dir). */
export const ANNOTATION_NODE_LOCAL_PATH = 'skiff.dev/local-path-dir';
/**
 * On a released Delete volume whose directory is on another node: that node's agent
 * removes the directory, then the volume (the controller cannot reach other hosts).
 */
export const ANNOTATION_CLEANUP = 'skiff.dev/local-path-cleanup';
export const DEFAULT_LOCAL_PATH_DIR = '/var/lib/skiff/local-path';

export const ANNOTATION_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANNOTATION_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANNOTATION_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANNOTATION_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANNOTATION_PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
export const ANNOTATION_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANNOTATION_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

type Claim = Typed<PersistentVolumeClaim>;
type Volume = Typed<PersistentVolume>;
type Class = Typed<StorageClass>;

/** The default StorageClass `local-path`; an existing one is left as it is. */
export async function ensureLocalPathStorageClass(client: ApiClient): Promise<void> {
  try {
    await client.create(Resources.storageclasses, '', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: LOCAL_PATH_CLASS, annotations: { [ANNOTATION_DEFAULT_CLASS]: 'true' } },
      provisioner: LOCAL_PATH_PROVISIONER,
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export interface LocalPathControllerOptions {
  /** The node data dir: volumes go to <nodeDataDir>/local-path/<pv-name>. */
  readonly nodeDataDir?: string;
  /** Overrides the directory volumes go in (<pathPrefix>/<pv-name>). */
  readonly pathPrefix?: string;
  /**
   * Removes a deleted volume's directory if it is on this host (true when it did). The
   * controller manager can only reach its own host: for other nodes it asks their agent
   * (ANNOTATION_CLEANUP); nodes without an agent have no directories.
   */
  readonly removeDirectory?: (nodeName: string, path: string) => Promise<boolean>;
}

/** The class a claim asks for: storageClassName, or the default class when unset. */
export function claimClassName(claim: PersistentVolumeClaim, classes: readonly StorageClass[]): string {
  const named = claim.spec?.storageClassName;
  if (named !== undefined && named !== null) return named;
  const defaults = classes.filter((c) => c.metadata?.annotations?.[ANNOTATION_DEFAULT_CLASS] === 'true');
  defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
  return defaults[0]?.metadata?.name ?? '';
}

function parsedQuantity(value: unknown): quantity.Quantity | undefined {
  if (value === undefined || value === null) return undefined;
  const q = quantity.parseQuantity(String(value));
  return q instanceof quantity.Quantity ? q : undefined;
}

/** A pre-provisioned volume fits a claim: same class, the access modes, enough space, free. */
export function volumeFitsClaim(volume: PersistentVolume, claim: PersistentVolumeClaim, className: string): boolean {
  const spec = volume.spec ?? {};
  if ((spec.storageClassName ?? '') !== className) return false;
  if (volume.metadata?.deletionTimestamp || (volume.status?.phase && volume.status.phase !== 'Available')) return false;
  const ref = spec.claimRef;
  if (ref && (ref.namespace !== claim.metadata?.namespace || ref.name !== claim.metadata?.name || (ref.uid && ref.uid !== claim.metadata?.uid))) return false;
  if ((spec.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = new Set(spec.accessModes ?? []);
  if (!(claim.spec?.accessModes ?? []).every((mode) => modes.has(mode))) return false;
  const wanted = parsedQuantity(claim.spec?.resources?.requests?.storage);
  const has = parsedQuantity(spec.capacity?.storage);
  if (wanted && (!has || has.cmp(wanted) < 0)) return false;
  const selector = claim.spec?.selector;
  if (selector?.matchLabels) {
    for (const [k, v] of Object.entries(selector.matchLabels)) if (volume.metadata?.labels?.[k] !== v) return false;
  }
  return true;
}

export class LocalPathController implements Controller {
  readonly name = 'localpath';
  private readonly queue: WorkQueue<string>;
  private readonly claims: Informer<Claim>;
  private readonly volumes: Informer<Volume>;
  private readonly classes: Informer<Class>;
  private readonly nodes: Informer<Typed<Node>>;
  private readonly recorder: EventRecorder;
  private readonly subscriptions: Disposable[] = [];
  private workers: Promise<void> | undefined;
  /**
   * Volumes this controller gave a claimRef, by volume name -> claim uid: the informer
   * cache may not show those writes yet, and a second sync must not bind another volume.
   */
  private readonly assumed = new Map<string, string>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly options: LocalPathControllerOptions = {},
  ) {
    this.queue = new WorkQueue<string>({ clock: ctx.clock });
    this.recorder = ctx.recorder('persistentvolume-controller');
    this.claims = ctx.informers.informer<Claim>(Resources.persistentvolumeclaims);
    this.volumes = ctx.informers.informer<Volume>(Resources.persistentvolumes);
    this.classes = ctx.informers.informer<Class>(Resources.storageclasses);
    this.nodes = ctx.informers.informer<Typed<Node>>(Resources.nodes);
    const claimKey = (claim: Claim) => `claim:${objectKey(claim)}`;
    const volumeKey = (volume: Volume) => `volume:${volume.metadata?.name ?? ''}`;
    const claimOfVolume = (volume: Volume) => {
      const ref = volume.spec?.claimRef;
      if (ref?.name) this.queue.add(`claim:${ref.namespace ?? ''}/${ref.name}`);
    };
    this.subscriptions.push(
      this.claims.addHandlers({
        add: (claim) => this.queue.add(claimKey(claim)),
        update: (_old, claim) => this.queue.add(claimKey(claim)),
        delete: (claim) => {
          if (claim.spec?.volumeName) this.queue.add(`volume:${claim.spec.volumeName}`);
        },
      }),
      this.volumes.addHandlers({
        add: (volume) => {
          this.queue.add(volumeKey(volume));
          claimOfVolume(volume);
          // A new volume may be the match a waiting Immediate claim needs.
          for (const claim of this.claims.list()) if (!claim.spec?.volumeName) this.queue.add(claimKey(claim));
        },
        update: (_old, volume) => {
          this.queue.add(volumeKey(volume));
          claimOfVolume(volume);
        },
        delete: (volume) => {
          this.assumed.delete(volume.metadata?.name ?? '');
          claimOfVolume(volume);
        },
      }),
      this.classes.addHandlers({
        add: () => {
          for (const claim of this.claims.list()) if (!claim.spec?.volumeName) this.queue.add(claimKey(claim));
        },
      }),
    );
  }

  run(): void {
    this.workers ??= runWorkers(this.queue, 2, (key) => this.sync(key), (key, err) => {
      if (!isConflict(err)) this.ctx.onError(err, `syncing ${key}`);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    this.queue.shutDown();
    await this.workers;
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith('claim:')) {
      const { namespace, name } = splitKey(key.slice('claim:'.length));
      const claim = this.claims.get(namespace, name);
      if (claim && !claim.metadata?.deletionTimestamp) await this.syncClaim(claim);
    } else if (key.startsWith('volume:')) {
      const volume = this.volumes.get('', key.slice('volume:'.length));
      if (volume && !volume.metadata?.deletionTimestamp) await this.syncVolume(volume);
    }
  }

  // ---- claims -----------------------------------------------------------------------

  private async syncClaim(cached: Claim): Promise<void> {
    let claim = cached;
    const uid = claim.metadata?.uid ?? '';
    const assumedVolume = [...this.assumed].find(([, claimUid]) => claimUid === uid)?.[0];
    if (!claim.spec?.volumeName && assumedVolume) {
      // We bound it already; the cache has not caught up. Finish from the live objects.
      claim = await this.ctx.client.get<Claim>(Resources.persistentvolumeclaims, claim.metadata?.namespace ?? '', claim.metadata?.name ?? '');
      if (claim.metadata?.uid !== uid) return;
      const volume = await this.ctx.client.get<Volume>(Resources.persistentvolumes, '', assumedVolume);
      return this.completeBinding(claim, volume);
    }
    const volumeName = claim.spec?.volumeName;
    if (volumeName) {
      const volume = this.volumes.get('', volumeName);
      // The caches show the binding now: nothing left to remember.
      if (volume && volume.spec?.claimRef?.uid === uid) this.assumed.delete(volumeName);
      if (volume && volume.spec?.claimRef?.uid === uid) await this.completeBinding(claim, volume);
      else if (!volume && claim.status?.phase === 'Bound') await this.setClaimPhase(claim, 'Lost');
      return;
    }
    if (!claim.status?.phase) await this.setClaimPhase(claim, 'Pending');
    const classes = this.classes.list();
    const className = claimClassName(claim, classes);
    const storageClass = classes.find((c) => c.metadata?.name === className);
    // Pre-provisioned volumes first, as upstream's syncUnboundClaim; WaitForFirstConsumer ones wait for the scheduler.
    const delayed = storageClass?.volumeBindingMode === 'WaitForFirstConsumer';
    const selectedNode = claim.metadata?.annotations?.[ANNOTATION_SELECTED_NODE];
    if (!delayed || selectedNode) {
      const match = this.bestVolumeFor(claim, className, selectedNode);
      if (match) return this.bindStatic(claim, match);
    }
    if (storageClass?.provisioner !== LOCAL_PATH_PROVISIONER) return;
    if (!selectedNode) {
      // Immediate local-path claims have no node to go to until a pod picks one.
      return;
    }
    await this.provision(claim, storageClass, selectedNode);
  }

  private bestVolumeFor(claim: Claim, className: string, nodeName: string | undefined): Volume | undefined {
    const node = nodeName ? this.nodes.get('', nodeName) : undefined;
    const taken = (v: Volume) => {
      const owner = this.assumed.get(v.metadata?.name ?? '');
      return owner !== undefined && owner !== claim.metadata?.uid;
    };
    const fits = this.volumes.list().filter((v) => !taken(v) && volumeFitsClaim(v, claim, className) && (!nodeName || volumeAllowsNode(v, nodeName, node)));
    // Prefer a volume already reserved for this claim, then the smallest one that fits.
    fits.sort((a, b) => {
      const reserved = Number(!!b.spec?.claimRef) - Number(!!a.spec?.claimRef);
      if (reserved !== 0) return reserved;
      const qa = parsedQuantity(a.spec?.capacity?.storage);
      const qb = parsedQuantity(b.spec?.capacity?.storage);
      return qa && qb ? qa.cmp(qb) : 0;
    });
    return fits[0];
  }

  private localDir(nodeName: string): string {
    const fromNode = this.nodes.get('', nodeName)?.metadata?.annotations?.[ANNOTATION_NODE_LOCAL_PATH];
    if (fromNode) return fromNode;
    if (this.options.pathPrefix) return this.options.pathPrefix;
    if (this.options.nodeDataDir) return join(this.options.nodeDataDir, 'local-path');
    return DEFAULT_LOCAL_PATH_DIR;
  }

  private async provision(claim: Claim, storageClass: Class, nodeName: string): Promise<void> {
    const name = `pvc-${claim.metadata?.uid ?? ''}`;
    const hostname = this.nodes.get('', nodeName)?.metadata?.labels?.[HOSTNAME_LABEL] ?? nodeName;
    let volume = this.volumes.get('', name);
    if (!volume) {
      const desired: Volume = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { [ANNOTATION_PROVISIONED_BY]: LOCAL_PATH_PROVISIONER } },
        spec: {
          capacity: { storage: String(claim.spec?.resources?.requests?.storage ?? '1Gi') },
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? 'Delete',
          storageClassName: storageClass.metadata?.name ?? '',
          volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
          // The agent creates the directory when a pod first mounts it.
          hostPath: { path: join(this.localDir(nodeName), name), type: 'DirectoryOrCreate' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [hostname] }] }] } },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata?.namespace ?? '',
            name: claim.metadata?.name ?? '',
            uid: claim.metadata?.uid ?? '',
            resourceVersion: claim.metadata?.resourceVersion ?? '',
          },
        },
      };
      try {
        volume = await this.ctx.client.create<Volume>(Resources.persistentvolumes, '', desired);
        this.assumed.set(name, claim.metadata?.uid ?? '');
        this.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        volume = await this.ctx.client.get<Volume>(Resources.persistentvolumes, '', name);
      }
    }
    await this.completeBinding(claim, volume);
  }

  /** Binds an unbound claim to a pre-provisioned volume: claimRef first, as upstream. */
  private async bindStatic(claim: Claim, volume: Volume): Promise<void> {
    let bound = volume;
    if (volume.spec?.claimRef?.uid !== claim.metadata?.uid) {
      const next = structuredClone(volume);
      next.spec = {
        ...next.spec,
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: claim.metadata?.namespace ?? '',
          name: claim.metadata?.name ?? '',
          uid: claim.metadata?.uid ?? '',
          resourceVersion: claim.metadata?.resourceVersion ?? '',
        },
      };
      next.metadata = { ...next.metadata, annotations: { ...next.metadata?.annotations, [ANNOTATION_BOUND_BY_CONTROLLER]: 'yes' } };
      bound = await this.ctx.client.update<Volume>(Resources.persistentvolumes, '', next);
      this.assumed.set(volume.metadata?.name ?? '', claim.metadata?.uid ?? '');
    }
    await this.completeBinding(claim, bound);
  }

  /** Volume phase Bound, then the claim's volumeName, annotations and phase Bound. */
  private async completeBinding(claim: Claim, volume: Volume): Promise<void> {
    if (volume.status?.phase !== 'Bound') {
      const next: Volume = { ...structuredClone(volume), status: { ...volume.status, phase: 'Bound' } };
      await this.ctx.client.update(Resources.persistentvolumes, '', next, { subresource: 'status' });
    }
    let current = claim;
    const annotations = claim.metadata?.annotations ?? {};
    if (claim.spec?.volumeName !== volume.metadata?.name || annotations[ANNOTATION_BIND_COMPLETED] !== 'yes') {
      const next = structuredClone(claim);
      const provisioned = volume.metadata?.annotations?.[ANNOTATION_PROVISIONED_BY];
      next.spec = { ...next.spec, volumeName: volume.metadata?.name ?? '' };
      next.metadata = {
        ...next.metadata,
        annotations: {
          ...annotations,
          [ANNOTATION_BIND_COMPLETED]: 'yes',
          [ANNOTATION_BOUND_BY_CONTROLLER]: 'yes',
          ...(provisioned ? { [ANNOTATION_STORAGE_PROVISIONER]: provisioned, [ANNOTATION_BETA_STORAGE_PROVISIONER]: provisioned } : {}),
        },
      };
      current = await this.ctx.client.update<Claim>(Resources.persistentvolumeclaims, current.metadata?.namespace ?? '', next);
    }
    if (current.status?.phase !== 'Bound') {
      const next: Claim = { ...structuredClone(current), status: { ...current.status, phase: 'Bound', accessModes: volume.spec?.accessModes ?? [], capacity: volume.spec?.capacity ?? {} } };
      await this.ctx.client.update(Resources.persistentvolumeclaims, current.metadata?.namespace ?? '', next, { subresource: 'status' });
    }
  }

  private async setClaimPhase(claim: Claim, phase: 'Pending' | 'Lost'): Promise<void> {
    const next: Claim = { ...structuredClone(claim), status: { ...claim.status, phase } };
    await this.ctx.client.update(Resources.persistentvolumeclaims, claim.metadata?.namespace ?? '', next, { subresource: 'status' });
  }

  // ---- volumes ----------------------------------------------------------------------

  private async syncVolume(volume: Volume): Promise<void> {
    const ref = volume.spec?.claimRef;
    if (!ref?.name) {
      if (!volume.status?.phase) await this.setVolumePhase(volume, 'Available');
      return;
    }
    const claim = this.claims.get(ref.namespace ?? '', ref.name);
    if (claim && (!ref.uid || claim.metadata?.uid === ref.uid)) {
      if (!volume.status?.phase) await this.setVolumePhase(volume, 'Available');
      return;
    }
    // The cache may lag behind a claim created a moment ago: ask the server before releasing.
    if (ref.uid) {
      const live = await this.ctx.client.get<Claim>(Resources.persistentvolumeclaims, ref.namespace ?? '', ref.name).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (live && live.metadata?.uid === ref.uid) return;
    }
    if (volume.status?.phase !== 'Bound' && volume.status?.phase !== 'Released') return;
    const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete' && volume.metadata?.annotations?.[ANNOTATION_PROVISIONED_BY] === LOCAL_PATH_PROVISIONER) {
      const path = volume.spec?.hostPath?.path;
      const nodeName = nodeOfVolume(volume);
      const removedHere = path && nodeName && this.options.removeDirectory ? await this.options.removeDirectory(nodeName, path) : false;
      // Another node with an agent serving local-path volumes: its agent cleans up.
      if (!removedHere && nodeName && this.nodes.get('', nodeName)?.metadata?.annotations?.[ANNOTATION_NODE_LOCAL_PATH]) {
        if (volume.metadata?.annotations?.[ANNOTATION_CLEANUP] !== 'requested') {
          await this.ctx.client.patch(Resources.persistentvolumes, '', volume.metadata?.name ?? '', 'merge', { metadata: { annotations: { [ANNOTATION_CLEANUP]: 'requested' } } });
        }
        return;
      }
      await this.ctx.client.delete(Resources.persistentvolumes, '', volume.metadata?.name ?? '').catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      return;
    }
    if (volume.status?.phase !== 'Released') await this.setVolumePhase(volume, 'Released');
  }

  private async setVolumePhase(volume: Volume, phase: 'Available' | 'Released'): Promise<void> {
    const next: Volume = { ...structuredClone(volume), status: { ...volume.status, phase } };
    await this.ctx.client.update(Resources.persistentvolumes, '', next, { subresource: 'status' });
  }
}

/** The hostname a local volume's nodeAffinity names (single In term). */
export function nodeOfVolume(volume: PersistentVolume): string | undefined {
  for (const term of volume.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) {
    for (const expr of term.matchExpressions ?? []) if (expr.key === HOSTNAME_LABEL && expr.operator === 'In') return expr.values?.[0];
  }
  return undefined;
}

/** A volume without nodeAffinity fits anywhere; with it, the node's hostname must be named. */
function volumeAllowsNode(volume: PersistentVolume, nodeName: string, node: Node | undefined): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  const labels: Record<string, string> = { [HOSTNAME_LABEL]: nodeName, ...node?.metadata?.labels };
  return terms.some((term) =>
    (term.matchExpressions ?? []).every((expr) => {
      const value = labels[expr.key];
      switch (expr.operator) {
        case 'In':
          return value !== undefined && (expr.values ?? []).includes(value);
        case 'NotIn':
          return value === undefined || !(expr.values ?? []).includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return false;
      }
    }),
  );
}

export function newLocalPathController(ctx: ControllerContext, options: LocalPathControllerOptions = {}): Controller {
  return new LocalPathController(ctx, options);
}
