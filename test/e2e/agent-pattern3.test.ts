/**
 * Secure introduction, pattern 3 (agent auto-auth), with the example's own files:
 * examples/03-agent-auto-auth/agent.hcl and app.env.tpl, unchanged. The operator hands
 * over a role ID and a wrapped secret ID; the "app" only ever reads the rendered file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, startTestServer } from '../helpers/server.js';
import { put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/03-agent-auto-auth/', import.meta.url));

test('pattern 3: the app reads secrets from files the agent renders', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = { token: server.rootToken };
  const enabled = await api(server, 'POST', 'sys/auth/approle', { ...root, body: { type: 'approle' } });
  assert.equal(enabled.status, 204, JSON.stringify(enabled.body));
  const policy = readFileSync(join(EXAMPLE, 'policy.hcl'), 'utf8');
  assert.ok((await api(server, 'PUT', 'sys/policies/acl/app', { ...root, body: { policy } })).status < 300);
  assert.ok((await api(server, 'POST', 'auth/approle/role/app', { ...root, body: { token_policies: 'app', token_ttl: '1h' } })).status < 300);
  await api(server, 'PUT', 'secret/data/app/db', { ...root, body: { data: { username: 'app', password: 'first' } } });
  const work = tempDir();
  copyFileSync(join(EXAMPLE, 'agent.hcl'), join(work, 'agent.hcl'));
  copyFileSync(join(EXAMPLE, 'app.env.tpl'), join(work, 'app.env.tpl'));
  put(work, 'role-id', (await api(server, 'GET', 'auth/approle/role/app/role-id', root)).body.data.role_id);
  const wrapped = await api(server, 'POST', 'auth/approle/role/app/secret-id', { ...root, headers: { 'X-Vault-Wrap-TTL': '5m' } });
  put(work, 'secret-id', wrapped.body.wrap_info.token);

  const agent = startAgent(server, 'agent.hcl', [], {}, work);
  t.after(() => agent.stop());
  const appFile = join(work, 'out', 'app.env');
  const first = await waitFor('the rendered file', () => tryRead(appFile), 10_000, agent);
  assert.equal(first, 'DB_USERNAME=app\nDB_PASSWORD=first\nSECRET_VERSION=1\n');
  assert.equal(existsSync(join(work, 'secret-id')), false, 'the wrapped secret ID was consumed and removed');
  assert.match(tryRead(join(work, 'agent-token')) ?? '', /^hvs\./);

  await api(server, 'PUT', 'secret/data/app/db', { ...root, body: { data: { username: 'app', password: 'second' } } });
  // The example renders every 2 s (Vault's default is 5 minutes); the deadlines only bound a hang.
  await waitFor('the rotated password', () => tryRead(appFile)?.includes('DB_PASSWORD=second'), 30_000, agent);
  await waitFor('the reload hook', () => (tryRead(join(work, 'out', 'reloads.log')) ?? '').trim().split('\n').length === 2, 15_000, agent);
});
