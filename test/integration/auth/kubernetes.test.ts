/**
 * Kubernetes auth end to end: a real Ward server, the fake API server over HTTPS with its
 * own CA, and tokens it issued. No real cluster can run here; see test/fakes/kube-apiserver.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { generateServerPki } from '../../fakes/kube-apiserver/tls.js';
import { freePort } from '../../helpers/net.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('auth/kubernetes', () => {
  let s: TestServer;
  let k: FakeKubeApiServer;
  /** Every JWT handed to Ward in this suite; none may appear in any response body. */
  const sent: string[] = [];
  before(async () => {
    [s, k] = await Promise.all([startTestServer(), startFakeKubeApiServer({ namespaces: { prod: { env: 'production' } } })]);
    const root = s.rootToken;
    assert.equal((await api(s, 'POST', 'sys/auth/kubernetes', { token: root, body: { type: 'kubernetes' } })).status, 204);
    const policy = 'path "secret/data/app/*" { capabilities = ["read"] }';
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/app', { token: root, body: { policy } })).status, 204);
    await configure({});
    const role = await api(s, 'POST', 'auth/kubernetes/role/app', {
      token: root,
      body: { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', audience: 'vault', token_policies: 'app', token_ttl: '1h' },
    });
    assert.ok(role.status === 200 || role.status === 204, JSON.stringify(role.body));
  });
  after(async () => {
    await Promise.all([s.close(), k.close()]);
  });

  const configure = async (over: Record<string, unknown>) => {
    const body = { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerToken, ...over };
    const r = await api(s, 'POST', 'auth/kubernetes/config', { token: s.rootToken, body });
    assert.equal(r.status, 204, JSON.stringify(r.body));
  };
  const login = async (jwt: string, role = 'app') => {
    sent.push(jwt);
    const r = await api(s, 'POST', 'auth/kubernetes/login', { body: { role, jwt } });
    const text = JSON.stringify(r.body);
    for (const t of sent) assert.ok(!text.includes(t), 'a JWT leaked into a response body');
    return r;
  };
  const issue = (over: Partial<Parameters<FakeKubeApiServer['issueToken']>[0]> = {}) =>
    k.issueToken({ namespace: 'prod', name: 'app', uid: 'uid-app', audiences: ['vault'], ...over });

  it('logs in with an issued service-account token', async () => {
    const r = await login(await issue());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const auth = r.body.auth;
    assert.match(auth.client_token, /^hvs\./);
    assert.deepEqual(auth.metadata, {
      role: 'app', service_account_name: 'app', service_account_namespace: 'prod', service_account_secret_name: '', service_account_uid: 'uid-app',
    });
    assert.ok(auth.policies.includes('app') && auth.policies.includes('default'));
    assert.equal(auth.lease_duration, 3600);
    assert.equal(auth.renewable, true);
    const self = await api(s, 'GET', 'auth/token/lookup-self', { token: auth.client_token });
    assert.equal(self.body.data.display_name, 'kubernetes-prod-app');
    assert.equal(self.body.data.path, 'auth/kubernetes/login');
    const cfg = await api(s, 'GET', 'auth/kubernetes/config', { token: s.rootToken });
    assert.equal(cfg.body.data.token_reviewer_jwt_set, true);
    assert.ok(!JSON.stringify(cfg.body).includes(k.reviewerToken));
  });

  it('refuses service accounts outside the role bounds with the reference texts', async () => {
    const wrongNs = await login(await issue({ namespace: 'dev', name: 'app', uid: 'uid-dev' }));
    assert.deepEqual([wrongNs.status, wrongNs.body.errors], [403, ['namespace not authorized']]);
    const wrongName = await login(await issue({ name: 'other', uid: 'uid-other' }));
    assert.deepEqual([wrongName.status, wrongName.body.errors], [403, ['service account name not authorized']]);
  });

  it('refuses wrong-audience, expired, forged and deleted-account tokens with 403', async () => {
    const wrongAud = await login(await issue({ audiences: ['elsewhere'] }));
    assert.equal(wrongAud.status, 403);
    assert.match(wrongAud.body.errors.join(' '), /invalid audience/);
    const expired = await login(await issue({ expiresIn: -3600 }));
    assert.equal(expired.status, 403);
    assert.match(expired.body.errors.join(' '), /expired/);
    const justExpired = await login(await issue({ expiresIn: -5 }));
    assert.equal(justExpired.status, 403, 'inside the local leeway, TokenReview still refuses it');
    assert.match(justExpired.body.errors.join(' '), /service account token has expired/);
    const forged = await login(await k.forgeToken({ namespace: 'prod', name: 'app', uid: 'uid-app', audiences: ['vault'] }));
    assert.equal(forged.status, 403);
    assert.match(forged.body.errors.join(' '), /permission denied/);
    const doomed = await issue({ name: 'app', uid: 'uid-app' });
    k.deleteServiceAccount('prod', 'app');
    const deleted = await login(doomed);
    assert.equal(deleted.status, 403);
    assert.match(deleted.body.errors.join(' '), /invalidated/);
    await issue(); // recreate the service account for later tests
  });

  it('answers 400 for an unknown role and 400 for missing fields', async () => {
    const r = await login(await issue(), 'x');
    assert.deepEqual([r.status, r.body.errors], [400, ['invalid role name "x"']]);
    const missing = await api(s, 'POST', 'auth/kubernetes/login', { body: { role: 'app' } });
    assert.deepEqual([missing.status, missing.body.errors], [400, ['missing jwt']]);
  });

  it('reports an unreachable API server and a wrong CA clearly', async () => {
    const port = await freePort();
    try {
      await configure({ kubernetes_host: `https://127.0.0.1:${port}` });
      const down = await login(await issue());
      assert.equal(down.status, 502);
      assert.match(down.body.errors[0], /could not reach the Kubernetes API server at https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
      await configure({ kubernetes_ca_cert: (await generateServerPki('other')).caPem });
      const tls = await login(await issue());
      assert.equal(tls.status, 502);
      assert.match(tls.body.errors[0], /TLS verification of the Kubernetes API server .* failed .*kubernetes_ca_cert/);
      await configure({ token_reviewer_jwt: await k.issueToken({ namespace: 'prod', name: 'nobody' }) });
      const forbidden = await login(await issue());
      assert.equal(forbidden.status, 403);
      assert.match(forbidden.body.errors.join(' '), /cannot create resource "tokenreviews"/);
    } finally {
      await configure({});
    }
  });

  it('renews the login token until the role is deleted', async () => {
    const token = (await login(await issue())).body.auth.client_token as string;
    const renewed = await api(s, 'POST', 'auth/token/renew-self', { token, body: { increment: '30m' } });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.ok(renewed.body.auth.lease_duration > 0);
    assert.equal((await api(s, 'DELETE', 'auth/kubernetes/role/app', { token: s.rootToken })).status, 204);
    const refused = await api(s, 'POST', 'auth/token/renew-self', { token, body: {} });
    assert.equal(refused.status, 400);
    assert.match(refused.body.errors.join(' '), /role "app" does not exist during renewal/);
    const list = await api(s, 'LIST', 'auth/kubernetes/role', { token: s.rootToken });
    assert.equal(list.status, 404, 'an empty role list is a 404');
  });
});
