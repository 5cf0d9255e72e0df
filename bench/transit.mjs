#!/usr/bin/env node
// Ward transit benchmark: encrypt and decrypt with an aes256-gcm96 key against a dev server
// on SQLite (file audit device on, as in bench/run.mjs), each beside a no-op Node HTTP server
// measured in the same run.
// Usage: npm run build && node bench/transit.mjs [--duration 10 --connections 50 --no-audit]
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
const AUDIT = !args.includes('--no-audit');
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
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`server at ${url} did not come up`);
}

function startNoop(port) {
  const code = `require('http').createServer((q,s)=>{q.resume();q.on('end',()=>{s.setHeader('Content-Type','application/json');s.end('{}')})}).listen(${port},'127.0.0.1')`;
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
      if (r.non2xx > 0 || r.errors > 0) {
        console.error(`  warning: ${r.non2xx} non-2xx, ${r.errors} errors in ${opts.title}: ${JSON.stringify(r.statusCodeStats)}`);
      }
      resolve({ rps: r.requests.average, p99: r.latency.p99 });
    });
  });
}

const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'ward-bench-transit-'));
const noopPort = await freePort();
const wardPort = await freePort();
const noop = startNoop(noopPort);
const ward = startWard(wardPort);
const wardUrl = `http://127.0.0.1:${wardPort}`;
const noopUrl = `http://127.0.0.1:${noopPort}`;
try {
  await waitFor(noopUrl);
  await waitFor(`${wardUrl}/v1/sys/health`);
  if (AUDIT) await call(wardUrl, 'PUT', 'sys/audit/file', { type: 'file', options: { file_path: join(dir, 'audit.log') } });
  await call(wardUrl, 'POST', 'sys/mounts/transit', { type: 'transit' });
  await call(wardUrl, 'POST', 'transit/keys/bench', { type: 'aes256-gcm96' });
  // A typical small payload: a 64-byte secret.
  const plaintext = Buffer.from('x'.repeat(64)).toString('base64');
  const { data } = await call(wardUrl, 'POST', 'transit/encrypt/bench', { plaintext });

  const headers = { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' };
  // The full URL goes in `url`: autocannon's separate `path` option is not reliably applied.
  const measure = async (title, path, wardOpts) => {
    const base = await run({ title: `${title} (no-op)`, url: noopUrl + path, headers, ...wardOpts });
    const w = await run({ title, url: wardUrl + path, headers, ...wardOpts });
    rows.push({ title, ward: w, noop: base });
    console.error(`  ${title}: ${Math.round(w.rps)} req/s`);
  };

  await measure('transit encrypt', '/v1/transit/encrypt/bench', { method: 'POST', body: JSON.stringify({ plaintext }) });
  await measure('transit decrypt', '/v1/transit/decrypt/bench', { method: 'POST', body: JSON.stringify({ ciphertext: data.ciphertext }) });
} finally {
  ward.kill('SIGTERM');
  noop.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`\nWard transit benchmark: ${CONNECTIONS} connections, ${DURATION}s each, SQLite store, file audit device ${AUDIT ? 'on' : 'off'}`);
console.log(`${pad('workload', 20)}${pad('Ward req/s', 12)}${pad('Ward p99', 10)}${pad('no-op req/s', 13)}${pad('no-op p99', 11)}ratio`);
for (const r of rows) {
  console.log(
    `${pad(r.title, 20)}${pad(Math.round(r.ward.rps), 12)}${pad(`${r.ward.p99}ms`, 10)}${pad(Math.round(r.noop.rps), 13)}${pad(`${r.noop.p99}ms`, 11)}${(r.ward.rps / r.noop.rps).toFixed(2)}`,
  );
}
