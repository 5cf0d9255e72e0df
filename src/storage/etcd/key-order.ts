/**
 * Per-key ordering of in-flight operations. The etcd client sends each call to any member,
 * so two calls issued in order can reach the leader out of order. The PhysicalBackend contract
 * needs (1) writes to one key applied in the order issued, and (2) a read to see every write
 * issued before it, even one not yet acknowledged. Writes therefore wait for the previous
 * write to the same keys, and reads wait for the writes to the keys they read.
 */
type Tail = Promise<unknown>;

export class KeyOrder {
  private readonly tails = new Map<string, Tail>();

  /** Runs `fn` once every earlier write touching `keys` has settled; later reads and writes of `keys` wait for it. */
  write<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const before = this.pending(keys);
    const run = (before.length === 0 ? fn() : Promise.allSettled(before).then(fn));
    const tail: Tail = run.then(
      () => undefined,
      () => undefined,
    );
    for (const k of keys) this.tails.set(k, tail);
    void tail.then(() => {
      for (const k of keys) if (this.tails.get(k) === tail) this.tails.delete(k);
    });
    return run;
  }

  /** Settles once every write issued so far to one of `keys` has settled. */
  async settled(keys: readonly string[]): Promise<void> {
    const p = this.pending(keys);
    if (p.length > 0) await Promise.allSettled(p);
  }

  /** Settles once every write issued so far to a key starting with `prefix` has settled. */
  async settledUnder(prefix: string): Promise<void> {
    const p: Tail[] = [];
    for (const [k, t] of this.tails) if (k.startsWith(prefix)) p.push(t);
    if (p.length > 0) await Promise.allSettled(p);
  }

  private pending(keys: readonly string[]): Tail[] {
    const out: Tail[] = [];
    for (const k of keys) {
      const t = this.tails.get(k);
      if (t !== undefined) out.push(t);
    }
    return out;
  }
}
