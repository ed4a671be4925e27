// Service account tokens: signed JWTs (ES256) in the shape kube-apiserver issues for
// TokenRequest (`kubectl create token`, projected volumes), and the authenticator
// that accepts them while the service account (and bound pod) still exists.

import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignJWT, jwtVerify, exportJWK, type JWK } from 'jose';
import { isObject, type KubeObject } from '../api/types.js';
import type { Authenticator, UserInfo } from './auth.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface TokenClaimsInput {
  readonly namespace: string;
  readonly serviceAccount: { name: string; uid: string };
  readonly audiences?: readonly string[];
  readonly expirationSeconds?: number;
  readonly boundObject?: { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid: string };
  readonly now?: Date;
}

/** Looks up an object by kind, namespace and name, for token revocation checks. */
export type ObjectLookup = (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, name: string) => Promise<KubeObject | undefined>;

export class ServiceAccountTokens implements Authenticator {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly keyId: string;

  constructor(
    signingKeyPem: string,
    private readonly lookup: ObjectLookup,
    private readonly issuer = DEFAULT_ISSUER,
    private readonly apiAudiences: readonly string[] = [DEFAULT_AUDIENCE],
  ) {
    this.privateKey = createPrivateKey(signingKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
    const der = this.publicKey.export({ type: 'spki', format: 'der' });
    // Upstream's key id: a hash of the public key.
    this.keyId = Buffer.from(der).toString('base64url').slice(-43);
  }

  async issue(input: TokenClaimsInput): Promise<{ token: string; expirationTimestamp: string }> {
    const now = input.now ?? new Date();
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + (input.expirationSeconds ?? 3600);
    const k8s: Record<string, unknown> = {
      namespace: input.namespace,
      serviceaccount: { name: input.serviceAccount.name, uid: input.serviceAccount.uid },
    };
    if (input.boundObject) k8s[input.boundObject.kind.toLowerCase()] = { name: input.boundObject.name, uid: input.boundObject.uid };
    const token = await new SignJWT({ 'kubernetes.io': k8s })
      .setProtectedHeader({ alg: 'ES256', kid: this.keyId })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${input.namespace}:${input.serviceAccount.name}`)
      .setAudience([...(input.audiences?.length ? input.audiences : this.apiAudiences)])
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || match[1]!.split('.').length !== 3) return undefined;
    return this.verify(match[1]!);
  }

  /** The user a token stands for, or undefined if it is not valid now. */
  async verify(token: string): Promise<UserInfo | undefined> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { issuer: this.issuer, audience: [...this.apiAudiences], algorithms: ['ES256'] }));
    } catch {
      return undefined;
    }
    const k8s = isObject(payload['kubernetes.io']) ? payload['kubernetes.io'] : undefined;
    const sa = k8s && isObject(k8s.serviceaccount) ? k8s.serviceaccount : undefined;
    const namespace = typeof k8s?.namespace === 'string' ? k8s.namespace : '';
    if (!k8s || !sa || !namespace || typeof sa.name !== 'string') return undefined;
    // Revoked when the service account (or the object the token is bound to) is gone.
    const account = await this.lookup('ServiceAccount', namespace, sa.name);
    if (!account || account.metadata?.uid !== sa.uid) return undefined;
    for (const kind of ['Pod', 'Secret'] as const) {
      const bound = k8s[kind.toLowerCase()];
      if (isObject(bound)) {
        const object = await this.lookup(kind, namespace, String(bound.name));
        if (!object || object.metadata?.uid !== bound.uid || object.metadata?.deletionTimestamp) return undefined;
      }
    }
    return {
      name: `system:serviceaccount:${namespace}:${sa.name}`,
      uid: String(sa.uid),
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    };
  }

  /** The public keys, for /openid/v1/jwks. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const jwk = await exportJWK(this.publicKey);
    return { keys: [{ ...jwk, use: 'sig', alg: 'ES256', kid: this.keyId }] };
  }

  openIdConfiguration(): object {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    };
  }
}
