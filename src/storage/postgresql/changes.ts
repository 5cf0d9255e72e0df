/**
 * PostgreSQL's change stream (physical.ts ChangeFeed) over LISTEN/NOTIFY: every write of an
 * HA store notifies its channel with its index and keys (notify-queries.ts). NOTIFY keeps no
 * history, so a subscription is `ready` at the index read just after LISTEN began (no
 * replay), and anything that may have lost a notification — the listening connection
 * failing or ending, a gap in the contiguous indexes, a payload too large to name its keys —
 * is `lost`: the consumer reloads and listens again.
 */
import pg from 'pg';
import type { ChangeFeed, ChangeHandler, ChangeSubscription } from '../physical.js';
import type { Db } from './db.js';
import type { NotifyQueries } from './notify-queries.js';
import { quoteIdent } from './queries.js';

/** The `application_name` of the connections that listen for changes. */
export const LISTENER_NAME = 'ward-change-listener';

export class PgChanges implements ChangeFeed {
  readonly replays = false;
  private last = 0;

  constructor(
    private readonly db: Db,
    private readonly q: NotifyQueries,
    /** Per database, so derived from the store's schema and table (see open.ts). */
    readonly channel: string,
  ) {}

  noteWrite(index: number | string | null | undefined): void {
    const i = Number(index ?? 0);
    if (i > this.last) this.last = i;
  }

  lastWriteIndex(): number {
    return this.last;
  }

  async currentIndex(): Promise<number> {
    return Number((await this.db.query<{ idx: string }>(this.q.current)).rows[0]?.idx ?? 0);
  }

  subscribe(_from: number, handler: ChangeHandler): ChangeSubscription {
    // The pool's settings (address, credentials, TLS, timeouts) on a connection of its own.
    // Named, so an operator (or a test) can tell the listening connection in pg_stat_activity.
    const client = new pg.Client({ ...(this.db.pool.options as pg.ClientConfig), application_name: LISTENER_NAME });
    let closed = false;
    /** The index the stream is contiguous from; null until LISTEN and the index read are done. */
    let at: number | null = null;
    const early: string[] = [];
    const fail = (reason: string): void => {
      if (closed) return;
      closed = true;
      void client.end().catch(() => undefined);
      handler.lost(reason);
    };
    const take = (payload: string): void => {
      const space = payload.indexOf(' ');
      const index = Number(payload.slice(0, space));
      const keysText = payload.slice(space + 1);
      if (at === null || !Number.isSafeInteger(index)) return fail(`unreadable change notification`);
      if (index <= at) return; // committed before listening was ready: in what the consumer reads next
      if (index !== at + 1) return fail(`change notifications skipped from ${at} to ${index}`);
      if (keysText === '*') return fail('a transaction changed more keys than one notification can name');
      at = index;
      handler.event({ index, keys: JSON.parse(keysText) as string[] });
    };
    client.on('notification', (m) => {
      if (closed || m.channel !== this.channel) return;
      if (at === null) early.push(m.payload ?? '');
      else take(m.payload ?? '');
    });
    client.on('error', (e) => fail(`the PostgreSQL connection listening for changes failed: ${e.message}`));
    client.on('end', () => fail('the PostgreSQL connection listening for changes ended'));
    const ready = (async () => {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
      const now = Number((await client.query<{ idx: string }>(this.q.current)).rows[0]?.idx ?? 0);
      at = now;
      for (const p of early.splice(0)) if (!closed) take(p);
      return now;
    })();
    ready.catch((e: unknown) => fail(`cannot listen for changes: ${e instanceof Error ? e.message : String(e)}`));
    return {
      ready,
      close: async () => {
        if (closed) return;
        closed = true;
        await client.end().catch(() => undefined);
      },
    };
  }
}
