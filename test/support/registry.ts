// Registries and images for tests: a real Debian `docker-registry` on loopback, a small
// in-process fake registry (for auth flows and failure cases), OCI images built in
// memory (busybox from Debian's busybox-static), pushes through the distribution API,
// and image tarballs in `docker save` and OCI layout form.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { freePort } from '../../src/testing/index.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const BUSYBOX_BINARY = '/usr/bin/busybox';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** Why registry tests cannot run here, or false. */
export function registrySkipReason(): string | false {
  if (!existsSync(REGISTRY_BINARY)) return `needs ${REGISTRY_BINARY} (Debian package docker-registry)`;
  return busyboxSkipReason();
}

export function busyboxSkipReason(): string | false {
  return existsSync(BUSYBOX_BINARY) ? false : `needs ${BUSYBOX_BINARY} (Debian package busybox-static)`;
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// ---------------------------------------------------------------- tar and images

export interface TarEntry {
  readonly path: string;
  readonly type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  readonly content?: Buffer | string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Target of a symlink (verbatim) or hardlink (archive path). */
  readonly linkname?: string;
}

const TYPE_FLAGS = { file: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const header = Buffer.alloc(512);
  let name = entry.path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`tar path too long: ${entry.path}`);
  }
  const type = entry.type ?? 'file';
  header.write(name, 0, 100);
  header.write(octal(entry.mode ?? (type === 'dir' ? 0o755 : 0o644), 8), 100);
  header.write(octal(entry.uid ?? 0, 8), 108);
  header.write(octal(entry.gid ?? 0, 8), 116);
  header.write(octal(size, 12), 124);
  header.write(octal(1700000000, 12), 136);
  header.write('        ', 148);
  header.write(TYPE_FLAGS[type], 156);
  header.write(entry.linkname ?? '', 157, 100);
  header.write('ustar\0', 257);
  header.write('00', 263);
  header.write(prefix, 345, 155);
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(checksum.toString(8).padStart(6, '0') + '\0 ', 148);
  return header;
}

/** An uncompressed tar archive of `entries`, in order (root-owned unless said otherwise). */
export function makeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === undefined || entry.type === 'file' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0);
    parts.push(tarHeader(entry, content.length), content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface ImageBlob {
  readonly mediaType: string;
  readonly digest: string;
  readonly data: Buffer;
}

export interface BuiltImage {
  readonly manifest: ImageBlob;
  readonly config: ImageBlob;
  readonly layers: readonly (ImageBlob & { readonly diffId: string })[];
}

export interface ImageSpec {
  /** Layers, lowest first; each a list of tar entries. */
  readonly layers: readonly (readonly TarEntry[])[];
  readonly config?: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string };
  readonly architecture?: string;
  readonly os?: string;
}

const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
export const HOST_ARCH = GO_ARCH[process.arch] ?? process.arch;

/** An OCI image (gzip layers) built in memory. */
export function buildImage(spec: ImageSpec): BuiltImage {
  const layers = spec.layers.map((entries) => {
    const raw = makeTar(entries);
    const data = gzipSync(raw);
    return { mediaType: OCI_LAYER_GZIP, digest: sha256(data), data, diffId: sha256(raw) };
  });
  const configData = Buffer.from(JSON.stringify({
    architecture: spec.architecture ?? HOST_ARCH,
    os: spec.os ?? 'linux',
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  }));
  const config = { mediaType: OCI_CONFIG, digest: sha256(configData), data: configData };
  const manifestData = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.data.length })),
  }));
  return { manifest: { mediaType: OCI_MANIFEST, digest: sha256(manifestData), data: manifestData }, config, layers };
}

/** An OCI index over images, each with its platform (from its config). */
export function buildIndex(images: readonly { image: BuiltImage; architecture: string; os?: string; variant?: string }[]): ImageBlob {
  const data = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map(({ image, architecture, os, variant }) => ({
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.data.length,
      platform: { architecture, os: os ?? 'linux', ...(variant ? { variant } : {}) },
    })),
  }));
  return { mediaType: OCI_INDEX, digest: sha256(data), data };
}

const BUSYBOX_APPLETS = ['sh', 'echo', 'cat', 'ls', 'sleep', 'httpd', 'wget', 'nslookup', 'env', 'id', 'ps', 'mkdir', 'touch', 'hostname', 'grep', 'head', 'tail', 'true', 'false', 'kill', 'nc', 'ip', 'tar', 'date', 'stty'];

/** The tar entries of a busybox root filesystem from /usr/bin/busybox. */
export function busyboxLayerEntries(): TarEntry[] {
  return [
    { path: 'bin/', type: 'dir' },
    { path: 'bin/busybox', content: readFileSync(BUSYBOX_BINARY), mode: 0o755 },
    ...BUSYBOX_APPLETS.map((name): TarEntry => ({ path: `bin/${name}`, type: 'symlink', linkname: '/bin/busybox' })),
    { path: 'etc/', type: 'dir' },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { path: 'etc/group', content: 'root:x:0:\nnobody:x:65534:\n' },
    { path: 'root/', type: 'dir', mode: 0o700 },
    { path: 'tmp/', type: 'dir', mode: 0o1777 },
  ];
}

/**
 * A one-layer OCI busybox image (PATH set, Cmd ["sh"]); with `dir`, also written there
 * as an OCI image layout.
 */
export async function buildBusyboxImage(dir?: string): Promise<BuiltImage> {
  const image = buildImage({
    layers: [busyboxLayerEntries()],
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
  });
  if (dir) await writeOciLayout(dir, image, 'latest');
  return image;
}

function blobsOf(image: BuiltImage): ImageBlob[] {
  return [...image.layers, image.config, image.manifest];
}

/** Writes an OCI image layout (oci-layout, index.json, blobs/) into `dir`. */
export async function writeOciLayout(dir: string, image: BuiltImage, refName: string, extraBlobs: readonly ImageBlob[] = []): Promise<void> {
  await fsp.mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const blob of [...blobsOf(image), ...extraBlobs]) await fsp.writeFile(join(dir, 'blobs', 'sha256', blob.digest.slice(7)), blob.data);
  await fsp.writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const annotations = /[/:]/.test(refName)
    ? { 'io.containerd.image.name': refName, 'org.opencontainers.image.ref.name': refName.replace(/^.*:/, '') }
    : { 'org.opencontainers.image.ref.name': refName };
  await fsp.writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [{ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.data.length, annotations }],
  }));
}

async function tarDirectory(dir: string, file: string): Promise<void> {
  const entries = await fsp.readdir(dir);
  await tar.c({ file, cwd: dir, portable: true }, entries);
}

/** An OCI image layout tarball; `refName` is a full reference or a bare tag. */
export async function writeOciLayoutTarball(file: string, image: BuiltImage, refName: string): Promise<void> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'skiff-oci-layout-'));
  try {
    await writeOciLayout(dir, image, refName);
    await tarDirectory(dir, file);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** A `docker save` tarball (legacy layout: <id>/layer.tar uncompressed, <config hex>.json, manifest.json, repositories). */
export async function writeDockerSaveTarball(file: string, image: BuiltImage, repoTags: readonly string[]): Promise<void> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'skiff-docker-save-'));
  try {
    const configName = `${image.config.digest.slice(7)}.json`;
    await fsp.writeFile(join(dir, configName), image.config.data);
    const layerPaths: string[] = [];
    for (const layer of image.layers) {
      const id = layer.diffId.slice(7);
      await fsp.mkdir(join(dir, id));
      await fsp.writeFile(join(dir, id, 'layer.tar'), gunzipSync(layer.data));
      await fsp.writeFile(join(dir, id, 'VERSION'), '1.0');
      layerPaths.push(`${id}/layer.tar`);
    }
    await fsp.writeFile(join(dir, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: layerPaths }]));
    const repositories: Record<string, Record<string, string>> = {};
    for (const repoTag of repoTags) {
      const colon = repoTag.lastIndexOf(':');
      (repositories[repoTag.slice(0, colon)] ??= {})[repoTag.slice(colon + 1)] = layerPaths[layerPaths.length - 1]?.split('/')[0] ?? '';
    }
    await fsp.writeFile(join(dir, 'repositories'), JSON.stringify(repositories));
    await tarDirectory(dir, file);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- docker-registry

export interface RunningRegistry {
  /** "127.0.0.1:PORT". */
  readonly host: string;
  stop(): Promise<void>;
}

/** Starts Debian's docker-registry on loopback with its own storage; waits until /v2/ answers. */
/** A registry on `address` (default 127.0.0.1) and a free port. */
export async function startRegistry(options: { address?: string } = {}): Promise<RunningRegistry> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'skiff-registry-'));
  const port = await freePort();
  const host = `${options.address ?? '127.0.0.1'}:${port}`;
  const configPath = join(dir, 'config.yml');
  await fsp.writeFile(configPath, [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    '',
  ].join('\n'));
  const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await fsp.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForRegistry(host, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, stop };
}

async function waitForRegistry(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(`http://${host}/v2/`);
      const body = await response.text();
      // An upstream proxy may answer for closed ports: check it is the registry's answer.
      if (response.status === 200 && body.trim() === '{}' && response.headers.get('docker-distribution-api-version')) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`docker-registry on ${host} did not answer: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------- pushing

export interface PushOptions {
  /** Authorization header value for every request (e.g. "Basic ..."). */
  readonly authorization?: string;
}

function authHeaders(options: PushOptions): Record<string, string> {
  return options.authorization ? { Authorization: options.authorization } : {};
}

/** Uploads a blob (monolithic POST then PUT) unless the registry has it. */
export async function pushBlob(host: string, repo: string, blob: ImageBlob, options: PushOptions = {}): Promise<void> {
  const head = await fetch(`http://${host}/v2/${repo}/blobs/${blob.digest}`, { method: 'HEAD', headers: authHeaders(options) });
  if (head.status === 200) return;
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: authHeaders(options) });
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new Error(`blob upload start for ${repo}: ${start.status}`);
  const url = new URL(location, `http://${host}`);
  url.searchParams.set('digest', blob.digest);
  const put = await fetch(url, { method: 'PUT', body: blob.data, headers: { ...authHeaders(options), 'Content-Type': 'application/octet-stream' } });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`blob upload ${blob.digest} to ${repo}: ${put.status} ${text}`);
}

export async function pushManifest(host: string, repo: string, reference: string, manifest: ImageBlob, options: PushOptions = {}): Promise<void> {
  const response = await fetch(`http://${host}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    body: manifest.data,
    headers: { ...authHeaders(options), 'Content-Type': manifest.mediaType },
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`manifest push ${repo}:${reference}: ${response.status} ${text}`);
}

/** Pushes an image's blobs and manifest as repo:tag. */
export async function pushImage(registryHost: string, repo: string, tag: string, image: BuiltImage, options: PushOptions = {}): Promise<void> {
  for (const blob of [...image.layers, image.config]) await pushBlob(registryHost, repo, blob, options);
  await pushManifest(registryHost, repo, tag, image.manifest, options);
}

/** Pushes several images by digest and an index over them as repo:tag. */
export async function pushIndex(registryHost: string, repo: string, tag: string, index: ImageBlob, images: readonly BuiltImage[], options: PushOptions = {}): Promise<void> {
  for (const image of images) await pushImage(registryHost, repo, image.manifest.digest, image, options);
  await pushManifest(registryHost, repo, tag, index, options);
}

// ---------------------------------------------------------------- fake registry

export interface FakeRegistryOptions {
  /** Require this auth: bearer (token server on the same port, Docker Hub's flow) or basic. */
  readonly auth?: { readonly scheme: 'bearer' | 'basic'; readonly username: string; readonly password: string };
  /** Let anonymous clients get a token too (Docker Hub for public repositories). */
  readonly anonymousPull?: boolean;
}

export interface FakeRegistry {
  readonly host: string;
  /** Request lines seen, "GET /v2/..." (with Authorization scheme appended when sent). */
  readonly requests: string[];
  /** Serves an image (and an optional index over others) under repo:tag. */
  add(repo: string, tag: string, image: BuiltImage): void;
  addIndex(repo: string, tag: string, index: ImageBlob, images: readonly BuiltImage[]): void;
  stop(): Promise<void>;
}

/** A read-only registry in this process: manifests and blobs from memory, optional auth. */
export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const manifests = new Map<string, ImageBlob>(); // "repo\nreference"
  const blobs = new Map<string, Buffer>();
  const requests: string[] = [];
  const tokens = new Set<string>();
  const auth = options.auth;
  const basic = auth ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` : '';
  let host = '';

  const authorized = (req: IncomingMessage): boolean => {
    if (!auth) return true;
    const header = req.headers.authorization ?? '';
    return auth.scheme === 'basic' ? header === basic : tokens.has(header.replace(/^Bearer /, ''));
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    requests.push(`${req.method} ${url.pathname}${url.search}${req.headers.authorization ? ` [${req.headers.authorization.split(' ')[0]}]` : ''}`);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/token') {
      const header = req.headers.authorization;
      if (header ? header !== basic : !options.anonymousPull) return json(401, { details: 'incorrect username or password' });
      const token = randomBytes(12).toString('hex');
      tokens.add(token);
      return json(200, { token, expires_in: 300 });
    }
    if (!authorized(req)) {
      const challenge = auth?.scheme === 'basic'
        ? 'Basic realm="fake registry"'
        : `Bearer realm="http://${host}/token",service="fake-registry"`;
      return json(401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'WWW-Authenticate': challenge });
    }
    if (url.pathname === '/v2/') return json(200, {});
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (match && match[2] === 'manifests') {
      const manifest = manifests.get(`${match[1]}\n${match[3]}`);
      if (!manifest) return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
      res.writeHead(200, { 'Content-Type': manifest.mediaType, 'Docker-Content-Digest': manifest.digest, 'Content-Length': manifest.data.length });
      res.end(req.method === 'HEAD' ? undefined : manifest.data);
      return;
    }
    if (match && match[2] === 'blobs') {
      const blob = blobs.get(match[3] ?? '');
      if (!blob) return json(404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] });
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.length });
      res.end(req.method === 'HEAD' ? undefined : blob);
      return;
    }
    json(404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const add = (repo: string, tag: string, image: BuiltImage): void => {
    for (const blob of [...image.layers, image.config]) blobs.set(blob.digest, blob.data);
    manifests.set(`${repo}\n${tag}`, image.manifest);
    manifests.set(`${repo}\n${image.manifest.digest}`, image.manifest);
  };
  return {
    host,
    requests,
    add,
    addIndex(repo, tag, index, images) {
      for (const image of images) add(repo, image.manifest.digest, image);
      manifests.set(`${repo}\n${tag}`, index);
      manifests.set(`${repo}\n${index.digest}`, index);
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
