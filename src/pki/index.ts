// Certificate signing requests on both ends of TLS bootstrap: a node makes a key and
// a PKCS#10 request; the controller manager's signer turns an approved request into
// a certificate from the cluster CA. ECDSA P-256, as the rest of the cluster's PKI.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface CertificateRequestOptions {
  readonly commonName: string;
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

export interface CertificateRequest {
  /** PEM "CERTIFICATE REQUEST", for CertificateSigningRequest spec.request (base64 of it). */
  readonly csrPem: string;
  /** PKCS#8 PEM of the private key; stays on the node. */
  readonly keyPem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(new Uint8Array(der)).toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

function subjectOf(options: CertificateRequestOptions): string {
  return [`CN=${escapeDnValue(options.commonName)}`, ...(options.organizations ?? []).map((o) => `O=${escapeDnValue(o)}`)].join(', ');
}

export async function createCertificateRequest(options: CertificateRequestOptions): Promise<CertificateRequest> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectOf(options),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return { csrPem: csr.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** What a request asks for, read from its PEM; undefined when it is not a valid, self-signed request. */
export interface RequestedSubject {
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly uris: readonly string[];
}

function subjectAltNames(csr: x509.Pkcs10CertificateRequest): x509.SubjectAlternativeNameExtension | undefined {
  const found = csr.extensions.find((e) => e.type === '2.5.29.17');
  return found ? new x509.SubjectAlternativeNameExtension(found.rawData) : undefined;
}

export async function parseCertificateRequest(csrPem: string): Promise<RequestedSubject | undefined> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) return undefined;
  } catch {
    return undefined;
  }
  const subject = new x509.Name(csr.subject);
  const names = subjectAltNames(csr)?.names.items ?? [];
  return {
    commonName: subject.getField('CN')[0] ?? '',
    organizations: subject.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    emailAddresses: names.filter((n) => n.type === 'email').map((n) => n.value),
    uris: names.filter((n) => n.type === 'url').map((n) => n.value),
  };
}

export interface SigningOptions {
  /** CertificateSigningRequest spec.usages ("client auth", "server auth", "digital signature", ...). */
  readonly usages: readonly string[];
  readonly validSeconds: number;
  readonly now?: Date;
}

async function importKeyPem(keyPem: string): Promise<CryptoKey> {
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
}

/** Issues the certificate a request asks for, signed by the CA, with the usages the signer allows. */
export async function signCertificateRequest(ca: { certPem: string; keyPem: string }, csrPem: string, options: SigningOptions): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const caCert = new x509.X509Certificate(ca.certPem);
  const now = (options.now ?? new Date()).getTime();
  let keyUsage = 0;
  if (options.usages.includes('digital signature')) keyUsage |= x509.KeyUsageFlags.digitalSignature;
  if (options.usages.includes('key encipherment')) keyUsage |= x509.KeyUsageFlags.keyEncipherment;
  const extended = [
    ...(options.usages.includes('client auth') ? [x509.ExtendedKeyUsage.clientAuth] : []),
    ...(options.usages.includes('server auth') ? [x509.ExtendedKeyUsage.serverAuth] : []),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage || x509.KeyUsageFlags.digitalSignature, true),
    ...(extended.length > 0 ? [new x509.ExtendedKeyUsageExtension(extended)] : []),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  const san = subjectAltNames(csr);
  if (san) extensions.push(new x509.SubjectAlternativeNameExtension(san.names.toJSON()));
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: csr.subject,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + options.validSeconds * 1000),
    publicKey: await csr.publicKey.export(),
    signingKey: await importKeyPem(ca.keyPem),
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

/** kubeadm's discovery hash of a CA: "sha256:" + hex SHA-256 of its SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
