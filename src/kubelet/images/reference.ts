// Image reference parsing and normalization as docker/distribution's `reference`
// package does it: "busybox" -> "docker.io/library/busybox:latest"; the first path
// component is a registry host when it has a '.' or ':' or is "localhost".

export interface ImageReference {
  /** Registry as named in references ("docker.io", "127.0.0.1:5000"). */
  readonly domain: string;
  /** Repository path inside the registry ("library/busybox"). */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export type ParseResult = { ok: true; ref: ImageReference } | { ok: false; message: string };

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

/** Parses and normalizes a reference the way `docker pull` and the kubelet do. */
export function parseReference(input: string): ParseResult {
  const invalid = (why = 'invalid reference format'): ParseResult => ({
    ok: false,
    message: `couldn't parse image reference "${input}": ${why}`,
  });
  if (input === '' || input.trim() !== input) return invalid();

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return invalid();
    if (digest.startsWith('sha256:') && !SHA256_DIGEST.test(digest)) return invalid('invalid checksum digest format');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return invalid();
  }
  if (rest === '') return invalid();

  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!DOMAIN.test(domain)) return invalid();
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;

  const components = path.split('/');
  if (!components.every((c) => COMPONENT.test(c))) {
    return path.toLowerCase() !== path && components.every((c) => COMPONENT.test(c.toLowerCase()))
      ? invalid('invalid reference format: repository name must be lowercase')
      : invalid();
  }
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) return invalid('repository name must not be more than 255 characters');
  // Neither tag nor digest: docker's default tag.
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { ok: true, ref: { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) } };
}

/** "docker.io/library/busybox". */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully qualified form: "docker.io/library/busybox:latest", "repo@sha256:...", or both. */
export function formatReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Docker Hub's API lives at registry-1.docker.io; every other registry at its own name. */
export function registryApiHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? 'registry-1.docker.io' : domain;
}

/** Registries on loopback are reached over plain HTTP, like Docker's default. */
export function isLoopbackRegistry(domain: string): boolean {
  const host = domain.startsWith('[') ? domain.slice(1, domain.indexOf(']')) : domain.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
