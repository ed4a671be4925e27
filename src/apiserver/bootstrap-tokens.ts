// Bootstrap tokens (kubeadm's node join credential): `<id>.<secret>` bearer tokens
// backed by Secrets of type bootstrap.kubernetes.io/token named bootstrap-token-<id>
// in kube-system. A valid token authenticates as system:bootstrap:<id> in the
// system:bootstrappers group (plus the Secret's auth-extra-groups) until it expires.

import { randomInt, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Secret } from 'kubernetes-types/core/v1.js';
import type { Authenticator, UserInfo } from './auth.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
}

export function parseBootstrapToken(token: string): BootstrapToken | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function generateBootstrapToken(): BootstrapToken {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return { id: pick(6), secret: pick(16) };
}

export interface BootstrapTokenSecretOptions {
  readonly ttlSeconds?: number;
  readonly description?: string;
  readonly extraGroups?: readonly string[];
  readonly now?: Date;
}

/** The Secret kubeadm's `token create` writes: authentication and signing usages. */
export function bootstrapTokenSecret(token: BootstrapToken, options: BootstrapTokenSecretOptions = {}): Secret {
  const data: Record<string, string> = {
    'token-id': token.id,
    'token-secret': token.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': ['system:bootstrappers:skiff:default-node-token', ...(options.extraGroups ?? [])].join(','),
  };
  if (options.description) data.description = options.description;
  if (options.ttlSeconds !== undefined && options.ttlSeconds > 0) {
    const now = options.now ?? new Date();
    data.expiration = new Date(now.getTime() + options.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${token.id}`, namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    stringData: data,
  };
}

function secretValue(secret: Secret, key: string): string | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, 'base64').toString('utf8');
  return secret.stringData?.[key];
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The user a token stands for, given its Secret; undefined when invalid or expired. */
export function bootstrapTokenUser(token: BootstrapToken, secret: Secret | undefined, now: Date): UserInfo | undefined {
  if (!secret || secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || secret.metadata?.deletionTimestamp) return undefined;
  if (secretValue(secret, 'token-id') !== token.id) return undefined;
  const stored = secretValue(secret, 'token-secret');
  if (stored === undefined || !sameText(stored, token.secret)) return undefined;
  if (secretValue(secret, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const expiration = secretValue(secret, 'expiration');
  if (expiration !== undefined) {
    const at = Date.parse(expiration);
    if (!Number.isFinite(at) || at <= now.getTime()) return undefined;
  }
  const extra = (secretValue(secret, 'auth-extra-groups') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter((g) => g.startsWith('system:bootstrappers:'));
  return { name: `system:bootstrap:${token.id}`, groups: [BOOTSTRAPPERS_GROUP, ...extra, 'system:authenticated'] };
}

export class BootstrapTokenAuthenticator implements Authenticator {
  constructor(
    private readonly getSecret: (namespace: string, name: string) => Promise<Secret | undefined>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const token = match ? parseBootstrapToken(match[1]!) : undefined;
    if (!token) return undefined;
    const secret = await this.getSecret(BOOTSTRAP_TOKEN_NAMESPACE, `bootstrap-token-${token.id}`);
    return bootstrapTokenUser(token, secret, this.now());
  }
}
