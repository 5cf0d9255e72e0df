/**
 * How the barrier's root key is protected at rest and how a node gets it back.
 *
 * - Shamir (no seal stanza): the root key is encrypted under a random unseal key, and only
 *   Shamir shares of that key leave the process; operators submit shares to unseal.
 * - Auto seal (transit, static): the seal wraps the root key and the node unseals itself.
 *   `sys/init` returns recovery key shares instead; after a manual `sys/seal` they
 *   unseal the node again (the seal still opens the root key), and they are what a
 *   migration back to Shamir turns into unseal keys.
 * - Migration: the stored record's seal differs from the configured one. The operator
 *   submits the shares they hold with `migrate: true`; the root key is re-protected with
 *   the configured seal (root-key.ts).
 */
import { zeroize } from '../../lib/secure.js';
import { badRequest } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { AesGcmBarrier } from '../barrier/barrier.js';
import type { AutoSeal } from './auto-seal.js';
import { rewrapIfRotated } from './root-key.js';
import { keyShares, readSealRecord, ROOT_KEY_PURPOSE, writeSealRecord, type SealRecord } from './seal-records.js';
import { openWithShares, replaceSecret } from './share-keys.js';
import { decodeKey, SHARE_BYTES, UNSEAL_KEY_BYTES } from './shamir.js';
import type { AutoUnsealOutcome, SealManagerOptions, SealState, UnsealStatus } from './seal-status.js';
import { UnsealAttempt } from './unseal-attempt.js';
import { initializeSeal, type SealParts } from './seal-init.js';
import { migrationSource, unsealWith } from './unseal-open.js';

export { ROOT_KEY_PATH, SEAL_CONFIG_PATH } from './seal-records.js';

/** One per node: owns the seal record, the unseal attempt in progress and migration. */
export class SealManager {
  private record: SealRecord | null = null;
  private readonly attempt = new UnsealAttempt();
  // init and unseal steps read, then write state across awaits: run them one at a time.
  private queue: Promise<unknown> = Promise.resolve();
  private readonly seal: AutoSeal | null;
  private readonly previous: AutoSeal | null;
  private readonly parts: SealParts;

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly barrier: AesGcmBarrier,
    opts: SealManagerOptions = {},
  ) {
    this.seal = opts.seal ?? null;
    this.previous = opts.previous ?? null;
    this.parts = { physical, barrier, seal: this.seal, previous: this.previous };
  }


  /** The configured seal's type. */
  get type(): 'shamir' | 'transit' | 'static' {
    return this.seal?.type ?? 'shamir';
  }

  /** The stored record, or null before initialisation. */
  async getConfig(): Promise<SealRecord | null> {
    // Changes only through this manager (init, migration), and sys/health asks on every call.
    if (this.record) return this.record;
    this.record = await readSealRecord(this.physical);
    return this.record;
  }

  /** Type, t/n of the shares operators hold, and whether a migration is pending. */
  async state(): Promise<SealState> {
    const record = await this.getConfig();
    const base = { type: this.type, recoverySeal: this.seal !== null };
    if (record === null) return { ...base, t: 0, n: 0, migration: false };
    const { shares, threshold } = keyShares(record);
    return { ...base, t: threshold, n: shares, migration: record.type !== this.type };
  }

  /**
   * Initialises the seal and the barrier and leaves the barrier unsealed so the core can
   * write its first records. Shamir returns unseal key shares; an auto seal returns
   * recovery key shares (`recovery`) and no unseal keys. Shares are never stored.
   */
  initialize(shares: number, threshold: number, recovery?: { shares: number; threshold: number }): Promise<{ keys: Buffer[]; recoveryKeys: Buffer[] }> {
    return this.serial(async () => {
      if ((await this.getConfig()) !== null || (await this.barrier.isInitialized())) {
        throw badRequest('Vault is already initialized');
      }
      return initializeSeal(this.parts, shares, threshold, recovery, (record) => this.commit(record));
    });
  }

  /**
   * Adds one key share (hex or base64): an unseal key share under Shamir, a recovery key
   * share under an auto seal, the old seal's shares in a migration. At the threshold the
   * root key is opened (and, migrating, re-protected) and the barrier unsealed; a wrong
   * combination resets the attempt and is a 400. A share repeated within one attempt is
   * not counted twice.
   */
  submitUnsealKey(key: string, migrate = false): Promise<UnsealStatus> {
    return this.serial(async () => {
      const record = await this.getConfig();
      if (record === null) throw badRequest('Vault is not initialized');
      if (!this.barrier.isSealed()) return { sealed: false, progress: 0, nonce: '' };
      const migrating = record.type !== this.type;
      if (migrating && !migrate) throw badRequest("'migrate' parameter must be set true in JSON body when in seal migration mode");
      if (!migrating && migrate) throw badRequest("'migrate' parameter set true in JSON body when not in seal migration mode");
      const { shares, threshold } = keyShares(record);
      const share = decodeKey(key, shares === 1 ? UNSEAL_KEY_BYTES : SHARE_BYTES);
      if (this.attempt.has(share)) {
        zeroize(share);
        return { sealed: true, ...this.progress() };
      }
      if (this.attempt.add(share) < threshold) return { sealed: true, ...this.progress() };

      // Threshold reached: whatever happens next, this attempt is over.
      const collected = this.attempt.take();
      try {
        const migrated = await unsealWith(this.parts, record, collected, migrating);
        if (migrated !== null) this.record = migrated;
      } finally {
        zeroize(...collected);
      }
      return { sealed: this.barrier.isSealed(), progress: 0, nonce: '' };
    });
  }

  /**
   * One automatic unseal: with an auto seal and a record it protects, unwraps the root key
   * and unseals. Throws (a SealError, usually) when the seal cannot do it now.
   */
  autoUnseal(): Promise<AutoUnsealOutcome> {
    return this.serial(async () => {
      const record = await this.getConfig();
      if (record === null) return this.seal ? 'not-initialized' : 'manual';
      if (!this.barrier.isSealed()) return 'unsealed';
      if (record.type !== this.type) {
        migrationSource(record, this.previous); // throws when the old seal is not configured
        return 'migration';
      }
      if (!this.seal || record.type === 'shamir') return 'manual';
      const rootKey = await this.seal.unwrap(record.rootKey, ROOT_KEY_PURPOSE);
      try {
        await this.barrier.unseal(rootKey);
        try {
          const rewrapped = await rewrapIfRotated(record, this.seal, rootKey);
          if (rewrapped) await this.commit(rewrapped);
        } catch (e) {
          this.barrier.seal(); // retried with the next attempt, from a consistent state
          throw e;
        }
      } finally {
        zeroize(rootKey);
      }
      return 'unsealed';
    });
  }

  /**
   * For rekey and generate-root: the secret the shares rebuild, checked against the stored
   * record, and the root key (both for the caller to zeroize); a wrong combination is a 400
   * with `failText` (share-keys.ts).
   */
  openWithShares(collected: Buffer[], failText: string): Promise<{ record: SealRecord; secret: Buffer; rootKey: Buffer }> {
    return this.serial(async () => {
      const record = await this.getConfig();
      if (record === null) throw badRequest('Vault is not initialized');
      return { record, ...(await openWithShares(this.physical, this.seal, record, collected, failText)) };
    });
  }

  /** Replaces the key the operators' shares hold, in one write (share-keys.ts). */
  replaceSecret(newSecret: Buffer, shares: number, threshold: number, rootKey: Buffer): Promise<void> {
    return this.serial(async () => {
      const record = await this.getConfig();
      if (record === null) throw badRequest('Vault is not initialized');
      this.record = await replaceSecret(this.physical, this.seal, record, newSecret, shares, threshold, rootKey);
    });
  }

  /** Drops the cached seal record: a snapshot restore may have replaced it. */
  forgetConfig(): void {
    this.record = null;
  }

  /** Discards the shares submitted so far (zeroing them) and the attempt's nonce. */
  resetUnseal(): void {
    this.attempt.reset();
  }

  /** Shares collected in the current attempt and its nonce. */
  progress(): { progress: number; nonce: string } {
    return this.attempt.progress();
  }


  /** Background work of the configured seals (token renewal). */
  start(logger: Logger): void {
    this.seal?.start(logger);
    this.previous?.start(logger);
  }

  stop(): void {
    this.seal?.stop();
    this.previous?.stop();
  }


  private async commit(record: SealRecord): Promise<void> {
    await writeSealRecord(this.physical, record);
    this.record = record;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The Shamir-only seal of a node with no seal stanza. */
export class ShamirSeal extends SealManager {
  constructor(physical: PhysicalBackend, barrier: AesGcmBarrier) {
    super(physical, barrier, {});
  }
}
