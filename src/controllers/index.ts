// Controllers that run inside the control plane.
export { GarbageCollector } from './garbagecollector/index.js';
export { NamespaceController } from './namespace/index.js';
export { ControllerManager, type ControllerManagerOptions, type NamedControllerFactory } from './manager.js';
export type { Controller, ControllerContext, ControllerFactory, DeleteOptions, ErrorSink, ResourceAccess } from './types.js';
