// Port forwarding (k8s.io/kubelet cri/streaming/portforward):
// - SPDY (`portforward.k8s.io`), plain or tunnelled in a websocket
//   (`SPDY/3.1+portforward.k8s.io`, kubectl 1.31+): each forwarded connection is a
//   pair of client streams, error and data, sharing the headers port and requestID;
// - websocket `v4.channel.k8s.io` (@kubernetes/client-node): ports from the query, a
//   data channel 2i and an error channel 2i+1 per port, each starting with the port
//   as two little-endian bytes.

import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { forwardWithBackpressure } from './flow.js';
import type { SpdySession, SpdyStream } from './spdy.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
export const WS_PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'] as const;

/** Opens a connection to a port in the pod's network. */
export type PortDialer = (port: number) => Promise<Duplex>;

/** Describes a forwarding failure as kubelet does. */
export type ForwardErrorMessage = (port: number, err: unknown) => string;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Serves the stream pairs of one SPDY connection until it closes. */
export function serveSpdyPortForward(session: SpdySession, dial: PortDialer, describe: ForwardErrorMessage, streamTimeoutMs = 30_000): void {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  const connections = new Set<Duplex>();
  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
    for (const connection of connections) connection.destroy();
  });
  session.on('stream', (stream) => {
    const port = Number(stream.header('port') ?? '');
    const type = stream.header('streamType');
    if (!Number.isInteger(port) || port < 1 || port > 65535 || (type !== 'data' && type !== 'error')) {
      stream.reset();
      return;
    }
    stream.reply();
    // Old clients send no requestID: pair error stream N with data stream N+2 (kubelet's fallback).
    const requestId = stream.header('requestID') ?? String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        const timedOut = pairs.get(requestId);
        pairs.delete(requestId);
        timedOut?.error?.write(`timed out waiting for streams`);
        timedOut?.error?.close();
        timedOut?.data?.reset();
      }, streamTimeoutMs);
      pair = { timer };
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      stream.reset();
      return;
    }
    pair[type] = stream;
    if (!pair.data || !pair.error) return;
    clearTimeout(pair.timer);
    pairs.delete(requestId);
    void forwardPair(pair.data, pair.error, port, dial, describe, connections);
  });
}

async function forwardPair(data: SpdyStream, error: SpdyStream, port: number, dial: PortDialer, describe: ForwardErrorMessage, connections: Set<Duplex>): Promise<void> {
  // The client only reads the error stream.
  error.resume();
  let connection: Duplex;
  try {
    connection = await dial(port);
  } catch (err) {
    error.write(JSON.stringify({ closeConnection: true, message: describe(port, err) }) + '\n');
    error.close();
    data.close();
    return;
  }
  connections.add(connection);
  data.on('data', (chunk: Buffer) => connection.write(chunk));
  data.on('end', () => connection.end());
  forwardWithBackpressure(connection, (chunk, flushed) => data.write(chunk, flushed));
  connection.on('error', (err: NodeJS.ErrnoException) => {
    // A reset by the pod's process is routine (the client may forward again).
    const closeConnection = err.code !== 'ECONNRESET' && err.code !== 'EPIPE';
    error.write(JSON.stringify({ ...(closeConnection ? { closeConnection } : {}), message: describe(port, err) }) + '\n');
  });
  connection.on('close', () => {
    connections.delete(connection);
    data.close();
    error.close();
  });
}

/** Parses the `port` query parameters of a websocket port-forward request. */
export function parsePorts(query: URLSearchParams): number[] | { error: string } {
  const values = query.getAll('port');
  if (values.length === 0) return { error: 'query parameter "port" is required' };
  const ports: number[] = [];
  for (const value of values) {
    if (value === '') return { error: 'query parameter "port" cannot be empty' };
    for (const part of value.split(',')) {
      const port = /^\d+$/.test(part) ? Number(part) : NaN;
      if (!Number.isInteger(port) || port > 65535) return { error: `unable to parse "${value}" as a port: invalid syntax` };
      if (port < 1) return { error: `port "${value}" must be > 0` };
      ports.push(port);
    }
  }
  return ports;
}

/** The websocket channel protocol: one connection per forwarded port, closed when all are done. */
export function serveWebsocketPortForward(ws: WebSocket, protocol: string, ports: readonly number[], dial: PortDialer, describe: ForwardErrorMessage): void {
  const base64 = protocol.includes('base64');
  const send = (channel: number, data: Buffer, flushed?: () => void) => {
    if (ws.readyState !== ws.OPEN) return flushed?.();
    const done = () => flushed?.();
    if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), done);
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), done);
  };
  const connections: (Duplex | undefined)[] = [];
  const pending: Buffer[][] = ports.map(() => []);
  let open = ports.length;
  const finishOne = () => {
    open--;
    if (open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
    const message = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (message.length === 0) return;
    const channel = base64 ? message[0]! - 48 : message[0]!;
    const data = base64 ? Buffer.from(message.subarray(1).toString('latin1'), 'base64') : message.subarray(1);
    if (channel % 2 !== 0) return;
    const index = channel / 2;
    const connection = connections[index];
    if (connection) connection.write(data);
    else pending[index]?.push(data);
  });
  ws.on('close', () => {
    for (const connection of connections) connection?.destroy();
  });
  ports.forEach((port, index) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(index * 2, portBytes);
    send(index * 2 + 1, portBytes);
    dial(port).then(
      (connection) => {
        if (ws.readyState !== ws.OPEN) {
          connection.destroy();
          return;
        }
        connections[index] = connection;
        for (const chunk of pending[index] ?? []) connection.write(chunk);
        forwardWithBackpressure(connection, (chunk, flushed) => send(index * 2, chunk, flushed));
        connection.on('error', (err) => send(index * 2 + 1, Buffer.from(describe(port, err))));
        connection.on('close', finishOne);
      },
      (err: unknown) => {
        send(index * 2 + 1, Buffer.from(describe(port, err)));
        finishOne();
      },
    );
  });
}

export { errorMessage };
