// Platform selection in OCI indexes and Docker manifest lists, as containerd's
// platforms.Default() matcher does for linux: os and architecture must match; the
// arm variant must match when both sides name one.

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const ARCH_BY_NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64',
};

/** The platform of this machine in OCI terms ("linux/amd64", "linux/arm64/v8"). */
export function hostPlatform(): Platform {
  const architecture = ARCH_BY_NODE_ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') return { os: 'linux', architecture, variant: 'v7' };
  return { os: 'linux', architecture };
}

function normalizeVariant(architecture: string, variant: string | undefined): string | undefined {
  if (architecture === 'arm64' && (variant === undefined || variant === '' || variant === '8')) return 'v8';
  return variant === '' ? undefined : variant;
}

export function platformMatches(wanted: Platform, candidate: Partial<Platform> | undefined): boolean {
  if (!candidate || candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  const want = normalizeVariant(wanted.architecture, wanted.variant);
  const have = normalizeVariant(candidate.architecture, candidate.variant);
  return want === undefined || have === undefined || want === have;
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
