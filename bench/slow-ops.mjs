#!/usr/bin/env node
// Slow operations vs. sys/health: drives each operation that could hold the event loop
// (RSA key generation in PKI and transit, a transit batch of RSA signatures, a big
// policy and its first use, a KV value near the request-size limit, revoke-prefix of
// many leases) against a real `ward server`, while a poller asks sys/health every few
// ms on its own connection. Prints per operation the worst and p99 health latency
// (goal: worst <= 50 ms) and the stalls the server's own watchdog logged (threshold
// lowered to 50 ms for the run). The latencies include the machine's scheduling: on a
// shared or overloaded host, compare with the watchdog column, which counts only turns
// the server itself saw held.
// Usage: npm run build && node bench/slow-ops.mjs [-- --leases 100000 --only pki,transit,policy,kv,leases]
//   SLOW_OPS_VERBOSE=1 prints every stall the watchdog logged, with the requests it named.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { ROOT, TOKEN, freePort, option, waitForOk } from './lib.mjs';

const LEASES = Number(option('leases', 100_000));
const ONLY = option('only', '').split(',').filter(Boolean);
const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);
const GOAL_MS = 50;
const POLL_EVERY_MS = 5;
const WARN_MS = 50;

/** A ward server process whose stderr is kept, so the watchdog's warnings can be read per operation. */
function startServer(args, env = {}) {
  const child = spawn(process.execPath, [join(ROOT, 'bin/ward'), 'server', ...args, '-log-level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, WARD_EVENT_LOOP_WARN_MS: String(WARN_MS), ...env },
  });
  const server = { child, stalls: [], buffered: '' };
  child.stderr.on('data', (chunk) => {
    server.buffered += chunk.toString('utf8');
    let nl;
    while ((nl = server.buffered.indexOf('\n')) !== -1) {
      const line = server.buffered.slice(0, nl);
      server.buffered = server.buffered.slice(nl + 1);
      try {
        const j = JSON.parse(line);
        if (j['@message'] === 'event loop blocked') server.stalls.push(j);
      } catch {
        // not a log line
      }
    }
  });
  return server;
}

function client(base, token = TOKEN) {
  return async (method, path, body) => {
    const res = await fetch(`${base}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
}

/**
 * Polls sys/health every POLL_EVERY_MS on a dedicated connection until stopped. The
 * latency of one poll is from sending it to having its whole answer.
 */
function healthPoller(base) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(`${base}/v1/sys/health`);
  const get = () =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
    });
  const lat = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const t0 = performance.now();
      await get();
      lat.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      agent.destroy();
      return lat;
    },
  };
}

const rows = [];

/** Runs `op` while polling health; `prepare` runs first, unpolled (building payloads, etc.). */
async function measure(server, base, title, op) {
  // Warm the poller's connection so the first poll does not count a TCP handshake.
  await (await fetch(`${base}/v1/sys/health`)).arrayBuffer();
  const stallsBefore = server.stalls.length;
  const poller = healthPoller(base);
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now();
  let note = '';
  try {
    const out = await op();
    note = typeof out === 'string' ? out : '';
  } catch (e) {
    note = `FAILED: ${e.message}`;
  }
  const secs = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 100));
  const lat = (await poller.stop()).sort((a, b) => a - b);
  // Give the watchdog's last warning time to reach us.
  await new Promise((r) => setTimeout(r, 100));
  const stalls = server.stalls.slice(stallsBefore);
  const row = {
    title,
    secs,
    polls: lat.length,
    worst: lat[lat.length - 1] ?? NaN,
    p99: lat[Math.floor(lat.length * 0.99)] ?? NaN,
    stalls: stalls.length,
    worstStall: Math.max(0, ...stalls.map((s) => s.blocked_ms)),
    // Stalls the server's own code caused: the loop was busy for most of the time.
    busyStalls: stalls.filter((s) => s.busy_ms >= s.blocked_ms / 2).length,
    worstBusy: Math.max(0, ...stalls.map((s) => s.busy_ms)),
    named: [...new Set(stalls.flatMap((s) => s.requests))].slice(0, 3).join(', '),
    note,
  };
  rows.push(row);
  if (process.env.SLOW_OPS_VERBOSE) for (const st of stalls) console.error(`    stall ${st.blocked_ms} ms (busy ${st.busy_ms} ms): ${st.requests.join(', ')}`);
  console.error(`  ${title}: ${secs.toFixed(1)} s, worst health ${row.worst.toFixed(1)} ms over ${row.polls} polls, ${row.stalls} stalls ${note}`);
}

function bigPolicy(bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const block = `path "secret/data/app${i}/config" {\n  capabilities = ["read", "list"]\n}\n`;
    parts.push(block);
    size += block.length;
  }
  return parts.join('');
}

async function devPhase() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = startServer(['-dev', '-dev-storage=sqlite', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${TOKEN}`]);
  try {
    await waitForOk(`${base}/v1/sys/health`);
    const api = client(base);
    if (wanted('pki')) {
      await api('POST', 'sys/mounts/pki', { type: 'pki' });
      await api('POST', 'pki/root/generate/internal', { common_name: 'Bench Root', key_type: 'ec', key_bits: 256 });
      await api('POST', 'pki/roles/r4096', { allow_any_name: true, key_type: 'rsa', key_bits: 4096 });
      await api('POST', 'pki/roles/r8192', { allow_any_name: true, key_type: 'rsa', key_bits: 8192 });
      await measure(server, base, 'pki/issue RSA-4096', () => api('POST', 'pki/issue/r4096', { common_name: 'a.example.com' }));
      await measure(server, base, 'pki/issue RSA-8192', () => api('POST', 'pki/issue/r8192', { common_name: 'b.example.com' }));
      await api('POST', 'sys/mounts/pki2', { type: 'pki' });
      await measure(server, base, 'pki/root/generate RSA-8192', () => api('POST', 'pki2/root/generate/internal', { common_name: 'Big Root', key_type: 'rsa', key_bits: 8192 }));
      await measure(server, base, '4 x pki/issue RSA-8192 at once', () => Promise.all([0, 1, 2, 3].map((i) => api('POST', 'pki/issue/r8192', { common_name: `c${i}.example.com` }))));
    }
    if (wanted('transit')) {
      await api('POST', 'sys/mounts/transit', { type: 'transit' });
      await measure(server, base, 'transit keys rsa-4096', () => api('POST', 'transit/keys/big', { type: 'rsa-4096' }));
      await measure(server, base, 'transit rotate rsa-4096', () => api('POST', 'transit/keys/big/rotate', {}));
      const items = Array.from({ length: 200 }, (_, i) => ({ input: Buffer.from(`message ${i}`).toString('base64') }));
      await measure(server, base, 'transit sign rsa-4096, batch of 200', () => api('POST', 'transit/sign/big', { batch_input: items }));
    }
    if (wanted('policy')) {
      const text = bigPolicy(740 * 1024);
      const body = JSON.stringify({ policy: text });
      await measure(server, base, 'policy write 740 KB', () => api('PUT', 'sys/policies/acl/big', body));
      const { auth } = await api('POST', 'auth/token/create', { policies: ['big'] });
      // A fresh server process would also parse it on first use; here the write cached
      // the parsed policy, and the first request with it compiles the ACL.
      await measure(server, base, 'first request with the 740 KB policy', () => client(base, auth.client_token)('GET', 'auth/token/lookup-self'));
    }
    if (wanted('kv')) {
      // 30 MiB of values (60 strings of 512 KiB): near the 32 MiB request-size limit, and
      // within Vault's default 1 MiB per JSON string.
      const chunk = 'x'.repeat(512 * 1024);
      const data = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, chunk]));
      const body = JSON.stringify({ data });
      await measure(server, base, 'kv put 30 MiB', () => api('POST', 'secret/data/huge', body).then(() => `${(body.length / 1048576).toFixed(1)} MiB body`));
      await measure(server, base, 'kv get 30 MiB', () => api('GET', 'secret/data/huge').then(() => ''));
    }
  } finally {
    server.child.kill('SIGKILL');
  }
}

/** Fills a SQLite store with `n` token leases in-process (fast), for the lease phase. */
async function populateLeases(dbPath, n) {
  const D = (p) => join(ROOT, 'dist', p);
  const { WardCore } = await import(D('src/core/core.js'));
  const { SqlitePhysical } = await import(D('src/storage/sqlite/sqlite-physical.js'));
  const { silentLogger } = await import(D('src/sdk/logical.js'));
  const core = new WardCore({ physical: SqlitePhysical.open(dbPath), logger: silentLogger });
  const init = await core.init(1, 1);
  await core.unseal(init.keys[0], false);
  const input = (data) => ({ operation: 'update', path: 'auth/token/create', data, clientToken: init.root_token, wrapTtl: 0, headers: {}, connection: { remoteAddress: '127.0.0.1', remotePort: 1 } });
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => core.handleRequest(input({ policies: ['default'], ttl: '720h' }))));
  }
  await core.shutdown();
  return { unsealKey: init.keys[0], rootToken: init.root_token };
}

async function leasePhase() {
  const dir = mkdtempSync(join(tmpdir(), 'ward-slow-ops-'));
  try {
    const db = join(dir, 'ward.db');
    console.error(`populating ${LEASES} token leases...`);
    const { unsealKey, rootToken } = await populateLeases(db, LEASES);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const cfg = join(dir, 'ward.hcl');
    writeFileSync(cfg, `storage "sqlite" {\n  path = "${db}"\n}\nlistener "tcp" {\n  address = "127.0.0.1:${port}"\n  tls_disable = true\n}\nallow_root = true\ndisable_mlock = true\n`);
    const server = startServer([`-config=${cfg}`]);
    try {
      await waitForOk(`${base}/v1/sys/seal-status`);
      await measure(server, base, `unseal with ${LEASES} leases`, async () => {
        const r = await fetch(`${base}/v1/sys/unseal`, { method: 'PUT', body: JSON.stringify({ key: unsealKey }) });
        if (r.status !== 200) throw new Error(`unseal: ${r.status} ${await r.text()}`);
      });
      const api = client(base, rootToken);
      await measure(server, base, `revoke-prefix ${LEASES} leases`, () => api('PUT', 'sys/leases/revoke-prefix/auth/token/create', {}));
    } finally {
      server.child.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await devPhase();
if (wanted('leases')) await leasePhase();

const pad = (s, n) => String(s).padEnd(n);
console.log(`\nsys/health latency while each operation runs (polled every ${POLL_EVERY_MS} ms; goal: worst <= ${GOAL_MS} ms)`);
console.log(`Stalls: turns the server's watchdog saw held over ${WARN_MS} ms. "busy": the loop was inside callbacks for most of it (code held it, or the host took the CPU mid-callback); the others were the host not scheduling an idle process.`);
console.log(`${pad('operation', 40)}${pad('took', 9)}${pad('polls', 7)}${pad('worst', 10)}${pad('p99', 9)}${pad('goal', 6)}${pad('stalls', 8)}${pad('busy', 6)}${pad('longest busy', 14)}named by the watchdog`);
for (const r of rows) {
  const ok = r.note.startsWith('FAILED') ? 'ERR' : r.worst <= GOAL_MS ? 'ok' : 'MISS';
  console.log(
    `${pad(r.title, 40)}${pad(`${r.secs.toFixed(1)} s`, 9)}${pad(r.polls, 7)}${pad(`${r.worst.toFixed(1)} ms`, 10)}${pad(`${r.p99.toFixed(1)} ms`, 9)}${pad(ok, 6)}${pad(r.stalls, 8)}${pad(r.busyStalls, 6)}${pad(`${r.worstBusy} ms`, 14)}${r.named}${r.note ? ` ${r.note}` : ''}`,
  );
}
