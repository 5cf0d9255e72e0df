/**
 * Wire types for the Vault-compatible HTTP API as Ward's client sees them.
 * Values arriving from the server are only as trustworthy as the server; the
 * helpers in `json.ts` narrow them where the client depends on a shape.
 */

/** Any JSON value. `undefined` is allowed inside objects so optional fields type-check. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue | undefined };

/** The `auth` block of a token-issuing response (§1.3). */
export type AuthInfo = {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies?: string[] | null;
  identity_policies?: string[] | null;
  metadata: { [key: string]: string | undefined } | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  mfa_requirement?: null;
  num_uses: number;
};

/** The `wrap_info` block of a wrapped response (§7). */
export type WrapInfo = {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
};

/** The standard success envelope (§1.3). Unknown extra keys (top-level injection) are kept. */
export type VaultEnvelope = {
  request_id?: string;
  lease_id?: string;
  renewable?: boolean;
  lease_duration?: number;
  data?: JsonObject | null;
  wrap_info?: WrapInfo | null;
  warnings?: string[] | null;
  auth?: AuthInfo | null;
  mount_type?: string;
  [extra: string]: JsonValue | undefined;
};

/** What every request resolves to: the HTTP status and the parsed JSON body (null for 204/empty). */
export type ApiResponse = {
  status: number;
  body: VaultEnvelope | null;
  /** The body text when it was not JSON (e.g. PEM from PKI endpoints). */
  text?: string;
};

/** Options for a single request. */
export type RequestOptions = {
  body?: JsonValue;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Per-request wrap TTL; `''` disables the client-wide default for this request. */
  wrapTtl?: string;
  /** Per-request token override; `''` sends no token. */
  token?: string;
  contentType?: string;
};

/** Seal-status object returned raw by `sys/seal-status` and `sys/unseal` (§2.1). */
export type SealStatus = {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date?: string;
  migration?: boolean;
  recovery_seal?: boolean;
  storage_type?: string;
  cluster_name?: string;
  cluster_id?: string;
  /** Ward only: whether the server's memory is locked (mlockall); absent from Vault. */
  memory_locked?: boolean;
  [extra: string]: JsonValue | undefined;
};

/** `sys/init` (PUT) response. */
export type InitResponse = {
  keys: string[];
  keys_base64: string[];
  root_token: string;
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
  [extra: string]: JsonValue | undefined;
};

/** `sys/init` (PUT) request. */
export type InitRequest = {
  secret_shares: number;
  secret_threshold: number;
  pgp_keys?: string[];
  root_token_pgp_key?: string;
  stored_shares?: number;
  recovery_shares?: number;
  recovery_threshold?: number;
  recovery_pgp_keys?: string[];
};

/** `sys/leader` response (§2.2). */
export type LeaderStatus = {
  ha_enabled: boolean;
  is_self: boolean;
  active_time?: string;
  leader_address: string;
  leader_cluster_address: string;
  performance_standby?: boolean;
  [extra: string]: JsonValue | undefined;
};

/** `sys/health` response (§2.2). */
export type HealthStatus = {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
  server_time_utc?: number;
  cluster_name?: string;
  cluster_id?: string;
  [extra: string]: JsonValue | undefined;
};

/** Result of the KV preflight (`sys/internal/ui/mounts/<path>`). */
export type KvMountInfo = {
  /** Mount path with a trailing slash, e.g. `secret/`. */
  mountPath: string;
  version: 1 | 2;
};
