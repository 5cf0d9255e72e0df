/**
 * Batch tokens: `hvb.` + base64url(iv ‖ tag ‖ AES-256-GCM(JSON entry)). Nothing is
 * stored per token; the key lives at `batch-key` in the token store's view. The id field
 * is not encrypted (it would be circular): the decoded entry's id is the token string.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { zeroize } from '../../lib/secure.js';
import type { Storage } from '../../sdk/storage.js';
import type { TokenEntry } from './types.js';

export const BATCH_PREFIX = 'hvb.';
const AAD = Buffer.from('ward-batch-token-v1');

export class BatchCodec {
  private key: Buffer | null = null;

  async load(storage: Storage): Promise<void> {
    let key = await storage.get('batch-key');
    if (key === null || key.length !== 32) {
      key = randomBytes(32);
      await storage.put('batch-key', key);
    }
    zeroize(this.key);
    this.key = key;
  }

  encode(entry: Omit<TokenEntry, 'id'>): string {
    const key = this.requireKey();
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(AAD);
    const body = Buffer.concat([c.update(JSON.stringify(entry), 'utf8'), c.final()]);
    return BATCH_PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
  }

  /** The entry inside a batch token, or null when it is not one of ours. */
  decode(token: string): TokenEntry | null {
    if (!token.startsWith(BATCH_PREFIX) || !this.key) return null;
    const raw = Buffer.from(token.slice(BATCH_PREFIX.length), 'base64url');
    if (raw.length < 29) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      d.setAAD(AAD);
      d.setAuthTag(raw.subarray(12, 28));
      const json = Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
      return { ...(JSON.parse(json) as Omit<TokenEntry, 'id'>), id: token };
    } catch {
      return null;
    }
  }

  private requireKey(): Buffer {
    if (!this.key) throw new Error('token store not loaded');
    return this.key;
  }
}
