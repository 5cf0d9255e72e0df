/**
 * gcp auth (iam type) end to end: a real Ward server and the local Google public-key
 * server (no Google endpoint is reachable here; see test/fakes/gcp-certs). JWTs are signed
 * as iamcredentials signJwt signs them (by the service account's key) and as the metadata
 * server's identity tokens (by the Google-wide key).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeGcpCerts, type FakeGcpCerts, type ServiceAccountKey } from '../../fakes/gcp-certs/index.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

const APP_SA = 'app@my-project.iam.gserviceaccount.com';
const OTHER_SA = 'other@other-project.iam.gserviceaccount.com';

describe('auth/gcp (iam)', () => {
  let s: TestServer;
  let g: FakeGcpCerts;
  let app: ServiceAccountKey;
  let other: ServiceAccountKey;
  let accessor = '';
  const root = () => ({ token: s.rootToken });
  before(async () => {
    [s, g] = await Promise.all([startTestServer(), startFakeGcpCerts()]);
    app = await g.addServiceAccount(APP_SA, '111111111111111111111');
    other = await g.addServiceAccount(OTHER_SA);
    assert.equal((await api(s, 'POST', 'sys/auth/gcp', { ...root(), body: { type: 'gcp' } })).status, 204);
    accessor = (await api(s, 'GET', 'sys/auth', root())).body.data['gcp/'].accessor;
    assert.equal((await api(s, 'POST', 'auth/gcp/role/any-sa', { ...root(), body: { type: 'iam', bound_service_accounts: '*' } })).status, 204);
    const cfg = await api(s, 'POST', 'auth/gcp/config', { ...root(), body: { custom_endpoint: { api: g.url } } });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    const role = await api(s, 'POST', 'auth/gcp/role/app', { ...root(), body: { type: 'iam', bound_service_accounts: APP_SA, bound_projects: 'my-project', token_policies: 'app', max_jwt_exp: '15m' } });
    assert.equal(role.status, 204, JSON.stringify(role.body));
  });
  after(async () => {
    await Promise.all([s.close(), g.close()]);
  });

  const nowS = () => Math.floor(Date.now() / 1000);
  const login = (jwt: string, role = 'app') => api(s, 'POST', 'auth/gcp/login', { body: { role, jwt } });

  it('validates roles and config as Vault does', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['role/r', { bound_service_accounts: APP_SA }, /^role type must be provided$/],
      ['role/r', { type: 'iam' }, /^IAM role type must have at least one service account$/],
      ['role/r', { type: 'iam', bound_service_accounts: '*,x' }, /wildcard/],
      ['role/r', { type: 'iam', bound_service_accounts: '*', max_jwt_exp: '2h' }, /^max_jwt_exp cannot be more than 60 minutes$/],
      ['role/r', { type: 'gce', bound_service_accounts: '*' }, /"gce" is not supported/],
      ['config', { credentials: '{"x":1}' }, /client_email and private_key are required/],
      ['config', { custom_endpoint: { api: 'ftp://x' } }, /scheme must be https or http/],
    ];
    for (const [path, body, want] of cases) {
      const r = await api(s, 'POST', `auth/gcp/${path}`, { ...root(), body });
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.match(r.body.errors[0], want);
    }
    const read = (await api(s, 'GET', 'auth/gcp/role/app', root())).body.data;
    assert.deepEqual([read.type, read.bound_service_accounts, read.bound_projects, read.max_jwt_exp], ['iam', [APP_SA], ['my-project'], 900]);
    assert.deepEqual((await api(s, 'LIST', 'auth/gcp/roles', root())).body.data.keys, ['any-sa', 'app']);
  });

  it('logs in with a signJwt JWT and with a Google identity token, creating one entity per account', async () => {
    const r = await login(await app.sign({ sub: APP_SA, aud: 'vault/app', exp: nowS() + 600 }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.auth.policies.includes('app'));
    assert.deepEqual(r.body.auth.metadata, { project_id: 'my-project', role: 'app', service_account_id: '', service_account_email: APP_SA });
    const byEmail = await api(s, 'POST', 'identity/lookup/entity', { ...root(), body: { alias_name: APP_SA, alias_mount_accessor: accessor } });
    assert.equal(byEmail.body.data.id, r.body.auth.entity_id);
    const idToken = await g.signGoogle({ sub: '111111111111111111111', email: APP_SA, aud: 'https://vault.example/vault/app', exp: nowS() + 600 });
    const viaGoogle = await login(idToken);
    assert.equal(viaGoogle.status, 200, JSON.stringify(viaGoogle.body));
    assert.equal(viaGoogle.body.auth.metadata.service_account_id, '111111111111111111111');
    assert.equal(viaGoogle.body.auth.entity_id, r.body.auth.entity_id, 'both kinds of JWT reach the same entity');
    const bare = await login(await g.signGoogle({ sub: '222', aud: 'vault/any-sa', exp: nowS() + 600 }), 'any-sa');
    assert.equal(bare.status, 200, JSON.stringify(bare.body));
    const byId = await api(s, 'POST', 'identity/lookup/entity', { ...root(), body: { alias_name: '222', alias_mount_accessor: accessor } });
    assert.equal(byId.body.data.id, bare.body.auth.entity_id, 'without an email the numeric ID names the alias');
    assert.ok(g.requests.includes(`/service_accounts/v1/metadata/x509/${APP_SA}`) && g.requests.includes('/oauth2/v3/certs'));
  });

  it("refuses a wrong audience, an expired or too long-lived JWT, a forged signature, an unbound account, with Vault's texts", async () => {
    const cases: [Promise<{ status: number; body: any }>, string | RegExp][] = [
      [login(await app.sign({ sub: APP_SA, aud: 'vault/other', exp: nowS() + 600 })), `at least one of the JWT claim 'aud' must end in "vault/app"`],
      [login(await app.sign({ sub: APP_SA, aud: 'vault/app', exp: nowS() - 300 })), "JWT is expired or does not have proper 'exp' claim"],
      [login(await app.sign({ sub: APP_SA, aud: 'vault/app', exp: nowS() + 1800 })), 'role requires that service account JWTs expire within 900 seconds'],
      [login(await other.sign({ sub: APP_SA, aud: 'vault/app', exp: nowS() + 600 }, { kid: app.kid })), 'square/go-jose: error in cryptographic primitive'],
      [login(await other.sign({ sub: OTHER_SA, aud: 'vault/app', exp: nowS() + 600 })), 'service account "other@other-project.iam.gserviceaccount.com" not in bound projects [my-project]'],
      [login(await app.sign({ sub: 'ghost@my-project.iam.gserviceaccount.com', aud: 'vault/app', exp: nowS() + 600 })), /^unable to get public key for signed JWT: unable to get public key "[0-9a-f]+" for JWT subject "ghost@my-project.iam.gserviceaccount.com": service account keys answered 404$/],
      [login('not-a-jwt'), /^unable to parse signed JWT: /],
      [login('x', 'nope'), 'role "nope" not found'],
      [api(s, 'POST', 'auth/gcp/login', { body: { role: 'app' } }), 'jwt argument is required'],
    ];
    for (const [p, want] of cases) {
      const r = await p;
      assert.equal(r.status, 400, JSON.stringify(r.body));
      if (typeof want === 'string') assert.deepEqual(r.body.errors, [want]);
      else assert.match(r.body.errors[0], want);
    }
    const role = await api(s, 'POST', 'auth/gcp/role/any', { ...root(), body: { type: 'iam', bound_service_accounts: OTHER_SA.replace('other@', 'x@') } });
    assert.equal(role.status, 204);
    const unbound = await login(await other.sign({ sub: OTHER_SA, aud: 'vault/any', exp: nowS() + 600 }), 'any');
    assert.deepEqual(unbound.body.errors, [`service account ${OTHER_SA} (id: ) is not authorized for role`]);
  });

  it('renews while the role still binds the account, and refuses once it does not', async () => {
    const r = await login(await app.sign({ sub: APP_SA, aud: 'vault/app', exp: nowS() + 600 }));
    const token = r.body.auth.client_token as string;
    assert.equal((await api(s, 'POST', 'auth/token/renew-self', { token, body: {} })).status, 200);
    assert.equal((await api(s, 'POST', 'auth/gcp/role/app', { ...root(), body: { bound_service_accounts: 'someone@my-project.iam.gserviceaccount.com' } })).status, 204);
    const refused = await api(s, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.errors, ['service account is no longer authorized for role app']);
    assert.equal((await api(s, 'POST', 'auth/gcp/role/app', { ...root(), body: { bound_service_accounts: APP_SA } })).status, 204);
  });
});
