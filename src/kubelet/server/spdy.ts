// A small SPDY/3.1 server session, enough for what kubectl speaks through
// moby/spdystream: the client opens streams (SYN_STREAM with headers such as
// streamType, port, requestID), the server replies (SYN_REPLY) and both sides send
// DATA frames, FIN to half-close, RST_STREAM to abort; PING is echoed, GOAWAY ends.
//
// Header blocks are zlib-compressed with the SPDY/3 dictionary, one compression
// context per direction for the whole connection. spdystream implements no flow
// control, so WINDOW_UPDATE and SETTINGS frames are accepted and ignored.

import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { constants as zlibConstants, inflateSync } from 'node:zlib';

export const FRAME_SYN_STREAM = 1;
export const FRAME_SYN_REPLY = 2;
export const FRAME_RST_STREAM = 3;
export const FRAME_SETTINGS = 4;
export const FRAME_PING = 6;
export const FRAME_GOAWAY = 7;
export const FRAME_HEADERS = 8;
export const FRAME_WINDOW_UPDATE = 9;
export const FLAG_FIN = 0x01;
export const RST_PROTOCOL_ERROR = 1;
export const RST_CANCEL = 5;

const SPDY_VERSION = 3;
const MAX_DATA_LENGTH = 0xffffff;

// The SPDY/3 header dictionary (draft 3, section 2.6.10.1): length-prefixed words, then raw text.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((word) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(word.length);
    return Buffer.concat([length, Buffer.from(word, 'latin1')]);
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** Header names lower-cased (SPDY/3 requires it); repeated values joined with NUL on the wire. */
export type SpdyHeaders = Map<string, string[]>;

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Our direction's header "compression": a zlib stream (with the dictionary's id in
 * its header, as SPDY requires) made of stored deflate blocks. Each block ends on a
 * byte boundary, like a sync flush, so every header block decodes on its own; and
 * it needs no compression state, which node's zlib only offers asynchronously.
 */
export class HeaderCompressor {
  private started = false;

  compress(headers: SpdyHeaders): Buffer {
    const block = encodeHeaderBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // CMF 0x78 (deflate, 32K window); FLG with FDICT and the check bits; DICTID.
      const cmf = 0x78;
      let flg = 0x20;
      flg += 31 - ((cmf * 256 + flg) % 31);
      const dictId = Buffer.alloc(4);
      dictId.writeUInt32BE(adler32(SPDY_DICTIONARY));
      parts.push(Buffer.from([cmf, flg]), dictId);
    }
    for (let offset = 0; offset < block.length; offset += 0xffff) {
      const chunk = block.subarray(offset, offset + 0xffff);
      const header = Buffer.alloc(5);
      header[0] = 0x00; // BFINAL 0, BTYPE 00 (stored)
      header.writeUInt16LE(chunk.length, 1);
      header.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(header, chunk);
    }
    // An empty stored block, as a sync flush ends: Go's inflater hands out a block's
    // data only when it reaches the next block header, and must find it in this frame.
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }

  close(): void {}
}

/**
 * The client's header blocks form one zlib stream for the whole connection. Node's
 * zlib keeps such state only in asynchronous streams, so each block is decoded by
 * inflating everything received so far and keeping the new output: header traffic is
 * a few hundred bytes per stream, and this keeps frame handling synchronous.
 */
export class HeaderDecompressor {
  private compressed: Buffer = Buffer.alloc(0);
  private consumed = 0;

  decompress(block: Buffer): SpdyHeaders {
    this.compressed = Buffer.concat([this.compressed, block]);
    const all = inflateSync(this.compressed, { dictionary: SPDY_DICTIONARY, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.consumed);
    this.consumed = all.length;
    return decodeHeaderBlock(fresh);
  }

  close(): void {
    this.compressed = Buffer.alloc(0);
  }
}

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  parts.push(u32(headers.size));
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let offset = 0;
  const read = (): string => {
    if (offset + 4 > block.length) throw new Error('truncated SPDY header block');
    const length = block.readUInt32BE(offset);
    offset += 4;
    if (offset + length > block.length) throw new Error('truncated SPDY header block');
    const value = block.toString('utf8', offset, offset + length);
    offset += length;
    return value;
  };
  if (block.length < 4) throw new Error('truncated SPDY header block');
  const count = block.readUInt32BE(0);
  offset = 4;
  for (let i = 0; i < count; i++) {
    const name = read().toLowerCase();
    const values = read().split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([header, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(streamId & 0x7fffffff, 0);
  header.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([header, data]);
}

/** A parsed frame; control frames carry their raw payload. */
export type Frame =
  | { readonly control: true; readonly type: number; readonly flags: number; readonly payload: Buffer }
  | { readonly control: false; readonly streamId: number; readonly flags: number; readonly data: Buffer };

/** Splits a byte stream into frames. */
export class FrameParser {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUInt32BE(4) & 0xffffff;
      if (this.buffer.length < 8 + length) break;
      const flags = this.buffer[4]!;
      const body = this.buffer.subarray(8, 8 + length);
      if (this.buffer[0]! & 0x80) {
        const version = this.buffer.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: this.buffer.readUInt16BE(2), flags, payload: Buffer.from(body) });
      } else {
        frames.push({ control: false, streamId: this.buffer.readUInt32BE(0) & 0x7fffffff, flags, data: Buffer.from(body) });
      }
      this.buffer = this.buffer.subarray(8 + length);
    }
    return frames;
  }
}

/** Where a session writes its bytes: a socket, or a websocket tunnel. */
export interface SpdyTransport {
  /** `flushed` runs once the bytes have left (or can never leave). */
  write(data: Buffer, flushed?: () => void): void;
  end(): void;
}

/** A client-initiated stream: read what the client sends, write back. */
export class SpdyStream extends Readable {
  private replied = false;
  private localClosed = false;
  remoteClosed = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super();
  }

  override _read(): void {
    // Data is pushed as frames arrive; spdystream has no flow control to drive from here.
  }

  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** SYN_REPLY; sent once, before any data. */
  reply(): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendReply(this.id);
  }

  write(data: Buffer | string, flushed?: () => void): void {
    if (this.localClosed || this.session.closed) {
      flushed?.();
      return;
    }
    this.reply();
    const buffer = typeof data === 'string' ? Buffer.from(data) : data;
    const frames: Buffer[] = [];
    for (let offset = 0; offset < buffer.length; offset += MAX_DATA_LENGTH) frames.push(dataFrame(this.id, 0, buffer.subarray(offset, offset + MAX_DATA_LENGTH)));
    this.session.send(Buffer.concat(frames), flushed);
  }

  /** Half-closes our side (empty DATA frame with FIN). */
  close(): void {
    if (this.localClosed) return;
    this.reply();
    this.localClosed = true;
    if (!this.session.closed) this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    this.session.streamDone(this);
  }

  reset(status = RST_CANCEL): void {
    if (!this.localClosed && !this.session.closed) {
      const payload = Buffer.alloc(8);
      payload.writeUInt32BE(this.id & 0x7fffffff, 0);
      payload.writeUInt32BE(status, 4);
      this.session.send(controlFrame(FRAME_RST_STREAM, 0, payload));
    }
    this.localClosed = true;
    this.remoteEnd();
    this.session.streamDone(this);
  }

  get finished(): boolean {
    return this.localClosed && this.remoteClosed;
  }

  /** The client's FIN (or reset, or connection loss): the readable side ends. */
  remoteEnd(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

/**
 * The server end of a SPDY/3.1 connection. Feed it bytes with `receive`, tell it
 * about the end of input with `receiveEnd`; new client streams arrive as 'stream'
 * events and are replied to by the handler (or automatically on first write/close).
 */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private readonly parser = new FrameParser();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  closed = false;

  constructor(private readonly transport: SpdyTransport) {
    super();
  }

  receive(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const frame of this.parser.push(chunk)) this.handle(frame);
    } catch {
      // A framing or compression error ends the connection (GOAWAY PROTOCOL_ERROR).
      this.goAway(1);
      this.close();
    }
  }

  receiveEnd(): void {
    this.close();
  }

  private handle(frame: Frame): void {
    if (!frame.control) {
      const stream = this.streams.get(frame.streamId);
      if (!stream) return;
      if (frame.data.length > 0 && !stream.remoteClosed) stream.push(frame.data);
      if (frame.flags & FLAG_FIN) {
        stream.remoteEnd();
        if (stream.finished) this.streams.delete(stream.id);
      }
      return;
    }
    const { type, flags, payload } = frame;
    switch (type) {
      case FRAME_SYN_STREAM: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = this.decompressor.decompress(payload.subarray(10));
        if (id <= this.lastStreamId || id % 2 === 0) {
          this.sendRst(id, RST_PROTOCOL_ERROR);
          return;
        }
        this.lastStreamId = id;
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        if (flags & FLAG_FIN) stream.remoteEnd();
        this.emit('stream', stream);
        return;
      }
      case FRAME_HEADERS:
        // Keep the decompression context in step; the headers themselves are not used.
        this.decompressor.decompress(payload.subarray(4));
        if (flags & FLAG_FIN) this.streams.get(payload.readUInt32BE(0) & 0x7fffffff)?.remoteEnd();
        return;
      case FRAME_RST_STREAM: {
        const stream = this.streams.get(payload.readUInt32BE(0) & 0x7fffffff);
        if (stream) {
          this.streams.delete(stream.id);
          stream.remoteEnd();
          stream.emit('reset');
        }
        return;
      }
      case FRAME_PING:
        // Client pings are odd; echo them back unchanged.
        this.send(controlFrame(FRAME_PING, 0, payload));
        return;
      case FRAME_GOAWAY:
        this.close();
        return;
      case FRAME_SYN_REPLY:
        // We open no streams of our own; keep the compression context in step.
        this.decompressor.decompress(payload.subarray(4));
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown frames are ignored (no flow control in spdystream).
        return;
    }
  }

  send(frame: Buffer, flushed?: () => void): void {
    if (this.closed) flushed?.();
    else this.transport.write(frame, flushed);
  }

  sendReply(streamId: number): void {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(streamId & 0x7fffffff);
    this.send(controlFrame(FRAME_SYN_REPLY, 0, Buffer.concat([id, this.compressor.compress(new Map())])));
  }

  private sendRst(streamId: number, status: number): void {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(streamId & 0x7fffffff, 0);
    payload.writeUInt32BE(status, 4);
    this.send(controlFrame(FRAME_RST_STREAM, 0, payload));
  }

  streamDone(stream: SpdyStream): void {
    if (stream.finished) this.streams.delete(stream.id);
  }

  /** GOAWAY: no new streams; spdystream closes the connection once its streams are done. */
  goAway(status = 0): void {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(this.lastStreamId, 0);
    payload.writeUInt32BE(status, 4);
    this.send(controlFrame(FRAME_GOAWAY, 0, payload));
  }

  /** Ends the connection: open streams see the end of their input. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) stream.remoteEnd();
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.transport.end();
    this.emit('close');
  }
}
