/**
 * `ward operator snapshot save FILE` / `restore [-force] FILE` against a running server,
 * through the typed client, streaming to and from the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../src/cli/testing.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

describe('ward operator snapshot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-snap-cli-'));
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const server = async (): Promise<TestServer> => {
    const s = await startTestServer({ storage: 'sqlite' });
    servers.push(s);
    return s;
  };
  const env = (s: TestServer) => ({ VAULT_ADDR: s.url, VAULT_TOKEN: s.rootToken, HOME: dir });
  const put = (s: TestServer, path: string, v: string, token = s.rootToken) => api(s, 'POST', `secret/data/${path}`, { token, body: { data: { v } } });
  const get = async (s: TestServer, path: string, token = s.rootToken) => (await api(s, 'GET', `secret/data/${path}`, { token })).body?.data?.data?.v;

  it('save writes the snapshot to FILE (0600); restore brings it back and leaves the server sealed', async () => {
    const s = await server();
    await put(s, 'app', 'one');
    const file = join(dir, 'one.snap');
    const saved = await runCli(['operator', 'snapshot', 'save', file], env(s));
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, '');
    assert.deepEqual([...readFileSync(file).subarray(0, 2)], [0x1f, 0x8b]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await put(s, 'app', 'two');

    const restored = await runCli(['operator', 'snapshot', 'restore', file], env(s));
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^Success! Snapshot restored\. Ward is now sealed: unseal it with the unseal keys of the cluster the snapshot was taken from\.\n$/);
    assert.equal((await api(s, 'GET', 'sys/seal-status')).body.sealed, true);
    await api(s, 'PUT', 'sys/unseal', { body: { key: s.unsealKeys[0] } });
    assert.equal(await get(s, 'app'), 'one');
  });

  it('a damaged file is refused by the server and nothing changes; a failed save leaves no file', async () => {
    const s = await server();
    await put(s, 'app', 'one');
    const file = join(dir, 'damaged.snap');
    assert.equal((await runCli(['operator', 'snapshot', 'save', file], env(s))).code, 0);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 40));
    await put(s, 'app', 'two');
    const r = await runCli(['operator', 'snapshot', 'restore', file], env(s));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Error restoring snapshot: Error making API request\.\n[^]*\n\* invalid snapshot: truncated snapshot/);
    assert.equal(await get(s, 'app'), 'two');

    const missing = await runCli(['operator', 'snapshot', 'restore', join(dir, 'nope.snap')], env(s));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error opening snapshot file: .*nope\.snap/);

    const denied = await runCli(['operator', 'snapshot', 'save', join(dir, 'denied.snap')], { ...env(s), VAULT_TOKEN: 'hvs.not-a-token' });
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /^Error saving snapshot: Error making API request\.\n[^]*\n\* permission denied\n/);
    assert.equal(existsSync(join(dir, 'denied.snap')), false);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('denied')), [], 'no temp file left behind');

    const usage = await runCli(['operator', 'snapshot', 'save'], env(s));
    assert.equal(usage.code, 1);
  });

  it('inspect shows a snapshot\'s header and entry count, and refuses a damaged one', async () => {
    const s = await server();
    await put(s, 'app', 'one');
    const file = join(dir, 'inspect.snap');
    assert.equal((await runCli(['operator', 'snapshot', 'save', file], env(s))).code, 0);
    const status = await api(s, 'GET', 'sys/seal-status');
    const table = await runCli(['operator', 'snapshot', 'inspect', file], env(s));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`Cluster ID\\s+${status.body.cluster_id}`));
    assert.match(table.stdout, /Storage Type\s+sqlite/);
    assert.match(table.stdout, /Checksum\s+ok/);
    const json = JSON.parse((await runCli(['operator', 'snapshot', 'inspect', '-format=json', file], env(s))).stdout);
    assert.equal(json.cluster_id, status.body.cluster_id);
    assert.equal(json.keyring_term, 1);
    assert.ok(json.entries > 5, JSON.stringify(json));
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 1));
    const bad = await runCli(['operator', 'snapshot', 'inspect', file], env(s));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^Error inspecting snapshot: truncated snapshot/);
  });

  it('save refuses a download that is not a whole snapshot and leaves no file', async () => {
    const s = await server();
    const good = join(dir, 'whole.snap');
    assert.equal((await runCli(['operator', 'snapshot', 'save', good], env(s))).code, 0);
    const whole = readFileSync(good);
    // A server (or proxy) that ends the body early but cleanly.
    const fake = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(whole.subarray(0, whole.length - 50));
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const target = join(dir, 'cut.snap');
      const r = await runCli(['operator', 'snapshot', 'save', target], { VAULT_ADDR: url, VAULT_TOKEN: 't', HOME: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^Error saving snapshot: the downloaded snapshot is damaged: truncated snapshot/);
      assert.equal(existsSync(target), false);
      assert.deepEqual(readdirSync(dir).filter((n) => n.includes('cut.snap')), []);
    } finally {
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
    }
  });

  it('another cluster\'s snapshot needs -force; then the server unseals with that cluster\'s keys', async () => {
    const a = await server();
    const b = await server();
    await put(a, 'who', 'a');
    const file = join(dir, 'a.snap');
    assert.equal((await runCli(['operator', 'raft', 'snapshot', 'save', file], env(a))).code, 0, 'Vault\'s command name works too');
    const refused = await runCli(['operator', 'snapshot', 'restore', file], env(b));
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /snapshot-force/);
    const forced = await runCli(['operator', 'snapshot', 'restore', '-force', file], env(b));
    assert.equal(forced.code, 0, forced.stderr);
    await api(b, 'PUT', 'sys/unseal', { body: { key: a.unsealKeys[0] } });
    assert.equal(await get(b, 'who', a.rootToken), 'a');
  });
});
