/**
 * Usage gauges, never computed on the request path. At scrape time, the cheap ones: the
 * node's state (`vault.core.unsealed`, `vault.core.active`, `vault.core.performance_standby`)
 * and leases in memory (`vault.expire.num_leases`, the heap's size). Every
 * `usage_gauge_period` (usage-period.ts), the ones that read every token or lease: token
 * counts by policy and by auth method (Vault's `vault.token.count*`, namespace "root") and
 * secret leases by mount.
 */
import type { Gauge } from './collect.js';

/** What the scrape reads; the subsystems are absent while sealed or on a plain standby. */
export interface UsageSubsystems {
  tokens: { allEntries(): Promise<{ policies: readonly string[]; path: string }[]> };
  expiration: { count(): number; secretLeaseIds(): string[] };
  router: { match(path: string): { prefix: string; entry: { type: string } } | null };
}

export interface UsageSources {
  unsealed: boolean;
  active: boolean;
  performanceStandby: boolean;
  subsystems: UsageSubsystems | null;
  /** The last periodic collection (collectStoredUsage); without it the scrape collects itself. */
  collected?: (subs: UsageSubsystems) => Promise<Gauge[]>;
}

const g = (name: string, help: string, value: number, labels: Record<string, string> = {}): Gauge => ({ name, help, value, labels });

export async function usageGauges(src: UsageSources): Promise<Gauge[]> {
  const out: Gauge[] = [
    g('vault.core.unsealed', 'Whether the node is unsealed (1) or sealed (0).', src.unsealed ? 1 : 0),
    g('vault.core.active', 'Whether the node is the active one (1) or a standby (0).', src.active ? 1 : 0),
    g('vault.core.performance_standby', 'Whether the node is a performance standby answering reads (1).', src.performanceStandby ? 1 : 0),
  ];
  const subs = src.subsystems;
  if (!subs) return out;
  out.push(...(await (src.collected ?? collectStoredUsage)(subs)));
  out.push(g('vault.expire.num_leases', 'Leases and token expiries scheduled.', subs.expiration.count()));
  return out;
}

/** The gauges that read every token entry and every scheduled lease id. */
export async function collectStoredUsage(subs: UsageSubsystems): Promise<Gauge[]> {
  const out: Gauge[] = [];
  const entries = await subs.tokens.allEntries();
  const byPolicy = new Map<string, number>();
  const byAuth = new Map<string, number>();
  for (const e of entries) {
    for (const p of new Set(e.policies)) byPolicy.set(p, (byPolicy.get(p) ?? 0) + 1);
    const method = subs.router.match(e.path)?.entry.type ?? 'token';
    byAuth.set(method, (byAuth.get(method) ?? 0) + 1);
  }
  out.push(g('vault.token.count', 'Service tokens stored.', entries.length, { namespace: 'root' }));
  for (const [policy, n] of [...byPolicy].sort()) out.push(g('vault.token.count.by_policy', 'Service tokens stored, per policy.', n, { namespace: 'root', policy }));
  for (const [method, n] of [...byAuth].sort()) out.push(g('vault.token.count.by_auth', 'Service tokens stored, per auth method type.', n, { auth_method: method, namespace: 'root' }));
  const byMount = new Map<string, number>();
  for (const id of subs.expiration.secretLeaseIds()) {
    const mount = subs.router.match(id)?.prefix ?? '';
    byMount.set(mount, (byMount.get(mount) ?? 0) + 1);
  }
  for (const [mount, n] of [...byMount].sort()) out.push(g('vault.ward.expire.leases.by_mount', 'Secret leases scheduled, per mount.', n, { mount_point: mount, namespace: 'root' }));
  return out;
}
