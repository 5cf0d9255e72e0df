/**
 * The tokens issued by logins under each role-scoped lease-count quota, by accessor: what
 * such a quota counts (Vault counts the leases whose login role matches). Kept in memory:
 * after a restart or a change of the quota the count starts again from zero, as Vault's
 * imprecise role lease tracking does for leases that predate a quota.
 */
export class RoleLeases {
  private readonly byQuota = new Map<string, Set<string>>();

  record(quota: string, accessor: string): void {
    let set = this.byQuota.get(quota);
    if (set === undefined) this.byQuota.set(quota, (set = new Set()));
    set.add(accessor);
  }

  forget(quota: string): void {
    this.byQuota.delete(quota);
  }

  /** The live tokens of `quota` (those `alive` no longer knows are dropped), stopping once `atLeast` are found. */
  async count(quota: string, atLeast: number, alive: (accessor: string) => Promise<boolean>): Promise<number> {
    const set = this.byQuota.get(quota);
    if (set === undefined) return 0;
    let n = 0;
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
