/**
 * The write statements of a store with a change stream (HA stores): each write also moves
 * the change index and sends `pg_notify(channel, '<index> <keys as JSON>')` in the same
 * statement (never a multi-statement transaction: see `many`), so a NOTIFY is delivered
 * exactly when its write commits.
 *
 * The index is a counter row in the HA table (ha_key `ward/change-index`, never expiring;
 * no extra table, so Vault's schema docs still describe every table). Its row lock is held
 * from the increment to the commit, so indexes are taken in commit order, NOTIFYs arrive in
 * commit order, and a rolled-back write gives its number back: committed indexes are
 * contiguous, which lets a listener see a gap. The write happens only when the counter moved
 * (`FROM i`), so a missing counter row fails the write instead of skipping its notification.
 */
import { guardSql, quoteIdent, UPSERT } from './queries.js';

export const INDEX_KEY = 'ward/change-index';

export interface NotifyQueries {
  /** Creates the counter row when missing. */
  init: string;
  /** `idx`: the index now. */
  current: string;
  /** $1 parent_path, $2 path, $3 key, $4 value, $5 payload keys, $6 channel; returns `idx`. */
  put: string;
  /** $1 path, $2 key, $3 payload keys, $4 channel; returns `idx`. */
  delete: string;
  /** put with the fence: $7 ha_key, $8 ha_identity; returns `held` and `idx`. */
  fencedPut: string;
  /** delete with the fence: $5 ha_key, $6 ha_identity; returns `held` and `idx`. */
  fencedDelete: string;
  /**
   * A transaction as one statement: $1/$2 paths/keys to delete, $3..$6 parent_paths/paths/
   * keys/values to upsert, $7 payload keys, $8 channel; returns `idx`. One statement, not
   * BEGIN…COMMIT: a node frozen between two statements of a transaction would hold the
   * fence's row lock (and the counter's) until it resumed, and the next active's takeover
   * would wait for it. Keys must be distinct.
   */
  many: string;
  /** `many` with the fence: $9 ha_key, $10 ha_identity; returns `held` and `idx`. */
  fencedMany: string;
}

export function buildNotifyQueries(table: string, haTable: string): NotifyQueries {
  const t = quoteIdent(table);
  const ha = quoteIdent(haTable);
  const counter = (cond: string): string =>
    `i AS (UPDATE ${ha} SET ha_value = (ha_value::bigint + 1)::text WHERE ha_key = '${INDEX_KEY}'${cond} RETURNING ha_value::bigint AS idx)`;
  const notify = (keys: number, channel: number): string => `n AS (SELECT pg_notify($${channel}::text, idx::text || ' ' || $${keys}::text) FROM i)`;
  const fenced = ' AND EXISTS (SELECT 1 FROM g)';
  return {
    init: `INSERT INTO ${ha} (ha_key, ha_identity, ha_value, valid_until) VALUES ('${INDEX_KEY}', '', '0', 'infinity') ON CONFLICT (ha_key) DO NOTHING`,
    current: `SELECT ha_value::bigint AS idx FROM ${ha} WHERE ha_key = '${INDEX_KEY}'`,
    put:
      `WITH ${counter('')}, ${notify(5, 6)}, ` +
      `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT $1, $2, $3, $4::bytea FROM i ${UPSERT} RETURNING 1) ` +
      `SELECT (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM w)::int AS written`,
    delete:
      `WITH ${counter('')}, ${notify(3, 4)}, ` +
      `w AS (DELETE FROM ${t} WHERE path = $1 AND key = $2 AND EXISTS (SELECT 1 FROM i) RETURNING 1) ` +
      `SELECT (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM w)::int AS written`,
    fencedPut:
      `WITH g AS (${guardSql(ha, 7)}), ${counter(fenced)}, ${notify(5, 6)}, ` +
      `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT $1, $2, $3, $4::bytea FROM i ${UPSERT} RETURNING 1) ` +
      `SELECT (SELECT count(*) FROM g)::int AS held, (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM w)::int AS written`,
    fencedDelete:
      `WITH g AS (${guardSql(ha, 5)}), ${counter(fenced)}, ${notify(3, 4)}, ` +
      `w AS (DELETE FROM ${t} WHERE path = $1 AND key = $2 AND EXISTS (SELECT 1 FROM i) RETURNING 1) ` +
      `SELECT (SELECT count(*) FROM g)::int AS held, (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM w)::int AS written`,
    // d and w read i, so the counter row is locked (after the guard row) before any data row.
    many:
      `WITH ${counter('')}, ${notify(7, 8)}, ${manyWrites(t)} ` +
      `SELECT (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM d)::int AS deleted, (SELECT count(*) FROM w)::int AS written`,
    fencedMany:
      `WITH g AS (${guardSql(ha, 9)}), ${counter(fenced)}, ${notify(7, 8)}, ${manyWrites(t)} ` +
      `SELECT (SELECT count(*) FROM g)::int AS held, (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM d)::int AS deleted, (SELECT count(*) FROM w)::int AS written`,
  };
}

/** The deletes ($1, $2) and upserts ($3..$6) of `many`, written only when the counter moved. */
function manyWrites(t: string): string {
  return (
    `d AS (DELETE FROM ${t} WHERE (path, key) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND EXISTS (SELECT 1 FROM i) RETURNING 1), ` +
    `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[]) WHERE EXISTS (SELECT 1 FROM i) ${UPSERT} RETURNING 1)`
  );
}

/** NOTIFY payloads are limited to 8000 bytes; a transaction naming more keys says "*" (anything may have changed). */
const MAX_KEYS_BYTES = 7000;

export function payloadKeys(keys: string[]): string {
  const text = JSON.stringify(keys);
  return Buffer.byteLength(text) > MAX_KEYS_BYTES ? '*' : text;
}
