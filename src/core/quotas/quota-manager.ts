/**
 * Rate-limit quotas and their config (`sys/quotas/…`): definitions persisted below the
 * barrier, state (a RateLimiter per quota) in memory. `check` runs for every request
 * before the backend and before the token is looked up, so with no quota it is one length
 * test, and with quotas a prefix test per quota: the most specific quota whose path
 * covers the request applies (a path prefix beats its mount, a mount beats the global
 * quota with an empty path), as in Vault.
 *
 * A quota with a `role` (its path an auth mount) applies only to logins that resolve to
 * that role. Requests to such a mount cannot be judged without their body, so `check`
 * leaves them to `checkRole`, which the HTTP layer calls once the body is read and the
 * mount's backend has resolved the role (Vault defers them the same way). Mounts without
 * a role quota keep the body-less check.
 */
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { RateLimiter } from './rate-limiter.js';
import { RoleLeases } from './role-leases.js';

export interface RateLimitQuota {
  name: string;
  /** "" (every path), a mount ("secret/") or a path prefix below one ("secret/data/app"). */
  path: string;
  rate: number;
  /** Seconds. */
  interval: number;
  /** Seconds; 0 = none. */
  blockInterval: number;
  role: string;
  inheritable: boolean;
}

export interface LeaseCountQuota {
  name: string;
  /** As for rate limits: "" (every path), a mount or a path prefix. */
  path: string;
  maxLeases: number;
  role: string;
  inheritable: boolean;
}

export interface QuotaConfig {
  rateLimitExemptPaths: string[];
  enableRateLimitAuditLogging: boolean;
  enableRateLimitResponseHeaders: boolean;
}

/** Vault's default exempt paths: an operator locked out by a quota can still unseal and check health. */
export const DEFAULT_EXEMPT_PATHS = Object.freeze([
  'sys/generate-recovery-token/attempt',
  'sys/generate-recovery-token/update',
  'sys/generate-root/attempt',
  'sys/generate-root/update',
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
]);

export interface Refusal {
  message: string;
  headers: string[];
}

interface Active {
  quota: RateLimitQuota;
  limiter: RateLimiter;
}

const CONFIG_KEY = 'config';
const RATE_PREFIX = 'rate-limit/';
const LEASE_PREFIX = 'lease-count/';

export class QuotaManager {
  /** Sorted most specific (longest path) first, so the first match is the one that applies. */
  private active: Active[] = [];
  private config: QuotaConfig = { rateLimitExemptPaths: [...DEFAULT_EXEMPT_PATHS], enableRateLimitAuditLogging: false, enableRateLimitResponseHeaders: false };
  private exempt = new Set<string>(DEFAULT_EXEMPT_PATHS);
  /** Lease-count quotas, most specific first. */
  private leaseQuotas: LeaseCountQuota[] = [];
  /** The mounts a role-scoped quota (either type) is on: requests there wait for their role. */
  private roleMounts: string[] = [];
  private readonly roleLeases = new RoleLeases();

  constructor(private readonly storage: Storage) {}

  async load(): Promise<void> {
    const cfg = await getJSON<QuotaConfig>(this.storage, CONFIG_KEY);
    if (cfg) this.setConfigInMemory(cfg);
    const list: RateLimitQuota[] = [];
    for (const name of await this.storage.list(RATE_PREFIX)) {
      const q = await getJSON<RateLimitQuota>(this.storage, `${RATE_PREFIX}${name}`);
      if (q) list.push(q);
    }
    this.active = list.map((q) => this.activate(q));
    this.sort();
    const leases: LeaseCountQuota[] = [];
    for (const name of await this.storage.list(LEASE_PREFIX)) {
      const q = await getJSON<LeaseCountQuota>(this.storage, `${LEASE_PREFIX}${name}`);
      if (q) leases.push(q);
    }
    this.leaseQuotas = leases.sort(bySpecificity);
    this.refreshRoleMounts();
  }

  /** The auth mount whose role quotas cover `path`, or null: then `check` alone decides. */
  roleMountOf(path: string): string | null {
    const mounts = this.roleMounts;
    if (mounts.length === 0) return null;
    for (const m of mounts) if (path.startsWith(m)) return m;
    return null;
  }

  /**
   * `check` for a request to a role-quota mount, once its role is known ("" when it names
   * none). Vault's precedence: a path-suffix quota, then a quota for the role, then the
   * mount's own quota, then the global one.
   */
  checkRole(path: string, role: string, client: string, now: number): Refusal | null {
    if (this.isExempt(path)) return null;
    const hit = this.active.find((a) => path.startsWith(a.quota.path) && (a.quota.role === '' || a.quota.role === role));
    return hit === undefined ? null : this.limit(hit, path, client, now);
  }

  getLeaseQuota(name: string): LeaseCountQuota | null {
    return this.leaseQuotas.find((q) => q.name === name) ?? null;
  }

  leaseQuotaNames(): string[] {
    return this.leaseQuotas.map((q) => q.name).sort();
  }

  async putLeaseQuota(q: LeaseCountQuota): Promise<void> {
    await putJSON(this.storage, `${LEASE_PREFIX}${q.name}`, q);
    // A quota moved to another mount or role no longer counts the tokens it counted.
    const old = this.getLeaseQuota(q.name);
    if (old && (old.path !== q.path || old.role !== q.role)) this.roleLeases.forget(q.name);
    this.leaseQuotas = [...this.leaseQuotas.filter((x) => x.name !== q.name), q].sort(bySpecificity);
    this.refreshRoleMounts();
  }

  async deleteLeaseQuota(name: string): Promise<void> {
    await this.storage.delete(`${LEASE_PREFIX}${name}`);
    this.leaseQuotas = this.leaseQuotas.filter((q) => q.name !== name);
    this.roleLeases.forget(name);
    this.refreshRoleMounts();
  }

  /**
   * A lease-count quota's refusal of a request to `path`, or null. `leasesUnder` counts
   * the leases below a prefix; it is asked only when a quota covers the path.
   */
  checkLeases(path: string, leasesUnder: (prefix: string) => number): Refusal | null {
    if (this.leaseQuotas.length === 0) return null;
    // Role-scoped quotas wait for the login's role, and a quota on an auth mount counts its
    // login tokens (both in checkLeasesRole, once the body is read).
    const q = this.leaseQuotas.find((x) => x.role === '' && !countsLogins(x) && path.startsWith(x.path));
    if (!q || leasesUnder(q.path) < q.maxLeases) return null;
    return leaseRefusal(path);
  }

  /**
   * The role-scoped lease-count quota for a login that resolved to `role`, and its refusal
   * once the live tokens of that role's logins reach max_leases. `quota` names the quota the
   * login's token is to be recorded under (roleLoginDone, which a let-through login must
   * reach whatever its outcome), null when none applies.
   */
  async checkLeasesRole(path: string, role: string, alive: (accessor: string) => Promise<boolean>, login = false): Promise<{ refusal: Refusal | null; quota: string | null }> {
    // The role's own quota first; else, for a login, a quota on the auth mount itself (Vault
    // counts the leases of the tokens its logins issued).
    const q =
      (role === '' ? undefined : this.leaseQuotas.find((x) => x.role === role && path.startsWith(x.path))) ??
      (login ? this.leaseQuotas.find((x) => x.role === '' && countsLogins(x) && path.startsWith(x.path)) : undefined);
    if (q === undefined) return { refusal: null, quota: null };
    // The login takes its place before counting (no await between), so concurrent logins see each
    // other; it holds the place until its outcome is known (roleLoginDone).
    this.roleLeases.hold(q.name);
    if ((await this.roleLeases.count(q.name, q.maxLeases + 1, alive)) > q.maxLeases) {
      this.roleLeases.settle(q.name, null);
      return { refusal: leaseRefusal(path), quota: q.name };
    }
    return { refusal: null, quota: q.name };
  }

  /** The outcome of a login checkLeasesRole let through: its token's accessor (counted from now on), or null. */
  roleLoginDone(quota: string, accessor: string | null): void {
    const q = this.getLeaseQuota(quota);
    this.roleLeases.settle(quota, q !== null && (q.role !== '' || countsLogins(q)) ? accessor : null);
  }

  getConfig(): QuotaConfig {
    return { ...this.config, rateLimitExemptPaths: [...this.config.rateLimitExemptPaths] };
  }

  async setConfig(cfg: QuotaConfig): Promise<void> {
    await putJSON(this.storage, CONFIG_KEY, cfg);
    this.setConfigInMemory(cfg);
  }

  get(name: string): RateLimitQuota | null {
    return this.active.find((a) => a.quota.name === name)?.quota ?? null;
  }

  names(): string[] {
    return this.active.map((a) => a.quota.name).sort();
  }

  /** Stores `q`; a changed quota starts with fresh buckets (its limits may differ). */
  async put(q: RateLimitQuota): Promise<void> {
    await putJSON(this.storage, `${RATE_PREFIX}${q.name}`, q);
    this.active = [...this.active.filter((a) => a.quota.name !== q.name), this.activate(q)];
    this.sort();
    this.refreshRoleMounts();
  }

  async delete(name: string): Promise<void> {
    await this.storage.delete(`${RATE_PREFIX}${name}`);
    this.active = this.active.filter((a) => a.quota.name !== name);
    this.refreshRoleMounts();
  }

  /** null: allowed. Otherwise what the client gets: Vault's text and the headers to send. */
  check(path: string, client: string, now: number): Refusal | null {
    const active = this.active;
    if (active.length === 0) return null;
    if (this.roleMounts.length > 0 && this.roleMountOf(path) !== null) return null;
    let hit: Active | undefined;
    for (const a of active) {
      if (path.startsWith(a.quota.path)) {
        hit = a;
        break;
      }
    }
    if (!hit || this.isExempt(path)) return null;
    return this.limit(hit, path, client, now);
  }

  private limit(hit: Active, path: string, client: string, now: number): Refusal | null {
    const answer = hit.limiter.allow(client, now);
    if (answer.allowed) return null;
    const headers = ['Retry-After', String(answer.retryAfter)];
    if (this.config.enableRateLimitResponseHeaders) {
      headers.push('X-Ratelimit-Limit', String(hit.quota.rate), 'X-Ratelimit-Remaining', String(answer.remaining), 'X-Ratelimit-Reset', String(answer.reset));
    }
    return { message: `request path ${JSON.stringify(path)}: rate limit quota exceeded`, headers };
  }

  private isExempt(path: string): boolean {
    if (this.exempt.has(path)) return true;
    for (const p of this.config.rateLimitExemptPaths) if (p.endsWith('*') && path.startsWith(p.slice(0, -1))) return true;
    return false;
  }

  private setConfigInMemory(cfg: QuotaConfig): void {
    this.config = { ...cfg, rateLimitExemptPaths: [...cfg.rateLimitExemptPaths] };
    this.exempt = new Set(cfg.rateLimitExemptPaths);
  }

  private activate(q: RateLimitQuota): Active {
    return { quota: q, limiter: new RateLimiter(q.rate, q.interval * 1000, q.blockInterval * 1000) };
  }

  private sort(): void {
    // On the same path, a role's quota comes before the mount's own (it is the more specific).
    this.active.sort((a, b) => b.quota.path.length - a.quota.path.length || Number(b.quota.role !== '') - Number(a.quota.role !== ''));
  }

  private refreshRoleMounts(): void {
    const mounts = new Set<string>();
    for (const a of this.active) if (a.quota.role !== '') mounts.add(a.quota.path);
    for (const q of this.leaseQuotas) if (q.role !== '' || countsLogins(q)) mounts.add(q.path);
    this.roleMounts = [...mounts];
  }
}

/**
 * A lease-count quota on an auth mount (or a path in one) without a role counts the tokens
 * its logins issued, like a role-scoped one (RoleLeases), not secret leases: an auth mount
 * has none.
 */
const countsLogins = (q: { role: string; path: string }): boolean => q.role === '' && q.path.startsWith('auth/');

// Vault appends the error to a multierror, which is how clients see it.
const leaseRefusal = (path: string): Refusal => ({ message: `1 error occurred:\n\t* request path ${JSON.stringify(path)}: lease count quota exceeded\n\n`, headers: [] });

const bySpecificity = (a: { path: string }, b: { path: string }): number => b.path.length - a.path.length;
