/**
 * The proxy's response cache. Only responses that carry a lease are kept (dynamic
 * credentials): replaying them saves issuing new credentials per request. Entries die at
 * 90% of their lease, and when the proxy forwards a revocation that covers them.
 */
import { createHash } from 'node:crypto';

/** A cached upstream response. */
export type CachedResponse = {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  leaseId: string;
  token: string;
  path: string;
  expiresAt: number;
};

/** The cache key: method, URL (path and query), token and body, hashed. */
export function cacheKey(method: string, url: string, token: string, body: Buffer): string {
  return createHash('sha256').update(`${method}\n${url}\n${token}\n`).update(body).digest('hex');
}

/** Cached leased responses by {@link cacheKey}, with eviction by lease, token or path. */
export class LeaseCache {
  private readonly entries = new Map<string, CachedResponse>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Stores `entry` when its body is a leased secret; returns whether it was cached. */
  offer(key: string, entry: Omit<CachedResponse, 'leaseId' | 'expiresAt'>): boolean {
    if (entry.status !== 200) return false;
    let parsed: { lease_id?: unknown; lease_duration?: unknown; wrap_info?: unknown };
    try {
      parsed = JSON.parse(entry.body.toString('utf8')) as typeof parsed;
    } catch {
      return false;
    }
    const leaseId = typeof parsed.lease_id === 'string' ? parsed.lease_id : '';
    const ttl = typeof parsed.lease_duration === 'number' ? parsed.lease_duration : 0;
    if (leaseId === '' || ttl <= 0 || parsed.wrap_info) return false;
    this.entries.set(key, { ...entry, leaseId, expiresAt: this.now() + ttl * 900 });
    return true;
  }

  /** Drops entries whose lease id equals `id` (or starts with it, for prefix revocation). */
  evictLease(id: string, prefix = false): number {
    return this.evict((e) => (prefix ? e.leaseId.startsWith(id) : e.leaseId === id));
  }

  /** Drops entries fetched with `token` (its leases die with it). */
  evictToken(token: string): number {
    return this.evict((e) => e.token === token);
  }

  evictPath(prefix: string): number {
    return this.evict((e) => e.path.startsWith(prefix));
  }

  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
  }

  get size(): number {
    return this.entries.size;
  }

  private evict(match: (e: CachedResponse) => boolean): number {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (match(e)) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }
}

/** After a successful forwarded request: evicts what a revocation at `path` (with `body`) killed. */
export function evictForRevocation(cache: LeaseCache, method: string, path: string, body: Buffer, token: string): void {
  if (method !== 'PUT' && method !== 'POST' && method !== 'DELETE') return;
  let data: Record<string, unknown> = {};
  try {
    const v: unknown = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
    if (v && typeof v === 'object' && !Array.isArray(v)) data = v as Record<string, unknown>; // object checked
  } catch {
    data = {};
  }
  const p = path.replace(/^\/v1\//, '').replace(/\?.*$/, '');
  let m: RegExpExecArray | null;
  if ((m = /^sys\/(?:leases\/)?revoke(?:\/(.+))?$/.exec(p))) {
    const id = m[1] ?? (typeof data['lease_id'] === 'string' ? data['lease_id'] : '');
    if (id) cache.evictLease(id);
  } else if ((m = /^sys\/(?:leases\/)?revoke-(?:prefix|force)\/(.+)$/.exec(p))) {
    cache.evictLease(m[1] ?? '', true);
  } else if (p === 'auth/token/revoke-self') {
    cache.evictToken(token);
  } else if (/^auth\/token\/revoke(-orphan)?$/.test(p) && typeof data['token'] === 'string') {
    cache.evictToken(data['token']);
  }
}
