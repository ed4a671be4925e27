// The etcd3 client as the backend uses it: connection options, error mapping to
// StorageError, and conversion of etcd's key-values to the Store's KeyValue.

import { Etcd3, isRecoverableError, type CallOptionsFactory, type IKeyValue, type IOptions } from 'etcd3';
import { StorageError } from '../errors.js';
import type { KeyValue } from '../types.js';

export interface EtcdStoreOptions {
  /** How long openEtcdStore waits for etcd to answer before failing (default 5000 ms). */
  readonly dialTimeoutMs?: number;
  /** Deadline of each unary request (default 30000 ms). Watches have none. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/**
 * etcd3 retries every call, writes included, on "recoverable" errors (Unavailable,
 * DeadlineExceeded, ...). A compare-and-swap retried after its first attempt was
 * applied but the answer lost would fail its compare against our own write and
 * guaranteedUpdate would apply the update twice. So the client makes one attempt
 * per call and the backend decides what is safe to retry (see backend.ts call()).
 */
const singleAttempt: Policy = {
  _altReturn: undefined as never,
  onSuccess: () => ({ dispose: () => undefined }),
  onFailure: () => ({ dispose: () => undefined }),
  execute: async (fn, signal) => fn({ signal: signal ?? new AbortController().signal }),
};

/** Accepts http://host:port, https://host:port and host:port. */
export function normalizeEndpoints(endpoints: readonly string[]): string[] {
  const hosts = endpoints.map((e) => e.trim()).filter((e) => e.length > 0);
  if (hosts.length === 0) throw new StorageError('Unavailable', 'no etcd endpoints given');
  return hosts;
}

export function createEtcdClient(endpoints: readonly string[], options: EtcdStoreOptions): Etcd3 {
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Unary calls get a deadline so a silent network cannot hang a request forever;
  // watch streams live as long as their watcher.
  const callOptions: CallOptionsFactory = (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeout });
  return new Etcd3({
    hosts: [...endpoints],
    // Per host, etcd3 opens a circuit breaker after three failures in a row and skips
    // the host for 5 s. With several members that steers calls to live ones; with one
    // it would only delay recovery after an etcd restart.
    faultHandling: endpoints.length === 1 ? { global: singleAttempt, host: () => singleAttempt } : { global: singleAttempt },
    defaultCallOptions: callOptions,
    grpcOptions: {
      // A list of many objects, or a watch batch catching up, exceeds gRPC's 4 MB default.
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      // Detect a dead connection under an idle watch; etcd refuses pings more often than every 5 s.
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 0,
      // Reconnect quickly after an etcd restart or failover (gRPC's default starts at 1 s and grows to 120 s).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
      // Each store owns its connections, so closing one store never disturbs another in the same process.
      'grpc.use_local_subchannel_pool': 1,
    },
  });
}

const COMPACTED = 'required revision has been compacted';
const FUTURE_REVISION = 'required revision is a future revision';
const TOO_LARGE = 'request is too large';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const isCompactedError = (err: unknown): boolean => messageOf(err).includes(COMPACTED);
export const isFutureRevisionError = (err: unknown): boolean => messageOf(err).includes(FUTURE_REVISION);
/** Worth another attempt for an idempotent read: the connection or the member failed, not the request. */
export const isTransient = (err: unknown): boolean => err instanceof Error && (isRecoverableError(err) || err.name === 'BrokenCircuitError');

/**
 * Safe to retry even for a write: the request never left this process (no connection
 * to the member picked, or its circuit breaker is open), so it cannot have been applied.
 * Go's clientv3 draws the same line for mutating calls.
 */
export const neverSent = (err: unknown): boolean =>
  err instanceof Error && (err.name === 'BrokenCircuitError' || (isRecoverableError(err) && err.message.includes('No connection established')));

/** Maps a failed etcd call to the StorageError callers branch on. */
export function toStorageError(operation: string, endpoints: readonly string[], err: unknown, key?: string): StorageError {
  if (err instanceof StorageError) return err;
  const message = messageOf(err);
  const details = { cause: err, ...(key !== undefined ? { key } : {}) };
  if (message.includes(TOO_LARGE)) {
    return new StorageError('TooLarge', `etcd refused ${operation}${key ? ` of ${key}` : ''}: ${message} (see etcd --max-request-bytes)`, details);
  }
  return new StorageError('Unavailable', `etcd ${operation} failed (endpoints ${endpoints.join(', ')}): ${message}`, details);
}

/** A view of the bytes as a plain Uint8Array (no copy), as the other backends return. */
export function bytes(buffer: Buffer | null | undefined): Uint8Array {
  if (!buffer) return new Uint8Array(0);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Wraps caller bytes for the gRPC encoder without copying. */
export function toBuffer(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: bytes(kv.value),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}
