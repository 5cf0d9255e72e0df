/**
 * The write statements of a store with a change stream (HA stores): each write also moves
 * the change index and sends `pg_notify(channel, '<index> <keys as JSON>')` in the same
 * statement or transaction, so a NOTIFY is delivered exactly when its write commits.
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
  /** For a transaction's last statement: $1 payload keys, $2 channel; returns `idx`. */
  bump: string;
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
    bump: `WITH ${counter('')}, ${notify(1, 2)} SELECT (SELECT idx FROM i) AS idx, (SELECT count(*) FROM n)::int AS notified`,
  };
}

/** NOTIFY payloads are limited to 8000 bytes; a transaction naming more keys says "*" (anything may have changed). */
const MAX_KEYS_BYTES = 7000;

export function payloadKeys(keys: string[]): string {
  const text = JSON.stringify(keys);
  return Buffer.byteLength(text) > MAX_KEYS_BYTES ? '*' : text;
}
