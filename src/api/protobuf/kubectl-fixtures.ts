// Request bodies captured from kubectl 1.33 (`kubectl -n default <command> --dry-run=server`
// against a recording server; kubectl 1.32 sends the same bytes) and, for each, what
// `kubectl -n default <command> --dry-run=client -o json` prints for the same command:
// the object a JSON client sends. Regenerate by running both against any recorder.
// bin.dat (configMap) holds the five bytes 00 01 02 ff fe.

export interface KubectlFixture {
  /** The kubectl arguments (after `kubectl -n default`). */
  command: string;
  /** The POST body, base64. */
  protobuf: string;
  /** kubectl's --dry-run=client -o json output, verbatim. */
  json: Record<string, unknown>;
}

export const KUBECTL_1_33_FIXTURES: Record<string, KubectlFixture> = {
  configMap: {
    command: "create configmap cm1 --from-literal=a=b --from-literal=hello=world --from-file=bin.dat",
    protobuf:
      'azhzAAoPCgJ2MRIJQ29uZmlnTWFwEkYKGgoDY20xEgAaB2RlZmF1bHQiACoAMgA4AEIAEgYKAWESAWISDgoFaGVsbG8SBXdvcmxkGhAKB2Jpbi5kYXQSBQABAv/+GgAiAA==',
    json: {"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm1","namespace":"default","creationTimestamp":null},"data":{"a":"b","hello":"world"},"binaryData":{"bin.dat":"AAEC//4="}},
  },
  secret: {
    command: "create secret generic s1 --from-literal=password=s3cr3t --from-literal=user=admin --type=Opaque",
    protobuf:
      'azhzAAoMCgJ2MRIGU2VjcmV0EkYKGQoCczESABoHZGVmYXVsdCIAKgAyADgAQgASEgoIcGFzc3dvcmQSBnMzY3IzdBINCgR1c2VyEgVhZG1pbhoGT3BhcXVlGgAiAA==',
    json: {"kind":"Secret","apiVersion":"v1","metadata":{"name":"s1","namespace":"default","creationTimestamp":null},"data":{"password":"czNjcjN0","user":"YWRtaW4="},"type":"Opaque"},
  },
  dockerRegistrySecret: {
    command: "create secret docker-registry reg --docker-server=r.example --docker-username=u --docker-password=p",
    protobuf:
      'azhzAAoMCgJ2MRIGU2VjcmV0EpgBChoKA3JlZxIAGgdkZWZhdWx0IgAqADIAOABCABJaChEuZG9ja2VyY29uZmlnanNvbhJFeyJhdXRocyI6eyJyLmV4YW1wbGUiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiYXV0aCI6ImRUcHcifX19Gh5rdWJlcm5ldGVzLmlvL2RvY2tlcmNvbmZpZ2pzb24aACIA',
    json: {"kind":"Secret","apiVersion":"v1","metadata":{"name":"reg","namespace":"default","creationTimestamp":null},"data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmV4YW1wbGUiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiYXV0aCI6ImRUcHcifX19"},"type":"kubernetes.io/dockerconfigjson"},
  },
  deployment: {
    command: "create deployment web --image=nginx:1.25 --replicas=3 --port=8080",
    protobuf:
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50EsUBCiYKA3dlYhIAGgdkZWZhdWx0IgAqADIAOABCAFoKCgNhcHASA3dlYhKMAQgDEgwKCgoDYXBwEgN3ZWIacgocCgASABoAIgAqADIAOABCAFoKCgNhcHASA3dlYhJSEjQKBW5naW54EgpuZ2lueDoxLjI1KgAyCwoAEAAYkD8iACoAQgBqAHIAgAEAiAEAkAEAogEAGgAyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBACICCgAoADgAGgwIABAAGAAgACgAOAAaACIA',
    json: {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"default","creationTimestamp":null,"labels":{"app":"web"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":8080}],"resources":{}}]}},"strategy":{}},"status":{}},
  },
  deploymentZeroReplicas: {
    command: "create deployment zero --image=nginx --replicas=0",
    protobuf:
      'azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErYBCigKBHplcm8SABoHZGVmYXVsdCIAKgAyADgAQgBaCwoDYXBwEgR6ZXJvEnwIABINCgsKA2FwcBIEemVybxphCh0KABIAGgAiACoAMgA4AEIAWgsKA2FwcBIEemVybxJAEiIKBW5naW54EgVuZ2lueCoAQgBqAHIAgAEAiAEAkAEAogEAGgAyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBACICCgAoADgAGgwIABAAGAAgACgAOAAaACIA',
    json: {"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"zero","namespace":"default","creationTimestamp":null,"labels":{"app":"zero"}},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"zero"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app":"zero"}},"spec":{"containers":[{"name":"nginx","image":"nginx","resources":{}}]}},"strategy":{}},"status":{}},
  },
  service: {
    command: "create service clusterip svc1 --tcp=80:8080 --tcp=443:https",
    protobuf:
      'azhzAAoNCgJ2MRIHU2VydmljZRKXAQooCgRzdmMxEgAaB2RlZmF1bHQiACoAMgA4AEIAWgsKA2FwcBIEc3ZjMRJnChsKBzgwLTgwODASA1RDUBhQIgcIABCQPxoAKAAKIgoJNDQzLWh0dHBzEgNUQ1AYuwMiCwgBEAAaBWh0dHBzKAASCwoDYXBwEgRzdmMxGgAiCUNsdXN0ZXJJUDoAQgBSAFoAYABoABoCCgAaACIA',
    json: {"kind":"Service","apiVersion":"v1","metadata":{"name":"svc1","namespace":"default","creationTimestamp":null,"labels":{"app":"svc1"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080},{"name":"443-https","protocol":"TCP","port":443,"targetPort":"https"}],"selector":{"app":"svc1"},"type":"ClusterIP"},"status":{"loadBalancer":{}}},
  },
  nodePortService: {
    command: "create service nodeport np --tcp=80:8080 --node-port=30080",
    protobuf:
      'azhzAAoNCgJ2MRIHU2VydmljZRJuCiQKAm5wEgAaB2RlZmF1bHQiACoAMgA4AEIAWgkKA2FwcBICbnASQgodCgc4MC04MDgwEgNUQ1AYUCIHCAAQkD8aACiA6wESCQoDYXBwEgJucBoAIghOb2RlUG9ydDoAQgBSAFoAYABoABoCCgAaACIA',
    json: {"kind":"Service","apiVersion":"v1","metadata":{"name":"np","namespace":"default","creationTimestamp":null,"labels":{"app":"np"}},"spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080,"nodePort":30080}],"selector":{"app":"np"},"type":"NodePort"},"status":{"loadBalancer":{}}},
  },
  job: {
    command: "create job j1 --image=busybox -- echo hello",
    protobuf:
      'azhzAAoPCghiYXRjaC92MRIDSm9iEo4BChkKAmoxEgAaB2RlZmF1bHQiACoAMgA4AEIAEmcyZQoQCgASABoAIgAqADIAOABCABJREi4KAmoxEgdidXN5Ym94GgRlY2hvGgVoZWxsbyoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAGgggACgAMAA6ABoAIgA=',
    json: {"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"j1","namespace":"default","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"j1","image":"busybox","command":["echo","hello"],"resources":{}}],"restartPolicy":"Never"}}},"status":{}},
  },
  cronjob: {
    command: "create cronjob cj --image=busybox --schedule='*/5 * * * *' -- date",
    protobuf:
      'azhzAAoTCghiYXRjaC92MRIHQ3JvbkpvYhKrAQoZCgJjahIAGgdkZWZhdWx0IgAqADIAOABCABKLAQoLKi81ICogKiAqICoaACp6ChIKAmNqEgAaACIAKgAyADgAQgASZDJiChAKABIAGgAiACoAMgA4AEIAEk4SJwoCY2oSB2J1c3lib3gaBGRhdGUqAEIAagByAIABAIgBAJABAKIBABoJT25GYWlsdXJlMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAaABoAIgA=',
    json: {"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"cj","namespace":"default","creationTimestamp":null},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"metadata":{"name":"cj","creationTimestamp":null},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":[{"name":"cj","image":"busybox","command":["date"],"resources":{}}],"restartPolicy":"OnFailure"}}}}},"status":{}},
  },
  namespace: {
    command: "create namespace team-a",
    protobuf:
      'azhzAAoPCgJ2MRIJTmFtZXNwYWNlEh4KFgoGdGVhbS1hEgAaACIAKgAyADgAQgASABoCCgAaACIA',
    json: {"kind":"Namespace","apiVersion":"v1","metadata":{"name":"team-a","creationTimestamp":null},"spec":{},"status":{}},
  },
  resourceQuota: {
    command: "create quota q1 --hard=cpu=1500m,memory=2Gi,pods=10 --scopes=BestEffort",
    protobuf:
      'azhzAAoTCgJ2MRINUmVzb3VyY2VRdW90YRJaChkKAnExEgAaB2RlZmF1bHQiACoAMgA4AEIAEjsKDgoDY3B1EgcKBTE1MDBtCg8KBm1lbW9yeRIFCgMyR2kKDAoEcG9kcxIECgIxMBIKQmVzdEVmZm9ydBoAGgAiAA==',
    json: {"kind":"ResourceQuota","apiVersion":"v1","metadata":{"name":"q1","namespace":"default","creationTimestamp":null},"spec":{"hard":{"cpu":"1500m","memory":"2Gi","pods":"10"},"scopes":["BestEffort"]},"status":{}},
  },
  pdbMinAvailablePercent: {
    command: "create poddisruptionbudget pdb1 --selector=app=web --min-available=50%",
    protobuf:
      'azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSRAobCgRwZGIxEgAaB2RlZmF1bHQiACoAMgA4AEIAEhkKCQgBEAAaAzUwJRIMCgoKA2FwcBIDd2ViGgoIABgAIAAoADAAGgAiAA==',
    json: {"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb1","namespace":"default","creationTimestamp":null},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"web"}}},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}},
  },
  pdbMaxUnavailable: {
    command: "create poddisruptionbudget pdb2 --selector=app=web --max-unavailable=1",
    protobuf:
      'azhzAAogCglwb2xpY3kvdjESE1BvZERpc3J1cHRpb25CdWRnZXQSQQobCgRwZGIyEgAaB2RlZmF1bHQiACoAMgA4AEIAEhYSDAoKCgNhcHASA3dlYhoGCAAQARoAGgoIABgAIAAoADAAGgAiAA==',
    json: {"kind":"PodDisruptionBudget","apiVersion":"policy/v1","metadata":{"name":"pdb2","namespace":"default","creationTimestamp":null},"spec":{"selector":{"matchLabels":{"app":"web"}},"maxUnavailable":1},"status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}},
  },
  role: {
    command: "create role r1 --verb=get,list --verb=watch --resource=pods,configmaps --resource-name=a",
    protobuf:
      'azhzAAokChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgRSb2xlEkYKGQoCcjESABoHZGVmYXVsdCIAKgAyADgAQgASKQoDZ2V0CgRsaXN0CgV3YXRjaBIAGgRwb2RzGgpjb25maWdtYXBzIgFhGgAiAA==',
    json: {"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r1","namespace":"default","creationTimestamp":null},"rules":[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["pods","configmaps"],"resourceNames":["a"]}]},
  },
  roleBinding: {
    command: "create rolebinding rb --role=r1 --user=bob --serviceaccount=default:sa1",
    protobuf:
      'azhzAAorChxyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvL3YxEgtSb2xlQmluZGluZxKOAQoZCgJyYhIAGgdkZWZhdWx0IgAqADIAOABCABIoCgRVc2VyEhlyYmFjLmF1dGhvcml6YXRpb24uazhzLmlvGgNib2IiABIgCg5TZXJ2aWNlQWNjb3VudBIAGgNzYTEiB2RlZmF1bHQaJQoZcmJhYy5hdXRob3JpemF0aW9uLms4cy5pbxIEUm9sZRoCcjEaACIA',
    json: {"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"rb","namespace":"default","creationTimestamp":null},"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"},{"kind":"ServiceAccount","name":"sa1","namespace":"default"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r1"}},
  },
  serviceAccount: {
    command: "create serviceaccount sa1",
    protobuf:
      'azhzAAoUCgJ2MRIOU2VydmljZUFjY291bnQSHAoaCgNzYTESABoHZGVmYXVsdCIAKgAyADgAQgAaACIA',
    json: {"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":"sa1","namespace":"default","creationTimestamp":null}},
  },
  priorityClass: {
    command: "create priorityclass high --value=1000 --description=important --preemption-policy=Never",
    protobuf:
      'azhzAAolChRzY2hlZHVsaW5nLms4cy5pby92MRINUHJpb3JpdHlDbGFzcxItChQKBGhpZ2gSABoAIgAqADIAOABCABDoBxgAIglpbXBvcnRhbnQqBU5ldmVyGgAiAA==',
    json: {"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1","metadata":{"name":"high","creationTimestamp":null},"value":1000,"description":"important","preemptionPolicy":"Never"},
  },
  ingress: {
    command: "create ingress ing1 --rule='foo.com/bar*=svc1:8080,tls=my-cert' --class=nginx",
    protobuf:
      'azhzAAofChRuZXR3b3JraW5nLms4cy5pby92MRIHSW5ncmVzcxJuChsKBGluZzESABoHZGVmYXVsdCIAKgAyADgAQgASSxISCgdmb28uY29tEgdteS1jZXJ0Gi4KB2Zvby5jb20SIwohCh8KBC9iYXISDyINCgRzdmMxEgUKABCQPxoGUHJlZml4IgVuZ2lueBoCCgAaACIA',
    json: {"kind":"Ingress","apiVersion":"networking.k8s.io/v1","metadata":{"name":"ing1","namespace":"default","creationTimestamp":null},"spec":{"ingressClassName":"nginx","tls":[{"hosts":["foo.com"],"secretName":"my-cert"}],"rules":[{"host":"foo.com","http":{"paths":[{"path":"/bar","pathType":"Prefix","backend":{"service":{"name":"svc1","port":{"number":8080}}}}]}}]},"status":{"loadBalancer":{}}},
  },
};

/** `kubectl -n default auth can-i get pods` (kubectl has no client dry run for these). */
export const KUBECTL_1_33_CAN_I = 'azhzAAoyChdhdXRob3JpemF0aW9uLms4cy5pby92MRIXU2VsZlN1YmplY3RBY2Nlc3NSZXZpZXcSPAoQCgASABoAIgAqADIAOABCABIeChwKB2RlZmF1bHQSA2dldBoAIgAqBHBvZHMyADoAGggIABIAGgAgABoAIgA=';

/** `kubectl auth whoami`. */
export const KUBECTL_1_33_WHOAMI = 'azhzAAotChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESEVNlbGZTdWJqZWN0UmV2aWV3EhoKEAoAEgAaACIAKgAyADgAQgASBgoECgASABoAIgA=';

/** `kubectl create token sa1 --duration=1h --audience=api`. */
export const KUBECTL_1_33_TOKEN_REQUEST = 'azhzAAooChhhdXRoZW50aWNhdGlvbi5rOHMuaW8vdjESDFRva2VuUmVxdWVzdBIiChAKABIAGgAiACoAMgA4AEIAEggKA2FwaSCQHBoECgASABoAIgA=';
