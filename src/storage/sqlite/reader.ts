// Reads on the main thread, synchronous, on a connection of their own. WAL mode lets
// them read the last committed state while the writer thread commits. Each read that
// needs more than one statement runs in one read transaction, so the revision it
// reports is the revision of the data it returns.

import type Database from 'better-sqlite3';
import type { RangeResult } from '../backend.js';
import { errors, StorageError } from '../errors.js';
import type { GetResult, KeyValue, WatchEvent } from '../types.js';
import { storageErrorFrom } from './errors.js';
import { TYPE_CREATE, TYPE_DELETE, TYPE_UPDATE } from './schema.js';

/** [current_revision, compacted_revision, cleaned_revision]. */
type MetaRow = [number, number, number];
/** [current_revision, compacted_revision, revision, type, create_revision, value]; the last four null when absent. */
type VersionRow = [number, number, number | null, number | null, number | null, Uint8Array | null];
/** [key, revision, type, create_revision, value] */
type RangeRow = [string, number, number, number, Uint8Array | null];
/** [revision, key, type, create_revision, prev_revision, value, prev create_revision, prev value] */
type EventRow = [number, string, number, number, number, Uint8Array | null, number | null, Uint8Array | null];

export interface CompactionState {
  readonly current: number;
  readonly compacted: number;
  readonly cleaned: number;
}

/** How many catch-up events are read before handing them to the watch queue. */
const CATCH_UP_CHUNK = 1000;

function toKeyValue(key: string, revision: number, createRevision: number, value: Uint8Array | null): KeyValue {
  return { key, value: value ?? new Uint8Array(0), createRevision, modRevision: revision };
}

/** The revision a read at `revision` is served at; FutureRevision / Expired as memory.ts. */
function checkRevision(revision: number, current: number, compacted: number): number {
  if (revision === 0) return current;
  if (revision > current) throw errors.futureRevision(revision, current);
  if (revision < compacted) throw errors.expired(revision, compacted);
  return revision;
}

export class Reader {
  private readonly meta: Database.Statement<[], MetaRow>;
  private readonly version: Database.Statement<[string, number, number], VersionRow>;
  private readonly rangeAt: Database.Statement<[string, string, number, number], RangeRow>;
  private readonly countLatest: Database.Statement<[string, string], number>;
  private readonly events: Database.Statement<[number, string, string], EventRow>;
  private readonly inReadTxn: <T>(body: () => T) => T;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    this.meta = db.prepare<[], MetaRow>('SELECT current_revision, compacted_revision, cleaned_revision FROM meta WHERE id = 1').raw();
    // One statement (one implicit read transaction) returns the store's revisions and the
    // key's newest row at or below the wanted revision (0: the current one; bound twice);
    // the caller then checks the wanted revision against them. Cheaper than BEGIN, two
    // reads and COMMIT.
    this.version = db
      .prepare<[string, number, number], VersionRow>(
        `SELECT m.current_revision, m.compacted_revision, l.revision, l.type, l.create_revision, l.value
         FROM meta m LEFT JOIN log l ON l.revision = (
           SELECT revision FROM log WHERE key = ?
             AND revision <= (CASE WHEN ? = 0 THEN m.current_revision ELSE min(?, m.current_revision) END)
           ORDER BY revision DESC LIMIT 1)
         WHERE m.id = 1`,
      )
      .raw();
    // SQLite's "bare column" rule: with a single max(), the other columns come from the
    // row holding the max, i.e. each key's newest row at or below the revision. The
    // scan walks the (key, revision DESC) index in key order, so LIMIT stops it early.
    this.rangeAt = db
      .prepare<[string, string, number, number], RangeRow>(
        `SELECT key, max(revision), type, create_revision, value FROM log
         WHERE key >= ? AND key < ? AND revision <= ?
         GROUP BY key HAVING type != ${TYPE_DELETE} ORDER BY key LIMIT ?`,
      )
      .raw();
    this.countLatest = db
      .prepare<[string, string], number>(
        `SELECT count(*) FROM (SELECT max(revision), type FROM log WHERE key >= ? AND key < ? GROUP BY key HAVING type != ${TYPE_DELETE})`,
      )
      .pluck();
    // Walks the log by revision from the watch's start (the unary + keeps SQLite from
    // choosing the key index, which would visit the prefix's whole history and sort it).
    this.events = db
      .prepare<[number, string, string], EventRow>(
        `SELECT l.revision, l.key, l.type, l.create_revision, l.prev_revision, l.value, p.create_revision, p.value
         FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
         WHERE l.revision > ? AND +l.key >= ? AND +l.key < ? ORDER BY l.revision`,
      )
      .raw();
    const txn = db.transaction((body: () => unknown) => body());
    this.inReadTxn = <T>(body: () => T): T => txn(body) as T;
  }

  private guard<T>(doing: string, body: () => T): T {
    try {
      return body();
    } catch (err) {
      throw storageErrorFrom(err, `sqlite store ${this.path}: ${doing}`);
    }
  }

  private readMeta(): MetaRow {
    const row = this.meta.get();
    if (!row) throw new StorageError('Corrupt', `sqlite store ${this.path}: the meta row is missing`);
    return row;
  }

  private readRevision(revision: number): number {
    const [current, compacted] = this.readMeta();
    return checkRevision(revision, current, compacted);
  }

  get(key: string, revision: number): GetResult {
    return this.guard('get', () => {
      const row = this.version.get(key, revision, revision);
      if (!row) throw new StorageError('Corrupt', `sqlite store ${this.path}: the meta row is missing`);
      const [current, compacted, modRevision, type, createRevision, value] = row;
      const at = checkRevision(revision, current, compacted);
      if (modRevision === null || type === TYPE_DELETE) return { revision: at, kv: undefined };
      return { revision: at, kv: toKeyValue(key, modRevision, createRevision ?? modRevision, value) };
    });
  }

  range(startKey: string, end: string, revision: number, limit: number): RangeResult {
    return this.guard('range', () =>
      this.inReadTxn(() => {
        const at = this.readRevision(revision);
        // One row beyond the page tells whether more follow.
        const rows = this.rangeAt.all(startKey, end, at, limit > 0 ? limit + 1 : -1);
        const more = limit > 0 && rows.length > limit;
        if (more) rows.length = limit;
        return { revision: at, items: rows.map((r) => toKeyValue(r[0], r[1], r[3], r[4])), more };
      }),
    );
  }

  count(startKey: string, end: string): number {
    return this.guard('count', () => this.countLatest.get(startKey, end) ?? 0);
  }

  currentRevision(): number {
    return this.guard('read the revision', () => this.readMeta()[0]);
  }

  compactionState(): CompactionState {
    return this.guard('read the compaction state', () => {
      const [current, compacted, cleaned] = this.readMeta();
      return { current, compacted, cleaned };
    });
  }

  /**
   * Feeds the events for keys in [startKey, end) after `from` to `deliver`, in chunks
   * and in revision order, up to the latest commit; returns that commit's revision.
   * `from` = 0 delivers nothing. Stops early when `deliver` returns false (the watcher
   * is gone). Throws Expired when `from` is compacted.
   */
  catchUp(startKey: string, end: string, from: number, deliver: (events: WatchEvent[]) => boolean): number {
    return this.guard('read the watch backlog', () =>
      this.inReadTxn(() => {
        const [current, compacted] = this.readMeta();
        if (from > 0 && from < compacted) throw errors.expired(from, compacted);
        if (from === 0 || from >= current) return current;
        let chunk: WatchEvent[] = [];
        for (const row of this.events.iterate(from, startKey, end)) {
          chunk.push(this.toEvent(row));
          if (chunk.length >= CATCH_UP_CHUNK) {
            if (!deliver(chunk)) return current;
            chunk = [];
          }
        }
        if (chunk.length > 0) deliver(chunk);
        return current;
      }),
    );
  }

  private toEvent(row: EventRow): WatchEvent {
    const [revision, key, type, createRevision, prevRevision, value, prevCreate, prevValue] = row;
    if (type === TYPE_CREATE) return { type: 'ADDED', kv: toKeyValue(key, revision, createRevision, value) };
    if (prevCreate === null) {
      throw new StorageError('Corrupt', `sqlite store ${this.path}: log row ${revision} refers to a missing previous row ${prevRevision}`);
    }
    const prevKv = toKeyValue(key, prevRevision, prevCreate, prevValue);
    if (type === TYPE_UPDATE) return { type: 'MODIFIED', kv: toKeyValue(key, revision, createRevision, value), prevKv };
    return { type: 'DELETED', kv: { ...prevKv, modRevision: revision }, prevKv };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
