// Container environment (kubelet's makeEnvironmentVariables) and the final argv
// (image entrypoint/cmd merged with command/args, $(VAR) expanded).
export { resolveContainerEnv, serviceEnvironment, ContainerConfigError, type EnvSources, type EnvVarValue } from './env.js';
export { containerArgv, expandVars, envLookup } from './argv.js';
export {
  containerResourceValue,
  formatMap,
  metadataFieldValue,
  podContainerResourceValue,
  podFieldValue,
  withDefaultLimits,
  type PodRuntimeIPs,
} from './fieldpath.js';
