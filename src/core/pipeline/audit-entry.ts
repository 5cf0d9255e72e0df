import { rfc3339 } from '../../lib/clock.js';
import type { AuditAuth, AuditEntryInput, AuditRequest, AuditResponse } from '../audit/types.js';
import type { CoreResult } from '../api-types.js';
import type { TokenEntry } from '../tokens/types.js';
import type { RequestContext } from './context.js';

/** Issue times as RFC3339, per token object: formatting a date costs more than a map hit. */
const issueTimes = new WeakMap<TokenEntry, string>();

function issueTime(t: TokenEntry): string {
  let s = issueTimes.get(t);
  if (s === undefined) {
    s = rfc3339(t.creationTime);
    issueTimes.set(t, s);
  }
  return s;
}

/**
 * The audit auth part per token object, reused while the decision is the same: the audit
 * formatter then serialises it once for all of that token's requests. Tokens with a use
 * limit are rebuilt each time because their remaining uses change.
 */
const authParts = new WeakMap<TokenEntry, { key: string; auth: AuditAuth }>();

export function auditAuth(t: TokenEntry | null, grantingPolicies: string[], allowed: boolean, identityPolicies: readonly string[] = []): AuditAuth | null {
  if (!t) return null;
  if (t.numUses !== 0) return buildAuditAuth(t, grantingPolicies, allowed, identityPolicies);
  // Renewal changes the ttl in place, and identity changes what the entity adds: the key
  // keeps a cached part from going stale.
  const key = `${allowed ? 1 : 0}:${t.ttl}:${grantingPolicies.join(',')}${identityPolicies.length > 0 ? `:${identityPolicies.join(',')}` : ''}`;
  const hit = authParts.get(t);
  if (hit && hit.key === key) return hit.auth;
  const auth = buildAuditAuth(t, grantingPolicies, allowed, identityPolicies);
  authParts.set(t, { key, auth });
  return auth;
}

function buildAuditAuth(t: TokenEntry, grantingPolicies: string[], allowed: boolean, identityPolicies: readonly string[]): AuditAuth {
  return {
    clientToken: t.id,
    accessor: t.accessor,
    displayName: t.displayName,
    // As Vault: `policies` joins the identity policies to the token's own.
    policies: identityPolicies.length > 0 ? [...new Set([...t.policies, ...identityPolicies])].sort() : t.policies,
    tokenPolicies: t.policies,
    ...(identityPolicies.length > 0 ? { identityPolicies: [...identityPolicies] } : {}),
    metadata: Object.keys(t.meta).length ? t.meta : null,
    entityId: t.entityId,
    tokenType: t.type,
    tokenTtl: t.ttl,
    tokenIssueTime: issueTime(t),
    ...(t.numUses > 0 ? { numUses: t.numUses } : {}),
    policyResults: { allowed, grantingPolicies: grantingPolicies.map((name) => ({ name })) },
  };
}

export function auditRequest(ctx: Pick<RequestContext, 'input' | 'requestId' | 'route' | 'operation' | 'token'>): AuditRequest {
  const { input, route } = ctx;
  return {
    id: ctx.requestId,
    operation: ctx.operation,
    mountType: route?.entry.type ?? '',
    mountAccessor: route?.entry.accessor ?? '',
    mountPoint: route?.prefix ?? '',
    clientToken: input.clientToken,
    clientTokenAccessor: ctx.token?.accessor ?? '',
    path: input.path,
    data: Object.keys(input.data).length ? input.data : null,
    remoteAddress: input.connection.remoteAddress,
    remotePort: input.connection.remotePort,
    wrapTtl: input.wrapTtl,
    // A reference, not a copy: each audit device picks the configured headers itself.
    wireHeaders: input.headers,
  };
}

export function auditResponse(r: CoreResult, issued: TokenEntry | null, ctx: RequestContext): AuditResponse {
  return {
    mountType: ctx.route.entry.type,
    mountAccessor: ctx.route.entry.accessor,
    auth: issued ? auditAuth(issued, issued.policies, true) : null,
    secret: r.leaseId ? { leaseId: r.leaseId } : null,
    data: r.response?.data ?? null,
    warnings: r.response?.warnings ?? null,
    wrapInfo: r.wrapInfo
      ? {
          ttl: Number(r.wrapInfo.ttl),
          token: String(r.wrapInfo.token),
          accessor: String(r.wrapInfo.accessor),
          creationTime: String(r.wrapInfo.creation_time),
          creationPath: String(r.wrapInfo.creation_path),
          ...(r.wrapInfo.wrapped_accessor ? { wrappedAccessor: String(r.wrapInfo.wrapped_accessor) } : {}),
        }
      : null,
  };
}

/**
 * One audit entry. The request part is built once per request and reused for the
 * response record (both lines describe the same request). Every entry has the same
 * shape (absent parts are undefined) rather than a spread of extras.
 */
export function entry(ctx: RequestContext, allowed: boolean, response?: AuditResponse, error?: string): AuditEntryInput {
  const cached = ctx.auditBase;
  const base = cached && cached.allowed === allowed ? cached : (ctx.auditBase = { allowed, auth: auditAuth(ctx.token, ctx.grantingPolicies, allowed, ctx.identityPolicies), request: auditRequest(ctx) });
  const config = ctx.route.entry.config;
  return {
    auth: base.auth,
    request: base.request,
    response,
    error,
    nonHmacRequestKeys: config.auditNonHmacRequestKeys,
    nonHmacResponseKeys: config.auditNonHmacResponseKeys,
  };
}
