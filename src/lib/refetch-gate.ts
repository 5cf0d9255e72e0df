/**
 * A negative cache for key-set refetches. A token naming a key id (kid) the cached key set
 * lacks may mean the issuer rotated its keys, so the set is fetched again; but anyone can
 * mint tokens with made-up kids, and without a limit each one would cost a request to the
 * issuer (a flood of bogus kids = a flood of fetches). So a refetch that did not bring the
 * kid it was made for closes the gate for that key set (its URL) for an interval: until
 * then, unknown kids are refused without asking. A refetch that found its kid (a real
 * rotation) leaves the gate open, so rotations are followed at once; after a fruitless
 * refetch a genuine rotation is picked up at most one interval late.
 *
 * Callers close the gate when a refetch starts (`missed`) and reopen it when the kid came
 * (`found`): logins arriving meanwhile join the fetch in flight or are refused, never
 * start another.
 */
export const DEFAULT_REFETCH_INTERVAL_MS = 10_000;

export class RefetchGate {
  private readonly missedAt = new Map<string, number>();

  constructor(
    private readonly intervalMs = DEFAULT_REFETCH_INTERVAL_MS,
    /** Key sets remembered at most (oldest forgotten first): issuers are few. */
    private readonly maxKeys = 1024,
  ) {}

  /** Whether an unknown kid may refetch the key set at `key` now. */
  allowed(key: string, nowMs: number): boolean {
    const at = this.missedAt.get(key);
    return at === undefined || nowMs - at >= this.intervalMs;
  }

  /** The refetch of `key` brought the kid it was made for (a rotation): reopen the gate. */
  found(key: string): void {
    this.missedAt.delete(key);
  }

  /** A refetch of `key` starts (or did not bring the kid it was made for): close the gate for an interval. */
  missed(key: string, nowMs: number): void {
    this.missedAt.delete(key);
    this.missedAt.set(key, nowMs);
    if (this.missedAt.size > this.maxKeys) this.missedAt.delete(this.missedAt.keys().next().value as string);
  }
}
