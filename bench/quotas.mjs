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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, TOKEN, WORKLOADS, call, freePort, median, option, prepareWard, startWard, waitForOk } from './lib.mjs';
import { ratioRounds, startStoredState } from './stored-state.mjs';

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

async function leaseCountCase(n, root = ROOT) {
  const secret = { type: 'cert', ttl: 30 * 86400, maxTtl: 0, renewable: false, internalData: {} };
  const s = await startStoredState({
    root,
    // n secret leases under pki/ (30 days); over HTTP, 50k leased certificates took most of an hour here.
    fill: async (core) => {
      for (let i = 0; i < n; i += 500) {
        const k = Math.min(500, n - i);
        await Promise.all(Array.from({ length: k }, () => core.active.expiration.registerSecret({ path: 'pki/sign/leased', secret, tokenKey: '', mountPoint: 'pki/', defaultTtl: 0, maxTtl: 0 })));
      }
    },
    // The index loads in the background after unseal: wait until every lease is scheduled.
    ready: async (url) => {
      for (let loaded = 0; loaded < n; await new Promise((r) => setTimeout(r, 200))) {
        const m = await call(url, 'GET', 'sys/metrics');
        loaded = m.Gauges.find((g) => /expire\.num_leases$/.test(g.Name))?.Value ?? 0;
      }
    },
  });
  try {
    const opts = { ...s, path: WORKLOADS.read.path, rounds: Number(option('rounds', 6)), seconds: SECONDS, connections: CONNECTIONS };
    const before = await ratioRounds('KV read, no quota', opts);
    await call(s.wardUrl, 'PUT', 'sys/quotas/lease-count/everything', { path: '', max_leases: 1e9 });
    const after = await ratioRounds(`KV read, global lease-count quota over ${n} leases`, opts);
    console.log(root);
    for (const r of [before, after]) console.log(`${r.title}: ${Math.round(r.rps)} req/s, median ratio to the no-op ${r.ratio.toFixed(3)}`);
    console.log(`with the quota / without: ${(after.ratio / before.ratio).toFixed(2)}`);
  } finally {
    s.stop();
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
