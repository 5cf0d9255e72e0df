/**
 * The static seal: the root key is AES-256-GCM-encrypted under a 32-byte key the operator
 * supplies (a file or an environment variable, typically mounted by a platform's KMS).
 * Weaker than a transit seal or Shamir: whoever can read the config's key source and the
 * storage can decrypt everything, so it is for tests and for platforms that already guard
 * that key. A previous key may be configured so a node sealed under it still unseals.
 */
import { decrypt, DecryptError, encrypt } from '../barrier/aes-gcm.js';
import { SealError, type AutoSeal, type WrappedValue } from './auto-seal.js';
import type { StaticSealSpec } from './spec.js';

const TERM = 0;

export class StaticSeal implements AutoSeal {
  readonly type = 'static' as const;

  constructor(private readonly spec: StaticSealSpec) {}

  get currentKeyId(): string {
    return this.spec.currentKeyId;
  }

  async wrap(plaintext: Buffer, purpose: string): Promise<WrappedValue> {
    const { currentKeyId: id, currentKey: key } = this.spec;
    return { seal: 'static', key_id: id, ciphertext: encrypt(key, TERM, plaintext, aad(id, purpose)).toString('base64') };
  }

  async unwrap(value: WrappedValue, purpose: string): Promise<Buffer> {
    const key = this.keyFor(value.key_id);
    if (!key) {
      const known = [this.spec.currentKeyId, this.spec.previousKeyId].filter(Boolean).join('", "');
      throw new SealError(`static seal: the stored root key was sealed with key id "${value.key_id}", but the configured key ids are "${known}"`, false);
    }
    try {
      return decrypt(() => key, Buffer.from(value.ciphertext, 'base64'), aad(value.key_id, purpose));
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      throw new SealError(`static seal: the configured key for key id "${value.key_id}" does not decrypt the stored root key (wrong key?)`, false);
    }
  }

  start(): void {}

  stop(): void {}

  private keyFor(id: string): Buffer | undefined {
    if (id === this.spec.currentKeyId) return this.spec.currentKey;
    if (this.spec.previousKeyId !== undefined && id === this.spec.previousKeyId) return this.spec.previousKey;
    return undefined;
  }
}

// The key id is bound too: a value cannot be presented as sealed by another key id.
const aad = (keyId: string, purpose: string): string => `ward-static-seal:${keyId}:${purpose}`;
