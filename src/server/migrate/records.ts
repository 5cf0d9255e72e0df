/**
 * The bookkeeping records of `ward operator migrate`, kept in the stores themselves.
 *
 * - `core/migration` on the source: Vault's migration lock (`{"start": RFC 3339}`; Ward
 *   adds the migration's `id`). While it exists a server refuses to start on the source,
 *   and another migrate refuses to run unless it is the same migration resuming.
 * - `core/migration-progress` on the destination: how far the copy got (the last key of
 *   the last batch made durable there), so a rerun continues instead of starting over.
 *   It is removed once the copy has been verified.
 *
 * Neither record, nor the HA lock `core/lock`, is ever copied or checksummed.
 */
import { createHash } from 'node:crypto';
import type { PhysicalBackend } from '../../storage/physical.js';

export const MIGRATION_LOCK = 'core/migration';
export const PROGRESS_KEY = 'core/migration-progress';
/** Vault's HA lock path: node-specific, never migrated (Vault skips it too). */
export const CORE_LOCK = 'core/lock';
export const NOT_MIGRATED: ReadonlySet<string> = new Set([MIGRATION_LOCK, PROGRESS_KEY, CORE_LOCK]);

export interface LockRecord {
  start: string;
  id: string;
}

export interface ProgressRecord {
  id: string;
  /** Fingerprint of the source's data (see {@link sourceFingerprint}). */
  source: string;
  /** Every source key up to and including this one is durable in the destination. */
  last_key: string;
  copied: number;
}

async function readJson(store: PhysicalBackend, key: string): Promise<Record<string, unknown> | null> {
  const raw = await store.get(key);
  if (raw === null) return null;
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The source's migration lock; a lock Vault wrote (no id) reads with id "". */
export async function readLock(store: PhysicalBackend): Promise<LockRecord | null> {
  const v = await readJson(store, MIGRATION_LOCK);
  if (v === null) return null;
  return { start: typeof v['start'] === 'string' ? v['start'] : 'unknown', id: typeof v['id'] === 'string' ? v['id'] : '' };
}

export async function writeLock(store: PhysicalBackend, lock: LockRecord): Promise<void> {
  await store.put(MIGRATION_LOCK, Buffer.from(JSON.stringify(lock)));
}

export async function readProgress(store: PhysicalBackend): Promise<ProgressRecord | null> {
  const v = await readJson(store, PROGRESS_KEY);
  if (v === null) return null;
  const { id, source, last_key: lastKey, copied } = v;
  if (typeof id !== 'string' || typeof source !== 'string' || typeof lastKey !== 'string' || typeof copied !== 'number') return null;
  return { id, source, last_key: lastKey, copied };
}

/**
 * Identifies the data being migrated without decrypting anything: a hash of the source's
 * seal configuration and encrypted keyring, which differ between any two clusters.
 */
export async function sourceFingerprint(store: PhysicalBackend): Promise<string> {
  const h = createHash('sha256');
  for (const key of ['core/seal-config', 'core/keyring']) {
    const v = (await store.get(key)) ?? Buffer.alloc(0);
    h.update(`${key}\0${v.length}\0`).update(v);
  }
  return h.digest('hex');
}

/**
 * The message a server or a second migrate gives while the lock is held (Vault's words).
 */
export function migrationInProgress(lock: LockRecord): string {
  return `storage migration in progress (started: ${lock.start})`;
}

/** Why a server must not start on `store` (Vault's message), or null when it may. */
export async function migrationRefusal(store: PhysicalBackend): Promise<string | null> {
  const lock = await readLock(store);
  if (lock === null) return null;
  return (
    `ERROR! Storage migration in progress (started: ${lock.start}). Server startup is prevented until the ` +
    "migration completes. Use 'ward operator migrate -reset' to force clear the migration lock."
  );
}
