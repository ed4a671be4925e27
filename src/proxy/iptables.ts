// Running iptables-save / iptables-restore / sysctl, optionally behind a command
// prefix (tests run everything inside their own network namespace with
// ['ip', 'netns', 'exec', NS]).

import { spawn } from 'node:child_process';
import { parseIptablesSave, renderCleanup, type SavedTable, type Table } from './rules.js';

export interface IptablesCommandOptions {
  /** Prepended to every command, e.g. ['ip', 'netns', 'exec', 'skiff-test-x'] (tests only). */
  readonly commandPrefix?: readonly string[];
  readonly iptablesSavePath?: string;
  readonly iptablesRestorePath?: string;
  readonly conntrackPath?: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs a command to completion, feeding it stdin; rejects with CommandError on a non-zero exit. */
export function runCommand(argv: readonly string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else reject(new CommandError(argv.join(' '), code, Buffer.concat(stderr).toString('utf8')));
    });
    // A child that exits early closes stdin: ignore EPIPE, the exit code tells.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

export class Iptables {
  private readonly prefix: readonly string[];

  constructor(private readonly options: IptablesCommandOptions = {}) {
    this.prefix = options.commandPrefix ?? [];
  }

  /** The filter and nat tables as iptables-save prints them. */
  async save(): Promise<Map<Table, SavedTable>> {
    const save = this.options.iptablesSavePath ?? 'iptables-save';
    const [filter, nat] = await Promise.all([runCommand([...this.prefix, save, '-t', 'filter']), runCommand([...this.prefix, save, '-t', 'nat'])]);
    return parseIptablesSave(`${filter}\n${nat}`);
  }

  /** Applies restore input without flushing tables: chains it declares are rewritten, others left alone. */
  async restore(text: string): Promise<void> {
    await runCommand([...this.prefix, this.options.iptablesRestorePath ?? 'iptables-restore', '-w', '--noflush'], text);
  }

  /**
   * `conntrack <args>`; false when it found nothing to delete (exit 1, as for
   * "0 flow entries have been deleted"). Throws when conntrack is not installed.
   */
  async conntrack(args: readonly string[]): Promise<boolean> {
    try {
      await runCommand([...this.prefix, this.options.conntrackPath ?? 'conntrack', ...args]);
      return true;
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === 1 && /0 flow entries/.test(err.stderr)) return false;
      throw err;
    }
  }

  async setSysctl(name: string, value: string): Promise<void> {
    await runCommand([...this.prefix, 'sysctl', '-q', '-w', `${name}=${value}`]);
  }

  async getSysctl(name: string): Promise<string> {
    return (await runCommand([...this.prefix, 'sysctl', '-n', name])).trim();
  }
}

/**
 * Removes every rule and chain the service proxy owns (KUBE-SERVICES, KUBE-NODEPORTS,
 * KUBE-POSTROUTING, KUBE-MARK-MASQ, KUBE-SVC-/SEP-/EXT-/SVL-/FW-*, the filter chains)
 * and the jumps into them. Returns whether anything was removed.
 */
export async function cleanupIptables(options: IptablesCommandOptions = {}): Promise<boolean> {
  const iptables = new Iptables(options);
  const text = renderCleanup(await iptables.save());
  if (!text) return false;
  await iptables.restore(text);
  return true;
}
