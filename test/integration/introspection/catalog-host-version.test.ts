/**
 * Introspection over a real socket: sys/plugins/catalog lists the built-in backends as
 * Vault lists its own (and refuses registering), sys/host-info reports this host, and
 * sys/version-history lists the versions this store was unsealed with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { WARD_VERSION } from '../../../src/core/api-types.js';
import { runCli } from '../../../src/cli/testing.js';

describe('sys/plugins/catalog', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('lists every built-in backend by type, with a detailed entry for each', async () => {
    const r = await api(s, 'GET', 'sys/plugins/catalog', { token: s.rootToken });
    assert.equal(r.status, 200);
    const d = r.body.data;
    assert.ok(d.auth.includes('approle') && d.auth.includes('kubernetes') && d.auth.includes('jwt'), JSON.stringify(d.auth));
    assert.ok(d.secret.includes('kv') && d.secret.includes('transit') && d.secret.includes('kubernetes'), JSON.stringify(d.secret));
    assert.deepEqual(d.database, ['postgresql-database-plugin']);
    assert.deepEqual(d.auth, [...d.auth].sort());
    const kv = d.detailed.find((p: { type: string; name: string }) => p.type === 'secret' && p.name === 'kv');
    assert.deepEqual(kv, { type: 'secret', name: 'kv', version: 'v1.17.0+builtin.ward', builtin: true, deprecation_status: 'supported' });
    // Sorted by type, then name, as Vault sorts them.
    const order = d.detailed.map((p: { type: string; name: string }) => `${p.type}/${p.name}`);
    assert.deepEqual(order, [...order].sort());
    assert.equal(d.detailed.length, d.auth.length + d.database.length + d.secret.length);
  });

  it('reports the same version a mount of that plugin runs', async () => {
    const mounts = await api(s, 'GET', 'sys/mounts', { token: s.rootToken });
    assert.equal(mounts.body.data['secret/'].running_plugin_version, 'v1.17.0+builtin.ward');
    assert.ok(WARD_VERSION.startsWith('1.17.0'));
  });

  it('lists one type with LIST and reads one plugin', async () => {
    const l = await api(s, 'LIST', 'sys/plugins/catalog/auth', { token: s.rootToken });
    assert.equal(l.status, 200);
    assert.ok(l.body.data.keys.includes('userpass'));
    const one = await api(s, 'GET', 'sys/plugins/catalog/secret/transit', { token: s.rootToken });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.data, { name: 'transit', type: 'secret', args: [], builtin: true, command: '', sha256: '', version: 'v1.17.0+builtin.ward', deprecation_status: 'supported' });
    const legacy = await api(s, 'GET', 'sys/plugins/catalog/approle', { token: s.rootToken });
    assert.equal(legacy.body.data.name, 'approle');
    assert.equal((await api(s, 'GET', 'sys/plugins/catalog/secret/nope', { token: s.rootToken })).status, 404);
  });

  it('refuses registering and deregistering with a clear 400', async () => {
    const put = await api(s, 'PUT', 'sys/plugins/catalog/secret/my-plugin', { token: s.rootToken, body: { sha256: 'ab'.repeat(32), command: 'my-plugin' } });
    assert.equal(put.status, 400);
    assert.deepEqual(put.body, { errors: ['not supported: Ward runs only built-in plugins'] });
    const del = await api(s, 'DELETE', 'sys/plugins/catalog/secret/kv', { token: s.rootToken });
    assert.equal(del.status, 400);
    assert.deepEqual(del.body, { errors: ['not supported: Ward runs only built-in plugins'] });
  });

  it('needs sudo for a type or plugin, as Vault (plugins/catalog/* is a root path)', async () => {
    await api(s, 'PUT', 'sys/policies/acl/cat', { token: s.rootToken, body: { policy: 'path "sys/plugins/catalog/*" { capabilities = ["read", "list"] }' } });
    const t = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['cat'] } });
    const r = await api(s, 'LIST', 'sys/plugins/catalog/auth', { token: t.body.auth.client_token });
    assert.equal(r.status, 403);
  });
});

describe('sys/host-info', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('describes this host: cpu, cpu_times, disk, host, memory and a timestamp', async () => {
    const before = Date.now();
    const r = await api(s, 'GET', 'sys/host-info', { token: s.rootToken });
    assert.equal(r.status, 200);
    const d = r.body.data;
    assert.deepEqual(Object.keys(d).sort(), ['cpu', 'cpu_times', 'disk', 'host', 'memory', 'timestamp']);
    assert.ok(d.cpu.length >= 1);
    assert.equal(d.cpu[0].cpu, 0);
    assert.equal(typeof d.cpu[0].modelName, 'string');
    assert.equal(typeof d.cpu[0].mhz, 'number');
    assert.equal(d.cpu_times[0].cpu, 'cpu-total');
    assert.ok(d.cpu_times[0].user > 0 && d.cpu_times[0].idle > 0);
    const root = d.disk.find((x: { path: string }) => x.path === '/');
    assert.ok(root, JSON.stringify(d.disk));
    assert.ok(root.total > 0 && root.total === root.free + root.used || root.total >= root.used);
    assert.equal(d.host.hostname, hostname());
    assert.ok(d.host.uptime > 0 && d.host.bootTime > 0 && d.host.procs >= 1);
    assert.equal(d.host.os, process.platform);
    assert.ok(d.memory.total > 0 && d.memory.available > 0 && d.memory.used > 0 && d.memory.usedPercent > 0);
    const ts = Date.parse(d.timestamp);
    assert.ok(ts >= before - 1000 && d.timestamp.endsWith('Z'), d.timestamp);
  });

  it('needs a token allowed to read it', async () => {
    assert.equal((await api(s, 'GET', 'sys/host-info')).status, 403);
  });
});

describe('sys/version-history', () => {
  it('lists the running version, recorded at unseal, and keeps it across restarts', async () => {
    const s = await startTestServer();
    try {
      const r = await api(s, 'LIST', 'sys/version-history', { token: s.rootToken });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.data.keys, [WARD_VERSION]);
      const info = r.body.data.key_info[WARD_VERSION];
      assert.equal(info.previous_version, null);
      assert.match(info.timestamp_installed, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.match(info.build_date, /^\d{4}-\d\d-\d\dT/);
      const installed = info.timestamp_installed;
      // Sealing and unsealing again does not install the version a second time.
      assert.equal((await api(s, 'PUT', 'sys/seal', { token: s.rootToken })).status, 204);
      assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: s.unsealKeys[0] } })).status, 200);
      const again = await api(s, 'LIST', 'sys/version-history', { token: s.rootToken });
      assert.deepEqual(again.body.data.keys, [WARD_VERSION]);
      assert.equal(again.body.data.key_info[WARD_VERSION].timestamp_installed, installed);
      // GET ?list=true is the same list.
      const get = await api(s, 'GET', 'sys/version-history?list=true', { token: s.rootToken });
      assert.deepEqual(get.body.data.keys, [WARD_VERSION]);
    } finally {
      await s.close();
    }
  });
});

describe('the CLI against a real server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('plugin list, plugin info and version-history print what the server says; register is refused', async () => {
    const env = { VAULT_ADDR: s.url, VAULT_TOKEN: s.rootToken } as NodeJS.ProcessEnv;
    const list = await runCli(['plugin', 'list', 'auth'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /\napprole\s+v1\.17\.0\+builtin\.ward\n/);
    const info = await runCli(['plugin', 'info', '-format=json', 'database', 'postgresql-database-plugin'], env);
    assert.equal(JSON.parse(info.stdout).builtin, true);
    const hist = await runCli(['version-history'], env);
    assert.equal(hist.code, 0, hist.stderr);
    assert.ok(hist.stdout.includes(`\n${WARD_VERSION} `), hist.stdout);
    const reg = await runCli(['plugin', 'register', '-sha256=abcd', 'secret', 'mine'], env);
    assert.equal(reg.code, 2);
    assert.match(reg.stderr, /Code: 400/);
    assert.match(reg.stderr, /\* not supported: Ward runs only built-in plugins/);
  });
});
