// Datastore URLs, as `skiff server --datastore` takes them:
//   sqlite://PATH                  one file (relative paths are relative to the cwd)
//   etcd://HOST:PORT[,HOST:PORT]   an etcd v3 cluster (the HA mode)
//   memory://                      nothing persisted (tests, throwaway clusters)

export type DatastoreSpec =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'etcd'; readonly endpoints: readonly string[] }
  | { readonly kind: 'memory' };

export class DatastoreUrlError extends Error {
  override readonly name = 'DatastoreUrlError';
}

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parseDatastoreUrl(url: string): DatastoreSpec {
  const match = /^([a-z0-9]+):\/\/(.*)$/.exec(url.trim());
  if (!match) throw new DatastoreUrlError(`datastore URL ${JSON.stringify(url)} is not of the form sqlite://PATH, etcd://HOST:PORT[,HOST:PORT...] or memory://`);
  const [, scheme, rest = ''] = match;
  switch (scheme) {
    case 'sqlite':
      if (rest === '') throw new DatastoreUrlError('sqlite:// needs a file path, e.g. sqlite:///var/lib/skiff/state.db');
      return { kind: 'sqlite', path: rest };
    case 'etcd': {
      const endpoints = rest.split(',').map((s) => s.trim()).filter(Boolean);
      if (endpoints.length === 0) throw new DatastoreUrlError('etcd:// needs at least one HOST:PORT');
      for (const endpoint of endpoints) {
        const hp = HOST_PORT.exec(endpoint);
        if (!hp || Number(hp[2]) < 1 || Number(hp[2]) > 65535) {
          throw new DatastoreUrlError(`etcd endpoint ${JSON.stringify(endpoint)} is not HOST:PORT`);
        }
      }
      return { kind: 'etcd', endpoints: endpoints.map((e) => `http://${e}`) };
    }
    case 'memory':
      if (rest !== '') throw new DatastoreUrlError('memory:// takes no path');
      return { kind: 'memory' };
    default:
      throw new DatastoreUrlError(`unknown datastore scheme ${JSON.stringify(scheme)}: use sqlite, etcd or memory`);
  }
}
