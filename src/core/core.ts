/**
 * The composition root: builds the node's parts and hands each CoreApi call to the
 * collaborator that owns it. Everything that exists only while unsealed lives in
 * Subsystems; the node's state is shared by the collaborators (node-state.ts):
 * - core-lifecycle.ts: init, unseal, seal and shutdown, in one serial order, with the HA
 *   and performance-standby wiring (core-ha-wiring.ts) after an unseal;
 * - core-requests.ts: the request entry (handleRequest, standbyRoute, events);
 * - core-answers.ts: seal status, health, leader, metrics, and the CORS and quota checks.
 */
import { sealedError } from '../sdk/errors.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { CoreApi, CoreResult, HealthStatus, HttpRequestInput, InitFinish, InitResult, LeaderStatus, SealStatus, StandbyRoute } from './api-types.js';
import { AesGcmBarrier } from './barrier/barrier.js';
import { builtinRegistry } from './builtin-registry.js';
import { SealManager } from './seal/seal-manager.js';
import { KeyCeremonies } from './seal/ceremonies.js';
import type { RoleCheckInput, RoleVerdict } from './quotas/role-check.js';
import { SnapshotService } from './snapshot/service.js';
import type { TelemetryConfig } from './metrics/telemetry.js';
import type { CorsConfig } from './cors/cors-config.js';
import { HttpInFlight } from './inflight/http-requests.js';
import type { MetricsAnswer } from './metrics/serve.js';
import type { Subsystems } from './subsystem-types.js';
import type { EchoInfo } from './ha/wire.js';
import { EventBus, type EventSink } from './events/bus.js';
import type { EventSubscribeRequest } from './events/subscribe.js';
import type { CoreOptions } from './core-options.js';
import { keptInitResponse } from './init-response.js';
import { NodeState } from './node-state.js';
import { StatusAnswers } from './core-answers.js';
import { RequestEntry } from './core-requests.js';
import { CoreLifecycle } from './core-lifecycle.js';
import { subsystemStarter } from './core-subsystem-deps.js';

export type { CoreOptions } from './core-options.js';

export class WardCore implements CoreApi {
  readonly barrier: AesGcmBarrier;
  private readonly ceremonies: KeyCeremonies;
  private readonly clock: Clock;
  private readonly node = new NodeState();
  private readonly lifecycle: CoreLifecycle;
  private readonly requests: RequestEntry;
  private readonly answers: StatusAnswers;
  /** KV change events and their websocket subscribers (sys/events/subscribe). */
  readonly events: EventBus;
  /** The HTTP requests being served now, for sys/in-flight-req (fed by http/in-flight.ts). */
  readonly httpInFlight = new HttpInFlight();

  constructor(private readonly opts: CoreOptions) {
    const node = this.node;
    const barrier = new AesGcmBarrier(opts.physical, opts.cacheEntries === undefined ? {} : { cacheEntries: opts.cacheEntries });
    this.barrier = barrier;
    const seal = new SealManager(opts.physical, barrier, { seal: opts.seal?.active ?? null, previous: opts.seal?.previous ?? null });
    this.ceremonies = new KeyCeremonies(seal, opts.physical, async () => {
      const subs = node.subsystems;
      if (subs === null) throw sealedError();
      return (await subs.tokens.createRoot()).id;
    });
    const clock = (this.clock = opts.clock ?? systemClock);
    this.events = new EventBus(clock);
    const snapshots = new SnapshotService({
      physical: opts.physical,
      barrier,
      logger: opts.logger,
      restoreSoon: (apply) => {
        node.pendingRestore = apply;
        node.pendingSeal = true;
      },
    });
    this.answers = new StatusAnswers({ node, seal, opts, clock });
    const startSubsystems = subsystemStarter({
      opts,
      node,
      barrier,
      registry: opts.registry ?? builtinRegistry(),
      clock,
      snapshots,
      events: this.events,
      httpInFlight: this.httpInFlight,
      metrics: (format) => this.metrics(format),
    });
    const parts = { opts, node, barrier, seal, ceremonies: this.ceremonies, events: this.events, clock, startSubsystems };
    this.lifecycle = new CoreLifecycle({ ...parts, sealStatus: () => this.answers.sealStatus() });
    this.requests = new RequestEntry({ node, physical: opts.physical, events: this.events, sealNow: () => this.sealNow() });
  }

  get active(): Subsystems | null {
    return this.node.subsystems;
  }

  /** Rekey and root generation: only on an unsealed node that serves requests (503 sealed otherwise). */
  keyCeremonies(): KeyCeremonies {
    if (this.node.subsystems === null) throw sealedError();
    return this.ceremonies;
  }

  isInitialized(): Promise<boolean> {
    return this.lifecycle.isInitialized();
  }

  isSealed(): boolean {
    return this.node.isSealed();
  }

  init(secretShares: number, secretThreshold: number, recovery?: { shares: number; threshold: number }, finish?: InitFinish): Promise<InitResult> {
    return this.lifecycle.init(secretShares, secretThreshold, recovery, finish);
  }

  initResponse(): Promise<InitResult | null> {
    return keptInitResponse(this.opts.physical, this.clock.now());
  }

  /** `migrate`: the key is the old seal's share in a seal migration (`-migrate`). */
  unseal(key: string | undefined, reset: boolean, migrate = false): Promise<SealStatus> {
    return this.lifecycle.unseal(key, reset, migrate);
  }

  /** Seals: stops timers and backends, then zeroes the keyring (applying a pending restore). */
  sealNow(): Promise<void> {
    return this.lifecycle.sealNow();
  }

  /** With an auto seal, unseals in the background (see CoreLifecycle.startAutoUnseal). */
  startAutoUnseal(): void {
    this.lifecycle.startAutoUnseal();
  }

  /** Graceful stop: seal (zeroing keys) and close storage. */
  shutdown(): Promise<void> {
    return this.lifecycle.shutdown();
  }

  /** sys/events/subscribe: checks the token and starts delivering to `sink` (see events/subscribe.ts). */
  subscribeEvents(r: EventSubscribeRequest, sink: EventSink): Promise<() => void> {
    return this.requests.subscribeEvents(r, sink);
  }

  handleRequest(input: HttpRequestInput): Promise<CoreResult> {
    return this.requests.handle(input);
  }

  standbyRoute(): StandbyRoute | null {
    return this.requests.standbyRoute();
  }

  storageIndex(): number | null {
    return this.requests.storageIndex();
  }

  /** Whether this node serves requests itself: unsealed and, with HA, holding the lock (service registration's `vault-active`). */
  isActive(): boolean {
    return this.node.isActive();
  }

  /** Whether this node is a performance standby answering reads itself (service registration's `vault-perf-standby`). */
  isPerformanceStandby(): boolean {
    return this.node.isPerformanceStandby();
  }

  /** For the cluster listener: whether this node is the active one right now. */
  isHaActive(): boolean {
    return this.node.ha?.isActive() ?? false;
  }

  /** For the cluster listener: a standby's heartbeat. */
  recordHaEcho(info: EchoInfo): void {
    this.node.ha?.recordEcho(info);
  }

  /** The telemetry settings sys/metrics follows. */
  get telemetry(): TelemetryConfig {
    return this.answers.telemetry;
  }

  /** GET sys/metrics in `format`, sealed or not (a listener may serve it without a token). */
  metrics(format: string): Promise<MetricsAnswer> {
    return this.answers.metrics(format);
  }

  /** The CORS configuration while unsealed (null: sealed, CORS does nothing). */
  corsConfig(): CorsConfig | null {
    return this.answers.corsConfig();
  }

  /** A rate-limit quota's refusal of `path` for `client` (an IP address), or null: checked before the token and the backend. */
  rateLimited(path: string, client: string): { message: string; headers: string[] } | null {
    return this.answers.rateLimited(path, client);
  }

  /** `rateLimited` for requests to a mount with role quotas, once the login's role can be resolved from the body. */
  roleRateLimited(input: RoleCheckInput): Promise<RoleVerdict> | null {
    return this.answers.roleRateLimited(input);
  }

  /** After a request `roleRateLimited` let through with a lease quota: its login token counts under that quota. */
  roleLoginDone(leaseQuota: string, auth: Record<string, unknown> | null): void {
    this.answers.roleLoginDone(leaseQuota, auth);
  }

  sealStatus(): Promise<SealStatus> {
    return this.answers.sealStatus();
  }

  health(): Promise<HealthStatus> {
    return this.answers.health();
  }

  leader(): Promise<LeaderStatus> {
    return this.answers.leader();
  }
}
