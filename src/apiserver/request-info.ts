// What a request is about, from its method and path (upstream's RequestInfoFactory):
// /api/v1/namespaces/ns/pods/name/log -> verb get, resource pods, subresource log.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'proxy' | 'connect';

export interface ResourceRequestInfo {
  readonly isResourceRequest: true;
  readonly path: string;
  readonly verb: Verb;
  /** "" for the core group. */
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

export interface NonResourceRequestInfo {
  readonly isResourceRequest: false;
  readonly path: string;
  readonly verb: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

// Subresources of a namespace that are not resources in their own right.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const lower = method.toLowerCase();
  const nonResource = (): NonResourceRequestInfo => ({ isResourceRequest: false, path, verb: lower });
  // Only an escape changes under decoding (most segments have none).
  let parts = splitPath(path).map((p) => (p.includes('%') ? decodeURIComponent(p) : p));
  let apiGroup = '';
  if (parts[0] === 'api') {
    if (parts.length < 3) return nonResource(); // /api, /api/v1
    parts = parts.slice(1);
  } else if (parts[0] === 'apis') {
    if (parts.length < 4) return nonResource(); // /apis, /apis/g, /apis/g/v
    apiGroup = parts[1]!;
    parts = parts.slice(2);
  } else {
    return nonResource();
  }
  const apiVersion = parts[0]!;
  parts = parts.slice(1);

  let verb: Verb;
  switch (method.toUpperCase()) {
    case 'POST':
      verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      verb = 'get';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = 'delete';
      break;
    default:
      verb = lower as Verb;
  }
  // Legacy /watch/ and /proxy/ path prefixes.
  if (parts[0] === 'watch') {
    verb = 'watch';
    parts = parts.slice(1);
  } else if (parts[0] === 'proxy') {
    verb = 'proxy';
    parts = parts.slice(1);
  }

  let namespace = '';
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1]!;
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  const resource = parts[0] ?? '';
  const name = parts[1] ?? '';
  const subresource = parts[2] ?? '';
  if (parts.length > 3 && subresource !== 'proxy') return nonResource();

  if (name === '') {
    if (verb === 'get') verb = 'list';
    else if (verb === 'delete') verb = 'deletecollection';
  }
  const watchParam = query.get('watch');
  if ((verb === 'list' || verb === 'get') && (watchParam === 'true' || watchParam === '1')) verb = 'watch';
  return { isResourceRequest: true, path, verb, apiGroup, apiVersion, namespace, resource, subresource, name };
}
