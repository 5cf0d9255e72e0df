/**
 * `ward agent` configured by the injector: the configuration arrives base64-encoded in
 * VAULT_CONFIG (no file is written, Ward is PID 1), and `-check-rendered` is the native
 * sidecar's startup probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from './main.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');

async function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; err: string }> {
  let err = '';
  const code = await runAgent(args, { stderr: { write: (s: string) => (err += s) }, env, exit: () => undefined });
  return { code, err };
}

test('without -config the configuration comes from VAULT_CONFIG', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-vc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = { exit_after_auth: true, pid_file: join(dir, 'pid'), vault: { address: 'http://127.0.0.1:1' } };
  const r = await run([], { VAULT_CONFIG: b64(cfg) });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /exit_after_auth/);
  const none = await run([], {});
  assert.equal(none.code, 1);
  assert.match(none.err, /-config is required \(or a base64 JSON configuration in VAULT_CONFIG\)/);
});

test('a malformed VAULT_CONFIG is a configuration error naming it', async () => {
  const notJson = await run([], { VAULT_CONFIG: Buffer.from('{"vault": ').toString('base64') });
  assert.equal(notJson.code, 1);
  assert.match(notJson.err, /Error loading configuration: VAULT_CONFIG:1: invalid JSON/);
  const badKey = await run([], { VAULT_CONFIG: b64({ exit_after_auth: true, nonsense: 1 }) });
  assert.equal(badKey.code, 1);
  assert.match(badKey.err, /VAULT_CONFIG.*unknown stanza or key "nonsense"/);
});

test('-check-rendered passes once every template destination and sink exists', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-cr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = {
    auto_auth: { method: { type: 'kubernetes', config: { role: 'web' } }, sink: [{ type: 'file', config: { path: join(dir, 'home', '.vault-token') } }] },
    template: [{ destination: join(dir, 'secrets', 'db'), contents: 'x' }, { destination: join(dir, 'secrets', 'api.env'), contents: 'y' }],
  };
  const env = { VAULT_CONFIG: b64(cfg) };
  const before = await run(['-check-rendered'], env);
  assert.equal(before.code, 1);
  assert.match(before.err, /not rendered yet: .*secrets\/db/);
  mkdirSync(join(dir, 'secrets'));
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'secrets', 'db'), 'x');
  writeFileSync(join(dir, 'home', '.vault-token'), 't');
  assert.equal((await run(['-check-rendered'], env)).code, 1);
  writeFileSync(join(dir, 'secrets', 'api.env'), 'y');
  assert.deepEqual(await run(['-check-rendered'], env), { code: 0, err: '' });
});
