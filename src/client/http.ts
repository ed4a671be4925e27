// The HTTPS transport of ApiClient: kube-apiserver's REST routes over node:https
// with a keep-alive agent, client-certificate or bearer-token auth and a pinned CA.
// Watches parse the newline-delimited JSON event stream on their own connections so
// that long-lived watches never starve ordinary requests of pooled sockets.

import { Agent, request, type RequestOptions } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { arch, platform } from 'node:os';
import type { KubeList, KubeObject } from '../api/types.js';
import { StatusError, type Status } from '../apiserver/index.js';
import type {
  ApiClient,
  DeleteOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  ResourceType,
  UpdateOptions,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from './types.js';

export interface HttpClientOptions {
  /** Base URL of the API server, e.g. "https://127.0.0.1:6443". */
  readonly server: string;
  /** PEM of the CA that signed the server's certificate (pinned: the system roots are not used). */
  readonly ca?: string | Buffer;
  /** Client certificate and key (PEM). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly token?: string;
  readonly insecureSkipTlsVerify?: boolean;
  /** SNI and certificate name to expect, when it differs from the server URL's host. */
  readonly tlsServerName?: string;
  /** Named in the User-Agent ("skiff/0.1.0 (linux/amd64) <component>") and the default field manager. */
  readonly component?: string;
  /** Field manager of server-side apply patches when the call names none. */
  readonly fieldManager?: string;
  readonly maxSockets?: number;
  /** Deadline of one non-watch request (default 60 s; 0 disables it). */
  readonly requestTimeoutMs?: number;
}

export const SKIFF_VERSION = '0.1.0';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Reasons client-go gives a non-Status error response, by HTTP code (NewGenericServerResponse). */
const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

export function userAgent(component?: string): string {
  return `skiff/${SKIFF_VERSION} (${platform()}/${goArch()})${component ? ` ${component}` : ''}`;
}

function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Status' && typeof (value as { code?: unknown }).code === 'number';
}

/** The error a failed response stands for: its Status, or a generic one carrying the body. */
export function errorFromResponse(code: number, body: string): StatusError {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isStatus(parsed)) return new StatusError(parsed);
  } catch {
    // not JSON: fall through to a generic Status
  }
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: body.trim() || `the server responded with HTTP ${code}`, code };
  const reason = REASON_BY_CODE[code];
  if (reason) status.reason = reason;
  return new StatusError(status);
}

/** The REST path of a collection, object or subresource, as kube-apiserver routes it. */
export function resourcePath(type: ResourceType, namespace: string, name?: string, subresource?: string): string {
  const parts = [type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`];
  if (type.namespaced && namespace) parts.push(`namespaces/${encodeURIComponent(namespace)}`);
  parts.push(type.plural);
  if (name !== undefined) parts.push(encodeURIComponent(name));
  if (subresource) parts.push(subresource);
  return parts.join('/');
}

type QueryValue = string | number | boolean | undefined;

function withQuery(path: string, query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

const writeQuery = (options: WriteOptions): Record<string, QueryValue> => ({
  dryRun: options.dryRun ? 'All' : undefined,
  fieldManager: options.fieldManager,
});

interface SendOptions {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
}

export class HttpClient implements ApiClient {
  private readonly url: URL;
  private readonly agent: Agent;
  /** Watches hold their connection for minutes: their own agent, uncapped and without keep-alive. */
  private readonly watchAgent: Agent;
  private readonly watches = new Set<ClientRequest>();
  private readonly headers: Record<string, string>;
  private closed = false;

  constructor(private readonly options: HttpClientOptions) {
    this.url = new URL(options.server);
    if (this.url.protocol !== 'https:') throw new Error(`HttpClient: server must be an https:// URL, got ${options.server}`);
    const tls = {
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.cert !== undefined ? { cert: options.cert } : {}),
      ...(options.key !== undefined ? { key: options.key } : {}),
      ...(options.tlsServerName ? { servername: options.tlsServerName } : {}),
      rejectUnauthorized: !options.insecureSkipTlsVerify,
    };
    this.agent = new Agent({ ...tls, keepAlive: true, maxSockets: options.maxSockets ?? 64 });
    this.watchAgent = new Agent({ ...tls, keepAlive: false });
    this.headers = {
      Accept: 'application/json',
      'User-Agent': userAgent(options.component),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
    };
  }

  /** Ends every watch and closes pooled connections; later calls fail. */
  close(): void {
    this.closed = true;
    for (const req of this.watches) req.destroy();
    this.watches.clear();
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  private requestOptions(method: string, path: string, agent: Agent, headers: Record<string, string>): RequestOptions {
    const basePath = this.url.pathname.replace(/\/$/, '');
    return {
      protocol: 'https:',
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || 443,
      method,
      path: basePath + path,
      agent,
      headers: { ...this.headers, ...headers },
      ...(this.options.tlsServerName ? { servername: this.options.tlsServerName } : {}),
    };
  }

  /** One request/response exchange; resolves with the decoded JSON body or rejects with a StatusError. */
  private send<T>(options: SendOptions): Promise<T> {
    if (this.closed) return Promise.reject(new Error('HttpClient is closed'));
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const headers: Record<string, string> = payload ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': String(payload.length) } : {};
    return new Promise<T>((resolve, reject) => {
      const req = request(this.requestOptions(options.method, options.path, this.agent, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code > 299) return reject(errorFromResponse(code, text));
          try {
            resolve(JSON.parse(text) as T);
          } catch {
            reject(errorFromResponse(500, `invalid JSON in response to ${options.method} ${options.path}: ${text.slice(0, 200)}`));
          }
        });
      });
      req.on('error', reject);
      const timeoutMs = this.options.requestTimeoutMs ?? 60_000;
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`${options.method} ${options.path}: no response within ${timeoutMs} ms`)));
      req.end(payload);
    });
  }

  get<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    return this.send<T>({ method: 'GET', path: resourcePath(type, namespace, name) });
  }

  list<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options: ListOptions = {}): Promise<KubeList<T>> {
    const path = withQuery(resourcePath(type, namespace), {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      resourceVersionMatch: options.resourceVersionMatch,
      limit: options.limit,
      continue: options.continue,
    });
    return this.send<KubeList<T>>({ method: 'GET', path });
  }

  create<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options: WriteOptions = {}): Promise<T> {
    return this.send<T>({ method: 'POST', path: withQuery(resourcePath(type, namespace), writeQuery(options)), body: obj });
  }

  update<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, obj: KubeObject, options: UpdateOptions = {}): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) return Promise.reject(errorFromResponse(400, 'metadata.name: Required value: name is required'));
    return this.send<T>({ method: 'PUT', path: withQuery(resourcePath(type, namespace, name, options.subresource), writeQuery(options)), body: obj });
  }

  patch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}): Promise<T> {
    // Server-side apply requires a manager; JSON is valid YAML, so the body stays JSON.
    const fieldManager = options.fieldManager ?? (patchType === 'apply' ? (this.options.fieldManager ?? this.options.component ?? 'skiff') : undefined);
    const path = withQuery(resourcePath(type, namespace, name, options.subresource), {
      ...writeQuery({ ...options, ...(fieldManager ? { fieldManager } : {}) }),
      force: patchType === 'apply' && options.force !== undefined ? options.force : undefined,
    });
    return this.send<T>({ method: 'PATCH', path, body: patch, contentType: PATCH_CONTENT_TYPES[patchType] });
  }

  delete(type: ResourceType, namespace: string, name: string, options: DeleteOptions = {}): Promise<KubeObject> {
    const body = {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
      ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
      ...(options.preconditions ? { preconditions: options.preconditions } : {}),
      ...(options.dryRun ? { dryRun: ['All'] } : {}),
    };
    return this.send<KubeObject>({ method: 'DELETE', path: resourcePath(type, namespace, name), body });
  }

  createSubresource<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, name: string, subresource: string, body: KubeObject): Promise<T> {
    return this.send<T>({ method: 'POST', path: resourcePath(type, namespace, name, subresource), body });
  }

  watch<T extends KubeObject = KubeObject>(type: ResourceType, namespace: string, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void): Promise<WatchHandle> {
    if (this.closed) return Promise.reject(new Error('HttpClient is closed'));
    const path = withQuery(resourcePath(type, namespace), {
      watch: 'true',
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      resourceVersion: options.resourceVersion,
      allowWatchBookmarks: options.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: options.timeoutSeconds,
    });
    return new Promise<WatchHandle>((resolve, reject) => {
      const req = request(this.requestOptions('GET', path, this.watchAgent, {}));
      this.watches.add(req);
      let resolveDone!: () => void;
      const done = new Promise<void>((r) => (resolveDone = r));
      let started = false;
      let ended = false;
      const finish = () => {
        if (ended) return;
        ended = true;
        this.watches.delete(req);
        resolveDone();
      };
      const close = () => {
        finish();
        req.destroy();
      };
      // Until the watch has started, events wait here so a leading 410 can reject instead.
      const early: Array<WatchEvent<T>> = [];
      const deliver = (event: WatchEvent<T>) => {
        if (ended) return;
        if (started) onEvent(event);
        else early.push(event);
      };
      const start = () => {
        if (started || ended) return;
        const first = early[0];
        if (first?.type === 'ERROR' && isStatus(first.object) && first.object.code === 410) {
          close();
          reject(new StatusError(first.object));
          return;
        }
        started = true;
        resolve({ done, close });
        for (const event of early.splice(0)) if (!ended) onEvent(event);
      };

      req.on('error', (err) => {
        if (!started && !ended) reject(err);
        finish();
      });
      req.on('response', (res: IncomingMessage) => {
        const code = res.statusCode ?? 0;
        if (code !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            reject(errorFromResponse(code, Buffer.concat(chunks).toString('utf8')));
            finish();
          });
          return;
        }
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            try {
              deliver(JSON.parse(line) as WatchEvent<T>);
            } catch {
              deliver({ type: 'ERROR', object: errorFromResponse(500, `invalid watch event: ${line.slice(0, 200)}`).status as unknown as T });
            }
            if (!started) start();
          }
        });
        const ends = () => {
          start();
          finish();
        };
        res.on('end', ends);
        res.on('close', ends);
        res.on('error', ends);
        // A server that fails the watch at once (410) sends headers and the ERROR event
        // together; one that starts it sends headers alone. Decide after this I/O turn.
        setImmediate(start);
      });
      req.end();
    });
  }
}
