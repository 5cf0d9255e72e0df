/**
 * The verification of a migration: the number of entries and a SHA-256 over every
 * (key, value) in scan order (UTF-8 byte order of keys, the same on every store), each
 * part length-prefixed so no two different stores can produce the same byte stream.
 */
import { createHash } from 'node:crypto';
import type { PhysicalBackend } from '../../storage/physical.js';

export interface StoreDigest {
  count: number;
  sha256: string;
}

export async function digestStore(store: PhysicalBackend, skip: ReadonlySet<string>): Promise<StoreDigest> {
  const h = createHash('sha256');
  const len = Buffer.alloc(4);
  let count = 0;
  for await (const batch of store.scan()) {
    for (const { key, value } of batch) {
      if (skip.has(key)) continue;
      const k = Buffer.from(key, 'utf8');
      len.writeUInt32BE(k.length);
      h.update(len).update(k);
      len.writeUInt32BE(value.length);
      h.update(len).update(value);
      count++;
    }
  }
  return { count, sha256: h.digest('hex') };
}
