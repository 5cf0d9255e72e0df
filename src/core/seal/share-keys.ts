/**
 * What rekey and generate-root do with the operators' shares on an unsealed node: rebuild the
 * secret they hold (the unseal key under Shamir, the recovery key with an auto seal), check it
 * against the stored record, and replace it. The seal manager serialises the calls.
 */
import { zeroize } from '../../lib/secure.js';
import { badRequest, WardError } from '../../sdk/errors.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { AutoSeal } from './auto-seal.js';
import { autoRecord, openAutoRoot, openShamirRoot, sealFailure, shamirSealRoot } from './root-key.js';
import { ROOT_KEY_PATH, SEAL_CONFIG_PATH, sealRecordBytes, writeSealRecord, type SealRecord } from './seal-records.js';
import { combineShares } from './shamir.js';

/** The secret and the root key (the caller zeroizes both); a wrong combination is a 400 with `failText`. */
export async function openWithShares(physical: PhysicalBackend, seal: AutoSeal | null, record: SealRecord, collected: Buffer[], failText: string): Promise<{ secret: Buffer; rootKey: Buffer }> {
  let secret: Buffer;
  try {
    secret = await combineShares(collected);
  } catch {
    throw badRequest(failText);
  }
  try {
    let rootKey: Buffer;
    if (record.type === 'shamir') rootKey = await openShamirRoot(physical, secret);
    else {
      if (!seal) throw badRequest('unseal failed: no seal is configured to open the stored root key');
      rootKey = await openAutoRoot(record, seal, secret);
    }
    return { secret, rootKey };
  } catch (e) {
    zeroize(secret);
    if (e instanceof WardError && e.status === 400) throw badRequest(failText);
    throw e;
  }
}

/**
 * Under Shamir the root key is re-encrypted under `newSecret` and written with the new share
 * counts in one transaction (a crash leaves either the old or the new key set, never the new
 * key under the old counts); with an auto seal the recovery key is re-wrapped in the single
 * seal record. Returns the record now stored.
 */
export async function replaceSecret(physical: PhysicalBackend, seal: AutoSeal | null, record: SealRecord, newSecret: Buffer, shares: number, threshold: number, rootKey: Buffer): Promise<SealRecord> {
  if (record.type === 'shamir') {
    const next: SealRecord = { type: 'shamir', secretShares: shares, secretThreshold: threshold };
    await physical.transaction([
      { op: 'put', key: ROOT_KEY_PATH, value: shamirSealRoot(newSecret, rootKey) },
      { op: 'put', key: SEAL_CONFIG_PATH, value: sealRecordBytes(next) },
    ]);
    return next;
  }
  if (!seal) throw badRequest('unseal failed: no seal is configured to open the stored root key');
  let next: SealRecord;
  try {
    next = await autoRecord(seal, rootKey, newSecret, shares, threshold);
  } catch (e) {
    throw sealFailure(e);
  }
  await writeSealRecord(physical, next);
  return next;
}
