/**
 * Writes in flight, by key. A pool runs statements on several connections at once, so a
 * read issued after a write (on another connection) could reach the server first, and two
 * writes to one key could commit in the wrong order. Instead of an overlay of uncommitted
 * values (which readers would see even if the write then failed), each write waits for the
 * earlier writes to its keys, and each read waits for the writes to what it reads: a read
 * sees every write issued before it, and only once it is committed.
 */
export class InFlight {
  /** Per key: settles when the last write issued for it has settled (never rejects). */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `write` once every earlier write touching any of `keys` has settled. */
  run<T>(keys: readonly string[], write: () => Promise<T>): Promise<T> {
    const prior = this.waitKeys(keys);
    const result = prior === undefined ? write() : prior.then(write);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    for (const k of keys) this.tails.set(k, settled);
    void settled.then(() => {
      for (const k of keys) if (this.tails.get(k) === settled) this.tails.delete(k);
    });
    return result;
  }

  /** Settles once the writes issued so far to any of `keys` have; undefined when there are none. */
  waitKeys(keys: readonly string[]): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    for (const k of new Set(keys)) {
      const t = this.tails.get(k);
      if (t !== undefined) waits.push(t);
    }
    return combine(waits);
  }

  /** Settles once the writes issued so far to keys under `prefix` have. */
  waitPrefix(prefix: string): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    for (const [k, t] of this.tails) if (k.startsWith(prefix)) waits.push(t);
    return combine(waits);
  }

  /** Settles once every write issued so far has (close() waits for this). */
  all(): Promise<void> | undefined {
    return combine([...new Set(this.tails.values())]);
  }
}

function combine(waits: Promise<void>[]): Promise<void> | undefined {
  if (waits.length === 0) return undefined;
  if (waits.length === 1) return waits[0];
  return Promise.all(waits).then(() => undefined);
}
