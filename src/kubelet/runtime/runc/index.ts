export { RuncRuntime, NotFoundError, ContainerStartError, removeCgroupDirs, type RuncRuntimeOptions } from './runtime.js';
export { buildOciSpec, hostsFileContent, resolvConfContent, overlayMountOptions, type OciSpec } from './spec.js';
