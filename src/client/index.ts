// Client-side machinery for controllers: work queues now; informers and typed
// clients come with the controller manager.
export { WorkQueue, runWorkers, realClock, type Clock, type WorkQueueOptions } from './workqueue.js';
