/**
 * `bin/ward server` on storage "etcd", as an operator runs it: started before etcd is up
 * (it logs the address and cause and keeps retrying rather than exiting), then init, unseal,
 * a KV write, kill -9, restart, and the write is there.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ETCD, startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { configDir, freePort, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { skipUnless } from '../../helpers/requirement.js';
import { api } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

function etcdConfig(address: string, port: number): string {
  return [
    'storage "etcd" {',
    `  address = "${address}"`,
    '  path    = "/ward-e2e/"',
    '}',
    'listener "tcp" {',
    `  address     = "127.0.0.1:${port}"`,
    '  tls_disable = true',
    '}',
    'allow_root = true',
    '',
  ].join('\n');
}

describe('ward server on etcd storage', { skip: skipUnless(ETCD) }, () => {
  let cfg: ConfigDir | undefined;
  let etcd: TestEtcd | undefined;
  let p: WardProcess | undefined;
  after(async () => {
    await p?.kill();
    await etcd?.stop();
    cfg?.cleanup();
  });

  it('waits for etcd at start, then survives kill -9 with every acknowledged write', { timeout: 120_000 }, async () => {
    cfg = configDir();
    const etcdPort = await freePort();
    const address = `http://127.0.0.1:${etcdPort}`;
    const start = async (): Promise<WardProcess> => {
      const port = await freePort();
      return spawnWard(['server', `-config=${cfg!.write('ward.hcl', etcdConfig(address, port))}`], `http://127.0.0.1:${port}`);
    };

    p = await start();
    const w = p;
    await waitFor('the unreachable etcd to be logged', () => /cannot reach etcd storage; retrying/.test(w.stderr()), { timeoutMs: 30_000, context: () => w.stderr() });
    assert.match(w.stderr(), new RegExp(`127\\.0\\.0\\.1:${etcdPort}`));
    assert.equal(w.child.exitCode, null, 'ward exited instead of retrying');
    etcd = await startEtcd(1, { clientPorts: [etcdPort] });
    await waitForHealth(p, 60_000);

    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    assert.equal(init.status, 200);
    const key: string = init.body.keys[0];
    const root: string = init.body.root_token;
    assert.equal((await api(p, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
    assert.equal((await api(p, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status, 204);
    const put = await api(p, 'POST', 'secret/data/app/db', { token: root, body: { data: { password: 'on-etcd' } } });
    assert.equal(put.status, 200);
    const status = await api(p, 'GET', 'sys/seal-status');
    assert.equal(status.body.storage_type, 'etcd');

    await p.kill('SIGKILL');
    p = await start();
    await waitForHealth(p, 60_000);
    assert.equal((await api(p, 'GET', 'sys/seal-status')).body.initialized, true);
    assert.equal((await api(p, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
    const read = await api(p, 'GET', 'secret/data/app/db', { token: root });
    assert.equal(read.status, 200);
    assert.equal(read.body.data.data.password, 'on-etcd');
  });
});
