import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { KubeObject } from '../../api/types.js';
import { Resources, type ApiClient } from '../../client/index.js';
import { createCertificateRequest } from '../../pki/index.js';
import { checkLeaksAfterAll, eventually, startControlPlane, type TestControlPlane } from '../../testing/index.js';
import { KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER, newCsrApprovingController, newCsrSigningController } from './index.js';

checkLeaksAfterAll();

type Csr = CertificateSigningRequest & KubeObject;

function csrObject(name: string, signerName: string, csrPem: string, usages: string[]): KubeObject {
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { signerName, request: Buffer.from(csrPem).toString('base64'), usages } };
}

describe('certificate signing requests', () => {
  let cp: TestControlPlane;
  let stop: () => Promise<void>;
  let bootstrapper: ApiClient;
  let node: ApiClient;

  before(async () => {
    cp = await startControlPlane();
    const ca = { certPem: cp.pki.ca.certPem, keyPem: cp.pki.ca.keyPem };
    const running = await cp.run(newCsrApprovingController, (ctx) => newCsrSigningController(ctx, { ca }));
    stop = () => running.stop();
    bootstrapper = cp.server.loopbackClient({ name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] }, 'kubelet');
    node = cp.server.loopbackClient({ name: 'system:node:node-1', groups: ['system:nodes', 'system:authenticated'] }, 'kubelet');
  });
  after(async () => {
    await stop();
    await cp.close();
  });

  it('approves and signs a node client certificate asked for with a bootstrap token', async () => {
    const request = await createCertificateRequest({ commonName: 'system:node:node-1', organizations: ['system:nodes'] });
    const created = await bootstrapper.create<Csr>(Resources.certificatesigningrequests, '', csrObject('node-csr-1', KUBELET_CLIENT_SIGNER, request.csrPem, ['digital signature', 'client auth']));
    assert.equal(created.spec?.username, 'system:bootstrap:abcdef', 'the server records the requester');
    const signed = await eventually(async () => {
      const csr = await cp.client.get<Csr>(Resources.certificatesigningrequests, '', 'node-csr-1');
      assert.ok(csr.status?.certificate, 'certificate issued');
      return csr;
    });
    assert.equal(signed.status?.conditions?.[0]?.type, 'Approved');
    assert.equal(signed.status?.conditions?.[0]?.reason, 'AutoApproved');
    const cert = new X509Certificate(Buffer.from(signed.status!.certificate!, 'base64'));
    assert.match(cert.subject, /CN=system:node:node-1/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.verify(new X509Certificate(cp.pki.ca.certPem).publicKey), 'signed by the cluster CA');
  });

  it("approves a node's own serving certificate with its addresses, not another node's", async () => {
    const own = await createCertificateRequest({ commonName: 'system:node:node-1', organizations: ['system:nodes'], ipAddresses: ['10.0.0.5'], dnsNames: ['node-1'] });
    await node.create(Resources.certificatesigningrequests, '', csrObject('serving-own', KUBELET_SERVING_SIGNER, own.csrPem, ['digital signature', 'server auth']));
    const other = await createCertificateRequest({ commonName: 'system:node:node-2', organizations: ['system:nodes'], ipAddresses: ['10.0.0.6'] });
    await node.create(Resources.certificatesigningrequests, '', csrObject('serving-other', KUBELET_SERVING_SIGNER, other.csrPem, ['digital signature', 'server auth']));
    const signed = await eventually(async () => {
      const csr = await cp.client.get<Csr>(Resources.certificatesigningrequests, '', 'serving-own');
      assert.ok(csr.status?.certificate);
      return csr;
    });
    const cert = new X509Certificate(Buffer.from(signed.status!.certificate!, 'base64'));
    assert.match(cert.subjectAltName ?? '', /IP Address:10\.0\.0\.5/);
    const foreign = await cp.client.get<Csr>(Resources.certificatesigningrequests, '', 'serving-other');
    assert.equal(foreign.status?.conditions, undefined, 'left for a human to approve');
    assert.equal(foreign.status?.certificate, undefined);
  });
});
