/**
 * The request pipeline: route → authenticate → decide create/update → authorize →
 * audit request → count the token use → backend → lease / token issuance → wrap →
 * audit response. Every request to a mounted backend passes through here, so no
 * backend can skip the ACL or the audit log.
 */
import { aclDenied, permissionDenied, toWardError, unsupportedPath, WardError } from '../../sdk/errors.js';
import type { AuthSpec, LogicalRequest, Operation } from '../../sdk/logical.js';
import { uuid } from '../../lib/ids.js';
import type { AuditEntryInput } from '../audit/types.js';
import type { CoreResult, HttpRequestInput } from '../api-types.js';
import { buildEnvelope } from '../envelope.js';
import type { InternalResponse } from '../internal-response.js';
import type { Route } from '../router/router.js';
import type { TokenEntry } from '../tokens/types.js';
import type { WrapInfo } from '../wrapping/wrapper.js';
import { entry, auditResponse } from './audit-entry.js';
import { admit, authenticate, type AuthenticateDeps } from './authenticate.js';
import { authorize, type AclLike } from './authorize.js';
import { inFlight } from './in-flight.js';
import { auditTimers, metrics } from '../metrics/registry.js';
import { passthroughHeaders } from './passthrough-headers.js';
import type { RequestContext } from './context.js';
import type { TokenIdentity } from '../identity/effective.js';
import type { IdentityForAcl } from '../policy/policy-store.js';

export interface PipelineDeps {
  match(path: string): Route | null;
  tokens: {
    lookup(token: string): Promise<TokenEntry | null>;
    /** `lookup`'s answer when it is already in memory; `undefined` means "ask `lookup`". */
    peek?(token: string): TokenEntry | null | undefined;
    useToken(entry: TokenEntry): Promise<{ revokeAfter: boolean }>;
    issueFromAuth(auth: AuthSpec, ctx: { entityId: string; path: string; mountPoint: string; mountAccessor: string; defaultTtl: number; maxTtl: number; remoteAddress: string }): Promise<{ entry: TokenEntry; warnings: string[] }>;
    authBlock(entry: TokenEntry): Record<string, unknown>;
    revokeTree(entry: TokenEntry): Promise<void>;
    tokenKey(entry: TokenEntry): string;
  };
  acl(policies: readonly string[], identity?: IdentityForAcl): Promise<AclLike>;
  /** `acl`'s answer when it is already compiled; `undefined` means "ask `acl`". */
  aclCached?(policies: readonly string[]): AclLike | undefined;
  /**
   * Identity: what a token's entity adds (asked only for tokens that have one, so a token
   * without an entity costs nothing more) and the entity a login's alias belongs to.
   */
  identity?: {
    forToken(token: TokenEntry): TokenIdentity | null | Promise<TokenIdentity | null>;
    loginEntity(mountAccessor: string, alias: NonNullable<AuthSpec['alias']>, groupAliases?: AuthSpec['groupAliases']): Promise<string>;
  };
  audit: {
    hasDevices(): boolean;
    logRequest(e: AuditEntryInput): Promise<void>;
    logResponse(e: AuditEntryInput): Promise<void>;
  };
  registerSecret(o: { path: string; secret: NonNullable<InternalResponse['secret']>; tokenKey: string; mountPoint: string; defaultTtl: number; maxTtl: number }): Promise<{ leaseId: string; ttl: number; renewable: boolean; warnings: string[] }>;
  wrap(body: string, ttl: number, creationPath: string, wrappedAccessor?: string): Promise<WrapInfo>;
  /** Client counting: told of every token that passed the ACL (activity/activity-log.ts). */
  activity?: { record(token: TokenEntry, tracked?: HttpRequestInput['inFlight']): void };
}

export class RequestPipeline {
  private readonly authDeps: AuthenticateDeps;

  constructor(private readonly deps: PipelineDeps) {
    this.authDeps = { lookupToken: (t) => deps.tokens.lookup(t) };
  }

  /**
   * The caller's token. Cached tokens (nearly every request) are answered without a
   * promise: on a hot read, each avoided await is a measurable share of the request.
   */
  private token(input: HttpRequestInput): TokenEntry | Promise<TokenEntry> {
    const { clientToken } = input;
    const quick = clientToken ? this.deps.tokens.peek?.(clientToken) : undefined;
    if (quick !== undefined) return admit(quick, input.connection.remoteAddress);
    return authenticate(this.authDeps, clientToken, input.connection.remoteAddress);
  }

  /**
   * Runs one request. It is registered with the in-flight tracker while it runs, so the
   * event-loop watchdog can name it if a turn of the loop runs long meanwhile.
   */
  handle(input: HttpRequestInput): Promise<CoreResult> {
    const id = inFlight.begin(input.operation, input.path);
    const seen: Seen = { mount: null, login: false };
    const result = this.process(input, seen);
    // The timers are fed from what process() saw: the mount and whether it was a login.
    const end = (): void => metrics.request(input.operation, seen.mount, seen.login, inFlight.end(id));
    result.then(end, end);
    return result;
  }

  private async process(input: HttpRequestInput, seen: Seen): Promise<CoreResult> {
    const { deps } = this;
    const route = deps.match(input.path);
    const relPath = route ? input.path.slice(Math.min(route.prefix.length, input.path.length)) : '';
    const unauthenticated = route !== null && route.unauthenticated.matches(relPath);
    if (route) {
      seen.mount = route.prefix;
      seen.login = unauthenticated && route.entry.table === 'auth';
    }
    let token: TokenEntry | null = null;
    if (!unauthenticated) {
      const t = this.token(input);
      token = t instanceof Promise ? await t : t;
    }
    if (!route) {
      if (token?.policies.includes('root')) throw unsupportedPath(input.path);
      // Vault's ACL check runs before routing, so an unserved path is the ACL's refusal.
      throw aclDenied();
    }
    const ctx = this.context(input, route, relPath, token);
    const audited = deps.audit.hasDevices();
    try {
      // Only writes ask the backend whether the item exists; reads skip the await.
      if (ctx.operation === 'update' || ctx.operation === 'create') await this.resolveOperation(ctx);
      if (token) {
        let policies: readonly string[] = token.policies;
        let identity: TokenIdentity | null = null;
        if (token.entityId !== '' && deps.identity) {
          const found = deps.identity.forToken(token);
          identity = found instanceof Promise ? await found : found;
          // Vault refuses every token of a disabled entity.
          if (identity?.disabled) throw permissionDenied();
          if (identity) {
            policies = identity.policies;
            ctx.identityPolicies = identity.identityPolicies;
          }
        }
        const acl = deps.aclCached?.(policies) ?? (await deps.acl(policies, identity ?? undefined));
        const decision = authorize(acl, { path: input.path, operation: ctx.operation, data: input.data, wrapTtl: input.wrapTtl, rootPath: route.root.matches(relPath) });
        ctx.grantingPolicies = decision.grantingPolicies;
        ctx.logical.hasCapability = async (path, cap) => decision.root || acl.capabilities(path).includes(cap);
      }
    } catch (e) {
      if (audited) await deps.audit.logRequest(entry(ctx, false, undefined, toWardError(e).messages.join('; ')));
      throw e;
    }
    if (token !== null && deps.activity !== undefined) deps.activity.record(token, input.inFlight);
    if (audited) {
      // Timed inline: an async wrapper here would cost a promise and a hop per record.
      const start = performance.now();
      await deps.audit.logRequest(entry(ctx, true));
      auditTimers.logRequest.observe(performance.now() - start);
    }
    if (token && token.numUses > 0) ctx.revokeTokenAfter = (await deps.tokens.useToken(token)).revokeAfter;
    try {
      const result = await this.execute(ctx);
      if (audited) {
        const start = performance.now();
        await deps.audit.logResponse(entry(ctx, true, auditResponse(result.core, result.issued, ctx)));
        auditTimers.logResponse.observe(performance.now() - start);
      }
      return result.core;
    } catch (e) {
      if (audited && !(WardError.is(e) && e.code === 'audit_failed')) {
        await deps.audit.logResponse(entry(ctx, true, undefined, toWardError(e).messages.join('; ')));
      }
      throw e;
    } finally {
      if (ctx.revokeTokenAfter && token) await deps.tokens.revokeTree(token).catch(() => undefined);
    }
  }

  private context(input: HttpRequestInput, route: Route, relPath: string, token: TokenEntry | null): RequestContext {
    const requestId = uuid();
    const logical: LogicalRequest = {
      id: requestId,
      operation: input.operation,
      path: relPath,
      data: input.data,
      storage: route.storage,
      mountPoint: route.prefix,
      mountType: route.entry.type,
      mountAccessor: route.entry.accessor,
      clientToken: input.clientToken,
      caller: token
        ? {
            accessor: token.accessor,
            policies: token.policies,
            displayName: token.displayName,
            entityId: token.entityId,
            metadata: token.meta,
            tokenType: token.type,
            path: token.path,
            numUses: token.numUses,
            ttl: token.ttl,
            issueTime: token.creationTime,
          }
        : null,
      connection: input.connection,
      headers: passthroughHeaders(input.headers, route.entry.config.passthroughRequestHeaders),
      wrapTtl: input.wrapTtl,
      // Set once the ACL has decided; present from the start so every request object
      // has one shape for the backends' property accesses.
      hasCapability: undefined,
      body: input.body,
    };
    return { input, requestId, route, relPath, operation: input.operation, token, grantingPolicies: [], identityPolicies: NONE, logical, revokeTokenAfter: false, auditBase: undefined };
  }

  /** POST/PUT become `create` when the path's existence check says the item is new. */
  private async resolveOperation(ctx: RequestContext): Promise<void> {
    const probe = ctx.logical.operation === 'update' ? ctx.logical : { ...ctx.logical, operation: 'update' as const };
    const exists = await ctx.route.backend.existenceCheck(probe);
    const op: Operation = exists === false ? 'create' : 'update';
    ctx.operation = op;
    ctx.logical.operation = op;
  }

  private async execute(ctx: RequestContext): Promise<{ core: CoreResult; issued: TokenEntry | null }> {
    const { deps } = this;
    const { route, input } = ctx;
    const response = (await route.backend.handleRequest(ctx.logical)) as InternalResponse | null;
    const core: CoreResult = {
      operation: ctx.operation,
      path: input.path,
      requestId: ctx.requestId,
      response,
      leaseId: '',
      leaseDuration: 0,
      renewable: false,
      auth: null,
      wrapInfo: response?.wrapInfo ?? null,
      mountType: route.entry.type,
      ...(response?.verbatimBody !== undefined ? { verbatimBody: response.verbatimBody } : {}),
      ...(response?.stream !== undefined ? { stream: response.stream } : {}),
    };
    let issued: TokenEntry | null = null;
    if (response?.lease) {
      core.leaseId = response.lease.leaseId;
      core.leaseDuration = response.lease.ttl;
      core.renewable = response.lease.renewable;
    }
    if (response?.secret && ctx.token) {
      const lease = await deps.registerSecret({
        path: input.path,
        secret: response.secret,
        tokenKey: deps.tokens.tokenKey(ctx.token),
        mountPoint: route.prefix,
        defaultTtl: route.system.defaultLeaseTtl(),
        maxTtl: route.system.maxLeaseTtl(),
      });
      Object.assign(core, { leaseId: lease.leaseId, leaseDuration: lease.ttl, renewable: lease.renewable });
      if (lease.warnings.length) response.warnings = [...(response.warnings ?? []), ...lease.warnings];
    }
    if (response?.auth) {
      const alias = response.auth.alias;
      const entityId = alias && deps.identity ? await deps.identity.loginEntity(route.entry.accessor, alias, response.auth.groupAliases) : '';
      const out = await deps.tokens.issueFromAuth(response.auth, {
        entityId,
        path: input.path,
        mountPoint: route.prefix,
        mountAccessor: route.entry.accessor,
        defaultTtl: route.system.defaultLeaseTtl(),
        maxTtl: route.system.maxLeaseTtl(),
        remoteAddress: input.connection.remoteAddress,
      });
      issued = out.entry;
      core.auth = deps.tokens.authBlock(out.entry);
      if (entityId !== '' && deps.identity) core.auth = withIdentityPolicies(core.auth, await deps.identity.forToken(out.entry));
      if (out.warnings.length) response.warnings = [...(response.warnings ?? []), ...out.warnings];
    } else if (response && 'authBlock' in response && response.authBlock) {
      core.auth = response.authBlock as Record<string, unknown>;
    }
    if (input.wrapTtl > 0 && !core.wrapInfo && core.verbatimBody === undefined && core.stream === undefined && !response?.raw && hasContent(core)) {
      const body = JSON.stringify(buildEnvelope(core));
      const wrappedAccessor = response?.wrappedAccessor ?? (core.auth ? String(core.auth.accessor ?? '') : undefined);
      const info = await deps.wrap(body, input.wrapTtl, input.path, wrappedAccessor || undefined);
      core.wrapInfo = { ...info };
    }
    return { core, issued };
  }
}

/** A login's auth block as Vault shows it: `policies` joins the identity policies, listed apart too. */
function withIdentityPolicies(auth: Record<string, unknown>, identity: TokenIdentity | null): Record<string, unknown> {
  if (!identity || identity.identityPolicies.length === 0) return auth;
  const own = Array.isArray(auth.policies) ? (auth.policies as string[]) : [];
  return { ...auth, policies: [...new Set([...own, ...identity.identityPolicies])].sort(), identity_policies: [...identity.identityPolicies] };
}

const NONE: readonly string[] = Object.freeze([]);

/** What a request's timers need to know from inside the pipeline. */
interface Seen {
  mount: string | null;
  login: boolean;
}

function hasContent(r: CoreResult): boolean {
  const res = r.response;
  if (!res) return false;
  return (res.data !== undefined && res.data !== null) || r.auth !== null || (res.warnings?.length ?? 0) > 0;
}
