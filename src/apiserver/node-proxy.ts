// The API server's side of pods/log, pods/exec, pods/attach and pods/portforward
// (pkg/registry/core/pod/strategy.go LogLocation/ExecLocation/...): find the pod and
// its node, translate the request to the agent's path, and proxy it over TLS with the
// kubelet-client certificate. Logs are streamed through; upgrades (websocket or
// SPDY) are piped byte for byte after the request line and headers are rewritten.

import { request as httpsRequest } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KeyPairPem } from './pki.js';
import { newBadRequest, newInvalid, newInternalError, newNotFound, StatusError, type FieldCause, type Status } from './status.js';

export const STREAMING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward']);

const DEFAULT_KUBELET_PORT = 10250;

export interface NodeProxyOptions {
  readonly getPod: (namespace: string, name: string) => Promise<Pod | undefined>;
  readonly getNode: (name: string) => Promise<Node | undefined>;
  /** The API server's client certificate towards agents. */
  readonly clientCert: KeyPairPem;
  /** CA that signs the agents' serving certificates (the cluster CA for now). */
  readonly kubeletServingCaPem: string;
}

interface Location {
  readonly host: string;
  readonly port: number;
  /** Path and query on the agent. */
  readonly path: string;
}

function truthy(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value === 'true' || value === '1';
}

/** The pod's container for a request, as upstream's validateContainer picks it. */
function containerFor(pod: Pod, requested: string | null): string {
  const name = pod.metadata?.name ?? '';
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  const ephemeral = (pod.spec?.ephemeralContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0]!;
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (inits.length) message += ` or one of the init containers: [${inits.join(' ')}]`;
    if (ephemeral.length) message += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw newBadRequest(message);
  }
  if (![...containers, ...inits, ...ephemeral].includes(requested)) throw newBadRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** ValidatePodLogOptions: 422 PodLogOptions is invalid. */
function validateLogOptions(name: string, query: URLSearchParams): void {
  const causes: FieldCause[] = [];
  const integer = (field: string): number | undefined => {
    const raw = query.get(field);
    if (raw === null || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value)) throw newBadRequest(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
    return value;
  };
  const tailLines = integer('tailLines');
  const limitBytes = integer('limitBytes');
  const sinceSeconds = integer('sinceSeconds');
  if (tailLines !== undefined && tailLines < 0) causes.push({ type: 'FieldValueInvalid', field: 'tailLines', message: `tailLines: Invalid value: ${tailLines}: must be greater than or equal to 0` });
  if (limitBytes !== undefined && limitBytes < 1) causes.push({ type: 'FieldValueInvalid', field: 'limitBytes', message: `limitBytes: Invalid value: ${limitBytes}: must be greater than 0` });
  const sinceTime = query.get('sinceTime');
  if (sinceTime && sinceSeconds !== undefined) causes.push({ type: 'FieldValueForbidden', field: '', message: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  if (sinceSeconds !== undefined && sinceSeconds < 1) causes.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', message: `sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0` });
  if (sinceTime && Number.isNaN(new Date(sinceTime).getTime())) throw newBadRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
  if (causes.length) throw newInvalid({ group: '', kind: 'PodLogOptions' }, name, causes);
}

/** InternalIP first (then ExternalIP, Hostname), as the agent reports its addresses. */
function nodeAddress(node: Node): string | undefined {
  const addresses = node.status?.addresses ?? [];
  for (const type of ['InternalIP', 'ExternalIP', 'Hostname']) {
    const found = addresses.find((a) => a.type === type && a.address);
    if (found) return found.address;
  }
  return undefined;
}

export class NodeProxy {
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: NodeProxyOptions) {}

  /** Destroys the proxied connections still open. */
  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private async podAndNode(namespace: string, name: string): Promise<{ pod: Pod; host: string; port: number }> {
    const pod = await this.options.getPod(namespace, name);
    if (!pod) throw newNotFound({ group: '', resource: 'pods' }, name);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw newBadRequest(`pod ${name} does not have a host assigned`);
    const node = await this.options.getNode(nodeName);
    if (!node) throw newNotFound({ group: '', resource: 'nodes' }, nodeName);
    const host = nodeAddress(node);
    if (!host) throw newBadRequest(`node ${nodeName} has no address`);
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT;
    return { pod, host, port };
  }

  private async location(namespace: string, name: string, subresource: string, query: URLSearchParams): Promise<Location> {
    const { pod, host, port } = await this.podAndNode(namespace, name);
    const params = new URLSearchParams();
    const ns = encodeURIComponent(namespace);
    const podName = encodeURIComponent(name);
    switch (subresource) {
      case 'log': {
        validateLogOptions(name, query);
        const container = containerFor(pod, query.get('container'));
        for (const flag of ['follow', 'previous', 'timestamps']) if (truthy(query, flag)) params.set(flag, 'true');
        for (const field of ['sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes']) {
          const value = query.get(field);
          if (value !== null && value !== '') params.set(field, value);
        }
        return { host, port, path: `/containerLogs/${ns}/${podName}/${encodeURIComponent(container)}${suffix(params)}` };
      }
      case 'exec':
      case 'attach': {
        const container = containerFor(pod, query.get('container'));
        if (subresource === 'exec') for (const command of query.getAll('command')) params.append('command', command);
        if (truthy(query, 'stdin')) params.set('input', '1');
        if (truthy(query, 'stdout')) params.set('output', '1');
        if (truthy(query, 'stderr')) params.set('error', '1');
        if (truthy(query, 'tty')) params.set('tty', '1');
        return { host, port, path: `/${subresource}/${ns}/${podName}/${encodeURIComponent(container)}${suffix(params)}` };
      }
      default:
        // PodPortForwardOptions.ports -> the agent's `port` parameters.
        for (const value of [...query.getAll('ports'), ...query.getAll('port')]) for (const p of value.split(',')) if (p) params.append('port', p);
        return { host, port, path: `/portForward/${ns}/${podName}${suffix(params)}` };
    }
  }

  private tlsOptions(host: string) {
    return {
      cert: this.options.clientCert.certPem,
      key: this.options.clientCert.keyPem,
      ca: this.options.kubeletServingCaPem,
      ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
    };
  }

  /** GET pods/{name}/log: the agent's response streamed through; its errors as Status. */
  async serveLog(req: IncomingMessage, res: ServerResponse, namespace: string, name: string, query: URLSearchParams): Promise<void> {
    const location = await this.location(namespace, name, 'log', query);
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpsRequest({ host: location.host, port: location.port, path: location.path, method: 'GET', ...this.tlsOptions(location.host) }, resolve);
      outgoing.on('error', (err) => reject(newInternalError(`error dialing backend: ${err.message}`)));
      res.on('close', () => outgoing.destroy());
      outgoing.end();
    });
    const code = upstream.statusCode ?? 500;
    if (code !== 200) throw await statusFromResponse(upstream, code);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    upstream.on('data', (chunk: Buffer) => res.write(chunk));
    await new Promise<void>((resolve) => {
      upstream.on('end', resolve);
      upstream.on('close', resolve);
      upstream.on('error', () => resolve());
      res.on('close', () => {
        upstream.destroy();
        resolve();
      });
    });
    if (!res.destroyed) res.end();
  }

  /**
   * An upgrade (websocket or SPDY) for exec, attach or portforward: the request goes
   * to the agent with its upgrade headers, and the two connections are piped. The
   * agent's answer (101 or an error) reaches the client unchanged.
   */
  async serveUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, namespace: string, name: string, subresource: string, query: URLSearchParams): Promise<void> {
    const location = await this.location(namespace, name, subresource, query);
    const upstream: TLSSocket = await new Promise((resolve, reject) => {
      const conn = tlsConnect({ host: location.host, port: location.port, ...this.tlsOptions(location.host) }, () => resolve(conn));
      conn.once('error', (err) => reject(newInternalError(`error dialing backend: ${err.message}`)));
    });
    upstream.on('error', () => upstream.destroy());
    socket.on('error', () => socket.destroy());
    this.sockets.add(upstream);
    this.sockets.add(socket);
    const lines = [`${req.method ?? 'GET'} ${location.path} HTTP/1.1`, `Host: ${location.host}:${location.port}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const header = req.rawHeaders[i]!;
      // The client's credentials and address stay here; the agent trusts our certificate.
      if (/^(host|authorization|content-length|transfer-encoding)$/i.test(header)) continue;
      lines.push(`${header}: ${req.rawHeaders[i + 1]!}`);
    }
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
    const done = () => {
      socket.destroy();
      upstream.destroy();
      this.sockets.delete(socket);
      this.sockets.delete(upstream);
    };
    socket.on('close', done);
    upstream.on('close', done);
  }
}

function suffix(params: URLSearchParams): string {
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The agent's error as a Status: its own Status JSON, or its text with the response code. */
async function statusFromResponse(response: IncomingMessage, code: number): Promise<StatusError> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  try {
    const parsed = JSON.parse(body) as Partial<Status>;
    if (parsed.kind === 'Status' && typeof parsed.code === 'number') return new StatusError(parsed as Status);
  } catch {
    // Plain text: wrapped below.
  }
  const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError' };
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: body.trim(), reason: reasons[code] ?? 'InternalError', code });
}

/** Writes a Status as the HTTP response on a socket whose request asked for an upgrade. */
export function writeUpgradeError(socket: Socket, err: unknown): void {
  const status: Status = err instanceof StatusError ? err.status : newInternalError(err instanceof Error ? err.message : String(err)).status;
  const body = JSON.stringify(status);
  socket.end(`HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
