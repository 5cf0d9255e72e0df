/**
 * At most one refetch of a remote resource per key (a JWKS URL) per interval. A token
 * naming a key id the cached key set lacks may mean the issuer rotated its keys, so the
 * set is fetched again; but anyone can mint tokens with made-up key ids, and without a
 * gate each one would cost a request to the issuer (a flood of bogus kids = a flood of
 * fetches). Every fetch, the first load included, starts the key's interval: a kid
 * missing from a set fetched seconds ago is refused without asking again. A genuine
 * rotation is picked up at most one interval late.
 */
export const DEFAULT_REFETCH_INTERVAL_MS = 10_000;

export class RefetchGate {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs = DEFAULT_REFETCH_INTERVAL_MS,
    /** Keys remembered at most (insertion order, oldest forgotten first): issuers are few. */
    private readonly maxKeys = 1024,
  ) {}

  /** Records a fetch of `key` at `nowMs` (made without asking, e.g. the first load). */
  fetched(key: string, nowMs: number): void {
    this.last.delete(key);
    this.last.set(key, nowMs);
    if (this.last.size > this.maxKeys) this.last.delete(this.last.keys().next().value as string);
  }

  /** true, and the fetch recorded, when `key` was last fetched an interval ago or more (or never). */
  tryFetch(key: string, nowMs: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && nowMs - at < this.intervalMs) return false;
    this.fetched(key, nowMs);
    return true;
  }
}
