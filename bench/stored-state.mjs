// For benchmarks of costs that grow with stored state: a SQLite store filled in-process
// (far faster than over HTTP), then served by a real `ward server -config` (this checkout
// or another built one, `root`) beside a no-op server, both pinned to CPU 0, with wrk
// pinned to CPU 1 measuring both in alternating rounds; the figure is the median of the
// per-round ratios Ward/no-op.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TOKEN, call, freePort, median, startNoop, waitForOk } from './lib.mjs';

/**
 * Fills a new store with this checkout's core: TOKEN as a root token, KV v2 at secret/ with
 * the secret WORKLOADS.read reads, then `fill(core, req)`. Returns the unseal key.
 */
async function populate(dbPath, fill) {
  const D = (p) => join(ROOT, 'dist', p);
  const { WardCore } = await import(D('src/core/core.js'));
  const { SqlitePhysical } = await import(D('src/storage/sqlite/sqlite-physical.js'));
  const { silentLogger } = await import(D('src/sdk/logical.js'));
  const core = new WardCore({ physical: SqlitePhysical.open(dbPath), logger: silentLogger });
  const init = await core.init(1, 1);
  await core.unseal(init.keys[0], false);
  const req = (path, data) => core.handleRequest({ operation: 'update', path, data, clientToken: init.root_token, wrapTtl: 0, headers: {}, connection: { remoteAddress: '127.0.0.1', remotePort: 1 } });
  await req('auth/token/create', { id: TOKEN, policies: ['root'], no_parent: true });
  await req('sys/mounts/secret', { type: 'kv', options: { version: '2' } });
  await req('secret/data/bench', { data: { username: 'app', password: 'correct horse battery staple' } });
  await fill(core, req);
  await core.shutdown();
  return init.keys[0];
}

function pin(pid, cpu) {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** One wrk run on CPU 1; resolves with requests/s, throws on any non-2xx. */
export function wrk(url, seconds, connections) {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', '1', 'wrk', '-t2', `-c${connections}`, `-d${seconds}s`, '-H', `X-Vault-Token: ${TOKEN}`, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    p.on('exit', (code) => {
      if (code !== 0 || /Non-2xx/.test(out)) return reject(new Error(`wrk ${url}:\n${out}`));
      resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN));
    });
  });
}

/**
 * A filled store served by `root`'s bin/ward and a no-op server, both pinned to CPU 0.
 * `ready(url)` waits for whatever loads after unseal. stop() kills both and removes the store.
 */
export async function startStoredState({ root = ROOT, fill, ready = async () => {}, extraConfig = '' }) {
  const dir = mkdtempSync(join(tmpdir(), 'ward-stored-'));
  const dbPath = join(dir, 'ward.db');
  const t0 = performance.now();
  const key = await populate(dbPath, fill);
  console.error(`  store filled in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  const wardPort = await freePort();
  const noopPort = await freePort();
  const cfg = join(dir, 'ward.hcl');
  writeFileSync(cfg, `storage "sqlite" {\n  path = "${dbPath}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${wardPort}"\n  tls_disable = true\n}\nallow_root = true\ndisable_mlock = true\n${extraConfig}`);
  const ward = spawn(process.execPath, [join(root, 'bin/ward'), 'server', `-config=${cfg}`, '-log-level=error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const noop = startNoop(noopPort);
  const s = {
    wardUrl: `http://127.0.0.1:${wardPort}`,
    noopUrl: `http://127.0.0.1:${noopPort}`,
    stop() {
      ward.kill('SIGTERM');
      noop.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForOk(`${s.wardUrl}/v1/sys/seal-status`);
    await call(s.wardUrl, 'PUT', 'sys/unseal', { key });
    await waitForOk(`${s.wardUrl}/v1/sys/health`);
    await waitForOk(s.noopUrl);
    await ready(s.wardUrl);
    pin(ward.pid, 0);
    pin(noop.pid, 0);
  } catch (e) {
    s.stop();
    throw e;
  }
  return s;
}

/** Ward/no-op for `path`, alternating rounds (order swapped each round: the machine's speed drifts). */
export async function ratioRounds(title, { wardUrl, noopUrl, path, rounds, seconds, connections }) {
  await wrk(noopUrl + path, 2, connections); // warm-up, not counted
  await wrk(wardUrl + path, 2, connections);
  const ratios = [];
  const rps = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [noopUrl, wardUrl] : [wardUrl, noopUrl];
    const got = {};
    for (const u of order) got[u] = await wrk(u + path, seconds, connections);
    ratios.push(got[wardUrl] / got[noopUrl]);
    rps.push(got[wardUrl]);
  }
  console.error(`  ${title}: per-round ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  return { title, rps: median(rps), ratio: median(ratios) };
}
