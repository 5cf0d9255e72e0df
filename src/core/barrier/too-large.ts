/**
 * Storage refusals that mean "this entry is larger than the engine accepts" (etcd's request
 * limit, SQLite's SQLITE_TOOBIG), turned into Vault's answer to an oversized request: 413.
 * Anything else passes through unchanged (a 500 from the HTTP layer). The message names the
 * engine and, when the store knows it, the limit, but never the storage key: that is an
 * internal path (mount UUIDs), not something the client sent.
 */
import { WardError } from '../../sdk/errors.js';

/** Codes stores give their "too large" errors (etcd/errors.ts, better-sqlite3). */
const TOO_LARGE_CODES = new Set(['etcd_request_too_large', 'storage_value_too_large', 'SQLITE_TOOBIG']);

interface TooLargeFields {
  code?: unknown;
  limit?: unknown;
  requestSize?: unknown;
}

/** The first error in `e`'s cause chain that a store raised for an oversized entry. */
function findTooLarge(e: unknown): TooLargeFields | null {
  for (let c: unknown = e, i = 0; c instanceof Error && i < 5; c = c.cause, i++) {
    const f = c as Error & TooLargeFields;
    if (typeof f.code === 'string' && TOO_LARGE_CODES.has(f.code)) return f;
  }
  return null;
}

/** `e` as a 413 when a store refused an entry for its size (on store `engine`), else `e` itself. */
export function tooLargeForStorage(e: unknown, engine: string): unknown {
  const f = findTooLarge(e);
  if (f === null) return e;
  const size = typeof f.requestSize === 'number' ? ` is ${f.requestSize} bytes once encrypted and` : '';
  const limit = typeof f.limit === 'number' ? ` of ${f.limit} bytes` : '';
  const msg = `put failed due to value being too large: the entry${size} is over the ${engine} storage engine's size limit${limit}`;
  return new WardError('too_large', [msg], { cause: e });
}
