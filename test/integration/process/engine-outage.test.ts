/**
 * The storage engine goes away under an active node: PostgreSQL stopped, or every member of
 * a 3-member etcd cluster killed. Clients get an answer (500 or 503, with Vault's errors
 * envelope) instead of a request that hangs past max_request_duration; nothing crashes; and
 * once the engine is back the same node serves writes again, and everything acknowledged
 * before and after is read back.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ETCD, startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { startPgStorageEnv, type PgStorageEnv } from '../../helpers/pg-storage.js';
import { configDir, freePort, spawnWard, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { waitFor } from '../../helpers/wait.js';

/** The node's max_request_duration: a request must be answered well within it plus slack. */
const MAX_REQUEST_S = 5;

function config(storage: string, port: number): string {
  return [storage, 'listener "tcp" {', `  address = "127.0.0.1:${port}"`, '  tls_disable = true', `  max_request_duration = "${MAX_REQUEST_S}s"`, '}', 'allow_root = true', ''].join('\n');
}

interface Answer {
  status: number;
  body: { errors?: string[]; data?: { data?: Record<string, string> } } | null;
}

/** One request; a response that does not come within max_request_duration + 15 s is a hang. */
async function call(p: WardProcess, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${p.url}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout((MAX_REQUEST_S + 15) * 1000),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

async function initialised(p: WardProcess): Promise<string> {
  const init = (await fetch(`${p.url}/v1/sys/init`, { method: 'PUT', body: JSON.stringify({ secret_shares: 1, secret_threshold: 1 }) }).then((r) => r.json())) as { keys: string[]; root_token: string };
  await fetch(`${p.url}/v1/sys/unseal`, { method: 'PUT', body: JSON.stringify({ key: init.keys[0] }) });
  const token: string = init.root_token;
  // With HA, unsealed is not yet active: the node first takes the lock.
  await waitFor('the node to be active', async () => (await fetch(`${p.url}/v1/sys/health`)).status === 200 || undefined, { timeoutMs: 30_000, context: () => p.stderr() });
  assert.equal((await call(p, 'POST', 'sys/mounts/secret', token, { type: 'kv-v2' })).status, 204);
  return token;
}

/** While the engine is down: writes and uncached reads fail with an error envelope, in time. */
async function assertFailsCleanly(p: WardProcess, token: string, engine: string, ha: boolean): Promise<void> {
  // With HA the node may already have stepped down (its lock is in the engine): then it
  // answers as a standby that knows no active node, 503.
  const clear = new RegExp(`storage error: the ${engine} storage engine${ha ? '|standby' : ''}`);
  const write = await call(p, 'POST', 'secret/data/during', token, { data: { v: 'lost?' } });
  assert.ok(write.status === 500 || write.status === 503, `write during the outage: ${write.status} ${JSON.stringify(write.body)}`);
  assert.ok(Array.isArray(write.body?.errors) && write.body.errors.length > 0, JSON.stringify(write.body));
  // Clear: it says the storage engine failed, not a bare "internal error".
  assert.match(write.body.errors.join('; '), clear);
  const read = await call(p, 'GET', 'secret/data/never-written', token);
  assert.ok(read.status === 500 || read.status === 503, `uncached read during the outage: ${read.status} ${JSON.stringify(read.body)}`);
  assert.match((read.body?.errors ?? []).join('; '), clear);
  assert.equal(p.child.exitCode, null, 'ward exited during the outage');
}

/** After the engine is back: writes succeed again (within a deadline) and every acknowledged write reads back. */
async function assertRecovers(p: WardProcess, token: string): Promise<void> {
  await waitFor('writes to succeed again', async () => (await call(p, 'POST', 'secret/data/after', token, { data: { v: 'after' } })).status === 200 || undefined, {
    timeoutMs: 60_000,
    context: () => p.stderr(),
  });
  const before = await call(p, 'GET', 'secret/data/before', token);
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.equal(before.body?.data?.data?.v, 'before');
  assert.equal((await call(p, 'GET', 'secret/data/after', token)).body?.data?.data?.v, 'after');
  const during = await call(p, 'GET', 'secret/data/during', token);
  // The write during the outage was refused; if it is there at all it has its value.
  assert.ok(during.status === 404 || during.body?.data?.data?.v === 'lost?', JSON.stringify(during.body));
}

describe('an engine outage under an active node', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** Ward on `storage` (plus `ha_enabled` and a cluster listener when `ha`), initialised, active, one secret written. */
  async function startActive(storage: string, ha: boolean, env: NodeJS.ProcessEnv = {}): Promise<{ p: WardProcess; token: string }> {
    const cfg: ConfigDir = configDir();
    cleanups.push(() => cfg.cleanup());
    const port = await freePort();
    const cluster = await freePort();
    const stanza = ha ? storage.replace(/\n}$/, '\n  ha_enabled = "true"\n}') : storage;
    let text = config(stanza, port);
    if (ha) text = text.replace('  tls_disable = true', `  tls_disable = true\n  cluster_address = "127.0.0.1:${cluster}"`) + `api_addr = "http://127.0.0.1:${port}"\n`;
    const p = spawnWard(['server', `-config=${cfg.write('ward.hcl', text)}`], `http://127.0.0.1:${port}`, env);
    cleanups.push(() => p.kill());
    await waitForHealth(p, 30_000);
    const token = await initialised(p);
    assert.equal((await call(p, 'POST', 'secret/data/before', token, { data: { v: 'before' } })).status, 200);
    return { p, token };
  }

  for (const ha of [false, true]) {
    const mode = ha ? ' (ha_enabled: the node steps down and takes the lock again)' : '';

    it(`PostgreSQL stopped and started again${mode}`, { skip: skipUnless(POSTGRES), timeout: 180_000 }, async () => {
      const env: PgStorageEnv = await startPgStorageEnv();
      cleanups.push(() => env.stop());
      const { url } = await env.freshUrl();
      const { p, token } = await startActive(`storage "postgresql" {\n  connection_url = "${url}"\n}`, ha, { VAULT_PG_CONNECTION_URL: '', WARD_PG_CONNECTION_URL: '' });
      await env.db.stopServer();
      try {
        await assertFailsCleanly(p, token, 'postgresql', ha);
      } finally {
        await env.db.startServer();
      }
      await assertRecovers(p, token);
      assert.ok(!p.stderr().includes(env.db.password), 'the database password was logged');
    });

    it(`every etcd member killed and restarted${mode}`, { skip: skipUnless(ETCD), timeout: 180_000 }, async () => {
      const etcd: TestEtcd = await startEtcd(3);
      cleanups.push(() => etcd.stop());
      const { p, token } = await startActive(`storage "etcd" {\n  address = "${etcd.address}"\n  path = "/ward-outage/"\n}`, ha);
      await Promise.all(etcd.members.map((m) => m.kill()));
      try {
        await assertFailsCleanly(p, token, 'etcd', ha);
      } finally {
        // All at once: one member alone has no quorum and would never report healthy.
        await Promise.all(etcd.members.map((m) => (m.running ? undefined : m.restart())));
      }
      await assertRecovers(p, token);
    });
  }
});
