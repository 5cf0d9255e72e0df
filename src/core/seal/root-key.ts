/**
 * Opening and re-protecting the root key for each kind of seal record: the Shamir form
 * (AES-GCM under the unseal key) and the auto-seal form (wrapped by the seal, with the
 * recovery key beside it). The manager decides when; this file only does the crypto and
 * the writes, and always zeroes what it derived.
 */
import { timingSafeEqual } from 'node:crypto';
import { zeroize } from '../../lib/secure.js';
import { badRequest, internalError, upstreamError } from '../../sdk/errors.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { decrypt, encrypt } from '../barrier/aes-gcm.js';
import { SealError, type AutoSeal } from './auto-seal.js';
import { keyShares, RECOVERY_KEY_PURPOSE, ROOT_KEY_PATH, ROOT_KEY_PURPOSE, writeSealRecord, type AutoRecord, type SealRecord } from './seal-records.js';

// The Shamir-sealed root key uses the barrier's ciphertext format with this pseudo-term.
const UNSEAL_TERM = 0;

/** A seal failure as the client sees it: unreachable → 502, anything else → 500 with the seal's message. */
export function sealFailure(e: unknown): unknown {
  if (!(e instanceof SealError)) return e;
  return e.retryable ? upstreamError(e.message) : internalError(e.message, e);
}

/** Encrypts the root key under a Shamir unseal key, as stored at ROOT_KEY_PATH. */
export function shamirSealRoot(unsealKey: Buffer, rootKey: Buffer): Buffer {
  return encrypt(unsealKey, UNSEAL_TERM, rootKey, ROOT_KEY_PATH);
}

/** Opens the Shamir-sealed root key; a wrong unseal key is a 400 that resets progress. */
export async function openShamirRoot(physical: PhysicalBackend, unsealKey: Buffer): Promise<Buffer> {
  const sealed = await physical.get(ROOT_KEY_PATH);
  if (sealed === null) throw internalError('sealed root key is missing from storage');
  try {
    return decrypt((t) => (t === UNSEAL_TERM ? unsealKey : undefined), sealed, ROOT_KEY_PATH);
  } catch {
    throw badRequest('unseal failed: the submitted key shares do not reconstruct the unseal key; progress has been reset');
  }
}

/** Checks `recoveryKey` against the one the seal protects, then unwraps the root key. */
export async function openAutoRoot(record: AutoRecord, seal: AutoSeal, recoveryKey: Buffer): Promise<Buffer> {
  let stored: Buffer | undefined;
  try {
    stored = await seal.unwrap(record.recoveryKey, RECOVERY_KEY_PURPOSE);
    if (stored.length !== recoveryKey.length || !timingSafeEqual(stored, recoveryKey)) {
      throw badRequest('unseal failed: the submitted recovery key shares do not reconstruct the recovery key; progress has been reset');
    }
    return await seal.unwrap(record.rootKey, ROOT_KEY_PURPOSE);
  } catch (e) {
    throw sealFailure(e);
  } finally {
    zeroize(stored);
  }
}

/** Builds the auto-seal record: root and recovery keys wrapped by `seal`. */
export async function autoRecord(seal: AutoSeal, rootKey: Buffer, recoveryKey: Buffer, shares: number, threshold: number): Promise<AutoRecord> {
  const rootWrapped = await seal.wrap(rootKey, ROOT_KEY_PURPOSE);
  const recoveryWrapped = await seal.wrap(recoveryKey, RECOVERY_KEY_PURPOSE);
  return { type: seal.type, recoveryShares: shares, recoveryThreshold: threshold, rootKey: rootWrapped, recoveryKey: recoveryWrapped };
}

/**
 * After a seal key rotation (the static seal's previous_key), the record re-wrapped with
 * the current key, so the rotated-out key can be removed; null when nothing changed.
 */
export async function rewrapIfRotated(record: AutoRecord, seal: AutoSeal, rootKey: Buffer): Promise<AutoRecord | null> {
  const current = seal.currentKeyId;
  if (current === undefined || (record.rootKey.key_id === current && record.recoveryKey.key_id === current)) return null;
  const recoveryKey = await seal.unwrap(record.recoveryKey, RECOVERY_KEY_PURPOSE);
  try {
    return await autoRecord(seal, rootKey, recoveryKey, record.recoveryShares, record.recoveryThreshold);
  } finally {
    zeroize(recoveryKey);
  }
}

/**
 * Re-protects the root key with the configured seal, as Vault's seal migration does:
 * to an auto seal, the old unseal (or recovery) key becomes the recovery key; to Shamir,
 * the recovery key becomes the unseal key. Operators keep the shares they hold. The new
 * record is written with one put (the commit point); leftovers are removed after it.
 */
export async function migrateRoot(physical: PhysicalBackend, from: SealRecord, to: AutoSeal | null, secret: Buffer, rootKey: Buffer): Promise<SealRecord> {
  const { shares, threshold } = keyShares(from);
  if (to === null) {
    await physical.put(ROOT_KEY_PATH, shamirSealRoot(secret, rootKey));
    const record: SealRecord = { type: 'shamir', secretShares: shares, secretThreshold: threshold };
    await writeSealRecord(physical, record);
    return record;
  }
  let record: AutoRecord;
  try {
    record = await autoRecord(to, rootKey, secret, shares, threshold);
  } catch (e) {
    throw sealFailure(e);
  }
  await writeSealRecord(physical, record);
  if (from.type === 'shamir') await physical.delete(ROOT_KEY_PATH);
  return record;
}
