/**
 * The event-loop watchdog: a server that answers nothing while one request computes is
 * the failure this makes visible. It measures event-loop delay with
 * perf_hooks.monitorEventLoopDelay (exported by sys/metrics) and runs a timer every
 * `intervalMs`; when the timer fires more than `thresholdMs` late, the loop was held for
 * that long, and a warning names the requests that were in the pipeline meanwhile
 * (operation and path only, never data).
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from '../sdk/logical.js';
import { inFlight, type InFlight } from './pipeline/in-flight.js';

export const DEFAULT_THRESHOLD_MS = 200;
const DEFAULT_INTERVAL_MS = 50;
/** Sampling resolution of the delay histogram. */
const RESOLUTION_MS = 10;
/** Request names listed in one warning; the count says how many there were. */
const MAX_NAMED = 10;

export interface WatchdogOptions {
  logger: Pick<Logger, 'warn'>;
  /** A turn held longer than this is logged. */
  thresholdMs?: number;
  intervalMs?: number;
  /** The tracker to name requests from (tests pass their own). */
  requests?: InFlight;
}

export interface LoopStats {
  thresholdMs: number;
  /** Delay percentiles since the watchdog started, in milliseconds. */
  delay: { count: number; min: number; max: number; mean: number; stddev: number; p50: number; p90: number; p99: number };
  /** Turns held longer than the threshold, and the longest one seen, in milliseconds. */
  stalls: number;
  worstStallMs: number;
  /** Share of time the loop was busy since the watchdog started (0..1). */
  utilization: number;
}

export class LoopWatchdog {
  readonly thresholdMs: number;
  private readonly intervalMs: number;
  private readonly requests: InFlight;
  private readonly histogram: IntervalHistogram;
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private stalls = 0;
  private worstStallMs = 0;
  private elu = performance.eventLoopUtilization();
  private lastElu = this.elu;

  constructor(private readonly opts: WatchdogOptions) {
    this.thresholdMs = opts.thresholdMs ?? DEFAULT_THRESHOLD_MS;
    this.intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.requests = opts.requests ?? inFlight;
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  }

  start(): this {
    if (this.timer) return this;
    this.histogram.enable();
    this.elu = performance.eventLoopUtilization();
    // Remember finished requests that ran for at least half a stall: one of them may be
    // what held the loop when the timer notices after they ended.
    this.requests.slowMs = Math.min(this.requests.slowMs, this.thresholdMs / 2);
    this.last = performance.now();
    this.lastElu = this.elu;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.histogram.disable();
  }

  stats(): LoopStats {
    const h = this.histogram;
    const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const count = h.count;
    return {
      thresholdMs: this.thresholdMs,
      delay: {
        count,
        min: count > 0 ? ms(h.min) : 0,
        max: count > 0 ? ms(h.max) : 0,
        mean: count > 0 ? ms(h.mean) : 0,
        stddev: count > 0 ? ms(h.stddev) : 0,
        p50: count > 0 ? ms(h.percentile(50)) : 0,
        p90: count > 0 ? ms(h.percentile(90)) : 0,
        p99: count > 0 ? ms(h.percentile(99)) : 0,
      },
      stalls: this.stalls,
      worstStallMs: this.worstStallMs,
      utilization: performance.eventLoopUtilization(this.elu).utilization,
    };
  }

  private tick(): void {
    const now = performance.now();
    const heldMs = now - this.last - this.intervalMs;
    const since = this.last;
    const sinceElu = this.lastElu;
    this.last = now;
    this.lastElu = performance.eventLoopUtilization();
    if (heldMs < this.thresholdMs) return;
    this.stalls++;
    this.worstStallMs = Math.max(this.worstStallMs, heldMs);
    const during = this.requests.during(since, now);
    const named = during.slice(0, MAX_NAMED).map((r) => `${r.operation} ${r.path}`);
    this.opts.logger.warn('event loop blocked', {
      blocked_ms: Math.round(heldMs),
      // Time the loop spent inside callbacks meanwhile. Far below blocked_ms: the loop
      // was waiting for events and the process was not scheduled (a busy host, CPU
      // throttling, a pause). Close to it: code held the loop, or the process lost the
      // CPU in the middle of a callback, which counts as busy too.
      busy_ms: Math.round(performance.eventLoopUtilization(this.lastElu, sinceElu).active),
      threshold_ms: this.thresholdMs,
      requests: named,
      requests_in_flight: during.length,
    });
  }
}

let current: LoopWatchdog | null = null;

/** Starts the process's watchdog (replacing a running one); sys/metrics reads it. */
export function startLoopWatchdog(opts: WatchdogOptions): LoopWatchdog {
  current?.stop();
  current = new LoopWatchdog(opts).start();
  return current;
}

/** Stops the process's watchdog, if it is this one (or any, when none is named). */
export function stopLoopWatchdog(w: LoopWatchdog | null = current): void {
  w?.stop();
  if (w === current) current = null;
}

/** The running watchdog, or null. */
export function loopWatchdog(): LoopWatchdog | null {
  return current;
}

/**
 * The warning threshold from the environment: WARD_EVENT_LOOP_WARN_MS (a positive
 * number of milliseconds), else the default. Anything else is refused, so a typo does
 * not silently leave the default in place.
 */
export function thresholdFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['WARD_EVENT_LOOP_WARN_MS'];
  if (raw === undefined || raw === '') return DEFAULT_THRESHOLD_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`WARD_EVENT_LOOP_WARN_MS must be a positive number of milliseconds, got "${raw}"`);
  return n;
}
