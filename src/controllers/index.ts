// Controllers that run inside the control plane.
export { GarbageCollector } from './garbagecollector/index.js';
export { NamespaceController } from './namespace/index.js';
export type { ControllerContext, DeleteOptions, ResourceAccess } from './types.js';
