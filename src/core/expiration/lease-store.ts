/**
 * Storage layout of the expiration manager (all below its barrier view):
 *
 *   id/<leaseId>                      full record; lease ids contain the request path, so
 *                                     `list("id/<prefix>")` is exactly sys/leases/lookup LIST
 *   token/<tokenKey>/<b64url(leaseId)>  per-token index (empty value) for revokeByToken
 *   tok/<tokenKey>                    pointer to a token's expiry record (its lease id)
 *   exp/<hh>/<b64url(heapId)>.<ms>    expiry index: 256 buckets, expire time in the key
 *                                     name so restore reads key names only, never values
 *
 * Writers put the new index key before deleting the old one; readers treat index entries
 * as hints and always re-check the record, so a crash between writes is harmless.
 */
import { createHash } from 'node:crypto';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { LeaseRecord } from './types.js';

/** Heap ids of token expiries; NUL cannot appear in a request path. */
export const TOKEN_PREFIX = '\u0000';
export const tokenHeapId = (tokenKey: string): string => TOKEN_PREFIX + tokenKey;

const EMPTY = Buffer.alloc(0);
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const unb64 = (s: string): string => Buffer.from(s, 'base64url').toString('utf8');

export function bucketOf(heapId: string): string {
  return createHash('sha256').update(heapId).digest('hex').slice(0, 2);
}

export const BUCKETS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function parseIndexKey(name: string): { heapId: string; time: number } | null {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return null;
  const time = Number(name.slice(dot + 1));
  if (!Number.isFinite(time)) return null;
  return { heapId: unb64(name.slice(0, dot)), time };
}

export class LeaseStore {
  constructor(private readonly s: Storage) {}

  get(leaseId: string): Promise<LeaseRecord | null> {
    return getJSON<LeaseRecord>(this.s, `id/${leaseId}`);
  }

  async put(rec: LeaseRecord): Promise<void> {
    await putJSON(this.s, `id/${rec.leaseId}`, rec);
  }

  async remove(rec: LeaseRecord): Promise<void> {
    const heapId = rec.kind === 'token' ? tokenHeapId(rec.tokenKey) : rec.leaseId;
    await this.s.delete(`id/${rec.leaseId}`);
    await this.dropIndex(heapId, rec.expireTime);
    if (rec.kind === 'token') await this.s.delete(`tok/${rec.tokenKey}`);
    else if (rec.tokenKey !== '') await this.s.delete(`token/${rec.tokenKey}/${b64(rec.leaseId)}`);
  }

  async addIndex(heapId: string, time: number): Promise<void> {
    await this.s.put(`exp/${bucketOf(heapId)}/${b64(heapId)}.${time}`, EMPTY);
  }

  async dropIndex(heapId: string, time: number): Promise<void> {
    await this.s.delete(`exp/${bucketOf(heapId)}/${b64(heapId)}.${time}`);
  }

  /** Raw key names in one expiry bucket. */
  listBucket(bucket: string): Promise<string[]> {
    return this.s.list(`exp/${bucket}/`);
  }

  deleteIndexKey(bucket: string, name: string): Promise<void> {
    return this.s.delete(`exp/${bucket}/${name}`);
  }

  async linkToken(tokenKey: string, leaseId: string): Promise<void> {
    if (tokenKey !== '') await this.s.put(`token/${tokenKey}/${b64(leaseId)}`, EMPTY);
  }

  async leasesOfToken(tokenKey: string): Promise<string[]> {
    return (await this.s.list(`token/${tokenKey}/`)).filter((n) => !n.endsWith('/')).map(unb64);
  }

  unlinkToken(tokenKey: string, leaseId: string): Promise<void> {
    return this.s.delete(`token/${tokenKey}/${b64(leaseId)}`);
  }

  /** Token keys that have a per-token index folder. */
  async indexedTokens(): Promise<string[]> {
    return (await this.s.list('token/')).filter((n) => n.endsWith('/')).map((n) => n.slice(0, -1));
  }

  async tokenLeaseId(tokenKey: string): Promise<string | null> {
    const raw = await this.s.get(`tok/${tokenKey}`);
    return raw === null ? null : raw.toString('utf8');
  }

  async setTokenLeaseId(tokenKey: string, leaseId: string): Promise<void> {
    await this.s.put(`tok/${tokenKey}`, Buffer.from(leaseId, 'utf8'));
  }

  /** Immediate children below `id/<prefix>`: id suffixes and sub-prefixes ending in "/". */
  list(prefix: string): Promise<string[]> {
    return this.s.list(`id/${prefix}`);
  }
}
