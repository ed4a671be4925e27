// `skiff image import FILE`: loads an OCI image layout tarball or a `docker save`
// tarball into the store, for machines without a registry.

import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import type { ImageRecord } from '../runtime/types.js';
import { formatReference, parseReference } from './reference.js';
import { MEDIA_TYPES } from './registry-client.js';
import { fileDigest, ImageStore, sha256, type Descriptor } from './store.js';

export interface ImportOptions {
  /** Reference for images the tarball does not name (an OCI layout with bare tags). */
  readonly ref?: string;
}

export class ImageImportError extends Error {}

interface DockerSaveEntry {
  readonly Config: string;
  readonly RepoTags?: readonly string[] | null;
  readonly Layers: readonly string[];
}

/** Imports every image in the tarball; returns the records stored, one per reference. */
export async function importImage(store: ImageStore, file: string, options: ImportOptions = {}): Promise<ImageRecord[]> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'skiff-image-import-'));
  try {
    await tar.x({ file, cwd: dir, strict: true, preserveOwner: false });
    const hasOciIndex = await readJson<{ manifests?: Descriptor[] }>(join(dir, 'index.json'));
    const dockerManifest = await readJson<DockerSaveEntry[]>(join(dir, 'manifest.json'));
    // Docker 25+ writes both: its index annotations name the images as well.
    const named = hasOciIndex?.manifests?.some((m) => m.annotations?.['io.containerd.image.name']);
    if (hasOciIndex && (named || !dockerManifest)) return await importOciLayout(store, dir, hasOciIndex.manifests ?? [], options);
    if (dockerManifest) return await importDockerSave(store, dir, dockerManifest, options);
    throw new ImageImportError(`${file}: neither an OCI image layout (index.json) nor a docker save tarball (manifest.json)`);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fsp.readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ImageImportError(`${path}: ${(err as Error).message}`);
  }
}

function normalize(name: string): string {
  const parsed = parseReference(name);
  if (!parsed.ok) throw new ImageImportError(parsed.message);
  return formatReference(parsed.ref);
}

function blobFile(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new ImageImportError(`unsupported digest ${digest}`);
  return join(dir, 'blobs', 'sha256', hex ?? '');
}

async function importOciLayout(store: ImageStore, dir: string, manifests: readonly Descriptor[], options: ImportOptions): Promise<ImageRecord[]> {
  const source = async (descriptor: Descriptor, target: string): Promise<void> => fsp.copyFile(blobFile(dir, descriptor.digest), target);
  const records: ImageRecord[] = [];
  for (const descriptor of manifests) {
    const annotations = descriptor.annotations ?? {};
    const refName = annotations['org.opencontainers.image.ref.name'];
    const fullName = annotations['io.containerd.image.name'] ?? (refName && /[/:@]/.test(refName) ? refName : undefined);
    const name = fullName ?? options.ref;
    if (!name) throw new ImageImportError(`image ${descriptor.digest} has no name in the layout: pass a reference`);
    let manifest = descriptor;
    let body = await fsp.readFile(blobFile(dir, manifest.digest));
    if (manifest.mediaType === MEDIA_TYPES.ociIndex || manifest.mediaType === MEDIA_TYPES.dockerList) {
      const index = JSON.parse(body.toString()) as { manifests?: Descriptor[] };
      manifest = store.selectPlatform(index.manifests ?? []);
      body = await fsp.readFile(blobFile(dir, manifest.digest));
    }
    if (sha256(body) !== manifest.digest) throw new ImageImportError(`manifest ${manifest.digest} does not match its content`);
    const ref = normalize(name);
    await store.install(ref, manifest.digest, body, source);
    records.push(requireRecord(store, ref));
  }
  return records;
}

async function importDockerSave(store: ImageStore, dir: string, entries: readonly DockerSaveEntry[], options: ImportOptions): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  for (const entry of entries) {
    // docker save has no manifest of its own: describe its files as a Docker v2 manifest.
    const files = new Map<string, string>();
    const describe = async (relative: string, mediaType: string): Promise<Descriptor> => {
      const path = join(dir, relative);
      if (!path.startsWith(dir + '/')) throw new ImageImportError(`path escapes the tarball: ${relative}`);
      const { digest, size } = await fileDigest(path);
      files.set(digest, path);
      return { mediaType, digest, size };
    };
    const config = await describe(entry.Config, MEDIA_TYPES.dockerConfig);
    const layers: Descriptor[] = [];
    for (const layer of entry.Layers) {
      const head = Buffer.alloc(2);
      const handle = await fsp.open(join(dir, layer), 'r');
      await handle.read(head, 0, 2, 0).finally(() => handle.close());
      const gzip = head[0] === 0x1f && head[1] === 0x8b;
      layers.push(await describe(layer, gzip ? MEDIA_TYPES.dockerLayerGzip : 'application/vnd.docker.image.rootfs.diff.tar'));
    }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifest, config, layers }));
    const source = async (descriptor: Descriptor, target: string): Promise<void> => {
      const path = files.get(descriptor.digest);
      if (!path) throw new ImageImportError(`blob ${descriptor.digest} missing from the tarball`);
      await fsp.copyFile(path, target);
    };
    const names = entry.RepoTags?.length ? entry.RepoTags : options.ref ? [options.ref] : [];
    if (names.length === 0) throw new ImageImportError(`image ${config.digest} has no RepoTags: pass a reference`);
    for (const name of names) {
      const ref = normalize(name);
      await store.install(ref, sha256(manifest), manifest, source);
      records.push(requireRecord(store, ref));
    }
  }
  return records;
}

function requireRecord(store: ImageStore, ref: string): ImageRecord {
  const record = store.getImage(ref);
  if (!record) throw new Error(`bug: imported image ${ref} is not in the store`);
  return record;
}

/** For `skiff image import FILE`: opens the store under `root`, imports, closes; returns the refs. */
export async function importImageFile(root: string, file: string, options: ImportOptions = {}): Promise<string[]> {
  const store = await ImageStore.open({ root });
  try {
    const refs = (await importImage(store, file, options)).map((r) => r.ref);
    for (const ref of refs) await store.announceImport(ref);
    return refs;
  } finally {
    await store.close();
  }
}
