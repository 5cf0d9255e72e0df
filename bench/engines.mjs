#!/usr/bin/env node
// Ward on PostgreSQL and on a 3-member etcd cluster: KV v2 write and read at 50 connections,
// each as a ratio to the same engine driven directly from Node (bench/engine-direct.mjs: a
// pg INSERT ... ON CONFLICT / SELECT, an etcd3 put / get of a value the size of Ward's stored
// version entry) at the same concurrency, measured in the same run, in alternating rounds
// (as lib.mjs's sideBySide does with the no-op server). Reads are also given as a ratio to
// the no-op server, beside bench/run.mjs's SQLite read figure, run first in the same run.
// Goals (issue 15): writes >= 0.7 of the engine; cached reads >= the SQLite read figure.
//
// Pinning: engines start first and may use both cores; then this process (autocannon, the
// load generator) moves to CPU 1, and Ward, the direct driver and the no-op server run on
// CPU 0, one at a time under load, so Ward and its baseline get the same core.
//
// Usage: npm run build && node bench/engines.mjs [--duration 10 --connections 50
//          --keys 1000 --only postgresql,etcd --no-sqlite]
//   --keys  writes and reads cycle through this many keys (1 = every request on one key).
//   --cpu-prof DIR  profile Ward (node --cpu-prof); --ops write,read picks the workloads.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, freePort, load, median, option, startNoop, waitForOk } from './lib.mjs';

const DURATION = Number(option('duration', 10));
const CONNECTIONS = Number(option('connections', 50));
const KEYS = Number(option('keys', 1000));
const ROUNDS = 5;
const WARMUP = 3;
const ONLY = option('only', 'postgresql,etcd').split(',').filter(Boolean);
const OPS = option('ops', 'write,read').split(',').filter(Boolean);
const SQLITE = !process.argv.includes('--no-sqlite');
const each = Math.max(1, Math.round(DURATION / ROUNDS));
// --cpu-prof DIR: Ward runs with node --cpu-prof, writing its profile to DIR when it exits.
const PROF = option('cpu-prof', '');

const helpers = join(ROOT, 'dist/test/helpers');
if (!existsSync(join(helpers, 'postgres.js'))) {
  console.error('bench/engines.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { startPostgres } = await import(join(helpers, 'postgres.js'));
const { startEtcd } = await import(join(helpers, 'etcd.js'));

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const onCpu0 = (cmd, args) => (hasTaskset ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args]);

/** The SQLite figure: bench/run.mjs --only read, first, on an idle machine. */
function sqliteRead() {
  const out = execFileSync(process.execPath, [join(ROOT, 'bench/run.mjs'), '--only', 'read', '--duration', String(DURATION), '--connections', String(CONNECTIONS)], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.startsWith('KV v2 read'));
  return { line, ratio: Number(line?.trim().split(/\s+/).pop()) };
}

const dir = mkdtempSync(join(tmpdir(), 'ward-bench-engines-'));
const children = [];
const stops = [];
const cleanup = async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

function spawnTracked(cmd, args, opts) {
  const [c, a] = onCpu0(cmd, args);
  const child = spawn(c, a, opts);
  children.push(child);
  return child;
}

/** `ward server` on a config file; init (one share), unseal, a kv-v2 mount at secret/. */
async function startWard(name, storageStanza) {
  const port = await freePort();
  const file = join(dir, `${name}.hcl`);
  writeFileSync(file, `${storageStanza}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\nallow_root = true\ndisable_mlock = true\nlog_level = "error"\n`);
  const child = spawnTracked(process.execPath, [...(PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`, `--cpu-prof-name=ward-${name}.cpuprofile`] : []), join(ROOT, 'bin/ward'), 'server', `-config=${file}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/v1/sys/health`).catch(() => null);
    if (res && res.status === 501) break;
    if (i > 600) throw new Error(`ward on ${name} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const req = async (method, path, body, token) => {
    const res = await fetch(`${url}/v1/${path}`, { method, headers: { 'Content-Type': 'application/json', ...(token ? { 'X-Vault-Token': token } : {}) }, body: body && JSON.stringify(body) });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  const init = await req('PUT', 'sys/init', { secret_shares: 1, secret_threshold: 1 });
  await req('PUT', 'sys/unseal', { key: init.keys[0] });
  await waitForOk(`${url}/v1/sys/health`);
  await req('POST', 'sys/mounts/secret', { type: 'kv-v2' }, init.root_token);
  for (let i = 0; i < KEYS; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, KEYS - i) }, (_, j) => req('POST', `secret/data/bench/k${i + j}`, { data: { password: 'rotated' } }, init.root_token)));
  }
  return { url, token: init.root_token, child };
}

/** The direct driver as a child on CPU 0; `run(seconds)` resolves with {rps, p99}. */
async function startDirect(o) {
  const child = spawnTracked(process.execPath, [join(ROOT, 'bench/engine-direct.mjs'), JSON.stringify({ ...o, concurrency: CONNECTIONS, keys: KEYS })], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`direct ${o.engine} ${o.op} driver exited`);
    return r.value;
  };
  if ((await next()) !== 'ready') throw new Error('direct driver did not start');
  return {
    async run(seconds) {
      child.stdin.write(`run ${seconds}\n`);
      return JSON.parse(await next());
    },
    stop: () => child.stdin.end(),
  };
}

/** Ward's KV v2 `op` under autocannon for `seconds`, cycling through KEYS secrets. */
function wardLoad(ward, op, seconds) {
  let n = 0;
  const path = () => `/v1/secret/data/bench/k${n++ % KEYS}`;
  return load({
    title: `ward ${op}`,
    url: ward.url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'X-Vault-Token': ward.token, 'Content-Type': 'application/json' },
    requests: [{ method: op === 'write' ? 'POST' : 'GET', setupRequest: (r) => ({ ...r, path: path(), ...(op === 'write' ? { body: '{"data":{"password":"rotated"}}' } : {}) }) }],
  });
}

/** Alternating rounds of `a` and `b` (order swapped each round); the ratio is the median per-round a/b. */
async function alternate(title, a, b) {
  await a(WARMUP);
  await b(WARMUP);
  const as = [];
  const bs = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      as.push(await a(each));
      bs.push(await b(each));
    } else {
      bs.push(await b(each));
      as.push(await a(each));
    }
  }
  const ratio = median(as.map((r, i) => r.rps / bs[i].rps));
  console.error(`  ${title}: per-round ratios ${as.map((r, i) => (r.rps / bs[i].rps).toFixed(2)).join(' ')}`);
  return { title, ward: { rps: median(as.map((r) => r.rps)), p99: Math.max(...as.map((r) => r.p99)) }, base: { rps: median(bs.map((r) => r.rps)), p99: Math.max(...bs.map((r) => r.p99)) }, ratio };
}

const rows = [];
let sqlite = null;
try {
  if (SQLITE) {
    console.error('SQLite read figure (bench/run.mjs --only read)...');
    sqlite = sqliteRead();
  }
  const engines = {};
  if (ONLY.includes('postgresql')) {
    const db = await startPostgres();
    stops.push(() => db.stop());
    // Ward's pool and the direct driver's stay open side by side: 2 x 50 is over the default 100.
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('ALTER SYSTEM SET max_connections = 300');
    await admin.end();
    await db.stopServer();
    await db.startServer();
    engines.postgresql = { stanza: `storage "postgresql" {\n  connection_url = "${db.url}"\n  max_parallel = "${CONNECTIONS}"\n}`, direct: { engine: 'postgresql', url: db.url, table: 'vault_kv_store' }, db };
  }
  if (ONLY.includes('etcd')) {
    const etcd = await startEtcd(3);
    stops.push(() => etcd.stop());
    engines.etcd = { stanza: `storage "etcd" {\n  address = "${etcd.address}"\n  path = "/ward-bench/"\n}`, direct: { engine: 'etcd', address: etcd.address, prefix: '/bench/' } };
  }
  if (hasTaskset) execFileSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const noopPort = await freePort();
  const [nc, na] = onCpu0(process.execPath, ['-e', `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.setHeader('Content-Type','application/json');s.end('{}')})}).listen(${noopPort},'127.0.0.1')`]);
  children.push(spawn(nc, na, { stdio: 'ignore' }));
  void startNoop; // lib's startNoop spawns unpinned; the same one-liner is pinned above
  const noopUrl = `http://127.0.0.1:${noopPort}`;
  await waitForOk(noopUrl);
  const noopLoad = (seconds) => load({ title: 'no-op', url: `${noopUrl}/v1/secret/data/bench/k0`, connections: CONNECTIONS, duration: seconds });

  // The size of one stored version entry (ciphertext of {"password":"rotated"}), for the baseline's value.
  let size = 64;
  let size2 = 400;
  for (const [name, e] of Object.entries(engines)) {
    console.error(`Ward on ${name}...`);
    const ward = await startWard(name, e.stanza);
    if (e.db) {
      const { default: pg } = await import('pg');
      const c = new pg.Client({ connectionString: e.db.url });
      await c.connect();
      const r = await c.query(`SELECT octet_length(value) AS n FROM vault_kv_store WHERE path LIKE '/logical/%/versions/%' LIMIT 1`);
      size = Number(r.rows[0]?.n ?? size);
      const m = await c.query(`SELECT octet_length(value) AS n FROM vault_kv_store WHERE path LIKE '/logical/%/metadata/%' LIMIT 1`);
      size2 = Number(m.rows[0]?.n ?? size2);
      await c.end();
    }
    const pairs = OPS.flatMap((op) => (op === 'write' ? [['write', 'write'], ['write', 'write2']] : [[op, op]]));
    for (const [op, base] of pairs) {
      const direct = await startDirect({ ...e.direct, op: base, size, size2 });
      try {
        rows.push(await alternate(`${name} KV v2 ${op} / direct ${base}`, (s) => wardLoad(ward, op, s), (s) => direct.run(s)));
      } finally {
        direct.stop();
      }
    }
    if (OPS.includes('read')) rows.push(await alternate(`${name} KV v2 read / no-op`, (s) => wardLoad(ward, 'read', s), noopLoad));
    const exited = new Promise((r) => ward.child.once('exit', r));
    ward.child.kill('SIGTERM');
    await exited;
  }
  console.log(`\nWard on storage engines: ${CONNECTIONS} connections, ${KEYS} keys, ${DURATION}s per side (${ROUNDS} alternating rounds), values ${size} bytes (version entry) and ${size2} (metadata, write2 only), no audit device${hasTaskset ? ', Ward/baseline on CPU 0, autocannon on CPU 1' : ', unpinned (no taskset)'}`);
  const pad = (s, n) => String(s).padEnd(n);
  console.log(`${pad('workload / baseline', 40)}${pad('Ward req/s', 12)}${pad('Ward p99', 10)}${pad('base op/s', 11)}${pad('base p99', 10)}ratio`);
  for (const r of rows) console.log(`${pad(r.title, 40)}${pad(Math.round(r.ward.rps), 12)}${pad(`${r.ward.p99}ms`, 10)}${pad(Math.round(r.base.rps), 11)}${pad(`${r.base.p99}ms`, 10)}${r.ratio.toFixed(2)}`);
  if (sqlite) console.log(`SQLite (bench/run.mjs --only read, same run): ${sqlite.line?.trim()}`);
  console.log('Goals: write ratio >= 0.70; cached read ratio to the no-op >= the SQLite read ratio.');
  console.log('write2 = two engine writes at once (version + metadata): the engine work one KV v2 write needs.');
} finally {
  await cleanup();
}
