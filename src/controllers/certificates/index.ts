// Certificate signing requests: auto-approval of node certificates and the kubelet signers.
export { newCsrApprovingController, newCsrSigningController, approvalReason, KUBELET_CLIENT_SIGNER, KUBELET_SERVING_SIGNER } from './controller.js';
