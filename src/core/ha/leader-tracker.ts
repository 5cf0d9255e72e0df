/**
 * A standby's view of the active node: who holds the lock, what its advertisement says,
 * and a cluster connection to it. Refreshed on a timer and whenever a forward fails, so a
 * change of active is followed within one refresh period or one failed request.
 */
import type { Logger } from '../../sdk/logical.js';
import type { HaLock } from '../../storage/physical.js';
import type { ForwardRequest, ForwardResponse, StandbyRoute } from '../api-types.js';
import { ClusterClient, NotDeliveredError } from './cluster-client.js';
import { readAdvert, type AdvertStorage, type LeaderAdvert } from './leader-advert.js';
import type { EchoInfo } from './wire.js';

interface Known {
  id: string;
  advert: LeaderAdvert;
  client: ClusterClient | null;
}

export interface LeaderTrackerOptions {
  lock: HaLock;
  storage: AdvertStorage;
  selfId: string;
  /** False with `disable_clustering`: no cluster connection, redirects only. */
  clustering: boolean;
  logger: Logger;
}

export class LeaderTracker {
  private known: Known | null = null;
  /** When a heartbeat last reached the active node (epoch ms; 0 = never). */
  lastEchoAt = 0;
  /** One lookup at a time; concurrent callers share it. */
  private looking: Promise<Known | null> | null = null;

  constructor(private readonly o: LeaderTrackerOptions) {
    this.route = {
      forwarding: o.clustering,
      activeApiAddr: async () => (await this.current())?.advert.apiAddr ?? null,
      forward: (r) => this.forward(r),
    };
  }

  /** The active node as last seen, looked up when unknown. */
  current(): Promise<Known | null> {
    if (this.known !== null) return Promise.resolve(this.known);
    return this.refresh();
  }

  /** Looks the active node up again (the lock's value, then its advertisement). */
  refresh(): Promise<Known | null> {
    this.looking ??= this.lookup().finally(() => (this.looking = null));
    return this.looking;
  }

  private async lookup(): Promise<Known | null> {
    let id: string | null;
    let advert: LeaderAdvert | null = null;
    try {
      id = await this.o.lock.value();
      // Our own id: we hold (or just held) the lock but are not serving; nobody to send to.
      if (id !== null && id !== this.o.selfId) advert = this.known?.id === id ? this.known.advert : await readAdvert(this.o.storage, id);
    } catch (e) {
      this.o.logger.warn('ha: cannot look up the active node', { error: e instanceof Error ? e.message : String(e) });
      id = null;
    }
    if (id === null || advert === null) {
      this.set(null);
      return null;
    }
    if (this.known?.id === id) return this.known;
    this.set({ id, advert, client: this.o.clustering && advert.clusterAddr !== '' ? new ClusterClient(advert) : null });
    return this.known;
  }

  private set(k: Known | null): void {
    if (this.known !== null && this.known !== k) this.known.client?.close();
    this.known = k;
  }

  /** Sends a heartbeat to the active node; a failure makes the next request look it up again. */
  async echo(info: EchoInfo): Promise<boolean> {
    const k = await this.current();
    if (k?.client == null) return false;
    try {
      await k.client.echo(info);
      this.lastEchoAt = Date.now();
      return true;
    } catch {
      if (this.known === k) this.set(null);
      return false;
    }
  }

  private async forward(r: ForwardRequest): Promise<ForwardResponse> {
    let k = await this.current();
    for (let attempt = 0; ; attempt++) {
      if (k?.client == null) throw new NotDeliveredError('no active node to forward to');
      try {
        return await k.client.forward(r);
      } catch (e) {
        // Only a request that surely did nothing is sent again, to the active as now known.
        if (!(e instanceof NotDeliveredError) || attempt > 0) throw e;
        if (this.known === k) this.set(null);
        k = await this.refresh();
      }
    }
  }

  readonly route: StandbyRoute;

  /** The active node's addresses as last known (for sys/leader on a standby). */
  async leaderAddresses(): Promise<{ apiAddr: string; clusterAddr: string } | null> {
    const k = await this.current();
    return k === null ? null : { apiAddr: k.advert.apiAddr, clusterAddr: k.advert.clusterAddr };
  }

  close(): void {
    this.set(null);
  }
}
