// Controllers that run inside the control plane.
export { GarbageCollector, newGarbageCollectorController } from './garbagecollector/index.js';
export { NamespaceController, newNamespaceController } from './namespace/index.js';
export { ControllerManager, type ControllerManagerOptions, type NamedControllerFactory } from './manager.js';
export type { Controller, ControllerContext, ControllerFactory, DeleteOptions, ErrorSink, RegistryAccess, ResourceAccess } from './types.js';
