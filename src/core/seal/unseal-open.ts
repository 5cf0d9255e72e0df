/**
 * What happens when an unseal attempt reaches its threshold: the shares rebuild the unseal
 * (or recovery) key, the root key is opened with it and the barrier unsealed; in a seal
 * migration the root key is then re-protected with the configured seal.
 */
import { zeroize } from '../../lib/secure.js';
import { badRequest } from '../../sdk/errors.js';
import { SealError, type AutoSeal } from './auto-seal.js';
import { migrateRoot, openAutoRoot, openShamirRoot, sealFailure } from './root-key.js';
import type { SealRecord } from './seal-records.js';
import { combineShares } from './shamir.js';
import type { SealParts } from './seal-init.js';

/** The seal that opens `record` when it is not the configured one (null: Shamir). */
export function migrationSource(record: SealRecord, previous: AutoSeal | null): AutoSeal | null {
  if (record.type === 'shamir') return null;
  if (previous?.type === record.type) return previous;
  throw new SealError(
    `seal migration: storage is sealed by a "${record.type}" seal but the configuration has no seal "${record.type}" stanza ` +
      `(with disabled = "true") to migrate from; add it, or configure the "${record.type}" seal again`,
    false,
  );
}

/**
 * Opens the root key with the `collected` shares and unseals the barrier; a wrong
 * combination is a 400. Returns the new seal record of a completed migration, else null.
 */
export async function unsealWith(parts: SealParts, record: SealRecord, collected: Buffer[], migrating: boolean): Promise<SealRecord | null> {
  const { physical, barrier } = parts;
  let secret: Buffer | undefined;
  let rootKey: Buffer | undefined;
  let migrated: SealRecord | null = null;
  try {
    try {
      secret = await combineShares(collected);
    } catch {
      // Malformed combinations (repeated x-coordinates) are as wrong as mismatched shares.
      const what = record.type === 'shamir' ? 'key shares do not reconstruct the unseal key' : 'recovery key shares do not reconstruct the recovery key';
      throw badRequest(`unseal failed: the submitted ${what}; progress has been reset`);
    }
    if (record.type === 'shamir') rootKey = await openShamirRoot(physical, secret);
    else {
      let seal: AutoSeal | null;
      try {
        seal = migrating ? migrationSource(record, parts.previous) : parts.seal;
      } catch (e) {
        throw sealFailure(e);
      }
      if (!seal) throw badRequest('unseal failed: no seal is configured to open the stored root key');
      rootKey = await openAutoRoot(record, seal, secret);
    }
    await barrier.unseal(rootKey);
    if (migrating) {
      try {
        migrated = await migrateRoot(physical, record, parts.seal, secret, rootKey);
      } catch (e) {
        // Not migrated: stay sealed so the operator retries the whole migration.
        barrier.seal();
        throw e;
      }
    }
  } finally {
    zeroize(secret, rootKey);
  }
  return migrated;
}
