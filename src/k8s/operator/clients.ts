/**
 * Ward clients for the operator: one HTTP client per VaultConnection setting, and one Ward
 * token per VaultAuth and consuming service account (VSO's client cache), obtained by logging
 * in to Kubernetes auth with a TokenRequest-minted token of that service account. A token is
 * re-minted once 80% of its lifetime has passed, and once when Ward refuses it with 403.
 */
import { ApiError, WardClient, type ApiResponse, type ClientOptions, type EventSubscription, type RequestOptions, type SubscribeOptions } from '../../api/index.js';
import type { AuthSpec, ConnectionSpec } from './spec.js';

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
  /** Identifies the VaultAuth version (`ns/name@generation`): a spec change means a new login. */
  authKey: string;
  /** The consuming resource's namespace, where the service account lives. */
  namespace: string;
}

export interface WardClientsOptions {
  mintToken: (r: TokenRequestParams) => Promise<string>;
  now?: () => number;
}

/** What a reconcile may do with Ward: requests carrying the cached token and the connection's headers. */
export interface WardSession {
  /** `namespace`: the resource's own Ward namespace (spec.namespace), else the VaultAuth's. */
  get(path: string, query?: RequestOptions['query'], namespace?: string): Promise<ApiResponse>;
}

const RENEW_AT = 0.8;

export class WardClients {
  readonly #o: WardClientsOptions;
  readonly #now: () => number;
  readonly #http = new Map<string, WardClient>();
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #inflight = new Map<string, Promise<{ token: string; expiresAt: number }>>();

  constructor(o: WardClientsOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** Runs `fn` as the target's service account; one re-login when a cached token is refused. */
  async run<T>(t: LoginTarget, fn: (s: WardSession) => Promise<T>): Promise<T> {
    const client = this.#client(t);
    const key = this.#key(t);
    const hit = this.#tokens.get(key);
    const cached = hit && hit.expiresAt > this.#now() ? hit : undefined;
    const session = (token: string): WardSession => ({
      get: (path, query, namespace) => client.request('GET', path, { token, query, headers: this.#headers(t, namespace || t.auth.namespace) }),
    });
    const first = cached ?? (await this.#login(t, client, key));
    try {
      return await fn(session(first.token));
    } catch (e) {
      if (!(cached && e instanceof ApiError && e.status === 403)) throw e;
      this.#tokens.delete(key);
      const fresh = await this.#login(t, client, key);
      return fn(session(fresh.token));
    }
  }

  /**
   * An event subscription (sys/events/subscribe) as the target's service account, sharing
   * its cached token; a token refused with 403 is replaced by a fresh login at the next
   * reconnect.
   */
  subscribe(t: LoginTarget, o: SubscribeOptions): EventSubscription {
    const client = this.#client(t);
    const key = this.#key(t);
    let refused = false;
    return client.subscribeEvents({
      ...o,
      headers: async () => {
        if (refused) this.#tokens.delete(key);
        refused = false;
        const hit = this.#tokens.get(key);
        const cred = hit && hit.expiresAt > this.#now() ? hit : await this.#login(t, client, key);
        return { ...this.#headers(t), 'X-Vault-Token': cred.token };
      },
      onState: (s) => {
        if (s.error instanceof ApiError && s.error.status === 403) refused = true;
        o.onState?.(s);
      },
    });
  }

  #key(t: LoginTarget): string {
    return `${t.connection.address}|${t.authKey}|${t.namespace}/${t.auth.kubernetes.serviceAccount}`;
  }

  close(): void {
    for (const c of this.#http.values()) c.close();
    this.#http.clear();
    this.#tokens.clear();
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

  #login(t: LoginTarget, client: WardClient, key: string): Promise<{ token: string; expiresAt: number }> {
    let p = this.#inflight.get(key);
    if (!p) {
      p = this.#doLogin(t, client).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, p);
    }
    return p.then((c) => {
      this.#tokens.set(key, c);
      return c;
    });
  }

  async #doLogin(t: LoginTarget, client: WardClient): Promise<{ token: string; expiresAt: number }> {
    const k = t.auth.kubernetes;
    const jwt = await this.#o.mintToken({ namespace: t.namespace, serviceAccount: k.serviceAccount, audiences: k.audiences, expirationSeconds: k.tokenExpirationSeconds });
    const path = `auth/${t.auth.mount}/login`;
    let res: ApiResponse;
    try {
      res = await client.request('POST', path, { body: { ...t.auth.params, role: k.role, jwt }, token: '', headers: this.#headers(t) });
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        throw new Error(`login to ${path} with role "${k.role}" as service account ${t.namespace}/${k.serviceAccount} failed: ${e.errors.join('; ') || `HTTP ${e.status}`}`);
      }
      throw e;
    }
    const auth = res.body?.auth;
    if (!auth || typeof auth.client_token !== 'string' || auth.client_token === '') throw new Error(`login to ${path} returned no client token`);
    const ttl = typeof auth.lease_duration === 'number' ? auth.lease_duration : 0;
    // A token without a TTL (root-like) never expires; a refusal still replaces it.
    return { token: auth.client_token, expiresAt: ttl > 0 ? this.#now() + ttl * 1000 * RENEW_AT : Number.POSITIVE_INFINITY };
  }
}
