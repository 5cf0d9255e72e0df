/**
 * Renewal without an increment keeps a short TTL short (issue 14, finding 11). Vault's
 * rule (framework.CalculateTTL, called by the expiration manager for tokens and leases):
 * the client's increment when given; else the TTL the backend answers on renewal (for a
 * token of auth/token, the TTL it was last granted; for a login, the role's token_ttl;
 * for a lease, what the secret engine answers or the lease's own TTL); else the mount
 * default; always capped by the max TTLs. Ward used to stretch `ttl=1h` to 768h.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { run } from '../../../src/cli/main.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { startLeaseServer } from '../../helpers/lease-engine.js';
import { api, type TestServer } from '../../helpers/server.js';

type Body = { auth?: { lease_duration: number; client_token: string; accessor: string }; lease_duration?: number; warnings: string[] | null };

describe('renewal keeps the TTL the token or lease was given', () => {
  let s: TestServer;
  let k: FakeKubeApiServer;
  let root = '';
  const call = async (method: string, path: string, body?: unknown, token = root): Promise<{ status: number; body: Body }> =>
    api(s, method, path, { token, ...(body === undefined ? {} : { body }) });
  const ok = async (method: string, path: string, body: unknown, token = root): Promise<Body> => {
    const r = await call(method, path, body, token);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** A renewal's granted TTL, with no warning (nothing was capped). */
  const granted = (b: Body): number => {
    assert.equal(b.warnings, null, `unexpected warnings ${JSON.stringify(b.warnings)}`);
    return b.auth?.lease_duration ?? (b.lease_duration as number);
  };

  before(async () => {
    [s, k] = await Promise.all([startLeaseServer(), startFakeKubeApiServer({ namespaces: { prod: {} } })]);
    root = s.rootToken;
    for (const type of ['approle', 'userpass', 'kubernetes']) {
      assert.equal((await call('POST', `sys/auth/${type}`, { type })).status, 204, type);
    }
  });
  after(async () => {
    await Promise.all([s.close(), k.close()]);
  });

  it('auth/token: renew-self, renew and renew-accessor without an increment give back ttl=1h', async () => {
    const t = (await ok('POST', 'auth/token/create', { ttl: '1h', policies: ['default'] })).auth!;
    assert.equal(t.lease_duration, 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', undefined, t.client_token)), 3600, 'no body at all');
    assert.equal(granted(await ok('POST', 'auth/token/renew', { token: t.client_token })), 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-accessor', { accessor: t.accessor })), 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', { increment: 0 }, t.client_token)), 3600, 'increment 0 means none');
    const lookup = await call('GET', 'auth/token/lookup-self', undefined, t.client_token);
    assert.ok(lookup.body && (lookup.body as unknown as { data: { ttl: number } }).data.ttl <= 3600);
  });

  it('ward token renew without -increment keeps ttl=1h', async () => {
    const t = (await ok('POST', 'auth/token/create', { ttl: '1h', policies: ['default'] })).auth!;
    let out = '';
    let err = '';
    const code = await run(['token', 'renew', '-format=json'], {
      stdout: { write: (x: string) => (out += x) },
      stderr: { write: (x: string) => (err += x) },
      stdin: Readable.from([]),
      env: { VAULT_ADDR: s.url, VAULT_TOKEN: t.client_token, HOME: tmpdir() },
    });
    assert.equal(code, 0, err);
    const body = JSON.parse(out) as Body;
    assert.equal(body.auth?.lease_duration, 3600);
    assert.equal(body.warnings, null);
  });

  it('auth/token: an increment is honoured, and the next plain renewal repeats the TTL last granted', async () => {
    const t = (await ok('POST', 'auth/token/create', { ttl: '1h', policies: ['default'] })).auth!;
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', { increment: '10m' }, t.client_token)), 600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', { increment: '2h' }, t.client_token)), 7200);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 7200);
  });

  it('auth/token: a role token renews to the TTL it was created with', async () => {
    assert.equal((await call('POST', 'auth/token/roles/short', { token_ttl: '30m', allowed_policies: 'default' })).status, 204);
    const t = (await ok('POST', 'auth/token/create/short', {})).auth!;
    assert.equal(t.lease_duration, 1800);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 1800);
  });

  it('auth/token: explicit_max_ttl still caps a plain renewal', async () => {
    const t = (await ok('POST', 'auth/token/create', { ttl: '1h', explicit_max_ttl: '30m', policies: ['default'] })).auth!;
    assert.equal(t.lease_duration, 1800);
    const r = await ok('POST', 'auth/token/renew-self', {}, t.client_token);
    assert.ok(r.auth!.lease_duration <= 1800 && r.auth!.lease_duration > 1790, String(r.auth!.lease_duration));
  });

  it('AppRole login: a plain renewal gives the role token_ttl; an increment wins over it', async () => {
    assert.equal((await call('POST', 'auth/approle/role/app', { token_ttl: '1h', token_max_ttl: '4h' })).status, 204);
    const roleId = ((await ok('GET', 'auth/approle/role/app/role-id', undefined)) as unknown as { data: { role_id: string } }).data.role_id;
    const secretId = ((await ok('POST', 'auth/approle/role/app/secret-id', {})) as unknown as { data: { secret_id: string } }).data.secret_id;
    const t = (await ok('POST', 'auth/approle/login', { role_id: roleId, secret_id: secretId }, '')).auth!;
    assert.equal(t.lease_duration, 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', { increment: '10m' }, t.client_token)), 600);
    assert.equal(granted(await ok('POST', 'auth/token/renew', { token: t.client_token })), 3600);
  });

  it('userpass login: a plain renewal gives the user token_ttl', async () => {
    assert.equal((await call('POST', 'auth/userpass/users/ann', { password: 'pw-ann-123', token_ttl: '1h' })).status, 204);
    const t = (await ok('POST', 'auth/userpass/login/ann', { password: 'pw-ann-123' }, '')).auth!;
    assert.equal(t.lease_duration, 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', { increment: 120 }, t.client_token)), 120);
  });

  it('kubernetes login: a plain renewal gives the role token_ttl; an increment wins over it', async () => {
    const cfg = await call('POST', 'auth/kubernetes/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerToken });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    const role = await call('POST', 'auth/kubernetes/role/app', { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', audience: 'vault', token_ttl: '1h' });
    assert.ok(role.status === 200 || role.status === 204, JSON.stringify(role.body));
    const jwt = await k.issueToken({ namespace: 'prod', name: 'app', uid: 'uid-app', audiences: ['vault'] });
    const t = (await ok('POST', 'auth/kubernetes/login', { role: 'app', jwt }, '')).auth!;
    assert.equal(t.lease_duration, 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', {}, t.client_token)), 3600);
    assert.equal(granted(await ok('POST', 'auth/token/renew-self', { increment: '30m' }, t.client_token)), 1800);
  });

  it('sys/leases/renew and sys/renew without an increment keep a lease at its own TTL', async () => {
    const lease = (await ok('GET', 'dyn/creds/app', undefined)) as unknown as { lease_id: string; lease_duration: number };
    assert.equal(lease.lease_duration, 60);
    assert.equal(granted(await ok('PUT', 'sys/leases/renew', { lease_id: lease.lease_id })), 60);
    assert.equal(granted(await ok('PUT', `sys/leases/renew/${lease.lease_id}`, {})), 60);
    assert.equal(granted(await ok('PUT', `sys/renew/${lease.lease_id}`, {})), 60);
    assert.equal(granted(await ok('PUT', 'sys/leases/renew', { lease_id: lease.lease_id, increment: 30 })), 30);
    assert.equal(granted(await ok('PUT', 'sys/leases/renew', { lease_id: lease.lease_id })), 30, 'the TTL last granted');
  });
});
