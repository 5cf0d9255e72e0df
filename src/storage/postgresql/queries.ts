/**
 * The SQL the PostgreSQL store runs, built once per store from its (quoted) table names.
 * Every value travels as a bind parameter; only identifiers are spliced in, quoted.
 */

/** Quotes an identifier as Vault does (the whole name is one identifier: "a.b" is not schema a). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Immediate children of a prefix, as two index range scans on the primary key (path, key):
 * folders by a skip scan that jumps past each folder's subtree (so listing "" on a big
 * store reads one row per top-level folder, not every row), leaves by path = dir.
 * $1 full ("/" + prefix), $2 its successor, $3 dir, $4 part, $5 part's successor or NULL.
 */
export function listQuery(t: string): string {
  const child = `substring(substr(path, length($1::text) + 1) from '^[^/]*/')`;
  return [
    `WITH RECURSIVE f(child) AS (`,
    `  SELECT (SELECT ${child} FROM ${t} WHERE path > $1::text AND path < $2::text ORDER BY path LIMIT 1)`,
    `  UNION ALL`,
    // "/" + 1 is "0": the first path after every path below this folder.
    `  SELECT (SELECT ${child} FROM ${t} WHERE path >= $1::text || left(f.child, -1) || '0' AND path < $2::text ORDER BY path LIMIT 1)`,
    `  FROM f WHERE f.child IS NOT NULL`,
    `)`,
    `SELECT child FROM f WHERE child IS NOT NULL`,
    `UNION ALL`,
    `SELECT substr(key, length($4::text) + 1) FROM ${t} WHERE path = $3::text AND key > $4::text AND ($5::text IS NULL OR key < $5::text)`,
  ].join('\n');
}

/** The statements of one store. `fenced` variants write only while the HA lock row is ours and valid. */
export interface Queries {
  get: string;
  put: string;
  delete: string;
  list: string;
  /** $1 ha_key, $2 ha_identity: one row while the holding is current; locks the row FOR KEY SHARE. */
  guard: string;
  /** put/delete with the guard in the same statement; both return `held` (0 or 1). */
  fencedPut: string;
  fencedDelete: string;
  /**
   * A transaction as one statement (one round trip, atomic as every statement is):
   * $1/$2 paths/keys to delete, $3..$6 parent_paths/paths/keys/values to upsert; the
   * fenced one adds $7 ha_key, $8 ha_identity and returns `held`. Keys must be distinct.
   */
  many: string;
  fencedMany: string;
  /** `many` with puts only ($1..$4 as $3..$6 there; fenced: $5 ha_key, $6 ha_identity): a KV write's usual shape. */
  putMany: string;
  fencedPutMany: string;
  scan: string;
}

/** The fence's guard on the quoted HA table `ha`, with ha_key at $p and ha_identity at $p+1. */
export function guardSql(ha: string, p: number): string {
  return `SELECT 1 FROM ${ha} WHERE ha_key = $${p} AND ha_identity = $${p + 1} AND valid_until > clock_timestamp() FOR KEY SHARE`;
}

export const UPSERT = `ON CONFLICT (path, key) DO UPDATE SET parent_path = excluded.parent_path, value = excluded.value`;

export function buildQueries(table: string, haTable: string): Queries {
  const t = quoteIdent(table);
  const ha = quoteIdent(haTable);
  // FOR KEY SHARE: a renewal (an UPDATE of valid_until only) never waits for a write, so a
  // slow write cannot cost the lock; a takeover or release DELETEs the row, which conflicts,
  // so a write that passed the guard commits before another node can hold the lock, and one
  // that comes after finds no valid row of ours and writes nothing. clock_timestamp(), not
  // now(): the check is about this instant, not when the transaction began.
  const guardOn = (p: number) => guardSql(ha, p);
  const upsert = UPSERT;
  return {
    get: `SELECT value FROM ${t} WHERE path = $1 AND key = $2`,
    put: `INSERT INTO ${t} (parent_path, path, key, value) VALUES ($1, $2, $3, $4) ${upsert}`,
    delete: `DELETE FROM ${t} WHERE path = $1 AND key = $2`,
    list: listQuery(t),
    guard: guardOn(1),
    fencedPut:
      `WITH g AS (${guardOn(5)}), ` +
      `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT $1, $2, $3, $4::bytea FROM g ${upsert} RETURNING 1) ` +
      `SELECT count(*)::int AS held FROM g`,
    fencedDelete:
      `WITH g AS (${guardOn(3)}), ` +
      `w AS (DELETE FROM ${t} WHERE path = $1 AND key = $2 AND EXISTS (SELECT 1 FROM g) RETURNING 1) ` +
      `SELECT count(*)::int AS held FROM g`,
    many:
      `WITH d AS (DELETE FROM ${t} WHERE (path, key) IN (SELECT * FROM unnest($1::text[], $2::text[])) RETURNING 1), ` +
      `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[]) ${upsert} RETURNING 1) ` +
      `SELECT 1`,
    fencedMany:
      `WITH g AS (${guardOn(7)}), ` +
      `d AS (DELETE FROM ${t} WHERE (path, key) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND EXISTS (SELECT 1 FROM g) RETURNING 1), ` +
      `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[]) WHERE EXISTS (SELECT 1 FROM g) ${upsert} RETURNING 1) ` +
      `SELECT count(*)::int AS held FROM g`,
    putMany: `INSERT INTO ${t} (parent_path, path, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) ${upsert}`,
    fencedPutMany:
      `WITH g AS (${guardOn(5)}), ` +
      `w AS (INSERT INTO ${t} (parent_path, path, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) WHERE EXISTS (SELECT 1 FROM g) ${upsert} RETURNING 1) ` +
      `SELECT count(*)::int AS held FROM g`,
    scan: `DECLARE ward_scan NO SCROLL CURSOR FOR SELECT substr(path, 2) || key COLLATE "C" AS k, value FROM ${t} ORDER BY 1`,
  };
}
