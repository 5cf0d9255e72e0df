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
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { uuid } from '../../lib/ids.js';
import { zeroize } from '../../lib/secure.js';
import { badRequest, upstreamError } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import type { AesGcmBarrier } from '../barrier/barrier.js';
import { SealError, type AutoSeal } from './auto-seal.js';
import { autoRecord, migrateRoot, openAutoRoot, openShamirRoot, rewrapIfRotated, sealFailure, shamirSealRoot } from './root-key.js';
import { keyShares, readSealRecord, ROOT_KEY_PATH, ROOT_KEY_PURPOSE, writeSealRecord, type SealRecord } from './seal-records.js';
import { openWithShares, replaceSecret } from './share-keys.js';
import { combineShares, decodeKey, SHARE_BYTES, splitKey, UNSEAL_KEY_BYTES, validateSealParams } from './shamir.js';

export { ROOT_KEY_PATH, SEAL_CONFIG_PATH } from './seal-records.js';

/** The Shamir seal record as `getConfig` reports it (kept for callers of the Shamir-only API). */
export type SealConfig = SealRecord;

/** Where an unseal attempt stands. `nonce` is "" when no attempt is in progress. */
export interface UnsealStatus {
  sealed: boolean;
  progress: number;
  nonce: string;
}

/** The seal part of `sys/seal-status`. */
export interface SealState {
  type: string;
  t: number;
  n: number;
  recoverySeal: boolean;
  migration: boolean;
}

export interface SealManagerOptions {
  /** The configured seal; null or absent means Shamir. */
  seal?: AutoSeal | null;
  /** The seal of a `disabled = "true"` stanza: what a migration away from an auto seal opens the root key with. */
  previous?: AutoSeal | null;
}

/** What one automatic unseal attempt found. */
export type AutoUnsealOutcome = 'unsealed' | 'not-initialized' | 'manual' | 'migration';

/** One per node: owns the seal record, the unseal attempt in progress and migration. */
export class SealManager {
  private record: SealRecord | null = null;
  private shares: Buffer[] = [];
  private nonce = '';
  // init and unseal steps read, then write state across awaits: run them one at a time.
  private queue: Promise<unknown> = Promise.resolve();
  private readonly seal: AutoSeal | null;
  private readonly previous: AutoSeal | null;

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly barrier: AesGcmBarrier,
    opts: SealManagerOptions = {},
  ) {
    this.seal = opts.seal ?? null;
    this.previous = opts.previous ?? null;
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
      const seal = this.seal;
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
          await this.barrier.initialize(rootKey);
          await this.commit(record); // last: a crash before it leaves a node that does not claim to be initialised
          await this.barrier.unseal(rootKey);
          return { keys: [], recoveryKeys };
        }
        const keys = await splitKey(secret, shares, threshold);
        await this.physical.put(ROOT_KEY_PATH, shamirSealRoot(secret, rootKey));
        await this.barrier.initialize(rootKey);
        await this.commit({ type: 'shamir', secretShares: shares, secretThreshold: threshold });
        await this.barrier.unseal(rootKey);
        return { keys, recoveryKeys: [] };
      } finally {
        zeroize(secret, rootKey);
      }
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
      if (this.shares.some((s) => s.length === share.length && timingSafeEqual(s, share))) {
        zeroize(share);
        return { sealed: true, ...this.progress() };
      }
      if (this.nonce === '') this.nonce = uuid();
      this.shares.push(share);
      if (this.shares.length < threshold) return { sealed: true, ...this.progress() };

      // Threshold reached: whatever happens next, this attempt is over.
      const collected = this.shares;
      this.shares = [];
      this.nonce = '';
      try {
        await this.unsealWith(record, collected, migrating);
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
        this.migrationSource(record); // throws when the old seal is not configured
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
    zeroize(...this.shares);
    this.shares = [];
    this.nonce = '';
  }

  /** Shares collected in the current attempt and its nonce. */
  progress(): { progress: number; nonce: string } {
    return { progress: this.shares.length, nonce: this.nonce };
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

  /** The seal that opens `record` when it is not the configured one (null: Shamir). */
  private migrationSource(record: SealRecord): AutoSeal | null {
    if (record.type === 'shamir') return null;
    if (this.previous?.type === record.type) return this.previous;
    throw new SealError(
      `seal migration: storage is sealed by a "${record.type}" seal but the configuration has no seal "${record.type}" stanza ` +
        `(with disabled = "true") to migrate from; add it, or configure the "${record.type}" seal again`,
      false,
    );
  }

  private async unsealWith(record: SealRecord, collected: Buffer[], migrating: boolean): Promise<void> {
    let secret: Buffer | undefined;
    let rootKey: Buffer | undefined;
    try {
      try {
        secret = await combineShares(collected);
      } catch {
        // Malformed combinations (repeated x-coordinates) are as wrong as mismatched shares.
        const what = record.type === 'shamir' ? 'key shares do not reconstruct the unseal key' : 'recovery key shares do not reconstruct the recovery key';
        throw badRequest(`unseal failed: the submitted ${what}; progress has been reset`);
      }
      if (record.type === 'shamir') rootKey = await openShamirRoot(this.physical, secret);
      else {
        let seal: AutoSeal | null;
        try {
          seal = migrating ? this.migrationSource(record) : this.seal;
        } catch (e) {
          throw sealFailure(e);
        }
        if (!seal) throw badRequest('unseal failed: no seal is configured to open the stored root key');
        rootKey = await openAutoRoot(record, seal, secret);
      }
      await this.barrier.unseal(rootKey);
      if (migrating) {
        try {
          this.record = await migrateRoot(this.physical, record, this.seal, secret, rootKey);
        } catch (e) {
          // Not migrated: stay sealed so the operator retries the whole migration.
          this.barrier.seal();
          throw e;
        }
      }
    } finally {
      zeroize(secret, rootKey);
    }
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
