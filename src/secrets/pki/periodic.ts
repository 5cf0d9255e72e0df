/**
 * The mount's periodic work, as Vault's PKI periodic function: automatic tidy on its
 * interval, signing any CRL still missing (at once when the mount loads), re-signing
 * auto-rebuilt CRLs inside their grace period, and delta CRLs on their rebuild interval.
 * One timer per mounted copy, stopped on unmount or seal; never on a read-only copy (a
 * performance standby), whose active node does the writing.
 */
import type { Logger, SystemView } from '../../sdk/logical.js';
import { getJSON, type Storage } from '../../sdk/storage.js';
import { crlSigningIssuers, ensureCrls, rebuildCrl, rebuildDeltaCrl } from './crl.js';
import { crlTimes, readCrlConfig } from './crl-config.js';
import { crlPath, deltaCrlPath, type CrlRecord } from './store.js';
import { readAutoTidy } from './tidy-config.js';
import type { Tidier } from './tidy.js';

/** Vault runs its PKI periodic function about once a minute. */
export const DEFAULT_TICK_MS = 60_000;

/** Timers running in this process, across mounts: lets tests see that unmount and seal stop them. */
let live = 0;
export const livePeriodicTimers = (): number => live;

export class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly tidier: Tidier,
    private readonly system: SystemView,
    private readonly logger: Logger,
  ) {}

  get active(): boolean {
    return this.timer !== null;
  }

  start(tickMs: number): void {
    if (this.timer || this.system.readOnly?.() === true) return;
    this.timer = setInterval(() => this.run(() => this.tick()), tickMs);
    this.timer.unref();
    live++;
    // A mount written before CRLs were signed eagerly may lack some: sign them now, not on a fetch.
    setImmediate(() => {
      if (this.timer) this.run(() => ensureCrls(this.storage));
    });
  }

  /** One piece of work at a time: a slow rebuild must not pile up. */
  private run(work: () => Promise<void>): void {
    if (this.current) return;
    this.current = work()
      .catch((e: unknown) => this.logger.warn('pki periodic work failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.current = null;
      });
  }

  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      live--;
    }
    this.timer = null;
    await this.current;
  }

  async tick(now = Date.now()): Promise<void> {
    const s = this.storage;
    const auto = await readAutoTidy(s);
    if (auto.enabled && !this.tidier.running && now >= this.tidier.lastFinished + auto.interval_duration * 1000) {
      this.tidier.start(s, auto);
    }
    await ensureCrls(s, now);
    const config = await readCrlConfig(s);
    if (!config.auto_rebuild) return;
    const t = crlTimes(config);
    for (const issuer of await crlSigningIssuers(s)) {
      const complete = await getJSON<CrlRecord>(s, crlPath(issuer.id));
      if (!complete || now >= (complete.nextUpdate ?? 0) - t.grace * 1000) {
        await rebuildCrl(s, issuer, now);
        continue;
      }
      if (!config.enable_delta) continue;
      const delta = await getJSON<CrlRecord>(s, deltaCrlPath(issuer.id));
      if (!delta || now >= (delta.thisUpdate ?? 0) + t.deltaInterval * 1000) await rebuildDeltaCrl(s, issuer, now);
    }
  }
}
