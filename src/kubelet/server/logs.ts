// Container logs as kubelet serves them (pkg/kubelet/kuberuntime/logs): the CRI log
// file holds `<RFC3339Nano> <stdout|stderr> <F|P> <message>` lines; partial (P)
// lines join the next ones up to a full (F) line. Options: tail, since, timestamps,
// byte limit, and follow, which tails the file until the container has exited and
// the file is drained.

import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface LogOptions {
  readonly follow: boolean;
  readonly timestamps: boolean;
  /** Lines from the end; undefined: all. */
  readonly tailLines?: number;
  /** Only lines at or after this time. */
  readonly since?: Date;
  readonly limitBytes?: number;
}

/** One logical log line (partials joined), with the time of its first part. */
export interface LogLine {
  readonly timestamp: string;
  readonly time: Date;
  readonly stream: 'stdout' | 'stderr';
  /** The message with its newline (none when the last part was partial at end of file). */
  readonly message: Buffer;
}

/** Parses the CRI log format; feeds arbitrary chunks, yields complete logical lines. */
export class CriLogParser {
  private rest: Buffer = Buffer.alloc(0);
  private partial: { timestamp: string; stream: 'stdout' | 'stderr'; parts: Buffer[] } | undefined;

  push(chunk: Buffer): LogLine[] {
    this.rest = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const lines: LogLine[] = [];
    let start = 0;
    for (let nl = this.rest.indexOf(0x0a, start); nl >= 0; nl = this.rest.indexOf(0x0a, start)) {
      const line = this.parseLine(this.rest.subarray(start, nl));
      start = nl + 1;
      if (line) lines.push(line);
    }
    this.rest = Buffer.from(this.rest.subarray(start));
    return lines;
  }

  private parseLine(raw: Buffer): LogLine | undefined {
    // <timestamp> <stream> <tag> <message>
    const s1 = raw.indexOf(0x20);
    const s2 = s1 < 0 ? -1 : raw.indexOf(0x20, s1 + 1);
    if (s1 < 0 || s2 < 0) return undefined;
    const timestamp = raw.toString('latin1', 0, s1);
    const stream = raw.toString('latin1', s1 + 1, s2);
    if (stream !== 'stdout' && stream !== 'stderr') return undefined;
    const s3 = raw.indexOf(0x20, s2 + 1);
    const tag = raw.toString('latin1', s2 + 1, s3 < 0 ? raw.length : s3);
    const message = s3 < 0 ? Buffer.alloc(0) : raw.subarray(s3 + 1);
    const partial = tag.split(':').includes('P');
    if (partial) {
      if (!this.partial) this.partial = { timestamp, stream, parts: [] };
      this.partial.parts.push(Buffer.from(message));
      return undefined;
    }
    const first = this.partial;
    this.partial = undefined;
    const joined = first ? Buffer.concat([...first.parts, message, Buffer.from('\n')]) : Buffer.concat([message, Buffer.from('\n')]);
    const ts = first?.timestamp ?? timestamp;
    return { timestamp: ts, time: new Date(ts), stream: first?.stream ?? stream, message: joined };
  }
}

/** What is written for a line: `<timestamp> <message>` with timestamps, else the message. */
export function formatLine(line: LogLine, timestamps: boolean): Buffer {
  return timestamps ? Buffer.concat([Buffer.from(`${line.timestamp} `), line.message]) : line.message;
}

export interface LogSink {
  /** Returns false when the consumer wants no more (limit reached or gone). */
  write(data: Buffer): boolean;
}

export interface FollowControl {
  /** True once the container has exited: follow stops when the file is drained. */
  containerExited(): Promise<boolean>;
  readonly signal: AbortSignal;
  /** Poll interval for file growth and container state (fs.watch wakes it sooner). */
  readonly pollMs?: number;
}

/**
 * Writes the log at `path` to `sink` per options. Without follow it reads what is
 * there; with follow it keeps reading new data until the container exits (checked
 * each time the file is drained) or the signal aborts.
 */
export async function streamLog(path: string, options: LogOptions, sink: LogSink, follow?: FollowControl): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !options.follow) return;
    throw err;
  }
  let written = 0;
  let stopped = false;
  const emit = (line: LogLine): void => {
    if (stopped) return;
    if (options.since && line.time.getTime() < options.since.getTime()) return;
    let data = formatLine(line, options.timestamps);
    if (options.limitBytes !== undefined) {
      const room = options.limitBytes - written;
      if (data.length >= room) {
        data = data.subarray(0, room);
        stopped = true;
      }
    }
    written += data.length;
    if (data.length > 0 && !sink.write(data)) stopped = true;
  };
  try {
    const parser = new CriLogParser();
    let position = 0;
    const readAvailable = async (): Promise<LogLine[]> => {
      const lines: LogLine[] = [];
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) return lines;
        position += bytesRead;
        lines.push(...parser.push(Buffer.from(buffer.subarray(0, bytesRead))));
      }
    };
    // What is there now, tail applied over logical lines.
    let initial = await readAvailable();
    if (options.since) initial = initial.filter((line) => line.time.getTime() >= options.since!.getTime());
    if (options.tailLines !== undefined) initial = options.tailLines === 0 ? [] : initial.slice(-options.tailLines);
    for (const line of initial) emit(line);
    if (!options.follow || !follow || stopped) return;

    await followFile(path, follow, async () => {
      for (const line of await readAvailable()) emit(line);
      return stopped;
    });
  } finally {
    await handle.close();
  }
}

/** Calls `drain` whenever the file may have grown, until it says stop, the container exits, or abort. */
async function followFile(path: string, control: FollowControl, drain: () => Promise<boolean>): Promise<void> {
  const { signal } = control;
  let wake: (() => void) | undefined;
  const nudge = () => wake?.();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path, { persistent: false }, nudge);
    watcher.on('error', () => undefined);
  } catch {
    // No inotify (or the file is gone): polling alone still works.
  }
  signal.addEventListener('abort', nudge);
  try {
    while (!signal.aborted) {
      if (await drain()) return;
      // Exited and nothing new after one more drain: done.
      if (await control.containerExited()) {
        await drain();
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, control.pollMs ?? 250);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', nudge);
    watcher?.close();
  }
}

/** Parses kubelet's log query (the API server passes PodLogOptions on). */
export function parseLogQuery(query: URLSearchParams, now: Date = new Date()): LogOptions | { error: string } {
  const bool = (name: string) => query.get(name) === 'true' || query.get(name) === '1';
  const int = (name: string): number | undefined | 'bad' => {
    const raw = query.get(name);
    if (raw === null || raw === '') return undefined;
    if (!/^-?\d+$/.test(raw)) return 'bad';
    return Number(raw);
  };
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  const sinceSeconds = int('sinceSeconds');
  if (tailLines === 'bad' || limitBytes === 'bad' || sinceSeconds === 'bad') return { error: 'invalid integer in log options' };
  if (tailLines !== undefined && tailLines < 0) return { error: 'tailLines: Invalid value: must be greater than or equal to 0' };
  if (limitBytes !== undefined && limitBytes < 1) return { error: 'limitBytes: Invalid value: must be greater than 0' };
  if (sinceSeconds !== undefined && sinceSeconds < 1) return { error: 'sinceSeconds: Invalid value: must be greater than 0' };
  const sinceTime = query.get('sinceTime');
  if (sinceTime && sinceSeconds !== undefined) return { error: 'at most one of `sinceTime` or `sinceSeconds` may be specified' };
  let since: Date | undefined;
  if (sinceTime) {
    since = new Date(sinceTime);
    if (Number.isNaN(since.getTime())) return { error: `sinceTime: Invalid value: "${sinceTime}"` };
  } else if (sinceSeconds !== undefined) {
    since = new Date(now.getTime() - sinceSeconds * 1000);
  }
  return {
    follow: bool('follow'),
    timestamps: bool('timestamps'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(since ? { since } : {}),
  };
}
