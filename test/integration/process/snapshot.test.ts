/**
 * Disaster recovery with real processes: snapshot a populated Ward with the CLI, wipe its
 * storage, start a fresh Ward there, force-restore the snapshot, unseal with the original
 * keys and read everything back, also after a restart. The listener's max_request_size
 * is small (4 KiB): a snapshot upload is not bound by it (as in Vault).
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { api } from '../../helpers/server.js';
import { configDir, freePort, runWard, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';

describe('snapshot save / wipe / restore (processes)', () => {
  let cfg: ConfigDir;
  const running: WardProcess[] = [];
  after(async () => {
    for (const p of running) await p.kill();
    cfg?.cleanup();
  });

  const start = async (): Promise<WardProcess> => {
    const port = await freePort();
    const hcl = [
      `storage "sqlite" {\n  path = "${cfg.dbPath}"\n}`,
      `listener "tcp" {\n  address          = "127.0.0.1:${port}"\n  tls_disable      = true\n  max_request_size = 4096\n}`,
      'allow_root = true',
      '',
    ].join('\n\n');
    const w = spawnWard(['server', `-config=${cfg.write('ward.hcl', hcl)}`], `http://127.0.0.1:${port}`);
    running.push(w);
    await waitForHealth(w);
    return w;
  };
  const cli = (w: WardProcess, token: string, ...args: string[]) => runWard(args, 60_000, { VAULT_ADDR: w.url, VAULT_TOKEN: token, HOME: cfg.dir });

  it('a wiped node, re-initialised and force-restored, unseals with the original keys and serves the original data', { timeout: 120_000 }, async () => {
    cfg = configDir();
    const a = await start();
    const init = await api(a, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    const keys: string[] = init.body.keys;
    const root: string = init.body.root_token;
    const unseal = async (w: WardProcess, ks: string[]): Promise<void> => {
      await api(w, 'PUT', 'sys/unseal', { body: { key: ks[1] } });
      const r = await api(w, 'PUT', 'sys/unseal', { body: { key: ks[2] } });
      assert.equal(r.body.sealed, false, JSON.stringify(r.body));
    };
    await unseal(a, keys);
    const call = (w: WardProcess, method: string, path: string, body?: unknown, token = root) => api(w, method, path, { token, ...(body === undefined ? {} : { body }) });
    assert.equal((await call(a, 'POST', 'sys/mounts/secret', { type: 'kv-v2' })).status, 204);
    const big = 'z'.repeat(1500); // with many of these, the snapshot is far over 4096 bytes
    for (let i = 0; i < 50; i++) assert.equal((await call(a, 'POST', `secret/data/app/${i}`, { data: { password: `pw-${i}`, big } })).status, 200);
    assert.equal((await call(a, 'PUT', 'sys/policies/acl/app-read', { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' })).status, 204);
    const appToken: string = (await call(a, 'POST', 'auth/token/create', { policies: ['app-read'] })).body.auth.client_token;

    const file = join(cfg.dir, 'dr.snap');
    const saved = await cli(a, root, 'operator', 'snapshot', 'save', file);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal((await a.kill('SIGTERM')).code, 0);

    // The disaster: the store is gone.
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${cfg.dbPath}${suffix}`, { force: true });
    assert.equal(existsSync(cfg.dbPath), false);

    const b = await start();
    // Initialised differently (one share): the restore brings back the original 3/2 seal.
    const fresh = await api(b, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.equal((await api(b, 'PUT', 'sys/unseal', { body: { key: fresh.body.keys[0] } })).body.sealed, false);
    const refused = await cli(b, fresh.body.root_token, 'operator', 'snapshot', 'restore', file);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /different set of unseal keys; use the snapshot-force API/);
    const restored = await cli(b, fresh.body.root_token, 'operator', 'snapshot', 'restore', '-force', file);
    assert.equal(restored.code, 0, restored.stderr);
    const sealed = (await api(b, 'GET', 'sys/seal-status')).body;
    assert.deepEqual([sealed.sealed, sealed.t, sealed.n], [true, 2, 3]);
    await unseal(b, keys);

    const readAll = async (w: WardProcess): Promise<void> => {
      for (let i = 0; i < 50; i++) assert.equal((await call(w, 'GET', `secret/data/app/${i}`)).body.data.data.password, `pw-${i}`);
      assert.equal((await call(w, 'GET', 'secret/data/app/3', undefined, appToken)).body.data.data.big, big);
      assert.match((await call(w, 'GET', 'sys/policies/acl/app-read')).body.data.policy, /read/);
      assert.equal((await call(w, 'GET', 'auth/token/lookup-self', undefined, fresh.body.root_token)).status, 403);
    };
    await readAll(b);

    // The restore is durable: after a restart it is all still there.
    assert.equal((await b.kill('SIGTERM')).code, 0);
    const c = await start();
    await unseal(c, keys);
    await readAll(c);
  });
});
