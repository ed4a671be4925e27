// Node certificates through CertificateSigningRequests (pkg/controller/certificates):
// - approving: auto-approves a node's own requests: its client certificate when asked
//   by a bootstrap token or by the node itself (upstream's csrapproving), and its
//   kubelet serving certificate when asked by the node itself (upstream leaves those
//   to an external approver; Skiff nodes need one to serve logs and exec);
// - signing: signs approved requests of the kubelet signers with the cluster CA and
//   writes status.certificate (upstream's csrsigning).

import type { CertificateSigningRequest, CertificateSigningRequestCondition } from 'kubernetes-types/certificates/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, WorkQueue, isConflict, isNotFound, runWorkers, type Disposable, type Informer } from '../../client/index.js';
import { parseCertificateRequest, signCertificateRequest, type RequestedSubject } from '../../pki/index.js';
import type { Controller, ControllerContext } from '../index.js';

type Csr = CertificateSigningRequest & KubeObject;

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';
const WORKERS = 2;
const DEFAULT_DURATION_SECONDS = 365 * 24 * 3600;

function condition(csr: Csr, type: string): CertificateSigningRequestCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type && c.status !== 'False');
}

function decodeRequest(csr: Csr): string {
  return Buffer.from(csr.spec?.request ?? '', 'base64').toString('utf8');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** isNodeClientCert: CN system:node:<name>, O exactly [system:nodes], no SANs, client usages. */
export function isNodeClientCert(csr: Csr, subject: RequestedSubject): boolean {
  if (csr.spec?.signerName !== KUBELET_CLIENT_SIGNER) return false;
  if (!subject.commonName.startsWith(NODE_PREFIX) || !sameSet(subject.organizations, [NODES_GROUP])) return false;
  if (subject.dnsNames.length || subject.ipAddresses.length || subject.emailAddresses.length || subject.uris.length) return false;
  const usages = csr.spec.usages ?? [];
  return usages.includes('client auth') && usages.every((u) => ['client auth', 'digital signature', 'key encipherment'].includes(u));
}

/** A kubelet serving certificate: CN system:node:<name>, O [system:nodes], only DNS/IP SANs, server usages. */
export function isNodeServingCert(csr: Csr, subject: RequestedSubject): boolean {
  if (csr.spec?.signerName !== KUBELET_SERVING_SIGNER) return false;
  if (!subject.commonName.startsWith(NODE_PREFIX) || !sameSet(subject.organizations, [NODES_GROUP])) return false;
  if (subject.emailAddresses.length || subject.uris.length || subject.dnsNames.length + subject.ipAddresses.length === 0) return false;
  const usages = csr.spec.usages ?? [];
  return usages.includes('server auth') && usages.every((u) => ['server auth', 'digital signature', 'key encipherment'].includes(u));
}

/** Why a request may be approved automatically, or undefined. */
export function approvalReason(csr: Csr, subject: RequestedSubject): string | undefined {
  const requester = csr.spec?.username ?? '';
  const groups = csr.spec?.groups ?? [];
  if (isNodeClientCert(csr, subject)) {
    if (groups.includes('system:bootstrappers')) return 'Auto approving kubelet client certificate after SubjectAccessReview.';
    if (requester === subject.commonName) return 'Auto approving self kubelet client certificate after SubjectAccessReview.';
    return undefined;
  }
  if (isNodeServingCert(csr, subject) && requester === subject.commonName) return 'Auto approving kubelet serving certificate after SubjectAccessReview.';
  return undefined;
}

abstract class CsrController implements Controller {
  abstract readonly name: string;
  protected readonly csrs: Informer<Csr>;
  private readonly queue: WorkQueue<string>;
  private readonly handlers: Disposable[] = [];
  private workers: Promise<void> | undefined;

  constructor(protected readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ clock: ctx.clock });
    this.csrs = ctx.informers.informer<Csr>(Resources.certificatesigningrequests);
    const enqueue = (csr: Csr) => {
      if (this.wants(csr)) this.queue.add(csr.metadata?.name ?? '');
    };
    this.handlers.push(this.csrs.addHandlers({ add: enqueue, update: (_old, csr) => enqueue(csr) }));
  }

  protected abstract wants(csr: Csr): boolean;
  protected abstract handle(csr: Csr): Promise<void>;

  run(): void {
    this.workers = runWorkers(
      this.queue,
      WORKERS,
      async (name) => {
        const csr = this.csrs.get('', name);
        if (!csr || !this.wants(csr)) return;
        try {
          await this.handle(csr);
        } catch (err) {
          // A newer version is on its way through the informer; NotFound: deleted meanwhile.
          if (!isConflict(err) && !isNotFound(err)) throw err;
        }
      },
      (name, err) => this.ctx.onError(err, `${this.name}: ${name}`),
    );
  }

  async stop(): Promise<void> {
    for (const handler of this.handlers.splice(0)) handler.dispose();
    this.queue.shutDown();
    await this.workers;
  }
}

export class CsrApprovingController extends CsrController {
  readonly name = 'csrapproving';

  protected wants(csr: Csr): boolean {
    return !condition(csr, 'Approved') && !condition(csr, 'Denied') && !csr.status?.certificate;
  }

  protected async handle(csr: Csr): Promise<void> {
    const subject = await parseCertificateRequest(decodeRequest(csr));
    if (!subject) return;
    const message = approvalReason(csr, subject);
    if (!message) return;
    const now = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const approved: Csr = structuredClone(csr);
    approved.status = {
      ...approved.status,
      conditions: [...(approved.status?.conditions ?? []), { type: 'Approved', status: 'True', reason: 'AutoApproved', message, lastUpdateTime: now, lastTransitionTime: now }],
    };
    await this.ctx.client.update(Resources.certificatesigningrequests, '', approved, { subresource: 'approval' });
  }
}

export class CsrSigningController extends CsrController {
  readonly name = 'csrsigning';

  constructor(
    ctx: ControllerContext,
    private readonly ca: { certPem: string; keyPem: string },
    private readonly maxDurationSeconds = DEFAULT_DURATION_SECONDS,
  ) {
    super(ctx);
  }

  protected wants(csr: Csr): boolean {
    const signer = csr.spec?.signerName;
    if (signer !== KUBELET_CLIENT_SIGNER && signer !== KUBELET_SERVING_SIGNER) return false;
    return !!condition(csr, 'Approved') && !condition(csr, 'Denied') && !condition(csr, 'Failed') && !csr.status?.certificate;
  }

  protected async handle(csr: Csr): Promise<void> {
    const requested = csr.spec?.expirationSeconds;
    const validSeconds = Math.min(this.maxDurationSeconds, requested && requested >= 600 ? requested : this.maxDurationSeconds);
    const signed: Csr = structuredClone(csr);
    const subject = await parseCertificateRequest(decodeRequest(csr));
    const valid = subject && (isNodeClientCert(csr, subject) || isNodeServingCert(csr, subject));
    if (!valid) {
      const now = new Date(this.ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      signed.status = {
        ...signed.status,
        conditions: [...(signed.status?.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'invalid certificate request for this signer', lastUpdateTime: now, lastTransitionTime: now }],
      };
    } else {
      const certPem = await signCertificateRequest(this.ca, decodeRequest(csr), { usages: csr.spec?.usages ?? [], validSeconds, now: new Date(this.ctx.clock.now()) });
      signed.status = { ...signed.status, certificate: Buffer.from(certPem).toString('base64') };
    }
    await this.ctx.client.update(Resources.certificatesigningrequests, '', signed, { subresource: 'status' });
  }
}

export function newCsrApprovingController(ctx: ControllerContext): Controller {
  return new CsrApprovingController(ctx);
}

export function newCsrSigningController(ctx: ControllerContext, options: { ca: { certPem: string; keyPem: string } }): Controller {
  return new CsrSigningController(ctx, options.ca);
}
