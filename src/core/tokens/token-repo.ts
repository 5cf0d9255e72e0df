/**
 * Storage layout of the token store (below its barrier view):
 *
 *   salt                         32 random bytes; token and accessor keys are HMACs under it
 *   batch-key                    AES-256 key for batch tokens (see batch.ts)
 *   id/<tokenKey>                TokenEntry JSON (tokenKey = HMAC(salt, token id), hex)
 *   accessor/<accessorKey>       {accessor, tokenKey}
 *   parent/<parentKey>/<childKey>  empty; the revocation tree
 *   roles/<name>                 TokenRole JSON
 *
 * Raw token ids never appear in key names. Entries are cached in memory by tokenKey; the
 * cached object is the canonical copy that use counting mutates.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { TokenEntry } from './types.js';

const CACHE_LIMIT = 100_000;
const KEY_CACHE_MAX = 100_000;
const EMPTY = Buffer.alloc(0);

export class TokenRepo {
  private salt: Buffer | null = null;
  private readonly cache = new Map<string, TokenEntry>();
  /** token id → storage key, for tokens known to exist (see keyOf). */
  private readonly keyCache = new Map<string, string>();

  constructor(readonly storage: Storage) {}

  async load(): Promise<void> {
    let salt = await this.storage.get('salt');
    if (salt === null || salt.length !== 32) {
      salt = randomBytes(32);
      await this.storage.put('salt', salt);
    }
    this.salt = salt;
    this.cache.clear();
    this.keyCache.clear();
  }

  /** HMAC of a token id: the key used in storage, the lease index and the cache. */
  keyOf(tokenId: string): string {
    // Known tokens skip the HMAC: only an exact, full token hits this map, and every
    // guess misses and pays the same HMAC, so the map's timing tells an attacker nothing.
    return this.provenKey(tokenId) ?? this.hmacKey(tokenId);
  }

  /** keyOf without the memo: always the HMAC (for callers that consulted provenKey already). */
  hmacKey(tokenId: string): string {
    if (!this.salt) throw new Error('token store not loaded');
    return createHmac('sha256', this.salt).update(tokenId).digest('hex');
  }

  /**
   * The key of a token this repo has already matched against its stored entry, or
   * undefined. A hit is an exact match of the whole token, so the entry under the key
   * is that token's and need not be compared again.
   */
  provenKey(tokenId: string): string | undefined {
    return this.keyCache.get(tokenId);
  }

  /** Remembers a token's storage key once the token is known to exist. */
  rememberKey(tokenId: string, key: string): void {
    if (this.keyCache.size >= KEY_CACHE_MAX) this.keyCache.clear();
    this.keyCache.set(tokenId, key);
  }

  private accessorKey(accessor: string): string {
    return this.keyOf(`accessor:${accessor}`);
  }

  /** The entry under `key` if it is in memory; `undefined` says nothing about storage. */
  cached(key: string): TokenEntry | undefined {
    return this.cache.get(key);
  }

  /** The entry stored under `key` (cached). */
  async get(key: string): Promise<TokenEntry | null> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const loaded = await getJSON<TokenEntry>(this.storage, `id/${key}`);
    if (!loaded) return null;
    // Another caller may have loaded it meanwhile: keep one canonical object.
    const raced = this.cache.get(key);
    if (raced) return raced;
    this.remember(key, loaded);
    return loaded;
  }

  async put(key: string, entry: TokenEntry): Promise<void> {
    await putJSON(this.storage, `id/${key}`, entry);
    this.remember(key, entry);
  }

  async delete(key: string): Promise<void> {
    const cached = this.cache.get(key);
    if (cached) this.keyCache.delete(cached.id);
    this.cache.delete(key);
    await this.storage.delete(`id/${key}`);
  }

  forgetCached(key: string): void {
    this.cache.delete(key);
  }

  async setAccessor(accessor: string, tokenKey: string): Promise<void> {
    await putJSON(this.storage, `accessor/${this.accessorKey(accessor)}`, { accessor, tokenKey });
  }

  async tokenKeyOfAccessor(accessor: string): Promise<string | null> {
    if (accessor === '') return null;
    const rec = await getJSON<{ accessor: string; tokenKey: string }>(this.storage, `accessor/${this.accessorKey(accessor)}`);
    return rec?.tokenKey ?? null;
  }

  async deleteAccessor(accessor: string): Promise<void> {
    if (accessor !== '') await this.storage.delete(`accessor/${this.accessorKey(accessor)}`);
  }

  /** Every accessor index record (for LIST accessors and tidy). */
  async accessorRecords(): Promise<{ name: string; accessor: string; tokenKey: string }[]> {
    const out: { name: string; accessor: string; tokenKey: string }[] = [];
    for (const name of await this.storage.list('accessor/')) {
      const rec = await getJSON<{ accessor: string; tokenKey: string }>(this.storage, `accessor/${name}`);
      if (rec) out.push({ name, ...rec });
    }
    return out;
  }

  deleteAccessorRecord(name: string): Promise<void> {
    return this.storage.delete(`accessor/${name}`);
  }

  async addChild(parentKey: string, childKey: string): Promise<void> {
    await this.storage.put(`parent/${parentKey}/${childKey}`, EMPTY);
  }

  async removeChild(parentKey: string, childKey: string): Promise<void> {
    await this.storage.delete(`parent/${parentKey}/${childKey}`);
  }

  async children(parentKey: string): Promise<string[]> {
    return (await this.storage.list(`parent/${parentKey}/`)).filter((n) => !n.endsWith('/'));
  }

  async parentsWithChildren(): Promise<string[]> {
    return (await this.storage.list('parent/')).filter((n) => n.endsWith('/')).map((n) => n.slice(0, -1));
  }

  private remember(key: string, entry: TokenEntry): void {
    this.cache.set(key, entry);
    if (this.cache.size <= CACHE_LIMIT) return;
    for (const [k, e] of this.cache) {
      // Limited-use tokens stay cached: their in-memory counter is what makes use counting atomic.
      if (e.numUses !== 0) continue;
      this.cache.delete(k);
      break;
    }
  }
}
