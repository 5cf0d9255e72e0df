import { ApiError, WardClient, type ClientOptions } from '../../api/index.js';
import { PermissionDenied, apiErrorOf } from './errors.js';
import { Lru } from './lru.js';
import type { MountParams } from './params.js';
import type { TokenRequester } from './token-request.js';

type Cached = { token: string; expiresAt: number };

export type AuthOptions = {
  cacheSize: number;
  /** Mints a pod-bound token when the driver passed none; absent outside a cluster. */
  requester?: TokenRequester | undefined;
  now?: () => number;
  warn?: (msg: string) => void;
};

/** A Ward token is re-minted once less than this share of its lifetime is left. */
const RENEW_SHARE = 0.1;

/**
 * Kubernetes-auth logins on behalf of pods: one cached Ward token per pod (namespace/name/uid)
 * and login target (role, mount, address, namespace), LRU-bounded, and one HTTP client (with
 * its keep-alive agent) per connection setting. A cached token refused with 403 is dropped and
 * the pod logs in again once, as vault-csi-provider does.
 */
export class PodAuth {
  private readonly tokens: Lru<Cached>;
  private readonly clients: Lru<WardClient>;
  private readonly inflight = new Map<string, Promise<Cached>>();
  private readonly now: () => number;
  private warnedSkip = false;

  constructor(private readonly o: AuthOptions) {
    this.tokens = new Lru(o.cacheSize);
    this.clients = new Lru(o.cacheSize, (c) => c.close());
    this.now = o.now ?? Date.now;
  }

  /** The shared client for this request's address, namespace and TLS settings (no token of its own). */
  client(p: MountParams): WardClient {
    const opts: ClientOptions = { address: p.address, namespace: p.namespace, ...p.tls };
    const key = JSON.stringify(opts);
    let c = this.clients.get(key);
    if (!c) {
      if (p.tls.tlsSkipVerify && !this.warnedSkip) {
        this.warnedSkip = true;
        this.o.warn?.(`TLS verification of ${p.address} is disabled by vaultSkipTLSVerify; use it only for testing`);
      }
      c = new WardClient(opts);
      this.clients.set(key, c);
    }
    return c;
  }

  /** Runs `fn` with the pod's Ward token; on a 403 with a cached token, logs in again and retries once. */
  async run<T>(p: MountParams, fn: (client: WardClient, token: string) => Promise<T>): Promise<T> {
    const client = this.client(p);
    const key = cacheKey(p);
    const hit = this.tokens.get(key);
    const cached = hit && (hit.expiresAt === 0 || hit.expiresAt > this.now()) ? hit : undefined;
    const first = cached ?? (await this.login(p, client, key));
    try {
      return await fn(client, first.token);
    } catch (e) {
      if (!(cached && apiErrorOf(e)?.status === 403)) throw e;
      this.tokens.delete(key);
      const fresh = await this.login(p, client, key);
      return fn(client, fresh.token);
    }
  }

  /** Drops every cached token (tests, shutdown). */
  close(): void {
    for (const c of this.clients.values()) c.close();
  }

  private login(p: MountParams, client: WardClient, key: string): Promise<Cached> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.doLogin(p, client).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending.then((c) => {
      this.tokens.set(key, c);
      return c;
    });
  }

  private async doLogin(p: MountParams, client: WardClient): Promise<Cached> {
    const jwt = await this.serviceAccountToken(p);
    const path = `auth/${p.authMount}/login`;
    let res;
    try {
      res = await client.request('POST', path, { body: { role: p.roleName, jwt }, token: '' });
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        throw new PermissionDenied(`login to ${path} with role "${p.roleName}" for pod ${p.pod.namespace}/${p.pod.name} failed: ${e.errors.join('; ') || `HTTP ${e.status}`}`);
      }
      throw e;
    }
    const auth = res.body?.auth;
    if (!auth || typeof auth.client_token !== 'string' || auth.client_token === '') throw new Error(`login to ${path} returned no client token`);
    const ttl = typeof auth.lease_duration === 'number' ? auth.lease_duration : 0;
    return { token: auth.client_token, expiresAt: ttl > 0 ? this.now() + ttl * 1000 * (1 - RENEW_SHARE) : 0 };
  }

  /**
   * The pod's own token from the driver (`serviceAccount.tokens`): the one for `audience`, or
   * without an audience the "vault" one, else the API server's (""); else a TokenRequest.
   */
  private async serviceAccountToken(p: MountParams): Promise<string> {
    const t = p.audience !== '' ? p.saTokens[p.audience] : (p.saTokens['vault'] ?? p.saTokens['']);
    if (t) return t;
    if (!this.o.requester) {
      const have = Object.keys(p.saTokens);
      throw new PermissionDenied(
        `no service-account token for audience "${p.audience || 'vault'}" in csi.storage.k8s.io/serviceAccount.tokens${have.length ? ` (have ${have.map((a) => `"${a}"`).join(', ')})` : ''} and the provider runs outside a cluster, so it cannot request one`,
      );
    }
    return this.o.requester.request(p.pod, p.audience);
  }
}

/** The pod and login target a Ward token (and the leases it holds) belongs to. */
export function cacheKey(p: MountParams): string {
  return JSON.stringify([p.pod.namespace, p.pod.name, p.pod.uid, p.roleName, p.authMount, p.address, p.namespace]);
}
