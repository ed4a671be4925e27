// The node agent: node registration, lease and status, pod workers, probes, hooks.
export { NodeAgent, POD_UID_LABEL, POD_NAME_LABEL, POD_NAMESPACE_LABEL, CONTAINER_NAME_LABEL, type NodeAgentOptions, type PodVolumes, type FoundContainer, type ContainerNotFound } from './agent.js';
export { computePodStatus, getPhase, podConditions, type WaitingReason } from './podstatus.js';
export { computePodActions, shouldRestart, type PodActions } from './actions.js';
export { Backoff, goDuration } from './backoff.js';
export { admitPod, podRequest } from './admission.js';
export { KUBELET_VERSION, RUNTIME_LABEL, NODE_LEASE_NAMESPACE, defaultNodeName } from './nodestatus.js';
