import assert from 'node:assert/strict';
import { constants as zlibConstants, createDeflate, inflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { checkLeaksAfterAll } from '../../testing/index.js';
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FRAME_GOAWAY,
  FRAME_PING,
  FRAME_RST_STREAM,
  FRAME_SYN_REPLY,
  FRAME_SYN_STREAM,
  FRAME_WINDOW_UPDATE,
  FrameParser,
  HeaderCompressor,
  HeaderDecompressor,
  SPDY_DICTIONARY,
  SpdySession,
  type Frame,
  type SpdyStream,
} from './spdy.js';

checkLeaksAfterAll();

/** Compresses header blocks as Go's framer does: one zlib stream, sync flush per block. */
async function goStyleBlocks(blocks: Map<string, string[]>[]): Promise<Buffer[]> {
  const deflate = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
  const out: Buffer[] = [];
  for (const headers of blocks) {
    const chunks: Buffer[] = [];
    const onData = (d: Buffer) => chunks.push(d);
    deflate.on('data', onData);
    deflate.write(encodeHeaderBlock(headers));
    await new Promise<void>((resolve) => deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
    deflate.off('data', onData);
    out.push(Buffer.concat(chunks));
  }
  deflate.close();
  return out;
}

function synStream(id: number, block: Buffer, flags = 0): Buffer {
  const prefix = Buffer.alloc(10);
  prefix.writeUInt32BE(id, 0);
  return controlFrame(FRAME_SYN_STREAM, flags, Buffer.concat([prefix, block]));
}

function session(): { session: SpdySession; frames: () => Frame[]; ended: () => boolean } {
  const parser = new FrameParser();
  const frames: Frame[] = [];
  let ended = false;
  const s = new SpdySession({ write: (data) => frames.push(...parser.push(data)), end: () => (ended = true) });
  return { session: s, frames: () => frames, ended: () => ended };
}

describe('SPDY/3.1 framing', () => {
  it('the dictionary matches the SPDY/3 draft (length, first word, tail)', () => {
    assert.equal(SPDY_DICTIONARY.length, 1423);
    assert.equal(SPDY_DICTIONARY.subarray(0, 11).toString('latin1'), '\0\0\0\x07options');
    assert.ok(SPDY_DICTIONARY.toString('latin1').endsWith('utf-,*,enq=0.'));
  });

  it('header blocks round-trip, names lower-cased, repeated values NUL-joined', () => {
    const block = encodeHeaderBlock(new Map([['StreamType', ['stdout']], ['x', ['a', 'b']]]));
    assert.deepEqual([...decodeHeaderBlock(block)], [
      ['streamtype', ['stdout']],
      ['x', ['a', 'b']],
    ]);
  });

  it('our compressed blocks decode with one zlib stream, block by block (as Go reads them)', () => {
    const compressor = new HeaderCompressor();
    const first = compressor.compress(new Map([['a', ['1']]]));
    const second = compressor.compress(new Map());
    const inflated = inflateSync(Buffer.concat([first, second]), { dictionary: SPDY_DICTIONARY, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    assert.deepEqual([...decodeHeaderBlock(inflated)], [['a', ['1']]]);
    // Each block ends with an empty stored block (a sync flush marker).
    assert.deepEqual([...second.subarray(-5)], [0, 0, 0, 0xff, 0xff]);
    const decompressor = new HeaderDecompressor();
    assert.deepEqual([...decompressor.decompress(first)], [['a', ['1']]]);
    assert.equal(decompressor.decompress(second).size, 0);
  });

  it('parses frames split at any byte', () => {
    const bytes = Buffer.concat([dataFrame(1, FLAG_FIN, Buffer.from('hello')), controlFrame(FRAME_PING, 0, Buffer.from([0, 0, 0, 1]))]);
    const parser = new FrameParser();
    const frames: Frame[] = [];
    for (const byte of bytes) frames.push(...parser.push(Buffer.from([byte])));
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[0], { control: false, streamId: 1, flags: FLAG_FIN, data: Buffer.from('hello') });
    assert.equal(frames[1]!.control && frames[1]!.type, FRAME_PING);
  });

  it('accepts streams with Go-compressed headers, replies, carries data and FIN both ways', async () => {
    const { session: s, frames } = session();
    const streams: SpdyStream[] = [];
    s.on('stream', (stream) => {
      streams.push(stream);
      stream.reply();
    });
    const [b1, b2] = await goStyleBlocks([
      new Map([['streamtype', ['error']], ['port', ['80']], ['requestid', ['0']]]),
      new Map([['streamtype', ['data']], ['port', ['80']], ['requestid', ['0']]]),
    ]);
    s.receive(synStream(1, b1!));
    s.receive(synStream(3, b2!));
    assert.deepEqual(
      streams.map((st) => [st.id, st.header('streamType'), st.header('requestID')]),
      [
        [1, 'error', '0'],
        [3, 'data', '0'],
      ],
    );
    const received: Buffer[] = [];
    streams[1]!.on('data', (d: Buffer) => received.push(d));
    const ended = new Promise((resolve) => streams[1]!.on('end', resolve));
    s.receive(Buffer.concat([dataFrame(3, 0, Buffer.from('ping')), dataFrame(3, FLAG_FIN, Buffer.alloc(0))]));
    await ended;
    assert.equal(Buffer.concat(received).toString(), 'ping');
    streams[1]!.write('pong');
    streams[1]!.close();
    const out = frames();
    assert.deepEqual(
      out.map((f) => (f.control ? `ctl:${f.type}` : `data:${f.streamId}:${f.flags}:${f.data.toString()}`)),
      [`ctl:${FRAME_SYN_REPLY}`, `ctl:${FRAME_SYN_REPLY}`, 'data:3:0:pong', 'data:3:1:'],
    );
    // The replies' headers decode from our stream.
    const decompressor = new HeaderDecompressor();
    for (const f of out.slice(0, 2)) if (f.control) assert.equal(decompressor.decompress(f.payload.subarray(4)).size, 0);
    s.close();
  });

  it('echoes pings, ignores window updates, resets bad stream ids, ends on GOAWAY', async () => {
    const { session: s, frames, ended } = session();
    s.on('stream', (stream) => stream.reply());
    s.receive(controlFrame(FRAME_PING, 0, Buffer.from([0, 0, 0, 7])));
    s.receive(controlFrame(FRAME_WINDOW_UPDATE, 0, Buffer.alloc(8)));
    const [b1, b2] = await goStyleBlocks([new Map([['streamtype', ['error']]]), new Map([['streamtype', ['error']]])]);
    s.receive(synStream(5, b1!));
    s.receive(synStream(3, b2!)); // ids must increase
    const out = frames();
    assert.ok(out[0]!.control && out[0]!.type === FRAME_PING && out[0]!.payload.readUInt32BE(0) === 7);
    assert.ok(out.some((f) => f.control && f.type === FRAME_RST_STREAM && f.payload.readUInt32BE(0) === 3));
    s.receive(controlFrame(FRAME_GOAWAY, 0, Buffer.alloc(8)));
    assert.equal(ended(), true);
    assert.equal(s.closed, true);
  });

  it('a corrupt header block ends the connection with GOAWAY', () => {
    const { session: s, frames, ended } = session();
    s.receive(synStream(1, Buffer.from('not zlib at all')));
    assert.ok(frames().some((f) => f.control && f.type === FRAME_GOAWAY));
    assert.equal(ended(), true);
  });
});
