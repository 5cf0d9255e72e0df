/**
 * What the seal manager reports and is built with: unseal progress, the seal part of
 * sys/seal-status, the configured seals and an automatic unseal's outcome.
 */
import type { AutoSeal } from './auto-seal.js';
import type { SealRecord } from './seal-records.js';

/** The Shamir seal record as `getConfig` reports it (kept for callers of the Shamir-only API). */
export type SealConfig = SealRecord;

/** Where an unseal attempt stands. `nonce` is "" when no attempt is in progress. */
export interface UnsealStatus {
  sealed: boolean;
  progress: number;
  nonce: string;
}

/** The seal part of `sys/seal-status`. */
export interface SealState {
  type: string;
  t: number;
  n: number;
  recoverySeal: boolean;
  migration: boolean;
}

export interface SealManagerOptions {
  /** The configured seal; null or absent means Shamir. */
  seal?: AutoSeal | null;
  /** The seal of a `disabled = "true"` stanza: what a migration away from an auto seal opens the root key with. */
  previous?: AutoSeal | null;
}

/** What one automatic unseal attempt found. */
export type AutoUnsealOutcome = 'unsealed' | 'not-initialized' | 'manual' | 'migration';
