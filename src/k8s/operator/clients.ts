/**
 * Ward clients for the operator: one HTTP client per VaultConnection setting, and one Ward
 * token per (connection, VaultAuth uid+generation, consuming service account or credential)
 * (VSO's client cache), obtained by logging in with the VaultAuth's method (login.ts). A token
 * is renewed with renew-self at 2/3 of its TTL while renewable, in the background too, and
 * replaced by a login otherwise (token-cache.ts) or once when Ward refuses it with 403. With a
 * TokenStore (--client-cache-persistence-model=direct-encrypted) each token is persisted and a
 * restarted operator reuses it once lookup-self confirms it is still valid.
 */
import { ApiError, WardClient, type ApiResponse, type ClientOptions, type EventSubscription, type JsonObject, type RequestOptions, type SubscribeOptions } from '../../api/index.js';
import type { AuthSpec } from './auth-spec.js';
import { loginIdentity, loginRequest, type CredentialSources } from './login.js';
import { afterRenewal, fromAuth, renewDueAt, tokenAction, type CachedToken } from './token-cache.js';
import type { ConnectionSpec } from './spec.js';

export interface TokenRequestParams {
  namespace: string;
  serviceAccount: string;
  audiences: string[];
  expirationSeconds: number;
}

export interface LoginTarget {
  connection: ConnectionSpec;
  /** The CA from `caCertSecretRef` (PEM), read by the caller. */
  caPem: string | undefined;
  auth: AuthSpec;
  /** Identifies the VaultAuth, VaultConnection (and VaultAuthGlobal) versions (`uid@generation`): a spec change means a new login. */
  authKey: string;
  /** The consuming resource's namespace, where the service account lives. */
  namespace: string;
  /** The VaultAuth itself (labels of the persisted cache entry, pruning of older generations). */
  authRef?: { namespace: string; name: string; uid: string; generation: number };
}

/** Where cached tokens outlive the process (cache-storage.ts: encrypted Secrets). */
export interface TokenStore {
  load(key: string, t: LoginTarget): Promise<CachedToken | undefined>;
  save(key: string, t: LoginTarget, token: CachedToken): Promise<void>;
  drop(key: string, t: LoginTarget): Promise<void>;
  /** Called by WardClients.close(). */
  close?(): void;
}

export interface WardClientsOptions extends CredentialSources {
  now?: () => number;
  store?: TokenStore;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** What a reconcile may do with Ward: requests carrying the cached token and the connection's headers. */
export interface WardSession {
  /** `namespace`: the resource's own Ward namespace (spec.namespace), else the VaultAuth's. */
  get(path: string, query?: RequestOptions['query'], namespace?: string): Promise<ApiResponse>;
  /** PUT with a JSON body (PKI issue and revoke, transit for the client cache). */
  write(path: string, body: JsonObject, namespace?: string): Promise<ApiResponse>;
  /** The token these requests carry: its accessor and when it expires unless renewed (epoch ms; undefined: never). */
  readonly token: { accessor: string; expiresAtMs: number | undefined };
}

/** The cache key: which Ward, which VaultAuth version, whose credential. */
export function cacheKey(t: LoginTarget): string {
  return `${t.connection.address}|${t.authKey}|${t.namespace}/${loginIdentity(t)}`;
}

interface Entry { token: CachedToken; target: LoginTarget; timer?: NodeJS.Timeout }

export class WardClients {
  readonly #o: WardClientsOptions;
  readonly #now: () => number;
  readonly #http = new Map<string, WardClient>();
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<{ token: CachedToken; fresh: boolean }>>();
  #closed = false;

  constructor(o: WardClientsOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Runs `fn` as the target's service account; one re-login when a cached token is refused. */
  async run<T>(t: LoginTarget, fn: (s: WardSession) => Promise<T>): Promise<T> {
    const client = this.#client(t);
    const key = cacheKey(t);
    const session = (cached: CachedToken): WardSession => {
      const token = cached.token;
      return {
        get: (path, query, namespace) => client.request('GET', path, { token, query, headers: this.#headers(t, namespace || t.auth.namespace) }),
        write: (path, body, namespace) => client.request('PUT', path, { token, body, headers: this.#headers(t, namespace || t.auth.namespace) }),
        token: { accessor: cached.accessor, expiresAtMs: cached.ttlMs > 0 ? cached.refreshedAt + cached.ttlMs : undefined },
      };
    };
    const first = await this.#current(t, client, key);
    try {
      return await fn(session(first.token));
    } catch (e) {
      if (first.fresh || !(e instanceof ApiError && e.status === 403)) throw e;
      this.#forget(key);
      await this.#o.store?.drop(key, t).catch(() => undefined);
      const fresh = await this.#current(t, client, key);
      return fn(session(fresh.token));
    }
  }

  /**
   * An event subscription (sys/events/subscribe) as the target's identity, with the token
   * the reconciles use (cached, renewed, restored); a token refused with 403 is replaced by
   * a fresh login at the next reconnect.
   */
  subscribe(t: LoginTarget, o: SubscribeOptions): EventSubscription {
    const client = this.#client(t);
    const key = cacheKey(t);
    let refused = false;
    return client.subscribeEvents({
      ...o,
      headers: async () => {
        if (refused) {
          this.#forget(key);
          await this.#o.store?.drop(key, t).catch(() => undefined);
        }
        refused = false;
        const current = await this.#current(t, client, key);
        return { ...this.#headers(t), 'X-Vault-Token': current.token.token };
      },
      onState: (s) => {
        if (s.error instanceof ApiError && s.error.status === 403) refused = true;
        o.onState?.(s);
      },
    });
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#entries.values()) clearTimeout(e.timer);
    this.#entries.clear();
    for (const c of this.#http.values()) c.close();
    this.#http.clear();
    this.#o.store?.close?.();
  }

  #log(msg: string, fields: Record<string, unknown>): void {
    this.#o.log?.(msg, fields);
  }

  #forget(key: string): void {
    clearTimeout(this.#entries.get(key)?.timer);
    this.#entries.delete(key);
  }

  /** The token to use now (one flight per key): cached, restored, renewed, or a new login (`fresh`). */
  #current(t: LoginTarget, client: WardClient, key: string): Promise<{ token: CachedToken; fresh: boolean }> {
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#refresh(t, client, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p;
  }

  async #refresh(t: LoginTarget, client: WardClient, key: string): Promise<{ token: CachedToken; fresh: boolean }> {
    let cached = this.#entries.get(key)?.token;
    if (!cached && this.#o.store) {
      cached = await this.#restore(t, client, key);
      // Restored: kept in memory (and renewed from here on), not written back unchanged.
      if (cached) await this.#remember(key, t, cached, false);
    }
    const action = cached ? tokenAction(cached, this.#now()) : 'login';
    if (cached && action === 'use') return { token: cached, fresh: false };
    if (cached && action === 'renew') {
      try {
        const renewed = await this.#renew(t, client, cached);
        await this.#remember(key, t, renewed);
        return { token: renewed, fresh: false };
      } catch (e) {
        this.#log('renewing the Ward token failed; logging in', { namespace: t.namespace, error: (e as Error).message });
      }
    }
    const token = await this.#login(t, client);
    await this.#remember(key, t, token);
    return { token, fresh: true };
  }

  async #remember(key: string, t: LoginTarget, token: CachedToken, persist = true): Promise<void> {
    this.#forget(key);
    if (this.#closed) return;
    const entry: Entry = { token, target: t };
    const due = renewDueAt(token);
    if (due !== undefined) {
      // Keep the token (and the leases it owns) alive between reconciles. Only renewals: a
      // token that needs a new login is dropped here and logged in again when a reconcile
      // needs it, so tokens of VaultAuths nobody uses any more stop at their max TTL.
      entry.timer = setTimeout(() => {
        if (tokenAction(token, this.#now()) !== 'renew') {
          this.#forget(key);
          return;
        }
        this.#current(t, this.#client(t), key).catch((e: Error) => {
          this.#forget(key);
          this.#log('background renewal of a Ward token failed', { namespace: t.namespace, error: e.message });
        });
      }, Math.max(0, due - this.#now()));
      entry.timer.unref();
    }
    this.#entries.set(key, entry);
    if (!persist) return;
    await this.#o.store?.save(key, t, token).catch((e: Error) => this.#log('could not persist the Ward token', { namespace: t.namespace, error: e.message }));
  }

  /** A persisted token, if it decrypts and Ward still accepts it (lookup-self). */
  async #restore(t: LoginTarget, client: WardClient, key: string): Promise<CachedToken | undefined> {
    let stored: CachedToken | undefined;
    try {
      stored = await this.#o.store?.load(key, t);
    } catch (e) {
      this.#log('could not restore the persisted Ward token; logging in', { namespace: t.namespace, error: (e as Error).message });
      return undefined;
    }
    if (!stored) return undefined;
    let res: ApiResponse;
    try {
      res = await client.request('GET', 'auth/token/lookup-self', { token: stored.token, headers: this.#headers(t) });
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 403 || e.status === 401 || e.status === 400))) throw e;
      this.#log('the persisted Ward token is no longer valid; logging in', { namespace: t.namespace });
      await this.#o.store?.drop(key, t).catch(() => undefined);
      return undefined;
    }
    const d = (res.body?.data ?? {}) as { ttl?: unknown; renewable?: unknown; accessor?: unknown };
    const ttl = typeof d.ttl === 'number' && d.ttl > 0 ? d.ttl : 0;
    this.#log('reusing the persisted Ward token', { namespace: t.namespace });
    return { token: stored.token, accessor: typeof d.accessor === 'string' ? d.accessor : stored.accessor, renewable: d.renewable === true, ttlMs: ttl * 1000, refreshedAt: this.#now() };
  }

  async #renew(t: LoginTarget, client: WardClient, token: CachedToken): Promise<CachedToken> {
    const res = await client.request('POST', 'auth/token/renew-self', { token: token.token, body: {}, headers: this.#headers(t) });
    const auth = res.body?.auth;
    if (!auth) throw new Error('renew-self returned no auth');
    return afterRenewal(token, auth, this.#now());
  }
  #headers(t: LoginTarget, namespace = t.auth.namespace): Record<string, string> {
    return { ...t.connection.headers, ...t.auth.headers, ...(namespace ? { 'X-Vault-Namespace': namespace } : {}) };
  }

  #client(t: LoginTarget): WardClient {
    const c = t.connection;
    // No client-wide namespace: it would override a resource's own (sent per request instead).
    const opts: ClientOptions = { address: c.address, tlsSkipVerify: c.skipTLSVerify };
    if (c.tlsServerName) opts.tlsServerName = c.tlsServerName;
    if (t.caPem) opts.caCert = t.caPem;
    else if (c.caCertPath) opts.caCert = c.caCertPath;
    if (c.timeoutMs) opts.timeoutMs = c.timeoutMs;
    const key = JSON.stringify(opts);
    let client = this.#http.get(key);
    if (!client) {
      client = new WardClient(opts);
      this.#http.set(key, client);
    }
    return client;
  }

  async #login(t: LoginTarget, client: WardClient): Promise<CachedToken> {
    const { path, body, who } = await loginRequest(t, this.#o);
    let res: ApiResponse;
    try {
      res = await client.request('POST', path, { body, token: '', headers: this.#headers(t) });
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        throw new Error(`login to ${path} ${who} failed: ${e.errors.join('; ') || `HTTP ${e.status}`}`);
      }
      throw e;
    }
    const auth = res.body?.auth;
    if (!auth) throw new Error(`login to ${path} returned no client token`);
    // A token without a TTL (root-like) never expires; a refusal still replaces it.
    return fromAuth(auth, this.#now());
  }
}
