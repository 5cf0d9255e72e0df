/**
 * What the HTTP layer needs from the core. The core decides *what* happened; http/
 * renders it with Vault's wire rules (envelope, 204 vs 404, top-level injection).
 */
import type { Connection, LogicalResponse, Operation } from '../sdk/logical.js';
import type { EventSink } from './events/bus.js';
import type { EventSubscribeRequest } from './events/subscribe.js';
import type { KeyCeremonies } from './seal/ceremonies.js';
import type { HttpInFlight, InFlightHttpRequest } from './inflight/http-requests.js';

export type { EventSink, EventSubscribeRequest };

export interface HttpRequestInput {
  operation: Operation;
  /** Path below /v1/, no leading slash; LIST paths end with "/". */
  path: string;
  data: Record<string, unknown>;
  /** From X-Vault-Token, else `Authorization: Bearer`; "" when absent. */
  clientToken: string;
  /** Seconds from X-Vault-Wrap-TTL, 0 when absent. */
  wrapTtl: number;
  /**
   * The request headers as name/value pairs in wire order (node's `rawHeaders` shape),
   * without the one that carried the client token. Backends see only the names their
   * mount lists in `passthrough_request_headers`.
   */
  headers: readonly string[];
  connection: Connection;
  /** The unread request body, for the endpoints that stream it (see http/handler.ts). */
  body?: AsyncIterable<Buffer>;
  /** This request's sys/in-flight-req entry: the pipeline fills in its client id. */
  inFlight?: InFlightHttpRequest;
}

export interface CoreResult {
  operation: Operation;
  /** Full request path (below /v1/). */
  path: string;
  requestId: string;
  /** The backend's response after core processing; null = nothing to say (204 / read 404). */
  response: LogicalResponse | null;
  leaseId: string;
  leaseDuration: number;
  renewable: boolean;
  /** The rendered `auth` object, or null. */
  auth: Record<string, unknown> | null;
  /** The rendered `wrap_info` object when the response was wrapped (then data/auth are null). */
  wrapInfo: Record<string, unknown> | null;
  mountType: string;
  /** Body to send verbatim with status 200 (unwrap returns the stored envelope). */
  verbatimBody?: string;
  /** Body streamed with status 200 (a storage snapshot). */
  stream?: { contentType: string; body: AsyncIterable<Buffer> };
}

export interface SealStatus {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date: string;
  migration: boolean;
  recovery_seal: boolean;
  /** With an auto seal: how the recovery key is split (always `shamir`), as Vault 1.15+ reports. */
  recovery_seal_type?: string;
  storage_type: string;
  cluster_name?: string;
  cluster_id?: string;
  /** Ward's addition (Vault clients ignore unknown fields): true when mlockall is in force. */
  memory_locked?: boolean;
}

export interface HealthStatus {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  performance_standby: boolean;
  replication_performance_mode: string;
  replication_dr_mode: string;
  server_time_utc: number;
  version: string;
  enterprise: boolean;
  cluster_name?: string;
  cluster_id?: string;
  /** HA standbys (Vault 1.19): whether heartbeats reach the active node, and how long since the last. */
  ha_connection_healthy?: boolean;
  last_request_forwarding_heartbeat_ms?: number;
}

export interface LeaderStatus {
  ha_enabled: boolean;
  is_self: boolean;
  active_time: string;
  leader_address: string;
  leader_cluster_address: string;
  performance_standby: boolean;
  performance_standby_last_remote_wal: number;
}

/** Runs on the init answer before the HA lock is given back: the PGP encryption, and whether to keep the result. */
export type InitFinish = (r: InitResult) => Promise<{ result: InitResult; keep: boolean }>;

export interface InitResult {
  keys: string[];
  keys_base64: string[];
  root_token: string;
  /** Auto seal only: the recovery key shares. */
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
}

/** The core as seen by http/. Errors are thrown as WardError. */
export interface CoreApi {
  isInitialized(): Promise<boolean>;
  /** `recovery` only with an auto seal (`recoverySeal` in the seal status). */
  init(secretShares: number, secretThreshold: number, recovery?: { shares: number; threshold: number }, finish?: InitFinish): Promise<InitResult>;
  /** The kept init answer (init-response.ts), or null. */
  initResponse(): Promise<InitResult | null>;
  sealStatus(): Promise<SealStatus>;
  /** `key` hex or base64; `reset` discards progress. */
  unseal(key: string | undefined, reset: boolean, migrate?: boolean): Promise<SealStatus>;
  health(): Promise<HealthStatus>;
  leader(): Promise<LeaderStatus>;
  handleRequest(input: HttpRequestInput): Promise<CoreResult>;
  /** GET sys/metrics in `format`, for a listener with unauthenticated_metrics_access (no token, sealed or not). */
  /** The CORS configuration the HTTP layer applies (null or absent: none). */
  corsConfig?(): import('./cors/cors-config.js').CorsConfig | null;
  /** A rate-limit quota's refusal (Vault's text and headers), or null when the request may go on. */
  rateLimited?(path: string, client: string): { message: string; headers: string[] } | null;
  /**
   * The quotas `rateLimited` left for later: on an auth mount with role-scoped quotas, once
   * the body is read and the login's role resolved. null (not a promise) when none apply.
   */
  roleRateLimited?(input: { path: string; data: Record<string, unknown>; connection: Connection; client: string }): Promise<{ refusal: { message: string; headers: string[] } | null; leaseQuota: string | null }> | null;
  /** After a request roleRateLimited let through with a `leaseQuota`: the login's token (its `auth`) counts under it. */
  roleLoginDone?(leaseQuota: string, auth: Record<string, unknown> | null): void;
  metrics?(format: string): Promise<{ status: number; contentType: string; body: string }>;
  /** On an unsealed HA standby, how to reach the active node; null when this node serves requests itself. */
  standbyRoute?(): StandbyRoute | null;
  /** HA on a store with a change feed: the storage index after this node's last write (`X-Vault-Index`), else null. */
  storageIndex?(): number | null;
  /** sys/rekey*, sys/generate-root*: throws 503 `Vault is sealed` unless unsealed and active. */
  keyCeremonies?(): KeyCeremonies;
  /** sys/events/subscribe: rejects with the Vault error, else resolves with the unsubscribe function. */
  subscribeEvents?(r: EventSubscribeRequest, sink: EventSink): Promise<() => void>;
  /** The requests being served now (sys/in-flight-req): the HTTP layer adds and removes them. */
  readonly httpInFlight?: HttpInFlight;
}

export const WARD_VERSION = '1.17.0+ward.0.1.0';

/** A client request a standby hands to the active node, as it arrived. */
export interface ForwardRequest {
  method: string;
  /** The original target (`/v1/…?query`). */
  url: string;
  /** Raw header pairs as received. */
  headers: readonly string[];
  body: Buffer;
  remoteAddress: string;
  remotePort: number;
  /** Present when the client came over TLS: the certificates it presented (DER, leaf first). */
  tls?: { peerCertificates: readonly Uint8Array[] };
}

/** The active node's answer, passed back to the client unchanged. */
export interface ForwardResponse {
  status: number;
  /** Raw header pairs, end-to-end only. */
  headers: string[];
  body: Buffer;
}

/** What the HTTP layer may do with a request on a standby (HA). */
export interface StandbyRoute {
  /** False with `disable_clustering`: only redirects. */
  readonly forwarding: boolean;
  /** The active node's api_addr, or null when no active node is known. */
  activeApiAddr(): Promise<string | null>;
  /** Sends the request to the active node; rejects when that is not possible. */
  forward(r: ForwardRequest): Promise<ForwardResponse>;
  /** A performance standby: the answer it gives itself, or null to forward (core/perf/). */
  local?(input: HttpRequestInput, hints: LocalHints): Promise<CoreResult | null>;
}

/** The request headers a performance standby decides by. */
export interface LocalHints {
  /** `X-Vault-Index` as sent (the storage index the client's last write reached), or null. */
  index: string | null;
  /** `X-Vault-Inconsistent` as sent, or null (`forward-active-node` always forwards). */
  inconsistent: string | null;
}
