import { ApiError } from './errors.js';
import { SysClient } from './sys.js';
import { openSubscription, type EventSubscription, type SubscribeOptions } from './events.js';
import type { ClientOptions } from './transport.js';
import type { ApiResponse, JsonObject, KvMountInfo } from './types.js';

/** Reads `WARD_<name>`, falling back to `VAULT_<name>`; empty strings count as unset. */
export function envSetting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const w = env[`WARD_${name}`];
  if (w !== undefined && w !== '') return w;
  const v = env[`VAULT_${name}`];
  return v !== undefined && v !== '' ? v : undefined;
}

/** Go's strconv.ParseBool, as VAULT_SKIP_VERIFY is parsed. */
export function parseBool(v: string): boolean {
  if (/^(1|t|true|yes|on)$/i.test(v)) return true;
  if (/^(0|f|false|no|off)$/i.test(v)) return false;
  throw new Error(`invalid boolean value "${v}"`);
}

/** Client options from the environment (`WARD_*` wins over `VAULT_*`). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const o: ClientOptions = {};
  const set = <K extends keyof ClientOptions>(k: K, v: ClientOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('address', envSetting(env, 'ADDR'));
  set('token', envSetting(env, 'TOKEN'));
  set('caCert', envSetting(env, 'CACERT'));
  set('caPath', envSetting(env, 'CAPATH'));
  set('clientCert', envSetting(env, 'CLIENT_CERT'));
  set('clientKey', envSetting(env, 'CLIENT_KEY'));
  set('tlsServerName', envSetting(env, 'TLS_SERVER_NAME'));
  set('namespace', envSetting(env, 'NAMESPACE'));
  set('wrapTtl', envSetting(env, 'WRAP_TTL'));
  const skip = envSetting(env, 'SKIP_VERIFY');
  if (skip !== undefined) o.tlsSkipVerify = parseBool(skip);
  const timeout = envSetting(env, 'CLIENT_TIMEOUT');
  if (timeout !== undefined && /^\d+$/.test(timeout)) o.timeoutMs = Number(timeout) * 1000;
  return o;
}

/** Where a KV operation lands after the preflight. */
export type KvTarget = KvMountInfo & {
  /** Path relative to the mount, no leading/trailing slash (`app/db`). */
  relPath: string;
  /** The path as the user named it, mount included (`secret/app/db`). */
  fullPath: string;
  /** API path for a KV v2 sub-API (`secret/data/app/db`); for KV v1 always the plain path. */
  api(kind: 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy' | 'subkeys'): string;
};

const PREFLIGHT_403 = (p: string): string => `preflight capability check returned 403, please ensure client's policies grant access to path "${p}/"`;

/**
 * The typed Ward client: transport, logical operations, `sys/` helpers and the KV helpers,
 * which find the mount and KV version through the same preflight as the vault CLI.
 */
export class WardClient extends SysClient {
  constructor(o: ClientOptions = {}) {
    super(o);
  }

  /**
   * Subscribes to `sys/events/subscribe/<eventType>` (CloudEvents JSON over a websocket),
   * reconnecting with backoff until `close()`; see events.ts.
   */
  subscribeEvents(o: SubscribeOptions): EventSubscription {
    const query: Record<string, string | string[]> = { json: 'true' };
    if (o.filter) query.filter = o.filter;
    if (o.namespaces && o.namespaces.length > 0) query.namespaces = o.namespaces;
    return openSubscription(this.socketTarget(`sys/events/subscribe/${o.eventType}`, query), o);
  }

  /** A client configured from `WARD_*`/`VAULT_*` environment variables. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): WardClient {
    return new WardClient(optionsFromEnv(env));
  }

  /**
   * `GET sys/internal/ui/mounts/<path>`: mount path and KV version. A 404 (old server, or no
   * preflight endpoint) means KV v1 with an unknown mount (`mountPath: ''`); a 403 is an error.
   */
  async kvPreflight(path: string): Promise<KvMountInfo> {
    const p = path.replace(/^\/+|\/+$/g, '');
    try {
      const res = await this.request('GET', `sys/internal/ui/mounts/${p}`, { wrapTtl: '' });
      const data = res.body?.data ?? null;
      const mountPath = typeof data?.['path'] === 'string' ? data['path'] : '';
      const opts = data?.['options'];
      const version = opts && typeof opts === 'object' && !Array.isArray(opts) ? String(opts['version'] ?? '1') : '1';
      return { mountPath: mountPath === '' || mountPath.endsWith('/') ? mountPath : `${mountPath}/`, version: version === '2' ? 2 : 1 };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return { mountPath: '', version: 1 };
      // A bad token keeps the server's own words ("invalid token"): that is what the user must fix.
      if (e instanceof ApiError && e.status === 403 && !e.errors.includes('invalid token')) {
        const errors = [...(e.errors.some((m) => m.includes('preflight')) ? e.errors : [PREFLIGHT_403(p)])];
        if (await this.noVisibleMountAbove(p)) errors.push(`no secrets engine is mounted at "${p}/" or above it among the mounts this token can see`);
        throw new ApiError({ status: 403, errors, address: e.address, method: e.method, path: e.path, body: e.body });
      }
      throw e;
    }
  }

  /**
   * True when `sys/internal/ui/mounts` (which lists the mounts a token can see) answers and
   * none of them holds `p`: a new user's "missing mount" then says so instead of only 403.
   */
  private async noVisibleMountAbove(p: string): Promise<boolean> {
    try {
      const res = await this.request('GET', 'sys/internal/ui/mounts', { wrapTtl: '' });
      const secret = res.body?.data?.['secret'];
      if (!secret || typeof secret !== 'object' || Array.isArray(secret)) return false;
      return !Object.keys(secret).some((m) => `${p}/`.startsWith(m.endsWith('/') ? m : `${m}/`));
    } catch {
      return false;
    }
  }

  /** Resolves a KV path (optionally with an explicit mount, as `-mount`) to its target. */
  async kvResolve(path: string, mount?: string): Promise<KvTarget> {
    const clean = path.replace(/^\/+|\/+$/g, '');
    const m = mount?.replace(/^\/+|\/+$/g, '');
    const full = m ? (clean ? `${m}/${clean}` : m) : clean;
    const info = await this.kvPreflight(m ?? full);
    let mountPath = info.mountPath;
    if (m && mountPath === '') mountPath = `${m}/`;
    const relPath = mountPath && `${full}/`.startsWith(mountPath) ? full.slice(mountPath.length).replace(/\/+$/, '') : full;
    return {
      ...info,
      mountPath,
      relPath,
      fullPath: full,
      api: (kind) => (info.version === 2 ? `${mountPath}${kind}${relPath ? `/${relPath}` : ''}` : full),
    };
  }

  private async target(path: string | KvTarget, mount?: string): Promise<KvTarget> {
    return typeof path === 'string' ? this.kvResolve(path, mount) : path;
  }

  private v2(t: KvTarget, op: string): void {
    if (t.version !== 2) throw new Error(`${op} is not supported on KV version 1 (mount ${t.mountPath || t.fullPath})`);
  }

  async kvGet(path: string | KvTarget, o: { version?: number; mount?: string } = {}): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, o.mount);
    const q = target.version === 2 && o.version ? { version: o.version } : undefined;
    return { target, res: await this.read(target.api('data'), q) };
  }

  async kvPut(path: string | KvTarget, data: JsonObject, o: { cas?: number; mount?: string } = {}): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, o.mount);
    if (target.version === 1) return { target, res: await this.write(target.fullPath, data) };
    const body: JsonObject = { data };
    if (o.cas !== undefined && o.cas >= 0) body['options'] = { cas: o.cas };
    return { target, res: await this.request('PUT', target.api('data'), { body }) };
  }

  async kvPatch(path: string | KvTarget, data: JsonObject, o: { cas?: number; mount?: string } = {}): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, o.mount);
    this.v2(target, 'kv patch');
    const body: JsonObject = { data };
    if (o.cas !== undefined && o.cas >= 0) body['options'] = { cas: o.cas };
    return { target, res: await this.patch(target.api('data'), body) };
  }

  /** KV helpers take a path (preflight runs) or a target from {@link kvResolve} (no second preflight). */

  /** Deletes the latest version (v2), given versions (v2 soft delete) or the secret (v1). */
  async kvDelete(path: string | KvTarget, o: { versions?: number[]; mount?: string } = {}): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, o.mount);
    if (target.version === 2 && o.versions && o.versions.length > 0) {
      return { target, res: await this.request('PUT', target.api('delete'), { body: { versions: o.versions } }) };
    }
    return { target, res: await this.delete(target.api('data')) };
  }

  async kvVersions(kind: 'undelete' | 'destroy', path: string | KvTarget, versions: number[], mount?: string): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, mount);
    this.v2(target, `kv ${kind}`);
    return { target, res: await this.request('PUT', target.api(kind), { body: { versions } }) };
  }

  async kvList(path: string | KvTarget, mount?: string): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, mount);
    return { target, res: await this.list(`${target.api('metadata').replace(/\/+$/, '')}/`) };
  }

  async kvMetadata(op: 'get' | 'put' | 'patch' | 'delete', path: string | KvTarget, o: { data?: JsonObject; mount?: string } = {}): Promise<{ target: KvTarget; res: ApiResponse }> {
    const target = await this.target(path, o.mount);
    this.v2(target, `kv metadata ${op}`);
    const p = target.api('metadata');
    if (op === 'get') return { target, res: await this.read(p) };
    if (op === 'delete') return { target, res: await this.delete(p) };
    if (op === 'patch') return { target, res: await this.patch(p, o.data ?? {}) };
    return { target, res: await this.request('PUT', p, { body: o.data ?? {} }) };
  }
}
