// Watch responses: a chunked stream of {"type": ..., "object": ...} lines, with
// bookmarks, timeouts, selector filtering and Table objects for `kubectl get -w`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../api/types.js';
import { isStorageError } from '../storage/index.js';
import { decodeShared, encodedJsonOf } from './registry/codec.js';
import type { ApiWatchEvent, GenericStore } from './registry/generic-store.js';
import { newBadRequest, newResourceExpired, newInternalError, StatusError } from './status.js';
import { toTable, wantsTable, type TablePrinter } from './table.js';

export interface WatchSettings {
  /** Interval of BOOKMARK events for watches that allow them (upstream: about a minute). */
  readonly bookmarkIntervalMs: number;
  /** Default watch duration when the client sets no timeoutSeconds (upstream: 30-60 min). */
  readonly defaultTimeoutMs: () => number;
}

interface WatchDeps {
  readonly printerFor: (store: GenericStore) => TablePrinter;
  readonly listFilter: (store: GenericStore, query: URLSearchParams) => ((obj: KubeObject) => boolean) | undefined;
  readonly watch: WatchSettings;
  readonly now: () => Date;
}

export async function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: GenericStore,
  namespace: string,
  name: string,
  query: URLSearchParams,
  deps: WatchDeps,
): Promise<void> {
  let filter = deps.listFilter(store, query);
  if (name) {
    // A watch of one object (GET .../pods/NAME?watch=true) is a fieldSelector on its name.
    const byName = (obj: KubeObject) => obj.metadata?.name === name;
    const outer = filter;
    filter = outer ? (obj) => byName(obj) && outer(obj) : byName;
  }
  const timeoutRaw = query.get('timeoutSeconds');
  if (timeoutRaw !== null && timeoutRaw !== '' && !/^\d+$/.test(timeoutRaw)) throw newBadRequest(`invalid timeoutSeconds "${timeoutRaw}"`);
  const timeoutMs = timeoutRaw ? Number(timeoutRaw) * 1000 : deps.watch.defaultTimeoutMs();
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const tableVersion = wantsTable(req.headers.accept);
  const printer = tableVersion ? deps.printerFor(store) : undefined;

  let started: Awaited<ReturnType<GenericStore['watch']>>;
  try {
    started = await store.watch(namespace, {
      ...(query.get('resourceVersion') !== null ? { resourceVersion: query.get('resourceVersion')! } : {}),
      ...(filter ? { filter } : {}),
      sendInitialEvents,
    });
  } catch (err) {
    if (err instanceof StatusError && err.code === 410) {
      // Upstream answers an expired watch with 200 and one ERROR event.
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
      res.end(JSON.stringify({ type: 'ERROR', object: err.status }) + '\n');
      return;
    }
    throw err;
  }
  const { watcher, initial } = started;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  let lastRevision = started.revision;
  let first = true;
  const frame = (event: ApiWatchEvent): string => {
    if (printer && tableVersion && event.type !== 'ERROR' && event.type !== 'BOOKMARK') {
      const table = toTable(printer, [event.object], { now: deps.now(), include: 'Metadata', version: tableVersion, noHeaders: !first });
      first = false;
      return `{"type":"${event.type}","object":${JSON.stringify(table)}}\n`;
    }
    // Stored objects carry apiVersion and kind, so the memoized JSON is the wire form.
    const object = event.kv && event.object === decodeShared(event.kv) ? encodedJsonOf(event.kv) : JSON.stringify(event.object);
    return `{"type":"${event.type}","object":${object}}\n`;
  };

  let closed = false;
  const write = (text: string): Promise<void> | void => {
    if (closed || text === '') return;
    if (!res.write(text)) return new Promise<void>((resolve) => res.once('drain', resolve));
  };

  const stop = () => {
    if (closed) return;
    closed = true;
    watcher.stop();
  };
  req.on('close', stop);
  res.on('close', stop);
  const timeout = setTimeout(stop, timeoutMs);
  const bookmarkTimer = bookmarks
    ? setInterval(() => {
        const rv = Math.max(lastRevision, watcher.progressRevision);
        const bookmark = { kind: store.info.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: String(rv) } };
        void write(`{"type":"BOOKMARK","object":${JSON.stringify(bookmark)}}\n`);
      }, deps.watch.bookmarkIntervalMs)
    : undefined;

  try {
    if (initial.length) await write(initial.map(frame).join(''));
    if (sendInitialEvents && bookmarks) {
      // The end of the initial state, as WatchList clients expect it.
      const bookmark = { kind: store.info.kind, apiVersion: store.apiVersion, metadata: { resourceVersion: String(started.revision), annotations: { 'k8s.io/initial-events-end': 'true' } } };
      await write(`{"type":"BOOKMARK","object":${JSON.stringify(bookmark)}}\n`);
    }
    for await (const batch of watcher) {
      if (closed) break;
      const events = store.toApiEvents(batch, filter);
      if (batch.length) lastRevision = batch[batch.length - 1]!.kv.modRevision;
      if (events.length) await write(events.map(frame).join(''));
    }
  } catch (err) {
    if (!closed) {
      const status = isStorageError(err, 'Expired')
        ? newResourceExpired(`too old resource version: ${query.get('resourceVersion') ?? ''} (${err.revision ?? 0})`).status
        : isStorageError(err, 'TooSlow')
          ? newInternalError('watch channel was closed because the client could not keep up').status
          : newInternalError(String(err)).status;
      await write(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
    }
  } finally {
    closed = true;
    clearTimeout(timeout);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    watcher.stop();
    req.off('close', stop);
    res.off('close', stop);
    if (!res.writableEnded) res.end();
  }
}
