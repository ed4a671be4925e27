// A small cache of upstream answers (like the Corefile's `cache 30`): positive and
// negative answers kept for their TTL (answers' smallest TTL, or the SOA minimum for
// NXDOMAIN/NODATA), at most maxTtlSeconds; served records carry the time left.

import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Question, SoaAnswer } from 'dns-packet';

interface Entry {
  readonly packet: DecodedPacket;
  readonly storedAt: number;
  /** Seconds the reply is kept: its TTL, capped. */
  readonly ttl: number;
}

const NOERROR = 0;
const NXDOMAIN = 3;
const TRUNCATED = 1 << 9;

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxTtlSeconds = 30,
    private readonly capacity = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(question: Question, edns: boolean): string {
    return `${question.name.toLowerCase()}|${question.type}|${question.class ?? 'IN'}|${edns ? 'e' : ''}`;
  }

  /** The cached reply under this query's ID, TTLs reduced by the time spent in the cache. */
  get(key: string, id: number): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const remaining = entry.ttl - Math.floor((this.now() - entry.storedAt) / 1000);
    if (remaining <= 0) {
      this.entries.delete(key);
      return undefined;
    }
    // Like CoreDNS's cache: every record carries the time left in the cache.
    const age = (records: Answer[] | undefined) => (records ?? []).map((r) => (r.type === 'OPT' ? r : { ...r, ttl: remaining })) as Answer[];
    const { packet } = entry;
    return dnsPacket.encode({ ...packet, id, answers: age(packet.answers), authorities: age(packet.authorities), additionals: age(packet.additionals) });
  }

  /** Keeps a NOERROR or NXDOMAIN reply that is not truncated. */
  put(key: string, reply: Buffer): void {
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(reply);
    } catch {
      return;
    }
    const flags = packet.flags ?? 0;
    const rcode = flags & 0xf;
    if ((rcode !== NOERROR && rcode !== NXDOMAIN) || (flags & TRUNCATED) !== 0) return;
    const answers = packet.answers ?? [];
    let ttl: number | undefined;
    if (rcode === NOERROR && answers.length > 0) ttl = Math.min(...answers.map((a) => ('ttl' in a ? (a.ttl ?? 0) : 0)));
    else {
      const soa = (packet.authorities ?? []).find((a): a is SoaAnswer => a.type === 'SOA');
      if (soa) ttl = Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0);
    }
    ttl = Math.min(ttl ?? 0, this.maxTtlSeconds);
    if (ttl <= 0) return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { packet, storedAt: this.now(), ttl });
  }

  get size(): number {
    return this.entries.size;
  }
}
