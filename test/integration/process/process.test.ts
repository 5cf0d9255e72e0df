/**
 * Real `bin/ward server` processes: durability across kill -9, graceful SIGTERM,
 * refusing root and bad config, and dev mode's banner.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { api } from '../../helpers/server.js';
import { freePort } from '../../helpers/net.js';
import { configDir, runWard, spawnWard, sqliteConfig, startConfigServer, waitForHealth, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { ROOT, skipUnless } from '../../helpers/requirement.js';
import { gate, waitFor, withDeadline } from '../../helpers/wait.js';


describe('config server: durability across kill -9', () => {
  let cfg: ConfigDir;
  let p: WardProcess | null = null;
  after(async () => {
    await p?.kill();
    cfg?.cleanup();
  });

  it('every acknowledged write, token and token lease survives kill -9', { timeout: 90_000 }, async () => {
    cfg = configDir();
    const port = await freePort();
    p = await startConfigServer(cfg, { port });
    assert.equal((await api(p, 'GET', 'sys/health')).status, 501);
    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 3, secret_threshold: 2 } });
    assert.equal(init.status, 200);
    const keys: string[] = init.body.keys_base64;
    const root: string = init.body.root_token;
    const unseal = async (w: WardProcess) => {
      await api(w, 'PUT', 'sys/unseal', { body: { key: keys[0] } });
      const u = await api(w, 'PUT', 'sys/unseal', { body: { key: init.body.keys[2] } });
      assert.equal(u.body.sealed, false);
    };
    await unseal(p);
    assert.equal((await api(p, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status, 204);
    assert.equal((await api(p, 'POST', 'secret/metadata/versions', { token: root, body: { max_versions: 500 } })).status, 204);

    // 200 versions of one key, in order.
    for (let i = 1; i <= 200; i++) {
      const w = await api(p, 'POST', 'secret/data/versions', { token: root, body: { data: { i } } });
      assert.equal(w.status, 200);
      assert.equal(w.body.data.version, i);
    }
    // Tokens and leases made before the crash.
    const longTok = (await api(p, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'], ttl: '1h' } })).body.auth.client_token;
    await api(p, 'PUT', 'cubbyhole/mine', { token: longTok, body: { v: 'cubby' } });

    // A wave of concurrent writes that all complete, then a second wave cut off by kill -9
    // as soon as its first write is acknowledged (so the kill lands mid-wave).
    const acked: number[] = [];
    const firstOfSecondWave = gate();
    const write = (i: number) =>
      api(p as WardProcess, 'POST', `secret/data/burst/${i}`, { token: root, body: { data: { i } } }).then(
        (r) => {
          if (r.status !== 200) return;
          acked.push(i);
          if (i >= 30) firstOfSecondWave.open();
        },
        () => undefined,
      );
    await Promise.all(Array.from({ length: 30 }, (_, i) => write(i)));
    assert.equal(acked.length, 30);
    // A short-TTL token made as late as possible before the crash: it must still be valid
    // after the restart, and then expire. 20 s leaves room for a restart on a loaded machine
    // (with 10 s, made before the first wave, CI saw it expire before the restart's lookup).
    const shortTok = (await api(p, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'], ttl: '20s' } })).body.auth.client_token;
    const burst = Array.from({ length: 60 }, (_, i) => write(30 + i));
    await withDeadline('a write of the second wave acknowledged', firstOfSecondWave.promise, 30_000);
    const killed = await p.kill('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    await Promise.all(burst);
    assert.ok(acked.length > 30, 'at least one write of the second wave was acknowledged before the kill');

    p = spawnWard(['server', `-config=${cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: true }))}`], `http://127.0.0.1:${port}`);
    assert.equal(await waitForHealth(p), 503, 'restarts sealed');
    await unseal(p);
    // The short-TTL token made before the crash is still valid right after the restart …
    assert.equal((await api(p, 'GET', 'auth/token/lookup-self', { token: shortTok })).status, 200, 'still valid right after restart');

    const meta = await api(p, 'GET', 'secret/metadata/versions', { token: root });
    assert.equal(meta.status, 200);
    assert.equal(meta.body.data.current_version, 200);
    for (const v of [1, 2, 57, 100, 199, 200]) {
      const r = await api(p, 'GET', `secret/data/versions?version=${v}`, { token: root });
      assert.equal(r.status, 200, `version ${v}`);
      assert.equal(r.body.data.data.i, v);
    }
    for (const i of acked) {
      const r = await api(p, 'GET', `secret/data/burst/${i}`, { token: root });
      assert.equal(r.status, 200, `acknowledged burst write ${i} lost`);
      assert.equal(r.body.data.data.i, i);
    }
    // A token made before the crash still works, with its cubbyhole.
    assert.equal((await api(p, 'GET', 'auth/token/lookup-self', { token: longTok })).status, 200);
    assert.deepEqual((await api(p, 'GET', 'cubbyhole/mine', { token: longTok })).body.data, { v: 'cubby' });
    // … and expires after it (a real process: poll, with a deadline well past its 20 s TTL).
    const w = p;
    await waitFor('the short-TTL token to expire after the restart', async () => (await api(w, 'GET', 'auth/token/lookup-self', { token: shortTok })).status === 403, { timeoutMs: 45_000, intervalMs: 200 });
    assert.equal((await api(p, 'GET', 'auth/token/lookup-self', { token: longTok })).status, 200);
  });
});

describe('SIGTERM', () => {
  const cfgs: ConfigDir[] = [];
  after(() => cfgs.forEach((c) => c.cleanup()));

  it('exits 0 promptly and completes an in-flight request', { timeout: 30_000 }, async () => {
    const cfg = configDir();
    cfgs.push(cfg);
    const p = await startConfigServer(cfg);
    try {
      const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
      await api(p, 'PUT', 'sys/unseal', { body: { key: init.body.keys[0] } });
      const root = init.body.root_token;
      await api(p, 'POST', 'sys/mounts/kv', { token: root, body: { type: 'kv', options: { version: '1' } } });

      // Start a request whose body arrives in two halves, with SIGTERM in between. Ordering,
      // not sleeps: `Expect: 100-continue` makes the server say when it has parsed the
      // headers (the request is in flight), and the log says when the signal was handled.
      const body = JSON.stringify({ v: 'in-flight', pad: 'x'.repeat(2000) });
      const u = new URL(p.url);
      const half = Math.floor(body.length / 2);
      const status = gate<number>();
      const headersParsed = gate();
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          method: 'PUT',
          path: '/v1/kv/inflight',
          headers: { 'X-Vault-Token': root, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Expect: '100-continue' },
        },
        (res) => {
          res.resume();
          status.open(res.statusCode ?? 0);
        },
      );
      req.on('continue', () => headersParsed.open());
      req.on('error', () => status.open(-1));
      req.flushHeaders();
      await withDeadline('100 Continue from the server', headersParsed.promise, 10_000);
      req.write(body.slice(0, half));
      p.child.kill('SIGTERM');
      await waitFor('the server to log the shutdown', () => /shutting down/.test(p.stderr() + p.stdout()), { context: () => p.stderr() });
      req.end(body.slice(half));
      assert.equal(await status.promise, 204, 'the in-flight request completed');
      // A hang (the server never exiting) fails here; nothing measures how long it took.
      const { code } = await withDeadline('the server exiting after SIGTERM', p.exited, 20_000);
      assert.equal(code, 0);
      // And the write is durable.
      const q = spawnWard(['server', `-config=${cfg.dir}/ward.hcl`], p.url);
      try {
        await waitForHealth(q);
        await api(q, 'PUT', 'sys/unseal', { body: { key: init.body.keys[0] } });
        assert.equal((await api(q, 'GET', 'kv/inflight', { token: root })).body.data.v, 'in-flight');
        q.child.kill('SIGTERM');
        assert.equal((await q.exited).code, 0);
      } finally {
        await q.kill();
      }
    } finally {
      await p.kill();
    }
  });

  it('SIGINT also exits 0', { timeout: 20_000 }, async () => {
    const cfg = configDir();
    cfgs.push(cfg);
    const p = await startConfigServer(cfg);
    p.child.kill('SIGINT');
    const { code } = await p.exited;
    assert.equal(code, 0);
  });
});

describe('config errors', () => {
  const cfgs: ConfigDir[] = [];
  after(() => cfgs.forEach((c) => c.cleanup()));

  it('as root without allow_root → non-zero exit with a message about root', { skip: skipUnless(ROOT), timeout: 20_000 }, async () => {
    const cfg = configDir();
    cfgs.push(cfg);
    const port = await freePort();
    const file = cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: false }));
    const r = await runWard(['server', `-config=${file}`]);
    assert.equal(r.timedOut, false, 'did not start serving');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /root/i);
    // -allow-root on the command line is accepted instead.
    const p = spawnWard(['server', `-config=${file}`, '-allow-root'], `http://127.0.0.1:${port}`);
    try {
      assert.equal(await waitForHealth(p), 501);
    } finally {
      await p.kill();
    }
  });

  it('an unknown key → non-zero exit naming file:line', { timeout: 20_000 }, async () => {
    const cfg = configDir();
    cfgs.push(cfg);
    const text = sqliteConfig({ dbPath: cfg.dbPath, port: await freePort(), allowRoot: true, extra: 'no_such_setting = true' });
    const line = text.split('\n').findIndex((l) => l.startsWith('no_such_setting')) + 1;
    const file = cfg.write('ward.hcl', text);
    const r = await runWard(['server', `-config=${file}`]);
    assert.equal(r.timedOut, false);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(`${file}:${line}`), `expected ${file}:${line} in:\n${r.stderr}`);
    assert.ok(r.stderr.includes('no_such_setting'), r.stderr);
  });

  it('an unknown key inside the listener stanza names its line too', { timeout: 20_000 }, async () => {
    const cfg = configDir();
    cfgs.push(cfg);
    const text = sqliteConfig({ dbPath: cfg.dbPath, port: await freePort(), allowRoot: true }).replace('  tls_disable = true', '  tls_disable = true\n  tls_bogus = "x"');
    const line = text.split('\n').findIndex((l) => l.includes('tls_bogus')) + 1;
    const file = cfg.write('ward.hcl', text);
    const r = await runWard(['server', `-config=${file}`]);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(`${file}:${line}`), `expected ${file}:${line} in:\n${r.stderr}`);
  });

  it('a missing config file and no mode → non-zero exit', { timeout: 20_000 }, async () => {
    const r = await runWard(['server', '-config=/nonexistent/ward.hcl']);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes('/nonexistent/ward.hcl'), r.stderr);
    const r2 = await runWard(['server']);
    assert.notEqual(r2.code, 0);
  });
});

describe('dev mode', () => {
  it('-dev prints Root Token: once; the token works; KV v2 at secret/', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const p = spawnWard(['server', '-dev', `-dev-listen-address=127.0.0.1:${port}`], `http://127.0.0.1:${port}`);
    try {
      assert.equal(await waitForHealth(p), 200);
      await waitFor('the dev banner', () => p.stdout().includes('Root Token:'), { context: () => p.stdout() });
      const matches = [...p.stdout().matchAll(/Root Token: (\S+)/g)];
      assert.equal(matches.length, 1, p.stdout());
      const token = matches[0]![1]!;
      assert.match(token, /^hvs\./);
      const me = await api(p, 'GET', 'auth/token/lookup-self', { token });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.data.policies, ['root']);
      assert.match(p.stdout(), /Unseal Key: \S+/);
      const pre = await api(p, 'GET', 'sys/internal/ui/mounts/secret/foo', { token });
      assert.equal(pre.body.data.options.version, '2');
      p.child.kill('SIGTERM');
      assert.equal((await p.exited).code, 0);
    } finally {
      await p.kill();
    }
  });

  it('-dev-root-token-id sets the root token; the generated one is not valid', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const p = spawnWard(['server', '-dev', '-dev-root-token-id=my-dev-root', `-dev-listen-address=127.0.0.1:${port}`, '-dev-storage=inmem'], `http://127.0.0.1:${port}`);
    try {
      await waitForHealth(p);
      await waitFor('the dev banner', () => p.stdout().includes('Root Token:'), { context: () => p.stdout() });
      const matches = [...p.stdout().matchAll(/Root Token: (\S+)/g)];
      assert.equal(matches.length, 1, p.stdout());
      assert.equal(matches[0]![1], 'my-dev-root');
      const me = await api(p, 'GET', 'auth/token/lookup-self', { token: 'my-dev-root' });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.data.policies, ['root']);
      assert.equal(me.body.data.path, 'auth/token/root');
      const accessors = await api(p, 'LIST', 'auth/token/accessors', { token: 'my-dev-root' });
      assert.equal(accessors.body.data.keys.length, 1, 'only the custom root token exists');
      assert.equal((await api(p, 'POST', 'secret/data/x', { token: 'my-dev-root', body: { data: { a: 1 } } })).status, 200);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
});
