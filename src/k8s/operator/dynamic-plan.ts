/**
 * What a VaultDynamicSecret reconcile does next, decided from its recorded status alone
 * (level-based: an operator restart or a new leader decides the same): issue credentials,
 * renew the lease, or wait. Pure, so every case is a table row.
 */

/** `status.secretLease` as VSO records it (duration in seconds). */
export interface SecretLease {
  id: string;
  duration: number;
  renewable: boolean;
  requestID: string;
}

/** `status.staticCredsMetaData` (times in unix seconds, periods in seconds). */
export interface StaticCredsMeta {
  lastVaultRotation: number;
  rotationPeriod: number;
  rotationSchedule: string;
  ttl: number;
}

export interface DynamicStatus {
  lastGeneration?: number;
  /** Unix seconds of the last issue or renewal. */
  lastRenewalTime?: number;
  secretLease?: SecretLease;
  staticCredsMetaData?: StaticCredsMeta;
  secretMAC?: string;
}

export type IssueReason = 'initial' | 'resource-updated' | 'destination-drift' | 'lease-expired' | 'not-renewable' | 'static-rotation' | 'refresh';
export type Step = { action: 'issue'; reason: IssueReason } | { action: 'renew' } | { action: 'wait'; afterMs: number | undefined };

export interface PlanInput {
  generation: number;
  status: DynamicStatus;
  /** The destination Secret exists and its data has the recorded MAC. */
  destinationMatches: boolean;
  renewalPercent: number;
  allowStaticCreds: boolean;
  refreshAfterMs: number | undefined;
  nowMs: number;
  /** [0, 1): how much of the jitter window to use (Math.random in production). */
  rand: number;
}

/** The shortest wait: a renewalPercent of 0 or a tiny lease must not turn into a hot loop. */
export const MIN_WAIT_MS = 1000;
/** Jitter: act up to this share of the renewal horizon early, so many resources spread out. */
export const JITTER_SHARE = 0.05;
/** VSO: give Ward half a second past a static role's rotation before reading it again. */
export const STATIC_GRACE_MS = 500;

export function isStaticCreds(m: StaticCredsMeta | undefined): m is StaticCredsMeta {
  return !!m && m.lastVaultRotation > 0 && (m.rotationPeriod >= 1 || m.rotationSchedule !== '');
}

/** Wait until `at`, acting up to `slackMs` early (the jitter window); undefined when it is time. */
function until(at: number, slackMs: number, p: PlanInput): number | undefined {
  if (p.nowMs >= at - slackMs) return undefined;
  return Math.max(MIN_WAIT_MS, Math.round(at - p.nowMs - p.rand * slackMs));
}

export function nextStep(p: PlanInput): Step {
  const s = p.status;
  if (!s.lastGeneration || !s.secretMAC) return { action: 'issue', reason: 'initial' };
  if (s.lastGeneration !== p.generation) return { action: 'issue', reason: 'resource-updated' };
  // The Secret was deleted or edited: its credentials are not known here (never kept), so new ones.
  if (!p.destinationMatches) return { action: 'issue', reason: 'destination-drift' };
  const last = (s.lastRenewalTime ?? 0) * 1000;
  const lease = s.secretLease;
  if (!p.allowStaticCreds && lease?.id && lease.duration > 0) {
    const horizon = lease.duration * 1000 * (p.renewalPercent / 100);
    // A renewable lease is renewed even when it looks over (lastRenewalTime is whole seconds):
    // Ward's refusal, not this arithmetic, decides that it is gone.
    if (!lease.renewable && p.nowMs >= last + lease.duration * 1000) return { action: 'issue', reason: 'lease-expired' };
    const wait = until(last + horizon, horizon * JITTER_SHARE, p);
    if (wait !== undefined) return { action: 'wait', afterMs: wait };
    return lease.renewable ? { action: 'renew' } : { action: 'issue', reason: 'not-renewable' };
  }
  if (p.allowStaticCreds && isStaticCreds(s.staticCredsMetaData)) {
    // The password changes when the ttl runs out: read it again just after.
    const wait = until(last + s.staticCredsMetaData.ttl * 1000 + STATIC_GRACE_MS, 0, p);
    return wait === undefined ? { action: 'issue', reason: 'static-rotation' } : { action: 'wait', afterMs: wait };
  }
  if (p.refreshAfterMs) {
    const wait = until(last + p.refreshAfterMs, 0, p);
    return wait === undefined ? { action: 'issue', reason: 'refresh' } : { action: 'wait', afterMs: wait };
  }
  return { action: 'wait', afterMs: undefined };
}

/**
 * A renewal's answer: kept when it extends the lease by what was asked; `truncated` when Ward
 * granted less (the max TTL is near: the next renewal could not extend it), `refused` when
 * Ward said no. Both of the latter mean new credentials, as VSO.
 */
export function renewalOutcome(requestedSec: number, answer: { duration: number } | 'refused'): 'renewed' | 'truncated' | 'refused' {
  if (answer === 'refused') return 'refused';
  return answer.duration < requestedSec ? 'truncated' : 'renewed';
}

/** Workloads restart for new data that replaces earlier data, never for the first. */
export function shouldRestart(prevMac: string | undefined, newMac: string): boolean {
  return !!prevMac && prevMac !== newMac;
}

/** Fields of a static-creds answer that change without the credentials changing (VSO leaves them out of the MAC). */
export const STATIC_VOLATILE_KEYS = ['ttl', 'rotation_schedule', 'rotation_period', 'last_vault_rotation', '_raw'] as const;

/** `staticCredsMetaData` from a static-creds answer's data (absent fields are 0 / ''). */
export function staticCredsMeta(data: Record<string, unknown>): StaticCredsMeta {
  const num = (k: string): number => {
    const v = data[k];
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`static creds: ${k} is not a number`);
    return Math.trunc(v);
  };
  let lastVaultRotation = 0;
  const lr = data['last_vault_rotation'];
  if (lr !== undefined && lr !== null) {
    const t = typeof lr === 'string' ? Date.parse(lr) : NaN;
    if (Number.isNaN(t)) throw new Error('static creds: last_vault_rotation is not an RFC 3339 time');
    lastVaultRotation = Math.floor(t / 1000);
  }
  const sched = data['rotation_schedule'];
  return { lastVaultRotation, rotationPeriod: num('rotation_period'), rotationSchedule: typeof sched === 'string' ? sched : '', ttl: num('ttl') };
}
