/**
 * The exact 403 bodies a client sees, over a real socket. Vault's request pipeline
 * (CheckToken / handleRequest) collects the ACL verdict in a go-multierror, so a policy
 * or sudo refusal reads "1 error occurred:\n\t* permission denied\n\n"; an unknown token
 * gets the two-item form with "invalid token". Refusals that return the bare
 * ErrPermissionDenied sentinel (no token, a token used outside its bound CIDRs) and
 * anything an auth method's login returns itself stay plain.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const ACL_DENIED = { errors: ['1 error occurred:\n\t* permission denied\n\n'] };
const INVALID_TOKEN = { errors: ['2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'] };
const PLAIN = { errors: ['permission denied'] };

describe('403 texts as Vault words them', () => {
  let s: TestServer;
  let reader = '';
  let mounter = '';
  let sudoMounter = '';

  /** A token holding just `policy` (HCL), created by root. */
  async function tokenWith(name: string, policy: string, extra: Record<string, unknown> = {}): Promise<string> {
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', `sys/policy/${name}`, { ...root, body: { policy } })).status, 204);
    const t = await api(s, 'POST', 'auth/token/create', { ...root, body: { policies: [name], no_default_policy: true, ...extra } });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    return t.body.auth.client_token as string;
  }

  before(async () => {
    s = await startTestServer();
    reader = await tokenWith('reader', 'path "secret/data/ok" { capabilities = ["read"] }');
    mounter = await tokenWith('mounter', 'path "sys/auth/*" { capabilities = ["create", "update"] }');
    sudoMounter = await tokenWith('sudo-mounter', 'path "sys/auth/*" { capabilities = ["create", "update", "sudo"] }');
    assert.equal((await api(s, 'POST', 'secret/data/ok', { token: s.rootToken, body: { data: { v: '1' } } })).status, 200);
  });
  after(() => s.close());

  it('a policy that does not grant the operation: the one-item multierror', async () => {
    assert.equal((await api(s, 'GET', 'secret/data/ok', { token: reader })).status, 200);
    const r = await api(s, 'GET', 'secret/data/other', { token: reader });
    assert.deepEqual([r.status, r.body], [403, ACL_DENIED]);
    const w = await api(s, 'POST', 'secret/data/ok', { token: reader, body: { data: { v: '2' } } });
    assert.deepEqual([w.status, w.body], [403, ACL_DENIED]);
  });

  it('a root-protected path without sudo: the one-item multierror; with sudo it works', async () => {
    const r = await api(s, 'POST', 'sys/auth/nosudo', { token: mounter, body: { type: 'userpass' } });
    assert.deepEqual([r.status, r.body], [403, ACL_DENIED]);
    assert.equal((await api(s, 'POST', 'sys/auth/withsudo', { token: sudoMounter, body: { type: 'userpass' } })).status, 204);
  });

  it('a path no mount serves, asked with a token that is not root: refused by the ACL', async () => {
    const r = await api(s, 'GET', 'nowhere/x', { token: reader });
    assert.deepEqual([r.status, r.body], [403, ACL_DENIED]);
  });

  it('no token on an authenticated path: the plain sentinel', async () => {
    const r = await api(s, 'GET', 'secret/data/ok');
    assert.deepEqual([r.status, r.body], [403, PLAIN]);
  });

  it('an unknown token: permission denied and invalid token', async () => {
    const r = await api(s, 'GET', 'secret/data/ok', { token: 'hvs.not-a-token' });
    assert.deepEqual([r.status, r.body], [403, INVALID_TOKEN]);
  });

  it('a token used from outside its token_bound_cidrs: the plain sentinel', async () => {
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'auth/token/roles/far', { ...root, body: { token_bound_cidrs: ['10.0.0.0/8'], allowed_policies: 'reader' } })).status, 204);
    const t = await api(s, 'POST', 'auth/token/create/far', { ...root, body: { policies: ['reader'], ttl: '1h' } });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const r = await api(s, 'GET', 'secret/data/ok', { token: t.body.auth.client_token });
    assert.deepEqual([r.status, r.body], [403, PLAIN]);
  });

  it('the KV preflight: its text where the mount is missing or out of reach; bare without a token', async () => {
    // Vault sends the preflight text alone; Ward keeps "permission denied" before it (see paths-ui-mounts.ts).
    const text = (path: string) => ({ errors: ['permission denied', `preflight capability check returned 403, please ensure client's policies grant access to path "${path}"`] });
    const unreachable = await api(s, 'GET', 'sys/internal/ui/mounts/cubbyhole/x', { token: reader });
    assert.deepEqual([unreachable.status, unreachable.body], [403, text('cubbyhole/x/')]);
    const missing = await api(s, 'GET', 'sys/internal/ui/mounts/nowhere/x', { token: reader });
    assert.deepEqual([missing.status, missing.body], [403, text('nowhere/x/')]);
    const anon = await api(s, 'GET', 'sys/internal/ui/mounts/secret/x');
    assert.deepEqual([anon.status, anon.body], [403, PLAIN]);
    const bad = await api(s, 'GET', 'sys/internal/ui/mounts/secret/x', { token: 'hvs.not-a-token' });
    assert.deepEqual([bad.status, bad.body], [403, INVALID_TOKEN]);
  });

  it("an auth method's own login refusal is not wrapped", async () => {
    const root = { token: s.rootToken };
    assert.equal((await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } })).status, 204);
    assert.equal((await api(s, 'POST', 'auth/userpass/users/far', { ...root, body: { password: 'pw', token_bound_cidrs: ['10.0.0.0/8'] } })).status, 204);
    const r = await api(s, 'POST', 'auth/userpass/login/far', { body: { password: 'pw' } });
    assert.equal(r.status, 403);
    // Vault's userpass returns the bare logical.ErrPermissionDenied here (its CIDR text went with the old bound_cidrs).
    assert.deepEqual(r.body, { errors: ['permission denied'] });
  });
});
