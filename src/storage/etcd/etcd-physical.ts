/**
 * The etcd (v3 API) PhysicalBackend: keys flat under a prefix (keys.ts), reads linearizable,
 * every write acknowledged only after the members committed it through raft. Once this node
 * has held the HA lock, writes are transactions fenced on that holding (fence.ts).
 */
import type { Etcd3, IRequestOp } from 'etcd3';
import { LockLostError, type ChangeFeed, type HaBackend, type PhysicalBackend, type TxOp } from '../physical.js';
import { EtcdChanges } from './changes.js';
import type { StoreLogger } from './client-options.js';
import { GroupCommit } from '../group-commit.js';
import { describe, ValueTooLargeError } from './errors.js';
import type { Fence, FenceSlot } from './fence.js';
import { KeyOrder } from './key-order.js';
import { KeySpace, prefixEnd } from './keys.js';
import { listChildren } from './list-children.js';
import { EtcdHa } from './lock.js';

/** Bytes a request spends beyond its keys and values (field tags, lengths, the fence's compares). */
const OVERHEAD_PER_OP = 32;
const FENCE_OVERHEAD = 256;
const SCAN_PAGE = 500;
/** Ops per grouped transaction: half of etcd's default --max-txn-ops (128). */
const GROUP_OPS = 64;

export interface EtcdPhysicalOptions {
  path: string;
  haEnabled: boolean;
  lockTtlSeconds: number;
  maxRequestBytes: number;
  logger: StoreLogger;
}

export class EtcdPhysical implements PhysicalBackend, FenceSlot {
  readonly name = 'etcd';
  readonly ha?: HaBackend;
  readonly changes: ChangeFeed;
  private readonly feed: EtcdChanges;
  fence: Fence | null = null;
  private readonly keys: KeySpace;
  private readonly order = new KeyOrder();
  private readonly lockHa?: EtcdHa;
  private closing: Promise<void> | null = null;
  /**
   * Writes issued in one turn share one etcd transaction (one raft proposal). A group too
   * large for etcd (size, --max-txn-ops) is retried one transaction at a time; anything
   * else (etcd unreachable, the lock lost) fails the group.
   */
  private readonly group: GroupCommit;

  constructor(
    private readonly client: Etcd3,
    private readonly o: EtcdPhysicalOptions,
  ) {
    this.keys = new KeySpace(o.path);
    this.feed = new EtcdChanges(client, this.keys);
    this.changes = this.feed;
    this.group = new GroupCommit((ops) => this.commit(ops), {
      maxOps: GROUP_OPS,
      maxBytes: Math.floor(o.maxRequestBytes / 2),
      isolate: (e) => e instanceof ValueTooLargeError || (e instanceof Error && /--max-txn-ops|--max-request-bytes/.test(e.message)),
    });
    if (o.haEnabled) {
      this.lockHa = new EtcdHa(client, this.keys, this, o.lockTtlSeconds, o.logger);
      this.ha = this.lockHa;
    }
  }

  async get(key: string): Promise<Buffer | null> {
    this.assertOpen();
    await this.order.settled([key]);
    const res = await this.call(`get of "${key}"`, () => this.client.kv.range({ key: this.keys.key(key) }));
    const kv = res.kvs[0];
    return kv ? Buffer.from(kv.value) : null;
  }

  put(key: string, value: Buffer): Promise<void> {
    return this.write([{ op: 'put', key, value: Buffer.from(value) }], `value of "${key}"`);
  }

  delete(key: string): Promise<void> {
    return this.write([{ op: 'delete', key }], `delete of "${key}"`);
  }

  transaction(ops: TxOp[]): Promise<void> {
    // etcd refuses a transaction naming one key twice; the last operation on a key wins anyway.
    const last = new Map<string, TxOp>();
    for (const op of ops) {
      last.delete(op.key);
      last.set(op.key, op.op === 'put' ? { op: 'put', key: op.key, value: Buffer.from(op.value) } : op);
    }
    if (last.size === 0) return Promise.resolve();
    return this.write([...last.values()], `transaction of ${last.size} operations`);
  }

  async list(prefix: string): Promise<string[]> {
    this.assertOpen();
    await this.order.settledUnder(prefix);
    return this.call(`list of "${prefix}"`, () => listChildren(this.client.kv, this.keys.key(prefix)));
  }

  /**
   * Every entry at one revision, paged by key. Lease-bound keys (the HA lock) are skipped:
   * they belong to a live node, not to the data, and restored elsewhere would be a lock no
   * lease ever frees.
   */
  async *scan(): AsyncIterable<Array<{ key: string; value: Buffer }>> {
    this.assertOpen();
    await this.order.settledUnder('');
    const end = prefixEnd(this.keys.prefix);
    let from = this.keys.prefix;
    let revision: string | undefined;
    let limit = SCAN_PAGE;
    for (;;) {
      let res;
      try {
        res = await this.client.kv.range({ key: from, range_end: end, limit, ...(revision ? { revision } : {}) });
      } catch (e) {
        // A page of large values can exceed max_receive_size: read it in smaller pages.
        if (limit > 1 && /larger than max/i.test((e as Error).message)) {
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        throw describe(e, 'scan');
      }
      revision ??= res.header.revision;
      const batch = res.kvs.filter((kv) => kv.lease === '0' || kv.lease === '' || kv.lease === undefined).map((kv) => ({ key: this.keys.name(kv.key), value: Buffer.from(kv.value) }));
      if (batch.length > 0) yield batch;
      const lastKv = res.kvs[res.kvs.length - 1];
      if (!res.more || lastKv === undefined) return;
      from = Buffer.concat([lastKv.key, Buffer.from([0])]);
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.lockHa?.close();
      } finally {
        this.client.close();
      }
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('etcd storage is closed');
  }

  private async call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LockLostError || e instanceof ValueTooLargeError) throw e;
      throw describe(e, doing);
    }
  }

  private checkSize(ops: TxOp[], what: string): void {
    let size = this.fence ? FENCE_OVERHEAD : 0;
    let values = 0;
    for (const op of ops) {
      const value = op.op === 'put' ? op.value.length : 0;
      values += value;
      size += OVERHEAD_PER_OP + this.keys.prefix.length + Buffer.byteLength(op.key) + value;
    }
    if (size > this.o.maxRequestBytes) throw new ValueTooLargeError(what, values, size, this.o.maxRequestBytes);
  }

  /**
   * `what` names the payload in a size error, checked here so the caller learns which key
   * was too large. Writes issued in one turn then go to etcd together (group-commit.ts).
   */
  private async write(ops: TxOp[], what: string): Promise<void> {
    this.assertOpen();
    this.checkSize(ops, what);
    await this.order.write(
      ops.map((op) => op.key),
      () => this.group.submit(ops),
    );
  }

  /** One etcd request for a group of writes: a txn, fenced once this node has held the lock. */
  private commit(ops: TxOp[]): Promise<void> {
    const only = ops.length === 1 ? ops[0]! : null;
    const doing = only === null ? `transaction of ${ops.length} operations` : `${only.op} of "${only.key}"`;
    // A group of writes that fit alone may not fit together: refused before sending, and retried one by one.
    this.checkSize(ops, doing);
    const requests: IRequestOp[] = ops.map((op) =>
      op.op === 'put' ? { request_put: { key: this.keys.key(op.key), value: op.value } } : { request_delete_range: { key: this.keys.key(op.key) } },
    );
    return this.call(doing, async () => {
      // Read when the write runs, not when it was queued: an acquire or a loss in between counts.
      const fence = this.fence;
      if (fence === null) {
        const res = requests.length === 1 && requests[0]!.request_put ? await this.client.kv.put(requests[0]!.request_put) : await this.client.kv.txn({ success: requests });
        this.feed.noteWrite(res.header.revision);
        return;
      }
      if (fence.ended) throw new LockLostError();
      const res = await this.client.kv.txn({ compare: fence.compares(), success: requests });
      if (!res.succeeded) {
        this.lockHa?.fenceFailed(fence);
        throw new LockLostError();
      }
      this.feed.noteWrite(res.header.revision);
    });
  }
}
