// Authentication (client certificates, static bearer tokens) and the authorizer
// interface. RBAC comes later; "admin allows all" keeps the chain in place now.

import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestInfo } from './request-info.js';

export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export interface Authenticator {
  /** The user a request is from, or undefined when it carries no valid credentials. */
  authenticate(req: IncomingMessage): UserInfo | undefined | Promise<UserInfo | undefined>;
}

function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes('system:authenticated') ? user : { ...user, groups: [...user.groups, 'system:authenticated'] };
}

/**
 * CN is the user name, O entries are groups; the TLS layer has already verified the
 * chain. The user is remembered per connection: parsing the certificate on every
 * request of a keep-alive connection costs more than serving it.
 */
export class ClientCertAuthenticator implements Authenticator {
  private readonly users = new WeakMap<TLSSocket, UserInfo | null>();

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) return undefined;
    let user = this.users.get(socket);
    if (user === undefined) {
      user = this.fromCertificate(socket) ?? null;
      this.users.set(socket, user);
    }
    return user ?? undefined;
  }

  private fromCertificate(socket: TLSSocket): UserInfo | undefined {
    const cert = socket.getPeerCertificate();
    if (!cert || !cert.subject) return undefined;
    const cn = cert.subject.CN;
    const o = cert.subject.O;
    const name = Array.isArray(cn) ? cn[0] : cn;
    if (!name) return undefined;
    const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
    return withAuthenticated({ name, groups });
  }
}

/**
 * Static tokens, in kube-apiserver's --token-auth-file format:
 * token,user,uid[,"group1,group2"] per line.
 */
export class StaticTokenAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, UserInfo>();

  add(token: string, user: UserInfo): void {
    this.tokens.set(token, withAuthenticated(user));
  }

  static fromFile(path: string): StaticTokenAuthenticator {
    const auth = new StaticTokenAuthenticator();
    for (const [index, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const fields = parseCsvLine(line);
      if (fields.length < 3 || !fields[0] || !fields[1]) throw new Error(`${path}:${index + 1}: want token,user,uid[,"groups"]`);
      const groups = fields[3] ? fields[3].split(',').map((g) => g.trim()).filter(Boolean) : [];
      auth.add(fields[0], { name: fields[1], uid: fields[2]!, groups });
    }
    return auth;
  }

  authenticate(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers.authorization;
    if (!header) return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return undefined;
    return this.tokens.get(match[1]!);
  }
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  fields.push(current);
  return fields;
}

export class UnionAuthenticator implements Authenticator {
  constructor(private readonly authenticators: readonly Authenticator[]) {}
  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    for (const authenticator of this.authenticators) {
      const user = await authenticator.authenticate(req);
      if (user) return user;
    }
    return undefined;
  }
}

export interface AuthorizationDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

export interface Authorizer {
  authorize(user: UserInfo, request: RequestInfo): AuthorizationDecision | Promise<AuthorizationDecision>;
}

/**
 * Until RBAC lands: authenticated users may do anything. Anonymous requests never
 * reach the authorizer except for the public health and version paths.
 */
export class AuthenticatedAllowAuthorizer implements Authorizer {
  authorize(user: UserInfo, request?: RequestInfo): AuthorizationDecision {
    // A join token only asks for its node's certificate (RBAC's system:node-bootstrapper).
    if (user.groups.includes('system:bootstrappers') && !user.groups.includes('system:masters')) return bootstrapperDecision(request);
    if (user.groups.includes('system:authenticated')) return { allowed: true, reason: '' };
    return { allowed: false, reason: 'anonymous access is not allowed' };
  }
}

/** Paths anonymous clients may read (kube-apiserver's system:public-info-viewer). */
export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

const DISCOVERY_PATHS = /^\/(api|apis|version|openapi)(\/|$)/;

/** What a bootstrap token may do: discovery, and create and read CertificateSigningRequests. */
function bootstrapperDecision(request: RequestInfo | undefined): AuthorizationDecision {
  if (!request) return { allowed: false, reason: 'bootstrap tokens may only request node certificates' };
  if (!request.isResourceRequest) return request.verb === 'get' && DISCOVERY_PATHS.test(request.path) ? { allowed: true, reason: '' } : { allowed: false, reason: 'bootstrap tokens may only request node certificates' };
  const csr = request.apiGroup === 'certificates.k8s.io' && request.resource === 'certificatesigningrequests' && request.subresource === '';
  if (csr && ['create', 'get', 'list', 'watch'].includes(request.verb)) return { allowed: true, reason: '' };
  return { allowed: false, reason: 'bootstrap tokens may only request node certificates' };
}
