/**
 * Group commit for a networked engine (PostgreSQL, etcd): the transactions issued during
 * one event-loop turn go to the engine as one request, so fifty concurrent KV writes cost
 * a few statements (or raft proposals) and a few socket writes rather than fifty. Each
 * caller's promise settles with its group; a group applies whole or not at all.
 *
 * When the engine refuses a group for something one transaction did (`isolate`: a
 * statement error, a request too large), nothing of the group was applied, so each of
 * its transactions is tried again alone and only the culprit fails. Anything else (the
 * engine unreachable, the HA lock lost) fails the whole group: no retry of a request
 * whose outcome may be unknown.
 *
 * Ordering: groups are dispatched concurrently; a caller that writes a key must not
 * submit it again before the earlier write settled (both stores order writes per key
 * before they reach this, see postgresql/in-flight.ts and etcd/key-order.ts).
 */
import type { TxOp } from './physical.js';

export interface GroupLimits {
  /** Ops per engine request at most (etcd: --max-txn-ops). */
  maxOps: number;
  /** Bytes of values per engine request at most (etcd: --max-request-bytes). */
  maxBytes: number;
  /** True when a refused group may be retried one transaction at a time (see above). */
  isolate(e: unknown): boolean;
  /**
   * Groups in the engine at once at most (default: no limit). While that many are out,
   * new writes wait and then go as one bigger group: fewer, larger requests.
   */
  maxInFlight?: number;
}

interface Pending {
  ops: TxOp[];
  bytes: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly commit: (ops: TxOp[]) => Promise<void>,
    private readonly limits: GroupLimits,
  ) {}

  /** Commits `ops` atomically, with whatever else is issued this turn; resolves once committed. */
  submit(ops: TxOp[]): Promise<void> {
    let bytes = 0;
    for (const op of ops) if (op.op === 'put') bytes += op.value.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ops, bytes, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Sends what is queued as groups within the limits; at `maxInFlight` the rest waits (see run). */
  private flush(): void {
    const max = this.limits.maxInFlight ?? Infinity;
    while (this.queue.length > 0 && this.inFlight < max) {
      let n = 0;
      let ops = 0;
      let bytes = 0;
      for (const p of this.queue) {
        if (n > 0 && (ops + p.ops.length > this.limits.maxOps || bytes + p.bytes > this.limits.maxBytes)) break;
        n++;
        ops += p.ops.length;
        bytes += p.bytes;
      }
      void this.run(this.queue.splice(0, n));
    }
  }

  private async run(group: Pending[]): Promise<void> {
    this.inFlight++;
    try {
      await this.attempt(group);
    } finally {
      this.inFlight--;
      this.flush();
    }
  }

  private async attempt(group: Pending[]): Promise<void> {
    try {
      await this.commit(group.length === 1 ? group[0]!.ops : merge(group));
    } catch (e) {
      if (group.length === 1 || !this.limits.isolate(e)) {
        for (const p of group) p.reject(e);
        return;
      }
      // Nothing of the group was applied: each alone, in issue order.
      for (const p of group) await this.commit(p.ops).then(p.resolve, p.reject);
      return;
    }
    for (const p of group) p.resolve();
  }
}

/** The group's ops in issue order, only the last op on each key kept (engines refuse duplicates). */
function merge(group: Pending[]): TxOp[] {
  const last = new Map<string, TxOp>();
  for (const p of group) {
    for (const op of p.ops) {
      last.delete(op.key);
      last.set(op.key, op);
    }
  }
  return [...last.values()];
}
