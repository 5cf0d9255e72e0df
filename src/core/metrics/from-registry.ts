/**
 * The registry's timers and counters as summaries and counters to render. A series whose
 * count has not moved for `retentionMs` is left out, as Vault's Prometheus sink forgets
 * series older than `prometheus_retention_time`; the check runs at scrape time, so the
 * request path never reads a clock for it.
 */
import type { Counter, Summary } from './collect.js';
import { metrics, type Count, type Timing } from './registry.js';

const QUANTILES = [0.5, 0.9, 0.99];

function fresh(s: Timing | Count, current: number, nowMs: number, retentionMs: number): boolean {
  if (s.changedAt === 0 || current !== s.seenCount) {
    s.seenCount = current;
    s.changedAt = nowMs;
  }
  return nowMs - s.changedAt <= retentionMs;
}

function summaryOf(t: Timing): Summary {
  const mean = t.count === 0 ? 0 : t.sum / t.count;
  const variance = t.count < 2 ? 0 : Math.max(0, (t.sumSq - t.count * mean * mean) / (t.count - 1));
  return {
    name: t.name,
    help: `${t.name} in milliseconds.`,
    count: t.count,
    sum: t.sum,
    min: t.count === 0 ? 0 : t.min,
    max: t.max,
    mean,
    stddev: Math.sqrt(variance),
    quantiles: QUANTILES.map((q) => ({ q, value: t.quantile(q) })),
    labels: { ...t.labels },
  };
}

export function registrySet(nowMs: number, retentionMs: number): { summaries: Summary[]; counters: Counter[] } {
  const summaries: Summary[] = [];
  const counters: Counter[] = [];
  for (const t of metrics.allTimings()) {
    // A timer never observed has no quantiles to give; Vault's sinks show a series only once used.
    if (t.count === 0 || !fresh(t, t.count, nowMs, retentionMs)) continue;
    summaries.push(summaryOf(t));
  }
  for (const c of metrics.allCounts()) {
    if (!fresh(c, c.value, nowMs, retentionMs)) continue;
    counters.push({ name: c.name, help: `${c.name}: a total since the process started.`, value: c.value, labels: { ...c.labels } });
  }
  return { summaries, counters };
}
