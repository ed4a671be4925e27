// kube-proxy's iptables mode as a node-agent component: watches Services and
// EndpointSlices, regenerates the whole rule set and applies it with one
// `iptables-restore --noflush` (our chains rewritten, everyone else's left alone),
// coalescing bursts of changes into at most one sync per minSyncPeriodMs.

import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../api/types.js';
import { InformerFactory, Resources, realClock, type ApiClient, type Clock, type Disposable, type Informer, type TimerHandle } from '../client/index.js';
import { Iptables, cleanupIptables, type IptablesCommandOptions } from './iptables.js';
import { buildProxyRules, planRestore, type ProxyRules } from './rules.js';
import { staleUdpEntries, udpServicePorts, type UdpServicePorts } from './conntrack.js';

export interface IptablesProxierOptions extends IptablesCommandOptions {
  /** Shared informers (the caller starts them), or a client for informers the proxier owns. */
  readonly informers?: InformerFactory;
  readonly client?: ApiClient;
  readonly nodeName: string;
  /** The node's addresses (informational for now: NodePorts match every local address). */
  readonly nodeIPs?: readonly string[];
  /** Pod CIDR of the cluster; traffic to ClusterIPs from outside it is masqueraded. */
  readonly clusterCIDR?: string;
  readonly masqueradeAll?: boolean;
  /** NodePorts answer on 127.0.0.1 too (sets route_localnet=1, like upstream's default). */
  readonly localhostNodePorts?: boolean;
  /** At most one sync per this many ms; changes in between are coalesced (default 100). */
  readonly minSyncPeriodMs?: number;
  /** Full resync even without changes, repairing rules someone else flushed (default 30 s, upstream's syncPeriod). */
  readonly syncPeriodMs?: number;
  /** Split restores bigger than this many lines (iptables-nft gets quadratically slower; default 4000). */
  readonly maxLinesPerRestore?: number;
  /** Set route_localnet and bridge-nf-call-iptables (default true). */
  readonly setSysctls?: boolean;
  readonly clock?: Clock;
  readonly onError?: (err: unknown) => void;
  /** Called after every successful sync (tests, metrics). */
  readonly onSync?: (result: SyncResult) => void;
}

export interface SyncResult {
  /** Full: every chain rewritten after reading iptables-save; partial: only changed service chains. */
  readonly full: boolean;
  readonly changedChains: number;
  readonly transactions: number;
  readonly servicePorts: number;
  readonly endpointChains: number;
  readonly generateMs: number;
  readonly restoreMs: number;
  readonly totalMs: number;
}

const DEFAULT_MIN_SYNC_MS = 100;
const DEFAULT_SYNC_PERIOD_MS = 30_000;
const RETRY_MS = 1000;

export class IptablesProxier {
  private readonly iptables: Iptables;
  private readonly clock: Clock;
  private readonly informers: InformerFactory;
  private readonly ownsInformers: boolean;
  private readonly services: Informer<Service & KubeObject>;
  private readonly slices: Informer<EndpointSlice & KubeObject>;
  private readonly subscriptions: Disposable[] = [];
  private readonly minSyncMs: number;
  private readonly syncPeriodMs: number;
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private dirty = false;
  private running = false;
  private lastSyncStart = 0;
  private lastResult: SyncResult | undefined;
  /** UDP service ports as the last applied rules had them (for stale conntrack entries). */
  private udpApplied: UdpServicePorts | undefined;
  /** conntrack is not installed: said once, then not tried again. */
  private conntrackMissing = false;
  /** Service chains' rules as applied; undefined forces a full sync (start, after a failure, periodically). */
  private applied: Map<string, string> | undefined;

  constructor(private readonly options: IptablesProxierOptions) {
    this.iptables = new Iptables(options);
    this.clock = options.clock ?? realClock;
    this.minSyncMs = options.minSyncPeriodMs ?? DEFAULT_MIN_SYNC_MS;
    this.syncPeriodMs = options.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    if (options.informers) {
      this.informers = options.informers;
      this.ownsInformers = false;
    } else if (options.client) {
      this.informers = new InformerFactory(options.client, this.clock, (err) => this.reportError(err));
      this.ownsInformers = true;
    } else {
      throw new Error('IptablesProxier needs informers or a client');
    }
    this.services = this.informers.informer<Service & KubeObject>(Resources.services);
    this.slices = this.informers.informer<EndpointSlice & KubeObject>(Resources.endpointslices);
  }

  get lastSync(): SyncResult | undefined {
    return this.lastResult;
  }

  /** Sets sysctls, waits for the caches, syncs once (throwing if that fails), then follows changes. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (this.options.setSysctls ?? true) await this.setSysctls();
      const requestSync = () => this.requestSync();
      this.subscriptions.push(this.services.addHandlers({ add: requestSync, update: requestSync, delete: requestSync }));
      this.subscriptions.push(this.slices.addHandlers({ add: requestSync, update: requestSync, delete: requestSync }));
      if (this.ownsInformers) this.informers.start();
      await Promise.all([this.services.synced, this.slices.synced]);
      await this.syncNow();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops following changes; with cleanup, removes every rule and chain the proxy owns. */
  async stop(options: { cleanup?: boolean } = {}): Promise<void> {
    this.running = false;
    for (const sub of this.subscriptions.splice(0)) sub.dispose();
    this.cancelTimer();
    await this.inFlight;
    if (this.ownsInformers) await this.informers.stop();
    if (options.cleanup) await cleanupIptables(this.options);
  }

  /** Regenerates and applies the rules now (after a sync already under way); full re-reads and rewrites everything. */
  async syncNow(options: { full?: boolean } = {}): Promise<SyncResult> {
    while (this.inFlight) await this.inFlight;
    if (options.full) this.applied = undefined;
    this.cancelTimer();
    // Changes until now are in the caches this sync reads.
    this.dirty = false;
    const run = this.sync();
    this.inFlight = run.then(
      () => undefined,
      () => undefined,
    );
    let failed = true;
    try {
      const result = await run;
      failed = false;
      return result;
    } finally {
      this.inFlight = undefined;
      this.scheduleAfterSync(failed);
    }
  }

  /** The rules for the current cache contents (for inspection and tests). */
  generate(): ProxyRules {
    return buildProxyRules({
      services: this.services.list(),
      endpointSlices: this.slices.list(),
      nodeName: this.options.nodeName,
      clusterCIDR: this.options.clusterCIDR,
      masqueradeAll: this.options.masqueradeAll,
      localhostNodePorts: this.options.localhostNodePorts,
    });
  }

  private async sync(): Promise<SyncResult> {
    const start = performance.now();
    this.lastSyncStart = this.clock.now();
    const rules = this.generate();
    // From the same caches as the rules: what the rules applied below do with UDP.
    const udp = udpServicePorts(this.services.list(), this.slices.list(), this.options.nodeName);
    const generated = performance.now();
    const previous = this.applied;
    // Unknown until every transaction went through.
    this.applied = undefined;
    const existing = previous ? undefined : await this.iptables.save();
    const plan = planRestore(rules, { applied: previous, existing, maxLinesPerRestore: this.options.maxLinesPerRestore, localhostNodePorts: this.options.localhostNodePorts });
    for (const transaction of plan.transactions) await this.iptables.restore(transaction);
    this.applied = plan.applied;
    await this.clearStaleUdpEntries(udp);
    const done = performance.now();
    const result: SyncResult = {
      full: !previous,
      changedChains: plan.changedChains,
      transactions: plan.transactions.length,
      servicePorts: rules.servicePorts,
      endpointChains: rules.endpointChains,
      generateMs: generated - start,
      restoreMs: done - generated,
      totalMs: done - start,
    };
    this.lastResult = result;
    this.options.onSync?.(result);
    return result;
  }

  /** After the rules changed: UDP flows to endpoints that are gone start over (see conntrack.ts). */
  private async clearStaleUdpEntries(current: UdpServicePorts): Promise<void> {
    const previous = this.udpApplied;
    this.udpApplied = current;
    if (!previous || this.conntrackMissing) return;
    for (const args of staleUdpEntries(previous, current)) {
      try {
        await this.iptables.conntrack(args);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          this.conntrackMissing = true;
          this.reportError(new Error('conntrack is not installed: stale UDP flows to removed endpoints are not cleared', { cause: err }));
          return;
        }
        this.reportError(err);
      }
    }
  }

  private requestSync(): void {
    this.dirty = true;
    // A sync under way reschedules when it ends.
    if (this.running && !this.inFlight) this.setTimer(Math.max(0, this.lastSyncStart + this.minSyncMs - this.clock.now()));
  }

  private scheduleAfterSync(failed: boolean): void {
    if (!this.running) return;
    if (failed) {
      this.dirty = true;
      this.setTimer(Math.max(RETRY_MS, this.minSyncMs));
    } else if (this.dirty) {
      this.setTimer(Math.max(0, this.lastSyncStart + this.minSyncMs - this.clock.now()));
    } else if (this.syncPeriodMs > 0) {
      this.setTimer(this.syncPeriodMs, true);
    }
  }

  private setTimer(delayMs: number, fullResync = false): void {
    this.cancelTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      // The periodic resync re-reads iptables and rewrites everything, repairing outside changes.
      if (fullResync) this.applied = undefined;
      this.syncNow().catch((err: unknown) => this.reportError(err));
    }, delayMs);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private async setSysctls(): Promise<void> {
    if (this.options.localhostNodePorts ?? true) await this.iptables.setSysctl('net.ipv4.conf.all.route_localnet', '1');
    // Replies between pods on one bridge must pass iptables to be un-DNATed; only
    // present with br_netfilter loaded, so a failure is reported, not fatal (as upstream).
    try {
      await this.iptables.setSysctl('net.bridge.bridge-nf-call-iptables', '1');
    } catch (err) {
      this.reportError(new Error('cannot set net.bridge.bridge-nf-call-iptables=1 (is br_netfilter loaded?)', { cause: err }));
    }
  }

  private reportError(err: unknown): void {
    this.options.onError?.(err);
  }
}
