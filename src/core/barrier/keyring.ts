/**
 * The barrier keyring: every AES-256 key term ever installed, newest one active.
 *
 * Old terms are kept forever so values written before a rotation stay readable without a
 * rewrite. The keyring is serialised to a fixed binary layout rather than JSON because a
 * JSON encoding would put key bytes into immutable JS strings that can never be zeroed.
 */
import { randomBytes } from 'node:crypto';
import { zeroize } from '../../lib/secure.js';
import { KEY_BYTES } from './aes-gcm.js';

/** One installed key term. */
export interface KeyTerm {
  term: number;
  /** Epoch milliseconds. */
  installTime: number;
  key: Buffer;
}

const LAYOUT_VERSION = 1;
// term uint32 + install time (float64 ms: exact for integers well past year 250000) + key
const ENTRY_BYTES = 4 + 8 + KEY_BYTES;

/** An in-memory keyring. Owns its key Buffers: call {@link Keyring.zeroize} when done. */
export class Keyring {
  private readonly terms = new Map<number, KeyTerm>();
  private active: KeyTerm;

  private constructor(first: KeyTerm) {
    this.active = first;
    this.terms.set(first.term, first);
  }

  /** A fresh keyring holding term 1 with a random key. */
  static create(now: number): Keyring {
    return new Keyring({ term: 1, installTime: now, key: randomBytes(KEY_BYTES) });
  }

  /** Parses {@link Keyring.serialize} output; copies key bytes out of `raw`. */
  static deserialize(raw: Buffer): Keyring {
    if (raw.length < 5 || raw.readUInt8(0) !== LAYOUT_VERSION) throw new Error('unknown keyring layout');
    const count = raw.readUInt32BE(1);
    if (count === 0 || raw.length !== 5 + count * ENTRY_BYTES) throw new Error('corrupt keyring');
    let ring: Keyring | undefined;
    for (let i = 0; i < count; i++) {
      const at = 5 + i * ENTRY_BYTES;
      const entry: KeyTerm = {
        term: raw.readUInt32BE(at),
        installTime: raw.readDoubleBE(at + 4),
        key: Buffer.from(raw.subarray(at + 12, at + ENTRY_BYTES)),
      };
      if (ring === undefined) ring = new Keyring(entry);
      else ring.add(entry);
    }
    // count > 0 was checked above, so the loop assigned it.
    return ring as Keyring;
  }

  /** Binary encoding. The result holds key material: the caller must zeroize it. */
  serialize(): Buffer {
    const list = [...this.terms.values()];
    const out = Buffer.alloc(5 + list.length * ENTRY_BYTES);
    out.writeUInt8(LAYOUT_VERSION, 0);
    out.writeUInt32BE(list.length, 1);
    list.forEach((t, i) => {
      const at = 5 + i * ENTRY_BYTES;
      out.writeUInt32BE(t.term, at);
      out.writeDoubleBE(t.installTime, at + 4);
      t.key.copy(out, at + 12);
    });
    return out;
  }

  /** The term new writes are encrypted under. */
  activeTerm(): KeyTerm {
    return this.active;
  }

  /** Key for a stored term, or undefined if this keyring never had it. */
  keyFor(term: number): Buffer | undefined {
    return this.terms.get(term)?.key;
  }

  /**
   * A copy of this keyring with one more term (N+1, random key) made active. The copy is
   * separate so the barrier can persist it before switching, and keep the old ring if the
   * write fails; both rings own distinct Buffers.
   */
  withNewTerm(now: number): Keyring {
    const raw = this.serialize();
    let copy: Keyring;
    try {
      copy = Keyring.deserialize(raw);
    } finally {
      zeroize(raw);
    }
    copy.add({ term: this.active.term + 1, installTime: now, key: randomBytes(KEY_BYTES) });
    return copy;
  }

  /** Every live key Buffer (not copies): lets tests check that {@link zeroize} wiped them. */
  keyBuffers(): Buffer[] {
    return [...this.terms.values()].map((t) => t.key);
  }

  /** Overwrites every key with zeros and forgets the terms. */
  zeroize(): void {
    for (const t of this.terms.values()) zeroize(t.key);
    this.terms.clear();
  }

  private add(entry: KeyTerm): void {
    if (entry.key.length !== KEY_BYTES) throw new Error('bad key length in keyring');
    if (this.terms.has(entry.term)) throw new Error('duplicate keyring term');
    this.terms.set(entry.term, entry);
    if (entry.term > this.active.term) this.active = entry;
  }
}
