// TLS bootstrap of a joining node (kubelet's --bootstrap-kubeconfig flow, kubeadm's
// token discovery): find the cluster CA and check it against a pinned hash, ask for
// a client certificate with a bootstrap token through a CertificateSigningRequest,
// then, as the node, for a serving certificate for the agent's own HTTPS endpoint.
// Certificates are kept in the agent's data dir and reused while they are valid.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { KubeObject } from '../../api/types.js';
import { HttpClient, Resources, type ApiClient } from '../../client/index.js';
import { caCertHash, createCertificateRequest } from '../../pki/index.js';

type Csr = CertificateSigningRequest & KubeObject;

export interface KeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface NodeCredentials {
  readonly caPem: string;
  /** Client certificate: CN system:node:<name>, O system:nodes. */
  readonly client: KeyPair;
  /** Serving certificate of the agent's HTTPS endpoint (logs, exec, port-forward). */
  readonly serving: KeyPair;
}

export interface TlsBootstrapOptions {
  readonly server: string;
  readonly nodeName: string;
  readonly nodeIPs: readonly string[];
  readonly hostnames: readonly string[];
  /** Where ca.crt, kubelet-client.{crt,key} and kubelet-serving.{crt,key} live. */
  readonly dir: string;
  readonly token?: string;
  /** "sha256:<hex>" of the CA's public key, as `skiff token create` prints it. */
  readonly caCertHash?: string;
  readonly caPem?: string;
  readonly timeoutMs?: number;
  readonly log?: (message: string) => void;
}

export class TlsBootstrapError extends Error {}

function toPem(raw: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${raw.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The root of the chain the server presents (it sends its CA along with its certificate). */
export async function discoverServerCa(server: string, timeoutMs = 10_000): Promise<string> {
  const url = new URL(server);
  return new Promise<string>((resolve, reject) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), rejectUnauthorized: false, servername: /^[\d.:[\]]+$/.test(url.hostname) ? undefined : url.hostname });
    const timer = setTimeout(() => socket.destroy(new TlsBootstrapError(`timed out connecting to ${server}`)), timeoutMs);
    socket.once('secureConnect', () => {
      let cert: PeerCertificate | DetailedPeerCertificate = socket.getPeerCertificate(true);
      while ('issuerCertificate' in cert && cert.issuerCertificate && cert.issuerCertificate !== cert && cert.issuerCertificate.raw) cert = cert.issuerCertificate;
      clearTimeout(timer);
      socket.end();
      const pem = toPem(cert.raw);
      if (!new X509Certificate(pem).ca) reject(new TlsBootstrapError(`${server} did not present its CA certificate`));
      else resolve(pem);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function readPair(dir: string, name: string): KeyPair | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyPair): void {
  writeFileSync(join(dir, `${name}.crt`), pair.certPem, { mode: 0o644 });
  writeFileSync(join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
}

/** Usable: signed by this CA, an hour or more left, and covering the names asked for. */
function stillGood(pair: KeyPair | undefined, caPem: string, names?: { ips: readonly string[]; dns: readonly string[] }): pair is KeyPair {
  if (!pair) return false;
  try {
    const cert = new X509Certificate(pair.certPem);
    if (!cert.verify(new X509Certificate(caPem).publicKey)) return false;
    if (Date.parse(cert.validTo) < Date.now() + 3600_000) return false;
    if (names) {
      const san = cert.subjectAltName ?? '';
      if (!names.ips.every((ip) => san.includes(`IP Address:${ip}`)) || !names.dns.every((d) => san.includes(`DNS:${d}`))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Creates a CSR and waits until the signer has issued it; Denied or Failed end the wait. */
export async function requestCertificate(
  client: ApiClient,
  options: { signerName: string; usages: string[]; commonName: string; organizations: string[]; ipAddresses?: readonly string[]; dnsNames?: readonly string[]; timeoutMs: number },
): Promise<KeyPair> {
  const request = await createCertificateRequest(options);
  const created = await client.create<Csr>(Resources.certificatesigningrequests, '', {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: options.signerName.endsWith('serving') ? 'csr-' : 'node-csr-' },
    spec: { signerName: options.signerName, request: Buffer.from(request.csrPem).toString('base64'), usages: options.usages },
  });
  const name = created.metadata?.name ?? '';
  const deadline = Date.now() + options.timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const csr = await client.get<Csr>(Resources.certificatesigningrequests, '', name);
    const refused = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status !== 'False');
    if (refused) throw new TlsBootstrapError(`certificate signing request ${name} was ${refused.type.toLowerCase()}: ${refused.message ?? refused.reason ?? ''}`);
    if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), keyPem: request.keyPem };
    if (Date.now() > deadline) throw new TlsBootstrapError(`timed out waiting for certificate signing request ${name} to be approved and signed`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

export async function bootstrapNodeCredentials(options: TlsBootstrapOptions): Promise<NodeCredentials> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 120_000;
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const caPath = join(options.dir, 'ca.crt');
  let caPem = options.caPem ?? (existsSync(caPath) ? readFileSync(caPath, 'utf8') : undefined);
  if (!caPem) {
    caPem = await discoverServerCa(options.server);
    if (options.caCertHash) {
      const actual = caCertHash(caPem);
      if (actual !== options.caCertHash.toLowerCase()) throw new TlsBootstrapError(`the server's CA has public key hash ${actual}, not ${options.caCertHash}: refusing to join`);
      log(`cluster CA matches ${actual}`);
    } else {
      log(`WARNING: no --ca-cert-hash: trusting the server's CA (${caCertHash(caPem)}) on first use`);
    }
    writeFileSync(caPath, caPem, { mode: 0o644 });
  }
  const subject = { commonName: `system:node:${options.nodeName}`, organizations: ['system:nodes'] };

  let client = readPair(options.dir, 'kubelet-client');
  if (!stillGood(client, caPem)) {
    if (!options.token) throw new TlsBootstrapError('no valid node client certificate and no --token to request one');
    log('requesting a node client certificate');
    const bootstrap = new HttpClient({ server: options.server, ca: caPem, token: options.token, component: 'skiff-agent', requestTimeoutMs: 30_000 });
    try {
      client = await requestCertificate(bootstrap, { ...subject, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], timeoutMs });
    } finally {
      bootstrap.close();
    }
    writePair(options.dir, 'kubelet-client', client);
  }

  const names = { ips: options.nodeIPs, dns: options.hostnames };
  let serving = readPair(options.dir, 'kubelet-serving');
  if (!stillGood(serving, caPem, names)) {
    log('requesting a serving certificate');
    const asNode = new HttpClient({ server: options.server, ca: caPem, cert: client.certPem, key: client.keyPem, component: 'skiff-agent', requestTimeoutMs: 30_000 });
    try {
      serving = await requestCertificate(asNode, { ...subject, signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'], ipAddresses: options.nodeIPs, dnsNames: options.hostnames, timeoutMs });
    } finally {
      asNode.close();
    }
    writePair(options.dir, 'kubelet-serving', serving);
  }
  return { caPem, client, serving };
}
