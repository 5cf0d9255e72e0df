/**
 * `ward server` on storage "postgresql", as real processes against a real PostgreSQL:
 * an acknowledged KV write survives kill -9 and a restart; a node started before its
 * database keeps retrying (naming host:port, never the password) and serves once the
 * database is up, instead of exiting.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../../helpers/server.js';
import { configDir, freePort, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../helpers/pg-storage.js';
import { waitFor } from '../../helpers/wait.js';

const skip = skipUnless(POSTGRES);

function pgConfig(url: string, port: number): string {
  return [
    `storage "postgresql" {`,
    `  connection_url = "${url}"`,
    `  max_parallel   = "8"`,
    `}`,
    ``,
    `listener "tcp" {`,
    `  address     = "127.0.0.1:${port}"`,
    `  tls_disable = true`,
    `}`,
    ``,
    `allow_root = true`,
    ``,
  ].join('\n');
}

describe('ward server on PostgreSQL storage', { skip }, () => {
  let env: PgStorageEnv;
  let cfg: ConfigDir;
  const procs: WardProcess[] = [];
  before(async () => {
    env = await startPgStorageEnv();
    cfg = configDir();
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.kill()));
    cfg?.cleanup();
    await env?.stop();
  });

  async function start(url: string, wait = true): Promise<WardProcess> {
    const port = await freePort();
    const file = cfg.write(`ward-${port}.hcl`, pgConfig(url, port));
    // The environment must not supply a URL of its own (it would win over the file's).
    const p = spawnWard(['server', `-config=${file}`], `http://127.0.0.1:${port}`, { VAULT_PG_CONNECTION_URL: '', WARD_PG_CONNECTION_URL: '' });
    procs.push(p);
    if (wait) await waitForHealth(p, 30_000);
    return p;
  }

  it('init, unseal, write a KV secret, kill -9, restart: the secret is read back', { timeout: 120_000 }, async () => {
    const { url, schema } = await env.freshUrl();
    let p = await start(url);
    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const key: string = init.body.keys[0];
    const root: string = init.body.root_token;
    assert.equal((await api(p, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
    assert.equal((await api(p, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status, 204);
    const put = await api(p, 'POST', 'secret/data/app/db', { token: root, body: { data: { password: 'pg-backed' } } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const status = await api(p, 'GET', 'sys/seal-status');
    assert.equal(status.body.storage_type, 'postgresql');

    assert.equal((await p.kill('SIGKILL')).signal, 'SIGKILL');
    // What reached PostgreSQL is ciphertext: the secret is nowhere in the table in clear.
    const rows = await env.admin.query(`SELECT value FROM ${schema}.vault_kv_store`);
    assert.ok(rows.rows.length > 0);
    assert.ok(rows.rows.every((r) => !(r.value as Buffer).includes('pg-backed')));

    p = await start(url);
    assert.equal((await api(p, 'GET', 'sys/seal-status')).body.sealed, true);
    assert.equal((await api(p, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
    const got = await api(p, 'GET', 'secret/data/app/db', { token: root });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.data.data.password, 'pg-backed');
    await p.kill('SIGTERM');
    assert.ok(!p.stderr().includes(env.db.password) && !p.stdout().includes(env.db.password), 'the database password was printed');
  });

  it('started before its database: logs host:port and the cause, keeps retrying, serves once it is up', { timeout: 120_000 }, async () => {
    const { url } = await env.freshUrl();
    await env.db.stopServer();
    let up = false;
    try {
      const p = await start(url, false);
      await waitFor('a logged connection failure', () => p.stderr().includes('cannot open postgresql storage at'), { timeoutMs: 30_000, context: () => p.stderr() });
      assert.match(p.stderr(), new RegExp(`cannot open postgresql storage at 127\\.0\\.0\\.1:${env.db.port} .*ECONNREFUSED`));
      assert.equal(p.child.exitCode, null, 'ward exited instead of retrying');
      await env.db.startServer();
      up = true;
      assert.equal(await waitForHealth(p, 30_000), 501); // answering: not initialised yet
      assert.ok(!p.stderr().includes(env.db.password), 'the database password was logged');
      await p.kill('SIGTERM');
    } finally {
      if (!up) await env.db.startServer();
    }
  });
});
