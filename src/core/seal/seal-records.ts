/**
 * The seal's plaintext records in the physical store. `core/seal-config` says how the node
 * is sealed; its presence means "initialised".
 *
 * - Shamir: `{type:"shamir", secret_shares, secret_threshold}`, and the root key
 *   AES-GCM-encrypted under the unseal key at `core/root-key-sealed`.
 * - Auto seal: `{type:"transit"|"static", recovery_shares, recovery_threshold, root_key,
 *   recovery_key}`, the last two wrapped by the seal. Everything an auto-sealed node needs
 *   is in this one record, so switching seals (migration) commits with a single put.
 */
import { internalError } from '../../sdk/errors.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { WrappedValue } from './auto-seal.js';

export const SEAL_CONFIG_PATH = 'core/seal-config';
/** Physical record holding the root key, AES-GCM-encrypted under the Shamir unseal key. */
export const ROOT_KEY_PATH = 'core/root-key-sealed';

/** AAD purposes for values an auto seal wraps. */
export const ROOT_KEY_PURPOSE = 'root-key';
export const RECOVERY_KEY_PURPOSE = 'recovery-key';

export interface ShamirRecord {
  type: 'shamir';
  secretShares: number;
  secretThreshold: number;
}

export interface AutoRecord {
  type: 'transit' | 'static';
  recoveryShares: number;
  recoveryThreshold: number;
  rootKey: WrappedValue;
  recoveryKey: WrappedValue;
}

export type SealRecord = ShamirRecord | AutoRecord;

const isInt = (v: unknown): v is number => Number.isInteger(v);
const isWrapped = (v: unknown): v is WrappedValue => {
  const w = v as Partial<WrappedValue> | null;
  return typeof w === 'object' && w !== null && typeof w.seal === 'string' && typeof w.key_id === 'string' && typeof w.ciphertext === 'string';
};

export async function readSealRecord(physical: PhysicalBackend): Promise<SealRecord | null> {
  const raw = await physical.get(SEAL_CONFIG_PATH);
  if (raw === null) return null;
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(raw.toString('utf8')) as Record<string, unknown>; // shape checked field by field below
  } catch (e) {
    throw internalError('seal configuration is corrupt', e);
  }
  if (c['type'] === 'shamir' && isInt(c['secret_shares']) && isInt(c['secret_threshold'])) {
    return { type: 'shamir', secretShares: c['secret_shares'], secretThreshold: c['secret_threshold'] };
  }
  if ((c['type'] === 'transit' || c['type'] === 'static') && isInt(c['recovery_shares']) && isInt(c['recovery_threshold']) && isWrapped(c['root_key']) && isWrapped(c['recovery_key'])) {
    return { type: c['type'], recoveryShares: c['recovery_shares'], recoveryThreshold: c['recovery_threshold'], rootKey: c['root_key'], recoveryKey: c['recovery_key'] };
  }
  throw internalError('seal configuration is corrupt');
}

export async function writeSealRecord(physical: PhysicalBackend, r: SealRecord): Promise<void> {
  await physical.put(SEAL_CONFIG_PATH, sealRecordBytes(r));
}

/** The record as stored (for callers that write it inside a transaction). */
export function sealRecordBytes(r: SealRecord): Buffer {
  const json =
    r.type === 'shamir'
      ? { type: 'shamir', secret_shares: r.secretShares, secret_threshold: r.secretThreshold }
      : { type: r.type, recovery_shares: r.recoveryShares, recovery_threshold: r.recoveryThreshold, root_key: r.rootKey, recovery_key: r.recoveryKey };
  return Buffer.from(JSON.stringify(json), 'utf8');
}

/** The shares operators hold for this record: unseal keys (Shamir) or recovery keys. */
export function keyShares(r: SealRecord): { shares: number; threshold: number } {
  return r.type === 'shamir' ? { shares: r.secretShares, threshold: r.secretThreshold } : { shares: r.recoveryShares, threshold: r.recoveryThreshold };
}
