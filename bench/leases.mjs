#!/usr/bin/env node
// Lease scale: how long after unseal a node with N stored leases serves its first
// request, its RSS once the lease index is fully loaded, and revoke-prefix throughput
// while other requests keep being served. Leases here are token leases (every service
// token has one), so no external service is needed.
// Usage: npm run build && node bench/leases.mjs [-- --counts 10000,100000,1000000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const D = (p) => join(ROOT, 'dist', p);
const args = process.argv.slice(2);
const countsArg = args[args.indexOf('--counts') + 1];
const COUNTS = args.includes('--counts') && countsArg ? countsArg.split(',').map(Number) : [10_000, 100_000];
const phase = args.includes('--phase') ? args[args.indexOf('--phase') + 1] : 'main';

const { WardCore } = await import(D('src/core/core.js'));
const { SqlitePhysical } = await import(D('src/storage/sqlite/sqlite-physical.js'));
const { silentLogger } = await import(D('src/sdk/logical.js'));

const input = (token, path, operation = 'read', data = {}) => ({
  operation, path, data, clientToken: token, wrapTtl: 0, headers: {}, connection: { remoteAddress: '127.0.0.1', remotePort: 1 },
});

async function populate(dbPath, n) {
  const core = new WardCore({ physical: SqlitePhysical.open(dbPath), logger: silentLogger });
  const init = await core.init(1, 1);
  await core.unseal(init.keys[0], false);
  const root = init.root_token;
  const t0 = performance.now();
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    await Promise.all(Array.from({ length: k }, (_, j) =>
      core.handleRequest(input(root, 'auth/token/create', 'update', { policies: ['default'], ttl: '720h', meta: { i: String(i + j) } }))));
  }
  const secs = (performance.now() - t0) / 1000;
  await core.shutdown();
  return { unsealKey: init.keys[0], root, populateSecs: secs };
}

// Runs in a fresh process so RSS reflects only the restored node.
async function measureUnseal(dbPath, key, root) {
  const core = new WardCore({ physical: SqlitePhysical.open(dbPath), logger: silentLogger });
  const t0 = performance.now();
  await core.unseal(key, false);
  await core.handleRequest(input(root, 'auth/token/lookup-self'));
  const firstMs = performance.now() - t0;
  await core.active.expiration.whenRestored();
  const restoredMs = performance.now() - t0;
  global.gc?.();
  const rssMb = process.memoryUsage().rss / 1048576;
  const count = core.active.expiration.count();
  // Revoke every token lease under auth/token/create while timing lookups alongside.
  const lat = [];
  let stop = false;
  const probe = (async () => {
    while (!stop) {
      const s = performance.now();
      await core.handleRequest(input(root, 'auth/token/lookup-self'));
      lat.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const r0 = performance.now();
  await core.handleRequest(input(root, 'sys/leases/revoke-prefix/auth/token/create', 'update', {}));
  const revokeSecs = (performance.now() - r0) / 1000;
  stop = true;
  await probe;
  lat.sort((a, b) => a - b);
  const p99 = lat[Math.floor(lat.length * 0.99)] ?? 0;
  await core.shutdown();
  process.stdout.write(JSON.stringify({ firstMs, restoredMs, rssMb, count, revokeSecs, probeP99: p99, probes: lat.length }));
}

if (phase === 'measure') {
  await measureUnseal(args[args.indexOf('--db') + 1], args[args.indexOf('--key') + 1], args[args.indexOf('--root') + 1]);
  process.exit(0);
}

const rows = [];
for (const n of COUNTS) {
  const dir = mkdtempSync(join(tmpdir(), 'ward-lease-bench-'));
  const db = join(dir, 'ward.db');
  try {
    console.error(`populating ${n} token leases...`);
    const p = await populate(db, n);
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--phase', 'measure', '--db', db, '--key', p.unsealKey, '--root', p.root], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(r.stderr);
    const m = JSON.parse(r.stdout);
    rows.push({ n, ...p, ...m });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('\nWard lease scale (token leases on SQLite)');
console.log('leases      populate/s  first request after unseal  index fully loaded  RSS loaded  revoke-prefix/s  lookup p99 during revoke');
for (const r of rows) {
  console.log(
    `${String(r.n).padEnd(12)}${String(Math.round(r.n / r.populateSecs)).padEnd(12)}${`${r.firstMs.toFixed(0)} ms`.padEnd(28)}${`${(r.restoredMs / 1000).toFixed(1)} s`.padEnd(20)}${`${r.rssMb.toFixed(0)} MB`.padEnd(12)}${String(Math.round(r.n / r.revokeSecs)).padEnd(17)}${r.probeP99.toFixed(1)} ms (${r.probes} probes)`,
  );
}
