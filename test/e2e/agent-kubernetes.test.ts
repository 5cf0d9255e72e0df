/**
 * Agent auto-auth with the kubernetes method, end to end: the agent reads a projected
 * service-account token, Ward checks it through TokenReview against the fake API server,
 * and the agent writes the sink and renders a template (pre-populate mode).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startFakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { api, startTestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead } from './agent-harness.js';

test('kubernetes auto-auth: a pod identity logs in, the sink gets its token and the template renders', async (t) => {
  const [server, kube] = await Promise.all([startTestServer(), startFakeKubeApiServer({ namespaces: { prod: {}, dev: {} } })]);
  t.after(() => Promise.all([server.close(), kube.close()]));
  const T = server.rootToken;
  const must = async (p: ReturnType<typeof api>, status: number) => assert.equal((await p).status, status);
  await must(api(server, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 204);
  await must(api(server, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 204);
  await must(api(server, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } }), 204);
  const role = await api(server, 'POST', 'auth/kubernetes/role/app', {
    token: T,
    body: { bound_service_account_names: 'app', bound_service_account_namespaces: 'prod', audience: 'ward', token_policies: 'app', token_ttl: '1h' },
  });
  assert.ok(role.status === 200 || role.status === 204, JSON.stringify(role.body));
  await must(api(server, 'POST', 'secret/data/app/db', { token: T, body: { data: { password: 's3cret' } } }), 200);

  const agentConfig = (dir: string, jwt: string) => {
    const tokenPath = put(dir, 'sa-token', jwt);
    const sink = join(dir, 'ward-token');
    const out = join(dir, 'db.env');
    const cfg = put(dir, 'agent.hcl', `
exit_after_auth = true
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    exit_on_err = true
    config = { role = "app" token_path = "${tokenPath}" }
  }
  sink "file" {
    config = { path = "${sink}" }
  }
}
template {
  contents    = "DB_PASSWORD={{ with secret \\"secret/data/app/db\\" }}{{ .Data.data.password }}{{ end }}"
  destination = "${out}"
}
`);
    return { cfg, sink, out };
  };

  await t.test('a token for the bound service account logs in and renders', async () => {
    const dir = tempDir();
    const { cfg, sink, out } = agentConfig(dir, await kube.issueToken({ namespace: 'prod', name: 'app', audiences: ['ward'] }));
    const { code, stderr } = await startAgent(server, cfg).exited;
    assert.equal(code, 0, stderr);
    assert.equal(tryRead(out), 'DB_PASSWORD=s3cret');
    const token = tryRead(sink) ?? '';
    const self = await api(server, 'GET', 'auth/token/lookup-self', { token });
    assert.equal(self.status, 200);
    assert.ok(self.body.data.policies.includes('app'));
    assert.equal(self.body.data.meta.service_account_name, 'app');
    assert.equal(self.body.data.path, 'auth/kubernetes/login');
  });

  await t.test('a token from another namespace is refused and nothing is written', async () => {
    const dir = tempDir();
    const { cfg, sink, out } = agentConfig(dir, await kube.issueToken({ namespace: 'dev', name: 'app', audiences: ['ward'] }));
    const { code } = await startAgent(server, cfg).exited;
    assert.notEqual(code, 0);
    assert.equal(tryRead(sink), undefined);
    assert.equal(tryRead(out), undefined);
  });
});
