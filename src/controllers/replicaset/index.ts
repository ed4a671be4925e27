// The ReplicaSet controller.
export { BURST_REPLICAS, ReplicaSetController, newReplicaSetController } from './controller.js';
export { REPLICA_FAILURE, calculateStatus } from './status.js';
