/**
 * The status answers: sys/seal-status, sys/health, sys/leader and sys/metrics from the
 * node's state at the moment of asking, and the pass-throughs the HTTP layer asks before a
 * request reaches the core (CORS, rate-limit and role quotas), which say nothing while sealed.
 */
import { sealedError } from '../sdk/errors.js';
import type { Clock } from '../lib/clock.js';
import type { HealthStatus, LeaderStatus, SealStatus } from './api-types.js';
import type { CorsConfig } from './cors/cors-config.js';
import { haBackendOf, type CoreOptions } from './core-options.js';
import { healthOf, noHaLeader, sealStatusOf } from './core-status.js';
import { haLeaderStatus } from './ha/core-ha.js';
import { serveMetrics, type MetricsAnswer } from './metrics/serve.js';
import { DEV_TELEMETRY, type TelemetryConfig } from './metrics/telemetry.js';
import { collectStoredUsage } from './metrics/usage.js';
import { PeriodicUsage } from './metrics/usage-period.js';
import type { NodeState } from './node-state.js';
import { recordRoleLogin, roleQuotaCheck, type RoleCheckInput, type RoleVerdict } from './quotas/role-check.js';
import type { SealManager } from './seal/seal-manager.js';
import type { Subsystems } from './subsystem-types.js';

export interface StatusAnswersDeps {
  node: NodeState;
  seal: SealManager;
  opts: CoreOptions;
  clock: Clock;
}

export class StatusAnswers {
  /** Token and lease usage gauges, collected every `usage_gauge_period` rather than per scrape. */
  private readonly usage: PeriodicUsage<Subsystems>;

  constructor(private readonly d: StatusAnswersDeps) {
    this.usage = new PeriodicUsage<Subsystems>(() => d.node.subsystems, collectStoredUsage);
  }

  async sealStatus(): Promise<SealStatus> {
    const { seal, node, opts } = this.d;
    const state = await seal.state();
    const progress = seal.progress();
    const sealed = node.isSealed();
    const initialized = (await seal.getConfig()) !== null;
    return sealStatusOf({ seal: state, progress, initialized, sealed, storageType: opts.physical.name, cluster: node.cluster, memoryLocked: opts.memoryLocked });
  }

  async health(): Promise<HealthStatus> {
    const { node } = this.d;
    const initialized = (await this.d.seal.getConfig()) !== null;
    const sealed = node.isSealed();
    return healthOf({
      initialized,
      sealed,
      standby: sealed || (node.ha !== null && !node.ha.isActive()),
      performanceStandby: node.isPerformanceStandby(),
      nowMs: this.d.clock.now(),
      cluster: node.cluster,
      connection: node.ha?.connectionHealth() ?? null,
    });
  }

  async leader(): Promise<LeaderStatus> {
    const { node } = this.d;
    if (haBackendOf(this.d.opts)) {
      if (!node.ha) throw sealedError();
      return haLeaderStatus(await node.ha.leader(), node.perf?.serving() ? node.perf.appliedIndex() : null);
    }
    return noHaLeader();
  }

  /** The telemetry settings sys/metrics follows. */
  get telemetry(): TelemetryConfig {
    return this.d.opts.telemetry ?? DEV_TELEMETRY;
  }

  /** GET sys/metrics in `format`, sealed or not (a listener may serve it without a token). */
  metrics(format: string): Promise<MetricsAnswer> {
    const { node } = this.d;
    const subs = node.subsystems;
    const sources = {
      unsealed: !node.isSealed(),
      active: node.isActive(),
      performanceStandby: node.isPerformanceStandby(),
      subsystems: subs,
      collected: () => (subs ? this.usage.gauges(subs, this.telemetry.usageGaugePeriodSeconds) : Promise.resolve([])),
    };
    return serveMetrics(format, this.telemetry, sources, this.d.clock.now());
  }

  /** The CORS configuration while unsealed (null: sealed, CORS does nothing). */
  corsConfig(): CorsConfig | null {
    return this.d.node.subsystems?.cors.current ?? null;
  }

  /** A rate-limit quota's refusal of `path` for `client` (an IP address), or null: checked before the token and the backend. */
  rateLimited(path: string, client: string): { message: string; headers: string[] } | null {
    const subs = this.d.node.subsystems;
    if (subs === null) return null;
    return subs.quotas.check(path, client, this.d.clock.now()) ?? subs.quotas.checkLeases(path, (prefix) => subs.expiration.secretLeasesUnder(prefix));
  }

  /** `rateLimited` for requests to a mount with role quotas, once the login's role can be resolved from the body. */
  roleRateLimited(input: RoleCheckInput): Promise<RoleVerdict> | null {
    const subs = this.d.node.subsystems;
    if (subs === null) return null;
    return roleQuotaCheck(subs.quotas, subs.router, input, () => this.d.clock.now(), async (accessor) => (await subs.tokens.lookupAccessor(accessor)) !== null);
  }

  /** After a request `roleRateLimited` let through with a lease quota: its login token counts under that quota. */
  roleLoginDone(leaseQuota: string, auth: Record<string, unknown> | null): void {
    const subs = this.d.node.subsystems;
    if (subs !== null) recordRoleLogin(subs.quotas, leaseQuota, auth);
  }
}
