import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { prepareSocketPath } from './socket.js';

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'ward-csi-sock-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('creates the providers directory', async (t) => {
  const p = join(dir(t), 'providers', 'nested', 'vault.sock');
  await prepareSocketPath(p);
  assert.ok(existsSync(join(p, '..')));
  assert.ok(!existsSync(p));
});

test('removes a socket left behind by a provider that died', async (t) => {
  const p = join(dir(t), 'vault.sock');
  // A socket file whose listener is gone: a child process binds it and is killed.
  const r = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(existsSync(p), 'the stale socket is there');
  await prepareSocketPath(p);
  assert.ok(!existsSync(p));
});

test('refuses a socket another provider answers on, and a path that is not a socket', async (t) => {
  const d = dir(t);
  const live = join(d, 'live.sock');
  const srv = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => srv.listen(live, resolve));
  t.after(() => srv.close());
  await assert.rejects(prepareSocketPath(live), /another provider is already listening/);
  assert.ok(existsSync(live));
  const file = join(d, 'file.sock');
  writeFileSync(file, 'not a socket');
  await assert.rejects(prepareSocketPath(file), /is not a socket/);
  assert.ok(existsSync(file));
});
