// Container output in the CRI log format kubelet reads back for `kubectl logs`:
// "<RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>\n". Whole lines are
// tagged F; a line longer than the buffer is split into P parts ending with an F
// part, like containerd's cri logger. Output left without a newline at EOF is
// written as a full line.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';

/** containerd's default max container log line size (16 KiB). */
const MAX_LINE_BYTES = 16 * 1024;

const start = { wallMs: Date.now(), hr: process.hrtime.bigint() };

/** Go's time.RFC3339Nano in UTC: nanoseconds with trailing zeros trimmed. */
export function rfc3339Nano(epochNs: bigint): string {
  const ms = Number(epochNs / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const fraction = (epochNs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return fraction ? `${base}.${fraction}Z` : `${base}Z`;
}

/** Wall-clock now in ns, with sub-millisecond precision from the monotonic clock. */
export function nowNs(): bigint {
  return BigInt(start.wallMs) * 1_000_000n + (process.hrtime.bigint() - start.hr);
}

export type LogStream = 'stdout' | 'stderr';

/** Appends the output of a process's streams to one CRI-format log file. */
export class CriLogWriter {
  private file: WriteStream;
  private ending = false;
  private readonly closed: Promise<void>;
  private resolveClosed: () => void = () => undefined;
  private open = 0;

  constructor(private readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.file = this.openFile();
  }

  private openFile(): WriteStream {
    const file = createWriteStream(this.path, { flags: 'a' });
    // Only the last file's close means all output is written (rotation closes earlier ones).
    const settle = () => {
      if (this.ending && file === this.file) this.resolveClosed();
    };
    file.once('close', settle);
    file.on('error', settle);
    return file;
  }

  private end(): void {
    this.ending = true;
    this.file.end();
  }

  /** Continues in a new file at the same path (log rotation renamed the current one). */
  reopen(): void {
    if (this.ending) return;
    const previous = this.file;
    this.file = this.openFile();
    previous.end();
  }

  /** Copies a stream into the log; the file closes once every attached stream ended. */
  attach(stream: Readable, name: LogStream): void {
    this.open++;
    let pending: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const newline = pending.indexOf(0x0a);
        if (newline >= 0 && newline <= MAX_LINE_BYTES) {
          this.line(name, 'F', pending.subarray(0, newline));
          pending = pending.subarray(newline + 1);
        } else if (pending.length > MAX_LINE_BYTES) {
          this.line(name, 'P', pending.subarray(0, MAX_LINE_BYTES));
          pending = pending.subarray(MAX_LINE_BYTES);
        } else break;
      }
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (pending.length > 0) this.line(name, 'F', pending);
      pending = Buffer.alloc(0);
      if (--this.open === 0) this.end();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  }

  /** Closes the file when nothing was attached. */
  closeIfIdle(): void {
    if (this.open === 0) this.end();
  }

  /** Settles once the file is closed (all output written). */
  done(): Promise<void> {
    return this.closed;
  }

  private line(stream: LogStream, tag: 'F' | 'P', content: Buffer): void {
    this.file.write(Buffer.concat([Buffer.from(`${rfc3339Nano(nowNs())} ${stream} ${tag} `), content, Buffer.from('\n')]));
  }
}
