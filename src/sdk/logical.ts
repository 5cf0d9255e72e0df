/**
 * The contract between the core and every mounted backend (auth methods and secrets
 * engines). A backend receives a LogicalRequest whose path is relative to its mount and
 * whose storage is its own view, and answers with a LogicalResponse or null.
 * Backends import only sdk/ and lib/; the architecture test enforces it.
 */
import type { EventSender } from './events.js';
import type { Storage } from './storage.js';

export type Operation = 'create' | 'read' | 'update' | 'delete' | 'list' | 'patch' | 'help';

/** What the core knows about the caller's token, as far as backends may see it. */
export interface CallerInfo {
  accessor: string;
  policies: string[];
  displayName: string;
  entityId: string;
  metadata: Record<string, string>;
  tokenType: 'service' | 'batch';
  /** Creation path of the token (e.g. `auth/approle/login`). */
  path: string;
  /** Remaining uses before this request (0 = unlimited). */
  numUses: number;
  ttl: number;
  issueTime: number;
}

export interface Connection {
  remoteAddress: string;
  remotePort: number;
  /**
   * Present when the request came over TLS: the certificates the client presented, DER,
   * leaf first (empty when it sent none). Unverified unless the listener requires client
   * certificates; the cert auth method verifies them against its own trusted certs.
   * Never logged or audited.
   */
  tls?: { peerCertificates: readonly Uint8Array[] };
}

export interface LogicalRequest {
  id: string;
  operation: Operation;
  /** Path relative to the mount, without a leading slash; LIST paths end with "/". */
  path: string;
  /** Raw request data: JSON body, or query parameters for GET/LIST/DELETE. Untrusted. */
  data: Record<string, unknown>;
  storage: Storage;
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  /**
   * The client token. Only cubbyhole and the token store may use it; everything else
   * uses `caller`. Empty on unauthenticated paths.
   */
  clientToken: string;
  caller: CallerInfo | null;
  connection: Connection;
  headers: Record<string, string | string[] | undefined>;
  /** Requested wrap TTL in seconds, 0 when not wrapping. */
  wrapTtl: number;
  /**
   * Lets a handler ask whether the caller holds a capability on a path beyond the one
   * already checked (transit upsert needs `create`). Absent in unit tests: treat as false.
   */
  hasCapability?: (path: string, capability: string) => Promise<boolean>;
  /**
   * The request body, unread, for the few endpoints that stream it (snapshot restore);
   * absent everywhere else, where `data` holds the parsed body.
   */
  body?: AsyncIterable<Buffer>;
}

/** Asks the core to create a lease for this response. */
export interface SecretSpec {
  /** Which of the backend's secret types handles renew/revoke. */
  type: string;
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  /** Stored with the lease and handed back to renew/revoke; never returned to clients. */
  internalData: Record<string, unknown>;
}

/** A login result: the core turns this into a token. */
export interface AuthSpec {
  policies: string[];
  metadata: Record<string, string>;
  displayName: string;
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  numUses: number;
  renewable: boolean;
  boundCidrs: string[];
  tokenType: 'service' | 'batch' | 'default' | 'default-service' | 'default-batch';
  noDefaultPolicy: boolean;
  /** Kept with the token and handed back on renewal (e.g. role name, secret_id accessor). */
  internalData: Record<string, unknown>;
  alias?: { name: string; metadata?: Record<string, string> };
  /**
   * Groups the login vouches for (JWT/OIDC groups_claim). When present, the entity's
   * membership in the mount's external groups is set to exactly these group aliases.
   */
  groupAliases?: { name: string }[];
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer | string;
  /**
   * Extra response headers. The HTTP layer writes only those Vault lets a backend set
   * (Cache-Control, Pragma, WWW-Authenticate) and drops the rest: framing, connection and
   * cookies are the HTTP layer's own.
   */
  headers?: Record<string, string>;
}

export interface LogicalResponse {
  /**
   * The response body's `data`. A frozen object here must be frozen all the way down
   * (as getSharedJSON records are): the core may then reuse its serialisation for every
   * response that hands out the same object.
   */
  data?: Record<string, unknown> | null;
  warnings?: string[];
  secret?: SecretSpec;
  auth?: AuthSpec;
  /** Written verbatim instead of the JSON envelope (PKI PEM, CRL). */
  raw?: RawResponse;
  /**
   * Status override: 202 for async jobs; 404 with a body for KV v2 deleted versions
   * (the envelope is still rendered).
   */
  status?: number;
  /** `lease_duration` to report without creating a lease (KV v1 `ttl` hint). */
  ttlHint?: number;
  /** Hints for response wrapping (AppRole sets the secret_id accessor here). */
  wrappedAccessor?: string;
}

/** A lease as handed back to a backend on renew/revoke. */
export interface LeaseView {
  leaseId: string;
  path: string;
  issueTime: number;
  expireTime: number;
  lastRenewalTime: number | null;
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  increment: number;
  internalData: Record<string, unknown>;
}

/** The renewal a backend grants: a new TTL (capped by the core) and whether renewing may continue. */
export interface RenewResult {
  ttl: number;
  maxTtl?: number;
  renewable?: boolean;
  warnings?: string[];
  data?: Record<string, unknown>;
  /**
   * For an auth renewal: the group aliases the token's entity belongs to now on this
   * mount (external groups). Vault refreshes memberships with what the backend hands
   * back. Absent: the backend reports no groups, and renewal leaves memberships as they are.
   */
  groupAliases?: { name: string }[];
}

export interface SecretType {
  renew?: (req: LogicalRequest, lease: LeaseView) => Promise<RenewResult>;
  revoke: (req: LogicalRequest, lease: LeaseView) => Promise<void>;
}

/** A token issued by a login, as handed back to the backend that issued it on renewal. */
export interface AuthView {
  policies: string[];
  metadata: Record<string, string>;
  internalData: Record<string, unknown>;
  ttl: number;
  increment: number;
  issueTime: number;
  period: number;
}

export interface SpecialPaths {
  /** Paths (glob `*` suffix allowed) reachable without a token, e.g. `login`. */
  unauthenticated?: string[];
  /** Paths that need `sudo` in addition to the operation's capability. */
  root?: string[];
}

export interface Backend {
  readonly type: string;
  readonly kind: 'secret' | 'auth';
  readonly specialPaths: SpecialPaths;
  handleRequest(req: LogicalRequest): Promise<LogicalResponse | null>;
  /**
   * Decides create vs update for POST/PUT: true = item exists (update), false = create.
   * `undefined` = the path has no existence check (always update).
   */
  existenceCheck(req: LogicalRequest): Promise<boolean | undefined>;
  readonly secretTypes: Readonly<Record<string, SecretType>>;
  /** Renewal of a token this backend's login issued; may refuse by throwing. */
  renewAuth?(req: LogicalRequest, auth: AuthView): Promise<RenewResult>;
  /** Called when the mount is disabled or the core seals. */
  cleanup?(): Promise<void>;
  /** User lockout (userpass, approle): alias names currently locked out, for `sys/locked-users`. */
  lockedUsers?(): Promise<LockedUser[]>;
  /** Clears a lockout; false when the alias was not locked. */
  unlockUser?(alias: string): Promise<boolean>;
}

export interface LockedUser {
  alias: string;
  failedLoginAttempts: number;
  lastFailedLoginTime: number;
}

export interface SystemView {
  /** Effective default and max lease TTLs for this mount, in seconds. */
  defaultLeaseTtl(): number;
  maxLeaseTtl(): number;
  /** Mount options (e.g. KV `version`). */
  options(): Record<string, string>;
  /** The auth mount's `user_lockout_config` from tune; fields absent fall back to defaults. */
  userLockout?(): UserLockoutConfig;
  /**
   * True on a read-only copy of the mount (a performance standby answering reads): work a
   * backend starts on its own that writes storage or changes the outside world (rotations,
   * sweeps, upgrades) must not run here; the active node's copy does it. Absent: false.
   */
  readOnly?(): boolean;
}

export interface UserLockoutConfig {
  threshold?: number;
  durationSec?: number;
  counterResetSec?: number;
  disabled?: boolean;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface BackendConfig {
  storage: Storage;
  mountPoint: string;
  mountType: string;
  system: SystemView;
  logger: Logger;
  /** Where the backend publishes change events (absent: none are published). */
  events?: EventSender;
}

export type BackendFactory = (config: BackendConfig) => Promise<Backend>;

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
