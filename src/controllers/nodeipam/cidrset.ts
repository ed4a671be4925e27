// upstream's cidrset (pkg/controller/nodeipam/ipam/cidrset), IPv4 only: the cluster
// CIDR cut into equal node subnets, a bitmap of those in use, and round-robin
// allocation from the one after the last allocated.

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly base: number;
  readonly prefix: number;
}

export const ERR_NO_CIDRS_REMAINING = 'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range';

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses "a.b.c.d/n"; the host bits are cleared, as net.ParseCIDR's network does. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const [ip, bits, extra] = text.split('/');
  if (ip === undefined || bits === undefined || extra !== undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const address = parseIpv4(ip);
  if (address === undefined || prefix > 32) return undefined;
  return { base: (address & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.base)}/${cidr.prefix}`;
}

export function cidrContains(cidr: Ipv4Cidr, address: number): boolean {
  return ((address & maskOf(cidr.prefix)) >>> 0) === cidr.base;
}

export class CidrSet {
  private readonly used: Uint8Array;
  private readonly count: number;
  private nextCandidate = 0;
  private allocated = 0;

  constructor(
    readonly clusterCIDR: Ipv4Cidr,
    readonly nodeMaskSize: number,
  ) {
    // upstream refuses more than 16 bits of difference (clusterSubnetMaxDiff).
    if (nodeMaskSize < clusterCIDR.prefix) throw new Error(`node mask size ${nodeMaskSize} is smaller than the cluster CIDR's ${clusterCIDR.prefix}`);
    if (nodeMaskSize - clusterCIDR.prefix > 16) throw new Error('CIDRSet: subnet mask size is too big');
    if (nodeMaskSize > 32) throw new Error(`node mask size ${nodeMaskSize} is more than 32`);
    this.count = 2 ** (nodeMaskSize - clusterCIDR.prefix);
    this.used = new Uint8Array(this.count);
  }

  get allocatedCount(): number {
    return this.allocated;
  }

  private subnet(index: number): Ipv4Cidr {
    return { base: (this.clusterCIDR.base + index * 2 ** (32 - this.nodeMaskSize)) >>> 0, prefix: this.nodeMaskSize };
  }

  /** The next free node subnet, or undefined when every one is taken. */
  allocateNext(): Ipv4Cidr | undefined {
    for (let i = 0; i < this.count; i++) {
      const candidate = (this.nextCandidate + i) % this.count;
      if (this.used[candidate]) continue;
      this.used[candidate] = 1;
      this.allocated++;
      this.nextCandidate = (candidate + 1) % this.count;
      return this.subnet(candidate);
    }
    return undefined;
  }

  /** The node subnet indexes a CIDR covers (one containing it when it is smaller). */
  private indexRange(cidr: Ipv4Cidr): { first: number; last: number } {
    if (!cidrContains(this.clusterCIDR, cidr.base) || cidr.prefix < this.clusterCIDR.prefix) {
      throw new Error(`cidr ${formatCidr(cidr)} is out the range of cluster cidr ${formatCidr(this.clusterCIDR)}`);
    }
    const size = 2 ** (32 - this.nodeMaskSize);
    const first = Math.floor((cidr.base - this.clusterCIDR.base) / size);
    const span = cidr.prefix >= this.nodeMaskSize ? 1 : 2 ** (this.nodeMaskSize - cidr.prefix);
    return { first, last: first + span - 1 };
  }

  /** Marks a CIDR taken (a node that already has it); throws when outside the cluster CIDR. */
  occupy(cidr: Ipv4Cidr): void {
    const { first, last } = this.indexRange(cidr);
    for (let i = first; i <= last; i++) {
      if (!this.used[i]) this.allocated++;
      this.used[i] = 1;
    }
  }

  release(cidr: Ipv4Cidr): void {
    const { first, last } = this.indexRange(cidr);
    for (let i = first; i <= last; i++) {
      if (this.used[i]) this.allocated--;
      this.used[i] = 0;
    }
  }

  isUsed(cidr: Ipv4Cidr): boolean {
    const { first, last } = this.indexRange(cidr);
    for (let i = first; i <= last; i++) if (this.used[i]) return true;
    return false;
  }
}
