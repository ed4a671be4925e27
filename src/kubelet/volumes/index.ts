// Pod volumes on the node: set up under <podsDir>/<uid>/volumes/<plugin>/<name>, refreshed
// on every sync, torn down when the pod is gone; and the container mounts they turn into.
export { VolumeManager, VolumeSetupError, type MountedVolume, type VolumeManagerOptions } from './manager.js';
export { containerMounts, terminationLogPath } from './mounts.js';
export { writeAtomically, validatePayloadPath, type FileProjection } from './atomic-writer.js';
export { checkHostPathType } from './host.js';
export { LocalPathCleaner, type LocalPathCleanerOptions } from './localpath-cleaner.js';
