/**
 * How template functions talk to the server: `secret` reads (with the KV v2 path shim
 * learned from the preflight) and writes, `secrets` lists, lease renewal, and the
 * shape a secret takes inside a template (`.Data`, `.LeaseID`, `.Auth.ClientToken`…).
 */
import { ApiError, type JsonObject, type VaultEnvelope, type WardClient } from '../../api/index.js';
import type { Value } from './format.js';

/** Lease facts of one fetched secret, used to schedule its refresh. */
export type LeaseMeta = {
  leaseId: string;
  /** Seconds; 0 when the response carries no lease (KV v2, static reads). */
  leaseDuration: number;
  renewable: boolean;
  /** The response's `data`, for the kinds whose refresh depends on it (certificates, rotation). */
  data: JsonObject | null;
};

export type Fetched = { value: Value; meta: LeaseMeta };

/** KV v2 shim: `secret/app` → `secret/data/app` unless already a sub-API path. */
export function kvV2Path(path: string, mount: string): string {
  const m = mount.replace(/\/+$/, '');
  if (path === m || path === `${m}/`) return `${m}/data`;
  const rest = path.slice(m.length + 1);
  if (/^(data|metadata|subkeys)(\/|$)/.test(rest)) return path;
  return `${m}/data/${rest}`;
}

/** `"k=v"` arguments of a write into a request body (later keys win, `=` inside values kept). */
export function writeBody(args: readonly string[]): JsonObject {
  const body: JsonObject = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`invalid key=value argument "${a}"`);
    body[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return body;
}

function authValue(e: VaultEnvelope): Value {
  const a = e.auth;
  if (!a) return null;
  return {
    ClientToken: a.client_token,
    Accessor: a.accessor,
    Policies: a.policies ?? [],
    TokenPolicies: a.token_policies ?? [],
    Metadata: (a.metadata ?? {}) as Value,
    LeaseDuration: a.lease_duration,
    Renewable: a.renewable,
    EntityID: a.entity_id,
    Orphan: a.orphan,
  };
}

/** The object a template sees for a secret response. */
export function secretValue(e: VaultEnvelope): Value {
  return {
    RequestID: e.request_id ?? '',
    LeaseID: e.lease_id ?? '',
    LeaseDuration: e.lease_duration ?? 0,
    Renewable: e.renewable ?? false,
    Data: (e.data ?? null) as Value,
    Warnings: e.warnings ?? [],
    Auth: authValue(e),
    WrapInfo: (e.wrap_info ?? null) as Value,
  };
}

function meta(e: VaultEnvelope): LeaseMeta {
  return { leaseId: e.lease_id ?? '', leaseDuration: e.lease_duration ?? 0, renewable: e.renewable ?? false, data: e.data ?? null };
}

/** Server access for templates, over a {@link WardClient} carrying the agent's token. */
export class SecretFetcher {
  private readonly mounts = new Map<string, { mountPath: string; version: 1 | 2 }>();

  constructor(private readonly client: WardClient) {}

  /** `secret "path"` (read) or `secret "path" "k=v"…` (write). */
  async secret(rawPath: string, args: readonly string[]): Promise<Fetched> {
    const [pathPart, queryPart] = splitQuery(rawPath);
    if (args.length > 0) return this.write(pathPart, args);
    const path = await this.readPath(pathPart);
    let body: VaultEnvelope | null;
    try {
      body = (await this.client.request('GET', path, queryPart ? { query: queryPart } : {})).body;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new Error(`no secret exists at ${path}`);
      throw e;
    }
    if (!body) throw new Error(`no secret exists at ${path}`);
    const md = body.data?.['metadata'];
    const deleted = md && typeof md === 'object' && !Array.isArray(md) ? md['deletion_time'] : undefined;
    if (typeof deleted === 'string' && deleted !== '' && Date.parse(deleted) <= Date.now()) {
      throw new Error(`no secret exists at ${path} (the latest version is deleted)`);
    }
    return { value: secretValue(body), meta: meta(body) };
  }

  /** A write with `k=v` arguments (`auth/token/create`, `pki/issue/<role>`). */
  async write(path: string, args: readonly string[]): Promise<Fetched> {
    const res = await this.client.request('PUT', path, { body: writeBody(args) });
    if (!res.body) throw new Error(`no data returned from write to ${path}`);
    return { value: secretValue(res.body), meta: meta(res.body) };
  }

  /** `secrets "path/"`: key names under a path (LIST), KV v2 listing through `metadata/`. */
  async list(rawPath: string): Promise<string[]> {
    let path = rawPath.replace(/\/+$/, '');
    const info = await this.preflight(path);
    if (info.version === 2) {
      const m = info.mountPath.replace(/\/+$/, '');
      const rest = path === m ? '' : path.slice(m.length + 1).replace(/^metadata(\/|$)/, '');
      path = rest ? `${m}/metadata/${rest}` : `${m}/metadata`;
    }
    try {
      const keys = (await this.client.list(`${path}/`)).body?.data?.['keys'];
      return Array.isArray(keys) ? keys.map(String).sort() : [];
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return [];
      throw e;
    }
  }

  /** Renews a lease; returns the new duration in seconds. */
  async renew(leaseId: string, increment: number): Promise<{ leaseDuration: number; renewable: boolean }> {
    const res = await this.client.leaseRenew(leaseId, increment);
    return { leaseDuration: res.body?.lease_duration ?? 0, renewable: res.body?.renewable ?? false };
  }

  /** Forgets preflight answers (a new token may see different mounts). */
  reset(): void {
    this.mounts.clear();
  }

  private async readPath(path: string): Promise<string> {
    const info = await this.preflight(path);
    return info.version === 2 ? kvV2Path(path, info.mountPath) : path;
  }

  private async preflight(path: string): Promise<{ mountPath: string; version: 1 | 2 }> {
    const cached = [...this.mounts.entries()].find(([m]) => `${path}/`.startsWith(m));
    if (cached) return cached[1];
    let info: { mountPath: string; version: 1 | 2 };
    try {
      info = await this.client.kvPreflight(path);
    } catch (e) {
      // A token may read a path without seeing its mount (auth/token/lookup-self): a
      // refused preflight means "not KV v2", as consul-template treats it.
      if (e instanceof ApiError) return { mountPath: '', version: 1 };
      throw e;
    }
    if (info.mountPath !== '') this.mounts.set(info.mountPath, info);
    return info;
  }
}

function splitQuery(p: string): [string, Record<string, string> | undefined] {
  const q = p.indexOf('?');
  const path = (q < 0 ? p : p.slice(0, q)).replace(/^\/+/, '');
  if (q < 0) return [path, undefined];
  return [path, Object.fromEntries(new URLSearchParams(p.slice(q + 1)))];
}
