/**
 * TTL arithmetic shared by leases and tokens. Every grant is measured from "now" but can
 * never reach past `start + max`; the max is the smallest of the limits that apply
 * (system/mount, backend or role, explicit). Periodic grants ignore the accumulated max
 * unless an explicit max was set.
 */
import { badRequest } from '../../sdk/errors.js';
import { formatDuration } from '../../lib/duration.js';

export interface TtlInput {
  /** Epoch ms of this grant. */
  now: number;
  /** Epoch ms the lease or token was first issued. */
  start: number;
  /** Requested seconds (renew increment or create `ttl`); 0 = not requested. */
  increment: number;
  /** Backend or role default seconds; 0 = none. */
  backendTtl: number;
  /** Mount default seconds, used when neither of the above is set. */
  defaultTtl: number;
  period: number;
  /** Backend or role max seconds; 0 = none. */
  backendMaxTtl: number;
  explicitMaxTtl: number;
  /** Mount (already capped by the system) max seconds; 0 = none. */
  maxTtl: number;
}

export interface TtlResult {
  ttl: number;
  warnings: string[];
}

export const PAST_MAX_TTL = 'past the max TTL, cannot renew';

/** Smallest positive value among the limits; 0 when none applies. */
export function minPositive(...values: number[]): number {
  let out = 0;
  for (const v of values) if (v > 0 && (out === 0 || v < out)) out = v;
  return out;
}

/** Go-style duration as Vault prints it inside warnings. */
export const goDuration = (secs: number): string => formatDuration(secs);

export function cappedWarning(ttl: number, max: number): string {
  return `TTL of "${goDuration(ttl)}" exceeded the effective max_ttl of "${goDuration(max)}"; TTL value is capped accordingly`;
}

/** Throws 400 `past the max TTL, cannot renew` when the ceiling has been reached. */
export function calculateTtl(i: TtlInput): TtlResult {
  const warnings: string[] = [];
  const max = minPositive(i.maxTtl, i.backendMaxTtl, i.explicitMaxTtl);
  const remainingUntil = (limitSecs: number): number => Math.floor((i.start + limitSecs * 1000 - i.now) / 1000);

  if (i.period > 0) {
    let ttl = i.period;
    if (max > 0 && ttl > max) {
      warnings.push(`period of "${goDuration(ttl)}" exceeded the effective max_ttl of "${goDuration(max)}"; period value is capped accordingly`);
      ttl = max;
    }
    if (i.explicitMaxTtl > 0) {
      const left = remainingUntil(i.explicitMaxTtl);
      if (left <= 0) throw badRequest(PAST_MAX_TTL);
      if (ttl > left) ttl = left;
    }
    return { ttl, warnings };
  }

  let ttl = i.increment > 0 ? i.increment : i.backendTtl > 0 ? i.backendTtl : i.defaultTtl;
  if (max > 0) {
    const left = remainingUntil(max);
    if (left <= 0) throw badRequest(PAST_MAX_TTL);
    if (ttl <= 0 || ttl > left) {
      if (ttl > 0) warnings.push(cappedWarning(ttl, left));
      ttl = left;
    }
  }
  return { ttl, warnings };
}
