/**
 * Immediate children of a prefix, read from flat keys without walking subtrees: keys-only
 * pages of the prefix's range, and each time a child folder appears the next page starts
 * just past that folder's whole subtree (`<folder>0`, "0" being the byte after "/"). All pages
 * read at the first page's revision, so the listing is one consistent point in time.
 */
import type { KVClient } from 'etcd3';
import { after, prefixEnd } from './keys.js';

const SLASH = 0x2f;

export async function listChildren(kv: KVClient, prefix: Buffer, pageSize = 500): Promise<string[]> {
  const end = prefixEnd(prefix);
  const names = new Set<string>();
  let from = prefix;
  let revision: string | undefined;
  for (;;) {
    const res = await kv.range({ key: from, range_end: end, limit: pageSize, keys_only: true, ...(revision ? { revision } : {}) });
    revision ??= res.header.revision;
    let next: Buffer | null = null;
    for (const { key } of res.kvs) {
      if (next !== null && Buffer.compare(key, next) < 0) continue; // inside a folder already listed
      const rest = key.subarray(prefix.length);
      if (rest.length === 0) continue; // the prefix itself is not its own child
      const slash = rest.indexOf(SLASH);
      if (slash === -1) {
        names.add(rest.toString('utf8'));
        next = after(key);
      } else {
        names.add(rest.subarray(0, slash + 1).toString('utf8'));
        next = Buffer.concat([prefix, rest.subarray(0, slash), Buffer.from([SLASH + 1])]);
      }
    }
    if (!res.more || next === null) break;
    from = next;
  }
  // Byte order and JavaScript's string order differ above U+FFFF; callers expect the latter.
  return [...names].sort();
}
