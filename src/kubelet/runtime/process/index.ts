// The `process` runtime: containers as host processes in a per-pod directory.
export { ProcessRuntime, PROCESS_RUNTIME_VERSION, type ProcessRuntimeOptions } from './runtime.js';
export { CriLogWriter, rfc3339Nano } from './crilog.js';
