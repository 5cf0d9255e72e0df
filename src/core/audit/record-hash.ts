/**
 * The hashing of a record's fields under one device's salt: tokens and accessors, and every
 * string leaf of request and response data, as `hmac-sha256:<hex>` (hash.ts) unless the
 * device logs raw or the key is listed in the clear.
 *
 * Tokens and accessors repeat on every request (twice per request, in `auth` and in
 * `request`), and an HMAC costs about as much as serialising the whole record, so their
 * hashes are memoised. The cache only holds values the token store already keeps in
 * memory; request and response data (secrets) are never cached. Cleared wholesale when
 * full rather than tracking recency: cheap, and a miss only costs one HMAC.
 */
import { flat, stringifyShared } from '../../lib/json-text.js';
import type { FormatOptions } from './format-options.js';
import { hashedJson, hmacValue } from './hash.js';
import { str } from './record-fields.js';

export const TOKEN_CACHE_MAX = 4096;
const VALUE_CACHE_MAX = 10_000;
const VALUE_CACHE_MAX_LENGTH = 512;

/** Set lookups beat Array.includes once per string leaf; keep one Set per distinct list. */
export function keySet(keys: string[] | undefined): ReadonlySet<string> | null {
  return keys && keys.length > 0 ? new Set(keys) : null;
}

export class FieldHasher {
  private readonly tokenCache = new Map<string, string>();
  /** Empty strings are common leaves (KV v2 `deletion_time`) and hash to a constant. */
  private readonly emptyHash: string;
  /**
   * Memo of leaf HMACs: the same values (timestamps, the secret read again and again)
   * recur on every request, and an HMAC costs more than formatting the whole record.
   * It holds nothing the barrier's value cache does not already hold in memory, is
   * bounded, and is dropped on seal with the token memo.
   */
  private readonly valueCache = new Map<string, string>();
  private readonly hashFn = (s: string): string => {
    if (s === '') return this.emptyHash;
    if (s.length > VALUE_CACHE_MAX_LENGTH) return hmacValue(this.salt, s);
    return this.memoHmac(this.valueCache, VALUE_CACHE_MAX, s);
  };
  /** Hashed texts of frozen (shared, never-changing) data objects under this salt. */
  private sharedData = new WeakMap<object, string>();

  constructor(
    private readonly salt: Buffer,
    private readonly options: FormatOptions,
  ) {
    this.emptyHash = hmacValue(salt, '');
  }

  /** `hmacValue(salt, s)` through `cache`, which is emptied wholesale when it reaches `max`. */
  private memoHmac(cache: Map<string, string>, max: number, s: string): string {
    let h = cache.get(s);
    if (h === undefined) {
      h = hmacValue(this.salt, s);
      if (cache.size >= max) cache.clear();
      cache.set(s, h);
    }
    return h;
  }

  /** The HMAC of `s` under this device's salt, not memoised (what `sys/audit-hash` returns). */
  hash(s: string): string {
    return hmacValue(this.salt, s);
  }

  /** A token as the record shows it: memoised hash, or clear with log_raw; empty drops out. */
  token(s: string): string | undefined {
    if (!s) return undefined;
    if (this.options.logRaw) return s;
    return this.memoHmac(this.tokenCache, TOKEN_CACHE_MAX, s);
  }

  /** An accessor: hashed like a token unless `hmac_accessor` is off. */
  accessor(s: string): string | undefined {
    return this.options.hmacAccessor ? this.token(s) : str(s);
  }

  /** `,"data":<json>` with every string leaf hashed (unless log_raw or a clear key), or "". */
  dataField(d: Record<string, unknown> | null | undefined, clear: ReadonlySet<string> | null): string {
    if (!d) return '';
    if (this.options.logRaw) return `,"data":${stringifyShared(d)}`;
    if (clear !== null || !Object.isFrozen(d)) return `,"data":${hashedJson(d, this.hashFn, clear)!}`;
    let text = this.sharedData.get(d);
    if (text === undefined) {
      text = flat(hashedJson(d, this.hashFn, null)!);
      this.sharedData.set(d, text);
    }
    return `,"data":${text}`;
  }

  /** Drops every memoised hash (on seal, so no token outlives the broker). */
  clear(): void {
    this.tokenCache.clear();
    this.valueCache.clear();
    this.sharedData = new WeakMap();
  }
}
