#!/usr/bin/env node
// Rate-limit quotas under a flood: throughput of allowed KV reads (closed loop, as fast
// as the server answers) alone, then while a flood at a fixed rate of requests over their
// quota (answered 429 before any body read, token lookup or backend call) arrives, then
// while a flood at the same rate of ordinary requests (token checked, backend called,
// 404) does. A fixed rate, because a real flood does not slow down when answered faster;
// alternating rounds, as the machine's speed drifts. Prints medians and ratios to "alone".
// Usage: node bench/quotas.mjs [--rounds 4] [--seconds 3] [--connections 20] [--flood-rate 3000]
//
// With --leases N it measures a lease-count quota instead: N stored secret leases, a global lease-count quota (path "", so every request is checked against it and
// its count), then KV reads (wrk on CPU 1, servers on CPU 0) beside the no-op server, as a ratio. --root runs another built
// checkout (the before of a change). The count used to be a walk over every lease per request.
// Usage: node bench/quotas.mjs --leases 50000 [--root ../before] [--rounds 6] [--seconds 3]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, TOKEN, WORKLOADS, call, freePort, median, option, prepareWard, startNoop, startWard, waitForOk } from './lib.mjs';

const ROUNDS = Number(option('rounds', 4));
const SECONDS = Number(option('seconds', 3));
const CONNECTIONS = Number(option('connections', 20));
const FLOOD_RATE = Number(option('flood-rate', 3000));
const headers = { 'X-Vault-Token': TOKEN };

function run(url, duration, connections, extra = {}) {
  return new Promise((resolve, reject) => autocannon({ url, duration, connections, headers, pipelining: 1, ...extra }, (err, r) => (err ? reject(err) : resolve(r))));
}
const flood = (url) => run(url, SECONDS, CONNECTIONS, { overallRate: FLOOD_RATE });

const LEASES = Number(option('leases', 0));
if (LEASES > 0) {
  await leaseCountCase(LEASES, option('root', undefined));
  process.exit(0);
}

/**
 * A SQLite store holding `n` secret leases (under pki/, 30 days), a KV v2 mount at secret/
 * with the secret WORKLOADS.read reads, and TOKEN as a root token. Written in-process by this
 * checkout's core: over HTTP, 50k leased certificates took most of an hour on this machine.
 */
async function populate(dbPath, n) {
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
  const secret = { type: 'cert', ttl: 30 * 86400, maxTtl: 0, renewable: false, internalData: {} };
  for (let i = 0; i < n; i += 500) {
    const k = Math.min(500, n - i);
    await Promise.all(Array.from({ length: k }, () => core.active.expiration.registerSecret({ path: 'pki/sign/leased', secret, tokenKey: '', mountPoint: 'pki/', defaultTtl: 0, maxTtl: 0 })));
  }
  await core.shutdown();
  return init.keys[0];
}

/** Pins every thread of `pid` to `cpu`. */
function pin(pid, cpu) {
  execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** One wrk run on CPU 1 (20 connections, 2 threads); resolves with requests/s, throws on any non-2xx. */
function wrk(url, seconds) {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', '1', 'wrk', '-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '-H', `X-Vault-Token: ${TOKEN}`, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    p.on('exit', (code) => {
      if (code !== 0 || /Non-2xx/.test(out)) return reject(new Error(`wrk ${url}:\n${out}`));
      resolve(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN));
    });
  });
}

async function leaseCountCase(n, root = ROOT) {
  const dir = mkdtempSync(join(tmpdir(), 'ward-lease-quota-'));
  const dbPath = join(dir, 'ward.db');
  const wardPort = await freePort();
  const noopPort = await freePort();
  const t0 = performance.now();
  const key = await populate(dbPath, n);
  console.error(`  stored ${n} leases in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  const cfg = join(dir, 'ward.hcl');
  writeFileSync(cfg, `storage "sqlite" {\n  path = "${dbPath}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${wardPort}"\n  tls_disable = true\n}\nallow_root = true\ndisable_mlock = true\n`);
  const ward = spawn(process.execPath, [join(root, 'bin/ward'), 'server', `-config=${cfg}`, '-log-level=error'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const noop = startNoop(noopPort);
  const wardUrl = `http://127.0.0.1:${wardPort}`;
  const noopUrl = `http://127.0.0.1:${noopPort}`;
  try {
    await waitForOk(`${wardUrl}/v1/sys/seal-status`);
    await call(wardUrl, 'PUT', 'sys/unseal', { key });
    await waitForOk(`${wardUrl}/v1/sys/health`);
    await waitForOk(noopUrl);
    // The index loads in the background after unseal: wait until every lease is scheduled.
    for (let loaded = 0; loaded < n; await new Promise((r) => setTimeout(r, 200))) {
      const m = await call(wardUrl, 'GET', 'sys/metrics');
      loaded = m.Gauges.find((g) => /expire\.num_leases$/.test(g.Name))?.Value ?? 0;
    }
    // Ward and the no-op server on CPU 0, wrk on CPU 1: the load generator does not take the server's core.
    pin(ward.pid, 0);
    pin(noop.pid, 0);
    const rounds = Number(option('rounds', 6));
    const measure = async (title) => {
      const ratios = [];
      const rps = [];
      await wrk(noopUrl + WORKLOADS.read.path, 2); // warm-up, not counted
      await wrk(wardUrl + WORKLOADS.read.path, 2);
      for (let i = 0; i < rounds; i++) {
        // Swapped order every round: the machine's speed drifts.
        const order = i % 2 === 0 ? [noopUrl, wardUrl] : [wardUrl, noopUrl];
        const got = {};
        for (const u of order) got[u] = await wrk(u + WORKLOADS.read.path, SECONDS);
        ratios.push(got[wardUrl] / got[noopUrl]);
        rps.push(got[wardUrl]);
      }
      console.error(`  ${title}: per-round ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
      return { title, rps: median(rps), ratio: median(ratios) };
    };
    const before = await measure('KV read, no quota');
    await call(wardUrl, 'PUT', 'sys/quotas/lease-count/everything', { path: '', max_leases: 1e9 });
    const after = await measure(`KV read, global lease-count quota over ${n} leases`);
    console.log(root);
    for (const r of [before, after]) console.log(`${r.title}: ${Math.round(r.rps)} req/s, median ratio to the no-op ${r.ratio.toFixed(3)}`);
    console.log(`with the quota / without: ${(after.ratio / before.ratio).toFixed(2)}`);
  } finally {
    ward.kill('SIGTERM');
    noop.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'ward-quotas-'));
const port = await freePort();
const child = startWard(port);
const url = `http://127.0.0.1:${port}`;
try {
  await waitForOk(`${url}/v1/sys/health`);
  await prepareWard(url, join(dir, 'audit.log'));
  // Reads go through a quota too (one they never exceed), so the check itself is in the measurement.
  await call(url, 'PUT', 'sys/quotas/rate-limit/reads', { path: 'secret/', rate: 1e9 });
  await call(url, 'PUT', 'sys/quotas/rate-limit/flood', { path: 'cubbyhole/', rate: 1, interval: '1h' });
  const reads = url + WORKLOADS.read.path;
  const limited = `${url}/v1/cubbyhole/flood`;
  const ordinary = `${url}/v1/sys/policies/acl/none-such`;
  await run(reads, 3, CONNECTIONS); // warm-up
  const alone = [];
  const withLimited = [];
  const withOrdinary = [];
  const floodRates = { limited: [], ordinary: [] };
  for (let i = 0; i < ROUNDS; i++) {
    alone.push((await run(reads, SECONDS, CONNECTIONS)).requests.average);
    const [a, f] = await Promise.all([run(reads, SECONDS, CONNECTIONS), flood(limited)]);
    if (f['2xx'] > 1) throw new Error(`the flood was not limited: ${f['2xx']} allowed`);
    withLimited.push(a.requests.average);
    floodRates.limited.push(f.requests.average);
    const [b, g] = await Promise.all([run(reads, SECONDS, CONNECTIONS), flood(ordinary)]);
    withOrdinary.push(b.requests.average);
    floodRates.ordinary.push(g.requests.average);
  }
  const m = (xs) => Math.round(median(xs));
  console.log(`allowed reads alone:                    ${m(alone)} req/s`);
  console.log(`allowed reads during an over-quota flood: ${m(withLimited)} req/s (ratio ${(median(withLimited) / median(alone)).toFixed(2)}); flood of ${FLOOD_RATE}/s answered ${m(floodRates.limited)} req/s, all 429`);
  console.log(`allowed reads during an ordinary flood:  ${m(withOrdinary)} req/s (ratio ${(median(withOrdinary) / median(alone)).toFixed(2)}); flood of ${FLOOD_RATE}/s answered ${m(floodRates.ordinary)} req/s`);
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
