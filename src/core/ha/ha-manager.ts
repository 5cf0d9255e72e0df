/**
 * The active/standby state machine of one unsealed node. A standby tries for the HA lock
 * (`core/lock`) forever; holding it, the node activates (the core loads everything from
 * storage), advertises itself inside the barrier and serves. It steps down when the lock
 * is lost (at once: the engine fences its writes anyway), on `sys/step-down` (then it
 * waits a back-off so another node takes over) and on seal.
 */
import { sleep } from '../../lib/sleep.js';
import { hostname } from 'node:os';
import type { Logger } from '../../sdk/logical.js';
import { uuid } from '../../lib/ids.js';
import type { HaBackend, HeldLock } from '../../storage/physical.js';
import { WARD_VERSION, type StandbyRoute } from '../api-types.js';
import { generateClusterCert } from './cluster-cert.js';
import type { ClusterListener } from './cluster-listener.js';
import { clearOtherAdverts, LEADER_PREFIX, writeAdvert, type AdvertStorage } from './leader-advert.js';
import { LeaderTracker } from './leader-tracker.js';
import { NodeTable, type HaStatusNode } from './node-table.js';
import type { EchoInfo } from './wire.js';

export const LOCK_KEY = 'core/lock';

export interface HaManagerOptions {
  backend: HaBackend;
  /** The barrier: advertisements live inside it. */
  storage: AdvertStorage;
  logger: Logger;
  apiAddr: string;
  /** `https://host:port` of this node's cluster listener; '' with clustering disabled. */
  clusterAddr: string;
  clusterListener: ClusterListener | null;
  /** After sys/step-down, how long this node leaves the lock to the others. Default 10 s (Vault's). */
  stepDownBackoffMs?: number;
  /** Standby heartbeat and leader refresh period. Default 2 s. */
  echoIntervalMs?: number;
  /** Loads everything from storage and starts serving (the core's subsystems). */
  activate(): Promise<void>;
  /**
   * Stops serving; its first step must stop new requests synchronously. `graceful` (step-down,
   * seal): requests in flight may finish first; not after a lost lock.
   */
  deactivate(graceful: boolean): Promise<void>;
}

type Wake = 'stepdown' | 'stop' | 'fenced';

export interface LeaderView {
  isSelf: boolean;
  leaderAddress: string;
  leaderClusterAddress: string;
  /** Epoch ms; 0 unless this node is active. */
  activeSince: number;
}

export class HaManager {
  readonly nodeId = uuid();
  private state: 'standby' | 'activating' | 'active' = 'standby';
  private activeSince = 0;
  private stopped = false;
  private readonly abort = new AbortController();
  private wake: (w: Wake) => void = () => {};
  private loop: Promise<void> = Promise.resolve();
  private backoffUntil = 0;
  private readonly tracker: LeaderTracker;
  private readonly nodes: NodeTable;
  private readonly echoMs: number;
  private echoTimer: NodeJS.Timeout | undefined;
  /** See stop(). */
  private whileHolding: (() => Promise<void>) | null = null;
  /** When this node last became a standby (epoch ms). */
  private standbySince = Date.now();

  constructor(private readonly o: HaManagerOptions) {
    this.echoMs = o.echoIntervalMs ?? 2000;
    this.nodes = new NodeTable(Math.max(30_000, this.echoMs * 5));
    this.tracker = new LeaderTracker({ lock: o.backend.lock(LOCK_KEY, this.nodeId), storage: o.storage, selfId: this.nodeId, clustering: o.clusterAddr !== '', logger: o.logger });
  }

  start(): void {
    this.loop = this.run();
    this.echoTimer = setInterval(() => void this.heartbeat(), this.echoMs);
    this.echoTimer.unref();
  }

  isActive(): boolean {
    return this.state === 'active';
  }

  /** How the HTTP layer reaches the active node; null while this node is active. */
  standbyRoute(): StandbyRoute | null {
    return this.state === 'active' ? null : this.tracker.route;
  }

  /** Gives up the lock (if held) once the current response is on its way; returns at once. */
  requestStepDown(): void {
    setImmediate(() => {
      if (this.state !== 'standby') this.wake('stepdown');
    });
  }

  /** The store refused a write: the holding is over whatever the lock's own signal says yet. */
  fenced(): void {
    if (this.state !== 'standby') {
      this.o.logger.warn('ha: the store refused a write (another node holds the lock); stepping down');
      this.wake('fenced');
    }
  }

  /**
   * Steps down if active, stops trying for the lock, and waits until all that is done.
   * `whileHolding` runs after this node stopped serving but before it lets the lock go, and
   * only if it held the lock: a snapshot restore is applied then, so no other node can
   * take over a half-restored store (and the engine still accepts this node's writes).
   * Returns whether it ran.
   */
  async stop(whileHolding?: () => Promise<void>): Promise<boolean> {
    let ran = false;
    this.whileHolding = whileHolding
      ? () => {
          ran = true;
          return whileHolding();
        }
      : null;
    this.stopped = true;
    clearInterval(this.echoTimer);
    this.abort.abort();
    this.wake('stop');
    await this.loop;
    this.tracker.close();
    return ran;
  }

  async leader(): Promise<LeaderView> {
    if (this.state === 'active') return { isSelf: true, leaderAddress: this.o.apiAddr, leaderClusterAddress: this.o.clusterAddr, activeSince: this.activeSince };
    const l = await this.tracker.current();
    return { isSelf: false, leaderAddress: l?.advert.apiAddr ?? '', leaderClusterAddress: l?.advert.clusterAddr ?? '', activeSince: 0 };
  }

  /**
   * A standby's link to the active (sys/health): healthy while heartbeats land within three
   * periods. Null on the active node and without clustering (no heartbeats to judge by).
   */
  connectionHealth(now = Date.now()): { healthy: boolean; sinceLastHeartbeatMs: number } | null {
    if (this.state === 'active' || this.o.clusterAddr === '') return null;
    // A node that just became a standby has had no chance to send one yet: judged from then.
    const last = Math.max(this.tracker.lastEchoAt, this.standbySince);
    const since = now - last;
    return { healthy: since <= this.echoMs * 3, sinceLastHeartbeatMs: this.tracker.lastEchoAt === 0 ? 0 : now - this.tracker.lastEchoAt };
  }

  haStatus(): HaStatusNode[] {
    return this.nodes.list(this.selfInfo());
  }

  recordEcho(info: EchoInfo): void {
    if (this.state === 'active') this.nodes.record(info);
  }

  private selfInfo(): Omit<EchoInfo, 'node_id'> {
    return { hostname: hostname(), api_address: this.o.apiAddr, cluster_address: this.o.clusterAddr, version: WARD_VERSION };
  }

  private async heartbeat(): Promise<void> {
    if (this.state !== 'standby' || this.stopped) return;
    // Also keeps the view of the active fresh when the active changed quietly.
    if (!(await this.tracker.echo({ node_id: this.nodeId, ...this.selfInfo() }))) await this.tracker.refresh();
  }

  private async run(): Promise<void> {
    const lock = this.o.backend.lock(LOCK_KEY, this.nodeId);
    while (!this.stopped) {
      const wait = this.backoffUntil - Date.now();
      if (wait > 0) {
        await sleep(wait, this.abort.signal);
        continue;
      }
      let held: HeldLock;
      try {
        held = await lock.acquire(this.abort.signal);
      } catch (e) {
        if (this.stopped) break;
        this.o.logger.error('ha: cannot acquire the lock; retrying', { error: e instanceof Error ? e.message : String(e) });
        await sleep(1000, this.abort.signal);
        continue;
      }
      const woken = new Promise<Wake>((resolve) => (this.wake = resolve));
      if (this.stopped) this.wake('stop');
      const reason = await this.serveWhileHeld(held, woken);
      if (reason === 'stepdown') this.backoffUntil = Date.now() + (this.o.stepDownBackoffMs ?? 10_000);
    }
  }

  /** Activates and serves until the lock is lost or a step-down/stop arrives; returns why it ended. */
  private async serveWhileHeld(held: HeldLock, woken: Promise<Wake>): Promise<Wake | 'lost' | 'failed'> {
    const lost = held.lost.then(() => 'lost' as const);
    // Lost means lost now: requests go to the new active from this moment, even when the
    // subsystems are still being started or stopped.
    void lost.then(() => {
      if (this.state === 'standby') return;
      this.o.logger.warn('ha: lost the HA lock; stepping down');
      this.state = 'standby';
      this.standbySince = Date.now();
      this.o.clusterListener?.setIdentity(null);
    });
    let reason: Wake | 'lost' | 'failed';
    try {
      this.state = 'activating';
      await this.activate();
      reason = await Promise.race([lost, woken]);
    } catch (e) {
      this.o.logger.error('ha: failed to become active; stepping down', { error: e instanceof Error ? e.message : String(e) });
      reason = 'failed';
    }
    const ours = reason !== 'lost' && reason !== 'fenced';
    await this.deactivate(ours);
    if (reason === 'stop' && this.whileHolding !== null) {
      const work = this.whileHolding;
      this.whileHolding = null;
      // Its failure is the caller's to report (stop() hands the work over); the lock goes anyway.
      await work().catch(() => undefined);
    }
    // Released even when fenced: that stops the store's renewals of a holding already gone.
    if (reason !== 'lost') await held.release().catch(() => undefined);
    if (reason === 'failed') await sleep(1000, this.abort.signal);
    return reason;
  }

  private async activate(): Promise<void> {
    this.o.logger.info('ha: acquired the lock; becoming active', { node_id: this.nodeId });
    await this.o.activate();
    const cert = await generateClusterCert();
    const now = Date.now();
    await clearOtherAdverts(this.o.storage, this.nodeId);
    await writeAdvert(this.o.storage, this.nodeId, { apiAddr: this.o.apiAddr, clusterAddr: this.o.clusterAddr, activeSince: now, ...cert });
    this.o.clusterListener?.setIdentity(cert);
    this.nodes.reset();
    this.activeSince = now;
    if (this.state === 'activating') this.state = 'active';
    this.tracker.close();
    this.o.logger.info('ha: this node is active', { api_addr: this.o.apiAddr, cluster_addr: this.o.clusterAddr });
  }

  /** `clean`: the lock is still ours, so the advertisement can be removed (a fenced write). */
  private async deactivate(clean: boolean): Promise<void> {
    this.state = 'standby';
    this.standbySince = Date.now();
    this.activeSince = 0;
    this.o.clusterListener?.setIdentity(null);
    if (clean) await this.o.storage.delete(LEADER_PREFIX + this.nodeId).catch(() => undefined);
    await this.o.deactivate(clean);
    this.nodes.reset();
    this.o.logger.info('ha: this node is a standby');
  }
}

