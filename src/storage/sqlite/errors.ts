// Turns SQLite failures into the storage error taxonomy: a damaged file is Corrupt
// (the server must not carry on with it), everything else (disk full, I/O errors,
// locks) is Unavailable, which callers may retry.

import { StorageError } from '../errors.js';
import type { WireError } from './protocol.js';

/** SQLite's (extended) result code name of an error thrown by better-sqlite3, if any. */
export function sqliteCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

export function isCorruption(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

function explain(code: string | undefined): string {
  if (code === undefined) return '';
  if (code === 'SQLITE_FULL') return ' (the disk is full)';
  if (code.startsWith('SQLITE_IOERR')) return ' (an I/O error from the disk)';
  if (code === 'SQLITE_NOTADB') return ' (the file is not an SQLite database)';
  if (code.startsWith('SQLITE_CORRUPT')) return ' (the database file is malformed)';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return ' (another connection holds a lock on the file)';
  if (code.startsWith('SQLITE_READONLY')) return ' (the file or its directory is read-only)';
  if (code.startsWith('SQLITE_CANTOPEN')) return ' (the file cannot be opened)';
  return '';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A StorageError for a failed SQLite call; `doing` says what was attempted, with the file path. */
export function storageErrorFrom(err: unknown, doing: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = sqliteCodeOf(err);
  const message = `${doing} failed: ${messageOf(err)}${code ? ` [${code}]` : ''}${explain(code)}`;
  return new StorageError(isCorruption(code) ? 'Corrupt' : 'Unavailable', message, { cause: err });
}

/** Errors cross the thread boundary as plain data. */
export function toWire(err: unknown): WireError {
  return { sqliteCode: sqliteCodeOf(err), message: messageOf(err) };
}

export function fromWire(wire: WireError, doing: string): StorageError {
  const code = wire.sqliteCode;
  const message = `${doing} failed: ${wire.message}${code ? ` [${code}]` : ''}${explain(code)}`;
  return new StorageError(isCorruption(code) ? 'Corrupt' : 'Unavailable', message);
}
