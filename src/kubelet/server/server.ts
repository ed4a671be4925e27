// The node agent's HTTPS endpoint (pkg/kubelet/server): container logs, exec, attach
// and port-forward, reached only by the API server (mutual TLS with the cluster CA;
// the client certificate must be the API server's kubelet-client identity).

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ContainerRuntime, ExecOptions, ExecSession } from '../runtime/types.js';
import { parseLogQuery, streamLog } from './logs.js';
import {
  parseStreamOptions,
  runRemoteCommand,
  spdyEnds,
  SPDY_EXEC_PROTOCOLS,
  websocketEnds,
  WS_EXEC_PROTOCOLS,
  internalErrorStatus,
  type RemoteCommandEnds,
  type StreamOptions,
} from './remotecommand.js';
import { parsePorts, PORT_FORWARD_PROTOCOL, serveSpdyPortForward, serveWebsocketPortForward, SPDY_TUNNEL_PROTOCOL, WS_PORT_FORWARD_PROTOCOLS, type PortDialer } from './portforward.js';
import { SpdySession } from './spdy.js';

/** The container a request is about, as the agent resolves it. */
export interface ContainerTarget {
  readonly containerId: string;
  readonly sandboxId: string;
  readonly logPath: string;
  readonly tty: boolean;
  readonly stdin: boolean;
}

export type FindContainerResult = ContainerTarget | { readonly notFound: string } | { readonly badRequest: string };

/** What the agent provides the server. */
export interface StreamingBackend {
  /**
   * Resolves a pod's container (the previous attempt when `previous`). Without a
   * container name, any container of the pod: port-forward only needs its sandbox.
   */
  findContainer(namespace: string, podName: string, containerName: string | undefined, previous: boolean): Promise<FindContainerResult>;
  /** Attaches to the container's main process; absent: attach is refused. */
  attach?(containerId: string, options: ExecOptions): Promise<ExecSession>;
}

export interface ClientSubject {
  readonly commonName: string;
  readonly organizations: readonly string[];
}

export const KUBELET_CLIENT_COMMON_NAME = 'kube-apiserver-kubelet-client';

/** Only the API server's kubelet-client identity (kubelet's authorization with system:masters). */
export function apiServerClientOnly(subject: ClientSubject): boolean {
  return subject.commonName === KUBELET_CLIENT_COMMON_NAME && subject.organizations.includes('system:masters');
}

export interface KubeletServerOptions {
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  /** CA that signs acceptable client certificates (the cluster CA). */
  readonly clientCaPem: string;
  readonly allowedClients?: (subject: ClientSubject) => boolean;
  readonly backend: StreamingBackend;
  readonly runtime: ContainerRuntime;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Called with unexpected errors (bugs, I/O). */
  readonly onError?: (err: unknown) => void;
}

interface KubeletStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 500: 'InternalError' };
const PHRASES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error' };

function statusOf(code: number, message: string): KubeletStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'Unknown', code };
}

/** An HTTP error written on a socket whose request asked for an upgrade. */
function rejectUpgrade(socket: Socket, code: number, message: string): void {
  const body = JSON.stringify(statusOf(code, message));
  socket.end(`HTTP/1.1 ${code} ${PHRASES[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function subjectOf(socket: Socket): ClientSubject | undefined {
  const cert = (socket as TLSSocket).getPeerCertificate?.();
  if (!cert || !cert.subject) return undefined;
  const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  return { commonName: list(cert.subject.CN)[0] ?? '', organizations: list(cert.subject.O) };
}

function headerList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

function isWebsocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** /{kind}/{namespace}/{pod}[/{container}] */
function route(pathname: string): { kind: string; namespace: string; pod: string; container: string | undefined } | undefined {
  const parts = pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  const [kind, namespace, pod, container] = parts;
  if (!kind || !namespace || !pod || parts.length > 4) return undefined;
  return { kind, namespace, pod, container };
}

export class KubeletServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly aborts = new Set<AbortController>();
  private readonly allowed: (subject: ClientSubject) => boolean;

  constructor(private readonly options: KubeletServerOptions) {
    this.allowed = options.allowedClients ?? apiServerClientOnly;
    this.server = createServer(
      { key: options.tls.keyPem, cert: options.tls.certPem, ca: options.clientCaPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      (req, res) => void this.handle(req, res).catch((err: unknown) => this.fail(res, err)),
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      void this.handleUpgrade(req, socket, head).catch((err: unknown) => {
        this.options.onError?.(err);
        if (!socket.destroyed) rejectUpgrade(socket, 500, err instanceof Error ? err.message : String(err));
      });
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Handshake failures (no or foreign client certificate) are the client's problem.
    this.server.on('tlsClientError', () => undefined);
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const abort of this.aborts) abort.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private fail(res: ServerResponse, err: unknown): void {
    this.options.onError?.(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.sendStatus(res, 500, err instanceof Error ? err.message : String(err));
  }

  private sendStatus(res: ServerResponse, code: number, message: string): void {
    const body = JSON.stringify(statusOf(code, message));
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  /** 401 without a client identity, 403 for any identity but the API server's. */
  private refusal(socket: Socket): { code: number; message: string } | undefined {
    const subject = subjectOf(socket);
    if (!subject || !subject.commonName) return { code: 401, message: 'Unauthorized' };
    if (!this.allowed(subject)) return { code: 403, message: `Forbidden (user=${subject.commonName}, verb=get, resource=nodes, subresource=proxy)` };
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.refusal(req.socket);
    if (refused) return this.sendStatus(res, refused.code, refused.message);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const target = route(url.pathname);
    if (target?.kind === 'containerLogs' && target.container) {
      if (req.method !== 'GET') return this.sendStatus(res, 405, `method ${req.method} not allowed`);
      return this.serveLogs(req, res, target.namespace, target.pod, target.container, url.searchParams);
    }
    if (target && ['exec', 'attach', 'portForward'].includes(target.kind)) return this.sendStatus(res, 400, 'Upgrade request required');
    this.sendStatus(res, 404, `the server could not find the requested resource (path ${url.pathname})`);
  }

  private async serveLogs(req: IncomingMessage, res: ServerResponse, namespace: string, pod: string, container: string, query: URLSearchParams): Promise<void> {
    const options = parseLogQuery(query);
    if ('error' in options) return this.sendStatus(res, 400, options.error);
    const previous = query.get('previous') === 'true' || query.get('previous') === '1';
    const found = await this.options.backend.findContainer(namespace, pod, container, previous);
    if ('notFound' in found) return this.sendStatus(res, 404, found.notFound);
    if ('badRequest' in found) return this.sendStatus(res, 400, found.badRequest);
    const abort = new AbortController();
    this.aborts.add(abort);
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    const runtime = this.options.runtime;
    try {
      await streamLog(
        found.logPath,
        options,
        { write: (data) => !res.destroyed && (res.write(data), true) },
        {
          signal: abort.signal,
          containerExited: async () => {
            const status = await runtime.containerStatus(found.containerId);
            return !status || status.state === 'exited' || status.state === 'unknown';
          },
        },
      );
    } finally {
      this.aborts.delete(abort);
      if (!res.destroyed) res.end();
    }
  }

  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => undefined);
    const refused = this.refusal(socket);
    if (refused) return rejectUpgrade(socket, refused.code, refused.message);
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const target = route(url.pathname);
    if (!target || !['exec', 'attach', 'portForward'].includes(target.kind)) {
      return rejectUpgrade(socket, 404, `the server could not find the requested resource (path ${url.pathname})`);
    }
    const websocket = isWebsocket(req);
    if (!websocket && (req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') {
      return rejectUpgrade(socket, 400, `unsupported upgrade protocol ${req.headers.upgrade ?? ''}`);
    }
    const found = await this.options.backend.findContainer(target.namespace, target.pod, target.kind === 'portForward' ? undefined : target.container, false);
    if ('notFound' in found) return rejectUpgrade(socket, 404, found.notFound);
    if ('badRequest' in found) return rejectUpgrade(socket, 400, found.badRequest);

    if (target.kind === 'portForward') return this.portForward(req, socket, head, found, url.searchParams, target.pod);

    if (!target.container) return rejectUpgrade(socket, 400, 'container name is required');
    const options = parseStreamOptions(url.searchParams);
    if ('error' in options) return rejectUpgrade(socket, 400, options.error);
    const argv = url.searchParams.getAll('command');
    if (target.kind === 'exec' && argv.length === 0) return rejectUpgrade(socket, 400, 'you must specify at least one command for the container');
    const attach = this.options.backend.attach?.bind(this.options.backend);
    if (target.kind === 'attach' && !attach) return rejectUpgrade(socket, 400, 'attach is not supported by this node');

    const start = (): Promise<ExecSession> =>
      target.kind === 'exec' ? this.options.runtime.exec(found.containerId, argv, options) : attach!(found.containerId, options);
    const ends = websocket ? await this.websocketExecEnds(req, socket, head, options) : await this.spdyExecEnds(req, socket, head, options);
    if (!ends) return;
    let session: ExecSession;
    try {
      session = await start();
    } catch (err) {
      ends.finish(internalErrorStatus(`error executing command in container: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    await runRemoteCommand(session, ends, argv);
  }

  private async websocketExecEnds(req: IncomingMessage, socket: Socket, head: Buffer, options: StreamOptions): Promise<RemoteCommandEnds | undefined> {
    const protocol = this.pickWebsocketProtocol(req, socket, WS_EXEC_PROTOCOLS);
    if (protocol === undefined) return undefined;
    const ws = await this.acceptWebsocket(req, socket, head, protocol);
    return websocketEnds(ws, protocol, options);
  }

  private async spdyExecEnds(req: IncomingMessage, socket: Socket, head: Buffer, options: StreamOptions): Promise<RemoteCommandEnds | undefined> {
    const protocol = this.negotiateSpdy(req, socket, SPDY_EXEC_PROTOCOLS);
    if (protocol === undefined) return undefined;
    const session = this.acceptSpdy(socket, head, protocol);
    return spdyEnds(session, protocol || 'channel.k8s.io', options);
  }

  private portForward(req: IncomingMessage, socket: Socket, head: Buffer, found: ContainerTarget, query: URLSearchParams, pod: string): Promise<void> | void {
    const dial: PortDialer = (port) => this.options.runtime.portForward(found.sandboxId, port);
    const describe = (port: number, err: unknown) => `error forwarding port ${port} to pod ${pod}, uid : ${err instanceof Error ? err.message : String(err)}`;
    if (!isWebsocket(req)) {
      const protocol = this.negotiateSpdy(req, socket, [PORT_FORWARD_PROTOCOL]);
      if (protocol === undefined) return;
      serveSpdyPortForward(this.acceptSpdy(socket, head, protocol), dial, describe);
      return;
    }
    const offered = headerList(req.headers['sec-websocket-protocol']);
    if (offered.includes(SPDY_TUNNEL_PROTOCOL)) {
      // kubectl 1.31+: SPDY framing carried in binary websocket messages.
      return this.acceptWebsocket(req, socket, head, SPDY_TUNNEL_PROTOCOL).then((ws) => {
        const session = new SpdySession({
          write: (data, flushed) => (ws.readyState === ws.OPEN ? ws.send(data, () => flushed?.()) : flushed?.()),
          end: () => ws.close(1000),
        });
        ws.on('message', (data: Buffer) => session.receive(data));
        ws.on('close', () => session.receiveEnd());
        serveSpdyPortForward(session, dial, describe);
      });
    }
    const ports = parsePorts(query);
    if ('error' in ports) return rejectUpgrade(socket, 400, ports.error);
    const protocol = this.pickWebsocketProtocol(req, socket, WS_PORT_FORWARD_PROTOCOLS);
    if (protocol === undefined) return;
    return this.acceptWebsocket(req, socket, head, protocol).then((ws) => serveWebsocketPortForward(ws, protocol, ports, dial, describe));
  }

  /** The client's first offered subprotocol we support ("" when it offers none); undefined after refusing. */
  private pickWebsocketProtocol(req: IncomingMessage, socket: Socket, supported: readonly string[]): string | undefined {
    const offered = headerList(req.headers['sec-websocket-protocol']);
    if (offered.length === 0) return '';
    const chosen = offered.find((p) => supported.includes(p));
    if (chosen === undefined) rejectUpgrade(socket, 400, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
    return chosen;
  }

  private acceptWebsocket(req: IncomingMessage, socket: Socket, head: Buffer, protocol: string): Promise<WebSocket> {
    return new Promise((resolve) => {
      const wss = new WebSocketServer({ noServer: true, clientTracking: false, handleProtocols: () => protocol || false });
      wss.handleUpgrade(req, socket, head, (ws) => {
        wss.close();
        resolve(ws);
      });
    });
  }

  /** httpstream.Handshake: the first client protocol the server supports; 403 when none. */
  private negotiateSpdy(req: IncomingMessage, socket: Socket, supported: readonly string[]): string | undefined {
    const offered = headerList(req.headers['x-stream-protocol-version']);
    if (offered.length === 0) return '';
    const chosen = offered.find((p) => supported.includes(p));
    if (chosen === undefined) {
      rejectUpgrade(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server accepts ${JSON.stringify(supported)}`);
    }
    return chosen;
  }

  private acceptSpdy(socket: Socket, head: Buffer, protocol: string): SpdySession {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : ''}\r\n`);
    const session = new SpdySession({
      write: (data, flushed) => {
        if (socket.destroyed) flushed?.();
        else socket.write(data, () => flushed?.());
      },
      end: () => {
        socket.end();
        // The client closes once its streams are done; do not wait for ever.
        socket.setTimeout(10_000, () => socket.destroy());
      },
    });
    socket.on('data', (chunk: Buffer) => session.receive(chunk));
    socket.on('close', () => session.receiveEnd());
    if (head.length > 0) session.receive(head);
    return session;
  }
}
