// Simulated nodes: hollow kubelets that register Nodes, hold Leases and run pods
// without containers, for benchmarks and for testing the control plane.
export { SimulatedNodes, type SimulatedNodesOptions } from './simulated-nodes.js';
export { HEARTBEATS_ANNOTATION, KUBELET_VERSION, SIMULATED_CLUSTER_CIDR, SIMULATED_LABEL } from './nodeobject.js';
export { DURATION_ANNOTATION, EXIT_CODE_ANNOTATION, parseGoDuration } from './podstatus.js';
