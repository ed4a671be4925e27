// Shared by the generators that read schemas out of a kubectl binary: the command
// line (`[KUBECTL_BINARY] [--out FILE]`) and the default binary (the newest
// `kubectl.1.NN` beside the kubectl on PATH).
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function defaultKubectl() {
  const found = which('kubectl');
  if (!found) throw new Error('kubectl is not on PATH; pass the binary as the first argument');
  const real = realpathSync(found);
  const versioned = readdirSync(dirname(real))
    .map((name) => ({ name, minor: /^kubectl\.1\.(\d+)$/.exec(name)?.[1] }))
    .filter((entry) => entry.minor !== undefined)
    .sort((a, b) => Number(b.minor) - Number(a.minor));
  return versioned.length > 0 ? join(dirname(real), versioned[0].name) : real;
}

/** Parses `[KUBECTL_BINARY] [--out FILE]`; `usage` is printed for --help. */
export function parseGeneratorArgs(argv, defaultOut, usage) {
  let binary;
  let out = defaultOut;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') out = argv[++i];
    else if (arg === '-h' || arg === '--help') {
      console.log(usage);
      process.exit(0);
    } else if (binary === undefined) binary = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  return { binary: binary ?? defaultKubectl(), out };
}
