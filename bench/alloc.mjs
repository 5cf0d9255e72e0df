// Bytes allocated per request, and by which functions, while autocannon loads Ward over
// HTTP. Ward runs in this process (the built dist/, a dev core on SQLite with a file
// audit device) so V8's sampling heap profiler can watch it; autocannon runs in a child
// process. Objects that die young are counted too.
//
// On this VM a request's time swings by tens of percent from one run to the next, while
// its allocation does not: a change that removes a few hundred bytes per request shows
// here when no throughput figure can show it. Allocation is also what the scavenger
// pays for, in GC time and in cache misses.
//
//   node bench/alloc.mjs [--mode read|write|lookup] [--seconds 5] [--top 30]
//
// The profiler slows the server several times over; the req/s it prints is not a result.
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TOKEN, WORKLOADS, option } from './lib.mjs';

const MODE = option('mode', 'read');
const SECONDS = Number(option('seconds', 5));
const TOP = Number(option('top', 30));
const workload = WORKLOADS[MODE];
if (!workload) throw new Error(`unknown --mode ${MODE}`);

const dist = (p) => import(join(ROOT, 'dist/src', p));
const { WardCore } = await dist('core/core.js');
const { silentLogger } = await dist('sdk/logical.js');
const { SqlitePhysical } = await dist('storage/sqlite/sqlite-physical.js');
const { devBootstrap } = await dist('server/dev.js');
const { createHandler } = await dist('http/handler.js');
const { startListener } = await dist('http/listener.js');

const dir = mkdtempSync(join(tmpdir(), 'ward-alloc-'));
const core = new WardCore({ physical: SqlitePhysical.open(join(dir, 'ward.db')), logger: silentLogger });
await devBootstrap(core, TOKEN);
const listener = await startListener({ address: '127.0.0.1:0', tlsDisable: true }, createHandler(core, { logger: silentLogger }));

/** Runs autocannon in a child process (in this one it would share the event loop) for `seconds`. */
function drive(seconds) {
  const { path, ...rest } = workload;
  const opts = JSON.stringify({ title: MODE, headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' }, connections: 50, ...rest, duration: seconds, url: listener.url + path });
  const code = `import(${JSON.stringify(join(ROOT, 'bench/lib.mjs'))}).then(async ({ load }) => console.log(JSON.stringify(await load(${opts}))))`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (status) => (status === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited with ${status}`))));
  });
}

/** Self bytes per sampled function (name, file, line), summed over the profile tree. */
function bySite(profile) {
  const sites = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace('node:internal/', '');
    const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    sites.set(name, (sites.get(name) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  return { sites, total };
}

try {
  const url = listener.url;
  const call = (method, path, body) =>
    fetch(`${url}/v1/${path}`, { method, headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).then((r) => {
      if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status}`);
    });
  await call('PUT', 'sys/audit/file', { type: 'file', options: { file_path: join(dir, 'audit.log') } });
  await call('POST', 'secret/data/bench', { data: { username: 'app', password: 'correct horse battery staple' } });
  await drive(3);
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const r = await drive(SECONDS);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  const requests = r.rps * SECONDS;
  const { sites, total } = bySite(profile);
  console.log(`\n${MODE}: ${Math.round(total / requests)} bytes allocated per request (${Math.round(r.rps)} req/s under the profiler)\n`);
  for (const [name, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${String(Math.round(bytes / requests)).padStart(7)}  ${name}`);
} finally {
  await listener.close();
  await core.shutdown();
  rmSync(dir, { recursive: true, force: true });
}
