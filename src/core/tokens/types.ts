import type { Clock } from '../../lib/clock.js';
import type { Connection, Logger, LogicalResponse, RenewResult } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import type { ExpirationManager } from '../expiration/expiration-manager.js';

/** A stored (service) or decoded (batch) token. Times are epoch milliseconds. */
export interface TokenEntry {
  /** The token string the client holds (`hvs.…`/`hvb.…`). Never logged. */
  id: string;
  /** 24-char base62; "" for batch tokens. */
  accessor: string;
  /** Parent token id, "" for orphans. */
  parent: string;
  policies: string[];
  /** Creation path, e.g. `auth/token/create`, `auth/approle/login`. */
  path: string;
  meta: Record<string, string>;
  displayName: string;
  /** Remaining uses; 0 = unlimited. -1 marks "last use consumed, revoke after this request". */
  numUses: number;
  creationTime: number;
  /** TTL in seconds at creation or last renewal; 0 = never expires (root). */
  ttl: number;
  creationTtl: number;
  explicitMaxTtl: number;
  period: number;
  type: 'service' | 'batch';
  role: string;
  boundCidrs: string[];
  entityId: string;
  renewable: boolean;
  /** 0 = never. */
  expireTime: number;
  lastRenewalTime: number;
  /** Accessor of the auth mount that issued it (token mount for auth/token). */
  mountAccessor: string;
  /** From the login backend's AuthSpec, handed back on renewal. */
  internalData: Record<string, unknown>;
  /** Max TTL (seconds) from the issuing backend or mount, 0 = system max. */
  maxTtl: number;
  /** Default TTL (seconds) of the issuing mount or role, used by renewals without an increment. 0/absent = token mount default. */
  defaultTtl?: number;
}

/** What `TokenStore.create` accepts. Omitted fields take the defaults noted. */
export interface CreateTokenParams {
  /** Custom token id (root/sudo only at the API); random `hvs.` id when absent. */
  id?: string;
  policies?: string[];
  meta?: Record<string, string>;
  /** Parent token id; "" or absent = orphan. */
  parentId?: string;
  /** Stored verbatim (handlers add the `token-` prefix); default `token`. */
  displayName?: string;
  /** Requested TTL seconds; 0 = default. */
  ttl?: number;
  explicitMaxTtl?: number;
  period?: number;
  numUses?: number;
  type?: 'service' | 'batch';
  /** Default true. */
  renewable?: boolean;
  /** Creation path; default `auth/token/create`. */
  path?: string;
  role?: string;
  boundCidrs?: string[];
  noDefaultPolicy?: boolean;
  internalData?: Record<string, unknown>;
  /** Default: the token mount's accessor. */
  mountAccessor?: string;
  /** Role/backend max TTL seconds (0 = mount max). */
  maxTtl?: number;
  /** Role/backend default TTL seconds (0 = mount default). */
  defaultTtl?: number;
  /** Mount default/max to use instead of the token mount's (logins). */
  mountDefaultTtl?: number;
  mountMaxTtl?: number;
  entityId?: string;
}

export interface TokenStoreDeps {
  /** Barrier view reserved for tokens. */
  storage: Storage;
  clock: Clock;
  logger: Logger;
  expiration: ExpirationManager;
  /** For "policy does not exist" warnings. */
  policyExists(name: string): Promise<boolean>;
  destroyCubbyhole(tokenId: string): Promise<void>;
  /**
   * Renewal of a login token by its auth backend (may throw to refuse). null = no hook.
   * `connection` is the renewing request's (the cert method checks its certificate again).
   */
  renewViaBackend(entry: TokenEntry, increment: number, connection?: Connection): Promise<RenewResult | null>;
  /** The token mount's effective default / max TTLs (system 768h). */
  defaultTtl(): number;
  maxTtl(): number;
  /** Accessor of the auth/token mount (a function when the mount loads later). */
  mountAccessor: string | (() => string);
  /**
   * Sudo on a token-store path for this caller. TODO: wire sudo-by-ACL; until then only
   * tokens holding the `root` policy count as sudo.
   */
  hasSudo?(entry: TokenEntry, path: string): Promise<boolean>;
  /** Called after a token is revoked (event subscriptions check their tokens again). */
  onRevoked?(): void;
  /** The policies a token's identity entity adds (lookup's `identity_policies`); absent = none. */
  identityPolicies?(entry: TokenEntry): readonly string[];
  /** The entity an alias on the token mount belongs to, created on first use (403 when disabled). */
  entityForAlias?(mountAccessor: string, name: string): Promise<string>;
}

/**
 * A token-store response that carries an already-issued token: the core renders
 * `authBlock` as the envelope's `auth` (no AuthSpec, no second token).
 */
export interface TokenAuthResponse extends LogicalResponse {
  authBlock: Record<string, unknown>;
}

/** A token role as stored at `roles/<name>`. */
export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  allowedEntityAliases: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenExplicitMaxTtl: number;
  tokenPeriod: number;
  tokenPolicies: string[];
  tokenBoundCidrs: string[];
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  tokenType: 'default-service' | 'default-batch' | 'service' | 'batch';
}
