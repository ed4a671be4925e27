import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addTemplateCreationTimestamps, applyDefaults, generateJobSelector, imageTag } from './index.js';

type Obj = Record<string, unknown>;

/** The body `kubectl create deployment nginx --image=nginx` sends (kubectl 1.33, client dry-run form). */
function kubectlCreateDeployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', labels: { app: 'nginx' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] } },
      strategy: {},
    },
  };
}

test('a minimal Deployment gets the spec `kubectl get deploy -o yaml` shows on Kubernetes 1.33', () => {
  const deployment = kubectlCreateDeployment();
  applyDefaults('apps', 'v1', 'Deployment', deployment);
  addTemplateCreationTimestamps('apps', 'Deployment', deployment);
  // Upstream 1.33 `kubectl get deploy nginx -o yaml` (pkg/apis/apps/v1/defaults.go SetDefaults_Deployment,
  // pkg/apis/core/v1/defaults.go SetDefaults_PodSpec/SetDefaults_Container; the null creationTimestamp
  // in the template is the pre-1.34 serialisation, kubernetes#130989):
  //   spec:
  //     progressDeadlineSeconds: 600
  //     replicas: 1
  //     revisionHistoryLimit: 10
  //     selector: {matchLabels: {app: nginx}}
  //     strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}, type: RollingUpdate}
  //     template:
  //       metadata: {creationTimestamp: null, labels: {app: nginx}}
  //       spec:
  //         containers:
  //         - image: nginx
  //           imagePullPolicy: Always
  //           name: nginx
  //           resources: {}
  //           terminationMessagePath: /dev/termination-log
  //           terminationMessagePolicy: File
  //         dnsPolicy: ClusterFirst
  //         restartPolicy: Always
  //         schedulerName: default-scheduler
  //         securityContext: {}
  //         terminationGracePeriodSeconds: 30
  assert.deepEqual(deployment.spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'nginx' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
      spec: {
        containers: [
          {
            image: 'nginx',
            imagePullPolicy: 'Always',
            name: 'nginx',
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  });
});

test('defaulting is idempotent and keeps explicit values', () => {
  const deployment = kubectlCreateDeployment();
  const spec = deployment.spec as Obj;
  spec.replicas = 0;
  spec.strategy = { type: 'Recreate' };
  spec.revisionHistoryLimit = 0;
  applyDefaults('apps', 'v1', 'Deployment', deployment);
  const once = structuredClone(deployment);
  applyDefaults('apps', 'v1', 'Deployment', deployment);
  assert.deepEqual(deployment, once);
  assert.equal(spec.replicas, 0);
  assert.deepEqual(spec.strategy, { type: 'Recreate' });
  assert.equal(spec.revisionHistoryLimit, 0);
});

test('imagePullPolicy: Always for :latest or no tag, IfNotPresent otherwise (parsers.ParseImageName)', () => {
  assert.equal(imageTag('nginx'), 'latest');
  assert.equal(imageTag('nginx:latest'), 'latest');
  assert.equal(imageTag('docker.io/library/nginx:1.25'), '1.25');
  assert.equal(imageTag('localhost:5000/busybox'), 'latest');
  assert.equal(imageTag('registry.k8s.io/pause:3.10'), '3.10');
  assert.equal(imageTag(`busybox@sha256:${'a'.repeat(64)}`), '');
  assert.equal(imageTag(`busybox:1.36@sha256:${'a'.repeat(64)}`), '1.36');
  assert.equal(imageTag('Busybox'), '');
  assert.equal(imageTag(''), '');
  const pod: Obj = {
    spec: {
      containers: [
        { name: 'a', image: 'busybox:1.36' },
        { name: 'b', image: 'busybox' },
        { name: 'c', image: 'busybox', imagePullPolicy: 'Never' },
      ],
    },
  };
  applyDefaults('', 'v1', 'Pod', pod);
  const containers = (pod.spec as { containers: Obj[] }).containers;
  assert.deepEqual(
    containers.map((c) => c.imagePullPolicy),
    ['IfNotPresent', 'Always', 'Never'],
  );
});

test('Pod: SetDefaults_Pod adds enableServiceLinks and requests from limits; quantities are canonical', () => {
  const pod: Obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80 }],
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          resources: { limits: { cpu: '0.5', memory: '128Mi' }, requests: { memory: '64Mi' } },
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
        },
      ],
      volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'cfg' } }, { name: 'host', hostPath: { path: '/var/log' } }],
    },
  };
  applyDefaults('', 'v1', 'Pod', pod);
  const spec = pod.spec as Obj;
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(spec.securityContext, {});
  const [container] = spec.containers as Obj[];
  assert.ok(container);
  assert.equal(container.imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(container.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(container.env, [{ name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }]);
  assert.deepEqual(container.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '64Mi' } });
  assert.deepEqual(container.livenessProbe, {
    httpGet: { port: 80, path: '/', scheme: 'HTTP' },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal((container.readinessProbe as Obj).periodSeconds, 5);
  assert.deepEqual(spec.volumes, [
    { name: 'scratch', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
    { name: 'host', hostPath: { path: '/var/log', type: '' } },
  ]);
});

test('pod templates do not get the Pod-only defaults', () => {
  const rs: Obj = {
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1' } } }] } },
    },
  };
  applyDefaults('apps', 'v1', 'ReplicaSet', rs);
  const spec = rs.spec as Obj;
  assert.equal(spec.replicas, 1);
  const podSpec = (spec.template as Obj).spec as Obj;
  assert.equal(podSpec.enableServiceLinks, undefined);
  assert.deepEqual(((podSpec.containers as Obj[])[0] as Obj).resources, { limits: { cpu: '1' } });
});

test('hostNetwork pods default hostPort to containerPort', () => {
  const pod: Obj = { spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 8080 }] }] } };
  applyDefaults('', 'v1', 'Pod', pod);
  assert.deepEqual(((pod.spec as Obj).containers as Obj[])[0]?.ports, [{ containerPort: 8080, hostPort: 8080, protocol: 'TCP' }]);
});

test('StatefulSet defaults, including volumeClaimTemplates (upstream TestSetDefaultStatefulSet)', () => {
  const sts: Obj = {
    spec: {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  applyDefaults('apps', 'v1', 'StatefulSet', sts);
  addTemplateCreationTimestamps('apps', 'StatefulSet', sts);
  const spec = sts.spec as Obj;
  assert.equal(spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(spec.replicas, 1);
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.deepEqual(spec.volumeClaimTemplates, [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'www', creationTimestamp: null },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    },
  ]);
});

test('DaemonSet defaults: RollingUpdate maxUnavailable 1, maxSurge 0', () => {
  const ds: Obj = { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } };
  applyDefaults('apps', 'v1', 'DaemonSet', ds);
  const spec = ds.spec as Obj;
  assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(spec.revisionHistoryLimit, 10);
});

test('Job and CronJob defaults (pkg/apis/batch/v1/defaults.go)', () => {
  const job: Obj = {
    metadata: { name: 'pi', uid: 'u-1' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } } },
  };
  applyDefaults('batch', 'v1', 'Job', job);
  const spec = job.spec as Obj;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.manualSelector, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');

  generateJobSelector(job);
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(((spec.template as Obj).metadata as Obj).labels, {
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'batch.kubernetes.io/controller-uid': 'u-1',
  });
  // Read back from storage, upstream defaults again: the Job takes the template's labels.
  applyDefaults('batch', 'v1', 'Job', job);
  assert.deepEqual(Object.keys((job.metadata as Obj).labels as Obj).sort(), [
    'batch.kubernetes.io/controller-uid',
    'batch.kubernetes.io/job-name',
    'controller-uid',
    'job-name',
  ]);

  const parallel: Obj = { spec: { parallelism: 3, backoffLimitPerIndex: 1, template: { spec: { containers: [] } } } };
  applyDefaults('batch', 'v1', 'Job', parallel);
  assert.equal((parallel.spec as Obj).completions, undefined);
  assert.equal((parallel.spec as Obj).backoffLimit, 2147483647);

  const cronJob: Obj = { spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } } } } };
  applyDefaults('batch', 'v1', 'CronJob', cronJob);
  const cronSpec = cronJob.spec as Obj;
  assert.equal(cronSpec.concurrencyPolicy, 'Allow');
  assert.equal(cronSpec.suspend, false);
  assert.equal(cronSpec.successfulJobsHistoryLimit, 3);
  assert.equal(cronSpec.failedJobsHistoryLimit, 1);
  // The job template gets pod defaults but not SetDefaults_Job.
  const jobSpec = (cronSpec.jobTemplate as Obj).spec as Obj;
  assert.equal(jobSpec.backoffLimit, undefined);
  assert.equal(((jobSpec.template as Obj).spec as Obj).restartPolicy, 'Always');
});

test('core kinds: Secret, PV, PVC, Endpoints, RC, LimitRange, Node', () => {
  const secret: Obj = { stringData: { password: 'hunter2' }, data: { user: 'YWRtaW4=' } };
  applyDefaults('', 'v1', 'Secret', secret);
  assert.deepEqual(secret, { data: { user: 'YWRtaW4=', password: 'aHVudGVyMg==' }, type: 'Opaque' });

  const pv: Obj = { spec: { capacity: { storage: '1Gi' }, hostPath: { path: '/data' } } };
  applyDefaults('', 'v1', 'PersistentVolume', pv);
  assert.deepEqual(pv, {
    spec: { capacity: { storage: '1Gi' }, hostPath: { path: '/data', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });

  const pvc: Obj = { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0.5Gi' } } } };
  applyDefaults('', 'v1', 'PersistentVolumeClaim', pvc);
  assert.deepEqual(pvc.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '512Mi' } }, volumeMode: 'Filesystem' });
  assert.deepEqual(pvc.status, { phase: 'Pending' });

  const endpoints: Obj = { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] };
  applyDefaults('', 'v1', 'Endpoints', endpoints);
  assert.deepEqual(endpoints.subsets, [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]);

  const rc: Obj = { metadata: { name: 'rc' }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
  applyDefaults('', 'v1', 'ReplicationController', rc);
  assert.deepEqual((rc.spec as Obj).selector, { app: 'x' });
  assert.deepEqual((rc.metadata as Obj).labels, { app: 'x' });
  assert.equal((rc.spec as Obj).replicas, 1);

  const limitRange: Obj = { spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }] } };
  applyDefaults('', 'v1', 'LimitRange', limitRange);
  assert.deepEqual((limitRange.spec as { limits: Obj[] }).limits[0], {
    type: 'Container',
    max: { cpu: '2' },
    min: { memory: '64Mi' },
    default: { cpu: '2' },
    defaultRequest: { cpu: '2', memory: '64Mi' },
  });

  const node: Obj = { status: { capacity: { cpu: '4', memory: '8Gi' } } };
  applyDefaults('', 'v1', 'Node', node);
  assert.deepEqual((node.status as Obj).allocatable, { cpu: '4', memory: '8Gi' });
});

test('smaller groups: NetworkPolicy, RBAC, StorageClass, PriorityClass, EndpointSlice, CSIDriver', () => {
  const np: Obj = { spec: { egress: [{ ports: [{ port: 53 }] }] } };
  applyDefaults('networking.k8s.io', 'v1', 'NetworkPolicy', np);
  assert.deepEqual(np.spec, { egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const ingressOnly: Obj = { spec: { podSelector: { matchLabels: { a: 'b' } } } };
  applyDefaults('networking.k8s.io', 'v1', 'NetworkPolicy', ingressOnly);
  assert.deepEqual((ingressOnly.spec as Obj).policyTypes, ['Ingress']);

  const binding: Obj = {
    roleRef: { kind: 'Role', name: 'r' },
    subjects: [
      { kind: 'User', name: 'jane' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'ns' },
      { kind: 'Group', name: 'devs' },
    ],
  };
  applyDefaults('rbac.authorization.k8s.io', 'v1', 'RoleBinding', binding);
  assert.deepEqual(binding, {
    roleRef: { kind: 'Role', name: 'r', apiGroup: 'rbac.authorization.k8s.io' },
    subjects: [
      { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'ns', apiGroup: '' },
      { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
    ],
  });

  const sc: Obj = { provisioner: 'example.com/nfs' };
  applyDefaults('storage.k8s.io', 'v1', 'StorageClass', sc);
  assert.deepEqual(sc, { provisioner: 'example.com/nfs', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });

  const pc: Obj = { value: 1000 };
  applyDefaults('scheduling.k8s.io', 'v1', 'PriorityClass', pc);
  assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');

  const slice: Obj = { addressType: 'IPv4', ports: [{ port: 80 }] };
  applyDefaults('discovery.k8s.io', 'v1', 'EndpointSlice', slice);
  assert.deepEqual(slice.ports, [{ port: 80, name: '', protocol: 'TCP' }]);

  const driver: Obj = { spec: {} };
  applyDefaults('storage.k8s.io', 'v1', 'CSIDriver', driver);
  assert.deepEqual(driver.spec, {
    attachRequired: true,
    podInfoOnMount: false,
    storageCapacity: false,
    fsGroupPolicy: 'ReadWriteOnceWithFSType',
    volumeLifecycleModes: ['Persistent'],
    requiresRepublish: false,
    seLinuxMount: false,
  });
});

test('kinds without defaults are untouched', () => {
  const cm: Obj = { metadata: { name: 'x' } };
  applyDefaults('', 'v1', 'ConfigMap', cm);
  applyDefaults('', 'v1', 'Service', cm);
  applyDefaults('example.com', 'v1', 'Widget', cm);
  assert.deepEqual(cm, { metadata: { name: 'x' } });
});
