/**
 * The mount's set of named keys: storage under `policy/<name>`, an in-memory cache of
 * parsed policies (encrypt/decrypt is the hot path, and parsing PEMs or JSON per request
 * would dominate it), and a per-key write lock so concurrent rotate/config/trim calls
 * each see the previous one's result instead of overwriting it.
 */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import type { Clock } from '../../lib/clock.js';
import { Policy, rotated, rotationDue, type StoredPolicy } from './policy.js';

const PREFIX = 'policy/';
/** Where `cache-config` keeps the cache size (Vault's storage key). */
export const CACHE_CONFIG_KEY = 'config/cache';
/** Vault's smallest bounded cache; 0 means unbounded. */
export const MIN_CACHE_SIZE = 10;

/** What a write callback returns: a new stored form, `null` to delete, `undefined` to leave the key alone. */
export type WriteResult = StoredPolicy | null | undefined;

export class Keyring {
  private readonly cache = new Map<string, Policy>();
  /** Bumped around every write so a read that raced it does not cache what it saw. */
  private readonly generation = new Map<string, number>();
  private readonly tails = new Map<string, Promise<void>>();
  /** 0: unbounded; otherwise the cache keeps this many most recently used keys (Vault's LRU). */
  private size = 0;
  private sizeLoaded: Promise<void> | null = null;

  constructor(readonly clock: Clock) {}

  /** The cache size as configured; `cache-config` writes it, the first use after mount reads it. */
  get cacheSize(): number {
    return this.size;
  }

  setCacheSize(size: number): void {
    this.size = size;
    this.sizeLoaded = Promise.resolve();
    this.evict();
  }

  /** The current policy, from cache when possible; null when no such key. */
  async get(storage: Storage, name: string): Promise<Policy | null> {
    await (this.sizeLoaded ??= this.loadSize(storage));
    const hit = this.cache.get(name);
    if (hit) {
      this.remember(name, hit);
      return hit;
    }
    const gen = this.generation.get(name) ?? 0;
    const stored = await getJSON<StoredPolicy>(storage, PREFIX + name);
    if (!stored) return null;
    const p = new Policy(stored);
    if ((this.generation.get(name) ?? 0) === gen) this.remember(name, p);
    return p;
  }

  private async loadSize(storage: Storage): Promise<void> {
    const cfg = await getJSON<{ size?: number }>(storage, CACHE_CONFIG_KEY);
    this.size = typeof cfg?.size === 'number' ? cfg.size : 0;
    this.evict();
  }

  /** Marks `name` most recently used (a Map iterates in insertion order) and trims the oldest. */
  private remember(name: string, p: Policy): void {
    this.cache.delete(name);
    this.cache.set(name, p);
    this.evict();
  }

  private evict(): void {
    if (this.size <= 0) return;
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.size) break;
      this.cache.delete(oldest);
    }
  }

  /** Like get, but first rotates the key if its auto_rotate_period has elapsed. */
  async forUse(storage: Storage, name: string): Promise<Policy | null> {
    const p = await this.get(storage, name);
    if (!p || !rotationDue(p, this.clock.now())) return p;
    return this.write(storage, name, async (cur) => (cur && rotationDue(cur, this.clock.now()) ? rotated(cur.stored, this.clock.now()) : undefined));
  }

  /**
   * Runs `fn` under the key's lock with the freshly loaded policy and persists what it
   * returns. Resolves to the policy as it stands afterwards.
   */
  async write(storage: Storage, name: string, fn: (cur: Policy | null) => Promise<WriteResult>): Promise<Policy | null> {
    return this.locked(name, async () => {
      const raw = await getJSON<StoredPolicy>(storage, PREFIX + name);
      const cur = raw ? new Policy(raw) : null;
      const next = await fn(cur);
      if (next === undefined) return cur;
      this.bump(name);
      try {
        if (next === null) await storage.delete(PREFIX + name);
        else await putJSON(storage, PREFIX + name, next);
      } finally {
        this.bump(name);
        this.cache.delete(name);
      }
      if (next === null) return null;
      const p = new Policy(next);
      this.remember(name, p);
      return p;
    });
  }

  async list(storage: Storage): Promise<string[]> {
    return (await storage.list(PREFIX)).filter((k) => !k.endsWith('/'));
  }

  /** Drops every cached policy (mount cleanup). */
  clear(): void {
    this.cache.clear();
  }

  private bump(name: string): void {
    this.generation.set(name, (this.generation.get(name) ?? 0) + 1);
  }

  private async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(name, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
