// The node agent's streaming server: container logs, exec, attach and port-forward
// over HTTPS, for the API server only.
export {
  KubeletServer,
  apiServerClientOnly,
  KUBELET_CLIENT_COMMON_NAME,
  type KubeletServerOptions,
  type StreamingBackend,
  type ContainerTarget,
  type FindContainerResult,
  type ClientSubject,
} from './server.js';
export { CriLogParser, parseLogQuery, streamLog, type LogOptions, type LogLine } from './logs.js';
