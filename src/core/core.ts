/**
 * The composition root and lifecycle: init, unseal, seal. Everything that exists only
 * while unsealed lives in Subsystems; this class only sequences and answers the raw
 * sealed-state endpoints.
 */
import { badRequest, sealedError, WardError } from '../sdk/errors.js';
import { getJSON, putJSON } from '../sdk/storage.js';
import { dropInitResponse, keepInitResponse, keptInitResponse } from './init-response.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { shortHex, uuid } from '../lib/ids.js';
import { zeroize } from '../lib/secure.js';
import type { HaBackend } from '../storage/physical.js';
import type { CoreApi, CoreResult, HealthStatus, HttpRequestInput, InitFinish, InitResult, LeaderStatus, SealStatus, StandbyRoute } from './api-types.js';
import { AesGcmBarrier } from './barrier/barrier.js';
import { builtinRegistry } from './builtin-registry.js';
import type { BackendRegistry } from './router/registry.js';
import { AutoUnsealLoop } from './seal/auto-unseal.js';
import { SealManager } from './seal/seal-manager.js';
import { KeyCeremonies } from './seal/ceremonies.js';
import { recordRoleLogin, roleQuotaCheck, type RoleCheckInput, type RoleVerdict } from './quotas/role-check.js';
import { deleteRekeyBackup, readRekeyBackup } from './seal/rekey.js';
import { SnapshotService } from './snapshot/service.js';
import { DEV_TELEMETRY, type TelemetryConfig } from './metrics/telemetry.js';
import type { CorsConfig } from './cors/cors-config.js';
import { HttpInFlight } from './inflight/http-requests.js';
import { serveMetrics, type MetricsAnswer } from './metrics/serve.js';
import { collectStoredUsage } from './metrics/usage.js';
import { PeriodicUsage } from './metrics/usage-period.js';
import { startSubsystems } from './subsystems.js';
import type { SubsystemDeps, Subsystems } from './subsystem-types.js';
import { haManagerFor, haLeaderStatus, isLockLost, keyringUnreadable } from './ha/core-ha.js';
import type { HaManager } from './ha/ha-manager.js';
import type { EchoInfo } from './ha/wire.js';
import { PerfStandby } from './perf/perf-standby.js';
import { CLOSE_GOING_AWAY, EventBus, type EventSink } from './events/bus.js';
import { subscribeEvents, type EventSubscribeRequest } from './events/subscribe.js';
import { DEFAULT_TTL, type ClusterInfo, type CoreOptions } from './core-options.js';
import { BUILD_DATE, healthOf, noHaLeader, sealStatusOf } from './core-status.js';
import { initAnswer, lockForInit } from './core-init.js';

export type { CoreOptions } from './core-options.js';

export class WardCore implements CoreApi {
  readonly barrier: AesGcmBarrier;
  private readonly seal: SealManager;
  private readonly ceremonies: KeyCeremonies;
  private autoUnsealLoop: AutoUnsealLoop | null = null;
  private readonly clock: Clock;
  private readonly registry: BackendRegistry;
  private subsystems: Subsystems | null = null;
  /** Token and lease usage gauges, collected every `usage_gauge_period` rather than per scrape. */
  private readonly usage = new PeriodicUsage<Subsystems>(() => this.subsystems, collectStoredUsage);
  private cluster: ClusterInfo | null = null;
  private pendingSeal = false;
  private pendingStepDown = false;
  /** Requests in the subsystems now: a graceful step-down lets them finish first. */
  private readonly running = new Set<Promise<unknown>>();
  /** While unsealed with HA: the active/standby state machine (subsystems exist only while active). */
  private ha: HaManager | null = null;
  /** While a standby with `performance_standby`: the read-only subsystems answering reads here. */
  private perf: PerfStandby | null = null;
  /** A verified snapshot restore, applied by the next seal (see snapshot/service.ts). */
  private pendingRestore: (() => Promise<void>) | null = null;
  private readonly snapshots: SnapshotService;
  /** Serialises init/unseal/seal so two callers cannot race the lifecycle. */
  private lifecycle: Promise<unknown> = Promise.resolve();
  /** KV change events and their websocket subscribers (sys/events/subscribe). */
  readonly events: EventBus;
  /** The HTTP requests being served now, for sys/in-flight-req (fed by http/in-flight.ts). */
  readonly httpInFlight = new HttpInFlight();

  constructor(private readonly opts: CoreOptions) {
    this.barrier = new AesGcmBarrier(opts.physical, opts.cacheEntries === undefined ? {} : { cacheEntries: opts.cacheEntries });
    this.seal = new SealManager(opts.physical, this.barrier, { seal: opts.seal?.active ?? null, previous: opts.seal?.previous ?? null });
    this.ceremonies = new KeyCeremonies(this.seal, opts.physical, async () => {
      const subs = this.subsystems;
      if (subs === null) throw sealedError();
      return (await subs.tokens.createRoot()).id;
    });
    this.clock = opts.clock ?? systemClock;
    this.events = new EventBus(this.clock);
    this.registry = opts.registry ?? builtinRegistry();
    this.snapshots = new SnapshotService({
      physical: opts.physical,
      barrier: this.barrier,
      logger: opts.logger,
      restoreSoon: (apply) => {
        this.pendingRestore = apply;
        this.pendingSeal = true;
      },
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(fn, fn);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  get active(): Subsystems | null {
    return this.subsystems;
  }

  /** Rekey and root generation: only on an unsealed node that serves requests (503 sealed otherwise). */
  keyCeremonies(): KeyCeremonies {
    if (this.subsystems === null) throw sealedError();
    return this.ceremonies;
  }

  async isInitialized(): Promise<boolean> {
    return (await this.seal.getConfig()) !== null;
  }

  isSealed(): boolean {
    return this.subsystems === null && this.ha === null;
  }

  /** The store that elects the active node, when HA is enabled. */
  private get haBackend(): HaBackend | undefined {
    return this.opts.ha?.backend ?? this.opts.physical.ha;
  }

  /**
   * With an auto seal, `recovery` gives the recovery key shares and the node stays unsealed.
   * `finish` (the HTTP layer's PGP encryption) runs on the answer before the HA lock is given
   * back; when it says `keep`, the finished answer is kept for sys/init/response
   * (init-response.ts), written while this node may still write (etcd fences a released lock).
   */
  init(secretShares: number, secretThreshold: number, recovery?: { shares: number; threshold: number }, finish?: InitFinish): Promise<InitResult> {
    return this.serial(async () => {
      // With HA, initialisation holds the lock: once the seal configuration is stored, other
      // nodes (auto-unseal) unseal and try for the lock, and one that became active before
      // this node had written the mount tables and the root token would write its own.
      if (await this.isInitialized()) throw badRequest('Vault is already initialized');
      const held = await lockForInit(this.haBackend);
      let initialized: { keys: Buffer[]; recoveryKeys: Buffer[]; rootToken: string; stayUnsealed: boolean };
      let result: InitResult;
      try {
        initialized = await this.initializeStore(secretShares, secretThreshold, recovery);
        const { keys, recoveryKeys, rootToken } = initialized;
        result = initAnswer(keys, recoveryKeys, rootToken, this.seal.type);
        zeroize(...keys, ...recoveryKeys);
        if (finish) {
          const done = await finish(result);
          result = done.result;
          // Best effort: failing to keep a copy must not cost the client the answer itself.
          if (done.keep) await keepInitResponse(this.opts.physical, result, this.clock.now()).catch((e: unknown) => this.opts.logger.warn('core: could not keep the encrypted init response', { error: (e as Error).message }));
        }
      } finally {
        await held?.release().catch(() => undefined);
      }
      if (initialized.stayUnsealed) {
        try {
          await this.postUnseal();
        } catch (e) {
          // Initialised all the same: the keys must reach the operator; the node stays sealed.
          this.opts.logger.error('core: post-init unseal failed; the node stays sealed', { error: (e as Error).message });
        }
      }
      return result;
    });
  }

  initResponse(): Promise<InitResult | null> {
    return keptInitResponse(this.opts.physical, this.clock.now());
  }

  /** Creates the keys, the cluster record, the default mounts and the root token. */
  private async initializeStore(secretShares: number, secretThreshold: number, recovery?: { shares: number; threshold: number }): Promise<{ keys: Buffer[]; recoveryKeys: Buffer[]; rootToken: string; stayUnsealed: boolean }> {
    // Checked under the lock: two nodes asked to initialise at once initialise once.
    if (await this.isInitialized()) throw badRequest('Vault is already initialized');
    const { keys, recoveryKeys } = await this.seal.initialize(secretShares, secretThreshold, recovery);
    // An auto seal leaves the node it initialised unsealed, as Vault does.
    let stayUnsealed = this.seal.type !== 'shamir';
    try {
      const cluster: ClusterInfo = { name: this.opts.clusterName ?? `vault-cluster-${shortHex()}`, id: uuid() };
      await putJSON(this.barrier, 'core/cluster', cluster);
      const subs = await this.startSubsystems();
      const rootToken = (await subs.tokens.createRoot()).id;
      await subs.stop();
      return { keys, recoveryKeys, rootToken, stayUnsealed };
    } catch (e) {
      stayUnsealed = false;
      throw e;
    } finally {
      if (!stayUnsealed) this.barrier.seal();
    }
  }

  /** `migrate`: the key is the old seal's share in a seal migration (`-migrate`). */
  unseal(key: string | undefined, reset: boolean, migrate = false): Promise<SealStatus> {
    return this.serial(async () => {
      if (!(await this.isInitialized())) throw badRequest('Vault is not initialized');
      if (reset) {
        if (!this.isSealed()) throw badRequest('vault is unsealed');
        this.seal.resetUnseal();
        return this.sealStatusNow();
      }
      if (!this.isSealed()) return this.sealStatusNow();
      if (!key) throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
      const progress = await this.seal.submitUnsealKey(key, migrate);
      if (!progress.sealed) {
        await this.postUnseal();
        // Whoever unsealed holds the shares now: the kept init answer has done its job. With
        // HA the node that becomes active drops it (a standby's store may refuse writes).
        if (this.haBackend === undefined) await dropInitResponse(this.opts.physical).catch((e: unknown) => this.opts.logger.warn('core: could not drop the kept init response', { error: (e as Error).message }));
      }
      return this.sealStatusNow();
    });
  }

  /** `overrides`: a performance standby's read-only storage. */
  private async startSubsystems(overrides: Partial<Pick<SubsystemDeps, 'barrier' | 'readOnly'>> = {}): Promise<Subsystems> {
    return startSubsystems({
      barrier: this.barrier,
      registry: this.registry,
      clock: this.clock,
      logger: this.opts.logger,
      systemDefaultTtl: this.opts.defaultLeaseTtl ?? DEFAULT_TTL,
      systemMaxTtl: this.opts.maxLeaseTtl ?? DEFAULT_TTL,
      keyStatus: () => this.barrier.keyStatus(),
      rotate: async () => {
        await this.barrier.rotate();
      },
      sealSoon: () => {
        this.pendingSeal = true;
      },
      apiAddr: () => this.opts.apiAddr?.() ?? '',
      ...(this.ha ? { stepDownSoon: () => (this.pendingStepDown = true), haStatus: () => this.ha?.haStatus() ?? [] } : {}),
      snapshot: this.snapshots,
      events: this.events,
      rekeyBackups: { read: (recovery) => readRekeyBackup(this.opts.physical, recovery), delete: (recovery) => deleteRekeyBackup(this.opts.physical, recovery) },
      metrics: (format) => this.metrics(format),
      introspection: { buildDate: BUILD_DATE, inFlight: this.httpInFlight, ...(this.opts.loggers ? { loggers: this.opts.loggers } : {}) },
      ...overrides,
    });
  }

  /** A standby with `performance_standby` on a store with a change feed starts serving reads. */
  private startPerfStandby(): void {
    if (!this.opts.ha?.performanceStandby || this.ha === null || this.perf !== null) return;
    const feed = this.opts.physical.changes;
    if (feed === undefined) {
      this.opts.logger.warn('core: performance_standby needs a storage backend with a change stream; this standby forwards every request', { storage: this.opts.physical.name });
      return;
    }
    this.perf = new PerfStandby({ feed, barrier: this.barrier, logger: this.opts.logger, build: (storage) => this.startSubsystems({ barrier: storage, readOnly: true }) });
    this.perf.start();
  }

  private async stopPerfStandby(): Promise<void> {
    const perf = this.perf;
    this.perf = null;
    await perf?.stop();
  }

  private async postUnseal(): Promise<void> {
    try {
      this.cluster = await getJSON<ClusterInfo>(this.barrier, 'core/cluster');
      const backend = this.haBackend;
      if (backend) {
        // A standby: keyring loaded, no subsystems until the lock is ours.
        this.ha = haManagerFor(backend, this.barrier, this.opts, {
          activate: async () => {
            // Nothing the standby built is kept: caches dropped, subsystems started afresh.
            await this.stopPerfStandby();
            this.barrier.dropCache();
            await this.barrier.reloadKeyring().catch((e: unknown) => {
              if (keyringUnreadable(e)) {
                this.opts.logger.error('core: the stored keyring no longer opens with this node\'s root key (another cluster\'s snapshot was restored?); sealing until unsealed with that cluster\'s keys');
                // Not awaited: sealing waits for the HA loop, which is running this activation.
                void this.sealNow().catch(() => undefined);
              }
              throw e;
            });
            this.subsystems = await this.startSubsystems();
            // The cluster was unsealed and has an active node: the kept init answer is done
            // (dropped here, while this node holds the lock that lets it write).
            await dropInitResponse(this.opts.physical).catch((e: unknown) => this.opts.logger.warn('core: could not drop the kept init response', { error: (e as Error).message }));
          },
          deactivate: async (graceful) => {
            const subs = this.subsystems;
            this.subsystems = null;
            // Ceremonies belong to the active node; the next one starts its own.
            this.ceremonies.reset();
            // Subscribers reconnect, and are redirected to the new active node.
            this.events.closeAll(CLOSE_GOING_AWAY, 'node stepped down');
            // New requests already go to the active node; on a step-down those in flight finish
            // (a lost lock does not wait: the store refuses their writes anyway).
            if (graceful) await Promise.allSettled([...this.running]);
            await subs?.stop();
            this.barrier.dropCache();
            this.startPerfStandby();
          },
        });
        this.ha.start();
        this.startPerfStandby();
        this.opts.logger.info('core: vault is unsealed (standby until it holds the HA lock)');
        return;
      }
      this.subsystems = await this.startSubsystems();
      this.opts.logger.info('core: vault is unsealed');
    } catch (e) {
      this.barrier.seal();
      this.subsystems = null;
      throw e;
    }
  }

  /** Seals: stops timers and backends, then zeroes the keyring (applying a pending restore). */
  sealNow(): Promise<void> {
    return this.serial(async () => {
      const ha = this.ha;
      this.ha = null;
      let restore = this.pendingRestore;
      this.pendingRestore = null;
      let restoreFailure: { error: unknown } | null = null;
      const applyRestore = async (apply: () => Promise<void>): Promise<void> => {
        await this.barrier.writesSettled();
        await apply().catch((error: unknown) => (restoreFailure = { error }));
      };
      // Steps down first (stopping the subsystems, releasing the lock) while the barrier still
      // works. An HA node applies a restore before it lets the lock go (see HaManager.stop).
      if (ha !== null) {
        const pending = restore;
        if (await ha.stop(pending === null ? undefined : () => applyRestore(pending))) restore = null;
      }
      await this.stopPerfStandby();
      const subs = this.subsystems;
      if (!subs && !ha) return;
      this.subsystems = null;
      this.pendingSeal = false;
      this.ceremonies.reset();
      this.events.closeAll(CLOSE_GOING_AWAY, 'sealed');
      await subs?.stop();
      this.barrier.seal();
      if (restore !== null) await applyRestore(restore);
      // Read again at the next unseal: a restore, or another node's rekey or seal migration
      // while this one was a standby, may have changed it.
      this.seal.forgetConfig();
      this.seal.resetUnseal();
      this.opts.logger.info('core: vault is sealed');
      if (restoreFailure !== null) throw (restoreFailure as { error: unknown }).error;
    });
  }

  /** sys/events/subscribe: checks the token and starts delivering to `sink` (see events/subscribe.ts). */
  subscribeEvents(r: EventSubscribeRequest, sink: EventSink): Promise<() => void> {
    const subs = this.subsystems;
    if (!subs) throw this.ha ? new WardError('standby', ['Vault is in standby mode']) : sealedError();
    return subscribeEvents(this.events, { lookupToken: (t) => subs.tokens.lookup(t), aclOf: (entry) => subs.aclOf(entry), current: () => this.subsystems === subs }, r, sink);
  }

  async handleRequest(input: HttpRequestInput): Promise<CoreResult> {
    const subs = this.subsystems;
    if (!subs) throw this.ha ? new WardError('standby', ['Vault is in standby mode']) : sealedError();
    if (this.ha !== null) return this.handleOnActive(subs, input);
    // Without HA nothing needs handleOnActive's bookkeeping (requests in flight for a
    // graceful step-down, fencing refusals) on every request: taking it on every KV read
    // cost ~5% (bench/compare.mjs --mode read against the tree before HA: 0.94 → 0.97-1.0).
    try {
      return await subs.pipeline.handle(input);
    } finally {
      if (this.pendingSeal) await this.sealNow();
    }
  }

  private async handleOnActive(subs: Subsystems, input: HttpRequestInput): Promise<CoreResult> {
    const p = subs.pipeline.handle(input);
    this.running.add(p);
    try {
      return await p;
    } catch (e) {
      // The store refused a write: another node holds the lock. Step down now, and tell
      // the client as a standby would (clients retry a 503).
      if (this.ha && isLockLost(e)) {
        this.ha.fenced();
        throw new WardError('standby', ['Vault is in standby mode']);
      }
      throw e;
    } finally {
      this.running.delete(p);
      if (this.pendingSeal) await this.sealNow();
      if (this.pendingStepDown) {
        this.pendingStepDown = false;
        this.ha?.requestStepDown();
      }
    }
  }

  standbyRoute(): StandbyRoute | null {
    const route = this.ha?.standbyRoute() ?? null;
    const perf = this.perf;
    if (route === null || perf === null) return route;
    return { ...route, local: (input, hints) => perf.serve(input, hints) };
  }

  storageIndex(): number | null {
    return this.ha !== null ? (this.opts.physical.changes?.lastWriteIndex() ?? null) : null;
  }

  /** Whether this node serves requests itself: unsealed and, with HA, holding the lock (service registration's `vault-active`). */
  isActive(): boolean {
    return this.ha !== null ? this.ha.isActive() : this.subsystems !== null;
  }

  /** Whether this node is a performance standby answering reads itself (service registration's `vault-perf-standby`). */
  isPerformanceStandby(): boolean {
    return this.perf?.serving() ?? false;
  }

  /** The telemetry settings sys/metrics follows. */
  get telemetry(): TelemetryConfig {
    return this.opts.telemetry ?? DEV_TELEMETRY;
  }

  /** GET sys/metrics in `format`, sealed or not (a listener may serve it without a token). */
  metrics(format: string): Promise<MetricsAnswer> {
    const subs = this.subsystems;
    const sources = {
      unsealed: !this.isSealed(),
      active: this.isActive(),
      performanceStandby: this.isPerformanceStandby(),
      subsystems: subs,
      collected: () => (subs ? this.usage.gauges(subs, this.telemetry.usageGaugePeriodSeconds) : Promise.resolve([])),
    };
    return serveMetrics(format, this.telemetry, sources, this.clock.now());
  }

  /** The CORS configuration while unsealed (null: sealed, CORS does nothing). */
  corsConfig(): CorsConfig | null {
    return this.subsystems?.cors.current ?? null;
  }

  /** A rate-limit quota's refusal of `path` for `client` (an IP address), or null: checked before the token and the backend. */
  rateLimited(path: string, client: string): { message: string; headers: string[] } | null {
    const subs = this.subsystems;
    if (subs === null) return null;
    return subs.quotas.check(path, client, this.clock.now()) ?? subs.quotas.checkLeases(path, (prefix) => subs.expiration.secretLeasesUnder(prefix));
  }

  /** `rateLimited` for requests to a mount with role quotas, once the login's role can be resolved from the body. */
  roleRateLimited(input: RoleCheckInput): Promise<RoleVerdict> | null {
    const subs = this.subsystems;
    if (subs === null) return null;
    return roleQuotaCheck(subs.quotas, subs.router, input, () => this.clock.now(), async (accessor) => (await subs.tokens.lookupAccessor(accessor)) !== null);
  }

  /** After a request `roleRateLimited` let through with a lease quota: its login token counts under that quota. */
  roleLoginDone(leaseQuota: string, auth: Record<string, unknown> | null): void {
    const subs = this.subsystems;
    if (subs !== null) recordRoleLogin(subs.quotas, leaseQuota, auth);
  }

  /** For the cluster listener: whether this node is the active one right now. */
  isHaActive(): boolean {
    return this.ha?.isActive() ?? false;
  }

  /** For the cluster listener: a standby's heartbeat. */
  recordHaEcho(info: EchoInfo): void {
    this.ha?.recordEcho(info);
  }

  private async sealStatusNow(): Promise<SealStatus> {
    const seal = await this.seal.state();
    const progress = this.seal.progress();
    const sealed = this.isSealed();
    const initialized = (await this.seal.getConfig()) !== null;
    return sealStatusOf({ seal, progress, initialized, sealed, storageType: this.opts.physical.name, cluster: this.cluster, memoryLocked: this.opts.memoryLocked });
  }

  sealStatus(): Promise<SealStatus> {
    return this.sealStatusNow();
  }

  async health(): Promise<HealthStatus> {
    const initialized = await this.isInitialized();
    const sealed = this.isSealed();
    return healthOf({
      initialized,
      sealed,
      standby: sealed || (this.ha !== null && !this.ha.isActive()),
      performanceStandby: this.isPerformanceStandby(),
      nowMs: this.clock.now(),
      cluster: this.cluster,
      connection: this.ha?.connectionHealth() ?? null,
    });
  }

  async leader(): Promise<LeaderStatus> {
    if (this.haBackend) {
      if (!this.ha) throw sealedError();
      return haLeaderStatus(await this.ha.leader(), this.perf?.serving() ? this.perf.appliedIndex() : null);
    }
    return noHaLeader();
  }

  /**
   * With an auto seal, unseals in the background, retrying (with a logged error) while the
   * seal cannot open the root key; ends once unsealed or on shutdown. Never throws.
   */
  startAutoUnseal(): void {
    if (this.autoUnsealLoop) return;
    this.seal.start(this.opts.logger);
    this.autoUnsealLoop = new AutoUnsealLoop(this.opts.logger, () =>
      this.serial(async () => {
        if (!this.isSealed()) return 'unsealed' as const;
        const outcome = await this.seal.autoUnseal();
        if (outcome === 'unsealed') await this.postUnseal();
        return outcome;
      }),
    );
    this.autoUnsealLoop.start();
  }

  /** Graceful stop: seal (zeroing keys) and close storage. */
  async shutdown(): Promise<void> {
    await this.autoUnsealLoop?.stop();
    this.seal.stop();
    await this.sealNow();
    await this.barrier.writesSettled();
    await this.opts.physical.close();
  }
}
