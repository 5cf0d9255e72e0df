/**
 * The storage a backend sees: plaintext values under its own prefix. In the server this
 * is a barrier view (encrypted below, chrooted to the mount's uuid); in backend unit
 * tests it is InmemStorage. Values are bytes; `getJSON`/`putJSON` are the common case.
 */
import { deepFreeze } from '../lib/freeze.js';
import { decodeRecord, encodeRecord } from './record.js';

export interface Storage {
  get(key: string): Promise<Buffer | null>;
  put(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  /** Immediate children of `prefix`: leaf names, and folder names ending in "/". Sorted. */
  list(prefix: string): Promise<string[]>;
  /**
   * Optional, for stores that cache plaintext: the value run through `decode`, possibly
   * the very object an earlier call returned while the value is unchanged. Use it
   * through {@link getShared}.
   */
  getDecoded?<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null>;
  /**
   * Optional: `put`, telling a caching store what `decode` makes of `value`, so the next
   * `getDecoded` with that decoder need not decode it. `value` is handed over: the
   * caller never changes it afterwards. Use it through {@link putShared}.
   */
  putDecoded?(key: string, value: Buffer, decode: (raw: Buffer) => unknown, decoded: unknown): Promise<void>;
  /**
   * Optional: applies `ops` in order as one unit: resolves once all of them are durable,
   * rejects with none of them applied. A read issued meanwhile sees the values from
   * before. Use it through {@link transact}. Put values are handed over, as for putDecoded.
   */
  transaction?(ops: StorageOp[]): Promise<void>;
}

/**
 * One write of a {@link Storage.transaction}. A put may carry what `decode` makes of its
 * value (frozen), for a caching store to hand out next, as {@link putShared} does.
 */
export type StorageOp =
  | { op: 'put'; key: string; value: Buffer; decode?: (raw: Buffer) => unknown; decoded?: unknown }
  | { op: 'delete'; key: string };

/**
 * Applies `ops` atomically on a store that offers transactions (the barrier and its views,
 * InmemStorage); on one that does not, in order, one by one, and a failure can then leave
 * the earlier ops applied.
 */
export function transact(s: Storage, ops: StorageOp[]): Promise<void> {
  if (s.transaction) return s.transaction(ops);
  return (async () => {
    for (const op of ops) {
      if (op.op === 'delete') await s.delete(op.key);
      else if (op.decode !== undefined && s.putDecoded) await s.putDecoded(op.key, op.value, op.decode, op.decoded);
      else await s.put(op.key, op.value);
    }
  })();
}

/** The put op of a JSON record that {@link getSharedJSON} then hands out without decoding; `value` is deep-frozen. */
export function sharedJSONPut(key: string, value: object): StorageOp {
  return { op: 'put', key, value: encodeRecord(value), decode: frozenJSON, decoded: deepFreeze(value) };
}

/** The record at `key` (see record.ts for what a record may hold), or null. */
export async function getJSON<T>(s: Storage, key: string): Promise<T | null> {
  const raw = await s.get(key);
  return raw === null ? null : decodeRecord<T>(raw);
}

/** Recursively readonly: what a shared decoded record is. */
export type Frozen<T> = T extends (infer E)[] ? readonly Frozen<E>[] : T extends object ? { readonly [K in keyof T]: Frozen<T[K]> } : T;

/** One decoder for every shared JSON read, so all callers of a key share one parse. */
const frozenJSON = (raw: Buffer): unknown => deepFreeze(decodeRecord<unknown>(raw));

/**
 * The value of `key` as `decode` makes it, for reading only: on a caching store shared
 * by every caller until the value changes, so a hot record is decoded once rather than
 * per read. `decode` must return a frozen value and be one function per record kind
 * (a module-level constant): the cache keys the decoded object by it.
 */
export function getShared<T>(s: Storage, key: string, decode: (raw: Buffer) => T): Promise<T | null> {
  // Not async: returning the store's own promise saves a hop on every hot read.
  if (s.getDecoded) return s.getDecoded(key, decode);
  return s.get(key).then((raw) => (raw === null ? null : decode(raw)));
}

/**
 * Writes `raw` and, on a caching store, leaves `value` (frozen, what `decode` makes of
 * `raw`) as the shared value {@link getShared} hands out next, so a record written once
 * per request is never decoded back. `raw` is handed over: the caller must not change it.
 */
export function putShared<T>(s: Storage, key: string, raw: Buffer, decode: (raw: Buffer) => T, value: T): Promise<void> {
  if (!s.putDecoded) return s.put(key, raw);
  return s.putDecoded(key, raw, decode, value);
}

/**
 * Writes `value` as JSON and leaves it as the shared decoded value that
 * {@link getSharedJSON} hands out next. `value` is deep-frozen here; the caller must be
 * done changing it.
 */
export function putSharedJSON(s: Storage, key: string, value: object): Promise<void> {
  let raw: Buffer;
  try {
    raw = encodeRecord(value);
  } catch (e) {
    return Promise.reject(e);
  }
  return putShared<unknown>(s, key, raw, frozenJSON, deepFreeze(value));
}

/**
 * A JSON value for reading only: deep-frozen, and on a caching store shared by every
 * caller until the value changes. Mutating it throws; copy what you need to change.
 */
export function getSharedJSON<T>(s: Storage, key: string): Promise<Frozen<T> | null> {
  return getShared(s, key, frozenJSON) as Promise<Frozen<T> | null>;
}

/** Writes `value` as a record; a value that would not read back as itself is a 400 and nothing is written. */
export async function putJSON(s: Storage, key: string, value: unknown): Promise<void> {
  await s.put(key, encodeRecord(value));
}

/** Every key below `prefix`, depth-first (for deleting a subtree or a whole mount). */
export async function listRecursive(s: Storage, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const child of await s.list(prefix)) {
    if (child.endsWith('/')) out.push(...(await listRecursive(s, prefix + child)));
    else out.push(prefix + child);
  }
  return out;
}

/** Immediate children of `prefix` among a sorted or unsorted set of full keys. */
export function childrenOf(keys: Iterable<string>, prefix: string): string[] {
  const seen = new Set<string>();
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    if (rest === '') continue;
    const slash = rest.indexOf('/');
    seen.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...seen].sort();
}

/** A prefix "chroot" over another Storage. */
export class PrefixStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly prefix: string,
  ) {}
  get(key: string): Promise<Buffer | null> {
    return this.inner.get(this.prefix + key);
  }
  put(key: string, value: Buffer): Promise<void> {
    return this.inner.put(this.prefix + key, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(this.prefix + key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(this.prefix + prefix);
  }
  getDecoded<T>(key: string, decode: (raw: Buffer) => T): Promise<T | null> {
    const inner = this.inner;
    if (inner.getDecoded) return inner.getDecoded(this.prefix + key, decode);
    return inner.get(this.prefix + key).then((raw) => (raw === null ? null : decode(raw)));
  }
  putDecoded(key: string, value: Buffer, decode: (raw: Buffer) => unknown, decoded: unknown): Promise<void> {
    const inner = this.inner;
    if (inner.putDecoded) return inner.putDecoded(this.prefix + key, value, decode, decoded);
    return inner.put(this.prefix + key, value);
  }
  transaction(ops: StorageOp[]): Promise<void> {
    return transact(
      this.inner,
      ops.map((op) => ({ ...op, key: this.prefix + op.key })),
    );
  }
}

/** In-memory Storage for backend unit tests. Copies buffers so callers cannot alias stored bytes. */
export class InmemStorage implements Storage {
  private readonly map = new Map<string, Buffer>();
  async get(key: string): Promise<Buffer | null> {
    const v = this.map.get(key);
    return v === undefined ? null : Buffer.from(v);
  }
  async put(key: string, value: Buffer): Promise<void> {
    this.map.set(key, Buffer.from(value));
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
  async list(prefix: string): Promise<string[]> {
    return childrenOf(this.map.keys(), prefix);
  }
  async transaction(ops: StorageOp[]): Promise<void> {
    // Synchronous from here on, so no other call sees half of it.
    for (const op of ops) {
      if (op.op === 'put') this.map.set(op.key, Buffer.from(op.value));
      else this.map.delete(op.key);
    }
  }
}
