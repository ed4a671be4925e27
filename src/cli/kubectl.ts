// `skiff kubectl ...`: the machine's kubectl with the local cluster's kubeconfig.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export async function runKubectl(dataDir: string, args: readonly string[]): Promise<number> {
  const kubeconfig = join(resolve(dataDir), 'kubeconfig.yaml');
  if (!existsSync(kubeconfig)) {
    process.stderr.write(`skiff: no kubeconfig at ${kubeconfig}; start a cluster with \`skiff server --data-dir ${dataDir}\`\n`);
    return 1;
  }
  return new Promise((done) => {
    const child = spawn('kubectl', [...args], { stdio: 'inherit', env: { ...process.env, KUBECONFIG: kubeconfig } });
    child.on('error', (err) => {
      process.stderr.write(`skiff: cannot run kubectl: ${err.message}\n`);
      done(127);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}
