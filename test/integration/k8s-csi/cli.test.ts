/** `ward k8s csi-provider` flags: vault-csi-provider's (as the Helm chart passes them) are accepted; bad values are refused up front. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWard, spawnWard } from '../../helpers/process.js';
import { waitFor } from '../../helpers/wait.js';

test('bad -log-level, -cache-size and -vault-addr are refused before anything listens', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ward-csi-cli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const sock = join(d, 'vault.sock');
  const a = await runWard(['k8s', 'csi-provider', `-endpoint=${sock}`, '-health-addr=', '-log-level=loud']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /invalid -log-level "loud"/);
  const b = await runWard(['k8s', 'csi-provider', `-endpoint=${sock}`, '-health-addr=', '-cache-size=0']);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /invalid -cache-size 0/);
  const c = await runWard(['k8s', 'csi-provider', `-endpoint=${sock}`, '-health-addr=', '-vault-addr=ftp://ward:8200']);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /invalid -vault-addr "ftp:\/\/ward:8200"/);
  assert.ok(!existsSync(sock));
});

test('the Helm chart\'s vault-csi-provider arguments start it unchanged (-debug, -hmac-secret-name)', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'ward-csi-cli-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const sock = join(d, 'provider', 'vault.sock');
  const p = spawnWard(['k8s', 'csi-provider', `--endpoint=${sock}`, '--debug', '--hmac-secret-name=vault-csi-provider-hmac-key', '-health-addr=']);
  t.after(() => p.kill());
  await waitFor('the socket', () => existsSync(sock) || p.child.exitCode !== null, { timeoutMs: 30_000, context: () => p.stderr() });
  assert.equal(p.child.exitCode, null, p.stderr());
  assert.match(p.stderr(), /\[DEBUG\]/);
  p.child.kill('SIGTERM');
  assert.equal((await p.exited).code, 0);
  assert.ok(!existsSync(sock));
});
