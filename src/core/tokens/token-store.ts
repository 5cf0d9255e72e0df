/**
 * The token store: issues, looks up, renews and revokes tokens, and serves the
 * `auth/token/` backend. Service tokens are stored under an HMAC of their id; batch tokens
 * are self-contained encrypted blobs. Expiry is delegated to the expiration manager,
 * which calls back `revokeByKey` when a token's time is up.
 */
import { getJSON } from '../../sdk/storage.js';
import { constantTimeEqualPublicLength } from '../../lib/secure.js';
import { badRequest, invalidToken } from '../../sdk/errors.js';
import type { AuthSpec, Backend, Connection } from '../../sdk/logical.js';
import { BATCH_PREFIX, BatchCodec } from './batch.js';
import type { LookupOptions, StoreCore } from './store-core.js';
import { tokenBackend } from './token-backend.js';
import { createToken, issueLoginToken, type Created, type LoginContext } from './token-create.js';
import { renewToken } from './token-renew.js';
import { TokenRepo } from './token-repo.js';
import { revokeExpired, revokeOrphan, revokeTree } from './token-revoke.js';
import { authBlock, sharedLookupData } from './token-view.js';
import { tidyTokens } from './tidy.js';
import type { CreateTokenParams, TokenEntry, TokenStoreDeps } from './types.js';

export class TokenStore {
  private readonly core: StoreCore;
  private backendInstance: Backend | null = null;

  constructor(private readonly deps: TokenStoreDeps) {
    const repo = new TokenRepo(deps.storage);
    const ma = deps.mountAccessor;
    this.core = {
      deps,
      repo,
      batch: new BatchCodec(),
      pending: new Set<string>(),
      mountAccessor: typeof ma === 'function' ? ma : () => ma,
      lookup: (token, o) => this.lookup(token, o),
    };
  }

  /** On unseal: loads (or creates) the salt and the batch-token key. */
  async load(): Promise<void> {
    await this.core.repo.load();
    await this.core.batch.load(this.deps.storage);
  }

  /**
   * The live entry for a client token, or null when unknown, expired, revoked, or (unless
   * allowed) already on its last consumed use. Hot path: one HMAC and a Map lookup.
   */
  async lookup(token: string, o: LookupOptions = {}): Promise<TokenEntry | null> {
    if (!token) return null;
    if (token.startsWith(BATCH_PREFIX)) {
      const e = this.core.batch.decode(token);
      if (!e || (e.expireTime > 0 && this.deps.clock.now() >= e.expireTime)) return null;
      if (e.parent && !(await this.lookup(e.parent, { allowPendingRevocation: true }))) return null;
      return e;
    }
    const proven = this.core.repo.provenKey(token);
    const key = proven ?? this.core.repo.hmacKey(token);
    if (this.core.pending.has(key)) return null;
    return this.checked(token, key, await this.core.repo.get(key), o, proven !== undefined);
  }

  /** Drops the cached entry under storage key `key` (changed by another node): the next lookup reads it again. */
  forgetCached(key: string): void {
    this.core.repo.forgetCached(key);
  }

  /**
   * `lookup` without a promise when the answer is already in memory (a cached service
   * token): the request pipeline's common case. `undefined` means "ask `lookup`".
   */
  peek(token: string): TokenEntry | null | undefined {
    if (!token) return null;
    if (token.startsWith(BATCH_PREFIX)) return undefined;
    const proven = this.core.repo.provenKey(token);
    const key = proven ?? this.core.repo.hmacKey(token);
    if (this.core.pending.has(key)) return null;
    const e = this.core.repo.cached(key);
    return e === undefined ? undefined : this.checked(token, key, e, {}, proven !== undefined);
  }

  /**
   * The checks `lookup` applies to the stored entry of a service token. `proven`: the
   * key came from the repo's exact-match memo, so the entry is this token's already.
   */
  private checked(token: string, key: string, e: TokenEntry | null, o: LookupOptions, proven: boolean): TokenEntry | null {
    if (!e) return null;
    if (!proven) {
      if (!constantTimeEqualPublicLength(e.id, token)) return null;
      this.core.repo.rememberKey(token, key);
    }
    if (e.expireTime > 0 && this.deps.clock.now() >= e.expireTime) return null;
    if (e.numUses === -1 && !o.allowPendingRevocation) return null;
    return e;
  }

  async lookupAccessor(accessor: string): Promise<TokenEntry | null> {
    const key = await this.core.repo.tokenKeyOfAccessor(accessor);
    if (key === null || this.core.pending.has(key)) return null;
    const e = await this.core.repo.get(key);
    if (!e || !constantTimeEqualPublicLength(e.accessor, accessor)) return null;
    if (e.expireTime > 0 && this.deps.clock.now() >= e.expireTime) return null;
    return e;
  }

  /** The initial root token: policy root, no TTL, orphan, path auth/token/root. */
  async createRoot(): Promise<TokenEntry> {
    return this.create({ policies: ['root'], parentId: '', displayName: 'root', path: 'auth/token/root', ttl: 0, noDefaultPolicy: true });
  }

  /** Generic creation (token endpoints, response wrapping). No caller permission checks. */
  async create(p: CreateTokenParams): Promise<TokenEntry> {
    return (await createToken(this.core, p)).entry;
  }

  /** As `create`, with TTL-capping warnings. */
  createWithWarnings(p: CreateTokenParams): Promise<Created> {
    return createToken(this.core, p);
  }

  /** Turns a login's AuthSpec into an orphan token. */
  issueFromAuth(auth: AuthSpec, ctx: LoginContext & { remoteAddress?: string }): Promise<Created> {
    return issueLoginToken(this.core, auth, ctx);
  }

  /**
   * Counts one use of a limited-use token. The decrement happens synchronously on the
   * cached canonical entry, so concurrent requests cannot both take the last use.
   */
  async useToken(entry: TokenEntry): Promise<{ revokeAfter: boolean }> {
    if (entry.type === 'batch' || entry.numUses === 0) return { revokeAfter: false };
    const key = this.core.repo.keyOf(entry.id);
    const live = (await this.core.repo.get(key)) ?? entry;
    if (live.numUses === -1) throw invalidToken();
    if (live.numUses === 0) return { revokeAfter: false };
    const revokeAfter = live.numUses === 1;
    live.numUses = revokeAfter ? -1 : live.numUses - 1;
    if (live !== entry) entry.numUses = live.numUses;
    await this.core.repo.put(key, live);
    return { revokeAfter };
  }

  /** `connection`: the renewing request's, handed to the auth backend's renewal. */
  renew(entry: TokenEntry, increment: number, connection?: Connection): Promise<{ entry: TokenEntry; warnings: string[] }> {
    return renewToken(this.core, entry, increment, connection);
  }

  revokeTree(entry: TokenEntry): Promise<void> {
    return revokeTree(this.core, entry);
  }

  revokeOrphan(entry: TokenEntry): Promise<void> {
    return revokeOrphan(this.core, entry);
  }

  /** Revokes the tree of the token holding `accessor`; false when the accessor is unknown. */
  async revokeAccessor(accessor: string): Promise<boolean> {
    const e = await this.lookupAccessor(accessor);
    if (!e) return false;
    await this.revokeTree(e);
    return true;
  }

  /** Wire this to ExpirationDeps.onTokenExpired. */
  revokeByKey(tokenKey: string): Promise<void> {
    return revokeExpired(this.core, tokenKey);
  }

  /** For ExpirationDeps.tokenExists (lease tidy). */
  async existsByKey(tokenKey: string): Promise<boolean> {
    return (await this.core.repo.get(tokenKey)) !== null;
  }

  authBlock(entry: TokenEntry): Record<string, unknown> {
    return authBlock(entry);
  }

  /** The lookup response data; frozen and shared between lookups (see sharedLookupData). */
  lookupData(entry: TokenEntry): Record<string, unknown> {
    const shared = sharedLookupData(entry, this.deps.clock.now());
    if (entry.entityId === '' || !this.deps.identityPolicies) return shared;
    // Vault lists the entity's and its groups' policies apart from the token's own.
    const identity = this.deps.identityPolicies(entry);
    return identity.length > 0 ? { ...shared, identity_policies: [...identity] } : shared;
  }

  /** The key leases and indices use for this token (an HMAC, never the raw token). */
  tokenKey(entry: TokenEntry): string {
    return this.core.repo.keyOf(entry.id);
  }

  /** Removes dangling accessor and parent index entries. */
  tidy(): Promise<void> {
    return tidyTokens(this.core);
  }

  /** The `auth/token/` backend (built once). */
  backend(): Backend {
    this.backendInstance ??= tokenBackend(this);
    return this.backendInstance;
  }

  /** Sudo check for token-store paths (root policy until sudo-by-ACL is wired). */
  async hasSudo(entry: TokenEntry, path: string): Promise<boolean> {
    if (entry.policies.includes('root')) return true;
    return this.deps.hasSudo ? this.deps.hasSudo(entry, path) : false;
  }

  /** Role storage for the backend paths. */
  get storage(): TokenStoreDeps['storage'] {
    return this.deps.storage;
  }

  /**
   * Every stored (service) token, for the usage gauges counted at scrape time. Reads past
   * the entry cache rather than into it, so a scrape does not evict the hot tokens.
   */
  async allEntries(): Promise<TokenEntry[]> {
    const repo = this.core.repo;
    const out: TokenEntry[] = [];
    for (const r of await repo.accessorRecords()) {
      const e = repo.cached(r.tokenKey) ?? (await getJSON<TokenEntry>(repo.storage, `id/${r.tokenKey}`));
      if (e) out.push(e);
    }
    return out;
  }

  async listAccessors(): Promise<string[]> {
    return (await this.core.repo.accessorRecords()).map((r) => r.accessor).sort();
  }

  now(): number {
    return this.deps.clock.now();
  }

  /** The entity behind `name` as an alias on the token mount (created on first use). */
  entityForAlias(name: string): Promise<string> {
    if (!this.deps.entityForAlias) throw badRequest("'entity_alias' is not available");
    return this.deps.entityForAlias(this.core.mountAccessor(), name);
  }

  policyExists(name: string): Promise<boolean> {
    return this.deps.policyExists(name);
  }
}
