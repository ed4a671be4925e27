// The cluster's certificates: a CA, the API server's serving certificate and an
// admin client certificate, made on first start in DATA_DIR/tls and reused after.
// ECDSA P-256 keys: instant to generate, and every kubectl speaks them.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ClusterPki {
  readonly ca: KeyPairPem;
  readonly server: KeyPairPem;
  readonly admin: KeyPairPem;
  /** The API server's client identity towards node agents (logs, exec, port-forward). */
  readonly kubeletClient: KeyPairPem;
  /** Signs service account tokens (PKCS#8 PEM). */
  readonly serviceAccountKeyPem: string;
  readonly dir: string;
}

function serial(): string {
  // Positive 16-byte serial number (first bit cleared).
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function createCa(commonName: string): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

export interface LeafOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly usage: 'server' | 'client';
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly validDays?: number;
}

/** Issues a certificate signed by the CA. */
export async function issueCertificate(ca: KeyPairPem, options: LeafOptions): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKeyPem(ca.keyPem);
  const keys = await generateKeys();
  const now = Date.now();
  const subject = [`CN=${escapeDnValue(options.commonName)}`, ...(options.organizations ?? []).map((o) => `O=${escapeDnValue(o)}`)].join(', ');
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([options.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.validDays ?? 365) * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

/** localhost, this host's name and every address of this host, plus the extra SANs. */
export function defaultServingNames(extra: readonly string[] = []): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set(['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
  // 10.96.0.1: the `kubernetes` Service's ClusterIP, how pods reach the API.
  const ips = new Set(['127.0.0.1', '::1', '10.96.0.1']);
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) if (!address.address.startsWith('fe80')) ips.add(address.address);
  }
  for (const san of extra) (isIP(san) ? ips : dns).add(san);
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

function readPair(dir: string, name: string): KeyPairPem | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyPairPem): void {
  writeFileSync(join(dir, `${name}.crt`), pair.certPem, { mode: 0o644 });
  writeFileSync(join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
}

/** True when the certificate expires within `days` or lacks one of the wanted SANs. */
function needsReissue(pair: KeyPairPem, days: number, names?: { dnsNames: string[]; ipAddresses: string[] }): boolean {
  const cert = new x509.X509Certificate(pair.certPem);
  if (cert.notAfter.getTime() - Date.now() < days * DAY_MS) return true;
  if (!names) return false;
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const have = new Set((san?.names.items ?? []).map((n) => n.value));
  return [...names.dnsNames, ...names.ipAddresses].some((n) => !have.has(n));
}

/** Loads the cluster's certificates from DIR, creating (or renewing) what is missing. */
export async function ensurePki(dir: string, options: { extraSans?: readonly string[] } = {}): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = readPair(dir, 'ca');
  if (!ca) {
    ca = await createCa('skiff-ca');
    writePair(dir, 'ca', ca);
  }
  const names = defaultServingNames(options.extraSans);
  let server = readPair(dir, 'server');
  if (!server || needsReissue(server, 30, names)) {
    server = await issueCertificate(ca, { commonName: 'kube-apiserver', usage: 'server', ...names });
    writePair(dir, 'server', server);
  }
  let admin = readPair(dir, 'admin');
  if (!admin || needsReissue(admin, 30)) {
    admin = await issueCertificate(ca, { commonName: 'skiff-admin', organizations: ['system:masters'], usage: 'client' });
    writePair(dir, 'admin', admin);
  }
  let kubeletClient = readPair(dir, 'kubelet-client');
  if (!kubeletClient || needsReissue(kubeletClient, 30)) {
    kubeletClient = await issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });
    writePair(dir, 'kubelet-client', kubeletClient);
  }
  const saKeyPath = join(dir, 'sa.key');
  let serviceAccountKeyPem: string;
  if (existsSync(saKeyPath)) serviceAccountKeyPem = readFileSync(saKeyPath, 'utf8');
  else {
    serviceAccountKeyPem = await exportKeyPem((await generateKeys()).privateKey);
    writeFileSync(saKeyPath, serviceAccountKeyPem, { mode: 0o600 });
  }
  return { ca, server, admin, kubeletClient, serviceAccountKeyPem, dir };
}
