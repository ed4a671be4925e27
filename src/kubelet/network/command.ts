// Running the host commands the pod network needs (CNI plugins, ip, iptables).
// Every command goes through one runner so tests can run them inside their own
// network namespace with a prefix (["ip", "netns", "exec", NAME]); the product
// path runs them as they are, in the agent's namespace.

import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs argv to completion; a non-zero exit is a result, failing to start is an error. */
export function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // A plugin that hangs must not hold the pod worker forever.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // the command may exit without reading its input
    child.stdin.end(options.input ?? '');
  });
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    super(`${argv.join(' ')}: exit ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
}

/** A command runner bound to a prefix; `check` throws a CommandError on a non-zero exit. */
export class HostCommands {
  constructor(readonly prefix: readonly string[] = []) {}

  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return runCommand([...this.prefix, ...argv], options);
  }

  /** Writes a /proc/sys file in the namespace the commands run in. */
  async writeProcSys(path: string, value: string): Promise<void> {
    if (this.prefix.length === 0) return writeFile(path, value);
    await this.check(['sh', '-c', 'echo "$1" > "$0"', path, value]);
  }

  async check(argv: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(argv, options);
    if (result.code !== 0) throw new CommandError(argv, result);
    return result.stdout;
  }
}
