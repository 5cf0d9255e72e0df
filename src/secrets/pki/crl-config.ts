/**
 * `config/crl`: how CRLs (and OCSP answers) are built. Durations are kept as the strings
 * the operator wrote, as Vault stores and echoes them; `crlTimes` turns them into numbers.
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { parseDurationSeconds } from '../../lib/duration.js';

export interface CrlConfig {
  expiry: string;
  disable: boolean;
  ocsp_disable: boolean;
  ocsp_expiry: string;
  auto_rebuild: boolean;
  auto_rebuild_grace_period: string;
  enable_delta: boolean;
  delta_rebuild_interval: string;
}

/** Vault's implicit configuration when none was written. */
export const DEFAULT_CRL_CONFIG: Readonly<CrlConfig> = Object.freeze({
  expiry: '72h',
  disable: false,
  ocsp_disable: false,
  ocsp_expiry: '12h',
  auto_rebuild: false,
  auto_rebuild_grace_period: '12h',
  enable_delta: false,
  delta_rebuild_interval: '15m',
});

export const CRL_CONFIG_PATH = 'config/crl';

export async function readCrlConfig(s: Storage): Promise<CrlConfig> {
  return { ...DEFAULT_CRL_CONFIG, ...((await getJSON<Partial<CrlConfig>>(s, CRL_CONFIG_PATH)) ?? {}) };
}

export async function writeCrlConfig(s: Storage, c: CrlConfig): Promise<void> {
  await putJSON(s, CRL_CONFIG_PATH, c);
}

function seconds(name: string, value: string): number {
  try {
    return parseDurationSeconds(value);
  } catch (e) {
    throw badRequest(`given ${name} could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The configuration's durations in seconds; throws Vault's 400 for one that does not parse. */
export function crlTimes(c: CrlConfig): { expiry: number; ocspExpiry: number; grace: number; deltaInterval: number } {
  return {
    expiry: seconds('expiry', c.expiry),
    ocspExpiry: seconds('ocsp_expiry', c.ocsp_expiry),
    grace: seconds('auto_rebuild_grace_period', c.auto_rebuild_grace_period),
    deltaInterval: seconds('delta_rebuild_interval', c.delta_rebuild_interval),
  };
}

/** Merges a write into the current configuration and checks it as Vault does. Pure. */
export function mergeCrlConfig(cur: CrlConfig, patch: Partial<CrlConfig>): CrlConfig {
  const next: CrlConfig = { ...cur };
  for (const [k, v] of Object.entries(patch) as [keyof CrlConfig, CrlConfig[keyof CrlConfig] | undefined][]) {
    if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  }
  const t = crlTimes(next);
  if (t.expiry <= 0) throw badRequest(`expiry must be greater than 0, got: ${next.expiry}`);
  if (t.ocspExpiry < 0) throw badRequest(`ocsp_expiry must be greater than or equal to 0 got: ${next.ocsp_expiry}`);
  if (next.auto_rebuild && t.grace >= t.expiry) {
    throw badRequest(
      `CRL auto-rebuilding grace period (${next.auto_rebuild_grace_period}) must be strictly shorter than CRL expiry (${next.expiry}) value when auto-rebuilding of CRLs is enabled`,
    );
  }
  if (next.enable_delta && !next.auto_rebuild) {
    throw badRequest('Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!');
  }
  if (next.enable_delta && t.deltaInterval <= 0) throw badRequest(`delta_rebuild_interval must be greater than 0, got: ${next.delta_rebuild_interval}`);
  if (next.enable_delta && t.deltaInterval >= t.expiry) {
    throw badRequest(
      `CRL delta rebuild window (${next.delta_rebuild_interval}) must be strictly shorter than CRL expiry (${next.expiry}) value when delta CRLs are enabled`,
    );
  }
  return next;
}
