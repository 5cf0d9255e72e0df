/**
 * The shares one key ceremony (rekey, rekey verification, root generation) has collected so
 * far, with the nonce that names the ceremony. Shares are decoded and compared in constant
 * time; Vault's texts for a wrong nonce and a repeated share.
 */
import { timingSafeEqual } from 'node:crypto';
import { uuid } from '../../lib/ids.js';
import { zeroize } from '../../lib/secure.js';
import { badRequest } from '../../sdk/errors.js';

export class ShareCollector {
  readonly nonce = uuid();
  private shares: Buffer[] = [];

  /** `operation` names the ceremony in the nonce error ("rekey", "root generation", "verify"). */
  constructor(
    private readonly operation: string,
    private readonly duplicateText: string,
  ) {}

  get progress(): number {
    return this.shares.length;
  }

  /** Adds a share; returns every share collected once `threshold` is reached (the collector is then empty). */
  add(share: Buffer, nonce: string, threshold: number): Buffer[] | null {
    if (nonce !== this.nonce) {
      zeroize(share);
      throw badRequest(`incorrect nonce supplied; nonce for this ${this.operation} operation is ${JSON.stringify(this.nonce)}`);
    }
    if (this.shares.some((s) => s.length === share.length && timingSafeEqual(s, share))) {
      zeroize(share);
      throw badRequest(this.duplicateText);
    }
    this.shares.push(share);
    if (this.shares.length < threshold) return null;
    const all = this.shares;
    this.shares = [];
    return all;
  }

  clear(): void {
    zeroize(...this.shares);
    this.shares = [];
  }
}
