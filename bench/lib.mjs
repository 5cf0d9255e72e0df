// Shared pieces of the benchmarks: free ports, the dev server and a no-op server as
// child processes, an authenticated API call, autocannon runs that refuse to report
// error responses, and the result table with the ratio to the no-op server.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import autocannon from 'autocannon';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TOKEN = 'bench-root-token';

/** `--name value` from argv, else the default. */
export function option(name, def, argv = process.argv.slice(2)) {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? def : argv[i + 1];
}

export const freePort = () =>
  new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

/** Waits until `url` answers 2xx (a dev server answers only once unsealed). */
export async function waitForOk(url) {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server at ${url} did not come up`);
}

/** A node:http server that drains the body and answers `{}`: the baseline. `nodeArgs` go to node. */
export function startNoop(port, nodeArgs = []) {
  const code = `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.setHeader('Content-Type','application/json');s.end('{}')})}).listen(${port},'127.0.0.1')`;
  return spawn(process.execPath, [...nodeArgs, '-e', code], { stdio: 'ignore' });
}

/**
 * `ward server -dev` on SQLite (unless `storage` says otherwise) with a fixed root token,
 * from this checkout unless `root` names another (built) one. `nodeArgs` go to node.
 */
export function startWard(port, storage = 'sqlite', root = ROOT, nodeArgs = []) {
  return spawn(
    process.execPath,
    [...nodeArgs, join(root, 'bin/ward'), 'server', '-dev', `-dev-storage=${storage}`, `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${TOKEN}`, '-log-level=error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** The workloads issue 2 names, as autocannon options (`path` goes below the server's URL). */
export const WORKLOADS = {
  read: { path: '/v1/secret/data/bench', method: 'GET' },
  write: { path: '/v1/secret/data/bench', method: 'POST', body: JSON.stringify({ data: { password: 'rotated' } }) },
  lookup: { path: '/v1/auth/token/lookup-self', method: 'GET' },
};

/**
 * Readies a dev server for WORKLOADS: a file audit device at `auditPath` (none when null)
 * and the secret `read` reads.
 */
export async function prepareWard(url, auditPath) {
  if (auditPath !== null) await call(url, 'PUT', 'sys/audit/file', { type: 'file', options: { file_path: auditPath } });
  await call(url, 'POST', 'secret/data/bench', { data: { username: 'app', password: 'correct horse battery staple' } });
}

export async function call(base, method, path, body) {
  const res = await fetch(`${base}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/**
 * A no-op server and a Ward dev server on free ports, both answering, Ward prepared for
 * WORKLOADS (its file audit device left out when `audit` is false). `stop()` kills both
 * and removes the temp dir.
 */
export async function startPair({ audit = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ward-bench-'));
  const noopPort = await freePort();
  const wardPort = await freePort();
  const noop = startNoop(noopPort);
  const ward = startWard(wardPort);
  const pair = {
    noopUrl: `http://127.0.0.1:${noopPort}`,
    wardUrl: `http://127.0.0.1:${wardPort}`,
    stop() {
      ward.kill('SIGTERM');
      noop.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForOk(pair.noopUrl);
    await waitForOk(`${pair.wardUrl}/v1/sys/health`);
    await prepareWard(pair.wardUrl, audit ? join(dir, 'audit.log') : null);
  } catch (e) {
    pair.stop();
    throw e;
  }
  return pair;
}

/** One autocannon run. A run with error responses measures nothing, so it throws. */
export function load(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ pipelining: 1, ...opts }, (err, r) => {
      if (err) return reject(err);
      if (r.non2xx > 0 || r.errors > 0) return reject(new Error(`${opts.title}: ${r.non2xx} non-2xx responses, ${r.errors} errors`));
      resolve({ rps: r.requests.average, p99: r.latency.p99 });
    });
  });
}

/** Uncounted seconds each side runs before the measured rounds (see sideBySide). */
const WARMUP_SECONDS = 5;

/**
 * Measures one workload against the no-op server and Ward with the same options. This
 * VM's speed drifts by tens of percent from second to second (the no-op alone ranges
 * over 2x between one-second slices), so the two are measured in alternating rounds,
 * each pair in swapped order from the last (no-op then Ward, Ward then no-op, ...).
 * The ratio is the median of the per-round ratios, req/s the median of each side's
 * rounds and p99 the worst round's: one hiccup then moves neither figure. Both sides
 * first get WARMUP_SECONDS uncounted: Ward's write path takes one to three seconds to
 * reach its steady rate (requests per 250 ms climbed from about 100 to 1000 over 2.5 s
 * on a fresh server), and with two seconds the first measured rounds were usually
 * its lowest. autocannon ignores a top-level `path`, so it is appended to `url`.
 */
export async function sideBySide(title, { noopUrl, wardUrl, path = '/', duration = 10, rounds = 5, ...opts }) {
  const headers = { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' };
  const each = Math.max(1, Math.round(duration / rounds));
  await load({ title: `${title} (no-op warm-up)`, headers, ...opts, duration: WARMUP_SECONDS, url: noopUrl + path });
  await load({ title: `${title} (warm-up)`, headers, ...opts, duration: WARMUP_SECONDS, url: wardUrl + path });
  const noopRuns = [];
  const wardRuns = [];
  const measure = async (side) => {
    if (side === 'noop') noopRuns.push(await load({ title: `${title} (no-op)`, headers, ...opts, duration: each, url: noopUrl + path }));
    else wardRuns.push(await load({ title, headers, ...opts, duration: each, url: wardUrl + path }));
  };
  for (let i = 0; i < rounds; i++) {
    for (const side of i % 2 === 0 ? ['noop', 'ward'] : ['ward', 'noop']) await measure(side);
  }
  const summary = (runs) => ({ rps: median(runs.map((r) => r.rps)), p99: Math.max(...runs.map((r) => r.p99)) });
  const ward = summary(wardRuns);
  const ratio = median(wardRuns.map((r, i) => r.rps / noopRuns[i].rps));
  console.error(`  ${title}: ${Math.round(ward.rps)} req/s; per-round ratios ${wardRuns.map((r, i) => (r.rps / noopRuns[i].rps).toFixed(2)).join(' ')}`);
  return { title, ward, noop: summary(noopRuns), ratio };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function printTable(heading, rows) {
  const pad = (s, n) => String(s).padEnd(n);
  const w = Math.max(20, ...rows.map((r) => r.title.length + 2));
  console.log(`\n${heading}`);
  console.log(`${pad('workload', w)}${pad('Ward req/s', 12)}${pad('Ward p99', 10)}${pad('no-op req/s', 13)}${pad('no-op p99', 11)}ratio`);
  for (const r of rows) {
    console.log(
      `${pad(r.title, w)}${pad(Math.round(r.ward.rps), 12)}${pad(`${r.ward.p99}ms`, 10)}${pad(Math.round(r.noop.rps), 13)}${pad(`${r.noop.p99}ms`, 11)}${r.ratio.toFixed(2)}`,
    );
  }
}
