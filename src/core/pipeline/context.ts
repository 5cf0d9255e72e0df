import type { LogicalRequest, Operation } from '../../sdk/logical.js';
import type { HttpRequestInput } from '../api-types.js';
import type { Route } from '../router/router.js';
import type { TokenEntry } from '../tokens/types.js';
import type { AuditAuth, AuditRequest } from '../audit/types.js';

/** What one request accumulates as it moves through the pipeline steps. */
export interface RequestContext {
  input: HttpRequestInput;
  requestId: string;
  route: Route;
  /** Path relative to the mount. */
  relPath: string;
  operation: Operation;
  /** The caller's token; null on unauthenticated paths. */
  token: TokenEntry | null;
  grantingPolicies: string[];
  /** Policies the token's identity entity and its groups add (empty without an entity). */
  identityPolicies: readonly string[];
  logical: LogicalRequest;
  /** Set when the token's last use was spent on this request. */
  revokeTokenAfter: boolean;
  /** The audit request/auth parts, built once and shared by both records. */
  auditBase?: { allowed: boolean; auth: AuditAuth | null; request: AuditRequest };
}
