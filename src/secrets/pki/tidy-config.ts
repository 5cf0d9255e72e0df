/**
 * Tidy options as the `tidy` endpoint and `config/auto-tidy` take them, Vault's defaults,
 * and `pause_duration` (a Go duration, kept as written, as Vault echoes it). Pure.
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface TidyOptions {
  tidy_cert_store: boolean;
  tidy_revoked_certs: boolean;
  tidy_revoked_cert_issuer_associations: boolean;
  /** Seconds past notAfter before an expired certificate is removed. */
  safety_buffer: number;
  /** Pause between certificates, as written ("0s", "200ms"). */
  pause_duration: string;
}

export interface AutoTidyConfig extends TidyOptions {
  enabled: boolean;
  /** Seconds between the end of one tidy and the start of the next automatic one. */
  interval_duration: number;
}

export const DEFAULT_AUTO_TIDY: Readonly<AutoTidyConfig> = Object.freeze({
  enabled: false,
  interval_duration: 12 * 3600,
  tidy_cert_store: false,
  tidy_revoked_certs: false,
  tidy_revoked_cert_issuer_associations: false,
  safety_buffer: 72 * 3600,
  pause_duration: '0s',
});

export const AUTO_TIDY_PATH = 'config/auto-tidy';

export async function readAutoTidy(s: Storage): Promise<AutoTidyConfig> {
  return { ...DEFAULT_AUTO_TIDY, ...((await getJSON<Partial<AutoTidyConfig>>(s, AUTO_TIDY_PATH)) ?? {}) };
}

export async function writeAutoTidy(s: Storage, c: AutoTidyConfig): Promise<void> {
  await putJSON(s, AUTO_TIDY_PATH, c);
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Longest pause accepted: a tidy that sleeps longer per certificate would never finish. */
const MAX_PAUSE_MS = 10 * 60_000;

/** A Go duration ("1m30s", "250ms", "0") in milliseconds; throws Vault's 400 otherwise. */
export function pauseMs(text: string): number {
  const s = text.trim();
  if (s === '0' || s === '') return 0;
  const neg = s.startsWith('-');
  const body = s.replace(/^[-+]/, '');
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(body)) throw badRequest(`error parsing pause_duration: invalid duration "${text}"`);
  let ms = 0;
  for (const m of body.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (neg && ms > 0) throw badRequest('received invalid, negative pause_duration');
  if (ms > MAX_PAUSE_MS) throw badRequest(`received invalid pause_duration ${text}: must not exceed 10m`);
  return ms;
}

/** Checks options for a run: something to do, a positive buffer, a valid pause. */
export function checkTidyOptions(o: TidyOptions): void {
  if (!o.tidy_cert_store && !o.tidy_revoked_certs && !o.tidy_revoked_cert_issuer_associations) {
    throw badRequest('at least one operation must be enabled for tidy operation to start');
  }
  if (o.safety_buffer < 1) throw badRequest('safety_buffer must be greater than zero');
  pauseMs(o.pause_duration);
}

/** Merges a `config/auto-tidy` write into the current one and checks it as Vault does. */
export function mergeAutoTidy(cur: AutoTidyConfig, patch: Partial<AutoTidyConfig>): AutoTidyConfig {
  const next: AutoTidyConfig = { ...cur };
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  if (next.enabled && !next.tidy_cert_store && !next.tidy_revoked_certs && !next.tidy_revoked_cert_issuer_associations) {
    throw badRequest('Auto-tidy enabled but no tidy operations were requested. Enable at least one tidy operation to be run (tidy_*).');
  }
  if (next.interval_duration < 1) throw badRequest('interval_duration must be greater than zero');
  if (next.safety_buffer < 1) throw badRequest('safety_buffer must be greater than zero');
  pauseMs(next.pause_duration);
  return next;
}
