/**
 * What a client sees when the physical store fails a call, decided in one place (the
 * barrier, the only caller of the store on a request's path):
 * - an entry larger than the engine accepts (etcd's request limit, SQLITE_TOOBIG): Vault's
 *   answer to an oversized request, 413, naming the engine and, when the store knows it,
 *   the limit;
 * - a write refused by HA fencing (LockLostError): unchanged, the core turns it into the
 *   standby answer;
 * - anything else (engine down, timed out, refused the statement): a 500 that says the
 *   storage engine failed, rather than a bare "internal error". The cause (addresses,
 *   driver text) goes to the server log with the error, never to the client: it can name
 *   internal storage paths and hosts.
 * Messages never name the storage key: that is an internal path (mount UUIDs).
 */
import { WardError } from '../../sdk/errors.js';

/** Codes stores give their "too large" errors (etcd/errors.ts, better-sqlite3). */
const TOO_LARGE_CODES = new Set(['etcd_request_too_large', 'storage_value_too_large', 'SQLITE_TOOBIG']);

interface Coded {
  code?: unknown;
  limit?: unknown;
  requestSize?: unknown;
}

/** The first error in `e`'s cause chain whose code is in `codes`. */
function findCode(e: unknown, codes: ReadonlySet<string>): Coded | null {
  for (let c: unknown = e, i = 0; c instanceof Error && i < 5; c = c.cause, i++) {
    const f = c as Error & Coded;
    if (typeof f.code === 'string' && codes.has(f.code)) return f;
  }
  return null;
}

const LOCK_LOST = new Set(['ha_lock_lost']);

/** What to throw for `e`, a failure of the physical store `engine` (its name: etcd, postgresql, ...). */
export function storageError(e: unknown, engine: string): unknown {
  if (WardError.is(e) || findCode(e, LOCK_LOST) !== null) return e;
  const big = findCode(e, TOO_LARGE_CODES);
  if (big !== null) {
    const size = typeof big.requestSize === 'number' ? ` is ${big.requestSize} bytes once encrypted and` : '';
    const limit = typeof big.limit === 'number' ? ` of ${big.limit} bytes` : '';
    return new WardError('too_large', [`put failed due to value being too large: the entry${size} is over the ${engine} storage engine's size limit${limit}`], { cause: e });
  }
  return new WardError('internal', [`storage error: the ${engine} storage engine did not complete the request (the server log has the cause)`], { cause: e });
}
