/**
 * Memory locking and dumpability of a real `ward server` (finding 13 of issue 14), read
 * from the kernel: /proc/<pid>/status of the server process (VmLck, NoNewPrivs, Seccomp,
 * and the owner of its /proc files, which becomes root for a non-dumpable process).
 * Needs root (to drop or grant CAP_IPC_LOCK with setpriv) and the built addon: skipped
 * locally without them, a failure under CI.
 */
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { api } from '../../helpers/server.js';
import { configDir, freePort, REPO_ROOT, runWard, spawnWard, sqliteConfig, waitForHealth, WARD_BIN, type ConfigDir, type WardProcess } from '../../helpers/process.js';
import { ROOT, SETPRIV, skipUnless, type Requirement } from '../../helpers/requirement.js';
import { ADDON_PATH, loadNativeHardening } from '../../../src/server/native.js';

const addon = loadNativeHardening();
const NATIVE_ADDON: Requirement = {
  what: 'the native hardening addon',
  hint: `build it with node native/build.mjs (npm ci does)${addon.ok ? '' : `: ${addon.reason}`}`,
  present: () => addon.ok,
};
const skip = skipUnless(ROOT, SETPRIV, NATIVE_ADDON);

/** The pid of the node process (setpriv execs it, so it is the child itself). */
function status(p: WardProcess): string {
  return readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
}
const kb = (s: string, field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
const NO_IPC_LOCK = ['setpriv', '--bounding-set=-ipc_lock', '--inh-caps=-ipc_lock'];
/** An unprivileged user that holds only CAP_IPC_LOCK, as a hardened deployment runs Ward. */
const NOBODY_WITH_IPC_LOCK = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+ipc_lock', '--ambient-caps=+ipc_lock'];

describe('memory locking (real server processes)', { skip }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function server(t: TestContext, o: { wrap?: string[]; extra?: string; allowRoot?: boolean; dev?: boolean }): Promise<{ p: WardProcess; cfg: ConfigDir }> {
    const cfg = configDir();
    cleanups.push(() => cfg.cleanup());
    // The server may run as nobody: its store's directory must be writable for it.
    chmodSync(cfg.dir, 0o777);
    const port = await freePort();
    const args = o.dev
      ? ['server', '-dev', '-dev-storage=inmem', `-dev-listen-address=127.0.0.1:${port}`]
      : ['server', `-config=${cfg.write('ward.hcl', sqliteConfig({ dbPath: cfg.dbPath, port, allowRoot: o.allowRoot ?? true, ...(o.extra ? { extra: o.extra } : {}) }))}`];
    const p = spawnWard(args, `http://127.0.0.1:${port}`, {}, o.wrap ?? []);
    cleanups.push(() => p.kill());
    t.diagnostic(`server pid ${p.child.pid}`);
    return { p, cfg };
  }

  it('locks memory: VmLck > 0, the V8 seccomp filter in place, and KV, policies and tokens keep working', { timeout: 120_000 }, async (t) => {
    const { p } = await server(t, {});
    assert.equal(await waitForHealth(p), 501);
    const s = status(p);
    assert.ok(kb(s, 'VmLck') > 0, `VmLck in\n${s}`);
    assert.match(s, /^NoNewPrivs:\s+1$/m);
    assert.match(s, /^Seccomp:\s+2$/m);
    assert.match(p.stderr(), /memory locked \(mlockall MCL_CURRENT\|MCL_FUTURE\|MCL_ONFAULT\)/);

    const init = await api(p, 'PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    await api(p, 'PUT', 'sys/unseal', { body: { key: init.body.keys[0] } });
    const root: string = init.body.root_token;
    assert.equal((await api(p, 'GET', 'sys/seal-status')).body.memory_locked, true);
    const cli = await runWard(['status'], 20_000, { VAULT_ADDR: p.url });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Memory Locked\s+true$/m);
    assert.equal((await api(p, 'POST', 'sys/mounts/secret', { token: root, body: { type: 'kv-v2' } })).status, 204);
    // Enough work for V8 to compile and tier up new code and to grow and shrink its heap:
    // with locked memory and no filter, the first new JIT code page aborted the process.
    for (let i = 0; i < 400; i++) {
      const w = await api(p, 'POST', `secret/data/app/${i % 40}`, { token: root, body: { data: { n: i, pad: 'x'.repeat(i * 10) } } });
      assert.equal(w.status, 200, JSON.stringify(w.body));
      const r = await api(p, 'GET', `secret/data/app/${i % 40}`, { token: root });
      assert.equal(r.body.data.data.n, i);
      if (i % 40 === 0) {
        assert.equal((await api(p, 'PUT', `sys/policies/acl/p${i}`, { token: root, body: { policy: `path "secret/data/app/${i % 40}" { capabilities = ["read"] }` } })).status, 204);
        const tok = await api(p, 'POST', 'auth/token/create', { token: root, body: { policies: [`p${i}`], ttl: '1h' } });
        assert.equal(tok.status, 200);
        assert.equal((await api(p, 'GET', `secret/data/app/${i % 40}`, { token: tok.body.auth.client_token })).status, 200);
      }
    }
    const after = status(p);
    t.diagnostic(`after 1,000+ requests: VmLck ${kb(after, 'VmLck')} kB, VmRSS ${kb(after, 'VmRSS')} kB, VmHWM ${kb(after, 'VmHWM')} kB`);
    assert.equal(p.child.exitCode, null, 'still running');
    p.child.kill('SIGTERM');
    assert.deepEqual(await p.exited, { code: 0, signal: null }, p.stderr());
  });

  it('as an unprivileged user with only IPC_LOCK: locked and not dumpable (its /proc files belong to root)', { timeout: 60_000 }, async (t) => {
    // Control: a dumpable process of that user owns its /proc files, so the check below can fail.
    const control = spawn(NOBODY_WITH_IPC_LOCK[0] as string, [...NOBODY_WITH_IPC_LOCK.slice(1), 'sleep', '30'], { stdio: 'ignore' });
    cleanups.push(() => control.kill('SIGKILL'));
    const controlOwner = await new Promise<number>((resolve) => setTimeout(() => resolve(statSync(`/proc/${control.pid}/status`).uid), 300));
    assert.equal(controlOwner, 65534);

    const { p } = await server(t, { wrap: NOBODY_WITH_IPC_LOCK, allowRoot: false });
    assert.equal(await waitForHealth(p), 501);
    const s = status(p);
    assert.match(s, /^Uid:\s+65534\s/m);
    assert.ok(kb(s, 'VmLck') > 0, `VmLck in\n${s}`);
    assert.equal(statSync(`/proc/${p.child.pid}/status`).uid, 0, 'not dumpable: /proc/<pid> is owned by root');
    assert.match(p.stderr(), /process is not dumpable/);
  });

  it('without IPC_LOCK (RLIMIT_MEMLOCK as here): refuses to start with Vault\'s error and hint; disable_mlock = true starts it', { timeout: 60_000 }, async (t) => {
    const refused = await server(t, { wrap: NO_IPC_LOCK });
    const { code } = await refused.p.exited;
    assert.equal(code, 1, refused.p.stderr());
    assert.match(refused.p.stderr(), /^Failed to lock memory: (cannot allocate memory|operation not permitted)\n\nThis usually means that the mlock syscall is not available\.\n/m);
    assert.match(refused.p.stderr(), /disable_mlock = true/);

    const { p } = await server(t, { wrap: NO_IPC_LOCK, extra: 'disable_mlock = true' });
    assert.equal(await waitForHealth(p), 501);
    assert.equal(kb(status(p), 'VmLck'), 0);
    assert.equal((await api(p, 'GET', 'sys/seal-status')).body.memory_locked, false);
    assert.match(p.stderr(), /memory locking is disabled \(disable_mlock = true\)/);
  });

  it('dev mode without IPC_LOCK only warns', { timeout: 60_000 }, async (t) => {
    const { p } = await server(t, { wrap: NO_IPC_LOCK, dev: true });
    assert.equal(await waitForHealth(p), 200);
    assert.match(p.stderr(), /memory is NOT locked \(dev mode only warns\): Failed to lock memory/);
    assert.equal((await api(p, 'GET', 'sys/seal-status')).body.memory_locked, false);
  });

  it('ward operator diagnose locks its own memory to prove it can, and fails without IPC_LOCK', { timeout: 60_000 }, async () => {
    const run = (wrap: string[]) => spawnSync(wrap[0] ?? process.execPath, [...wrap.slice(1), ...(wrap.length ? [process.execPath] : []), WARD_BIN, 'operator', 'diagnose'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const ok = run([]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^\[ success \] Check Memory Lock: mlockall\(MCL_CURRENT\|MCL_FUTURE\|MCL_ONFAULT\) succeeded/m);
    assert.match(ok.stdout, /^\[ success \] Check Dumpable: /m);
    const refused = run(NO_IPC_LOCK);
    assert.equal(refused.status, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /^Ward diagnose: failure$/m);
    assert.match(refused.stdout, /^\[ failure \] Check Memory Lock: Failed to lock memory: cannot allocate memory$/m);
    assert.match(refused.stdout, /^\[ warning \] Check Locked Memory Limit: /m);
  });

  it('the addon was built where the tests run', () => {
    assert.ok(addon.ok, `expected ${ADDON_PATH}`);
  });
});
