export { ContainerLogManager, DEFAULT_LOG_ROTATION, rotationTimestamp, validateLogRotationPolicy } from './rotation.js';
export type { ContainerLogManagerOptions, LogRotationPolicy, LogRuntime } from './rotation.js';
