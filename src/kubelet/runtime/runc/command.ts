// Runs a helper program (runc, ip, mount) to completion and collects its output.

import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A helper program failed: the message carries its stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`${command} exited with ${result.code}: ${(result.stderr || result.stdout).trim()}`);
  }
}

export function runCommand(file: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Like runCommand, but a non-zero exit is a CommandError. */
export async function checkCommand(file: string, args: readonly string[]): Promise<string> {
  const result = await runCommand(file, args);
  if (result.code !== 0) throw new CommandError(`${file} ${args.slice(0, 3).join(' ')}`, result);
  return result.stdout;
}
