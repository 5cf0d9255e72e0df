/**
 * What the unsealed subsystems are started from (SubsystemDeps) and what they are
 * (Subsystems): the contract between the core and subsystems.ts.
 */
import type { Logger } from '../sdk/logical.js';
import type { Storage } from '../sdk/storage.js';
import type { Clock } from '../lib/clock.js';
import type { AuditBroker } from './audit/broker.js';
import type { ExpirationManager } from './expiration/expiration-manager.js';
import type { RequestPipeline } from './pipeline/handle-request.js';
import type { ACL } from './policy/acl.js';
import type { PolicyStore } from './policy/policy-store.js';
import type { MountManager } from './router/mounts.js';
import type { BackendRegistry } from './router/registry.js';
import type { Router } from './router/router.js';
import type { CorsStore } from './cors/cors-config.js';
import type { QuotaManager } from './quotas/quota-manager.js';
import type { MetricsAnswer } from './metrics/serve.js';
import type { SnapshotPathDeps } from './sys/paths-snapshot.js';
import type { IntrospectionOptions } from './introspection.js';
import type { HaStatusNode } from './ha/node-table.js';
import type { IdentityStore } from './identity/store.js';
import type { TokenStore } from './tokens/token-store.js';
import type { EventBus } from './events/bus.js';
import type { RekeyBackupDeps } from './sys/paths-rekey-backup.js';
import type { TokenEntry } from './tokens/types.js';
import type { ResponseWrapper } from './wrapping/wrapper.js';

export interface SubsystemDeps {
  barrier: Storage & { view(prefix: string): Storage };
  registry: BackendRegistry;
  clock: Clock;
  logger: Logger;
  systemDefaultTtl: number;
  systemMaxTtl: number;
  keyStatus(): { term: number; installTime: number; encryptions: number };
  rotate(): Promise<void>;
  sealSoon(): void;
  /** This node's api address ('' when unknown): the default issuer of identity tokens and OIDC providers. */
  apiAddr?(): string;
  /** HA only: step down once the current request is answered, and the nodes for sys/ha-status. */
  stepDownSoon?(): void;
  haStatus?(): HaStatusNode[];
  /** The sys/metrics answer in `format` (the core's: it knows the seal and HA state). */
  metrics?(format: string): Promise<MetricsAnswer>;
  snapshot: SnapshotPathDeps;
  /** Where mounts publish change events. */
  events?: EventBus;
  /** sys/rekey/backup and sys/rekey/recovery-key-backup. */
  rekeyBackups?: RekeyBackupDeps;
  /**
   * A performance standby's subsystems: leases are not restored (expiry and revocation are
   * the active node's), and `barrier` refuses writes.
   */
  readOnly?: boolean;
  /** Build date, loggers and in-flight tracker for the introspection paths (introspection.ts). */
  introspection?: IntrospectionOptions;
}

export interface Subsystems {
  router: Router;
  mounts: MountManager;
  policies: PolicyStore;
  identity: IdentityStore;
  tokens: TokenStore;
  expiration: ExpirationManager;
  audit: AuditBroker;
  wrapper: ResponseWrapper;
  pipeline: RequestPipeline;
  /** Rate-limit quotas, checked by the core before the pipeline. */
  quotas: QuotaManager;
  /** The CORS configuration the HTTP layer applies. */
  cors: CorsStore;
  /** A token's ACL as requests see it: its own policies plus its entity's and groups', templates resolved. */
  aclOf(entry: TokenEntry): Promise<ACL>;
  stop(): Promise<void>;
}
