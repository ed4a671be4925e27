// Resources that are computed, not stored: access reviews (`kubectl auth can-i`),
// SelfSubjectReview (`kubectl auth whoami`), TokenReview, and pod bindings.

import { isObject, type KubeObject } from '../api/types.js';
import type { Authenticator, Authorizer, UserInfo } from './auth.js';
import type { IncomingMessage } from 'node:http';
import type { ResourceRequestInfo, NonResourceRequestInfo, Verb } from './request-info.js';
import { newBadRequest, newConflict, newNotFound } from './status.js';
import { withOverrides } from '../machinery/index.js';
import type { GenericStore, RequestContext } from './registry/generic-store.js';
import type { ServiceAccountTokens } from './serviceaccount-tokens.js';

export interface VirtualDeps {
  readonly authorizer: Authorizer;
  readonly authenticator: Authenticator;
  readonly tokens: ServiceAccountTokens;
  readonly storeFor: (group: string, version: string, plural: string) => GenericStore | undefined;
}

type Attributes = Record<string, unknown>;

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function requestFromAttributes(spec: Attributes, namespaceOverride?: string): ResourceRequestInfo | NonResourceRequestInfo {
  const resource = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  if (resource) {
    return {
      isResourceRequest: true,
      path: '',
      verb: (str(resource.verb) || 'get') as Verb,
      apiGroup: str(resource.group),
      apiVersion: str(resource.version),
      namespace: namespaceOverride ?? str(resource.namespace),
      resource: str(resource.resource),
      subresource: str(resource.subresource),
      name: str(resource.name),
    };
  }
  const nonResource = isObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (nonResource) return { isResourceRequest: false, path: str(nonResource.path), verb: str(nonResource.verb) || 'get' };
  throw newBadRequest('spec: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified');
}

function review(kind: string, apiVersion: string, body: KubeObject, status: Attributes, namespace?: string): KubeObject {
  return {
    kind,
    apiVersion,
    metadata: { creationTimestamp: null, ...(namespace ? { namespace } : {}) },
    spec: isObject(body.spec) ? body.spec : {},
    status,
  };
}

async function accessReview(deps: VirtualDeps, user: UserInfo, spec: Attributes, namespace?: string): Promise<Attributes> {
  const decision = await deps.authorizer.authorize(user, requestFromAttributes(spec, namespace));
  return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}), ...(decision.allowed ? {} : { denied: false }) };
}

/** Answers a create of a virtual resource; undefined when the resource is not virtual. */
export async function createVirtual(deps: VirtualDeps, store: GenericStore, body: KubeObject, ctx: RequestContext, req: IncomingMessage): Promise<KubeObject | undefined> {
  const { group, plural } = store.info;
  const spec = isObject(body.spec) ? body.spec : {};
  switch (`${group}/${plural}`) {
    case 'authorization.k8s.io/selfsubjectaccessreviews':
      return review('SelfSubjectAccessReview', 'authorization.k8s.io/v1', body, await accessReview(deps, ctx.user, spec));
    case 'authorization.k8s.io/localsubjectaccessreviews':
    case 'authorization.k8s.io/subjectaccessreviews': {
      const subject: UserInfo = { name: str(spec.user), groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [], ...(spec.uid ? { uid: str(spec.uid) } : {}) };
      if (!subject.name && subject.groups.length === 0) throw newBadRequest('spec.user: Invalid value: "": at least one of user or group must be specified');
      const local = plural === 'localsubjectaccessreviews';
      return review(local ? 'LocalSubjectAccessReview' : 'SubjectAccessReview', 'authorization.k8s.io/v1', body, await accessReview(deps, subject, spec, local ? ctx.namespace : undefined), local ? ctx.namespace : undefined);
    }
    case 'authorization.k8s.io/selfsubjectrulesreviews': {
      const admin = ctx.user.groups.includes('system:masters') || ctx.user.groups.includes('system:authenticated');
      return review('SelfSubjectRulesReview', 'authorization.k8s.io/v1', body, {
        resourceRules: admin ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] : [],
        nonResourceRules: admin ? [{ verbs: ['*'], nonResourceURLs: ['*'] }] : [],
        incomplete: false,
      });
    }
    case 'authentication.k8s.io/selfsubjectreviews':
      return {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: ctx.user.name, ...(ctx.user.uid ? { uid: ctx.user.uid } : {}), groups: [...ctx.user.groups] } },
      };
    case 'authentication.k8s.io/tokenreviews': {
      const token = str(spec.token);
      const user = token ? await deps.authenticator.authenticate({ headers: { authorization: `Bearer ${token}` }, socket: req.socket } as IncomingMessage) : undefined;
      return review('TokenReview', 'authentication.k8s.io/v1', body, user ? { authenticated: true, user: { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: [...user.groups] } } : { authenticated: false, error: 'invalid bearer token' });
    }
    case '/bindings':
      return bindPod(deps, body, ctx, str(body.metadata?.name));
    default:
      return undefined;
  }
}

/**
 * pods/binding and the bindings resource (upstream BindingREST.Create and
 * setPodHostAndAnnotations): assign a pod to a node, once. The Binding's uid and
 * resourceVersion are preconditions on the pod, its annotations are merged into the
 * pod's, and the pod is written straight through storage (no admission or validation).
 */
export async function bindPod(deps: VirtualDeps, binding: KubeObject, ctx: RequestContext, podName: string): Promise<KubeObject> {
  const bindingMeta = binding.metadata ?? {};
  if ((bindingMeta.name ?? '') !== podName) throw newBadRequest('name in URL does not match name in Binding object');
  const target = isObject(binding.target) ? binding.target : {};
  const nodeName = str(target.name);
  if (!nodeName) throw newBadRequest('target.name: Required value');
  const pods = deps.storeFor('', 'v1', 'pods')!;
  // What upstream's GuaranteedUpdate preconditions report: a storage "invalid object" error, as a Conflict on pods.
  const preconditionFailed = (detail: string) =>
    newConflict(pods.qualified, podName, `StorageError: invalid object, Code: 4, Key: /registry/pods/${ctx.namespace}/${podName}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: ${detail}`);
  // The pod's own refusals are plain errors upstream, which assignPod turns into a Conflict on pods/binding.
  const refused = (reason: string) => newConflict({ group: '', resource: 'pods/binding' }, podName, reason);
  const uid = str(bindingMeta.uid);
  const resourceVersion = str(bindingMeta.resourceVersion);
  const annotations = isObject(bindingMeta.annotations) ? (bindingMeta.annotations as Record<string, string>) : undefined;
  await pods.update(
    ctx.namespace,
    podName,
    (pod) => {
      if (!pod) throw newNotFound(pods.qualified, podName);
      const meta = pod.metadata ?? {};
      if (uid && uid !== meta.uid) throw preconditionFailed(`UID in precondition: ${uid}, UID in object meta: ${meta.uid ?? ''}`);
      if (resourceVersion && resourceVersion !== meta.resourceVersion) {
        throw preconditionFailed(`ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion ?? ''}`);
      }
      if (meta.deletionTimestamp) throw refused(`pod ${podName} is being deleted, cannot be assigned to a host`);
      const spec = isObject(pod.spec) ? pod.spec : {};
      if (spec.nodeName) throw refused(`pod ${podName} is already assigned to node "${String(spec.nodeName)}"`);
      if (Array.isArray(spec.schedulingGates) && spec.schedulingGates.length > 0) throw refused(`pod ${podName} has non-empty .spec.schedulingGates`);
      const status = isObject(pod.status) ? pod.status : {};
      const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => !(isObject(c) && c.type === 'PodScheduled'));
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ctx.now.toISOString().replace(/\.\d{3}Z$/, 'Z') });
      // The stored pod is shared (readOnlyMutate): annotations are merged into a copy.
      // Copies member by member: spread copies that gain a member get a hidden class
      // each, and every bound pod's spec would keep one (see machinery/objects.ts).
      const metadata = annotations && Object.keys(annotations).length > 0 ? withOverrides(meta, { annotations: { ...meta.annotations, ...annotations } }) : meta;
      return withOverrides(pod, { metadata, spec: withOverrides(spec, { nodeName }), status: withOverrides(status, { conditions }) });
    },
    ctx,
    // The mutation copies what it changes: the stored pod is read in place.
    { subresource: 'binding', readOnlyMutate: true },
  );
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
}

/** serviceaccounts/NAME/token: a TokenRequest answered with a signed token. */
export async function requestToken(deps: VirtualDeps, request: KubeObject, ctx: RequestContext, name: string): Promise<KubeObject> {
  const accounts = deps.storeFor('', 'v1', 'serviceaccounts')!;
  const account = await accounts.get(ctx.namespace, name);
  const spec = isObject(request.spec) ? request.spec : {};
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  if (expirationSeconds < 600) {
    throw newBadRequest(`spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`);
  }
  const bound = isObject(spec.boundObjectRef) ? spec.boundObjectRef : undefined;
  let boundObject: { kind: 'Pod' | 'Secret' | 'Node'; name: string; uid: string } | undefined;
  if (bound) {
    const kind = str(bound.kind);
    if (kind !== 'Pod' && kind !== 'Secret' && kind !== 'Node') throw newBadRequest(`spec.boundObjectRef.kind: Unsupported value: "${kind}": supported values: "Pod", "Node", "Secret"`);
    const plural = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' }[kind];
    const object = await deps.storeFor('', 'v1', plural)!.get(kind === 'Node' ? '' : ctx.namespace, str(bound.name));
    if (bound.uid && bound.uid !== object.metadata?.uid) throw newConflict({ group: '', resource: plural }, str(bound.name), 'the UID in the bound object reference does not match the object');
    boundObject = { kind, name: str(bound.name), uid: object.metadata?.uid ?? '' };
  }
  const issued = await deps.tokens.issue({
    namespace: ctx.namespace,
    serviceAccount: { name, uid: account.metadata?.uid ?? '' },
    audiences,
    expirationSeconds,
    ...(boundObject ? { boundObject } : {}),
    now: ctx.now,
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace: ctx.namespace, creationTimestamp: null },
    spec: { audiences: audiences.length ? audiences : ['https://kubernetes.default.svc.cluster.local'], expirationSeconds, boundObjectRef: bound ?? null },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
  };
}
