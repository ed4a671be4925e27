// The container's final argv, as kubelet and the CRI runtime compute it together:
// command replaces the image entrypoint (and drops its cmd), args replace cmd, and
// $(VAR) references in command/args expand against the container's env.

import type { Container } from 'kubernetes-types/core/v1.js';
import type { ImageConfig } from '../runtime/types.js';

/**
 * Upstream's third_party/forked/golang/expansion.Expand: $(NAME) is replaced by
 * lookup(NAME), or kept verbatim when lookup has no value; $$ escapes a $.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close >= 0) {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      } else {
        out += '$(';
      }
    } else {
      out += '$' + rest[0];
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** The lookup of expandVars over an env list: the last entry of a name wins. */
export function envLookup(env: readonly { name: string; value: string }[]): (name: string) => string | undefined {
  const byName = new Map(env.map((e) => [e.name, e.value]));
  return (name) => byName.get(name);
}

export function containerArgv(container: Container, image: ImageConfig | undefined, env: readonly { name: string; value: string }[]): string[] {
  const lookup = envLookup(env);
  const command = (container.command ?? []).map((arg) => expandVars(arg, lookup));
  const args = (container.args ?? []).map((arg) => expandVars(arg, lookup));
  if (command.length > 0) return [...command, ...args];
  const entrypoint = [...(image?.entrypoint ?? [])];
  if (args.length > 0) return [...entrypoint, ...args];
  return [...entrypoint, ...(image?.cmd ?? [])];
}
