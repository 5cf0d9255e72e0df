/**
 * Crash consistency beyond KV data (issue 14): KV metadata (custom_metadata,
 * max_versions, delete_version_after), ACL policies, mounts (enable, tune, disable) and
 * tokens (create, revoke), over several rounds of writes, kill -9 and restart.
 * "Acknowledged" means a 2xx answer: every acknowledged change is there after the
 * restart, and an acknowledged revoke, delete or disable stays done. Changes still in
 * flight at the kill may land or not, and are not checked.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api } from '../../helpers/server.js';
import { configDir, freePort, spawnWard, sqliteConfig, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';

const ROUNDS = 3;

type Meta = { custom_metadata: Record<string, string>; max_versions: number; delete_version_after: string };

/**
 * What the server acknowledged, across rounds: for each key, the states a restart may
 * show. One state once a change is acknowledged; the old and the new one while a change
 * was in flight at the kill (it may have landed without its answer getting out).
 */
interface Model {
  meta: Map<string, Meta[]>;
  /** Policy name → its text, or null once deleted. */
  policies: Map<string, (string | null)[]>;
  /** Mount path → its tuned default_lease_ttl (seconds; 0 = not tuned), or null once disabled. */
  mounts: Map<string, (number | null)[]>;
  /** Token → alive (true) or revoked (false). */
  tokens: Map<string, boolean[]>;
}

/** Applies a phase-2 change to `map`: its state is `next` when acknowledged, else old or next. */
function change<T>(map: Map<string, T[]>, key: string, next: T, acked: boolean): void {
  const old = map.get(key) ?? [];
  map.set(key, acked ? [next] : [...old, next]);
}

const ok = (status: number): boolean => status >= 200 && status < 300;

describe('crash consistency: metadata, policies, mounts and tokens survive kill -9', () => {
  let cfg: ConfigDir;
  let p: WardProcess | null = null;
  after(async () => {
    await p?.kill();
    cfg?.cleanup();
  });

  it(`${ROUNDS} rounds of acknowledged changes, each cut off by kill -9, all there after every restart`, { timeout: 240_000 }, async (t) => {
    cfg = configDir();
    const start = async (): Promise<WardProcess> => {
      const port = await freePort();
      const w = spawnWard(['server', `-config=${cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: true }))}`], `http://127.0.0.1:${port}`);
      await waitForHealth(w);
      return w;
    };
    p = await start();
    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    const key: string = init.body.keys[0];
    const root: string = init.body.root_token;
    const unseal = async (w: WardProcess): Promise<void> => {
      assert.equal((await api(w, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
    };
    await unseal(p);
    assert.equal((await api(p, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status, 204);

    const model: Model = { meta: new Map(), policies: new Map(), mounts: new Map(), tokens: new Map() };
    for (let round = 0; round < ROUNDS; round++) {
      const w: WardProcess = p;
      const call = (method: string, path: string, body?: unknown) => api(w, method, path, { token: root, ...(body === undefined ? {} : { body }) });

      // Phase 1, one at a time: create what phase 2 will change, revoke, delete or disable.
      for (let i = 0; i < 8; i++) {
        const m: Meta = { custom_metadata: { owner: `team-${round}-${i}`, round: String(round) }, max_versions: 3 + i, delete_version_after: `${i + 1}h0m0s` };
        assert.equal((await call('POST', `secret/metadata/m${round}-${i}`, m)).status, 204);
        model.meta.set(`m${round}-${i}`, [m]);
        const policy = `path "secret/data/r${round}/${i}" { capabilities = ["read"] }`;
        assert.equal((await call('PUT', `sys/policies/acl/p${round}-${i}`, { policy })).status, 204);
        model.policies.set(`p${round}-${i}`, [policy]);
        assert.equal((await call('POST', `sys/mounts/kv${round}-${i}`, { type: 'kv', options: { version: '1' } })).status, 204);
        model.mounts.set(`kv${round}-${i}`, [0]);
        const tok = await call('POST', 'auth/token/create', { policies: [`p${round}-${i}`], ttl: '2h' });
        assert.equal(tok.status, 200);
        model.tokens.set(tok.body.auth.client_token, [true]);
      }
      const created = [...model.tokens.keys()].slice(-8);

      // Phase 2, all at once, cut off by kill -9.
      const ops: Promise<void>[] = [];
      const settled = { acked: 0, cut: 0 };
      const track = (req: Promise<{ status: number; body: any }>, onSettled: (acked: boolean, body: any) => void): void => {
        // any: the answer's body is read field by field, as in api().
        const done = (acked: boolean, body: unknown): void => {
          settled[acked ? 'acked' : 'cut']++;
          onSettled(acked, body);
        };
        ops.push(req.then((r) => done(ok(r.status), r.body), () => done(false, null)));
      };
      for (let i = 0; i < 8; i++) {
        const meta: Meta = { custom_metadata: { owner: `changed-${round}-${i}` }, max_versions: 20 + i, delete_version_after: `${i + 2}h30m0s` };
        track(call('POST', `secret/metadata/m${round}-${i}`, meta), (acked) => change(model.meta, `m${round}-${i}`, meta, acked));
        if (i % 2 === 0) track(call('DELETE', `sys/policies/acl/p${round}-${i}`), (acked) => change(model.policies, `p${round}-${i}`, null, acked));
        else {
          const policy = `path "secret/data/changed/${i}" { capabilities = ["list"] }`;
          track(call('PUT', `sys/policies/acl/p${round}-${i}`, { policy }), (acked) => change(model.policies, `p${round}-${i}`, policy, acked));
        }
        if (i % 2 === 0) track(call('DELETE', `sys/mounts/kv${round}-${i}`), (acked) => change(model.mounts, `kv${round}-${i}`, null, acked));
        else track(call('POST', `sys/mounts/kv${round}-${i}/tune`, { default_lease_ttl: `${i + 1}h` }), (acked) => change(model.mounts, `kv${round}-${i}`, (i + 1) * 3600, acked));
        if (i % 2 === 0) track(call('POST', 'auth/token/revoke', { token: created[i] }), (acked) => change(model.tokens, created[i] as string, false, acked));
        // A token whose creation was acknowledged must exist after the restart.
        track(call('POST', 'auth/token/create', { policies: ['default'], ttl: '2h' }), (acked, body) => {
          if (acked) model.tokens.set(body.auth.client_token, [true]);
        });
      }
      // Let part of the burst be acknowledged before the kill.
      await Promise.race([Promise.all(ops), new Promise((r) => setTimeout(r, 40 + round * 30))]);
      assert.equal((await w.kill('SIGKILL')).signal, 'SIGKILL');
      await Promise.all(ops);

      p = await start();
      assert.equal(await waitForHealth(p), 503, 'restarts sealed');
      await unseal(p);
      await verify(p, root, model);
      t.diagnostic(`round ${round}: ${settled.acked} changes acknowledged before kill -9, ${settled.cut} cut off; verified ${model.meta.size} metadata records, ${model.policies.size} policies, ${model.mounts.size} mounts, ${model.tokens.size} tokens`);
    }
  });
});

async function verify(w: WardProcess, root: string, model: Model): Promise<void> {
  const call = (method: string, path: string) => api(w, method, path, { token: root });
  /** Passes when `actual` deep-equals one of the allowed states. */
  const oneOf = <T>(actual: T, allowed: T[], what: string): void => {
    const match = allowed.some((a) => {
      try {
        assert.deepEqual(actual, a);
        return true;
      } catch {
        return false;
      }
    });
    assert.ok(match, `${what}: found ${JSON.stringify(actual)}, expected one of ${JSON.stringify(allowed)}`);
  };
  for (const [k, allowed] of model.meta) {
    const r = await call('GET', `secret/metadata/${k}`);
    assert.equal(r.status, 200, `metadata ${k}`);
    oneOf({ custom_metadata: r.body.data.custom_metadata, max_versions: r.body.data.max_versions, delete_version_after: r.body.data.delete_version_after }, allowed, `metadata ${k}`);
  }
  for (const [name, allowed] of model.policies) {
    const r = await call('GET', `sys/policies/acl/${name}`);
    assert.ok(r.status === 200 || r.status === 404, `policy ${name}: ${r.status}`);
    oneOf(r.status === 404 ? null : (r.body.data.policy as string), allowed, `policy ${name}`);
  }
  const mounts = (await call('GET', 'sys/mounts')).body.data as Record<string, unknown>;
  for (const [path, allowed] of model.mounts) {
    let state: number | null = null;
    if (mounts[`${path}/`]) {
      const tune = await call('GET', `sys/mounts/${path}/tune`);
      assert.equal(tune.status, 200);
      // Untuned mounts report the system default (768h): count that as "not tuned".
      state = tune.body.data.default_lease_ttl === 768 * 3600 ? 0 : tune.body.data.default_lease_ttl;
    }
    oneOf(state, allowed, `mount ${path}`);
  }
  for (const [token, allowed] of model.tokens) {
    const r = await api(w, 'GET', 'auth/token/lookup-self', { token });
    assert.ok(r.status === 200 || r.status === 403, `token lookup: ${r.status}`);
    oneOf(r.status === 200, allowed, 'token (true = alive)');
  }
}
