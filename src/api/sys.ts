import type { Readable } from 'node:stream';
import { Transport } from './transport.js';
import { ApiError } from './errors.js';
import type {
  ApiResponse, HealthStatus, InitRequest, InitResponse, JsonObject, JsonValue, LeaderStatus, SealStatus, VaultEnvelope,
} from './types.js';

type Query = Record<string, string | number | boolean | undefined>;

/** Narrows a raw (non-envelope) sys response; the server's shape is trusted from here on. */
function raw<T>(res: ApiResponse, what: string): T {
  if (!res.body) throw new Error(`empty response from ${what}`);
  return res.body as unknown as T; // raw sys endpoints answer a plain object (§1.3)
}

const trim = (p: string): string => p.replace(/^\/+|\/+$/g, '');

/** Logical operations and `sys/`, `auth/token/`, wrapping helpers. */
export class SysClient extends Transport {
  /** GET (read). Query parameters become request data (e.g. KV v2 `version`). */
  read(path: string, query?: Query): Promise<ApiResponse> {
    return this.request('GET', path, query ? { query } : {});
  }

  /** PUT with a JSON body, as the vault CLI's `write`. */
  write(path: string, data?: JsonObject | null): Promise<ApiResponse> {
    return this.request('PUT', path, data ? { body: data } : {});
  }

  /** LIST as the Go client does it: `GET ?list=true`. */
  list(path: string): Promise<ApiResponse> {
    return this.request('GET', path, { query: { list: 'true' } });
  }

  delete(path: string, query?: Query): Promise<ApiResponse> {
    return this.request('DELETE', path, query ? { query } : {});
  }

  /** PATCH with `application/merge-patch+json` (KV v2 data/metadata patch). */
  patch(path: string, data: JsonObject): Promise<ApiResponse> {
    return this.request('PATCH', path, { body: data, contentType: 'application/merge-patch+json' });
  }

  // ---- seal, init, health --------------------------------------------------------------

  async sealStatus(): Promise<SealStatus> {
    return raw<SealStatus>(await this.request('GET', 'sys/seal-status'), 'sys/seal-status');
  }

  async initStatus(): Promise<boolean> {
    return raw<{ initialized: boolean }>(await this.request('GET', 'sys/init'), 'sys/init').initialized === true;
  }

  async init(req: InitRequest): Promise<InitResponse> {
    return raw<InitResponse>(await this.request('PUT', 'sys/init', { body: req as unknown as JsonObject }), 'sys/init');
  }

  /** Ward: the kept answer of an all-encrypted init (until the first unseal), or null. */
  async initResponse(): Promise<InitResponse | null> {
    try {
      return raw<InitResponse>(await this.request('GET', 'sys/init/response'), 'sys/init/response');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  /** `migrate`: the key is an old seal's share during a seal migration. */
  async unseal(key: string, o: { migrate?: boolean } = {}): Promise<SealStatus> {
    const body = o.migrate ? { key, migrate: true } : { key };
    return raw<SealStatus>(await this.request('PUT', 'sys/unseal', { body }), 'sys/unseal');
  }

  async unsealReset(): Promise<SealStatus> {
    return raw<SealStatus>(await this.request('PUT', 'sys/unseal', { body: { reset: true } }), 'sys/unseal');
  }

  async seal(): Promise<void> {
    await this.request('PUT', 'sys/seal');
  }

  async stepDown(): Promise<void> {
    await this.request('PUT', 'sys/step-down');
  }

  /** `sys/health`; every status code is overridden to 299 so standby/sealed still resolve (like Go `Sys().Health()`). */
  async health(query: Query = {}): Promise<HealthStatus> {
    const codes = { standbycode: 299, sealedcode: 299, uninitcode: 299, drsecondarycode: 299, performancestandbycode: 299, removedcode: 299, haunhealthycode: 299 };
    return raw<HealthStatus>(await this.request('GET', 'sys/health', { query: { ...codes, ...query } }), 'sys/health');
  }

  async leader(): Promise<LeaderStatus> {
    return raw<LeaderStatus>(await this.request('GET', 'sys/leader'), 'sys/leader');
  }

  keyStatus(): Promise<ApiResponse> {
    return this.request('GET', 'sys/key-status');
  }

  async rotate(): Promise<void> {
    await this.request('PUT', 'sys/rotate');
  }

  /** `GET sys/storage/snapshot`: the snapshot's bytes as they arrive (never buffered whole). */
  snapshotSave(): Promise<Readable> {
    return this.stream('GET', 'sys/storage/snapshot');
  }

  /** `POST sys/storage/snapshot[-force]`, streaming `snapshot` up. The server seals afterwards. */
  async snapshotRestore(snapshot: Readable, force = false): Promise<void> {
    const res = await this.stream('POST', force ? 'sys/storage/snapshot-force' : 'sys/storage/snapshot', snapshot);
    res.resume();
  }

  // ---- mounts, auth methods, audit, policies ---------------------------------------------

  mounts(): Promise<ApiResponse> {
    return this.request('GET', 'sys/mounts');
  }

  enableSecrets(path: string, input: JsonObject): Promise<ApiResponse> {
    return this.request('POST', `sys/mounts/${trim(path)}`, { body: input });
  }

  disableSecrets(path: string): Promise<ApiResponse> {
    return this.request('DELETE', `sys/mounts/${trim(path)}`);
  }

  tuneSecrets(path: string, input: JsonObject): Promise<ApiResponse> {
    return this.request('POST', `sys/mounts/${trim(path)}/tune`, { body: input });
  }

  remount(from: string, to: string): Promise<ApiResponse> {
    return this.request('POST', 'sys/remount', { body: { from: trim(from), to: trim(to) } });
  }

  /** `sys/ha-status`: the active node and the standbys it has heard from. */
  haStatus(): Promise<ApiResponse> {
    return this.request('GET', 'sys/ha-status');
  }

  authMethods(): Promise<ApiResponse> {
    return this.request('GET', 'sys/auth');
  }

  enableAuth(path: string, input: JsonObject): Promise<ApiResponse> {
    return this.request('POST', `sys/auth/${trim(path)}`, { body: input });
  }

  disableAuth(path: string): Promise<ApiResponse> {
    return this.request('DELETE', `sys/auth/${trim(path)}`);
  }

  tuneAuth(path: string, input: JsonObject): Promise<ApiResponse> {
    return this.request('POST', `sys/auth/${trim(path)}/tune`, { body: input });
  }

  auditDevices(): Promise<ApiResponse> {
    return this.request('GET', 'sys/audit');
  }

  enableAudit(path: string, input: JsonObject): Promise<ApiResponse> {
    return this.request('PUT', `sys/audit/${trim(path)}`, { body: input });
  }

  disableAudit(path: string): Promise<ApiResponse> {
    return this.request('DELETE', `sys/audit/${trim(path)}`);
  }

  listPolicies(): Promise<ApiResponse> {
    return this.list('sys/policies/acl');
  }

  readPolicy(name: string): Promise<ApiResponse> {
    return this.request('GET', `sys/policies/acl/${name}`);
  }

  writePolicy(name: string, policy: string): Promise<ApiResponse> {
    return this.request('PUT', `sys/policies/acl/${name}`, { body: { policy } });
  }

  deletePolicy(name: string): Promise<ApiResponse> {
    return this.request('DELETE', `sys/policies/acl/${name}`);
  }

  /** `sys/capabilities-self` (no token given), `sys/capabilities` (token) or `sys/capabilities-accessor`. */
  capabilities(paths: string[], o: { token?: string; accessor?: string } = {}): Promise<ApiResponse> {
    if (o.accessor) return this.request('POST', 'sys/capabilities-accessor', { body: { accessor: o.accessor, paths } });
    if (o.token) return this.request('POST', 'sys/capabilities', { body: { token: o.token, paths } });
    return this.request('POST', 'sys/capabilities-self', { body: { paths } });
  }

  // ---- leases ----------------------------------------------------------------------------

  leaseLookup(leaseId: string): Promise<ApiResponse> {
    return this.request('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } });
  }

  leaseRenew(leaseId: string, increment?: string | number): Promise<ApiResponse> {
    const body: JsonObject = { lease_id: leaseId };
    if (increment !== undefined) body['increment'] = increment;
    return this.request('PUT', 'sys/leases/renew', { body });
  }

  leaseRevoke(leaseId: string, o: { prefix?: boolean; force?: boolean; sync?: boolean } = {}): Promise<ApiResponse> {
    const body: JsonObject = o.sync === undefined ? {} : { sync: o.sync };
    if (o.force) return this.request('PUT', `sys/leases/revoke-force/${leaseId}`, { body });
    if (o.prefix) return this.request('PUT', `sys/leases/revoke-prefix/${leaseId}`, { body });
    return this.request('PUT', 'sys/leases/revoke', { body: { ...body, lease_id: leaseId } });
  }

  // ---- tokens ----------------------------------------------------------------------------

  /** `auth/token/create`, `create-orphan` or `create/<role>`. */
  tokenCreate(params: JsonObject, o: { role?: string; orphan?: boolean } = {}): Promise<ApiResponse> {
    const path = o.role ? `auth/token/create/${o.role}` : o.orphan ? 'auth/token/create-orphan' : 'auth/token/create';
    return this.request('POST', path, { body: params });
  }

  /** Looks up the client token, or `token` given explicitly as the caller's own token (login). */
  tokenLookupSelf(token?: string): Promise<ApiResponse> {
    return this.request('GET', 'auth/token/lookup-self', token === undefined ? {} : { token });
  }

  tokenLookup(token: string): Promise<ApiResponse> {
    return this.request('POST', 'auth/token/lookup', { body: { token } });
  }

  tokenLookupAccessor(accessor: string): Promise<ApiResponse> {
    return this.request('POST', 'auth/token/lookup-accessor', { body: { accessor } });
  }

  /** Renews the client token (no `token`), another token, or one by accessor. */
  tokenRenew(o: { token?: string; accessor?: string; increment?: string | number } = {}): Promise<ApiResponse> {
    const body: JsonObject = o.increment === undefined ? {} : { increment: o.increment };
    if (o.accessor) return this.request('POST', 'auth/token/renew-accessor', { body: { ...body, accessor: o.accessor } });
    if (o.token) return this.request('POST', 'auth/token/renew', { body: { ...body, token: o.token } });
    return this.request('POST', 'auth/token/renew-self', { body });
  }

  /** Revokes the client token (no args), another token (with its children, or `orphan`), or by accessor. */
  tokenRevoke(o: { token?: string; accessor?: string; orphan?: boolean } = {}): Promise<ApiResponse> {
    if (o.accessor) return this.request('POST', 'auth/token/revoke-accessor', { body: { accessor: o.accessor } });
    if (o.token) return this.request('POST', o.orphan ? 'auth/token/revoke-orphan' : 'auth/token/revoke', { body: { token: o.token } });
    return this.request('POST', 'auth/token/revoke-self');
  }

  // ---- response wrapping -----------------------------------------------------------------

  /**
   * Unwraps `token`, or the client token itself when none is given. Like the Go client, a
   * wrapping token goes in the header when the client has no token of its own, else in the body.
   */
  unwrap(token?: string): Promise<ApiResponse> {
    if (!token || token === this.token) return this.request('POST', 'sys/wrapping/unwrap', { wrapTtl: '' });
    if (!this.token) return this.request('POST', 'sys/wrapping/unwrap', { token, wrapTtl: '' });
    return this.request('POST', 'sys/wrapping/unwrap', { body: { token }, wrapTtl: '' });
  }

  /** `sys/wrapping/lookup` (unauthenticated; does not consume the token). */
  wrappingLookup(token: string): Promise<ApiResponse> {
    return this.request('POST', 'sys/wrapping/lookup', { body: { token }, token: '', wrapTtl: '' });
  }

  /** Wraps arbitrary data (`sys/wrapping/wrap`); requires a wrap TTL. */
  wrap(data: JsonObject, ttl: string): Promise<ApiResponse> {
    return this.request('POST', 'sys/wrapping/wrap', { body: data, wrapTtl: ttl });
  }

  /** Logs in at `auth/<mount>/login[/<suffix>]` and returns the envelope (token in `auth`). Sends no client token. */
  login(mount: string, data: JsonObject, suffix?: string): Promise<ApiResponse> {
    const path = `auth/${trim(mount)}/login${suffix ? `/${suffix}` : ''}`;
    return this.request('POST', path, { body: data, token: '' });
  }
}

export type { VaultEnvelope, JsonValue };
