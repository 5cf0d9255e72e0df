/**
 * Outgrowing one machine into an HA cluster, with real processes: a populated SQLite Ward
 * is migrated by the CLI to a 3-member etcd cluster and to PostgreSQL; on each, two HA
 * nodes start on the migrated data, unseal with the original keys, elect one active, and
 * serve everything, through the active and through the standby (forwarded).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ETCD, startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { api } from '../../helpers/server.js';
import { configDir, freePort, runWard, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';

const SECRETS = 25;

describe('migrate SQLite -> etcd / PostgreSQL, then HA nodes on the copy (processes)', { skip: skipUnless(POSTGRES) || skipUnless(ETCD) }, () => {
  let cfg: ConfigDir;
  let etcd: TestEtcd | undefined;
  let db: TestPostgres | undefined;
  const running: WardProcess[] = [];
  let keys: string[] = [];
  let root = '';
  let appToken = '';
  after(async () => {
    for (const p of running) await p.kill();
    await etcd?.stop();
    await db?.stop();
    cfg?.cleanup();
  });

  const sqliteStanza = (): string => `storage "sqlite" {\n  path = "${cfg.dbPath}"\n}`;
  const call = (w: WardProcess, method: string, path: string, token = root, body?: unknown) => api(w, method, path, { token, ...(body === undefined ? {} : { body }) });
  const unseal = async (w: WardProcess): Promise<void> => {
    for (const k of keys.slice(0, 2)) await api(w, 'PUT', 'sys/unseal', { body: { key: k } });
    assert.equal((await api(w, 'GET', 'sys/seal-status')).body.sealed, false);
  };
  const spawn = async (hcl: string, name: string): Promise<WardProcess> => {
    const w = spawnWard(['server', `-config=${cfg.write(name, hcl)}`], hcl.match(/api_addr\s*=\s*"([^"]+)"/)?.[1] ?? '');
    running.push(w);
    await waitForHealth(w, 30_000);
    return w;
  };

  before(async () => {
    cfg = configDir();
    const port = await freePort();
    const src = await spawn(`${sqliteStanza()}\n\nlistener "tcp" {\n  address     = "127.0.0.1:${port}"\n  tls_disable = true\n}\n\napi_addr = "http://127.0.0.1:${port}"\nallow_root = true\n`, 'sqlite.hcl');
    const init = await api(src, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    keys = init.body.keys;
    root = init.body.root_token;
    await unseal(src);
    assert.equal((await call(src, 'POST', 'sys/mounts/secret', root, { type: 'kv-v2' })).status, 204);
    for (let i = 0; i < SECRETS; i++) assert.equal((await call(src, 'POST', `secret/data/app/${i}`, root, { data: { password: `pw-${i}` } })).status, 200);
    assert.equal((await call(src, 'PUT', 'sys/policies/acl/app-read', root, { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' })).status, 204);
    appToken = (await call(src, 'POST', 'auth/token/create', root, { policies: ['app-read'] })).body.auth.client_token;
    assert.equal((await src.kill('SIGTERM')).code, 0);
  });

  /** Migrates the SQLite store into `stanza`'s engine, starts two HA nodes on it and reads everything back through both. */
  const migrateAndServe = async (engine: string, stanza: string): Promise<void> => {
    const plan = cfg.write(`to-${engine}.hcl`, `${sqliteStanza().replace('storage', 'storage_source')}\n${`storage "${engine}" {\n${stanza}\n}`.replace('storage', 'storage_destination')}\n`);
    const moved = await runWard(['operator', 'migrate', `-config=${plan}`], 120_000);
    assert.equal(moved.code, 0, moved.stderr);
    const nodes: WardProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const [port, clusterPort] = [await freePort(), await freePort()];
      const hcl = [
        `storage "${engine}" {\n${stanza}\n  ha_enabled   = "true"\n  lock_timeout = "3s"\n}`,
        `listener "tcp" {\n  address         = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable     = true\n}`,
        `api_addr     = "http://127.0.0.1:${port}"\ncluster_addr = "https://127.0.0.1:${clusterPort}"\nallow_root   = true\n`,
      ].join('\n\n');
      nodes.push(await spawn(hcl, `${engine}-${i}.hcl`));
    }
    for (const n of nodes) await unseal(n);
    const health = async (n: WardProcess): Promise<number> => (await fetch(`${n.url}/v1/sys/health`)).status;
    const active = await waitFor(`one active node on ${engine}`, async () => {
      const codes = await Promise.all(nodes.map(health));
      return codes.filter((c) => c === 200).length === 1 && codes.filter((c) => c === 429).length === 1 ? nodes[codes.indexOf(200)] : undefined;
    });
    const standby = nodes.find((n) => n !== active)!;
    for (const n of [active, standby]) {
      for (let i = 0; i < SECRETS; i++) {
        const r = await call(n, 'GET', `secret/data/app/${i}`, appToken);
        assert.equal(r.status, 200, `${engine} ${n === active ? 'active' : 'standby'}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.data.data.password, `pw-${i}`);
      }
      assert.match((await call(n, 'GET', 'sys/policies/acl/app-read')).body.data.policy, /read/);
    }
    // The migrated cluster takes writes: through the standby, read back on the active.
    assert.equal((await call(standby, 'POST', 'secret/data/after-migrate', root, { data: { v: engine } })).status, 200);
    assert.equal((await call(active, 'GET', 'secret/data/after-migrate')).body.data.data.v, engine);
    for (const n of nodes) assert.equal((await n.kill('SIGTERM')).code, 0);
  };

  it('to a 3-member etcd cluster', { timeout: 240_000 }, async () => {
    etcd = await startEtcd(3);
    await migrateAndServe('etcd', `  address = "${etcd.address}"\n  path    = "/ward-migrated/"`);
  });

  it('to PostgreSQL', { timeout: 240_000 }, async () => {
    db = await startPostgres();
    await migrateAndServe('postgresql', `  connection_url = "${db.url}"`);
  });
});
