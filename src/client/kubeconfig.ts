// Reads a kubeconfig (the file kubectl uses) into the options HttpClient needs:
// the current context's cluster (server, CA) and user (client certificate and key,
// or a bearer token). Relative file paths resolve against the kubeconfig's folder,
// as client-go resolves them.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import type { HttpClientOptions } from './http.js';

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(`kubeconfig: ${message}`);
    this.name = 'KubeconfigError';
  }
}

export interface KubeconfigSelection {
  /** Use this context instead of current-context. */
  readonly context?: string;
}

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The entry named `name` of a named list (clusters, users, contexts), unwrapped from its `inner` key. */
function named(config: Fields, list: string, inner: string, name: string): Fields {
  const entries = config[list];
  if (!Array.isArray(entries)) throw new KubeconfigError(`no ${list}`);
  const entry: unknown = entries.find((e: unknown) => isFields(e) && e.name === name);
  if (!isFields(entry)) throw new KubeconfigError(`${inner} "${name}" not found in ${list}`);
  const body = entry[inner];
  return isFields(body) ? body : {};
}

/**
 * Loads a kubeconfig from a path or from its YAML text (anything with a newline is
 * taken as text). Throws KubeconfigError when it names no usable server.
 */
export function loadKubeconfig(pathOrText: string, selection: KubeconfigSelection = {}): HttpClientOptions {
  const isText = pathOrText.includes('\n');
  if (!isText && !existsSync(pathOrText)) throw new KubeconfigError(`file ${pathOrText} does not exist`);
  const source = isText ? pathOrText : readFileSync(pathOrText, 'utf8');
  const baseDir = isText ? process.cwd() : dirname(resolve(pathOrText));
  let config: unknown;
  try {
    config = parse(source);
  } catch (err) {
    throw new KubeconfigError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isFields(config)) throw new KubeconfigError('not a mapping');

  const contextName = selection.context ?? text(config, 'current-context');
  if (!contextName) throw new KubeconfigError('no current-context');
  const context = named(config, 'contexts', 'context', contextName);
  const clusterName = text(context, 'cluster');
  if (!clusterName) throw new KubeconfigError(`context "${contextName}" names no cluster`);
  const cluster = named(config, 'clusters', 'cluster', clusterName);
  const userName = text(context, 'user');
  const user = userName ? named(config, 'users', 'user', userName) : {};

  const server = text(cluster, 'server');
  if (!server) throw new KubeconfigError(`cluster "${clusterName}" has no server`);

  const fileOf = (path: string) => {
    const full = isAbsolute(path) ? path : resolve(baseDir, path);
    try {
      return readFileSync(full);
    } catch (err) {
      throw new KubeconfigError(`cannot read ${full}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  /** Inline base64 "<key>-data" wins over the file "<key>", as in client-go. */
  const pem = (fields: Fields, key: string): Buffer | undefined => {
    const data = text(fields, `${key}-data`);
    if (data) return Buffer.from(data, 'base64');
    const file = text(fields, key);
    return file ? fileOf(file) : undefined;
  };

  const ca = pem(cluster, 'certificate-authority');
  const cert = pem(user, 'client-certificate');
  const key = pem(user, 'client-key');
  if ((cert === undefined) !== (key === undefined)) throw new KubeconfigError(`user "${userName ?? ''}" needs both a client certificate and a client key`);
  const tokenFile = text(user, 'tokenFile');
  const token = text(user, 'token') ?? (tokenFile ? fileOf(tokenFile).toString('utf8').trim() : undefined);
  const tlsServerName = text(cluster, 'tls-server-name');

  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(token ? { token } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
  };
}
