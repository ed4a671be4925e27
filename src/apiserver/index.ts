// The Kubernetes API server.
export { ApiServer, CONTROL_PLANE_USER, KUBERNETES_VERSION, type ApiServerOptions } from './server.js';
export { ensurePki, issueCertificate, type ClusterPki, type KeyPairPem } from './pki.js';
export { writeKubeconfig, kubeconfigYaml } from './kubeconfig.js';
export { apiWatchCache } from './registry/watch-cache.js';
export { StatusError, isStatusError, type Status } from './status.js';
export type { UserInfo, Authorizer } from './auth.js';
export { bootstrapTokenSecret, generateBootstrapToken, parseBootstrapToken, BOOTSTRAP_TOKEN_NAMESPACE, type BootstrapToken } from './bootstrap-tokens.js';
