/**
 * The tokens issued by logins under each role-scoped lease-count quota (and each one on an
 * auth mount itself), by accessor: what such a quota counts (Vault counts the leases whose
 * login role, or login mount, matches). Kept in memory:
 * after a restart or a change of the quota the count starts again from zero, as Vault's
 * imprecise role lease tracking does for leases that predate a quota.
 */
export class RoleLeases {
  private readonly byQuota = new Map<string, Set<string>>();
  /** Logins let through whose outcome is not known yet: they hold a place, so concurrent logins cannot overshoot. */
  private readonly pending = new Map<string, number>();

  /** A login let through under `quota`: it holds a place until `settle`. */
  hold(quota: string): void {
    this.pending.set(quota, (this.pending.get(quota) ?? 0) + 1);
  }

  /** The held login's outcome: its token's accessor (it now counts), or null (no token: the place is given back). */
  settle(quota: string, accessor: string | null): void {
    const held = this.pending.get(quota) ?? 0;
    if (held > 1) this.pending.set(quota, held - 1);
    else this.pending.delete(quota);
    if (accessor === null) return;
    let set = this.byQuota.get(quota);
    if (set === undefined) this.byQuota.set(quota, (set = new Set()));
    set.add(accessor);
  }

  forget(quota: string): void {
    this.byQuota.delete(quota);
    this.pending.delete(quota);
  }

  /**
   * The live tokens of `quota` plus the logins holding a place (tokens `alive` no longer
   * knows are dropped), stopping once `atLeast` are found.
   */
  async count(quota: string, atLeast: number, alive: (accessor: string) => Promise<boolean>): Promise<number> {
    let n = this.pending.get(quota) ?? 0;
    const set = this.byQuota.get(quota);
    if (set === undefined || n >= atLeast) return n;
    for (const accessor of [...set]) {
      if (await alive(accessor)) {
        if (++n >= atLeast) return n;
      } else {
        set.delete(accessor);
      }
    }
    return n;
  }
}
