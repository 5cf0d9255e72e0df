/**
 * Kubernetes logins through identity, against the fake API server's TokenReview: the
 * alias is the service account's uid (or namespace/name with alias_name_source), its
 * metadata names the account, and one templated policy gives each namespace only its own
 * `secret/data/<namespace>/*`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { api, startTestServer } from '../../helpers/server.js';

test('kubernetes login: entity per service account; a templated policy confines each namespace to its own secrets', async (t) => {
  const [s, k] = await Promise.all([startTestServer(), startFakeKubeApiServer({ namespaces: { 'team-a': {}, 'team-b': {} } })]);
  t.after(() => Promise.all([s.close(), k.close()]));
  const root = { token: s.rootToken };
  assert.equal((await api(s, 'POST', 'sys/auth/kubernetes', { ...root, body: { type: 'kubernetes' } })).status, 204);
  const acc = (await api(s, 'GET', 'sys/auth', root)).body.data['kubernetes/'].accessor as string;
  const cfg = await api(s, 'POST', 'auth/kubernetes/config', { ...root, body: { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerToken } });
  assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
  const policy = [
    `path "secret/data/{{identity.entity.aliases.${acc}.metadata.service_account_namespace}}/*" { capabilities = ["read", "create", "update"] }`,
    // Unresolvable for every token: grants nothing, and the rest of the policy still applies.
    'path "secret/data/{{identity.entity.metadata.nope}}/*" { capabilities = ["read"] }',
    'path "secret/data/shared/*" { capabilities = ["read"] }',
  ].join('\n');
  assert.equal((await api(s, 'POST', 'sys/policy/tenant', { ...root, body: { policy } })).status, 204);
  const role = await api(s, 'POST', 'auth/kubernetes/role/tenant', {
    ...root,
    body: { bound_service_account_names: '*', bound_service_account_namespaces: '*', audience: 'vault', token_policies: 'tenant' },
  });
  assert.ok(role.status === 200 || role.status === 204, JSON.stringify(role.body));
  for (const p of ['team-a/db', 'team-b/db', 'shared/ca']) {
    assert.equal((await api(s, 'POST', `secret/data/${p}`, { ...root, body: { data: { v: p } } })).status, 200);
  }

  const login = async (namespace: string, name: string, uid: string, r = 'tenant') => {
    const jwt = await k.issueToken({ namespace, name, uid, audiences: ['vault'] });
    const res = await api(s, 'POST', 'auth/kubernetes/login', { body: { role: r, jwt } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.auth as { client_token: string; entity_id: string };
  };
  const a = await login('team-a', 'app', 'uid-a');
  const b = await login('team-b', 'app', 'uid-b');
  assert.notEqual(a.entity_id, b.entity_id);
  const read = async (token: string, p: string) => (await api(s, 'GET', `secret/data/${p}`, { token })).status;
  assert.deepEqual([await read(a.client_token, 'team-a/db'), await read(a.client_token, 'team-b/db')], [200, 403]);
  assert.deepEqual([await read(b.client_token, 'team-b/db'), await read(b.client_token, 'team-a/db')], [200, 403]);
  assert.deepEqual([await read(a.client_token, 'shared/ca'), await read(b.client_token, 'shared/ca')], [200, 200]);
  assert.equal((await api(s, 'POST', 'secret/data/team-a/new', { token: a.client_token, body: { data: { x: '1' } } })).status, 200);
  assert.equal((await api(s, 'POST', 'secret/data/team-b/new', { token: a.client_token, body: { data: { x: '1' } } })).status, 403);

  const entity = (await api(s, 'GET', `identity/entity/id/${a.entity_id}`, root)).body.data;
  assert.equal(entity.aliases.length, 1);
  assert.equal(entity.aliases[0].name, 'uid-a', 'the alias is the service account uid by default');
  assert.deepEqual(entity.aliases[0].metadata, { service_account_name: 'app', service_account_namespace: 'team-a', service_account_secret_name: '', service_account_uid: 'uid-a' });
  assert.equal((await login('team-a', 'app', 'uid-a')).entity_id, a.entity_id, 'the same account finds its entity again');

  // alias_name_source=serviceaccount_name: the alias is namespace/name.
  const named = await api(s, 'POST', 'auth/kubernetes/role/by-name', {
    ...root,
    body: { bound_service_account_names: 'web', bound_service_account_namespaces: 'team-b', audience: 'vault', token_policies: 'tenant', alias_name_source: 'serviceaccount_name' },
  });
  assert.ok(named.status === 200 || named.status === 204, JSON.stringify(named.body));
  const w = await login('team-b', 'web', 'uid-web', 'by-name');
  const found = await api(s, 'POST', 'identity/lookup/entity', { ...root, body: { alias_name: 'team-b/web', alias_mount_accessor: acc } });
  assert.equal(found.body.data.id, w.entity_id);
  assert.equal(await read(w.client_token, 'team-b/db'), 200);
});
