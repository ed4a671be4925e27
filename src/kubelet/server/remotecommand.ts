// exec and attach over the two transports kubectl speaks (k8s.io/kubelet cri/streaming
// remotecommand and the API server's websocket translator):
// - websocket subprotocols v5/v4/v3/v2.channel.k8s.io, channel.k8s.io and the base64
//   variants: each message starts with its channel (0 stdin, 1 stdout, 2 stderr,
//   3 error, 4 resize; v5 adds 255 "close" carrying the channel to half-close);
// - SPDY/3.1 with one stream per channel (header streamType).
// The error channel carries the outcome: a metav1.Status JSON from v4 on, plain text before.

import type { Readable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { ExecSession } from '../runtime/types.js';
import { forwardWithBackpressure, type FlushingWrite } from './flow.js';
import type { SpdySession, SpdyStream } from './spdy.js';

export const WS_EXEC_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
] as const;

export const SPDY_EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface StreamOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** kubelet's NewOptions: input/output/error/tty = "1" (stdin/stdout/stderr accepted too). */
export function parseStreamOptions(query: URLSearchParams): StreamOptions | { error: string } {
  const flag = (...names: string[]) => names.some((n) => query.get(n) === '1' || query.get(n) === 'true');
  const tty = flag('tty');
  const stdin = flag('input', 'stdin');
  const stdout = flag('output', 'stdout');
  // A terminal merges stderr into stdout.
  const stderr = flag('error', 'stderr') && !tty;
  if (!stdin && !stdout && !stderr) return { error: 'you must specify at least 1 of stdin, stdout, stderr' };
  return { stdin, stdout, stderr, tty };
}

/** The outcome written to the error channel (metav1.Status). */
export interface ExecStatus {
  readonly metadata: Record<string, never>;
  readonly status: 'Success' | 'Failure';
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { causes: { reason: string; message: string }[] };
}

export function successStatus(): ExecStatus {
  return { metadata: {}, status: 'Success' };
}

export function exitCodeStatus(argv: readonly string[], exitCode: number): ExecStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function internalErrorStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', code: 500, details: { causes: [{ reason: '', message }] } };
}

/** The client's side of a session, whatever the transport. */
export interface RemoteCommandEnds {
  onStdin(data: (chunk: Buffer) => void, end: () => void): void;
  onResize(resize: (size: { width: number; height: number }) => void): void;
  /** The client went away before the command finished. */
  onClientGone(gone: () => void): void;
  readonly stdout: FlushingWrite;
  readonly stderr: FlushingWrite;
  /** Writes the outcome and ends the connection. */
  finish(status: ExecStatus): void;
}

/** Splits concatenated JSON objects ({"Width":80,"Height":24}{...}) as Go's json.Decoder reads them. */
export class ResizeDecoder {
  private text = '';
  push(chunk: Buffer): { width: number; height: number }[] {
    this.text += chunk.toString('utf8');
    const sizes: { width: number; height: number }[] = [];
    let depth = 0;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '{') {
        if (depth === 0) start = i;
        depth++;
      } else if (c === '}' && depth > 0) {
        depth--;
        if (depth === 0 && start >= 0) {
          try {
            const parsed = JSON.parse(this.text.slice(start, i + 1)) as { Width?: number; Height?: number };
            sizes.push({ width: parsed.Width ?? 0, height: parsed.Height ?? 0 });
          } catch {
            // Not a size: skip it.
          }
          consumed = i + 1;
        }
      }
    }
    this.text = this.text.slice(consumed);
    return sizes;
  }
}

/** Channel framing for a negotiated websocket subprotocol. */
export function websocketEnds(ws: WebSocket, protocol: string, options: StreamOptions): RemoteCommandEnds {
  const base64 = protocol.includes('base64');
  const v4Status = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  const send = (channel: number, data: Buffer, flushed?: () => void) => {
    if (ws.readyState !== ws.OPEN) return flushed?.();
    const done = () => flushed?.();
    if (base64) ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), done);
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), done);
  };
  let stdinData: ((chunk: Buffer) => void) | undefined;
  // Input that arrives while the command is still starting (runc exec takes a while) waits here.
  const earlyStdin: Buffer[] = [];
  let stdinEnd: (() => void) | undefined;
  let stdinEnded = false;
  const endStdin = () => {
    if (stdinEnded) return;
    stdinEnded = true;
    stdinEnd?.();
  };
  let resize: ((size: { width: number; height: number }) => void) | undefined;
  const resizeDecoder = new ResizeDecoder();
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const message = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (message.length === 0) return;
    let channel = message[0]!;
    let data = message.subarray(1);
    if (base64 || !isBinary) {
      if (base64) {
        channel -= 48;
        data = Buffer.from(data.toString('latin1'), 'base64');
      }
    }
    if (channel === STDIN && options.stdin && !stdinEnded) {
      if (stdinData) stdinData(data);
      else earlyStdin.push(Buffer.from(data));
    }
    else if (channel === RESIZE) for (const size of resizeDecoder.push(data)) resize?.(size);
    else if (channel === CLOSE && data[0] === STDIN) endStdin();
  });
  let finished = false;
  let gone: (() => void) | undefined;
  ws.on('close', () => {
    endStdin();
    if (!finished) gone?.();
  });
  // kubelet tells the client the connection is up with an empty frame on the first writable channel.
  send(options.stdout ? STDOUT : options.stderr ? STDERR : ERROR, Buffer.alloc(0));
  return {
    onStdin(data, end) {
      stdinData = data;
      stdinEnd = end;
      for (const chunk of earlyStdin.splice(0)) data(chunk);
      if (stdinEnded) end();
    },
    onResize(fn) {
      resize = fn;
    },
    onClientGone(fn) {
      gone = fn;
    },
    stdout: (chunk, flushed) => (options.stdout ? send(STDOUT, chunk, flushed) : flushed()),
    stderr: (chunk, flushed) => (options.stderr ? send(STDERR, chunk, flushed) : flushed()),
    finish(status) {
      if (finished) return;
      finished = true;
      if (v4Status) send(ERROR, Buffer.from(JSON.stringify(status)));
      else if (status.status !== 'Success') send(ERROR, Buffer.from(status.message ?? ''));
      ws.close(1000);
    },
  };
}

/**
 * Waits for the client's streams (error plus each requested one, resize with a
 * terminal from v3 on), as kubelet's waitForStreams does; undefined on timeout or
 * when the connection ends first.
 */
export function spdyEnds(session: SpdySession, protocol: string, options: StreamOptions, timeoutMs = 30_000): Promise<RemoteCommandEnds | undefined> {
  const v4Status = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  const resizable = v4Status || protocol.startsWith('v3.');
  const expected = 1 + Number(options.stdin) + Number(options.stdout) + Number(options.stderr) + Number(options.tty && resizable);
  const streams = new Map<string, SpdyStream>();
  return new Promise((resolve) => {
    const done = (ends: RemoteCommandEnds | undefined) => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      resolve(ends);
    };
    const onClose = () => done(undefined);
    const timer = setTimeout(() => {
      session.goAway();
      session.close();
    }, timeoutMs);
    const onStream = (stream: SpdyStream) => {
      const type = stream.header('streamType') ?? '';
      if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
        stream.reset();
        return;
      }
      stream.reply();
      streams.set(type, stream);
      if (streams.size === expected) done(makeSpdyEnds(session, streams, v4Status));
    };
    session.on('stream', onStream);
    session.on('close', onClose);
  });
}

function makeSpdyEnds(session: SpdySession, streams: Map<string, SpdyStream>, v4Status: boolean): RemoteCommandEnds {
  const error = streams.get('error');
  const stdout = streams.get('stdout');
  const stderr = streams.get('stderr');
  let finished = false;
  error?.resume();
  stdout?.resume();
  stderr?.resume();
  return {
    onStdin(data, end) {
      const stdin = streams.get('stdin');
      if (!stdin) return;
      stdin.on('data', data);
      stdin.on('end', end);
    },
    onResize(fn) {
      const stream = streams.get('resize');
      if (!stream) return;
      const decoder = new ResizeDecoder();
      stream.on('data', (chunk: Buffer) => decoder.push(chunk).forEach(fn));
    },
    onClientGone(fn) {
      session.on('close', () => {
        if (!finished) fn();
      });
    },
    stdout: (chunk, flushed) => (stdout ? stdout.write(chunk, flushed) : flushed()),
    stderr: (chunk, flushed) => (stderr ? stderr.write(chunk, flushed) : flushed()),
    finish(status) {
      if (finished) return;
      finished = true;
      stdout?.close();
      stderr?.close();
      // Not earlier: client-go reads stdin's reverse side and ends its stdin copy when that closes.
      streams.get('stdin')?.close();
      streams.get('resize')?.close();
      if (v4Status) error?.write(JSON.stringify(status));
      else if (status.status !== 'Success') error?.write(status.message ?? '');
      error?.close();
      session.goAway();
      session.close();
    },
  };
}

/** Connects a running exec (or attach) to the client and reports its outcome. */
export async function runRemoteCommand(session: ExecSession, ends: RemoteCommandEnds, argv: readonly string[]): Promise<void> {
  if (session.stdin) {
    const stdin = session.stdin;
    stdin.on('error', () => undefined);
    ends.onStdin(
      (chunk) => stdin.write(chunk),
      () => stdin.end(),
    );
  }
  ends.onResize((size) => session.resize(size));
  ends.onClientGone(() => session.kill());
  if (session.stdout) forwardWithBackpressure(session.stdout, ends.stdout);
  if (session.stderr) forwardWithBackpressure(session.stderr, ends.stderr);
  const drained = Promise.all([session.stdout, session.stderr].map((stream) => (stream ? ended(stream) : undefined)));
  let status: ExecStatus;
  try {
    const code = await session.exited;
    await drained;
    status = code === 0 ? successStatus() : exitCodeStatus(argv, code);
  } catch (err) {
    status = internalErrorStatus(`error executing command in container: ${err instanceof Error ? err.message : String(err)}`);
  }
  ends.finish(status);
}

function ended(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}
