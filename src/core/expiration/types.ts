import type { Clock } from '../../lib/clock.js';
import type { Backend, Logger, SecretSpec, SystemView } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';

/** A mount as the expiration manager needs it to call a backend's renew/revoke. */
export interface ResolvedMount {
  backend: Backend;
  storage: Storage;
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  system: SystemView;
}

export interface ExpirationDeps {
  /** Barrier view reserved for leases. */
  storage: Storage;
  clock: Clock;
  logger: Logger;
  /** Resolves the mount serving a lease's path (e.g. `database/creds/ro/…`). null if unmounted. */
  resolveMount(path: string): ResolvedMount | null;
  /** Called when a token's expiry fires: the token store revokes the tree. */
  onTokenExpired(tokenKey: string): Promise<void>;
  /** Seconds (default 768h). */
  systemMaxTtl: number;
  /** Optional: lets `tidy()` revoke leases whose creating token no longer exists. */
  tokenExists?(tokenKey: string): Promise<boolean>;
}

/** A dynamic secret's lease as persisted at `id/<leaseId>`. Times are epoch ms. */
export interface SecretLeaseRecord {
  kind: 'secret';
  leaseId: string;
  /** Full request path that created it (includes the mount). */
  path: string;
  mountPoint: string;
  secretType: string;
  internalData: Record<string, unknown>;
  /** Token store key of the creating token ("" = none). */
  tokenKey: string;
  issueTime: number;
  expireTime: number;
  lastRenewalTime: number | null;
  /** Seconds granted at issue or last renewal. */
  ttl: number;
  /** Effective ceiling in seconds, measured from issueTime. */
  maxTtl: number;
  renewable: boolean;
  revokeAttempts: number;
  lastError?: string;
  /** Set after repeated backend revoke failures; retries continue hourly. */
  irrevocable?: boolean;
}

/** A token's expiry, persisted at `id/<tokenPath>/<tokenKey>` so prefix revocation finds it. */
export interface TokenLeaseRecord {
  kind: 'token';
  leaseId: string;
  tokenKey: string;
  path: string;
  issueTime: number;
  expireTime: number;
  revokeAttempts: number;
}

export type LeaseRecord = SecretLeaseRecord | TokenLeaseRecord;

export interface RegisterSecretInput {
  /** Full request path (with mount) that produced the secret. */
  path: string;
  secret: SecretSpec;
  tokenKey: string;
  mountPoint: string;
  /** Mount's effective default / max lease TTLs, seconds. */
  defaultTtl: number;
  maxTtl: number;
}

export interface RegisteredLease {
  leaseId: string;
  ttl: number;
  renewable: boolean;
  warnings: string[];
}

export interface RenewedLease extends RegisteredLease {
  data: Record<string, unknown> | null;
}

/** The `sys/leases/lookup` data shape. */
export interface LeaseLookup {
  id: string;
  issue_time: string;
  expire_time: string;
  last_renewal: string | null;
  renewable: boolean;
  ttl: number;
}
