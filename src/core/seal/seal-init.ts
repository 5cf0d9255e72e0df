/**
 * The first initialisation of a node's seal and barrier: the root key is made, protected
 * (by Shamir shares of an unseal key, or by the auto seal with recovery shares) and the
 * barrier left unsealed so the core can write its first records.
 */
import { randomBytes } from 'node:crypto';
import { zeroize } from '../../lib/secure.js';
import { badRequest, upstreamError } from '../../sdk/errors.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { AesGcmBarrier } from '../barrier/barrier.js';
import { SealError, type AutoSeal } from './auto-seal.js';
import { autoRecord, shamirSealRoot } from './root-key.js';
import { ROOT_KEY_PATH, type SealRecord } from './seal-records.js';
import { splitKey, UNSEAL_KEY_BYTES, validateSealParams } from './shamir.js';

/** The parts of a node the seal manager's steps work on. */
export interface SealParts {
  physical: PhysicalBackend;
  barrier: AesGcmBarrier;
  /** The configured seal; null means Shamir. */
  seal: AutoSeal | null;
  /** The seal of a `disabled = "true"` stanza, for a migration away from it. */
  previous: AutoSeal | null;
}

/**
 * Initialises a node known not to be initialised. Shamir returns unseal key shares; an
 * auto seal returns recovery key shares (`recovery`) and no unseal keys. Shares are never
 * stored. `commit` writes the seal record (last: a crash before it leaves a node that
 * does not claim to be initialised).
 */
export async function initializeSeal(
  parts: SealParts,
  shares: number,
  threshold: number,
  recovery: { shares: number; threshold: number } | undefined,
  commit: (record: SealRecord) => Promise<void>,
): Promise<{ keys: Buffer[]; recoveryKeys: Buffer[] }> {
  const { seal, barrier, physical } = parts;
  if (seal) validateSealParams(recovery?.shares ?? 0, recovery?.threshold ?? 0, 'recovery');
  else validateSealParams(shares, threshold);
  const secret = randomBytes(UNSEAL_KEY_BYTES); // the unseal key, or the recovery key
  const rootKey = randomBytes(UNSEAL_KEY_BYTES);
  try {
    if (seal) {
      const n = recovery?.shares ?? 0;
      const t = recovery?.threshold ?? 0;
      let record: SealRecord;
      try {
        record = await autoRecord(seal, rootKey, secret, n, t);
      } catch (e) {
        // Nothing is written yet: an unusable seal leaves the node uninitialised.
        if (e instanceof SealError && !e.retryable) throw badRequest(e.message);
        throw e instanceof SealError ? upstreamError(e.message) : e;
      }
      const recoveryKeys = await splitKey(secret, n, t);
      await barrier.initialize(rootKey);
      await commit(record); // last: a crash before it leaves a node that does not claim to be initialised
      await barrier.unseal(rootKey);
      return { keys: [], recoveryKeys };
    }
    const keys = await splitKey(secret, shares, threshold);
    await physical.put(ROOT_KEY_PATH, shamirSealRoot(secret, rootKey));
    await barrier.initialize(rootKey);
    await commit({ type: 'shamir', secretShares: shares, secretThreshold: threshold });
    await barrier.unseal(rootKey);
    return { keys, recoveryKeys: [] };
  } finally {
    zeroize(secret, rootKey);
  }
}
