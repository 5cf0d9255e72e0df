/**
 * examples/03-agent-auto-auth/run.sh, the README's "Run it": a dev server, a wrapped secret
 * ID, the agent rendering out/app.env, a rotation re-rendered, and nothing left running.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, isListening as listening } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/process.js';
import { runProgram } from './pattern-harness.js';

const SCRIPT = join(REPO_ROOT, 'examples', '03-agent-auto-auth', 'run.sh');

test('examples/03-agent-auto-auth/run.sh renders, re-renders after a rotation and stops its server', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'ward-run-sh-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  t.after(() => rmSync(join(REPO_ROOT, 'examples', '03-agent-auto-auth', 'work'), { recursive: true, force: true }));
  const port = await freePort();
  const r = await runProgram('bash', [SCRIPT], { PORT: String(port), HOME: home, VAULT_TOKEN: '', VAULT_ADDR: '' });
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /==> the app reads its file:\nDB_USERNAME=app\nDB_PASSWORD=first-password\n/);
  assert.match(r.stdout, /==> the app reads its file again:\nDB_USERNAME=app\nDB_PASSWORD=second-password\n/);
  assert.match(r.stdout, /==> the wrapped secret-id file was consumed and removed/);
  assert.equal(await listening(port), false, 'the dev server is stopped');
});

test('examples/03-agent-auto-auth/run.sh fails at once, saying why, when its port is taken', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'ward-run-sh-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  t.after(() => rmSync(join(REPO_ROOT, 'examples', '03-agent-auto-auth', 'work'), { recursive: true, force: true }));
  const { createServer } = await import('node:net');
  const squatter = createServer((c) => c.destroy());
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  t.after(() => squatter.close());
  const port = (squatter.address() as { port: number }).port;
  const r = await runProgram('bash', [SCRIPT], { PORT: String(port), HOME: home, VAULT_TOKEN: '', VAULT_ADDR: '' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the dev server did not start/);
  assert.doesNotMatch(r.stdout, /operator: AppRole/, 'nothing is sent to whatever holds the port');
});
