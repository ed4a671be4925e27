// The node's volume manager: sets up a pod's volumes under
// <podsDir>/<uid>/volumes/<plugin>/<name> (plugin names as kubelet escapes them:
// kubernetes.io~empty-dir, ~configmap, ~secret, ~downward-api, ~projected), refreshes
// their contents on every call, and removes them when the pod is gone. hostPath and
// persistentVolumeClaim volumes are host directories used in place.

import { chmod, mkdir, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ConfigMap,
  ConfigMapProjection,
  DownwardAPIVolumeFile,
  KeyToPath,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
  SecretProjection,
  ServiceAccountTokenProjection,
  Volume,
} from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, isNotFound, realClock, type ApiClient, type Clock, type ResourceType } from '../../client/index.js';
import { quantity } from '../../machinery/index.js';
import { metadataFieldValue, podContainerResourceValue } from '../env/index.js';
import { writeAtomically, type FileProjection } from './atomic-writer.js';
import { checkHostPathType, ensureTmpfs, isRoot, mountPoints, unmountBelow } from './host.js';

export interface MountedVolume {
  readonly hostPath: string;
  readonly readOnly: boolean;
}

/** A volume that could not be set up; message as kubelet's FailedMount event says it. */
export class VolumeSetupError extends Error {
  readonly reason = 'FailedMount';
  constructor(
    message: string,
    readonly volumeName = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface VolumeManagerOptions {
  readonly client: ApiClient;
  readonly podsDir: string;
  readonly nodeName: string;
  /** Decides when service account tokens are due for refresh. */
  readonly clock?: Clock;
}

/** A failure inside one volume's SetUp; `plain` messages are reported without the MountVolume prefix. */
class SetUpFailure extends Error {
  constructor(
    message: string,
    readonly plain = false,
  ) {
    super(message);
  }
}

interface CachedToken {
  readonly token: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

const DEFAULT_MODE = 0o644;
const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** Upstream's token manager refreshes at 80% of a token's life (or after 24 h). */
const TOKEN_REFRESH_FRACTION = 0.8;
const TOKEN_MAX_AGE_MS = 24 * 3600 * 1000;

const PLUGIN_DIRS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

type Payload = Map<string, FileProjection>;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class VolumeManager {
  private readonly client: ApiClient;
  private readonly podsDir: string;
  private readonly nodeName: string;
  private readonly clock: Clock;
  private readonly tokens = new Map<string, CachedToken>();
  /** One setUp/tearDown at a time per pod. */
  private readonly podLocks = new Map<string, Promise<unknown>>();

  constructor(options: VolumeManagerOptions) {
    this.client = options.client;
    this.podsDir = options.podsDir;
    this.nodeName = options.nodeName;
    this.clock = options.clock ?? realClock;
  }

  /** Sets up (or refreshes) every volume of the pod; rejects with VolumeSetupError. */
  setUpPod(pod: Pod): Promise<ReadonlyMap<string, MountedVolume>> {
    const uid = pod.metadata?.uid ?? '';
    if (uid === '') return Promise.reject(new VolumeSetupError('pod has no uid'));
    return this.locked(uid, () => this.setUpAll(pod, uid));
  }

  /** Unmounts the pod's tmpfs volumes and removes its volume directories; idempotent. */
  tearDownPod(podUid: string): Promise<void> {
    return this.locked(podUid, async () => {
      for (const key of [...this.tokens.keys()]) if (key.startsWith(`${podUid}/`)) this.tokens.delete(key);
      const podDir = join(this.podsDir, podUid);
      const volumesDir = join(podDir, 'volumes');
      await unmountBelow(volumesDir);
      // Never remove through a mount that is still there.
      const realVolumesDir = await realpath(volumesDir).catch(() => volumesDir);
      if ((await mountPoints()).some((point) => point.startsWith(realVolumesDir + '/'))) throw new Error(`volumes of pod ${podUid} are still mounted`);
      await rm(volumesDir, { recursive: true, force: true });
      await rm(join(podDir, 'containers'), { recursive: true, force: true });
      await rmdir(podDir).catch(() => undefined);
    });
  }

  /** Tears down the volumes of every pod under podsDir (a node's `--cleanup` after its pods are stopped). */
  async tearDownAllPods(): Promise<void> {
    const uids = await readdir(this.podsDir).catch(() => [] as string[]);
    for (const uid of uids) await this.tearDownPod(uid);
  }

  private async locked<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.podLocks.get(uid) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.podLocks.set(uid, settled);
    void settled.then(() => {
      if (this.podLocks.get(uid) === settled) this.podLocks.delete(uid);
    });
    return next;
  }

  private async setUpAll(pod: Pod, uid: string): Promise<ReadonlyMap<string, MountedVolume>> {
    const mounted = new Map<string, MountedVolume>();
    for (const volume of pod.spec?.volumes ?? []) {
      try {
        mounted.set(volume.name, await this.setUpVolume(pod, uid, volume));
      } catch (err) {
        const plain = err instanceof SetUpFailure && err.plain;
        const message = plain ? messageOf(err) : `MountVolume.SetUp failed for volume "${volume.name}" : ${messageOf(err)}`;
        throw new VolumeSetupError(message, volume.name, { cause: err });
      }
    }
    return mounted;
  }

  private volumeDir(uid: string, plugin: keyof typeof PLUGIN_DIRS, name: string): string {
    return join(this.podsDir, uid, 'volumes', PLUGIN_DIRS[plugin], name);
  }

  private async setUpVolume(pod: Pod, uid: string, volume: Volume): Promise<MountedVolume> {
    const now = new Date(this.clock.now());
    if (volume.emptyDir) {
      const dir = this.volumeDir(uid, 'emptyDir', volume.name);
      if (volume.emptyDir.medium === 'Memory' && isRoot()) {
        const limit = volume.emptyDir.sizeLimit === undefined ? undefined : quantity.parseQuantity(String(volume.emptyDir.sizeLimit));
        await ensureTmpfs(dir, limit instanceof quantity.Quantity ? limit.valueNumber() : undefined);
      } else {
        // Without root a memory-backed emptyDir is a plain directory.
        await mkdir(dir, { recursive: true });
      }
      await chmod(dir, 0o777);
      return { hostPath: dir, readOnly: false };
    }
    if (volume.configMap) {
      const source = volume.configMap;
      const dir = this.volumeDir(uid, 'configMap', volume.name);
      const payload = await this.configMapPayload(pod, source, source.defaultMode ?? DEFAULT_MODE);
      await writeAtomically(dir, payload, now);
      return { hostPath: dir, readOnly: true };
    }
    if (volume.secret) {
      const source = volume.secret;
      const dir = this.volumeDir(uid, 'secret', volume.name);
      const payload = await this.secretPayload(pod, { name: source.secretName, items: source.items, optional: source.optional }, source.defaultMode ?? DEFAULT_MODE);
      // Secrets never touch the disk when we can help it.
      if (isRoot()) await ensureTmpfs(dir);
      await writeAtomically(dir, payload, now);
      return { hostPath: dir, readOnly: true };
    }
    if (volume.downwardAPI) {
      const dir = this.volumeDir(uid, 'downwardAPI', volume.name);
      const payload = await this.downwardPayload(pod, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? DEFAULT_MODE);
      await writeAtomically(dir, payload, now);
      return { hostPath: dir, readOnly: true };
    }
    if (volume.projected) {
      const dir = this.volumeDir(uid, 'projected', volume.name);
      const payload = await this.projectedPayload(pod, uid, volume.projected.sources ?? [], volume.projected.defaultMode ?? DEFAULT_MODE);
      if (isRoot()) await ensureTmpfs(dir);
      await writeAtomically(dir, payload, now);
      return { hostPath: dir, readOnly: true };
    }
    if (volume.hostPath) {
      const problem = await checkHostPathType(volume.hostPath.path, volume.hostPath.type);
      if (problem) throw new SetUpFailure(problem);
      return { hostPath: volume.hostPath.path, readOnly: false };
    }
    if (volume.persistentVolumeClaim) {
      return this.claimVolume(pod, volume.persistentVolumeClaim.claimName, volume.persistentVolumeClaim.readOnly ?? false);
    }
    throw new SetUpFailure(`no volume plugin matched volume "${volume.name}"`);
  }

  private async fetch<T>(type: ResourceType, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.client.get<KubeObject>(type, namespace, name)) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async configMapPayload(pod: Pod, source: { name?: string; items?: KeyToPath[]; optional?: boolean }, defaultMode: number): Promise<Payload> {
    const name = source.name ?? '';
    const configMap = await this.fetch<ConfigMap>(Resources.configmaps, pod.metadata?.namespace ?? '', name);
    if (!configMap) {
      if (source.optional) return new Map();
      throw new SetUpFailure(`configmap "${name}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [key, value] of Object.entries(configMap.data ?? {})) data.set(key, Buffer.from(value, 'utf8'));
    for (const [key, value] of Object.entries(configMap.binaryData ?? {})) data.set(key, Buffer.from(value, 'base64'));
    return keyedPayload(data, source.items, defaultMode, source.optional ?? false, (key) => `configmap references non-existent config key: ${key}`);
  }

  private async secretPayload(pod: Pod, source: { name?: string; items?: KeyToPath[]; optional?: boolean }, defaultMode: number): Promise<Payload> {
    const name = source.name ?? '';
    const secret = await this.fetch<Secret>(Resources.secrets, pod.metadata?.namespace ?? '', name);
    if (!secret) {
      if (source.optional) return new Map();
      throw new SetUpFailure(`secret "${name}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [key, value] of Object.entries(secret.data ?? {})) data.set(key, Buffer.from(value, 'base64'));
    return keyedPayload(data, source.items, defaultMode, source.optional ?? false, (key) => `references non-existent secret key: ${key}`);
  }

  private async downwardPayload(pod: Pod, items: readonly DownwardAPIVolumeFile[], defaultMode: number): Promise<Payload> {
    const payload: Payload = new Map();
    const errors: string[] = [];
    let allocatable: Record<string, string> | undefined;
    for (const item of items) {
      let value: string | Error;
      if (item.fieldRef) {
        value = metadataFieldValue(pod, item.fieldRef.fieldPath);
      } else if (item.resourceFieldRef) {
        allocatable ??= await this.nodeAllocatable();
        value = podContainerResourceValue(item.resourceFieldRef, pod, undefined, allocatable);
      } else {
        continue;
      }
      if (value instanceof Error) errors.push(value.message);
      else payload.set(item.path, { data: Buffer.from(value, 'utf8'), mode: item.mode ?? defaultMode });
    }
    if (errors.length > 0) throw new SetUpFailure(errors.join(', '));
    return payload;
  }

  private async nodeAllocatable(): Promise<Record<string, string>> {
    const node = await this.fetch<Node>(Resources.nodes, '', this.nodeName);
    return (node?.status?.allocatable ?? {}) as Record<string, string>;
  }

  private async projectedPayload(
    pod: Pod,
    uid: string,
    sources: readonly { configMap?: ConfigMapProjection; secret?: SecretProjection; downwardAPI?: { items?: DownwardAPIVolumeFile[] }; serviceAccountToken?: ServiceAccountTokenProjection }[],
    defaultMode: number,
  ): Promise<Payload> {
    const payload: Payload = new Map();
    const errors: string[] = [];
    for (const source of sources) {
      try {
        let part: Payload;
        if (source.configMap) part = await this.configMapPayload(pod, source.configMap, defaultMode);
        else if (source.secret) part = await this.secretPayload(pod, source.secret, defaultMode);
        else if (source.downwardAPI) part = await this.downwardPayload(pod, source.downwardAPI.items ?? [], defaultMode);
        else if (source.serviceAccountToken) {
          const token = await this.serviceAccountToken(pod, uid, source.serviceAccountToken);
          part = new Map([[source.serviceAccountToken.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode }]]);
        } else continue;
        for (const [path, file] of part) payload.set(path, file);
      } catch (err) {
        errors.push(messageOf(err));
      }
    }
    if (errors.length > 0) throw new SetUpFailure(errors.join(', '));
    return payload;
  }

  /** A TokenRequest bound to the pod, cached until 80% of its life has passed. */
  private async serviceAccountToken(pod: Pod, uid: string, source: ServiceAccountTokenProjection): Promise<string> {
    const account = pod.spec?.serviceAccountName || 'default';
    const namespace = pod.metadata?.namespace ?? '';
    const expirationSeconds = source.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    const audience = source.audience ?? '';
    const key = `${uid}/${account}/${audience}/${expirationSeconds}`;
    const now = this.clock.now();
    const cached = this.tokens.get(key);
    if (cached && !tokenNeedsRefresh(cached, now)) return cached.token;
    const request = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: audience ? [audience] : [],
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid },
      },
    };
    let response: KubeObject;
    try {
      response = await this.client.createSubresource(Resources.serviceaccounts, namespace, account, 'token', request);
    } catch (err) {
      throw new Error(`failed to fetch token: ${messageOf(err)}`, { cause: err });
    }
    const status = (response.status ?? {}) as { token?: string; expirationTimestamp?: string };
    if (!status.token) throw new Error('failed to fetch token: the TokenRequest answer has no token');
    const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : now + expirationSeconds * 1000;
    this.tokens.set(key, { token: status.token, issuedAt: now, expiresAt });
    return status.token;
  }

  private async claimVolume(pod: Pod, claimName: string, readOnly: boolean): Promise<MountedVolume> {
    const namespace = pod.metadata?.namespace ?? '';
    const fail = (message: string) => new SetUpFailure(`error processing PVC ${namespace}/${claimName}: ${message}`, true);
    const claim = await this.fetch<PersistentVolumeClaim>(Resources.persistentvolumeclaims, namespace, claimName);
    if (!claim) throw fail(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
    const volumeName = claim.spec?.volumeName ?? '';
    if (claim.status?.phase !== 'Bound' || volumeName === '') {
      throw fail(`PVC ${namespace}/${claimName} has non-bound phase ("${claim.status?.phase ?? ''}") or empty pvc.Spec.VolumeName ("${volumeName}")`);
    }
    const volume = await this.fetch<PersistentVolume>(Resources.persistentvolumes, '', volumeName);
    if (!volume) throw fail(`failed to fetch PV ${volumeName} from API server: persistentvolumes "${volumeName}" not found`);
    const spec = volume.spec ?? {};
    const path = spec.hostPath?.path ?? spec.local?.path;
    if (!path) throw new SetUpFailure(`persistent volume ${volumeName} has no hostPath or local source this node can mount`);
    const problem = await checkHostPathType(path, spec.hostPath ? spec.hostPath.type : 'Directory');
    if (problem) throw new SetUpFailure(problem);
    return { hostPath: path, readOnly };
  }
}

function tokenNeedsRefresh(token: CachedToken, now: number): boolean {
  const life = token.expiresAt - token.issuedAt;
  return now >= token.issuedAt + life * TOKEN_REFRESH_FRACTION || now >= token.issuedAt + TOKEN_MAX_AGE_MS;
}

/** Upstream's MakePayload for configMap and secret: every key, or just the listed items. */
function keyedPayload(data: ReadonlyMap<string, Buffer>, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean, missingKey: (key: string) => string): Payload {
  const payload: Payload = new Map();
  if (!items || items.length === 0) {
    for (const [key, value] of data) payload.set(key, { data: value, mode: defaultMode });
    return payload;
  }
  for (const item of items) {
    const value = data.get(item.key);
    if (value === undefined) {
      if (optional) continue;
      throw new SetUpFailure(missingKey(item.key));
    }
    payload.set(item.path, { data: value, mode: item.mode ?? defaultMode });
  }
  return payload;
}
