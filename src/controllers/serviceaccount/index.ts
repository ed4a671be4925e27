// The ServiceAccounts controller (a `default` ServiceAccount per namespace) and the
// root CA publisher (the `kube-root-ca.crt` ConfigMap per namespace).
export { ServiceAccountsController, isNamespaceActive, newServiceAccountsController, type ServiceAccountsControllerOptions } from './serviceaccounts.js';
export { DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP_NAME, ROOT_CA_DESCRIPTION, RootCACertPublisher, newRootCACertPublisher, type RootCACertPublisherOptions } from './rootca.js';
