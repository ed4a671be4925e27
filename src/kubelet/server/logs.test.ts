import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkLeaksAfterAll, eventually } from '../../testing/index.js';
import { CriLogParser, parseLogQuery, streamLog, type LogOptions } from './logs.js';

checkLeaksAfterAll();

const dir = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LOG =
  '2026-01-01T00:00:00.1Z stdout F one\n' +
  '2026-01-01T00:00:01Z stderr P two-a \n' +
  '2026-01-01T00:00:01.2Z stderr F two-b\n' +
  'garbage line\n' +
  '2026-01-01T00:00:02Z stdout F three\n';

async function read(path: string, options: Partial<LogOptions>): Promise<string> {
  const chunks: Buffer[] = [];
  await streamLog(path, { follow: false, timestamps: false, ...options }, { write: (d) => (chunks.push(d), true) });
  return Buffer.concat(chunks).toString();
}

describe('CRI container logs', () => {
  it('parses lines across chunk boundaries and joins partial lines', () => {
    const parser = new CriLogParser();
    const lines = [...LOG].flatMap((ch) => parser.push(Buffer.from(ch)));
    assert.deepEqual(
      lines.map((l) => [l.timestamp, l.stream, l.message.toString()]),
      [
        ['2026-01-01T00:00:00.1Z', 'stdout', 'one\n'],
        ['2026-01-01T00:00:01Z', 'stderr', 'two-a two-b\n'],
        ['2026-01-01T00:00:02Z', 'stdout', 'three\n'],
      ],
    );
  });

  it('applies tail, since, timestamps and limitBytes', async () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, LOG);
    assert.equal(await read(path, {}), 'one\ntwo-a two-b\nthree\n');
    assert.equal(await read(path, { tailLines: 2 }), 'two-a two-b\nthree\n');
    assert.equal(await read(path, { tailLines: 0 }), '');
    assert.equal(await read(path, { timestamps: true, tailLines: 1 }), '2026-01-01T00:00:02Z three\n');
    assert.equal(await read(path, { since: new Date('2026-01-01T00:00:01Z') }), 'two-a two-b\nthree\n');
    assert.equal(await read(path, { limitBytes: 6 }), 'one\ntw');
    assert.equal(await read(join(dir, 'missing.log'), {}), '');
  });

  it('follows new lines until the container has exited and the file is drained', async () => {
    const path = join(dir, 'follow.log');
    writeFileSync(path, '2026-01-01T00:00:00Z stdout F before\n');
    let exited = false;
    let output = '';
    const abort = new AbortController();
    const done = streamLog(path, { follow: true, timestamps: false }, { write: (d) => ((output += d.toString()), true) }, { signal: abort.signal, pollMs: 20, containerExited: async () => exited });
    await eventually(() => assert.equal(output, 'before\n'));
    appendFileSync(path, '2026-01-01T00:00:01Z stdout F after\n');
    await eventually(() => assert.equal(output, 'before\nafter\n'));
    appendFileSync(path, '2026-01-01T00:00:02Z stdout F last words\n');
    exited = true;
    await done;
    assert.equal(output, 'before\nafter\nlast words\n');
  });

  it('stops following when aborted (the client went away)', async () => {
    const path = join(dir, 'abort.log');
    writeFileSync(path, '');
    const abort = new AbortController();
    const done = streamLog(path, { follow: true, timestamps: false }, { write: () => true }, { signal: abort.signal, pollMs: 1000, containerExited: async () => false });
    abort.abort();
    await done;
  });

  it('parses and validates the query like kubelet', () => {
    const now = new Date('2026-01-01T00:01:00Z');
    assert.deepEqual(parseLogQuery(new URLSearchParams('follow=true&tailLines=3&timestamps=true'), now), { follow: true, timestamps: true, tailLines: 3 });
    assert.deepEqual(parseLogQuery(new URLSearchParams('sinceSeconds=60'), now), { follow: false, timestamps: false, since: new Date('2026-01-01T00:00:00Z') });
    assert.ok('error' in parseLogQuery(new URLSearchParams('tailLines=-1')));
    assert.ok('error' in parseLogQuery(new URLSearchParams('limitBytes=0')));
    assert.ok('error' in parseLogQuery(new URLSearchParams('sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z')));
  });
});
