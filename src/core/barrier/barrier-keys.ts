/**
 * The barrier's key state and its lifecycle: initialise (keyring term 1 sealed under the
 * root key), unseal, seal, rotate, reload after another node rotated, and the root-key
 * derived tags snapshots carry. The keyring sits at `core/keyring` encrypted under the
 * root key with the pseudo-term 0; nothing else is ever encrypted under the root key.
 */
import { createHmac } from 'node:crypto';
import { badRequest, internalError, sealedError } from '../../sdk/errors.js';
import { zeroize } from '../../lib/secure.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { decrypt, DecryptError, encrypt, KEY_BYTES } from './aes-gcm.js';
import { Keyring } from './keyring.js';

/** Physical key of the encrypted keyring. */
export const KEYRING_PATH = 'core/keyring';

// The keyring is sealed under the root key with this pseudo-term; real terms start at 1.
const ROOT_TERM = 0;

/** Live key state; exists only while unsealed. */
export interface Unsealed {
  keyring: Keyring;
  rootKey: Buffer;
  encryptions: number;
}

/** What the barrier does when the keys come and go. */
export interface KeyHooks {
  /** Unsealed with this keyring. */
  unsealed(keyring: Keyring): void;
  /** Sealed: called before the keys are zeroed. */
  sealed(): void;
  /** A new active term (rotation, reload). */
  activeKey(term: number, key: Buffer): void;
}

export class BarrierKeys {
  /** null while sealed. */
  state: Unsealed | null = null;
  // Serialises rotations so two concurrent calls cannot both build term N+1.
  private rotating: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly physical: PhysicalBackend,
    private readonly hooks: KeyHooks,
  ) {}

  /** The live key state, or the 503 sealed error. */
  unsealed(): Unsealed {
    if (this.state === null) throw sealedError();
    return this.state;
  }

  async isInitialized(): Promise<boolean> {
    return (await this.physical.get(KEYRING_PATH)) !== null;
  }

  async initialize(rootKey: Buffer): Promise<void> {
    checkRootKey(rootKey);
    if (await this.isInitialized()) throw badRequest('Vault is already initialized');
    const ring = Keyring.create(Date.now());
    try {
      await this.persistKeyring(ring, rootKey);
    } finally {
      ring.zeroize();
    }
  }

  async unseal(rootKey: Buffer): Promise<void> {
    checkRootKey(rootKey);
    if (this.state !== null) return;
    const blob = await this.physical.get(KEYRING_PATH);
    if (blob === null) throw badRequest('Vault is not initialized');
    let raw: Buffer;
    try {
      raw = decrypt((t) => (t === ROOT_TERM ? rootKey : undefined), blob, KEYRING_PATH);
    } catch (e) {
      if (e instanceof DecryptError) throw badRequest('invalid key: unable to decrypt the barrier keyring');
      throw e;
    }
    try {
      const keyring = Keyring.deserialize(raw);
      // A concurrent unseal may have won while we awaited the read; keep the first one.
      if (this.state !== null) keyring.zeroize();
      else {
        this.state = { keyring, rootKey: Buffer.from(rootKey), encryptions: 0 };
        this.hooks.unsealed(keyring);
      }
    } catch (e) {
      throw internalError('barrier keyring is corrupt', e);
    } finally {
      zeroize(raw);
    }
  }

  seal(): void {
    const s = this.state;
    this.state = null;
    if (s === null) return;
    this.hooks.sealed();
    s.keyring.zeroize();
    zeroize(s.rootKey);
  }

  rotate(): Promise<{ term: number; installTime: number }> {
    const run = this.rotating.then(async () => {
      const s = this.unsealed();
      const next = s.keyring.withNewTerm(Date.now());
      try {
        await this.persistKeyring(next, s.rootKey);
      } catch (e) {
        next.zeroize();
        throw e;
      }
      if (this.state !== s) {
        // Sealed while writing: the new term is stored, but these keys must not outlive the seal.
        next.zeroize();
        throw sealedError();
      }
      s.keyring.zeroize();
      s.keyring = next;
      const { term, installTime, key } = next.activeTerm();
      this.hooks.activeKey(term, key);
      return { term, installTime };
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  keyStatus(): { term: number; installTime: number; encryptions: number } {
    const s = this.unsealed();
    const { term, installTime } = s.keyring.activeTerm();
    return { term, installTime, encryptions: s.encryptions };
  }

  reloadKeyring(): Promise<void> {
    const run = this.rotating.then(async () => {
      const s = this.unsealed();
      const blob = await this.physical.get(KEYRING_PATH);
      if (blob === null) throw internalError('barrier keyring is missing');
      let raw: Buffer;
      try {
        raw = decrypt((t) => (t === ROOT_TERM ? s.rootKey : undefined), blob, KEYRING_PATH);
      } catch (e) {
        throw internalError('barrier keyring failed to decrypt', e);
      }
      try {
        const next = Keyring.deserialize(raw);
        if (this.state !== s) {
          next.zeroize();
          throw sealedError();
        }
        s.keyring.zeroize();
        s.keyring = next;
        const { term, key } = next.activeTerm();
        this.hooks.activeKey(term, key);
      } finally {
        zeroize(raw);
      }
    });
    this.rotating = run.catch(() => undefined);
    return run;
  }

  snapshotSealer(): (sums: Buffer) => Buffer {
    const key = createHmac('sha256', this.unsealed().rootKey).update('ward snapshot seal v1').digest();
    return (sums) => createHmac('sha256', key).update(sums).digest();
  }

  rootKeyFingerprint(): string {
    return createHmac('sha256', this.unsealed().rootKey).update('ward snapshot keyring fingerprint v1').digest('hex').slice(0, 32);
  }

  keyBuffersForTest(): Buffer[] {
    const s = this.state;
    return s === null ? [] : [...s.keyring.keyBuffers(), s.rootKey];
  }

  private async persistKeyring(ring: Keyring, rootKey: Buffer): Promise<void> {
    const raw = ring.serialize();
    try {
      await this.physical.put(KEYRING_PATH, encrypt(rootKey, ROOT_TERM, raw, KEYRING_PATH));
    } finally {
      zeroize(raw);
    }
  }
}

function checkRootKey(rootKey: Buffer): void {
  if (rootKey.length !== KEY_BYTES) throw badRequest(`invalid key: root key must be ${KEY_BYTES} bytes`);
}
