#!/usr/bin/env node
// Ward benchmark: KV v2 read/write and token lookup-self against a real server on SQLite
// with a file audit device, each beside a no-op Node HTTP server measured in the same run.
// Usage: npm run bench [-- --duration 10 --connections 50 --large]
//   --large  also measures reads with 1,000,000 stored secrets (takes several minutes).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import autocannon from 'autocannon';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? def : args[i + 1];
};
const DURATION = Number(opt('duration', 10));
const CONNECTIONS = Number(opt('connections', 50));
const LARGE = args.includes('--large');
const TOKEN = 'bench-root-token';

const freePort = () =>
  new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`server at ${url} did not come up`);
}

function startNoop(port) {
  const code = `require('http').createServer((q,s)=>{s.setHeader('Content-Type','application/json');s.end('{}')}).listen(${port},'127.0.0.1')`;
  return spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
}

function startWard(port) {
  return spawn(process.execPath, [join(ROOT, 'bin/ward'), 'server', '-dev', '-dev-storage=sqlite', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${TOKEN}`, '-log-level=error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function call(base, method, path, body) {
  const res = await fetch(`${base}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: CONNECTIONS, duration: DURATION, pipelining: 1, ...opts }, (err, r) => {
      if (err) return reject(err);
      // A benchmark of error responses measures nothing: refuse to report it.
      if (r.non2xx > 0 || r.errors > 0) return reject(new Error(`${opts.title}: ${r.non2xx} non-2xx responses, ${r.errors} errors`));
      resolve({ rps: r.requests.average, p99: r.latency.p99 });
    });
  });
}

async function populate(base, count) {
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => call(base, 'POST', `secret/data/bulk/k${i + j}`, { data: { v: `value-${i + j}` } })));
  }
}

const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'ward-bench-'));
const noopPort = await freePort();
const wardPort = await freePort();
const noop = startNoop(noopPort);
const ward = startWard(wardPort);
const wardUrl = `http://127.0.0.1:${wardPort}`;
const noopUrl = `http://127.0.0.1:${noopPort}`;
try {
  await waitFor(noopUrl);
  await waitFor(`${wardUrl}/v1/sys/health`);
  await call(wardUrl, 'PUT', 'sys/audit/file', { type: 'file', options: { file_path: join(dir, 'audit.log') } });
  await call(wardUrl, 'POST', 'secret/data/bench', { data: { username: 'app', password: 'correct horse battery staple' } });

  const headers = { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' };
  // autocannon ignores a top-level `path`: the path must be part of `url`.
  const measure = async (title, { path = '/', ...wardOpts }) => {
    const base = await run({ title: `${title} (no-op)`, ...wardOpts, url: noopUrl + path, headers });
    const w = await run({ title, headers, ...wardOpts, url: wardUrl + path });
    rows.push({ title, ward: w, noop: base });
    console.error(`  ${title}: ${Math.round(w.rps)} req/s`);
  };

  await measure('KV v2 read', { path: '/v1/secret/data/bench' });
  await measure('KV v2 write', { method: 'POST', path: '/v1/secret/data/bench', body: JSON.stringify({ data: { password: 'rotated' } }) });
  await measure('token lookup-self', { path: '/v1/auth/token/lookup-self' });

  await populate(wardUrl, 1000);
  let n = 0;
  await measure('KV v2 read, 1k stored', { requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/secret/data/bulk/k${n++ % 1000}` }) }] });
  if (LARGE) {
    await populate(wardUrl, 1_000_000);
    let m = 0;
    await measure('KV v2 read, 1M stored', {
      requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/secret/data/bulk/k${(m++ * 7919) % 1_000_000}` }) }],
    });
  }
} finally {
  ward.kill('SIGTERM');
  noop.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`\nWard benchmark: ${CONNECTIONS} connections, ${DURATION}s each, SQLite store, file audit device on`);
console.log(`${pad('workload', 26)}${pad('Ward req/s', 12)}${pad('Ward p99', 10)}${pad('no-op req/s', 13)}${pad('no-op p99', 11)}ratio`);
for (const r of rows) {
  console.log(
    `${pad(r.title, 26)}${pad(Math.round(r.ward.rps), 12)}${pad(`${r.ward.p99}ms`, 10)}${pad(Math.round(r.noop.rps), 13)}${pad(`${r.noop.p99}ms`, 11)}${(r.ward.rps / r.noop.rps).toFixed(2)}`,
  );
}
