/**
 * The process's timers and counters, fed from the request path. Process-wide, as go-metrics'
 * global sink is in Vault: every core in the process shares it, so tests compare deltas.
 *
 * Cost on the hot path is the point of this file: a handle is looked up once (or kept in a
 * constant) and an observation is a few arithmetic operations on numbers and one typed-array
 * increment; names are built only when a series is first seen, never per request. Quantiles
 * are estimated at scrape time from log-scale buckets (about 19% wide), which is what keeps
 * the observation O(1) without storing samples.
 */

/**
 * Buckets over whole microseconds: 0-3 µs each their own, then four per power of two
 * (each at most 25% wide), found with Math.clz32 rather than a logarithm; values past
 * 2^31 µs (about 36 minutes) share the last.
 */
const BUCKETS = 31 * 4;
const MAX_US = 0x7fffffff;

function bucketOf(ms: number): number {
  const us = ms >= MAX_US / 1000 ? MAX_US : (ms * 1000) | 0;
  if (us < 4) return us < 0 ? 0 : us;
  const e = 31 - Math.clz32(us);
  return e * 4 + ((us >>> (e - 2)) & 3);
}

/** The exclusive upper edge of bucket `i`, in ms. */
function upperEdgeMs(i: number): number {
  if (i < 4) return (i + 1) / 1000;
  const e = i >> 2;
  return ((5 + (i & 3)) * 2 ** (e - 2)) / 1000;
}

export class Timing {
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;
  sumSq = 0;
  readonly buckets = new Uint32Array(BUCKETS);
  /** Set at scrape time: when the count last moved (prometheus_retention_time drops idle series). */
  seenCount = 0;
  changedAt = 0;

  constructor(
    readonly name: string,
    readonly labels: Readonly<Record<string, string>>,
  ) {}

  observe(ms: number): void {
    const v = ms > 0 ? ms : 0;
    this.count++;
    this.sum += v;
    this.sumSq += v * v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.buckets[bucketOf(v)]!++;
  }

  /**
   * An operation too quick to be worth two clock reads (a barrier cache hit, a map
   * lookup): counted with a duration of zero, so counts and rates stay exact.
   */
  observeInstant(): void {
    this.count++;
    this.min = 0;
    this.buckets[0]!++;
  }

  /** The q-quantile, as the upper edge of the bucket holding it (capped by the largest value seen). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i === BUCKETS - 1 ? this.max : Math.min(this.max, upperEdgeMs(i));
    }
    return this.max;
  }
}

/** A total since the process started. */
export class Count {
  value = 0;
  seenCount = 0;
  changedAt = 0;

  constructor(
    readonly name: string,
    readonly labels: Readonly<Record<string, string>>,
  ) {}

  inc(by = 1): void {
    this.value += by;
  }
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Vault names a route's timer after the mount with its slashes as dashes: `secret/` → `secret-`. */
export const routeMetricName = (operation: string, mountPrefix: string): string => `vault.route.${operation}.${mountPrefix.replace(/\//g, '-')}`;

export class MetricsRegistry {
  private readonly timings = new Map<string, Timing>();
  private readonly counts = new Map<string, Count>();
  /** operation → mount prefix → timer: two map lookups per request. */
  private readonly routes = new Map<string, Map<string, Timing>>();

  readonly handleRequest = this.timing('vault.core.handle_request');
  readonly handleLoginRequest = this.timing('vault.core.handle_login_request');

  /** The timer called `name`; made on first use. Keep the handle: this lookup is not for the hot path. */
  timing(name: string, labels: Readonly<Record<string, string>> = NO_LABELS): Timing {
    const key = seriesKey(name, labels);
    let t = this.timings.get(key);
    if (!t) {
      t = new Timing(name, labels);
      this.timings.set(key, t);
    }
    return t;
  }

  count(name: string, labels: Readonly<Record<string, string>> = NO_LABELS): Count {
    const key = seriesKey(name, labels);
    let c = this.counts.get(key);
    if (!c) {
      c = new Count(name, labels);
      this.counts.set(key, c);
    }
    return c;
  }

  /** One finished request: its core timer and its route's (`mountPrefix` null: no mount matched). */
  request(operation: string, mountPrefix: string | null, login: boolean, ms: number): void {
    (login ? this.handleLoginRequest : this.handleRequest).observe(ms);
    if (mountPrefix === null) return;
    let byMount = this.routes.get(operation);
    if (!byMount) {
      byMount = new Map();
      this.routes.set(operation, byMount);
    }
    let t = byMount.get(mountPrefix);
    if (!t) {
      t = this.timing(routeMetricName(operation, mountPrefix));
      byMount.set(mountPrefix, t);
    }
    t.observe(ms);
  }

  allTimings(): Iterable<Timing> {
    return this.timings.values();
  }

  allCounts(): Iterable<Count> {
    return this.counts.values();
  }
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  return `${name}{${keys
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

/** The process's registry. */
export const metrics = new MetricsRegistry();

/** Fixed series, bound once so their call sites cost no lookup. */
export const barrierTimers = {
  get: metrics.timing('vault.barrier.get'),
  put: metrics.timing('vault.barrier.put'),
  list: metrics.timing('vault.barrier.list'),
  delete: metrics.timing('vault.barrier.delete'),
};

export const auditTimers = {
  logRequest: metrics.timing('vault.audit.log_request'),
  logResponse: metrics.timing('vault.audit.log_response'),
  logRequestFailure: metrics.count('vault.audit.log_request_failure'),
  logResponseFailure: metrics.count('vault.audit.log_response_failure'),
};

export const expireTimers = {
  revoke: metrics.timing('vault.expire.revoke'),
  /** Leases (and token expiries) that ran out and were revoked. */
  expired: metrics.count('vault.expire.lease.expiration'),
};

/** Vault's names for the storage backends' timers (`vault.postgres.get`); the rest keep their own name. */
const STORE_METRIC_NAMES: Record<string, string> = { postgresql: 'postgres' };

export interface StoreTimers {
  get: Timing;
  put: Timing;
  list: Timing;
  delete: Timing;
  transaction: Timing;
}

/** The timers of a storage backend named `storeName` (`sqlite`, `postgresql`, `etcd`, `inmem`). */
export function storeTimers(storeName: string): StoreTimers {
  const n = STORE_METRIC_NAMES[storeName] ?? storeName;
  return {
    get: metrics.timing(`vault.${n}.get`),
    put: metrics.timing(`vault.${n}.put`),
    list: metrics.timing(`vault.${n}.list`),
    delete: metrics.timing(`vault.${n}.delete`),
    transaction: metrics.timing(`vault.${n}.transaction`),
  };
}
