/**
 * Secret leases scheduled below a path prefix, kept as running counters so a lease-count
 * quota costs O(1) per request instead of a walk over every lease.
 *
 * The one mechanism: a prefix becomes *watched* the first time it is asked for; that ask
 * walks the heap once, and from then on the heap reports every id it gains or loses
 * (LeaseHeap's observer), so each watched counter moves with the heap itself. What
 * invalidates a counter is a heap change, and every heap change goes through here, so
 * there is nothing to expire. The counters live and die with the expiration manager: a
 * seal, an unseal or a standby promotion builds a new manager whose counters fill as its
 * restore loads the index. Token expiries (ids starting with NUL) are never counted.
 *
 * Watched prefixes are the paths lease-count quotas have had since the unseal (a handful);
 * each heap insert or delete costs one `startsWith` per watched prefix.
 */
import { TOKEN_PREFIX } from './lease-store.js';

export interface HeapObserver {
  added(id: string): void;
  removed(id: string): void;
}

export class LeaseCounts implements HeapObserver {
  private readonly counts = new Map<string, number>();
  /** The same prefixes as an array: the insert/delete path iterates it without a Map iterator. */
  private prefixes: string[] = [];

  /** `ids` is the heap's current content, walked once when `prefix` is first asked for. */
  under(prefix: string, ids: () => readonly string[]): number {
    const known = this.counts.get(prefix);
    if (known !== undefined) return known;
    let n = 0;
    for (const id of ids()) if (!id.startsWith(TOKEN_PREFIX) && id.startsWith(prefix)) n++;
    this.counts.set(prefix, n);
    this.prefixes = [...this.counts.keys()];
    return n;
  }

  added(id: string): void {
    this.move(id, 1);
  }

  removed(id: string): void {
    this.move(id, -1);
  }

  private move(id: string, by: number): void {
    if (this.prefixes.length === 0 || id.startsWith(TOKEN_PREFIX)) return;
    for (const p of this.prefixes) if (id.startsWith(p)) this.counts.set(p, (this.counts.get(p) as number) + by);
  }
}
