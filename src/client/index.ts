// Client-side machinery for controllers, the scheduler and node agents: the client
// contract, informers, work queues, events and clocks.
export * from './types.js';
export { Resources, apiVersionOfType } from './resources.js';
export { realClock, FakeClock, type Clock, type TimerHandle } from './clock.js';
export { WorkQueue, runWorkers, type WorkQueueOptions } from './workqueue.js';
export { Informer, InformerFactory, objectKey, splitKey, type InformerHandlers, type InformerOptions, type IndexFunc, type Disposable } from './informer.js';
export { ApiEventRecorder, type EventRecorder, type EventSource, type EventType } from './events.js';
export { HttpClient, userAgent, resourcePath, SKIFF_VERSION, type HttpClientOptions } from './http.js';
export { loadKubeconfig, KubeconfigError, type KubeconfigSelection } from './kubeconfig.js';
export { LeaderElector, microTime, type LeaderElectorOptions } from './leaderelection.js';
export { PortClient, servePort, type PortClientOptions, type PortServer, type PortServerOptions } from './port.js';
