/**
 * Auto seals: something outside Ward (another server's transit engine, a key the platform
 * mounts) that encrypts the root key so the node can unseal itself. An auto seal only
 * wraps and unwraps small values; what is wrapped and where it is stored is the
 * SealManager's business.
 */
import type { Logger } from '../../sdk/logical.js';

/** A value an auto seal encrypted, as stored (plaintext JSON) in the seal record. */
export interface WrappedValue {
  /** The seal type that produced it (`transit`, `static`). */
  seal: string;
  /** Which key: the transit key name, or the static seal's key id. */
  key_id: string;
  /** The seal's ciphertext: transit's `vault:vN:…`, or base64 for the static seal. */
  ciphertext: string;
}

export interface AutoSeal {
  readonly type: 'transit' | 'static';
  /**
   * The key new values are wrapped with, when the seal can tell (the static seal's
   * current_key_id). A stored value under another id is re-wrapped after unseal, so a
   * rotated-out key can be removed from the configuration.
   */
  readonly currentKeyId?: string;
  /** Encrypts `plaintext`; `purpose` is bound into the ciphertext where the seal can (AAD). */
  wrap(plaintext: Buffer, purpose: string): Promise<WrappedValue>;
  unwrap(value: WrappedValue, purpose: string): Promise<Buffer>;
  /** Background work (token renewal); called once the server runs. */
  start(logger: Logger): void;
  stop(): void;
}

/**
 * A seal operation failed. `retryable` is true when the seal could not be reached (the
 * auto-unseal loop keeps trying either way; the flag only shapes the log line).
 */
export class SealError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SealError';
  }
}
