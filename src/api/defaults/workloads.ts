// apps/v1 and batch/v1 scheme defaults (pkg/apis/apps/v1/defaults.go,
// pkg/apis/batch/v1/defaults.go), including the pod templates they embed.

import { defaultPersistentVolumeClaim, defaultPodTemplateSpec } from './core.js';
import { ensureObj, isEmptyCollection, isNil, objAt, objsAt, unsetString, type Obj } from './util.js';

const MAX_INT32 = 2147483647;

function setIfNil(obj: Obj, key: string, value: unknown): void {
  if (isNil(obj[key])) obj[key] = value;
}

export function defaultDeployment(deployment: Obj): void {
  const spec = ensureObj(deployment, 'spec');
  setIfNil(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  if (unsetString(strategy.type)) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObj(strategy, 'rollingUpdate');
    setIfNil(rollingUpdate, 'maxUnavailable', '25%');
    setIfNil(rollingUpdate, 'maxSurge', '25%');
  }
  setIfNil(spec, 'revisionHistoryLimit', 10);
  setIfNil(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

export function defaultReplicaSet(replicaSet: Obj): void {
  const spec = ensureObj(replicaSet, 'spec');
  setIfNil(spec, 'replicas', 1);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

export function defaultDaemonSet(daemonSet: Obj): void {
  const spec = ensureObj(daemonSet, 'spec');
  const strategy = ensureObj(spec, 'updateStrategy');
  if (unsetString(strategy.type)) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObj(strategy, 'rollingUpdate');
    setIfNil(rollingUpdate, 'maxUnavailable', 1);
    setIfNil(rollingUpdate, 'maxSurge', 0);
  }
  setIfNil(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
}

export function defaultStatefulSet(statefulSet: Obj): void {
  const spec = ensureObj(statefulSet, 'spec');
  if (unsetString(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
  const strategy = ensureObj(spec, 'updateStrategy');
  if (unsetString(strategy.type)) {
    strategy.type = 'RollingUpdate';
    setIfNil(strategy, 'rollingUpdate', {});
  }
  const rollingUpdate = objAt(strategy, 'rollingUpdate');
  if (strategy.type === 'RollingUpdate' && rollingUpdate) setIfNil(rollingUpdate, 'partition', 0);
  // StatefulSetAutoDeletePVC is GA (on) in 1.33.
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (unsetString(retention.whenDeleted)) retention.whenDeleted = 'Retain';
  if (unsetString(retention.whenScaled)) retention.whenScaled = 'Retain';
  setIfNil(spec, 'replicas', 1);
  setIfNil(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureObj(spec, 'template'));
  for (const claim of objsAt(spec, 'volumeClaimTemplates')) {
    // The internal-to-v1 conversion always stamps the embedded claims (kubernetes#87583).
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    defaultPersistentVolumeClaim(claim);
  }
}

/** SetDefaults_PodFailurePolicyOnPodConditionsPattern. */
function defaultPodFailurePolicy(spec: Obj): void {
  for (const rule of objsAt(objAt(spec, 'podFailurePolicy'), 'rules')) {
    for (const pattern of objsAt(rule, 'onPodConditions')) {
      if (unsetString(pattern.status)) pattern.status = 'True';
    }
  }
}

export function defaultJob(job: Obj): void {
  const spec = ensureObj(job, 'spec');
  if (isNil(spec.completions) && isNil(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setIfNil(spec, 'parallelism', 1);
  if (isNil(spec.backoffLimit)) spec.backoffLimit = isNil(spec.backoffLimitPerIndex) ? 6 : MAX_INT32;
  const template = ensureObj(spec, 'template');
  const templateLabels = objAt(objAt(template, 'metadata'), 'labels');
  const metadata = ensureObj(job, 'metadata');
  if (templateLabels && isEmptyCollection(metadata.labels)) metadata.labels = { ...templateLabels };
  setIfNil(spec, 'completionMode', 'NonIndexed');
  setIfNil(spec, 'suspend', false);
  // JobPodReplacementPolicy is beta (on) in 1.33.
  setIfNil(spec, 'podReplacementPolicy', isNil(spec.podFailurePolicy) ? 'TerminatingOrFailed' : 'Failed');
  setIfNil(spec, 'manualSelector', false);
  defaultPodFailurePolicy(spec);
  defaultPodTemplateSpec(template);
}

export function defaultCronJob(cronJob: Obj): void {
  const spec = ensureObj(cronJob, 'spec');
  if (unsetString(spec.concurrencyPolicy)) spec.concurrencyPolicy = 'Allow';
  setIfNil(spec, 'suspend', false);
  setIfNil(spec, 'successfulJobsHistoryLimit', 3);
  setIfNil(spec, 'failedJobsHistoryLimit', 1);
  // The job template gets only the type-level defaulters (pod template, failure policy), not SetDefaults_Job.
  const jobSpec = ensureObj(ensureObj(spec, 'jobTemplate'), 'spec');
  defaultPodFailurePolicy(jobSpec);
  defaultPodTemplateSpec(ensureObj(jobSpec, 'template'));
}

/**
 * The Job registry strategy's PrepareForCreate (generateSelector): unless
 * spec.manualSelector is true, the pod template gets the job-name and
 * controller-uid labels (both spellings) and the selector selects the uid.
 * Needs metadata.name and metadata.uid to be set already.
 */
export function generateJobSelector(job: Obj): void {
  const spec = ensureObj(job, 'spec');
  if (spec.manualSelector === true) return;
  const metadata = ensureObj(job, 'metadata');
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const uid = typeof metadata.uid === 'string' ? metadata.uid : '';
  const labels = ensureObj(ensureObj(ensureObj(spec, 'template'), 'metadata'), 'labels');
  for (const key of ['job-name', 'batch.kubernetes.io/job-name']) if (!(key in labels)) labels[key] = name;
  for (const key of ['controller-uid', 'batch.kubernetes.io/controller-uid']) if (!(key in labels)) labels[key] = uid;
  const matchLabels = ensureObj(ensureObj(spec, 'selector'), 'matchLabels');
  if (!('batch.kubernetes.io/controller-uid' in matchLabels)) matchLabels['batch.kubernetes.io/controller-uid'] = uid;
}
