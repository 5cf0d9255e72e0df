/**
 * The two sys/metrics formats Vault serves: its in-memory sink's JSON summary
 * (`Timestamp`, `Gauges`, `Points`, `Counters`, `Samples`, as go-metrics renders it) and
 * the Prometheus text exposition format (version 0.0.4), with dots in names turned into
 * underscores as Vault's Prometheus sink does.
 */
import type { Labels, MetricSet, Summary } from './collect.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** go-metrics prints times with Go's time.Time String(): `2006-01-02 15:04:05 +0000 UTC`. */
function goTime(ms: number): string {
  return `${new Date(Math.round(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** The JSON form. Counters are totals since start, so Count and Sum both carry the total. */
export function metricsJson(set: MetricSet, nowMs: number): Record<string, unknown> {
  const sampled = (s: Summary): Record<string, unknown> => ({
    Name: s.name,
    Count: s.count,
    Rate: 0,
    Sum: s.sum,
    Min: s.min,
    Max: s.max,
    Mean: s.mean,
    Stddev: s.stddev,
    Labels: s.labels,
  });
  return {
    Timestamp: goTime(nowMs),
    Gauges: set.gauges.map((g) => ({ Name: g.name, Value: g.value, Labels: g.labels })),
    Points: [],
    Counters: set.counters.map((c) => ({ Name: c.name, Count: c.value, Rate: 0, Sum: c.value, Min: c.value, Max: c.value, Mean: c.value, Stddev: 0, Labels: c.labels })),
    Samples: set.summaries.map(sampled),
  };
}

const promName = (name: string): string => name.replace(/[^a-zA-Z0-9_:]/g, '_');

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${promName(k)}="${escapeLabel(v)}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The Prometheus text form: one HELP and TYPE per family, then its samples. */
export function metricsPrometheus(set: MetricSet): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const header = (name: string, help: string, type: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  };
  const families = (items: { name: string; help: string }[]): Map<string, typeof items> => {
    const m = new Map<string, typeof items>();
    for (const it of items) m.set(it.name, [...(m.get(it.name) ?? []), it]);
    return m;
  };
  for (const [kind, items] of [
    ['gauge', set.gauges],
    ['counter', set.counters],
  ] as const) {
    for (const [name, members] of families(items)) {
      const n = promName(name);
      header(n, members[0]?.help ?? n, kind);
      for (const g of members as typeof items) lines.push(`${n}${labelText(g.labels)} ${num(g.value)}`);
    }
  }
  // One family's samples must stand together: summaries sharing a name (by labels) are sorted next to each other.
  for (const s of [...set.summaries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const n = promName(s.name);
    header(n, s.help, 'summary');
    for (const q of s.quantiles) lines.push(`${n}${labelText(s.labels, ['quantile', String(q.q)])} ${num(q.value)}`);
    lines.push(`${n}_sum${labelText(s.labels)} ${num(s.sum)}`, `${n}_count${labelText(s.labels)} ${num(s.count)}`);
  }
  return `${lines.join('\n')}\n`;
}
