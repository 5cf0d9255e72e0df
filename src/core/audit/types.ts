/**
 * What the request pipeline hands the audit broker, and the contract every audit device
 * implements. Values here are the live request/response: formatters copy, never mutate.
 */

/** The caller's token as the pipeline resolved it. `clientToken`/`accessor` are hashed in records. */
export interface AuditAuth {
  clientToken: string;
  accessor: string;
  displayName: string;
  policies: string[];
  tokenPolicies: string[];
  /** What the token's identity entity and its groups added; absent or empty = nothing. */
  identityPolicies?: string[];
  metadata: Record<string, string> | null;
  entityId: string;
  tokenType: string;
  /** Seconds. */
  tokenTtl: number;
  /** RFC3339. */
  tokenIssueTime: string;
  numUses?: number;
  remainingUses?: number;
  policyResults?: { allowed: boolean; grantingPolicies?: { name: string }[] };
}

export interface AuditRequest {
  id: string;
  operation: string;
  mountType: string;
  mountAccessor: string;
  mountPoint: string;
  clientToken: string;
  clientTokenAccessor: string;
  /** Full path below /v1/. Never hashed. */
  path: string;
  data: Record<string, unknown> | null;
  remoteAddress: string;
  remotePort: number;
  /** Seconds, 0 when not wrapping. */
  wrapTtl: number;
  /** Only the headers configured for auditing; logged as given. */
  headers?: Record<string, string[]>;
  /**
   * The request's headers as name/value pairs in wire order (node's rawHeaders shape).
   * Each device picks the audited ones (sys/config/auditing/request-headers) and HMACs
   * them with its own salt; ignored when `headers` is given.
   */
  wireHeaders?: readonly string[];
}

export interface AuditWrapInfo {
  ttl: number;
  token: string;
  accessor: string;
  creationTime: string;
  creationPath: string;
  wrappedAccessor?: string;
}

export interface AuditResponse {
  mountType: string;
  mountAccessor: string;
  /** The token a login or token-create issued. */
  auth?: AuditAuth | null;
  secret?: { leaseId: string } | null;
  data?: Record<string, unknown> | null;
  warnings?: string[] | null;
  wrapInfo?: AuditWrapInfo | null;
}

export interface AuditEntryInput {
  auth: AuditAuth | null;
  request: AuditRequest;
  response?: AuditResponse;
  /** The error text the client will see; logged as is. */
  error?: string;
  /** The mount's `audit_non_hmac_request_keys`: these keys' values stay clear. */
  nonHmacRequestKeys?: string[];
  nonHmacResponseKeys?: string[];
}

/**
 * A sink for formatted records. `write` resolves once the line reached the OS and
 * rejects when it did not: the broker's fail-closed rule depends on that.
 */
export interface AuditDevice {
  readonly type: string;
  /** One record without a trailing newline; the device adds its prefix and the newline. */
  write(line: string): Promise<void>;
  /** Closes and reopens the target (log rotation on SIGHUP). */
  reopen(): Promise<void>;
  /** Flushes pending lines, then releases the target. */
  close(): Promise<void>;
}

/** Builds a device from its `options`; throws a 400 WardError for bad options or an unusable target. */
export type AuditDeviceFactory = (options: Record<string, string>) => Promise<AuditDevice>;
