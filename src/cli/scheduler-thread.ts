// kube-scheduler in a worker thread of its own: upstream runs it as a process apart
// from kube-apiserver, and here too it then takes its CPU from another core instead
// of the API server's thread. It reaches the API server through a MessagePort
// answered by the in-process client (see client/port.ts); its Lease, events and
// bindings go through the same admission as on this thread.

import { MessageChannel, Worker } from 'node:worker_threads';
import type { KubeObject } from '../api/types.js';
import { servePort, type ApiClient } from '../client/index.js';
import type { ComponentReporting, StoppableComponent } from './elected.js';
import type { SchedulerThreadData, SchedulerThreadReport } from './scheduler-worker.js';

const WORKER_URL = new URL('./scheduler-worker.js', import.meta.url);

/** Starts the scheduler thread; its stop() waits for the scheduler to stop, then ends the thread. */
export function startSchedulerThread(client: ApiClient, identity: string, encode: (obj: KubeObject) => string, options: ComponentReporting): StoppableComponent {
  const { port1, port2 } = new MessageChannel();
  const server = servePort(port1, client, { encode });
  const data: SchedulerThreadData = { identity, port: port2 };
  const worker = new Worker(WORKER_URL, { workerData: data, transferList: [port2] });
  let stopped: () => void;
  const stoppedReport = new Promise<void>((resolve) => (stopped = resolve));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (report: SchedulerThreadReport) => {
    switch (report.kind) {
      case 'log':
        options.log(report.message);
        return;
      case 'error':
        options.onError(Object.assign(new Error(report.message), { stack: report.stack }), report.what);
        return;
      case 'stopped':
        stopped();
        return;
    }
  });
  worker.on('error', (err) => options.onError(err, 'kube-scheduler thread'));
  void exited.then(() => stopped());
  return {
    async stop() {
      worker.postMessage({ kind: 'stop' });
      await stoppedReport;
      await worker.terminate();
      await exited;
      await server.close();
    },
  };
}
