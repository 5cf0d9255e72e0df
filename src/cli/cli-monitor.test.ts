import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeServer } from '../api/fake-server.js';
import { runCli } from './testing.js';

const LINES = '2026-01-02T03:04:05.000Z [INFO]  core: vault is sealed\n2026-01-02T03:04:06.000Z [DEBUG] core: detail\n';

test('monitor prints the streamed log lines as they come, with the level and format asked for', async (t) => {
  const fake = await startFakeServer((r) => (r.path === 'sys/monitor' ? { status: 200, raw: LINES, headers: { 'Content-Type': 'text/plain; charset=utf-8' } } : undefined));
  t.after(() => fake.close());
  const r = await runCli(['monitor', '-log-level=debug', '-log-format=json'], { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.t' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, LINES);
  const q = fake.requests.at(-1)!.query;
  assert.equal(q.get('log_level'), 'debug');
  assert.equal(q.get('log_format'), 'json');
  const d = await runCli(['monitor'], { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.t' });
  assert.equal(d.code, 0);
  assert.equal(fake.requests.at(-1)!.query.get('log_level'), 'info');
  assert.equal(fake.requests.at(-1)!.query.get('log_format'), 'standard');
});

test('monitor reports a refusal in vault\'s error block and takes no arguments', async (t) => {
  const fake = await startFakeServer((r) => (r.path === 'sys/monitor' ? { status: 400, body: { errors: ['unknown log level'] } } : undefined));
  t.after(() => fake.close());
  const r = await runCli(['monitor', '-log-level=loud'], { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.t' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error starting monitor: /);
  assert.match(r.stderr, /\* unknown log level/);
  const extra = await runCli(['monitor', 'x'], { VAULT_ADDR: fake.url, VAULT_TOKEN: 'hvs.t' });
  assert.equal(extra.code, 1);
});
