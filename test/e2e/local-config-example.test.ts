/**
 * examples/local/ward-local.hcl, the laptop config: `ward server -config` starts on it as
 * written (only the port is moved to a free one), keeps its data in ./data of the directory
 * it was started from, serves plain HTTP, and a new user's first steps (init, unseal, enable
 * kv, put, get) work against it through the CLI.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnWard } from '../../src/cli/testing.js';
import { freePort } from '../helpers/net.js';
import { REPO_ROOT, WARD_BIN, waitForHealth, type WardProcess } from '../helpers/process.js';
import { ok } from './pattern-harness.js';

const CONFIG = join(REPO_ROOT, 'examples', 'local', 'ward-local.hcl');

test('examples/local/ward-local.hcl: a plain-HTTP server with its data in ./data, usable from the CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-local-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = readFileSync(CONFIG, 'utf8');
  assert.match(text, /tls_disable\s*=\s*true/);
  assert.match(text, /TLS IS OFF: only for a laptop/);
  const port = await freePort();
  const config = join(dir, 'ward-local.hcl');
  writeFileSync(config, text.replaceAll('127.0.0.1:8200', `127.0.0.1:${port}`));
  mkdirSync(join(dir, 'data'));

  // Root in CI containers: the server refuses root unless told (a laptop user is not root).
  const rootFlag = process.getuid?.() === 0 ? ['-allow-root'] : [];
  const child = spawn(process.execPath, [WARD_BIN, 'server', `-config=${config}`, ...rootFlag], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const proc: WardProcess = {
    child, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  t.after(() => proc.kill());

  assert.equal(await waitForHealth(proc), 501, 'a new server is not initialized');
  const env = { VAULT_ADDR: proc.url, HOME: dir };
  const init = JSON.parse(await ok(spawnWard(['operator', 'init', '-key-shares=1', '-key-threshold=1', '-format=json'], env))) as { unseal_keys_b64: string[]; root_token: string };
  await ok(spawnWard(['operator', 'unseal', init.unseal_keys_b64[0]!], env));
  const root = { ...env, VAULT_TOKEN: init.root_token };
  await ok(spawnWard(['secrets', 'enable', '-path=secret', 'kv-v2'], root));
  await ok(spawnWard(['kv', 'put', 'secret/hello', 'value=world'], root));
  assert.equal(await ok(spawnWard(['kv', 'get', '-field=value', 'secret/hello'], root)), 'world');

  assert.ok(existsSync(join(dir, 'data', 'ward.db')), 'the data lives in ./data of the start directory');
  const ui = await fetch(`${proc.url}/ui/`);
  await ui.arrayBuffer();
  assert.notEqual(ui.status, 200, 'no UI');
  await proc.kill('SIGTERM');
});
