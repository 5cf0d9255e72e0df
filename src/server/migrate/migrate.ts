/**
 * `ward operator migrate`: copies every entry of one physical store into another,
 * offline, as stored (ciphertext: the barrier is never opened, no key is needed).
 *
 * The copy walks the source's `scan()` (one point in time, UTF-8 key order, batches) and
 * writes each batch to the destination in transactions of at most {@link TX_OPS} puts
 * (etcd refuses transactions over 128 operations). After a batch is durable, the
 * destination's progress record moves to its last key, so a rerun after a failure or a
 * kill continues from there; re-putting a key copied twice is harmless. At the end both
 * stores are checksummed (count + SHA-256 in key order) and must agree.
 *
 * Engine-agnostic: it sees only PhysicalBackend.
 */
import { randomUUID } from 'node:crypto';
import { compareUtf8 } from '../../lib/key-order.js';
import type { PhysicalBackend, TxOp } from '../../storage/physical.js';
import { digestStore } from './digest.js';
import {
  MIGRATION_LOCK,
  NOT_MIGRATED,
  PROGRESS_KEY,
  migrationInProgress,
  readLock,
  readProgress,
  sourceFingerprint,
  writeLock,
  type ProgressRecord,
} from './records.js';

/** Puts per destination transaction. */
export const TX_OPS = 64;

export interface MigrateOptions {
  /** Vault's `-start`: only keys at or after this one are copied (a manual resume). */
  start?: string;
  /** Copy into a destination that already holds data, overwriting the keys both have. */
  force?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Stops the copy at the next batch boundary (Ctrl-C); the run can be resumed. */
  signal?: AbortSignal;
  now?: () => Date;
}

export interface MigrateResult {
  /** Entries written by this run. */
  copied: number;
  /** Entries in both stores at the end (bookkeeping records and `core/lock` excluded). */
  entries: number;
  sha256: string;
  /** The key this run continued after, or null for a run from the start. */
  resumedAfter: string | null;
}

/** A refusal or failed check; the CLI prints it as Vault does ("Error migrating: …"). */
export class MigrateError extends Error {
  override readonly name: string = 'MigrateError';
}

/** The run was stopped through its signal; what was copied stays, and a rerun resumes. */
export class MigrateAborted extends MigrateError {
  override readonly name = 'MigrateAborted';
  constructor() {
    super('Migration aborted'); // Vault's words
  }
}

/** Vault's `-reset`: removes the source's migration lock. No migration happens. */
export async function resetMigrationLock(source: PhysicalBackend): Promise<void> {
  await source.delete(MIGRATION_LOCK);
}

export async function migrate(source: PhysicalBackend, dest: PhysicalBackend, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const log = opts.log ?? ((): void => undefined);
  const [lock, progress, fingerprint] = await Promise.all([readLock(source), readProgress(dest), sourceFingerprint(source)]);
  // The destination's progress record continues a run of this same source, unless -force.
  const resume = !opts.force && progress !== null && progress.source === fingerprint ? progress : null;
  if (lock !== null && (resume === null || resume.id !== lock.id)) {
    throw new MigrateError(`${migrationInProgress(lock)}; if no migration is running, clear the lock with -reset`);
  }
  if (!(await holdsData(source))) throw new MigrateError('the source storage holds no data: check the storage_source stanza');
  if (resume === null && !opts.force && opts.start === undefined) await refuseNonEmpty(dest);

  const id = resume?.id ?? randomUUID();
  if (lock === null) await writeLock(source, { start: (opts.now?.() ?? new Date()).toISOString(), id });
  try {
    if (resume !== null) log(`resuming after "${resume.last_key}" (${resume.copied} entries already copied)`);
    const copied = await copyAll(source, dest, { id, fingerprint, resume, start: opts.start, log, signal: opts.signal });
    log('verifying: counting and checksumming both stores');
    const [a, b] = await Promise.all([digestStore(source, NOT_MIGRATED), digestStore(dest, NOT_MIGRATED)]);
    if (a.count !== b.count || a.sha256 !== b.sha256) {
      throw new MigrateError(
        `verification failed: the source holds ${a.count} entries (sha256 ${a.sha256.slice(0, 12)}…), ` +
          `the destination ${b.count} (sha256 ${b.sha256.slice(0, 12)}…); run again with -force to copy everything anew`,
      );
    }
    await dest.delete(PROGRESS_KEY);
    log(`verified: ${a.count} entries, sha256 ${a.sha256}`);
    return { copied, entries: a.count, sha256: a.sha256, resumedAfter: resume?.last_key ?? null };
  } finally {
    // As Vault: the lock goes when this run ends, however it ends (a kill leaves it).
    await source.delete(MIGRATION_LOCK);
  }
}

/** The first entry that is data rather than bookkeeping, or null. */
async function firstEntry(store: PhysicalBackend): Promise<string | null> {
  for await (const batch of store.scan()) {
    const found = batch.find((e) => !NOT_MIGRATED.has(e.key));
    if (found !== undefined) return found.key;
  }
  return null;
}

const holdsData = async (store: PhysicalBackend): Promise<boolean> => (await firstEntry(store)) !== null;

async function refuseNonEmpty(dest: PhysicalBackend): Promise<void> {
  const found = await firstEntry(dest);
  if (found !== null) {
    throw new MigrateError(
      `destination storage is not empty (it holds "${found}"): copying into it would mix two stores; ` +
        'use an empty destination, or -force to overwrite the keys both hold',
    );
  }
}

interface CopyPlan {
  id: string;
  fingerprint: string;
  resume: ProgressRecord | null;
  start: string | undefined;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

async function copyAll(source: PhysicalBackend, dest: PhysicalBackend, plan: CopyPlan): Promise<number> {
  const after = plan.resume?.last_key;
  let total = plan.resume?.copied ?? 0;
  let copied = 0;
  for await (const batch of source.scan()) {
    if (plan.signal?.aborted) throw new MigrateAborted();
    const ops: TxOp[] = [];
    for (const { key, value } of batch) {
      if (NOT_MIGRATED.has(key)) continue;
      if (plan.start !== undefined && compareUtf8(key, plan.start) < 0) continue;
      if (after !== undefined && compareUtf8(key, after) <= 0) continue;
      ops.push({ op: 'put', key, value });
    }
    if (ops.length === 0) continue;
    // Issued together: a store that group-commits (SQLite) makes them one commit, and a
    // networked one overlaps the round trips. The progress record follows only once all
    // of them are durable.
    const chunks: Array<Promise<void>> = [];
    for (let i = 0; i < ops.length; i += TX_OPS) chunks.push(dest.transaction(ops.slice(i, i + TX_OPS)));
    await settleAll(chunks);
    copied += ops.length;
    total += ops.length;
    const lastKey = (ops[ops.length - 1] as TxOp).key;
    const record: ProgressRecord = { id: plan.id, source: plan.fingerprint, last_key: lastKey, copied: total };
    await dest.put(PROGRESS_KEY, Buffer.from(JSON.stringify(record)));
    plan.log(`copied ${copied} entries (through "${lastKey}")`);
  }
  return copied;
}

/** Like Promise.all, but waits for every promise to settle before rejecting with the first failure. */
async function settleAll(ps: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(ps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
