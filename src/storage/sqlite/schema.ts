// The on-disk format and how a file is recognised. One SQLite file in WAL mode:
//
//   log   one row per write; revision = the INTEGER PRIMARY KEY (the global revision),
//         type 0 create / 1 update / 2 delete, the createRevision the key carries,
//         prev_revision = the revision of the key's previous row (0 for a create),
//         value (NULL for a delete: the deleted value is the prev_revision row's).
//   meta  one row: magic, schema version, current, compacted and cleaned revisions.
//
// There is no separate "current state" table: it doubled the random page writes of
// every commit (measured: about 1.6x the write cost per op) while the latest state is
// the newest row per key, found through the index on (key, revision DESC). The index
// also carries type and create_revision so that CAS checks and counts never touch
// the table rows.
//
// The file identifies itself twice: the SQLite header's application_id and the meta
// row's magic. A file that is not ours is refused, never reset or migrated.

import Database from 'better-sqlite3';
import { closeSync, fsyncSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '../errors.js';
import { sqliteCodeOf, storageErrorFrom } from './errors.js';

/** 'Skif' in the header's application_id field. */
export const APPLICATION_ID = 0x536b6966;
export const MAGIC = 'skiff-store';
export const SCHEMA_VERSION = 1;

export const TYPE_CREATE = 0;
export const TYPE_UPDATE = 1;
export const TYPE_DELETE = 2;

const SCHEMA_SQL = `
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  magic TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  current_revision INTEGER NOT NULL,
  compacted_revision INTEGER NOT NULL,
  cleaned_revision INTEGER NOT NULL
);
CREATE TABLE log (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  type INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB
);
CREATE INDEX log_key_revision ON log (key, revision DESC, type, create_revision);
`;

const REQUIRED_TABLES = ['log', 'meta'];
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export interface OpenOptions {
  readonly cacheKiB: number;
  readonly busyTimeoutMs: number;
  /** Run PRAGMA quick_check when the file is at most this big. */
  readonly verifyMaxBytes: number;
}

function corrupt(path: string, problem: string, cause?: unknown): StorageError {
  return new StorageError('Corrupt', `sqlite store ${path}: ${problem}; refusing to open it (the file was not changed)`, { cause });
}

function foreign(path: string, problem: string): StorageError {
  return new StorageError('Foreign', `sqlite store ${path}: ${problem}; refusing to open it (the file was not changed)`);
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw storageErrorFrom(err, `sqlite store ${path}: stat`);
  }
}

function readHeader(path: string): Buffer {
  const header = Buffer.alloc(100);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw storageErrorFrom(err, `sqlite store ${path}: read the file header`);
  }
  return header;
}

/**
 * Checks what can be checked before SQLite touches the file: the header magic and,
 * when no WAL is pending, that the file is as long as its header says (a truncated
 * copy otherwise only fails when the missing pages are first read).
 */
function preflight(path: string): void {
  const size = fileSize(path);
  if (size === undefined || size === 0) return;
  if (size < 100) throw corrupt(path, `it is not an SQLite database (only ${size} bytes long)`);
  const header = readHeader(path);
  if (!header.subarray(0, 16).equals(SQLITE_HEADER)) {
    throw corrupt(path, 'it is not an SQLite database (the file does not start with the SQLite header)');
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  const headerSizeValid = header.readUInt32BE(24) === header.readUInt32BE(92) && pages > 0;
  // With a WAL pending, the main file may legitimately lag its header (an interrupted
  // checkpoint); SQLite recovers that from the WAL.
  const walSize = fileSize(`${path}-wal`) ?? 0;
  if (headerSizeValid && walSize === 0 && size < pages * pageSize) {
    throw corrupt(path, `the file is truncated: its header describes ${pages} pages of ${pageSize} bytes (${pages * pageSize} bytes) but it holds ${size} bytes`);
  }
}

function schemaObjects(db: Database.Database): string[] {
  const rows = db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
  return rows.map(String);
}

function describeForeign(appId: number, objects: readonly string[]): string {
  const what = objects.length > 0 ? `it holds ${objects.slice(0, 8).join(', ')}${objects.length > 8 ? ', ...' : ''}` : 'it is empty';
  return `it is an SQLite database but not a Skiff store (application_id 0x${appId.toString(16)}; ${what})`;
}

function initialize(db: Database.Database, path: string): void {
  db.pragma('journal_mode = WAL');
  // Explicit, whatever the build's default: the new store's creation must be durable too.
  db.pragma('synchronous = FULL');
  db.transaction(() => {
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.exec(SCHEMA_SQL);
    db.prepare('INSERT INTO meta VALUES (1, ?, ?, 0, 0, 0)').run(MAGIC, SCHEMA_VERSION);
  })();
  syncDirectory(path);
}

/** A new file's directory entry must be durable before we acknowledge writes into it. */
function syncDirectory(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface MetaRow {
  magic: unknown;
  schema_version: unknown;
}

function verifyOurs(db: Database.Database, path: string, objects: readonly string[]): void {
  const missing = REQUIRED_TABLES.filter((t) => !objects.includes(t));
  if (missing.length > 0) throw corrupt(path, `it is marked as a Skiff store but lacks the table(s) ${missing.join(', ')}`);
  const meta = db.prepare('SELECT magic, schema_version FROM meta WHERE id = 1').get() as MetaRow | undefined;
  if (!meta || meta.magic !== MAGIC) throw corrupt(path, 'it is marked as a Skiff store but its meta row is missing or wrong');
  if (meta.schema_version !== SCHEMA_VERSION) {
    throw foreign(path, `it has Skiff schema version ${String(meta.schema_version)}; this build reads version ${SCHEMA_VERSION}`);
  }
}

function quickCheck(db: Database.Database, path: string): void {
  const problems = db.pragma('quick_check(5)', { simple: false }) as Array<Record<string, unknown>>;
  const lines = problems.map((row) => String(Object.values(row)[0]));
  if (lines.length !== 1 || lines[0] !== 'ok') throw corrupt(path, `PRAGMA quick_check found damage: ${lines.join('; ')}`);
}

/**
 * Opens the file for the main thread (reads only), creating and initialising it when
 * it is new or empty, and refuses anything that is not an intact Skiff store.
 */
export function openStoreFile(path: string, options: OpenOptions): Database.Database {
  preflight(path);
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw storageErrorFrom(err, `sqlite store ${path}: open`);
  }
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    const appId = Number(db.pragma('application_id', { simple: true }));
    const objects = schemaObjects(db);
    if (appId === 0 && objects.length === 0) {
      // A new file, or an SQLite database without a single table: nothing to lose.
      initialize(db, path);
    } else if (appId !== APPLICATION_ID) {
      throw foreign(path, describeForeign(appId, objects));
    } else {
      verifyOurs(db, path, objects);
      const mode = String(db.pragma('journal_mode', { simple: true }));
      // Every Skiff store is created in WAL mode; anything else was changed behind our back.
      if (mode !== 'wal') throw corrupt(path, `its journal mode is ${mode}, not wal`);
      if ((fileSize(path) ?? 0) <= options.verifyMaxBytes) quickCheck(db, path);
    }
    db.pragma(`cache_size = -${options.cacheKiB}`);
    // This connection only reads; the worker owns every write.
    db.pragma('query_only = ON');
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StorageError) throw err;
    if (sqliteCodeOf(err) === 'SQLITE_NOTADB') throw corrupt(path, 'it is not an SQLite database (SQLite says: file is not a database)', err);
    if (sqliteCodeOf(err)?.startsWith('SQLITE_CORRUPT')) throw corrupt(path, `SQLite reports damage: ${(err as Error).message}`, err);
    throw storageErrorFrom(err, `sqlite store ${path}: open`);
  }
}

/** Pragmas of the write connection: durable commits (fsync of the WAL at every commit). */
export function configureWriter(db: Database.Database, cacheKiB: number, busyTimeoutMs: number, maxDatabaseBytes: number | undefined): void {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  if (maxDatabaseBytes !== undefined) {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    // SQLite keeps the limit at least at the current size.
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxDatabaseBytes / pageSize))}`);
  }
  const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
  if (mode !== 'wal') throw new Error(`cannot switch the database to WAL mode (journal_mode is ${mode})`);
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = -${cacheKiB}`);
  // Keep the WAL file from staying large after a burst once it has been checkpointed.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
}
