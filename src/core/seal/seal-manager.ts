/**
 * The Shamir seal: how the barrier's root key is protected at rest and how operators bring
 * it back. The root key is stored encrypted under a random unseal key, and only Shamir
 * shares of the unseal key ever leave the process. Unsealing collects shares until the
 * threshold, rebuilds the unseal key, decrypts the root key and hands it to the barrier.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { uuid } from '../../lib/ids.js';
import { zeroize } from '../../lib/secure.js';
import { badRequest, internalError } from '../../sdk/errors.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { decrypt, encrypt } from '../barrier/aes-gcm.js';
import type { AesGcmBarrier } from '../barrier/barrier.js';
import { combineShares, decodeKey, SHARE_BYTES, splitKey, UNSEAL_KEY_BYTES, validateSealParams } from './shamir.js';

/** Plaintext physical record holding the share parameters; its presence means "initialised". */
export const SEAL_CONFIG_PATH = 'core/seal-config';
/** Physical record holding the root key, AES-GCM-encrypted under the unseal key. */
export const ROOT_KEY_PATH = 'core/root-key-sealed';

// The sealed root key uses the barrier's ciphertext format with this pseudo-term.
const UNSEAL_TERM = 0;

/** The seal configuration as `sys/seal-status` reports it (`t` and `n`). */
export interface SealConfig {
  type: 'shamir';
  secretShares: number;
  secretThreshold: number;
}

/** Where an unseal attempt stands. `nonce` is "" when no attempt is in progress. */
export interface UnsealStatus {
  sealed: boolean;
  progress: number;
  nonce: string;
}

/** Shamir seal over the physical store, unsealing the given barrier. One per node. */
export class ShamirSeal {
  private configCache: SealConfig | null = null;
  private shares: Buffer[] = [];
  private nonce = '';
  // init and unseal steps read, then write state across awaits: run them one at a time.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly barrier: AesGcmBarrier,
  ) {}

  /** The stored configuration, or null before initialisation. */
  async getConfig(): Promise<SealConfig | null> {
    // Immutable once written (no rekey yet), and sys/health asks on every call.
    if (this.configCache) return this.configCache;
    const raw = await this.physical.get(SEAL_CONFIG_PATH);
    if (raw === null) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      throw internalError('seal configuration is corrupt', e);
    }
    const c = parsed as { type?: unknown; secret_shares?: unknown; secret_threshold?: unknown };
    if (c.type !== 'shamir' || !Number.isInteger(c.secret_shares) || !Number.isInteger(c.secret_threshold)) {
      throw internalError('seal configuration is corrupt');
    }
    this.configCache = { type: 'shamir', secretShares: c.secret_shares as number, secretThreshold: c.secret_threshold as number };
    return this.configCache;
  }

  /**
   * Initialises the seal and the barrier, and leaves the barrier unsealed so the core can
   * write its first records (the caller seals afterwards). Returns the unseal key shares
   * (the bare 32-byte key when `shares` is 1); they are never stored.
   */
  initialize(shares: number, threshold: number): Promise<{ keys: Buffer[] }> {
    return this.serial(async () => {
      if ((await this.getConfig()) !== null || (await this.barrier.isInitialized())) {
        throw badRequest('Vault is already initialized');
      }
      validateSealParams(shares, threshold);
      const unsealKey = randomBytes(UNSEAL_KEY_BYTES);
      const rootKey = randomBytes(UNSEAL_KEY_BYTES);
      try {
        const keys = await splitKey(unsealKey, shares, threshold);
        await this.physical.put(ROOT_KEY_PATH, encrypt(unsealKey, UNSEAL_TERM, rootKey, ROOT_KEY_PATH));
        await this.barrier.initialize(rootKey);
        // Written last: a crash before this point leaves a node that does not claim to be initialised.
        const config = { type: 'shamir', secret_shares: shares, secret_threshold: threshold };
        await this.physical.put(SEAL_CONFIG_PATH, Buffer.from(JSON.stringify(config), 'utf8'));
        await this.barrier.unseal(rootKey);
        return { keys };
      } finally {
        zeroize(unsealKey, rootKey);
      }
    });
  }

  /**
   * Adds one key share (hex or base64) to the current attempt. At the threshold, rebuilds
   * the unseal key and unseals the barrier; a wrong combination resets the attempt and
   * is a 400. A share repeated within one attempt is not counted twice.
   */
  submitUnsealKey(key: string): Promise<UnsealStatus> {
    return this.serial(async () => {
      const config = await this.getConfig();
      if (config === null) throw badRequest('Vault is not initialized');
      if (!this.barrier.isSealed()) return { sealed: false, progress: 0, nonce: '' };
      const share = decodeKey(key, config.secretShares === 1 ? UNSEAL_KEY_BYTES : SHARE_BYTES);
      if (this.shares.some((s) => s.length === share.length && timingSafeEqual(s, share))) {
        zeroize(share);
        return { sealed: true, ...this.progress() };
      }
      if (this.nonce === '') this.nonce = uuid();
      this.shares.push(share);
      if (this.shares.length < config.secretThreshold) return { sealed: true, ...this.progress() };

      // Threshold reached: whatever happens next, this attempt is over.
      const collected = this.shares;
      this.shares = [];
      this.nonce = '';
      try {
        await this.unsealWith(collected);
      } finally {
        zeroize(...collected);
      }
      return { sealed: this.barrier.isSealed(), progress: 0, nonce: '' };
    });
  }

  /** Discards the shares submitted so far (zeroing them) and the attempt's nonce. */
  /** Drops the cached configuration: a snapshot restore may have replaced it. */
  forgetConfig(): void {
    this.configCache = null;
  }

  resetUnseal(): void {
    zeroize(...this.shares);
    this.shares = [];
    this.nonce = '';
  }

  /** Shares collected in the current attempt and its nonce. */
  progress(): { progress: number; nonce: string } {
    return { progress: this.shares.length, nonce: this.nonce };
  }

  private async unsealWith(collected: Buffer[]): Promise<void> {
    const sealedRoot = await this.physical.get(ROOT_KEY_PATH);
    if (sealedRoot === null) throw internalError('sealed root key is missing from storage');
    let unsealKey: Buffer | undefined;
    let rootKey: Buffer | undefined;
    try {
      try {
        unsealKey = await combineShares(collected);
        const k = unsealKey;
        rootKey = decrypt((t) => (t === UNSEAL_TERM ? k : undefined), sealedRoot, ROOT_KEY_PATH);
      } catch {
        // Wrong or mixed shares: a failed authentication tag, or the library rejecting repeats.
        throw badRequest('unseal failed: the submitted key shares do not reconstruct the unseal key; progress has been reset');
      }
      await this.barrier.unseal(rootKey);
    } finally {
      zeroize(unsealKey, rootKey);
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
