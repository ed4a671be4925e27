// Forwarding to the upstream resolvers (like CoreDNS's forward plugin): the client's
// query as it came, under a fresh ID, over UDP; retried over TCP when the answer is
// truncated; the next upstream on a timeout. Every socket is owned and closed by stop().

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { connect, isIP, type Socket as TcpSocket } from 'node:net';

export interface UpstreamServer {
  readonly host: string;
  readonly port: number;
}

/** "10.0.0.2", "10.0.0.2:5353", "[fd00::1]:53" or "fd00::1". */
export function parseUpstream(text: string): UpstreamServer {
  const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : 53 };
  if (isIP(text) !== 0) return { host: text, port: 53 };
  const colon = text.lastIndexOf(':');
  if (colon > 0) return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
  return { host: text, port: 53 };
}

const TRUNCATED = 1 << 9;

export class Forwarder {
  private readonly udpSockets = new Set<UdpSocket>();
  private readonly tcpSockets = new Set<TcpSocket>();
  private stopped = false;

  constructor(
    private readonly upstreams: readonly UpstreamServer[],
    /** Per attempt; CoreDNS's forward reads for 2 s. */
    private readonly timeoutMs: number,
  ) {}

  /** The upstream's answer to a wire-format query (with the query's ID), or undefined when none answered. */
  async exchange(query: Buffer): Promise<Buffer | undefined> {
    if (query.length < 12) return undefined;
    const clientId = query.readUInt16BE(0);
    for (const upstream of this.upstreams) {
      if (this.stopped) return undefined;
      const id = randomInt(0, 0x10000);
      const outgoing = Buffer.from(query);
      outgoing.writeUInt16BE(id, 0);
      let reply = await this.exchangeUdp(upstream, outgoing, id).catch(() => undefined);
      if (reply && (reply.readUInt16BE(2) & TRUNCATED) !== 0) {
        reply = (await this.exchangeTcp(upstream, outgoing, id).catch(() => undefined)) ?? reply;
      }
      if (!reply) continue;
      reply.writeUInt16BE(clientId, 0);
      return reply;
    }
    return undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const socket of this.udpSockets) socket.close();
    for (const socket of this.tcpSockets) socket.destroy();
    this.udpSockets.clear();
    this.tcpSockets.clear();
  }

  private exchangeUdp(upstream: UpstreamServer, query: Buffer, id: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket(isIP(upstream.host) === 6 ? 'udp6' : 'udp4');
      this.udpSockets.add(socket);
      const finish = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        if (this.udpSockets.delete(socket)) socket.close();
        resolve(reply);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      socket.on('error', () => finish(undefined));
      socket.on('close', () => finish(undefined));
      // Only the upstream's answer with our ID counts (no spoofed or stray datagrams).
      socket.on('message', (message, from) => {
        if (from.port !== upstream.port || message.length < 12 || message.readUInt16BE(0) !== id) return;
        finish(message);
      });
      socket.send(query, upstream.port, upstream.host, (err) => {
        if (err) finish(undefined);
      });
    });
  }

  private exchangeTcp(upstream: UpstreamServer, query: Buffer, id: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const socket = connect({ host: upstream.host, port: upstream.port });
      this.tcpSockets.add(socket);
      let buffered: Buffer = Buffer.alloc(0);
      const finish = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        this.tcpSockets.delete(socket);
        socket.destroy();
        resolve(reply);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      socket.on('error', () => finish(undefined));
      socket.on('close', () => finish(undefined));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2) return;
        const size = buffered.readUInt16BE(0);
        if (buffered.length < 2 + size) return;
        const reply = buffered.subarray(2, 2 + size);
        finish(reply.length >= 12 && reply.readUInt16BE(0) === id ? Buffer.from(reply) : undefined);
      });
    });
  }
}
