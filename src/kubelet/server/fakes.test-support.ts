// Test doubles for the streaming server: a runtime whose exec runs host commands and
// whose port-forward dials loopback, and a backend over a fixed set of containers.

import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ContainerRuntime, ContainerStatus, ExecOptions, ExecSession } from '../runtime/types.js';
import type { FindContainerResult, StreamingBackend } from './server.js';

export class HostExecRuntime implements ContainerRuntime {
  readonly name = 'fake';
  readonly version = '0';
  /** containerId -> state, for follow. */
  readonly states = new Map<string, 'running' | 'exited'>();
  readonly children = new Set<ReturnType<typeof spawn>>();
  /** Terminal sizes received, in order. */
  readonly resizes: { width: number; height: number }[] = [];

  async exec(_containerId: string, argv: readonly string[], options: ExecOptions): Promise<ExecSession> {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    const exited = new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        this.children.delete(child);
        resolve(code ?? (signal ? 128 + 9 : 1));
      });
    });
    if (!options.stdin) child.stdin.end();
    return {
      ...(options.stdin ? { stdin: child.stdin } : {}),
      stdout: child.stdout,
      ...(options.tty ? {} : { stderr: child.stderr }),
      resize: (size) => this.resizes.push(size),
      exited,
      kill: () => child.kill('SIGKILL'),
    };
  }

  portForward(_sandboxId: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  async containerStatus(containerId: string): Promise<ContainerStatus | undefined> {
    const state = this.states.get(containerId);
    if (!state) return undefined;
    return { id: containerId, sandboxId: 's', name: 'c', attempt: 0, state, createdAt: new Date(), logPath: '', labels: {} };
  }

  private unsupported(): never {
    throw new Error('not supported by the fake runtime');
  }
  runPodSandbox = () => this.unsupported();
  stopPodSandbox = () => this.unsupported();
  reopenContainerLog = () => this.unsupported();
  removePodSandbox = () => this.unsupported();
  listPodSandboxes = () => this.unsupported();
  createContainer = () => this.unsupported();
  startContainer = () => this.unsupported();
  stopContainer = () => this.unsupported();
  removeContainer = () => this.unsupported();
  listContainers = () => this.unsupported();
  execSync = () => this.unsupported();
  async dispose(): Promise<void> {
    for (const child of this.children) child.kill('SIGKILL');
  }
}

export interface FakeContainer {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly containerId: string;
  readonly logPath: string;
  readonly previous?: { containerId: string; logPath: string };
}

export class FakeBackend implements StreamingBackend {
  constructor(
    private readonly containers: readonly FakeContainer[],
    private readonly runtime?: HostExecRuntime,
  ) {}

  /** Attach runs a command that prints what "the main process" says. */
  attach(containerId: string, options: ExecOptions): Promise<ExecSession> {
    if (!this.runtime) throw new Error('no runtime to attach with');
    return this.runtime.exec(containerId, ['sh', '-c', `echo attached to ${containerId}`], options);
  }

  async findContainer(namespace: string, podName: string, containerName: string | undefined, previous: boolean): Promise<FindContainerResult> {
    const found = this.containers.find((c) => c.namespace === namespace && c.pod === podName && (containerName === undefined || c.container === containerName));
    if (!found) return { notFound: `pod "${podName}" container "${containerName ?? ''}" not found` };
    if (previous) {
      if (!found.previous) return { badRequest: `previous terminated container "${found.container}" in pod "${podName}" not found` };
      return { ...found.previous, sandboxId: 'sandbox', tty: false, stdin: false };
    }
    return { containerId: found.containerId, sandboxId: 'sandbox', logPath: found.logPath, tty: false, stdin: false };
  }
}
