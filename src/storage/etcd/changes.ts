/**
 * etcd's change stream (physical.ts ChangeFeed): a watch on Ward's prefix. The index is the
 * etcd revision (cluster-wide, so it skips over other prefixes' writes); one transaction is
 * one revision, so its keys arrive as one event.
 *
 * Resume: the etcd3 client re-creates a watch after a dropped connection from the revision
 * after the last response *header* it saw, which may be past events it had not yet handed
 * over; on 'disconnected' the resume point is set back to just after the last revision this
 * feed delivered. History compacted past that point makes etcd cancel the watch: that, and any
 * other unrecoverable watch error, is `lost`.
 */
import type { Etcd3, IKeyValue, IWatchResponse } from 'etcd3';
import type { ChangeFeed, ChangeHandler, ChangeSubscription } from '../physical.js';
import { KeySpace, prefixEnd } from './keys.js';

export class EtcdChanges implements ChangeFeed {
  readonly replays = true;
  private last = 0;

  constructor(
    private readonly client: Etcd3,
    private readonly keys: KeySpace,
  ) {}

  /** Called with the header revision of each acknowledged write of this store. */
  noteWrite(revision: string | undefined): void {
    const r = Number(revision ?? 0);
    if (r > this.last) this.last = r;
  }

  lastWriteIndex(): number {
    return this.last;
  }

  async currentIndex(): Promise<number> {
    const res = await this.client.kv.range({ key: this.keys.prefix, limit: 1, keys_only: true });
    return Number(res.header.revision);
  }

  subscribe(from: number, handler: ChangeHandler): ChangeSubscription {
    let closed = false;
    let delivered = from;
    const w = this.client
      .watch()
      .inRange({ start: this.keys.prefix, end: prefixEnd(this.keys.prefix) })
      .startRevision(String(from + 1))
      .watcher();
    // Empty responses now and then carry the revision every change up to which was delivered.
    (w.request as { progress_notify?: boolean }).progress_notify = true;
    const stop = (): void => {
      closed = true;
      void w.cancel().catch(() => undefined);
    };
    w.on('data', (res: IWatchResponse) => {
      if (closed) return;
      if (res.events.length === 0) {
        const rev = Number(res.header.revision);
        if (rev > delivered) handler.progress?.(rev);
        return;
      }
      for (const e of groupByRevision(res.events.map((ev) => ev.kv))) {
        if (e.index <= delivered) continue;
        delivered = e.index;
        handler.event({ index: e.index, keys: e.kvs.map((kv) => this.keys.name(kv.key)) });
      }
    });
    w.on('disconnected', (err: Error) => {
      w.request.start_revision = String(delivered + 1);
      if (!closed) handler.stalled?.(`etcd watch disconnected: ${err.message}`);
    });
    w.on('error', (err: Error) => {
      if (closed) return;
      stop();
      // The client drops etcd's compact_revision; a cancel is almost always compaction.
      handler.lost(`etcd watch ended (history compacted past the revision to resume from, or the watch was refused): ${err.message}`);
    });
    return {
      ready: Promise.resolve(from),
      close: async () => {
        if (closed) return;
        closed = true;
        await w.cancel().catch(() => undefined);
      },
    };
  }
}

/** Events of one response, one group per revision, in revision order (as etcd sends them). */
function groupByRevision(kvs: IKeyValue[]): Array<{ index: number; kvs: IKeyValue[] }> {
  const out: Array<{ index: number; kvs: IKeyValue[] }> = [];
  for (const kv of kvs) {
    const index = Number(kv.mod_revision);
    const tail = out[out.length - 1];
    if (tail !== undefined && tail.index === index) tail.kvs.push(kv);
    else out.push({ index, kvs: [kv] });
  }
  return out;
}
