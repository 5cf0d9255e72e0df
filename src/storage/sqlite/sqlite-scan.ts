/**
 * `scan()` for the SQLite store: a second, read-only connection holds one read
 * transaction while it pages through the table by key. In WAL mode that transaction
 * pins the snapshot it began with, so the writer keeps committing meanwhile and the scan
 * never sees those commits. Each page is one bounded query (LIMIT) and the generator
 * yields to the event loop between pages, so a large store never blocks requests for
 * long. (A long scan does hold back checkpoints past its snapshot: the WAL grows until it
 * ends.)
 */
import Database from 'better-sqlite3';

/** Rows per page. */
export const SCAN_PAGE = 500;

type Row = { key: string; value: Buffer };

/** Pages through `path`'s kv table from a read snapshot taken before the first page. */
export async function* scanFile(path: string, busyTimeoutMs: number, page = SCAN_PAGE): AsyncGenerator<Row[]> {
  const reader = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  try {
    const first = reader.prepare<[number], Row>('SELECT key, value FROM kv ORDER BY key LIMIT ?');
    const next = reader.prepare<[string, number], Row>('SELECT key, value FROM kv WHERE key > ? ORDER BY key LIMIT ?');
    // The snapshot is fixed by the first read inside the transaction, not by BEGIN.
    reader.exec('BEGIN');
    let rows = first.all(page);
    while (rows.length > 0) {
      const last = (rows[rows.length - 1] as Row).key;
      yield rows;
      if (rows.length < page) break;
      await new Promise((r) => setImmediate(r));
      rows = next.all(last, page);
    }
  } finally {
    if (reader.inTransaction) reader.exec('ROLLBACK');
    reader.close();
  }
}

/** A memory database has no second connection: read it whole in one synchronous step. */
export async function* scanMemory(db: Database.Database, page = SCAN_PAGE): AsyncGenerator<Row[]> {
  const all = db.prepare<[], Row>('SELECT key, value FROM kv ORDER BY key').all();
  for (let i = 0; i < all.length; i += page) yield all.slice(i, i + page);
}
