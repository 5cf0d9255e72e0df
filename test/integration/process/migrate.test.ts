/**
 * `ward operator migrate` end to end: a populated SQLite Ward (KV, policies, tokens) is
 * stopped, migrated into a new SQLite file by the real CLI, and a server started on the
 * copy unseals with the same keys and serves everything. The source lock keeps a server
 * from starting mid-migration.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqlitePhysical } from '../../../src/storage/sqlite/sqlite-physical.js';
import { api } from '../../helpers/server.js';
import { configDir, freePort, runWard, spawnWard, sqliteConfig, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';

describe('ward operator migrate (processes)', () => {
  let cfg: ConfigDir;
  const running: WardProcess[] = [];
  after(async () => {
    for (const p of running) await p.kill();
    cfg?.cleanup();
  });

  const start = async (dbPath: string, name: string): Promise<WardProcess> => {
    const port = await freePort();
    const w = spawnWard(['server', `-config=${cfg.write(name, sqliteConfig({ dbPath, port, allowRoot: true }))}`], `http://127.0.0.1:${port}`);
    running.push(w);
    await waitForHealth(w);
    return w;
  };

  it('copies a populated store; the copy unseals with the same keys and serves the same data', { timeout: 120_000 }, async () => {
    cfg = configDir();
    const src = await start(cfg.dbPath, 'src.hcl');
    const init = await api(src, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    const keys: string[] = init.body.keys;
    const root: string = init.body.root_token;
    const unseal = async (w: WardProcess): Promise<void> => {
      await api(w, 'PUT', 'sys/unseal', { body: { key: keys[0] } });
      assert.equal((await api(w, 'PUT', 'sys/unseal', { body: { key: keys[2] } })).body.sealed, false);
    };
    await unseal(src);
    const call = (w: WardProcess, method: string, path: string, body?: unknown, token = root) => api(w, method, path, { token, ...(body === undefined ? {} : { body }) });
    assert.equal((await call(src, 'POST', 'sys/mounts/secret', { type: 'kv-v2' })).status, 204);
    for (let i = 0; i < 40; i++) assert.equal((await call(src, 'POST', `secret/data/app/${i}`, { data: { password: `pw-${i}` } })).status, 200);
    assert.equal((await call(src, 'POST', 'secret/data/app/0', { data: { password: 'pw-0-v2' } })).status, 200);
    assert.equal((await call(src, 'PUT', 'sys/policies/acl/app-read', { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' })).status, 204);
    const created = await call(src, 'POST', 'auth/token/create', { policies: ['app-read'], ttl: '2h' });
    const appToken: string = created.body.auth.client_token;
    assert.equal((await src.kill('SIGTERM')).code, 0);

    const destPath = join(cfg.dir, 'copy.db');
    const migrateHcl = cfg.write('migrate.hcl', `storage_source "sqlite" {\n  path = "${cfg.dbPath}"\n}\n\nstorage_destination "sqlite" {\n  path = "${destPath}"\n}\n`);
    const run = await runWard(['operator', 'migrate', `-config=${migrateHcl}`], 60_000);
    assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    assert.equal(run.stdout, 'Success! All of the keys have been migrated.\n');
    assert.match(run.stderr, /verified: \d+ entries, sha256 [0-9a-f]{64}/);

    const copy = await start(destPath, 'copy.hcl');
    assert.equal((await api(copy, 'GET', 'sys/seal-status')).body.sealed, true);
    await unseal(copy);
    assert.equal((await call(copy, 'GET', 'secret/data/app/0')).body.data.data.password, 'pw-0-v2');
    assert.equal((await call(copy, 'GET', 'secret/data/app/0?version=1')).body.data.data.password, 'pw-0');
    for (let i = 1; i < 40; i++) assert.equal((await call(copy, 'GET', `secret/data/app/${i}`)).body.data.data.password, `pw-${i}`);
    assert.match((await call(copy, 'GET', 'sys/policies/acl/app-read')).body.data.policy, /capabilities = \["read"\]/);
    // The token issued on the source works on the copy, with its policy.
    assert.equal((await call(copy, 'GET', 'secret/data/app/7', undefined, appToken)).body.data.data.password, 'pw-7');
    assert.equal((await call(copy, 'GET', 'sys/policies/acl/app-read', undefined, appToken)).status, 403);
    assert.equal((await copy.kill('SIGTERM')).code, 0);

    // Again into the now-populated copy: refused, Vault-style exit code 2.
    const again = await runWard(['operator', 'migrate', `-config=${migrateHcl}`], 60_000);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^Error migrating: destination storage is not empty \(it holds "/m);
  });

  it('a server does not start on a store whose migration lock is set; -reset clears it', { timeout: 60_000 }, async () => {
    cfg ??= configDir();
    const dbPath = join(cfg.dir, 'locked.db');
    const s = SqlitePhysical.open(dbPath);
    await s.put('core/migration', Buffer.from('{"start":"2026-12-07T06:00:00Z"}'));
    await s.close();
    const port = await freePort();
    const p = spawnWard(['server', `-config=${cfg.write('locked.hcl', sqliteConfig({ dbPath, port, allowRoot: true }))}`]);
    running.push(p);
    const { code } = await p.exited;
    assert.equal(code, 1);
    assert.match(p.stderr(), /^ERROR! Storage migration in progress \(started: 2026-12-07T06:00:00Z\)\. Server startup is prevented until the migration completes\. Use 'ward operator migrate -reset' to force clear the migration lock\.$/m);
    const hcl = cfg.write('reset.hcl', `storage_source "sqlite" {\n  path = "${dbPath}"\n}\nstorage_destination "inmem" {}\n`);
    const reset = await runWard(['operator', 'migrate', `-config=${hcl}`, '-reset']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(reset.stdout, 'Success! Migration lock reset (if it was set).\n');
    const started = await start(dbPath, 'unlocked.hcl');
    assert.equal((await api(started, 'GET', 'sys/seal-status')).body.initialized, false);
  });
});
