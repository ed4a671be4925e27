// The TTL-after-finished controller (pkg/controller/ttlafterfinished).
export { TtlAfterFinishedController, newTtlAfterFinishedController } from './controller.js';
