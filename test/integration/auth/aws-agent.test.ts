/**
 * The agent's `aws` auto-auth method (iam type), as a Vault Agent config writes it, logs in
 * against a real Ward server verified through the local STS mock (test/fakes/aws-sts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WardClient } from '../../../src/api/index.js';
import { createMethod } from '../../../src/agent/auto-auth/index.js';
import { parseAgentConfig } from '../../../src/agent/config.js';
import { startFakeSts } from '../../fakes/aws-sts/index.js';
import { api, startTestServer } from '../../helpers/server.js';

const APP = { accessKeyId: 'AKIAAGENTEXAMPLE', secretAccessKey: 'agent-secret', arn: 'arn:aws:sts::123456789012:assumed-role/app/i-9', userId: 'AROAAGENT:i-9', account: '123456789012' };

test('agent auto_auth method "aws" logs in with static keys and header_value; config errors name the field', async (t) => {
  const [s, sts] = await Promise.all([startTestServer(), startFakeSts({ identities: [APP] })]);
  t.after(async () => {
    await Promise.all([s.close(), sts.close()]);
  });
  const root = { token: s.rootToken };
  assert.equal((await api(s, 'POST', 'sys/auth/aws', { ...root, body: { type: 'aws' } })).status, 204);
  assert.equal((await api(s, 'POST', 'auth/aws/config/client', { ...root, body: { sts_endpoint: sts.url, iam_server_id_header_value: 'ward.example' } })).status, 204);
  assert.equal((await api(s, 'POST', 'auth/aws/role/app', { ...root, body: { bound_iam_principal_arn: 'arn:aws:iam::123456789012:role/app', token_ttl: 300 } })).status, 204);

  const hcl = `auto_auth {
  method "aws" {
    mount_path = "auth/aws"
    config = {
      type = "iam"
      role = "app"
      header_value = "ward.example"
      access_key = "${APP.accessKeyId}"
      secret_key = "${APP.secretAccessKey}"
    }
  }
  sink "file" { config = { path = "/tmp/unused" } }
}
`;
  const cfg = parseAgentConfig(hcl, 'agent.hcl');
  const method = createMethod(cfg.autoAuth!.method);
  const r = await method.authenticate(new WardClient({ address: s.url }));
  assert.equal(r.leaseDuration, 300);
  assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: r.token })).body.data.meta.account_id, '123456789012');

  assert.throws(() => parseAgentConfig(hcl.replace('type = "iam"', 'type = "gce"'), 'agent.hcl'), /type "gce" is invalid/);
  assert.throws(() => parseAgentConfig(hcl.replace('role = "app"', 'bogus = "x"'), 'agent.hcl'), /bogus/);
  // Vault Agent's credential_poll_interval (seconds) is accepted: Ward reads the credentials at each login.
  assert.equal(parseAgentConfig(hcl.replace('role = "app"', 'role = "app"\n      credential_poll_interval = 30'), 'agent.hcl').autoAuth?.method.params.type, 'aws');
  assert.throws(() => parseAgentConfig(hcl.replace('role = "app"', 'role = "app"\n      credential_poll_interval = "soon"'), 'agent.hcl'), /credential_poll_interval/);
});
