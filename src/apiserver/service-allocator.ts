// ClusterIP and NodePort allocation for Services. The allocations live in the
// datastore (one key per range, changed with guaranteedUpdate), so several API
// servers sharing one etcd never hand out the same address or port.

import type { Store } from '../storage/index.js';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
export const DEFAULT_NODE_PORT_RANGE = { first: 30000, last: 32767 };

interface Allocations {
  range: string;
  /** value (IP or port) -> owner ("namespace/name") */
  allocated: Record<string, string>;
}

export class AllocationError extends Error {
  override readonly name = 'AllocationError';
}

export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const base = ipv4ToNumber(ip ?? '');
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) throw new Error(`service CIDR ${cidr} is not an IPv4 CIDR between /8 and /30`);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), size };
}

/** One allocation range stored under a key; values are strings (IPs or ports). */
class RangeAllocator {
  constructor(
    private readonly store: Store,
    private readonly key: string,
    private readonly range: string,
    private readonly candidates: () => Iterable<string>,
    private readonly contains: (value: string) => boolean,
    /** What is allocated, for messages: "IP" or "port". */
    private readonly what: 'IP' | 'port',
  ) {}

  private async change(mutate: (allocations: Allocations) => boolean | void): Promise<void> {
    await this.store.guaranteedUpdate(
      this.key,
      (current) => {
        const allocations: Allocations = current ? (JSON.parse(Buffer.from(current.value).toString()) as Allocations) : { range: this.range, allocated: {} };
        if (allocations.range !== this.range && current) {
          throw new AllocationError(`the allocated range ${allocations.range} differs from the configured ${this.range}; refusing to reallocate`);
        }
        if (mutate(allocations) === false) return undefined;
        return Buffer.from(JSON.stringify(allocations));
      },
      { ignoreNotFound: true },
    );
  }

  /** Reserves a specific value; throws AllocationError if taken or out of range. */
  async allocate(value: string, owner: string): Promise<void> {
    if (!this.contains(value)) throw new AllocationError(`provided ${this.what} ${value} is not in the valid range. The range of valid ${this.what}s is ${this.range}`);
    await this.change((a) => {
      const holder = a.allocated[value];
      if (holder === owner) return false;
      if (holder) throw new AllocationError(`provided ${this.what} is already allocated`);
      a.allocated[value] = owner;
    });
  }

  /** Reserves any free value. */
  async allocateNext(owner: string): Promise<string> {
    let chosen = '';
    await this.change((a) => {
      chosen = '';
      for (const candidate of this.candidates()) {
        if (!a.allocated[candidate]) {
          chosen = candidate;
          break;
        }
      }
      if (!chosen) throw new AllocationError(`range is full`);
      a.allocated[chosen] = owner;
    });
    return chosen;
  }

  async release(value: string, owner: string): Promise<void> {
    await this.change((a) => {
      if (a.allocated[value] !== owner) return false;
      delete a.allocated[value];
    });
  }
}

function* randomOrder(count: number, start: number): Generator<number> {
  // A random starting point then a full cycle: spreads allocations, visits every value.
  const offset = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) yield start + ((offset + i) % count);
}

export class ServiceAllocator {
  readonly clusterIPs: RangeAllocator;
  readonly nodePorts: RangeAllocator;
  /** The first usable address: the `kubernetes` Service's ClusterIP. */
  readonly firstIP: string;

  constructor(store: Store, serviceCidr = DEFAULT_SERVICE_CIDR, nodePorts = DEFAULT_NODE_PORT_RANGE) {
    const { base, size } = parseCidr(serviceCidr);
    this.firstIP = numberToIpv4(base + 1);
    // Network and broadcast addresses are never handed out.
    const usable = size - 2;
    this.clusterIPs = new RangeAllocator(
      store,
      '/registry/core/rangeallocations/serviceips',
      serviceCidr,
      function* () {
        for (const n of randomOrder(usable - 1, base + 2)) yield numberToIpv4(n);
      },
      (ip) => {
        const n = ipv4ToNumber(ip);
        return n !== undefined && n > base && n < base + size - 1;
      },
      'IP',
    );
    const portCount = nodePorts.last - nodePorts.first + 1;
    this.nodePorts = new RangeAllocator(
      store,
      '/registry/core/rangeallocations/servicenodeports',
      `${nodePorts.first}-${nodePorts.last}`,
      function* () {
        for (const n of randomOrder(portCount, nodePorts.first)) yield String(n);
      },
      (port) => /^\d+$/.test(port) && Number(port) >= nodePorts.first && Number(port) <= nodePorts.last,
      'port',
    );
  }
}
