/**
 * The usage gauges that read stored state (token counts read every token entry; leases by
 * mount walk every scheduled lease) are collected every `usage_gauge_period` (Vault's
 * telemetry setting, default 10m; "none" turns them off), never per scrape: a scrape
 * serves the last collection, so its cost does not grow with the number of tokens.
 *
 * The one mechanism, keyed on what invalidates it: the values belong to one set of
 * subsystems (one unseal / one promotion). The first scrape after they appear collects
 * at once (and waits for it, so a fresh node never reports stale or empty counts); a timer
 * then refreshes every period in the background. When the core's subsystems change (seal,
 * step-down, a new unseal) the timer stops at its next turn and the next scrape starts over.
 * Unlike Vault, which starts after a random delay to spread nodes' collections, the first
 * collection is not delayed: a node is scraped by its own Prometheus job anyway.
 */
import type { Gauge } from './collect.js';

interface Round<S> {
  subs: S;
  periodMs: number;
  gauges: Gauge[];
  timer: NodeJS.Timeout;
  running: Promise<void> | null;
}

export class PeriodicUsage<S extends object> {
  private round: Round<S> | null = null;
  private first: { subs: S; gauges: Promise<Gauge[]> } | null = null;

  constructor(
    /** The core's subsystems now (null while sealed): a round for others is over. */
    private readonly current: () => object | null,
    private readonly collect: (subs: S) => Promise<Gauge[]>,
  ) {}

  /** The last collection for `subs`; `periodSeconds` 0 ("none") means no usage gauges. */
  async gauges(subs: S, periodSeconds: number): Promise<Gauge[]> {
    if (periodSeconds <= 0) return [];
    const r = this.round;
    if (r && r.subs === subs && r.periodMs === periodSeconds * 1000) return r.gauges;
    // Concurrent first scrapes (for the same subsystems) share one collection.
    if (this.first?.subs === subs) return this.first.gauges;
    const first = {
      subs,
      gauges: this.start(subs, periodSeconds * 1000).finally(() => {
        if (this.first === first) this.first = null;
      }),
    };
    this.first = first;
    return first.gauges;
  }

  /** Resolves when a background refresh in flight has finished (tests). */
  async settled(): Promise<void> {
    await this.round?.running;
  }

  stop(): void {
    if (this.round) clearInterval(this.round.timer);
    this.round = null;
  }

  private async start(subs: S, periodMs: number): Promise<Gauge[]> {
    const gauges = await this.collect(subs);
    this.stop();
    const round: Round<S> = { subs, periodMs, gauges, timer: setInterval(() => this.refresh(round), periodMs), running: null };
    round.timer.unref();
    this.round = round;
    return gauges;
  }

  private refresh(round: Round<S>): void {
    if (this.current() !== round.subs || this.round !== round) {
      clearInterval(round.timer);
      if (this.round === round) this.round = null;
      return;
    }
    if (round.running) return;
    round.running = this.collect(round.subs)
      .then(
        (g) => {
          round.gauges = g;
        },
        // The store can seal under a collection: keep the last values; the next turn decides.
        () => undefined,
      )
      .finally(() => {
        round.running = null;
      });
  }
}
