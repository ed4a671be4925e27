// kube-scheduler in a worker thread of its own: upstream runs it as a process apart
// from kube-apiserver, and here too it then takes its CPU from another core instead
// of the API server's thread. It reaches the API server through a MessagePort
// answered by the in-process client (see client/port.ts); its Lease, events and
// bindings go through the same admission as on this thread.

import { MessageChannel, Worker } from 'node:worker_threads';
import type { KubeObject } from '../api/types.js';
import { servePort, type ApiClient, type PortServer } from '../client/index.js';
import type { ComponentReporting, StoppableComponent } from './elected.js';
import type { SchedulerThreadData, SchedulerThreadReport } from './scheduler-worker.js';

const WORKER_URL = new URL('./scheduler-worker.js', import.meta.url);

/** How long after an unexpected exit the thread is started again (a supervisor's restart). */
const RESTART_DELAY_MS = 1000;

interface RunningThread {
  readonly worker: Worker;
  readonly server: PortServer;
  /** Settles once the thread reported it stopped, or exited. */
  readonly stopped: Promise<void>;
  readonly exited: Promise<void>;
}

export interface SchedulerThread extends StoppableComponent {
  /** The worker running now (undefined between a crash and its restart). */
  readonly worker: Worker | undefined;
}

/**
 * Starts the scheduler thread; its stop() waits for the scheduler to stop, then ends
 * the thread. A thread that exits on its own (a bug, an out-of-memory) is reported
 * and started again, as a supervisor restarts a crashed kube-scheduler.
 */
export function startSchedulerThread(client: ApiClient, identity: string, encode: (obj: KubeObject) => string, options: ComponentReporting): SchedulerThread {
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let current: RunningThread | undefined;

  const start = (): RunningThread => {
    const { port1, port2 } = new MessageChannel();
    const server = servePort(port1, client, { encode });
    const data: SchedulerThreadData = { identity, port: port2 };
    const worker = new Worker(WORKER_URL, { workerData: data, transferList: [port2] });
    let reportStopped: () => void;
    const stopped = new Promise<void>((resolve) => (reportStopped = resolve));
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
          reportStopped();
          return;
      }
    });
    worker.on('error', (err) => options.onError(err, 'kube-scheduler thread'));
    const thread: RunningThread = { worker, server, stopped, exited };
    void exited.then(async () => {
      reportStopped();
      if (stopping || current !== thread) return;
      current = undefined;
      await server.close();
      options.onError(new Error(`the kube-scheduler thread exited; starting it again in ${RESTART_DELAY_MS} ms`), 'kube-scheduler thread');
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (!stopping) current = start();
      }, RESTART_DELAY_MS);
    });
    return thread;
  };
  current = start();

  return {
    get worker() {
      return current?.worker;
    },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const thread = current;
      current = undefined;
      if (!thread) return;
      thread.worker.postMessage({ kind: 'stop' });
      await thread.stopped;
      await thread.worker.terminate();
      await thread.exited;
      await thread.server.close();
    },
  };
}
