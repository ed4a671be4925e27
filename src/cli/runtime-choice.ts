// `--runtime auto`: runc when this process is root and runc, conmon and the CNI
// plugins are installed; otherwise the process runtime. The choice and its reason
// are printed at start, so a missing package never silently downgrades a node.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type NodeRuntime = 'runc' | 'process';

export interface RuntimeChoice {
  readonly runtime: NodeRuntime;
  readonly reason: string;
}

export const CNI_BIN_DIR = '/usr/lib/cni';

function onPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not here
    }
  }
  return undefined;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What runc needs on this machine that is missing (empty: all there). */
export function missingForRunc(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  for (const command of ['runc', 'conmon', 'iptables-restore', 'ip']) if (!onPath(command)) missing.push(command);
  for (const plugin of ['bridge', 'host-local', 'loopback', 'portmap']) if (!executable(join(CNI_BIN_DIR, plugin))) missing.push(`${CNI_BIN_DIR}/${plugin}`);
  return missing;
}

export function chooseRuntime(requested: string): RuntimeChoice {
  if (requested === 'process') return { runtime: 'process', reason: 'asked for with --runtime process' };
  const missing = missingForRunc();
  if (requested === 'runc') {
    if (missing.length > 0) throw new Error(`--runtime runc needs ${missing.join(', ')} (scripts/install-host-deps.sh installs the packages; run as root)`);
    return { runtime: 'runc', reason: 'asked for with --runtime runc' };
  }
  if (missing.length === 0) return { runtime: 'runc', reason: 'root, with runc, conmon, iptables and the CNI plugins installed' };
  return { runtime: 'process', reason: `runc needs ${missing.join(', ')}; pods run as host processes without isolation` };
}
