// The node's image service: a content-addressed store under `root`.
//
//   root/blobs/sha256/<hex>     manifests, configs and layer blobs as pulled
//   root/layers/<chainhex>/     each layer unpacked once, keyed by its chainID (as
//                               containerd's snapshotters do), overlay-ready
//   root/images.json            ref -> manifest digest, config, layers, last use
//   root/tmp/                   downloads and unpacks in progress (cleared on open)
//
// ImageRecord.layerDirs lists layers/<chainhex> lowest first: overlay's lowerdir is
// that list reversed, joined with ':'.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImageConfig, ImageRecord, ImageService, PullPolicy, RegistryCredential } from '../runtime/types.js';
import { ImagePullError } from '../runtime/types.js';
import { formatReference, parseReference, type ImageReference } from './reference.js';
import { MEDIA_TYPES, RegistryClient, RegistryError, type FetchedManifest } from './registry-client.js';
import { formatPlatform, hostPlatform, platformMatches, type Platform } from './platform.js';
import { LayerFormatError, unpackLayer } from './unpack.js';

export interface ImageStoreOptions {
  /** Directory of the store (created if missing). */
  readonly root: string;
  /** Registries (host[:port]) reached over plain HTTP; loopback registries always are. */
  readonly insecureRegistries?: readonly string[];
  /** Platform picked from indexes; defaults to linux and this machine's architecture. */
  readonly platform?: Platform;
  /** Time source for last-use bookkeeping (LRU garbage collection). */
  readonly now?: () => number;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Partial<Platform>;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface StoredLayer {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly diffId: string;
  readonly chainId: string;
}

interface StoredImage {
  readonly ref: string;
  readonly id: string;
  readonly digest: string;
  readonly layers: readonly StoredLayer[];
  readonly config: ImageConfig;
  readonly sizeBytes: number;
  lastUsed: number;
}

/** Garbage collection thresholds: kubelet's disk percentages, or a cap on the store's size. */
export type ImageGcPolicy =
  | { readonly highPercent: number; readonly lowPercent: number }
  | { readonly maxBytes: number };

export interface ImageGcResult {
  readonly removed: readonly string[];
  readonly freedBytes: number;
}

/** Where the blobs of an image come from: a registry or an unpacked tarball. */
type BlobSource = (descriptor: Descriptor, targetPath: string, signal?: AbortSignal) => Promise<void>;

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
const IMAGE_ID_PATTERN = /^(?:sha256:)?([a-f0-9]{64})$/;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function hexOf(digest: string): string {
  if (!DIGEST_PATTERN.test(digest)) throw new RegistryError(`unsupported digest "${digest}"`, 'Invalid');
  return digest.slice('sha256:'.length);
}

/** chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
export function chainIds(diffIds: readonly string[]): string[] {
  const chain: string[] = [];
  for (const diffId of diffIds) {
    const previous = chain[chain.length - 1];
    chain.push(previous === undefined ? diffId : sha256(`${previous} ${diffId}`));
  }
  return chain;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** The parts of an OCI/Docker image config JSON the runtime uses. */
export function parseImageConfig(json: unknown): { config: ImageConfig; diffIds: string[]; platform: Partial<Platform> } {
  const root = (json ?? {}) as { config?: Record<string, unknown>; rootfs?: { diff_ids?: unknown }; os?: string; architecture?: string; variant?: string };
  const c = root.config ?? {};
  const entrypoint = stringList(c.Entrypoint);
  const cmd = stringList(c.Cmd);
  const env = stringList(c.Env);
  const config: ImageConfig = {
    ...(entrypoint ? { entrypoint } : {}),
    ...(cmd ? { cmd } : {}),
    ...(env ? { env } : {}),
    ...(typeof c.WorkingDir === 'string' && c.WorkingDir !== '' ? { workingDir: c.WorkingDir } : {}),
    ...(typeof c.User === 'string' && c.User !== '' ? { user: c.User } : {}),
  };
  const diffIds = stringList(root.rootfs?.diff_ids) ?? [];
  return { config, diffIds, platform: { ...(root.os ? { os: root.os } : {}), ...(root.architecture ? { architecture: root.architecture } : {}), ...(root.variant ? { variant: root.variant } : {}) } };
}

function isIndex(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList;
}

export class ImageStore implements ImageService {
  private readonly images = new Map<string, StoredImage>();
  private readonly registry: RegistryClient;
  private readonly platform: Platform;
  private readonly now: () => number;
  /** Shared work: pulls by ref, blob downloads by digest, unpacks by chainID. */
  private readonly pulls = new Map<string, Promise<StoredImage>>();
  private readonly blobWork = new Map<string, Promise<void>>();
  private readonly layerWork = new Map<string, Promise<void>>();
  /** Content that pulls in progress hold, which garbage collection must not remove. */
  private readonly pinned = new Map<string, number>();
  private indexWrite: Promise<void> = Promise.resolve();
  /** Aborts shared downloads when the store is closed. */
  private readonly lifetime = new AbortController();

  private constructor(private readonly options: ImageStoreOptions) {
    this.registry = new RegistryClient(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {});
    this.platform = options.platform ?? hostPlatform();
    this.now = options.now ?? Date.now;
  }

  static async open(options: ImageStoreOptions): Promise<ImageStore> {
    const store = new ImageStore(options);
    await fsp.rm(store.tmpDir, { recursive: true, force: true });
    await Promise.all([store.tmpDir, join(options.root, 'blobs', 'sha256'), join(options.root, 'layers')].map((d) => fsp.mkdir(d, { recursive: true })));
    try {
      const index = JSON.parse(await fsp.readFile(store.indexPath, 'utf8')) as { images?: StoredImage[] };
      for (const image of index.images ?? []) store.images.set(image.ref, image);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return store;
  }

  /** Stops downloads in progress; the store on disk stays. */
  async close(): Promise<void> {
    this.lifetime.abort(new Error('image store closed'));
    await Promise.allSettled([...this.pulls.values()]);
    await this.indexWrite;
  }

  private get tmpDir(): string {
    return join(this.options.root, 'tmp');
  }
  private get indexPath(): string {
    return join(this.options.root, 'images.json');
  }
  blobPath(digest: string): string {
    return join(this.options.root, 'blobs', 'sha256', hexOf(digest));
  }
  private layerDir(chainId: string): string {
    return join(this.options.root, 'layers', hexOf(chainId));
  }
  private tmpPath(): string {
    return join(this.tmpDir, randomBytes(8).toString('hex'));
  }

  private toRecord(image: StoredImage): ImageRecord {
    return {
      ref: image.ref,
      id: image.id,
      digest: image.digest,
      layerDirs: image.layers.map((l) => this.layerDir(l.chainId)),
      config: image.config,
      sizeBytes: image.sizeBytes,
    };
  }

  /** Finds an image by reference (normalized) or by image ID ("sha256:<config digest>"). */
  private lookup(input: string, ref: ImageReference | undefined): StoredImage | undefined {
    if (ref) {
      const found = this.images.get(formatReference(ref));
      if (found) return found;
    }
    const idMatch = IMAGE_ID_PATTERN.exec(input);
    if (idMatch) return [...this.images.values()].find((i) => i.id === `sha256:${idMatch[1]}`);
    return undefined;
  }

  /** The image for a reference or ID, if present. */
  getImage(input: string): ImageRecord | undefined {
    const parsed = parseReference(input);
    const image = this.lookup(input, parsed.ok ? parsed.ref : undefined);
    return image ? this.toRecord(image) : undefined;
  }

  async ensureImage(input: string, policy: PullPolicy, credentials: readonly RegistryCredential[], signal?: AbortSignal): Promise<ImageRecord> {
    const parsed = parseReference(input);
    let present = this.lookup(input, parsed.ok ? parsed.ref : undefined);
    if (!present && (await this.absorbImports()) > 0) present = this.lookup(input, parsed.ok ? parsed.ref : undefined);
    if (present && policy !== 'Always') {
      this.touch(present);
      return this.toRecord(present);
    }
    if (policy === 'Never') {
      throw new ImagePullError(`Container image "${input}" is not present with pull policy of Never`, 'ErrImageNeverPull');
    }
    if (!parsed.ok) throw new ImagePullError(`Failed to apply default image tag "${input}": ${parsed.message}`, 'InvalidImageName');
    const ref = formatReference(parsed.ref);
    let pull = this.pulls.get(ref);
    if (!pull) {
      pull = this.pullWithCredentials(parsed.ref, credentials).finally(() => this.pulls.delete(ref));
      this.pulls.set(ref, pull);
    }
    const image = await raceAbort(pull, signal);
    this.touch(image);
    return this.toRecord(image);
  }

  private get importsDir(): string {
    return join(this.options.root, 'imported');
  }

  /**
   * Announces an image this process stored to the node agent that owns the store
   * (`skiff image import` runs beside a running agent): a record in imported/ that
   * the agent takes in the next time it looks for an image it does not know.
   */
  async announceImport(ref: string): Promise<void> {
    const image = this.images.get(ref);
    if (!image) return;
    await fsp.mkdir(this.importsDir, { recursive: true });
    const name = `${createHash('sha256').update(ref).digest('hex')}.json`;
    await fsp.writeFile(join(this.importsDir, `${name}.tmp`), JSON.stringify(image));
    await fsp.rename(join(this.importsDir, `${name}.tmp`), join(this.importsDir, name));
  }

  /** Takes in images other processes imported into this store; returns how many. */
  private async absorbImports(): Promise<number> {
    let names: string[];
    try {
      names = (await fsp.readdir(this.importsDir)).filter((n) => n.endsWith('.json'));
    } catch {
      return 0;
    }
    for (const name of names) {
      const path = join(this.importsDir, name);
      try {
        const image = JSON.parse(await fsp.readFile(path, 'utf8')) as StoredImage;
        this.images.set(image.ref, image);
      } finally {
        await fsp.rm(path, { force: true });
      }
    }
    if (names.length > 0) await this.saveIndex();
    return names.length;
  }

  async listImages(): Promise<readonly ImageRecord[]> {
    return [...this.images.values()].map((i) => this.toRecord(i));
  }

  async removeImage(input: string): Promise<void> {
    const parsed = parseReference(input);
    const image = this.lookup(input, parsed.ok ? parsed.ref : undefined);
    if (!image) return;
    // An image ID removes every reference to that image, as `crictl rmi <id>` does.
    for (const [ref, other] of this.images) if (other === image || IMAGE_ID_PATTERN.test(input) && other.id === image.id) this.images.delete(ref);
    await this.saveIndex();
    await this.pruneContent();
  }

  /**
   * Removes images no container uses, least recently used first, until the policy is met,
   * then unreferenced layers and blobs. `inUse` holds refs, image IDs or manifest digests.
   */
  async garbageCollectImages(inUse: ReadonlySet<string>, policy: ImageGcPolicy): Promise<ImageGcResult> {
    let toFree: number;
    if ('maxBytes' in policy) {
      const distinct = new Map([...this.images.values()].map((i) => [i.id, i.sizeBytes]));
      toFree = [...distinct.values()].reduce((a, b) => a + b, 0) - policy.maxBytes;
    } else {
      const stats = await fsp.statfs(this.options.root);
      const capacity = stats.blocks * stats.bsize;
      const used = capacity - stats.bavail * stats.bsize;
      toFree = (used / capacity) * 100 >= policy.highPercent ? used - (capacity * policy.lowPercent) / 100 : 0;
    }
    const removed: string[] = [];
    let freedBytes = 0;
    if (toFree <= 0) return { removed, freedBytes };
    const candidates = [...this.images.values()]
      .filter((i) => !inUse.has(i.ref) && !inUse.has(i.id) && !inUse.has(i.digest))
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const image of candidates) {
      if (freedBytes >= toFree) break;
      this.images.delete(image.ref);
      removed.push(image.ref);
      // Another ref to the same image keeps its content: nothing is freed by this one.
      if (![...this.images.values()].some((i) => i.id === image.id)) freedBytes += image.sizeBytes;
    }
    await this.saveIndex();
    await this.pruneContent();
    return { removed, freedBytes };
  }

  private touch(image: StoredImage): void {
    image.lastUsed = this.now();
    void this.saveIndex();
  }

  private saveIndex(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, images: [...this.images.values()] }, null, 1);
    this.indexWrite = this.indexWrite.then(async () => {
      const tmp = `${this.indexPath}.tmp`;
      await fsp.writeFile(tmp, snapshot);
      await fsp.rename(tmp, this.indexPath);
    });
    return this.indexWrite;
  }

  /** Deletes layer directories and blobs no image references and no pull holds. */
  private async pruneContent(): Promise<void> {
    const keep = new Set<string>(this.pinned.keys());
    for (const image of this.images.values()) {
      keep.add(image.digest).add(image.id);
      for (const layer of image.layers) keep.add(layer.digest).add(layer.chainId);
    }
    for (const hex of await fsp.readdir(join(this.options.root, 'layers'))) {
      if (!keep.has(`sha256:${hex}`)) await fsp.rm(join(this.options.root, 'layers', hex), { recursive: true, force: true });
    }
    for (const hex of await fsp.readdir(join(this.options.root, 'blobs', 'sha256'))) {
      if (!keep.has(`sha256:${hex}`)) await fsp.rm(join(this.options.root, 'blobs', 'sha256', hex), { force: true });
    }
  }

  private pin(keys: readonly string[]): () => void {
    for (const key of keys) this.pinned.set(key, (this.pinned.get(key) ?? 0) + 1);
    return () => {
      for (const key of keys) {
        const count = (this.pinned.get(key) ?? 1) - 1;
        if (count <= 0) this.pinned.delete(key);
        else this.pinned.set(key, count);
      }
    };
  }

  /** Tries each credential in order, then anonymous; errors become ImagePullError. */
  private async pullWithCredentials(ref: ImageReference, credentials: readonly RegistryCredential[]): Promise<StoredImage> {
    const name = formatReference(ref);
    // When every attempt is refused, the first (a given credential's) says most.
    let firstError: unknown;
    for (const credential of [...credentials, undefined]) {
      try {
        return await this.pull(ref, credential);
      } catch (err) {
        firstError ??= err;
        // Only an authorization failure is worth another credential.
        if (!(err instanceof PullStageError && err.cause instanceof RegistryError && err.cause.kind === 'Unauthorized')) break;
      }
    }
    if (firstError instanceof PullStageError) {
      const cause = firstError.cause instanceof Error ? firstError.cause.message : String(firstError.cause);
      const detail = firstError.stage === 'resolve' ? `failed to resolve reference "${name}": ${cause}` : cause;
      throw new ImagePullError(`failed to pull and unpack image "${name}": ${detail}`, 'ErrImagePull');
    }
    throw firstError;
  }

  private async pull(ref: ImageReference, credential: RegistryCredential | undefined): Promise<StoredImage> {
    const signal = this.lifetime.signal;
    const repository = ref.path;
    let manifest: FetchedManifest;
    try {
      manifest = await this.registry.getManifest(ref.domain, repository, ref.digest ?? ref.tag ?? 'latest', credential, signal);
      if (ref.digest && manifest.digest !== ref.digest) throw new RegistryError(`manifest digest mismatch: got ${manifest.digest}, want ${ref.digest}`, 'Invalid');
      if (isIndex(manifest.mediaType)) {
        const chosen = this.selectPlatform(parseJson<{ manifests?: Descriptor[] }>(manifest.body).manifests ?? []);
        const child = await this.registry.getManifest(ref.domain, repository, chosen.digest, credential, signal);
        if (child.digest !== chosen.digest) throw new RegistryError(`manifest digest mismatch: got ${child.digest}, want ${chosen.digest}`, 'Invalid');
        manifest = child;
      }
    } catch (err) {
      throw new PullStageError('resolve', err);
    }
    const source: BlobSource = async (descriptor, target, sig) => {
      const response = await this.registry.getBlob(ref.domain, repository, descriptor.digest, credential, sig);
      if (!response.body) throw new RegistryError(`empty body for ${descriptor.digest}`, 'Invalid');
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(target), ...(sig ? [{ signal: sig }] : []));
    };
    try {
      return await this.install(formatReference(ref), manifest.digest, manifest.body, source, signal);
    } catch (err) {
      throw new PullStageError('fetch', err);
    }
  }

  selectPlatform(manifests: readonly Descriptor[]): Descriptor {
    const chosen = manifests.find((m) => platformMatches(this.platform, m.platform));
    if (!chosen) throw new RegistryError(`no match for platform in manifest: not found (want ${formatPlatform(this.platform)})`, 'NotFound');
    return chosen;
  }

  /**
   * Stores an image given its manifest: fetches config and layers through `source`
   * (skipping what is present), unpacks layers, and records `ref`. Used by pulls and imports.
   */
  async install(ref: string, manifestDigest: string, manifestBody: Buffer, source: BlobSource, signal?: AbortSignal): Promise<StoredImage> {
    const manifest = parseJson<{ mediaType?: string; schemaVersion?: number; config?: Descriptor; layers?: Descriptor[] }>(manifestBody);
    if (!manifest.config || !manifest.layers) throw new RegistryError(`unsupported manifest (schemaVersion ${manifest.schemaVersion ?? '?'}, mediaType ${manifest.mediaType ?? '?'})`, 'Invalid');
    const { config: configDescriptor, layers } = manifest;
    const unpin = this.pin([manifestDigest, configDescriptor.digest, ...layers.map((l) => l.digest)]);
    let unpinChains = (): void => {};
    try {
      await this.writeBlob(manifestDigest, manifestBody);
      await this.ensureBlob(configDescriptor, source, signal);
      const configJson = parseJson<unknown>(await fsp.readFile(this.blobPath(configDescriptor.digest)));
      const { config, diffIds } = parseImageConfig(configJson);
      if (diffIds.length !== layers.length) throw new RegistryError(`image config has ${diffIds.length} diff_ids for ${layers.length} layers`, 'Invalid');
      const chains = chainIds(diffIds);
      unpinChains = this.pin(chains);
      // Downloads in parallel; unpacking in order, since each layer reads the ones below.
      await Promise.all(layers.map(async (layer, i) => {
        if (!(await exists(this.layerDir(chains[i] ?? '')))) await this.ensureBlob(layer, source, signal);
      }));
      for (let i = 0; i < layers.length; i++) {
        await this.ensureLayer(chains.slice(0, i + 1), layers[i] as Descriptor, diffIds[i] ?? '', signal);
      }
      const image: StoredImage = {
        ref,
        id: configDescriptor.digest,
        digest: manifestDigest,
        layers: layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, diffId: diffIds[i] ?? '', chainId: chains[i] ?? '' })),
        config,
        sizeBytes: manifestBody.length + configDescriptor.size + layers.reduce((sum, l) => sum + l.size, 0),
        lastUsed: this.now(),
      };
      this.images.set(ref, image);
      await this.saveIndex();
      return image;
    } finally {
      unpin();
      unpinChains();
    }
  }

  private async writeBlob(digest: string, body: Buffer): Promise<void> {
    const tmp = this.tmpPath();
    await fsp.writeFile(tmp, body);
    await fsp.rename(tmp, this.blobPath(digest));
  }

  /** Fetches a blob into the store unless present; verifies size and digest. */
  private ensureBlob(descriptor: Descriptor, source: BlobSource, signal?: AbortSignal): Promise<void> {
    const existing = this.blobWork.get(descriptor.digest);
    if (existing) return existing;
    const work = (async () => {
      const path = this.blobPath(descriptor.digest);
      if (await exists(path)) return;
      const tmp = this.tmpPath();
      try {
        await source(descriptor, tmp, signal);
        const actual = await fileDigest(tmp);
        if (actual.digest !== descriptor.digest) throw new RegistryError(`failed to verify ${descriptor.digest}: got digest ${actual.digest}`, 'Invalid');
        if (descriptor.size !== undefined && actual.size !== descriptor.size) throw new RegistryError(`failed to verify ${descriptor.digest}: got size ${actual.size}, want ${descriptor.size}`, 'Invalid');
        await fsp.rename(tmp, path);
      } finally {
        await fsp.rm(tmp, { force: true });
      }
    })().finally(() => this.blobWork.delete(descriptor.digest));
    this.blobWork.set(descriptor.digest, work);
    return work;
  }

  /** Unpacks the top layer of `chain` into layers/<chainID> unless present. */
  private ensureLayer(chain: readonly string[], blob: Descriptor, diffId: string, signal?: AbortSignal): Promise<void> {
    const chainId = chain[chain.length - 1] ?? '';
    const existing = this.layerWork.get(chainId);
    if (existing) return existing;
    const work = (async () => {
      const dir = this.layerDir(chainId);
      if (await exists(dir)) return;
      const tmp = this.tmpPath();
      await fsp.mkdir(tmp, { mode: 0o755 });
      try {
        const lowerDirs = chain.slice(0, -1).map((c) => this.layerDir(c));
        let actual: string;
        try {
          actual = await unpackLayer(this.blobPath(blob.digest), tmp, lowerDirs, signal);
        } catch (err) {
          if (err instanceof LayerFormatError || (err as NodeJS.ErrnoException).code !== undefined) {
            throw new RegistryError(`failed to extract layer ${diffId}: ${(err as Error).message}`, 'Invalid');
          }
          throw err;
        }
        if (actual !== diffId) throw new RegistryError(`failed to extract layer ${diffId}: layer content digest ${actual} does not match the image config`, 'Invalid');
        await fsp.rename(tmp, dir);
      } finally {
        await fsp.rm(tmp, { recursive: true, force: true });
      }
    })().finally(() => this.layerWork.delete(chainId));
    this.layerWork.set(chainId, work);
    return work;
  }
}

/** A failure with the pull stage it happened in, for containerd-style messages. */
class PullStageError extends Error {
  constructor(readonly stage: 'resolve' | 'fetch', override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

function parseJson<T>(body: Buffer | string): T {
  try {
    return JSON.parse(body.toString()) as T;
  } catch (err) {
    throw new RegistryError(`invalid JSON: ${(err as Error).message}`, 'Invalid');
  }
}

async function exists(path: string): Promise<boolean> {
  return fsp.lstat(path).then(() => true, () => false);
}

export async function fileDigest(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Waits for a shared promise, giving up (without cancelling it) when `signal` aborts. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
