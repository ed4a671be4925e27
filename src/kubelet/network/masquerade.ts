// Node-level packet rules of the pod network, like kubenet with ip-masq-agent's
// nonMasqueradeCIDRs: pod traffic leaving the cluster network is masqueraded, pod
// to pod traffic across nodes keeps its source IP. The bridge plugin's own ipMasq
// would masquerade everything outside the node's pod subnet (its chain accepts only
// `-d <subnet>`), which hides pod IPs from pods on other nodes, so it is off and
// these rules take its place. Forwarding of cluster traffic is accepted explicitly
// for hosts whose FORWARD policy is DROP (as flannel does).

import type { HostCommands } from './command.js';

export const MASQUERADE_CHAIN = 'SKIFF-POSTROUTING';
export const FORWARD_CHAIN = 'SKIFF-FORWARD';

const JUMP_COMMENT = 'skiff pod network';

interface Jump {
  readonly table: 'nat' | 'filter';
  readonly parent: string;
  readonly chain: string;
}

const JUMPS: readonly Jump[] = [
  { table: 'nat', parent: 'POSTROUTING', chain: MASQUERADE_CHAIN },
  { table: 'filter', parent: 'FORWARD', chain: FORWARD_CHAIN },
];

function jumpRule(jump: Jump): string[] {
  return ['-m', 'comment', '--comment', JUMP_COMMENT, '-j', jump.chain];
}

async function ensureChain(cmd: HostCommands, table: string, chain: string): Promise<void> {
  const exists = await cmd.run(['iptables', '-w', '-t', table, '-S', chain, '1']);
  if (exists.code !== 0) await cmd.check(['iptables', '-w', '-t', table, '-N', chain]);
}

/** Installs (or refreshes) the masquerade and forward rules; idempotent. */
export async function ensurePodNetworkRules(cmd: HostCommands, cidrs: { podCIDR: string; clusterCIDR: string }): Promise<void> {
  for (const jump of JUMPS) {
    await ensureChain(cmd, jump.table, jump.chain);
    const present = await cmd.run(['iptables', '-w', '-t', jump.table, '-C', jump.parent, ...jumpRule(jump)]);
    if (present.code !== 0) await cmd.check(['iptables', '-w', '-t', jump.table, '-I', jump.parent, ...jumpRule(jump)]);
  }
  // Rewritten whole, so a changed pod or cluster CIDR leaves no stale rule behind.
  const restore = [
    '*nat',
    `:${MASQUERADE_CHAIN} - [0:0]`,
    `-A ${MASQUERADE_CHAIN} -s ${cidrs.podCIDR} ! -d ${cidrs.clusterCIDR} -m comment --comment "skiff: pod traffic leaving the cluster network" -j MASQUERADE`,
    'COMMIT',
    '*filter',
    `:${FORWARD_CHAIN} - [0:0]`,
    `-A ${FORWARD_CHAIN} -s ${cidrs.clusterCIDR} -m comment --comment "skiff: pod network forwarding" -j ACCEPT`,
    `-A ${FORWARD_CHAIN} -d ${cidrs.clusterCIDR} -m comment --comment "skiff: pod network forwarding" -j ACCEPT`,
    'COMMIT',
    '',
  ].join('\n');
  await cmd.check(['iptables-restore', '-w', '--noflush'], { input: restore });
}

/** Removes the jumps and chains ensurePodNetworkRules made; idempotent. */
export async function removePodNetworkRules(cmd: HostCommands): Promise<void> {
  for (const jump of JUMPS) {
    // -D removes one copy at a time; a crash between -C and -I could have left two.
    for (let i = 0; i < 10; i++) {
      const deleted = await cmd.run(['iptables', '-w', '-t', jump.table, '-D', jump.parent, ...jumpRule(jump)]);
      if (deleted.code !== 0) break;
    }
    const exists = await cmd.run(['iptables', '-w', '-t', jump.table, '-S', jump.chain, '1']);
    if (exists.code !== 0) continue;
    await cmd.check(['iptables', '-w', '-t', jump.table, '-F', jump.chain]);
    await cmd.check(['iptables', '-w', '-t', jump.table, '-X', jump.chain]);
  }
}

const PORTMAP_CHAINS = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];

/** Splits an iptables-save rule into argv words (double quotes group, as the save format writes comments). */
function ruleWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

/**
 * Removes the portmap plugin's top-level chains (and the jumps to them) once no pod
 * forwards a port any more: its DEL removes only each pod's own chain. Left alone
 * while another pod's CNI-DN- chain is still in use.
 */
export async function removePortmapChains(cmd: HostCommands): Promise<void> {
  const saved = await cmd.run(['iptables-save', '-t', 'nat']);
  if (saved.code !== 0) return;
  const lines = saved.stdout.split('\n');
  if (lines.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT ') && /-j CNI-DN-/.test(l))) return;
  for (const line of lines) {
    const words = line.startsWith('-A ') ? ruleWords(line) : [];
    const target = words[words.indexOf('-j') + 1];
    if (words.includes('-j') && target && PORTMAP_CHAINS.includes(target) && !PORTMAP_CHAINS.includes(words[1]!)) {
      await cmd.run(['iptables', '-w', '-t', 'nat', '-D', ...words.slice(1)]);
    }
  }
  for (const chain of PORTMAP_CHAINS) await cmd.run(['iptables', '-w', '-t', 'nat', '-F', chain]);
  for (const chain of PORTMAP_CHAINS) await cmd.run(['iptables', '-w', '-t', 'nat', '-X', chain]);
}
