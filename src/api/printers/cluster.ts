// Printers of networking, rbac, storage, scheduling, certificates, coordination,
// discovery and admissionregistration kinds.

import { humanDuration } from './duration.js';
import { loadBalancerIngress } from './core.js';
import { age, arr, formatLabelSelector, get, int, isObj, listWithMore, meta, name, obj, objs, optBool, optNum, optStr, str, strMap, type Obj } from './format.js';
import { AGE_COLUMN, NAME_COLUMN, column, docColumn, printer, type Printer } from './types.js';

// ---------------------------------------------------------------------------
// networking.k8s.io

export const networkPolicyPrinter: Printer = printer([NAME_COLUMN, docColumn('Pod-Selector', 'string', 'NetworkPolicySpec.podSelector'), AGE_COLUMN], (o, now) => {
  // podSelector is a struct, not a pointer, upstream: a missing one is the empty selector.
  const selector = get(o, 'spec', 'podSelector');
  return [name(o), formatLabelSelector(isObj(selector) ? selector : {}), age(o, now)];
});

/** formatHosts: up to three rule hosts, `*` when none has one. */
function formatHosts(rules: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  const all = objs(rules);
  for (const rule of all) {
    if (list.length === max) more = true;
    const host = str(rule.host);
    if (!more && host !== '') list.push(host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${all.length - max} more...` : ret;
}

export const ingressPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Class', 'string', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'string', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const ports = arr(spec.tls).length !== 0 ? '80, 443' : '80';
    return [name(o), optStr(spec.ingressClassName) ?? '<none>', formatHosts(spec.rules), loadBalancerIngress(get(o, 'status', 'loadBalancer')), ports, age(o, now)];
  },
);

export const ingressClassPrinter: Printer = printer(
  [
    NAME_COLUMN,
    column('Controller', 'string', 'Controller that is responsible for handling this class'),
    column('Parameters', 'string', 'A reference to a resource with additional parameters'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    let parameters = '<none>';
    if (isObj(spec.parameters)) {
      const p = spec.parameters;
      parameters = str(p.kind);
      const apiGroup = optStr(p.apiGroup);
      if (apiGroup !== undefined) parameters += `.${apiGroup}`;
      parameters += `/${str(p.name)}`;
    }
    return [name(o), str(spec.controller), parameters, age(o, now)];
  },
);

// ---------------------------------------------------------------------------
// rbac.authorization.k8s.io

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each joined by `, `. */
function subjects(o: Obj): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of objs(o.subjects)) {
    if (s.kind === 'ServiceAccount') sas.push(`${str(s.namespace)}/${str(s.name)}`);
    else if (s.kind === 'User') users.push(str(s.name));
    else if (s.kind === 'Group') groups.push(str(s.name));
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function bindingPrinter(what: 'roleBinding' | 'clusterRoleBinding'): Printer {
  return printer(
    [
      NAME_COLUMN,
      docColumn('Role', 'string', what === 'roleBinding' ? 'RoleBinding.roleRef' : 'ClusterRoleBinding.roleRef'),
      AGE_COLUMN,
      column('Users', 'string', `Users in the ${what}`, { priority: 1 }),
      column('Groups', 'string', `Groups in the ${what}`, { priority: 1 }),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, { priority: 1 }),
    ],
    (o, now) => {
      const ref = obj(o, 'roleRef');
      return [name(o), `${str(ref.kind)}/${str(ref.name)}`, age(o, now), ...subjects(o)];
    },
  );
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');

// ---------------------------------------------------------------------------
// scheduling.k8s.io

export const priorityClassPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Value', 'integer', 'PriorityClass.value'),
    docColumn('Global-Default', 'boolean', 'PriorityClass.globalDefault'),
    AGE_COLUMN,
    docColumn('PreemptionPolicy', 'string', 'PriorityClass.preemptionPolicy'),
  ],
  (o, now) => [name(o), int(o.value), o.globalDefault === true, age(o, now), str(o.preemptionPolicy)],
);

// ---------------------------------------------------------------------------
// storage.k8s.io

function isDefaultClass(o: Obj): boolean {
  const annotations = strMap(meta(o).annotations);
  return annotations['storageclass.kubernetes.io/is-default-class'] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export const storageClassPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Provisioner', 'string', 'StorageClass.provisioner'),
    docColumn('ReclaimPolicy', 'string', 'StorageClass.reclaimPolicy'),
    docColumn('VolumeBindingMode', 'string', 'StorageClass.volumeBindingMode'),
    docColumn('AllowVolumeExpansion', 'string', 'StorageClass.allowVolumeExpansion'),
    AGE_COLUMN,
  ],
  (o, now) => [
    isDefaultClass(o) ? `${name(o)} (default)` : name(o),
    str(o.provisioner),
    optStr(o.reclaimPolicy) ?? 'Delete',
    optStr(o.volumeBindingMode) ?? 'Immediate',
    optBool(o.allowVolumeExpansion) ?? false,
    age(o, now),
  ],
);

export const csiDriverPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('AttachRequired', 'boolean', 'CSIDriverSpec.attachRequired'),
    docColumn('PodInfoOnMount', 'boolean', 'CSIDriverSpec.podInfoOnMount'),
    docColumn('StorageCapacity', 'boolean', 'CSIDriverSpec.storageCapacity'),
    docColumn('TokenRequests', 'string', 'CSIDriverSpec.tokenRequests'),
    docColumn('RequiresRepublish', 'boolean', 'CSIDriverSpec.requiresRepublish'),
    docColumn('Modes', 'string', 'CSIDriverSpec.volumeLifecycleModes'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const modes = arr(spec.volumeLifecycleModes).map(str).join(',') || '<none>';
    const tokenRequests = Array.isArray(spec.tokenRequests) ? objs(spec.tokenRequests).map((t) => str(t.audience)).join(',') : '<unset>';
    return [
      name(o),
      optBool(spec.attachRequired) ?? true,
      optBool(spec.podInfoOnMount) ?? false,
      optBool(spec.storageCapacity) ?? false,
      tokenRequests,
      optBool(spec.requiresRepublish) ?? false,
      modes,
      age(o, now),
    ];
  },
);

export const csiNodePrinter: Printer = printer(
  [NAME_COLUMN, column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), AGE_COLUMN],
  (o, now) => [name(o), arr(get(o, 'spec', 'drivers')).length, age(o, now)],
);

export const volumeAttachmentPrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('Attacher', 'string', 'VolumeAttachmentSpec.attacher', { format: 'name' }),
    docColumn('PV', 'string', 'VolumeAttachmentSource.persistentVolumeName'),
    docColumn('Node', 'string', 'VolumeAttachmentSpec.nodeName'),
    docColumn('Attached', 'boolean', 'VolumeAttachmentStatus.attached'),
    AGE_COLUMN,
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    return [name(o), str(spec.attacher), str(get(spec, 'source', 'persistentVolumeName')), str(spec.nodeName), get(o, 'status', 'attached') === true, age(o, now)];
  },
);

// ---------------------------------------------------------------------------
// certificates.k8s.io

function csrStatus(o: Obj): string {
  let approved = false;
  let denied = false;
  let failed = false;
  for (const c of objs(get(o, 'status', 'conditions'))) {
    if (c.type === 'Approved') approved = true;
    else if (c.type === 'Denied') denied = true;
    else if (c.type === 'Failed') failed = true;
  }
  let status = denied ? 'Denied' : approved ? 'Approved' : 'Pending';
  if (failed) status += ',Failed';
  const certificate = get(o, 'status', 'certificate');
  if (typeof certificate === 'string' && certificate.length > 0) status += ',Issued';
  return status;
}

export const certificateSigningRequestPrinter: Printer = printer(
  [
    NAME_COLUMN,
    AGE_COLUMN,
    docColumn('SignerName', 'string', 'CertificateSigningRequestSpec.signerName'),
    docColumn('Requestor', 'string', 'CertificateSigningRequestSpec.request'),
    docColumn('RequestedDuration', 'string', 'CertificateSigningRequestSpec.expirationSeconds'),
    docColumn('Condition', 'string', 'CertificateSigningRequestStatus.conditions'),
  ],
  (o, now) => {
    const spec = obj(o, 'spec');
    const expiration = optNum(spec.expirationSeconds);
    return [
      name(o),
      age(o, now),
      str(spec.signerName) || '<none>',
      str(spec.username),
      expiration === undefined ? '<none>' : humanDuration(Math.trunc(expiration) * 1000),
      csrStatus(o),
    ];
  },
);

// ---------------------------------------------------------------------------
// coordination.k8s.io

export const leasePrinter: Printer = printer([NAME_COLUMN, docColumn('Holder', 'string', 'LeaseSpec.holderIdentity'), AGE_COLUMN], (o, now) => [
  name(o),
  str(get(o, 'spec', 'holderIdentity')),
  age(o, now),
]);

// ---------------------------------------------------------------------------
// discovery.k8s.io

function formatDiscoveryPorts(ports: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const port of objs(ports)) {
    if (list.length < max) {
      const n = optNum(port.port);
      list.push(n !== undefined ? String(Math.trunc(n)) : (optStr(port.name) ?? '*'));
    } else if (list.length === max) {
      more = true;
    }
    count++;
  }
  return listWithMore(list, more, count, max);
}

function formatDiscoveryEndpoints(endpoints: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const endpoint of objs(endpoints)) {
    for (const address of arr(endpoint.addresses)) {
      if (list.length < max) list.push(str(address));
      else if (list.length === max) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, max);
}

export const endpointSlicePrinter: Printer = printer(
  [
    NAME_COLUMN,
    docColumn('AddressType', 'string', 'EndpointSlice.addressType'),
    docColumn('Ports', 'string', 'EndpointSlice.ports'),
    docColumn('Endpoints', 'string', 'EndpointSlice.endpoints'),
    AGE_COLUMN,
  ],
  (o, now) => [name(o), str(o.addressType), formatDiscoveryPorts(o.ports), formatDiscoveryEndpoints(o.endpoints), age(o, now)],
);

// ---------------------------------------------------------------------------
// admissionregistration.k8s.io

export const webhookConfigurationPrinter: Printer = printer(
  [NAME_COLUMN, column('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'), AGE_COLUMN],
  (o, now) => [name(o), arr(o.webhooks).length, age(o, now)],
);
