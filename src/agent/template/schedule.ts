/**
 * When to refresh a secret a template read (pure; tested with a fixed clock and random).
 * Renewable leases are renewed at about two thirds of their duration and re-fetched once
 * renewal stops extending them; everything else is re-fetched at a fraction (90% ± 5%)
 * of a base that depends on the kind of secret.
 */
import type { LeaseMeta } from './fetch.js';

/** What to do next for one dependency, and after how many milliseconds. */
export type Refresh = { action: 'renew' | 'fetch'; delayMs: number };

export type PlanOptions = {
  /** `static_secret_render_interval` in ms: the base for data without a lease (KV v2). */
  staticMs: number;
  nowMs: number;
  /** Uniform in [0, 1); injected so tests are deterministic. */
  random: () => number;
  /** Fraction of a non-renewable lease after which it is re-fetched; default 0.9. */
  threshold?: number;
};

const RENEW_FRACTION = 2 / 3;

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** `threshold ± 0.05`, drawn from `random`. */
function fraction(o: PlanOptions): number {
  return (o.threshold ?? 0.9) - 0.05 + o.random() * 0.1;
}

/** Renewal of a renewable lease: two thirds of it, minus up to 10% jitter so replicas spread out. */
export function renewDelayMs(leaseSeconds: number, random: () => number): number {
  return Math.max(0, leaseSeconds * 1000 * RENEW_FRACTION * (0.9 + random() * 0.1));
}

/** The next refresh after a fetch. */
export function planAfterFetch(m: LeaseMeta, o: PlanOptions): Refresh {
  if (m.renewable && m.leaseId !== '' && m.leaseDuration > 0) return { action: 'renew', delayMs: renewDelayMs(m.leaseDuration, o.random) };
  const d = m.data ?? {};
  if (m.leaseId === '' && d['rotation_period'] !== undefined) {
    // Rotating static credentials carry their own countdown; no fraction, one second of slack.
    const ttl = num(d['ttl']) ?? 0;
    return { action: 'fetch', delayMs: ttl > 0 ? (ttl + 1) * 1000 : o.staticMs };
  }
  let baseMs = o.staticMs;
  if (m.leaseDuration > 0) baseMs = m.leaseDuration * 1000;
  else if (m.leaseId === '' && typeof d['certificate'] === 'string' && num(d['expiration']) !== undefined) {
    baseMs = Math.max(0, (num(d['expiration']) ?? 0) * 1000 - o.nowMs);
  } else if (m.leaseId === '' && d['secret_id'] !== undefined && (num(d['secret_id_ttl']) ?? 0) > 0) {
    baseMs = ((num(d['secret_id_ttl']) ?? 0) + 1) * 1000;
  }
  return { action: 'fetch', delayMs: baseMs * fraction(o) };
}

/**
 * The next step after a successful renewal. When the server granted less than was asked
 * (max TTL near), renewing again cannot help: fetch new credentials before this lease ends.
 */
export function planAfterRenew(requestedSeconds: number, granted: { leaseDuration: number; renewable: boolean }, o: PlanOptions): Refresh {
  if (granted.renewable && granted.leaseDuration >= requestedSeconds && granted.leaseDuration > 0) {
    return { action: 'renew', delayMs: renewDelayMs(granted.leaseDuration, o.random) };
  }
  return { action: 'fetch', delayMs: granted.leaseDuration * 1000 * fraction(o) };
}
