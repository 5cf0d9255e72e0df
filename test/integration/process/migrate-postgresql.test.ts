/**
 * Outgrowing one machine, with real processes and a real PostgreSQL: a populated SQLite
 * Ward is migrated to PostgreSQL by the CLI, a Ward on PostgreSQL unseals with the same
 * keys and serves everything; then a snapshot of it survives a wiped table (re-init,
 * force-restore, original keys); and the data migrates back to SQLite.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { api } from '../../helpers/server.js';
import { configDir, freePort, runWard, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';

describe('migrate SQLite -> PostgreSQL -> SQLite, and a snapshot on PostgreSQL (processes)', { skip: skipUnless(POSTGRES) }, () => {
  let cfg: ConfigDir;
  let db: TestPostgres | undefined;
  const running: WardProcess[] = [];
  after(async () => {
    for (const p of running) await p.kill();
    await db?.stop();
    cfg?.cleanup();
  });

  const start = async (storage: string, name: string): Promise<WardProcess> => {
    const port = await freePort();
    const hcl = `${storage}\n\nlistener "tcp" {\n  address     = "127.0.0.1:${port}"\n  tls_disable = true\n}\n\nallow_root = true\n`;
    const w = spawnWard(['server', `-config=${cfg.write(name, hcl)}`], `http://127.0.0.1:${port}`);
    running.push(w);
    await waitForHealth(w, 30_000);
    return w;
  };

  it('every entry arrives, is verified, and is served by Ward on the other engine', { timeout: 240_000 }, async () => {
    cfg = configDir();
    db = await startPostgres();
    const sqliteStanza = (path: string) => `storage "sqlite" {\n  path = "${path}"\n}`;
    const pgStanza = `storage "postgresql" {\n  connection_url = "${db.url}"\n}`;

    const src = await start(sqliteStanza(cfg.dbPath), 'sqlite.hcl');
    const init = await api(src, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    const keys: string[] = init.body.keys;
    const root: string = init.body.root_token;
    const unseal = async (w: WardProcess, ks = keys): Promise<void> => {
      for (const k of ks.slice(0, 2)) await api(w, 'PUT', 'sys/unseal', { body: { key: k } });
      assert.equal((await api(w, 'GET', 'sys/seal-status')).body.sealed, false);
    };
    await unseal(src);
    const call = (w: WardProcess, method: string, path: string, body?: unknown, token = root) => api(w, method, path, { token, ...(body === undefined ? {} : { body }) });
    assert.equal((await call(src, 'POST', 'sys/mounts/secret', { type: 'kv-v2' })).status, 204);
    for (let i = 0; i < 30; i++) assert.equal((await call(src, 'POST', `secret/data/app/${i}`, { data: { password: `pw-${i}` } })).status, 200);
    assert.equal((await call(src, 'PUT', 'sys/policies/acl/app-read', { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' })).status, 204);
    const appToken: string = (await call(src, 'POST', 'auth/token/create', { policies: ['app-read'] })).body.auth.client_token;
    const readAll = async (w: WardProcess): Promise<void> => {
      for (let i = 0; i < 30; i++) assert.equal((await call(w, 'GET', `secret/data/app/${i}`, undefined, appToken)).body.data.data.password, `pw-${i}`);
      assert.match((await call(w, 'GET', 'sys/policies/acl/app-read')).body.data.policy, /read/);
    };
    assert.equal((await src.kill('SIGTERM')).code, 0);

    const toPg = cfg.write('to-pg.hcl', `${sqliteStanza(cfg.dbPath).replace('storage', 'storage_source')}\n${pgStanza.replace('storage', 'storage_destination')}\n`);
    const there = await runWard(['operator', 'migrate', `-config=${toPg}`], 120_000);
    assert.equal(there.code, 0, there.stderr);
    assert.equal(there.stdout, 'Success! All of the keys have been migrated.\n');
    assert.ok(!there.stderr.includes(db.password), 'the connection password is never printed');

    const onPg = await start(pgStanza, 'pg.hcl');
    assert.equal((await api(onPg, 'GET', 'sys/seal-status')).body.storage_type, 'postgresql');
    await unseal(onPg);
    await readAll(onPg);

    // Disaster recovery on PostgreSQL: snapshot, wipe the table, re-init, force-restore.
    const snap = join(cfg.dir, 'pg.snap');
    const saved = await runWard(['operator', 'snapshot', 'save', snap], 60_000, { VAULT_ADDR: onPg.url, VAULT_TOKEN: root, HOME: cfg.dir });
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal((await onPg.kill('SIGTERM')).code, 0);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('TRUNCATE vault_kv_store');
    await admin.end();
    const fresh = await start(pgStanza, 'pg-fresh.hcl');
    const reinit = await api(fresh, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    await unseal(fresh, [reinit.body.keys[0], reinit.body.keys[0]]);
    const restored = await runWard(['operator', 'snapshot', 'restore', '-force', snap], 60_000, { VAULT_ADDR: fresh.url, VAULT_TOKEN: reinit.body.root_token, HOME: cfg.dir });
    assert.equal(restored.code, 0, restored.stderr);
    await unseal(fresh);
    await readAll(fresh);
    assert.equal((await fresh.kill('SIGTERM')).code, 0);

    // And back to SQLite.
    const back = join(cfg.dir, 'back.db');
    const toSqlite = cfg.write('to-sqlite.hcl', `${pgStanza.replace('storage', 'storage_source')}\n${sqliteStanza(back).replace('storage', 'storage_destination')}\n`);
    const home = await runWard(['operator', 'migrate', `-config=${toSqlite}`], 120_000);
    assert.equal(home.code, 0, home.stderr);
    const onSqlite = await start(sqliteStanza(back), 'back.hcl');
    await unseal(onSqlite);
    await readAll(onSqlite);
  });
});
