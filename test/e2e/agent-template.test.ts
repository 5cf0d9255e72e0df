/**
 * Agent templates end to end: KV v2 changes show up on the next static_secret_render_interval
 * poll, perms and command, a KV v1 read, and render-once (pre-populate) mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { auditRecords, responsesFor, type AuditRecord } from '../helpers/audit-log.js';
import { api, startTestServer } from '../helpers/server.js';
import { appToken, put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

test('a KV v2 value changed on the server is re-rendered on the next poll; command runs on change', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const dir = tempDir();
  // The server's audit log shows each poll of the agent, so the test counts polls instead of timing them.
  const auditLog = join(dir, 'audit.log');
  assert.equal((await api(server, 'PUT', 'sys/audit/file', { token: server.rootToken, body: { type: 'file', options: { file_path: auditLog } } })).status, 204);
  const agentReads = (): AuditRecord[] => responsesFor(auditRecords(auditLog), 'read', 'secret/data/app/db');
  await api(server, 'PUT', 'secret/data/app/db', { token: server.rootToken, body: { data: { user: 'app', password: 'one' } } });
  put(dir, 'token', await appToken(server));
  const out = join(dir, 'rendered', 'db.env');
  const marker = join(dir, 'reloads');
  put(dir, 'db.tpl', '{{ with secret "secret/app/db" -}}\nDB_USER={{ .Data.data.user }}\nDB_PASSWORD={{ .Data.data.password }}\nVERSION={{ .Data.metadata.version }}\n{{- end }}\n');
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method { type = "token_file" config { token_file_path = "${join(dir, 'token')}" } }
}
template_config { static_secret_render_interval = "1s" }
template {
  source = "${join(dir, 'db.tpl')}"
  destination = "${out}"
  perms = "0600"
  command = "echo reloaded >> ${marker}"
}
`);
  const agent = startAgent(server, cfg);
  t.after(() => agent.stop());
  const first = await waitFor('first render', () => tryRead(out), 10_000, agent);
  assert.equal(first, 'DB_USER=app\nDB_PASSWORD=one\nVERSION=1\n');
  assert.equal(statSync(out).mode & 0o777, 0o600);
  await waitFor('command after first render', () => tryRead(marker)?.includes('reloaded'), 15_000, agent);
  await waitFor('the agent polling the secret', () => agentReads().length >= 2, 10_000, agent);

  await api(server, 'PUT', 'secret/data/app/db', { token: server.rootToken, body: { data: { user: 'app', password: 'two' } } });
  // The deadline is 30 render intervals, far below Vault's default of 5 minutes: an agent that
  // ignored static_secret_render_interval fails here, a loaded machine does not.
  let readsWhenRendered: AuditRecord[] = [];
  const second = await waitFor('the new value', () => {
    const text = tryRead(out);
    if (!text?.includes('DB_PASSWORD=two')) return undefined;
    readsWhenRendered = agentReads();
    return text;
  }, 30_000, agent);
  assert.match(second, /VERSION=2/);
  // Ordering: by the time the file changed, the agent had polled and read version 2
  // (the audit record is written before the response is sent).
  assert.ok(readsWhenRendered.some((r) => r.response?.data?.metadata?.version === 2), 'the re-render followed a poll that read version 2');
  await waitFor('command after the change', () => (tryRead(marker) ?? '').split('\n').filter(Boolean).length === 2, 15_000, agent);
  // Nothing changes: after two more polls of the unchanged secret, no rewrite and no extra command run.
  const rendered = statSync(out).mtimeMs;
  const readsAfterRender = agentReads().length;
  await waitFor('two more polls of the unchanged secret', () => agentReads().length >= readsAfterRender + 2, 10_000, agent);
  assert.equal((tryRead(marker) ?? '').split('\n').filter(Boolean).length, 2);
  assert.equal(statSync(out).mtimeMs, rendered, 'the file was not rewritten');
});

test('render-once: exit_after_auth renders every template, KV v1 and v2, then exits 0', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const m = await api(server, 'POST', 'sys/mounts/kv1', { token: server.rootToken, body: { type: 'kv', options: { version: '1' } } });
  assert.ok(m.status < 300, JSON.stringify(m.body));
  await api(server, 'PUT', 'kv1/cfg', { token: server.rootToken, body: { host: 'db.local', port: '5432' } });
  await api(server, 'PUT', 'secret/data/app', { token: server.rootToken, body: { data: { api_key: 'k-123', cert: Buffer.from('PEM').toString('base64') } } });
  const dir = tempDir();
  put(dir, 'token', await appToken(server));
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.yaml');
  const cfg = put(dir, 'agent.json', JSON.stringify({
    exit_after_auth: true,
    auto_auth: { method: [{ type: 'token_file', config: { token_file_path: join(dir, 'token') } }] },
    template: [
      { contents: '{{ with secret "kv1/cfg" }}{{ .Data | toJSON }}{{ end }}', destination: a },
      {
        contents: '[[ with secret "secret/app" ]][[ .Data.data | toYAML ]]\ncert: [[ .Data.data.cert | base64Decode ]]\nenv: [[ env "APP_ENV" ]][[ end ]]',
        destination: b,
        left_delimiter: '[[',
        right_delimiter: ']]',
      },
    ],
  }));
  const { code, stderr } = await startAgent(server, cfg, [], { APP_ENV: 'prod' }).exited;
  assert.equal(code, 0, stderr);
  assert.equal(tryRead(a), '{"host":"db.local","port":"5432"}');
  assert.equal(tryRead(b), `api_key: k-123\ncert: ${Buffer.from('PEM').toString('base64')}\ncert: PEM\nenv: prod`);
  assert.equal(statSync(a).mode & 0o777, 0o644, 'default perms');
});

test('render-once fails with a clear error when a template reads a missing key with error_on_missing_key', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  await api(server, 'PUT', 'secret/data/app', { token: server.rootToken, body: { data: { a: '1' } } });
  const dir = tempDir();
  put(dir, 'token', await appToken(server));
  const cfg = put(dir, 'agent.hcl', `
exit_after_auth = true
vault { retry { num_retries = 1 } }
auto_auth {
  method "token_file" {
    min_backoff = "100ms"
    config = { token_file_path = "${join(dir, 'token')}" }
  }
}
template {
  contents = "{{ with secret \\"secret/app\\" }}{{ .Data.data.nope }}{{ end }}"
  destination = "${join(dir, 'out')}"
  error_on_missing_key = true
}
`);
  const { code, stderr } = await startAgent(server, cfg).exited;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /map has no entry for key "nope"/);
  assert.match(stderr, /agent\.hcl:10/, 'the template stanza is located');
});
