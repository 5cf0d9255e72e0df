/**
 * The unseal attempt in progress: the key shares submitted so far and the nonce that
 * names the attempt. A share repeated within one attempt is not counted twice.
 */
import { timingSafeEqual } from 'node:crypto';
import { uuid } from '../../lib/ids.js';
import { zeroize } from '../../lib/secure.js';

export class UnsealAttempt {
  private shares: Buffer[] = [];
  private nonce = '';

  /** Whether `share` was already submitted in this attempt (compared in constant time). */
  has(share: Buffer): boolean {
    return this.shares.some((s) => s.length === share.length && timingSafeEqual(s, share));
  }

  /** Adds a share, starting the attempt (its nonce) with the first; returns how many are held. */
  add(share: Buffer): number {
    if (this.nonce === '') this.nonce = uuid();
    this.shares.push(share);
    return this.shares.length;
  }

  /** Ends the attempt, handing its shares to the caller (who zeroizes them). */
  take(): Buffer[] {
    const collected = this.shares;
    this.shares = [];
    this.nonce = '';
    return collected;
  }

  /** Discards the shares submitted so far (zeroing them) and the attempt's nonce. */
  reset(): void {
    zeroize(...this.shares);
    this.shares = [];
    this.nonce = '';
  }

  /** Shares collected in the current attempt and its nonce. */
  progress(): { progress: number; nonce: string } {
    return { progress: this.shares.length, nonce: this.nonce };
  }
}
