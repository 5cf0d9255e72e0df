/** The audit log shows what identity added to a request's token, as Vault's does. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { auditRecords } from '../../helpers/audit-log.js';
import { api, startTestServer } from '../../helpers/server.js';

test('audit: a request by a token with an entity records identity_policies and the joined policies', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-identity-audit-'));
  const s = await startTestServer();
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const root = { token: s.rootToken };
  const log = join(dir, 'audit.log');
  assert.equal((await api(s, 'POST', 'sys/audit/file', { ...root, body: { type: 'file', options: { file_path: log } } })).status, 204);
  await api(s, 'POST', 'sys/auth/userpass', { ...root, body: { type: 'userpass' } });
  await api(s, 'POST', 'sys/policy/team', { ...root, body: { policy: 'path "secret/data/team/*" { capabilities = ["read"] }' } });
  await api(s, 'POST', 'secret/data/team/x', { ...root, body: { data: { v: '1' } } });
  await api(s, 'POST', 'auth/userpass/users/fay', { ...root, body: { password: 'pw-fay-1' } });
  const login = (await api(s, 'POST', 'auth/userpass/login/fay', { body: { password: 'pw-fay-1' } })).body.auth;
  await api(s, 'POST', 'identity/group', { ...root, body: { name: 'team', policies: ['team'], member_entity_ids: [login.entity_id] } });
  assert.equal((await api(s, 'GET', 'secret/data/team/x', { token: login.client_token })).status, 200);

  const req = auditRecords(log).find((r) => r.type === 'request' && r.request?.path === 'secret/data/team/x' && r.auth?.entity_id === login.entity_id);
  assert.ok(req, 'the read was audited');
  assert.deepEqual([req.auth.token_policies, req.auth.identity_policies, req.auth.policies], [['default'], ['team'], ['default', 'team']]);
  assert.deepEqual(req.auth.policy_results.granting_policies, [{ name: 'team' }]);
  // A token without an entity records no identity_policies.
  const rootReq = auditRecords(log).find((r) => r.type === 'request' && r.request?.path === 'identity/group');
  assert.equal(rootReq?.auth.identity_policies, undefined);
});
