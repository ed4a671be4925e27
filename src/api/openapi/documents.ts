// The OpenAPI documents kube-apiserver serves, built from the definitions and
// the served resources:
//   /openapi/v2                          swagger 2.0, all paths, `definitions`
//   /openapi/v3                          {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}
//   /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>, ...
//                                        OpenAPI 3.0 per group version, `components.schemas`
// kubectl reads the operation extensions x-kubernetes-action and
// x-kubernetes-group-version-kind (explain finds a resource's kind through the
// latter on its collection or item path, then the schema with the same GVK).

import { createHash } from 'node:crypto';
import { definitions, definitionForKind, reachableDefinitions, refName, REF_PREFIX_V2, REF_PREFIX_V3, type GroupVersionKind, type SchemaObject } from './schema.js';

export interface ServedResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Resource name in paths, e.g. "deployments". */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Kube verbs: get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verbs: readonly string[];
  /** e.g. status, scale, binding, eviction, log, exec, attach, portforward, proxy, token, approval, ephemeralcontainers, resize. */
  readonly subresources: readonly string[];
}

export interface BuildOptions {
  /** `info.version`, the Kubernetes version the server reports. */
  readonly version?: string;
  /** Definitions served besides the built-ins (e.g. CRD schemas), v2 form, with x-kubernetes-group-version-kind. */
  readonly extraDefinitions?: Readonly<Record<string, SchemaObject>>;
}

export interface OpenAPIV3Documents {
  /** The `/openapi/v3` discovery document. */
  root: object;
  /** Keyed by the path under /openapi/v3/: "api/v1", "apis/apps/v1", "api", "apis", "apis/apps". */
  groupVersions: Map<string, object>;
  /** Hash of each group version document (the `hash` query parameter and ETag upstream serves). */
  hashes: Map<string, string>;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;
const PATCH = `${META}.Patch`;
const WATCH_EVENT = `${META}.WatchEvent`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
const ALWAYS = [STATUS, PATCH, WATCH_EVENT, DELETE_OPTIONS, `${META}.APIResourceList`, `${META}.APIGroupList`, `${META}.APIGroup`, `${META}.APIVersions`];

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';
type Body = { def: string; patch?: boolean };
type Response = { code: string; description: string; def?: string; text?: boolean };

interface Operation {
  path: string;
  method: Method;
  operationId: string;
  description: string;
  tag: string;
  action: string;
  gvk?: GroupVersionKind;
  query: readonly string[];
  body?: Body;
  responses: Response[];
  watch?: boolean;
}

// ---------------------------------------------------------------------------
// Parameters

type ParamType = 'string' | 'boolean' | 'integer';
const PARAMS: Record<string, { type: ParamType; description: string }> = {
  allowWatchBookmarks: { type: 'boolean', description: 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.' },
  continue: { type: 'string', description: 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.' },
  fieldSelector: { type: 'string', description: 'A selector to restrict the list of returned objects by their fields. Defaults to everything.' },
  labelSelector: { type: 'string', description: 'A selector to restrict the list of returned objects by their labels. Defaults to everything.' },
  limit: { type: 'integer', description: 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.' },
  resourceVersion: { type: 'string', description: 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset' },
  resourceVersionMatch: { type: 'string', description: 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset' },
  sendInitialEvents: { type: 'boolean', description: '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event will be sent.' },
  timeoutSeconds: { type: 'integer', description: 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.' },
  watch: { type: 'boolean', description: 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.' },
  dryRun: { type: 'string', description: 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed' },
  fieldManager: { type: 'string', description: 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.' },
  fieldValidation: { type: 'string', description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present.' },
  force: { type: 'boolean', description: 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.' },
  gracePeriodSeconds: { type: 'integer', description: 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.' },
  orphanDependents: { type: 'boolean', description: 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.' },
  propagationPolicy: { type: 'string', description: 'Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: \'Orphan\' - orphan the dependents; \'Background\' - allow the garbage collector to delete the dependents in the background; \'Foreground\' - a cascading policy that deletes all dependents in the foreground.' },
  container: { type: 'string', description: 'The container for which to stream logs / execute the command. Defaults to only container if there is one container in the pod.' },
  follow: { type: 'boolean', description: 'Follow the log stream of the pod. Defaults to false.' },
  limitBytes: { type: 'integer', description: 'If set, the number of bytes to read from the server before terminating the log output. This may not display a complete final line of logging, and may return slightly more or slightly less than the specified limit.' },
  previous: { type: 'boolean', description: 'Return previous terminated container logs. Defaults to false.' },
  sinceSeconds: { type: 'integer', description: 'A relative time in seconds before the current time from which to show logs. If this value precedes the time a pod was started, only logs since the pod start will be returned. If this value is in the future, no logs will be returned. Only one of sinceSeconds or sinceTime may be specified.' },
  tailLines: { type: 'integer', description: 'If set, the number of lines from the end of the logs to show. If not specified, logs are shown from the creation of the container or sinceSeconds or sinceTime' },
  timestamps: { type: 'boolean', description: 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.' },
  command: { type: 'string', description: 'Command is the remote command to execute. argv array. Not executed within a shell.' },
  stdin: { type: 'boolean', description: 'Redirect the standard input stream of the pod for this call. Defaults to false.' },
  stdout: { type: 'boolean', description: 'Redirect the standard output stream of the pod for this call.' },
  stderr: { type: 'boolean', description: 'Redirect the standard error stream of the pod for this call.' },
  tty: { type: 'boolean', description: 'TTY if true indicates that a tty will be allocated for the exec call. Defaults to false.' },
  ports: { type: 'integer', description: 'List of ports to forward Required when using WebSockets' },
  path: { type: 'string', description: 'Path is the URL path to use for the current proxy request.' },
};
const PRETTY = { type: 'string' as ParamType, description: "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget)." };
const PATH_PARAMS: Record<string, string> = {
  name: 'name of the resource',
  namespace: 'object name and auth scope, such as for teams and projects',
};

const LIST_QUERY = ['allowWatchBookmarks', 'continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'timeoutSeconds', 'watch'];
const WRITE_QUERY = ['dryRun', 'fieldManager', 'fieldValidation'];
const PATCH_QUERY = ['dryRun', 'fieldManager', 'fieldValidation', 'force'];
const DELETE_QUERY = ['dryRun', 'gracePeriodSeconds', 'orphanDependents', 'propagationPolicy'];

// ---------------------------------------------------------------------------
// Naming

const capitalize = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** "" -> core, "rbac.authorization.k8s.io" -> rbacAuthorization (upstream tag and operationId stem). */
function groupStem(group: string): string {
  if (!group) return 'core';
  const parts = group.replace(/\.k8s\.io$/, '').split('.');
  return parts.map((p, i) => (i === 0 ? p : capitalize(p))).join('');
}

const gvPrefix = (group: string, version: string): string => (group ? `/apis/${group}/${version}` : `/api/${version}`);

/** Path under /openapi/v3/ for a group version. */
export const groupVersionPath = (group: string, version: string): string => (group ? `apis/${group}/${version}` : `api/${version}`);

// ---------------------------------------------------------------------------
// Operations of a resource

function operationsFor(r: ServedResource, extra: Readonly<Record<string, SchemaObject>> | undefined): Operation[] {
  const ops: Operation[] = [];
  const tag = `${groupStem(r.group)}_${r.version}`;
  const stem = `${capitalize(groupStem(r.group))}${capitalize(r.version)}`;
  const gvk: GroupVersionKind = { group: r.group, kind: r.kind, version: r.version };
  const def = definitionForKind(r.group, r.version, r.kind, extra);
  const listDef = definitionForKind(r.group, r.version, `${r.kind}List`, extra);
  const verbs = new Set(r.verbs);
  const prefix = gvPrefix(r.group, r.version);
  const ns = r.namespaced ? 'Namespaced' : '';
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const item = `${collection}/{name}`;
  const watchCollection = r.namespaced ? `${prefix}/watch/namespaces/{namespace}/${r.plural}` : `${prefix}/watch/${r.plural}`;
  const add = (op: Omit<Operation, 'tag'>): void => {
    ops.push({ ...op, tag });
  };
  const objectResponses = (codes: string[], d: string | undefined): Response[] =>
    codes.map((code) => ({ code, description: code === '200' ? 'OK' : code === '201' ? 'Created' : 'Accepted', ...(d ? { def: d } : {}) }));
  const statusResponse: Response[] = [{ code: '200', description: 'OK', def: STATUS }, { code: '202', description: 'Accepted', def: STATUS }];

  if (verbs.has('list')) {
    add({ path: collection, method: 'get', operationId: `list${stem}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, query: LIST_QUERY, responses: objectResponses(['200'], listDef), watch: true });
    if (r.namespaced) {
      add({ path: `${prefix}/${r.plural}`, method: 'get', operationId: `list${stem}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, action: 'list', gvk, query: LIST_QUERY, responses: objectResponses(['200'], listDef), watch: true });
    }
  }
  if (verbs.has('create')) {
    add({ path: collection, method: 'post', operationId: `create${stem}${ns}${r.kind}`, description: `create ${article(r.kind)} ${r.kind}`, action: 'post', gvk, query: WRITE_QUERY, ...(def ? { body: { def } } : {}), responses: objectResponses(['200', '201', '202'], def) });
  }
  if (verbs.has('deletecollection')) {
    add({ path: collection, method: 'delete', operationId: `deleteCollection${stem}${ns}${r.kind}`, description: `delete collection of ${r.kind}`, action: 'deletecollection', gvk, query: [...DELETE_QUERY, ...LIST_QUERY.filter((q) => q !== 'watch' && q !== 'allowWatchBookmarks')], body: { def: DELETE_OPTIONS }, responses: [statusResponse[0]!] });
  }
  if (verbs.has('get')) {
    add({ path: item, method: 'get', operationId: `read${stem}${ns}${r.kind}`, description: `read the specified ${r.kind}`, action: 'get', gvk, query: [], responses: objectResponses(['200'], def) });
  }
  if (verbs.has('update')) {
    add({ path: item, method: 'put', operationId: `replace${stem}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, action: 'put', gvk, query: WRITE_QUERY, ...(def ? { body: { def } } : {}), responses: objectResponses(['200', '201'], def) });
  }
  if (verbs.has('patch')) {
    add({ path: item, method: 'patch', operationId: `patch${stem}${ns}${r.kind}`, description: `partially update the specified ${r.kind}`, action: 'patch', gvk, query: PATCH_QUERY, body: { def: PATCH, patch: true }, responses: objectResponses(['200', '201'], def) });
  }
  if (verbs.has('delete')) {
    add({ path: item, method: 'delete', operationId: `delete${stem}${ns}${r.kind}`, description: `delete ${article(r.kind)} ${r.kind}`, action: 'delete', gvk, query: DELETE_QUERY, body: { def: DELETE_OPTIONS }, responses: statusResponse });
  }
  if (verbs.has('watch')) {
    const watchResponse: Response[] = [{ code: '200', description: 'OK', def: WATCH_EVENT }];
    add({ path: `${watchCollection}/{name}`, method: 'get', operationId: `watch${stem}${ns}${r.kind}`, description: `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`, action: 'watch', gvk, query: LIST_QUERY, responses: watchResponse, watch: true });
    add({ path: watchCollection, method: 'get', operationId: `watch${stem}${ns}${r.kind}List`, description: `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`, action: 'watchlist', gvk, query: LIST_QUERY, responses: watchResponse, watch: true });
    if (r.namespaced) {
      add({ path: `${prefix}/watch/${r.plural}`, method: 'get', operationId: `watch${stem}${r.kind}ListForAllNamespaces`, description: `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`, action: 'watchlist', gvk, query: LIST_QUERY, responses: watchResponse, watch: true });
    }
  }

  for (const sub of r.subresources) {
    const path = `${item}/${sub}`;
    const Sub = capitalize(sub);
    switch (sub) {
      case 'status':
      case 'ephemeralcontainers':
      case 'resize':
      case 'approval':
      case 'scale': {
        const subGvk = sub === 'scale' ? { group: 'autoscaling', kind: 'Scale', version: 'v1' } : gvk;
        const subDef = sub === 'scale' ? definitionForKind('autoscaling', 'v1', 'Scale') : def;
        const what = sub === 'scale' ? `scale of the specified ${r.kind}` : `${sub} of the specified ${r.kind}`;
        add({ path, method: 'get', operationId: `read${stem}${ns}${r.kind}${Sub}`, description: `read ${what}`, action: 'get', gvk: subGvk, query: [], responses: objectResponses(['200'], subDef) });
        add({ path, method: 'put', operationId: `replace${stem}${ns}${r.kind}${Sub}`, description: `replace ${what}`, action: 'put', gvk: subGvk, query: WRITE_QUERY, ...(subDef ? { body: { def: subDef } } : {}), responses: objectResponses(['200', '201'], subDef) });
        add({ path, method: 'patch', operationId: `patch${stem}${ns}${r.kind}${Sub}`, description: `partially update ${what}`, action: 'patch', gvk: subGvk, query: PATCH_QUERY, body: { def: PATCH, patch: true }, responses: objectResponses(['200', '201'], subDef) });
        break;
      }
      case 'finalize':
        add({ path, method: 'put', operationId: `replace${stem}${ns}${r.kind}${Sub}`, description: `replace finalize of the specified ${r.kind}`, action: 'put', gvk, query: WRITE_QUERY, ...(def ? { body: { def } } : {}), responses: objectResponses(['200', '201'], def) });
        break;
      case 'binding':
      case 'eviction':
      case 'token': {
        const [g, v, k] = sub === 'binding' ? ['', 'v1', 'Binding'] : sub === 'eviction' ? ['policy', 'v1', 'Eviction'] : ['authentication.k8s.io', 'v1', 'TokenRequest'];
        const subDef = definitionForKind(g, v, k);
        add({ path, method: 'post', operationId: `create${stem}${ns}${r.kind}${Sub}`, description: `create ${sub} of ${article(r.kind)} ${r.kind}`, action: 'post', gvk: { group: g, kind: k, version: v }, query: WRITE_QUERY, ...(subDef ? { body: { def: subDef } } : {}), responses: objectResponses(['200', '201', '202'], subDef) });
        break;
      }
      case 'log':
        add({ path, method: 'get', operationId: `read${stem}${ns}${r.kind}Log`, description: `read log of the specified ${r.kind}`, action: 'get', gvk, query: ['container', 'follow', 'limitBytes', 'previous', 'sinceSeconds', 'tailLines', 'timestamps'], responses: [{ code: '200', description: 'OK', text: true }] });
        break;
      case 'exec':
      case 'attach':
      case 'portforward':
      case 'proxy': {
        const optionsKind = `${r.kind}${sub === 'exec' ? 'Exec' : sub === 'attach' ? 'Attach' : sub === 'portforward' ? 'PortForward' : 'Proxy'}Options`;
        const query = sub === 'exec' ? ['command', 'container', 'stderr', 'stdin', 'stdout', 'tty'] : sub === 'attach' ? ['container', 'stderr', 'stdin', 'stdout', 'tty'] : sub === 'portforward' ? ['ports'] : ['path'];
        const methods: Method[] = sub === 'proxy' ? ['get', 'post', 'put', 'patch', 'delete'] : ['get', 'post'];
        for (const method of methods) {
          add({ path, method, operationId: `connect${stem}${capitalize(method)}${ns}${r.kind}${sub === 'portforward' ? 'Portforward' : Sub}`, description: `connect ${method.toUpperCase()} requests to ${sub} of ${r.kind}`, action: 'connect', gvk: { group: r.group, kind: optionsKind, version: r.version }, query, responses: [{ code: '200', description: 'OK', text: true }] });
        }
        break;
      }
      default:
        break;
    }
  }
  return ops;
}

const article = (kind: string): string => (/^[AEIOU]/.test(kind) ? 'an' : 'a');

function discoveryOperations(served: readonly ServedResource[]): Operation[] {
  const ops: Operation[] = [];
  ops.push({ path: '/api/', method: 'get', operationId: 'getCoreAPIVersions', description: 'get available API versions', tag: 'core', action: '', query: [], responses: [{ code: '200', description: 'OK', def: `${META}.APIVersions` }] });
  ops.push({ path: '/apis/', method: 'get', operationId: 'getAPIVersions', description: 'get available API versions', tag: 'apis', action: '', query: [], responses: [{ code: '200', description: 'OK', def: `${META}.APIGroupList` }] });
  const groups = new Set<string>();
  const gvs = new Map<string, [string, string]>();
  for (const r of served) {
    if (r.group) groups.add(r.group);
    gvs.set(`${r.group}/${r.version}`, [r.group, r.version]);
  }
  for (const g of [...groups].sort()) {
    ops.push({ path: `/apis/${g}/`, method: 'get', operationId: `get${capitalize(groupStem(g))}APIGroup`, description: 'get information of a group', tag: groupStem(g), action: '', query: [], responses: [{ code: '200', description: 'OK', def: `${META}.APIGroup` }] });
  }
  for (const [g, v] of [...gvs.values()].sort()) {
    const stem = `${capitalize(groupStem(g))}${capitalize(v)}`;
    ops.push({ path: `${gvPrefix(g, v)}/`, method: 'get', operationId: `get${stem}APIResources`, description: 'get available resources', tag: `${groupStem(g)}_${v}`, action: '', query: [], responses: [{ code: '200', description: 'OK', def: `${META}.APIResourceList` }] });
  }
  return ops;
}

function allOperations(served: readonly ServedResource[], extra: Readonly<Record<string, SchemaObject>> | undefined): Operation[] {
  const sorted = [...served].sort((a, b) => `${a.group}/${a.version}/${a.plural}`.localeCompare(`${b.group}/${b.version}/${b.plural}`));
  return [...discoveryOperations(sorted), ...sorted.flatMap((r) => operationsFor(r, extra))];
}

function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
}

// ---------------------------------------------------------------------------
// Definitions served

function servedDefinitions(served: readonly ServedResource[], ops: readonly Operation[], allDefs: Readonly<Record<string, SchemaObject>>): Record<string, SchemaObject> {
  const roots = new Set<string>(ALWAYS);
  for (const op of ops) {
    if (op.body) roots.add(op.body.def);
    for (const r of op.responses) if (r.def) roots.add(r.def);
  }
  const out: Record<string, SchemaObject> = {};
  for (const name of reachableDefinitions(roots, allDefs)) out[name] = allDefs[name] as SchemaObject;
  // DeleteOptions and WatchEvent carry the GVK of every served group version, as upstream.
  const gvs = new Map<string, GroupVersionKind>();
  gvs.set('/v1', { group: '', kind: '', version: 'v1' });
  for (const r of served) gvs.set(`${r.group}/${r.version}`, { group: r.group, kind: '', version: r.version });
  const sortedGvs = [...gvs.values()].sort((a, b) => `${a.group}/${a.version}`.localeCompare(`${b.group}/${b.version}`));
  for (const name of [DELETE_OPTIONS, WATCH_EVENT]) {
    const schema = out[name];
    if (!schema) continue;
    const kind = name.slice(name.lastIndexOf('.') + 1);
    out[name] = { ...schema, 'x-kubernetes-group-version-kind': sortedGvs.map((gv) => ({ group: gv.group, kind, version: gv.version })) };
  }
  return out;
}

function mergedDefinitions(options: BuildOptions): Readonly<Record<string, SchemaObject>> {
  return options.extraDefinitions ? { ...definitions, ...options.extraDefinitions } : definitions;
}

// ---------------------------------------------------------------------------
// OpenAPI v2

const JSON_YAML = ['application/json', 'application/yaml'];
const WATCH_TYPES = ['application/json', 'application/yaml', 'application/json;stream=watch'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function v2Operation(op: Operation): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = [];
  if (op.body) {
    parameters.push({ in: 'body', name: 'body', ...(op.body.def === DELETE_OPTIONS ? {} : { required: true }), schema: { $ref: REF_PREFIX_V2 + op.body.def } });
  }
  for (const q of op.query) {
    const p = PARAMS[q];
    if (p) parameters.push({ description: p.description, in: 'query', name: q, type: p.type, uniqueItems: true });
  }
  const responses: Record<string, unknown> = {};
  for (const r of op.responses) {
    responses[r.code] = { description: r.description, ...(r.def ? { schema: { $ref: REF_PREFIX_V2 + r.def } } : r.text ? { schema: { type: 'string' } } : {}) };
  }
  responses['401'] = { description: 'Unauthorized' };
  const out: Record<string, unknown> = {
    consumes: op.body?.patch ? PATCH_TYPES : ['*/*'],
    description: op.description,
    operationId: op.operationId,
    produces: op.responses.some((r) => r.text) ? ['*/*'] : op.watch ? WATCH_TYPES : JSON_YAML,
    responses,
    schemes: ['https'],
    tags: [op.tag],
  };
  if (parameters.length) out.parameters = parameters;
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

function v2PathParameters(path: string): Record<string, unknown>[] {
  const params: Record<string, unknown>[] = pathParamsOf(path).map((name) => ({ description: PATH_PARAMS[name] ?? name, in: 'path', name, required: true, type: 'string', uniqueItems: true }));
  if (!path.endsWith('/')) params.push({ description: PRETTY.description, in: 'query', name: 'pretty', type: 'string', uniqueItems: true });
  return params;
}

/** The `/openapi/v2` document (swagger 2.0) for the served resources. */
export function buildOpenAPIV2(served: readonly ServedResource[], options: BuildOptions = {}): object {
  const allDefs = mergedDefinitions(options);
  const ops = allOperations(served, options.extraDefinitions);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const entry = (paths[op.path] ??= {});
    entry[op.method] = v2Operation(op);
  }
  for (const [path, entry] of Object.entries(paths)) {
    const params = v2PathParameters(path);
    if (params.length) entry.parameters = params;
  }
  return {
    definitions: servedDefinitions(served, ops, allDefs),
    info: { title: 'Kubernetes', version: options.version ?? 'v1.33.0' },
    paths: sortObject(paths),
    security: [{ BearerToken: [] }],
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    swagger: '2.0',
  };
}

// ---------------------------------------------------------------------------
// OpenAPI v3

const SIBLINGS_OF_REF = new Set(['description', 'default', 'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string']);

/**
 * A v2 schema in v3 form: refs point into components/schemas, and a $ref with
 * siblings (a described field) becomes `allOf: [{$ref}]` beside them, as
 * kube-apiserver emits since 1.27 (kubectl explain then prints the field's own
 * description followed by its type's).
 */
export function toV3Schema(schema: SchemaObject): SchemaObject {
  const out: SchemaObject = {};
  let hasSiblings = false;
  for (const [k, v] of Object.entries(schema) as [keyof SchemaObject, unknown][]) {
    if (k === '$ref') continue;
    if (schema.$ref && SIBLINGS_OF_REF.has(k)) hasSiblings = true;
    if (k === 'properties' && v && typeof v === 'object') {
      const props: Record<string, SchemaObject> = {};
      for (const [name, p] of Object.entries(v as Record<string, SchemaObject>)) props[name] = toV3Schema(p);
      out.properties = props;
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      (out as Record<string, unknown>)[k] = toV3Schema(v as SchemaObject);
    } else if (k === 'allOf' && Array.isArray(v)) {
      out.allOf = (v as SchemaObject[]).map(toV3Schema);
    } else {
      (out as Record<string, unknown>)[k] = v;
    }
  }
  if (schema.$ref) {
    const ref = REF_PREFIX_V3 + refName(schema.$ref);
    if (hasSiblings) out.allOf = [{ $ref: ref }];
    else out.$ref = ref;
  }
  return out;
}

/**
 * Types with their own JSON form are `oneOf` their JSON types in v3 (kube-openapi
 * OpenAPIV3OneOfTypes), so kubectl explain prints `<IntOrString>`, `<Quantity>`.
 */
const V3_ONE_OF: Record<string, SchemaObject[]> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': [{ type: 'integer' }, { type: 'string' }],
  'io.k8s.apimachinery.pkg.api.resource.Quantity': [{ type: 'string' }, { type: 'number' }],
};

/** A definition in v3 form. */
export function toV3Definition(name: string, schema: SchemaObject): SchemaObject {
  const oneOf = V3_ONE_OF[name];
  if (oneOf) {
    const { type: _type, ...rest } = schema;
    return { ...rest, oneOf };
  }
  return toV3Schema(schema);
}

function v3Content(def: string | undefined, text: boolean | undefined, types: readonly string[]): Record<string, unknown> {
  const schema = def ? { $ref: REF_PREFIX_V3 + def } : text ? { type: 'string' } : { type: 'object' };
  const content: Record<string, unknown> = {};
  for (const t of types) content[t] = { schema };
  return content;
}

function v3Operation(op: Operation): Record<string, unknown> {
  const parameters = op.query.flatMap((q) => {
    const p = PARAMS[q];
    return p ? [{ description: p.description, in: 'query', name: q, schema: { type: p.type, uniqueItems: true } }] : [];
  });
  const responses: Record<string, unknown> = {};
  for (const r of op.responses) {
    const types = r.text ? ['*/*'] : op.watch ? WATCH_TYPES : JSON_YAML;
    responses[r.code] = { content: v3Content(r.def, r.text, types), description: r.description };
  }
  const out: Record<string, unknown> = { description: op.description, operationId: op.operationId, responses, tags: [op.tag] };
  if (parameters.length) out.parameters = parameters;
  if (op.body) out.requestBody = { content: v3Content(op.body.def, false, op.body.patch ? PATCH_TYPES : ['*/*']), required: op.body.def !== DELETE_OPTIONS };
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = { group: op.gvk.group, kind: op.gvk.kind, version: op.gvk.version };
  return out;
}

function v3PathParameters(path: string): Record<string, unknown>[] {
  const params: Record<string, unknown>[] = pathParamsOf(path).map((name) => ({ description: PATH_PARAMS[name] ?? name, in: 'path', name, required: true, schema: { type: 'string', uniqueItems: true } }));
  if (!path.endsWith('/')) params.push({ description: PRETTY.description, in: 'query', name: 'pretty', schema: { type: 'string', uniqueItems: true } });
  return params;
}

/** Which /openapi/v3/<key> document a path belongs to. */
function v3DocumentKey(path: string): string {
  if (path === '/api/') return 'api';
  if (path === '/apis/') return 'apis';
  const core = /^\/api\/([^/]+)\//.exec(path);
  if (core) return `api/${core[1]}`;
  const group = /^\/apis\/([^/]+)\/$/.exec(path);
  if (group) return `apis/${group[1]}`;
  const gv = /^\/apis\/([^/]+)\/([^/]+)\//.exec(path);
  if (gv) return `apis/${gv[1]}/${gv[2]}`;
  return 'other';
}

function collectRefs(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') into.add(refName(v));
      else collectRefs(v, into);
    }
  }
}

/** Upstream's hash: SHA-512 of the served JSON, upper-case hex. */
export function documentHash(json: string): string {
  return createHash('sha512').update(json).digest('hex').toUpperCase();
}

/** The `/openapi/v3` root and one document per group version (and per group, and /api, /apis). */
export function buildOpenAPIV3(served: readonly ServedResource[], options: BuildOptions = {}): OpenAPIV3Documents {
  const allDefs = mergedDefinitions(options);
  const ops = allOperations(served, options.extraDefinitions);
  const defs = servedDefinitions(served, ops, allDefs);
  const byDoc = new Map<string, Record<string, Record<string, unknown>>>();
  for (const op of ops) {
    const key = v3DocumentKey(op.path);
    let paths = byDoc.get(key);
    if (!paths) byDoc.set(key, (paths = {}));
    const entry = (paths[op.path] ??= {});
    entry[op.method] = v3Operation(op);
  }
  const groupVersions = new Map<string, object>();
  const hashes = new Map<string, string>();
  const rootPaths: Record<string, unknown> = {};
  for (const key of [...byDoc.keys()].sort()) {
    const paths = byDoc.get(key) as Record<string, Record<string, unknown>>;
    for (const [path, entry] of Object.entries(paths)) {
      const params = v3PathParameters(path);
      if (params.length) entry.parameters = params;
    }
    const used = new Set<string>();
    collectRefs(paths, used);
    const schemas: Record<string, SchemaObject> = {};
    for (const name of reachableDefinitions(used, defs)) schemas[name] = toV3Definition(name, defs[name] as SchemaObject);
    const doc = {
      components: {
        schemas,
        securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
      },
      info: { title: 'Kubernetes', version: options.version ?? 'v1.33.0' },
      openapi: '3.0.0',
      paths: sortObject(paths),
      security: [{ BearerToken: [] }],
    };
    const hash = documentHash(JSON.stringify(doc));
    groupVersions.set(key, doc);
    hashes.set(key, hash);
    rootPaths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { root: { paths: rootPaths }, groupVersions, hashes };
}

function sortObject<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as T;
  return out;
}
