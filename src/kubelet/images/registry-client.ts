// A client for the OCI distribution API: manifests and blobs, with anonymous access,
// bearer tokens (Docker Hub's flow: 401 + WWW-Authenticate: Bearer realm=,service=,scope=
// -> GET realm for a token, with basic credentials when given) and basic auth.

import { createHash } from 'node:crypto';
import type { RegistryCredential } from '../runtime/types.js';
import { isLoopbackRegistry, registryApiHost } from './reference.js';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(', ');

export type RegistryErrorKind = 'NotFound' | 'Unauthorized' | 'Unavailable' | 'Invalid';

/** A failed registry exchange; `message` is in containerd's words. */
export class RegistryError extends Error {
  constructor(message: string, readonly kind: RegistryErrorKind) {
    super(message);
  }
}

export interface RegistryClientOptions {
  /** Registries (host[:port]) reached over plain HTTP besides loopback ones. */
  readonly insecureRegistries?: readonly string[];
}

export interface FetchedManifest {
  readonly mediaType: string;
  readonly body: Buffer;
  /** "sha256:..." of the body. */
  readonly digest: string;
}

interface Challenge {
  readonly scheme: string;
  readonly params: Record<string, string>;
}

/** Parses `Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const paramPattern = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const p of (match[2] ?? '').matchAll(paramPattern)) {
    params[(p[1] ?? '').toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: (match[1] ?? '').toLowerCase(), params };
}

function basicHeader(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

export class RegistryClient {
  /** Authorization header per registry, repository and credential, with its expiry. */
  private readonly authCache = new Map<string, { header: string; expiresAt: number }>();

  constructor(private readonly options: RegistryClientOptions = {}) {}

  private baseUrl(domain: string): string {
    const plain = isLoopbackRegistry(domain) || (this.options.insecureRegistries ?? []).includes(domain);
    return `${plain ? 'http' : 'https'}://${registryApiHost(domain)}`;
  }

  /** GETs a manifest by tag or digest. */
  async getManifest(domain: string, repository: string, reference: string, credential: RegistryCredential | undefined, signal?: AbortSignal): Promise<FetchedManifest> {
    const name = `${domain}/${repository}:${reference}`.replace(/:(sha256:)/, '@$1');
    const response = await this.request(domain, repository, `/v2/${repository}/manifests/${reference}`, { Accept: MANIFEST_ACCEPT }, credential, signal);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new RegistryError(`${name}: not found`, 'NotFound');
    }
    if (!response.ok) throw await statusError(response, 'GET');
    const body = Buffer.from(await response.arrayBuffer());
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() || mediaTypeOf(body);
    return { mediaType, body, digest };
  }

  /** GETs a blob; the caller streams and verifies the body. */
  async getBlob(domain: string, repository: string, digest: string, credential: RegistryCredential | undefined, signal?: AbortSignal): Promise<Response> {
    const response = await this.request(domain, repository, `/v2/${repository}/blobs/${digest}`, {}, credential, signal);
    if (response.status === 404) {
      await response.body?.cancel();
      throw new RegistryError(`${domain}/${repository}@${digest}: not found`, 'NotFound');
    }
    if (!response.ok) throw await statusError(response, 'GET');
    return response;
  }

  private async request(domain: string, repository: string, path: string, headers: Record<string, string>, credential: RegistryCredential | undefined, signal?: AbortSignal): Promise<Response> {
    const url = this.baseUrl(domain) + path;
    const cacheKey = `${domain}\n${repository}\n${credential ? `${credential.username}\n${credential.password}` : ''}`;
    const cached = this.authCache.get(cacheKey);
    const authorization = cached && cached.expiresAt > Date.now() ? cached.header : undefined;
    let response = await doFetch(url, { ...headers, ...(authorization ? { Authorization: authorization } : {}) }, signal);
    if (response.status !== 401) return response;

    const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
    await response.body?.cancel();
    let header: string;
    let expiresAt = Date.now() + 10 * 60_000;
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      const token = await this.fetchToken(challenge.params, repository, credential, signal);
      header = `Bearer ${token.token}`;
      expiresAt = Date.now() + Math.max(10, token.expiresIn - 10) * 1000;
    } else if (challenge?.scheme === 'basic' && credential) {
      header = basicHeader(credential);
    } else {
      throw new RegistryError(`pull access denied, repository does not exist or may require authorization: unexpected status from GET request to ${url}: 401 Unauthorized`, 'Unauthorized');
    }
    response = await doFetch(url, { ...headers, Authorization: header }, signal);
    if (response.status === 401 || response.status === 403) {
      const text = await response.text().catch(() => '');
      throw new RegistryError(`pull access denied, repository does not exist or may require authorization: server message: ${serverMessage(text) ?? `${response.status} ${response.statusText}`}`, 'Unauthorized');
    }
    this.authCache.set(cacheKey, { header, expiresAt });
    return response;
  }

  private async fetchToken(params: Record<string, string>, repository: string, credential: RegistryCredential | undefined, signal?: AbortSignal): Promise<{ token: string; expiresIn: number }> {
    const url = new URL(params.realm ?? '');
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', `repository:${repository}:pull`);
    const response = await doFetch(url.toString(), credential ? { Authorization: basicHeader(credential) } : {}, signal);
    if (!response.ok) {
      await response.body?.cancel();
      const what = credential ? 'failed to fetch oauth token' : 'failed to fetch anonymous token';
      throw new RegistryError(`failed to authorize: ${what}: unexpected status from GET request to ${url.toString()}: ${response.status} ${response.statusText}`, 'Unauthorized');
    }
    const body = (await response.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`failed to authorize: no token in response from ${url.toString()}`, 'Unauthorized');
    return { token, expiresIn: body.expires_in ?? 60 };
  }
}

async function doFetch(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new RegistryError(`failed to do request: Get "${url}": ${cause}`, 'Unavailable');
  }
}

async function statusError(response: Response, method: string): Promise<RegistryError> {
  const text = await response.text().catch(() => '');
  const message = serverMessage(text);
  return new RegistryError(
    `unexpected status from ${method} request to ${response.url}: ${response.status} ${response.statusText}${message ? `: ${message}` : ''}`,
    response.status >= 500 ? 'Unavailable' : 'Invalid',
  );
}

/** `{"errors":[{"code":"DENIED","message":"..."}]}` -> "denied: ...". */
function serverMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    return first ? `${(first.code ?? '').toLowerCase()}: ${first.message ?? ''}` : undefined;
  } catch {
    return undefined;
  }
}

/** Registries that omit Content-Type: tell manifests from indexes by their fields. */
function mediaTypeOf(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: string; manifests?: unknown };
    return parsed.mediaType ?? (parsed.manifests ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
  } catch {
    return '';
  }
}
