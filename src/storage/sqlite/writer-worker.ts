// The writer thread: owns the only write connection. Each batch of CAS operations is
// one transaction, so one fsync makes the whole batch durable (group commit). The
// main thread sends the next request only after this one's reply, so requests run
// strictly one at a time, in the order they were sent.

import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from './errors.js';
import {
  OP_PUT,
  type BatchReply,
  type BatchRequest,
  type CompactReply,
  type CompactRequest,
  type OpOutcome,
  type RowVersion,
  type WriterInit,
  type WriterReply,
  type WriterRequest,
} from './protocol.js';
import { configureWriter, TYPE_CREATE, TYPE_DELETE, TYPE_UPDATE } from './schema.js';

/** [revision, type, create_revision] of a key's newest row. */
type LatestRow = [number, number, number];
/** [current_revision, compacted_revision, cleaned_revision]. */
type MetaRow = [number, number, number];

class Writer {
  private readonly latest: Database.Statement<[string], LatestRow>;
  private readonly valueAt: Database.Statement<[number], Uint8Array | null>;
  private readonly insert: Database.Statement<[number, string, number, number, number, Uint8Array | null]>;
  private readonly meta: Database.Statement<[], MetaRow>;
  private readonly setCurrent: Database.Statement<[number]>;
  private readonly setCompacted: Database.Statement<[number]>;
  private readonly setCleaned: Database.Statement<[number]>;
  private readonly windowEnd: Database.Statement<[number, number, number], number>;
  private readonly deleteSuperseded: Database.Statement<[number, number]>;
  private readonly deleteTombstones: Database.Statement<[number, number]>;
  private readonly batchTxn: (request: BatchRequest) => BatchReply;
  private readonly compactTxn: (request: CompactRequest) => CompactReply;

  constructor(private readonly db: Database.Database) {
    this.latest = db.prepare<[string], LatestRow>('SELECT revision, type, create_revision FROM log WHERE key = ? ORDER BY revision DESC LIMIT 1').raw();
    this.valueAt = db.prepare<[number], Uint8Array | null>('SELECT value FROM log WHERE revision = ?').pluck();
    this.insert = db.prepare('INSERT INTO log (revision, key, type, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.meta = db.prepare<[], MetaRow>('SELECT current_revision, compacted_revision, cleaned_revision FROM meta WHERE id = 1').raw();
    this.setCurrent = db.prepare('UPDATE meta SET current_revision = ? WHERE id = 1');
    this.setCompacted = db.prepare('UPDATE meta SET compacted_revision = ? WHERE id = 1');
    this.setCleaned = db.prepare('UPDATE meta SET cleaned_revision = ? WHERE id = 1');
    // The revision that closes a window of at most N rows after `cleaned`.
    this.windowEnd = db
      .prepare<[number, number, number], number>('SELECT revision FROM log WHERE revision > ? AND revision <= ? ORDER BY revision LIMIT 1 OFFSET ?')
      .pluck();
    // A row's predecessor (its prev_revision) is superseded by it; tombstones at or
    // below the compaction revision are the state "absent" and go too.
    this.deleteSuperseded = db.prepare(
      'DELETE FROM log WHERE revision IN (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision != 0)',
    );
    this.deleteTombstones = db.prepare(`DELETE FROM log WHERE revision > ? AND revision <= ? AND type = ${TYPE_DELETE}`);
    this.batchTxn = db.transaction((request: BatchRequest) => this.applyBatch(request));
    this.compactTxn = db.transaction((request: CompactRequest) => this.compactChunk(request));
  }

  currentRevision(): number {
    return this.readMeta()[0];
  }

  private readMeta(): MetaRow {
    const row = this.meta.get();
    if (!row) throw new Error('the meta row of the store is missing');
    return row;
  }

  private version(revision: number, createRevision: number): RowVersion {
    const value = this.valueAt.get(revision);
    if (!value) throw new Error(`log row ${revision} has no value`);
    return { revision, createRevision, value };
  }

  /**
   * Runs in one transaction. The revision is read from the meta row rather than kept
   * in memory, so a rolled-back batch leaves nothing stale behind.
   */
  private applyBatch(request: BatchRequest): BatchReply {
    const start = this.readMeta()[0];
    let revision = start;
    const outcomes: OpOutcome[] = [];
    for (let i = 0; i < request.keys.length; i++) {
      const key = request.keys[i]!;
      const row = this.latest.get(key);
      const live = row && row[1] !== TYPE_DELETE ? row : undefined;
      const isPut = request.kinds[i] === OP_PUT;
      // Evaluated against the state including the earlier ops of this batch.
      if ((live ? live[0] : 0) !== request.expected[i] || (!isPut && !live)) {
        outcomes.push({ ok: false, current: live ? this.version(live[0], live[2]) : null });
        continue;
      }
      revision++;
      const prev = live ? this.version(live[0], live[2]) : null;
      const createRevision = live ? live[2] : revision;
      if (isPut) {
        const value = request.values[i];
        if (!value) throw new Error(`put of ${key} carries no value`);
        this.insert.run(revision, key, live ? TYPE_UPDATE : TYPE_CREATE, createRevision, live ? live[0] : 0, value);
      } else {
        this.insert.run(revision, key, TYPE_DELETE, createRevision, live![0], null);
      }
      outcomes.push({ ok: true, revision, createRevision, prev });
    }
    if (revision !== start) this.setCurrent.run(revision);
    return { type: 'batch', id: request.id, revision, outcomes, committed: revision !== start };
  }

  /** One bounded chunk of compaction: records the compacted revision, cleans one window. */
  private compactChunk(request: CompactRequest): CompactReply {
    const [current, compacted, cleaned] = this.readMeta();
    const target = Math.min(Math.max(request.revision, compacted), current);
    if (target > compacted) this.setCompacted.run(target);
    if (cleaned >= target) return { type: 'compact', id: request.id, cleaned, deleted: 0, done: true };
    const end = this.windowEnd.get(cleaned, target, Math.max(1, request.chunkRows) - 1) ?? target;
    const deleted = this.deleteSuperseded.run(cleaned, end).changes + this.deleteTombstones.run(cleaned, end).changes;
    this.setCleaned.run(end);
    return { type: 'compact', id: request.id, cleaned: end, deleted, done: end >= target };
  }

  handle(request: BatchRequest | CompactRequest): WriterReply {
    return request.type === 'batch' ? this.batchTxn(request) : this.compactTxn(request);
  }

  close(): void {
    this.db.close();
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('writer-worker.js must run as a worker thread');
  const init = workerData as WriterInit;
  let db: Database.Database | undefined;
  let writer: Writer;
  try {
    // fileMustExist: the main thread has created and verified the file already.
    db = new Database(init.path, { fileMustExist: true });
    configureWriter(db, init.cacheKiB, init.busyTimeoutMs, init.maxDatabaseBytes);
    writer = new Writer(db);
    port.postMessage({ type: 'ready', revision: writer.currentRevision() } satisfies WriterReply);
  } catch (err) {
    if (db?.open) db.close();
    port.postMessage({ type: 'startFailed', error: toWire(err) } satisfies WriterReply);
    port.close();
    return;
  }
  port.on('message', (request: WriterRequest) => {
    if (request.type === 'close') {
      // Every write was answered already; a failing final checkpoint loses nothing
      // (the WAL stays and is replayed at the next open).
      try {
        writer.close();
      } catch {
        // Nothing to report to: the store is closing.
      }
      port.postMessage({ type: 'closed', id: request.id } satisfies WriterReply);
      port.close();
      return;
    }
    let reply: WriterReply;
    try {
      reply = writer.handle(request);
    } catch (err) {
      // better-sqlite3 has rolled the transaction back: nothing of the request is kept.
      reply = { type: 'failed', id: request.id, error: toWire(err) };
    }
    port.postMessage(reply);
  });
}

main();
