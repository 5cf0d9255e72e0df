/**
 * What sys/metrics reports, gathered from the process's own sources when asked: memory,
 * the event-loop watchdog (when one runs), requests in flight, the key-generation lanes
 * and the policy parser's queue. Names follow Vault's (dot-separated, `vault.` first);
 * times are in milliseconds, as Vault's timers are.
 */
import { keygenStats } from '../../sdk/helpers/keygen.js';
import { loopWatchdog } from '../loop-watchdog.js';
import { inFlight } from '../pipeline/in-flight.js';
import { policyParseQueue } from '../policy/parse-off-loop.js';

export type Labels = Record<string, string>;

export interface Gauge {
  name: string;
  help: string;
  value: number;
  labels: Labels;
}

/** A counter: a total since the process started. */
export type Counter = Gauge;

/** A distribution: count, sum, extremes and quantiles (0.5, 0.9, 0.99). */
export interface Summary {
  name: string;
  help: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  quantiles: { q: number; value: number }[];
  labels: Labels;
}

export interface MetricSet {
  gauges: Gauge[];
  counters: Counter[];
  summaries: Summary[];
}

const gauge = (name: string, help: string, value: number, labels: Labels = {}): Gauge => ({ name, help, value, labels });

export function collectMetrics(): MetricSet {
  const mem = process.memoryUsage();
  const gauges: Gauge[] = [
    gauge('vault.runtime.alloc_bytes', 'Bytes of JavaScript heap in use.', mem.heapUsed),
    gauge('vault.runtime.sys_bytes', 'Resident set size of the process, in bytes.', mem.rss),
    gauge('vault.runtime.external_bytes', 'Bytes held outside the JavaScript heap (buffers).', mem.external),
    gauge('vault.core.in_flight_requests', 'Requests in the request pipeline now.', inFlight.size),
    gauge('vault.ward.policy.parse_queue', 'Large policy documents waiting for or in the parser thread.', policyParseQueue()),
  ];
  // Request counts are the `_count` of the vault.core.handle_request summary (registry.ts).
  const counters: Counter[] = [];
  for (const lane of keygenStats()) {
    const labels = { lane: lane.name };
    gauges.push(gauge('vault.ward.keygen.running', 'Key generations running, per lane.', lane.running, labels));
    gauges.push(gauge('vault.ward.keygen.waiting', 'Key generations waiting for their lane.', lane.waiting, labels));
    counters.push(gauge('vault.ward.keygen.completed', 'Key generations finished, per lane.', lane.completed, labels));
    counters.push(gauge('vault.ward.keygen.rejected', 'Key generations refused because the lane was full.', lane.rejected, labels));
  }
  const summaries: Summary[] = [];
  const w = loopWatchdog();
  if (w) {
    const s = w.stats();
    gauges.push(gauge('vault.runtime.event_loop.delay_max_ms', 'Longest event-loop delay seen, in ms.', s.delay.max));
    gauges.push(gauge('vault.runtime.event_loop.utilization', 'Share of time the event loop was busy (0..1).', s.utilization));
    gauges.push(gauge('vault.runtime.event_loop.stall_threshold_ms', 'A turn held longer than this is a stall, in ms.', s.thresholdMs));
    counters.push(gauge('vault.runtime.event_loop.stalls', 'Turns of the event loop held longer than the stall threshold.', s.stalls));
    summaries.push({
      name: 'vault.runtime.event_loop.delay_ms',
      help: 'Event-loop delay, sampled every 10 ms, in ms.',
      count: s.delay.count,
      sum: s.delay.mean * s.delay.count,
      min: s.delay.min,
      max: s.delay.max,
      mean: s.delay.mean,
      stddev: s.delay.stddev,
      quantiles: [
        { q: 0.5, value: s.delay.p50 },
        { q: 0.9, value: s.delay.p90 },
        { q: 0.99, value: s.delay.p99 },
      ],
      labels: {},
    });
  }
  return { gauges, counters, summaries };
}
