// Which printer each built-in group/resource uses. Kinds absent here (roles,
// clusterroles, limitranges, customresourcedefinitions, reviews, ...) print with the
// default Table upstream too.

import * as c from './cluster.js';
import * as core from './core.js';
import type { Printer } from './types.js';
import * as w from './workloads.js';

export const PRINTERS: ReadonlyMap<string, Printer> = new Map<string, Printer>([
  // core/v1
  ['/pods', core.podPrinter],
  ['/podtemplates', core.podTemplatePrinter],
  ['/replicationcontrollers', core.replicationControllerPrinter],
  ['/services', core.servicePrinter],
  ['/endpoints', core.endpointsPrinter],
  ['/nodes', core.nodePrinter],
  ['/events', core.eventPrinter],
  ['/namespaces', core.namespacePrinter],
  ['/secrets', core.secretPrinter],
  ['/serviceaccounts', core.serviceAccountPrinter],
  ['/persistentvolumes', core.persistentVolumePrinter],
  ['/persistentvolumeclaims', core.persistentVolumeClaimPrinter],
  ['/componentstatuses', core.componentStatusPrinter],
  ['/configmaps', core.configMapPrinter],
  ['/resourcequotas', core.resourceQuotaPrinter],
  // apps/v1
  ['apps/deployments', w.deploymentPrinter],
  ['apps/replicasets', w.replicaSetPrinter],
  ['apps/statefulsets', w.statefulSetPrinter],
  ['apps/daemonsets', w.daemonSetPrinter],
  ['apps/controllerrevisions', w.controllerRevisionPrinter],
  // batch/v1
  ['batch/jobs', w.jobPrinter],
  ['batch/cronjobs', w.cronJobPrinter],
  // autoscaling
  ['autoscaling/horizontalpodautoscalers', w.horizontalPodAutoscalerPrinter],
  // policy/v1
  ['policy/poddisruptionbudgets', w.podDisruptionBudgetPrinter],
  // events.k8s.io/v1
  ['events.k8s.io/events', core.eventsV1EventPrinter],
  // networking.k8s.io/v1
  ['networking.k8s.io/networkpolicies', c.networkPolicyPrinter],
  ['networking.k8s.io/ingresses', c.ingressPrinter],
  ['networking.k8s.io/ingressclasses', c.ingressClassPrinter],
  // rbac.authorization.k8s.io/v1
  ['rbac.authorization.k8s.io/rolebindings', c.roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', c.clusterRoleBindingPrinter],
  // scheduling.k8s.io/v1
  ['scheduling.k8s.io/priorityclasses', c.priorityClassPrinter],
  // storage.k8s.io/v1
  ['storage.k8s.io/storageclasses', c.storageClassPrinter],
  ['storage.k8s.io/csidrivers', c.csiDriverPrinter],
  ['storage.k8s.io/csinodes', c.csiNodePrinter],
  ['storage.k8s.io/volumeattachments', c.volumeAttachmentPrinter],
  // certificates.k8s.io/v1
  ['certificates.k8s.io/certificatesigningrequests', c.certificateSigningRequestPrinter],
  // coordination.k8s.io/v1
  ['coordination.k8s.io/leases', c.leasePrinter],
  // discovery.k8s.io/v1
  ['discovery.k8s.io/endpointslices', c.endpointSlicePrinter],
  // admissionregistration.k8s.io/v1
  ['admissionregistration.k8s.io/mutatingwebhookconfigurations', c.webhookConfigurationPrinter],
  ['admissionregistration.k8s.io/validatingwebhookconfigurations', c.webhookConfigurationPrinter],
]);
