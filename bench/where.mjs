// Where a request's CPU time goes, per request, with Linux `perf` sampling the whole
// server process (kernel, native code, V8 builtins, GC and JIT-compiled JavaScript
// alike) while autocannon loads it. It runs Ward and then the no-op server, and
// prints for each one a table of microseconds of main-thread CPU per request, split by
// who called: Ward's HTTP layer, its audit code, the rest of Ward, node's own
// JavaScript, or no JavaScript at all (the event loop, the HTTP parser). GC and kernel
// time are shown on their own lines.
//
// The Chrome-style --cpu-prof profiles hide native and kernel time, and they smear
// GC over whatever allocated. Over this VM's noise, this breakdown was the only way
// to see, for example, that Ward's socket writes cost less per request than the
// no-op's, because audit batching sends the responses in bursts.
//
//   node bench/where.mjs [--mode read|write|lookup] [--seconds 6] [--top 25]
//
// Needs `perf` (Debian package linux-perf) and permission to profile other processes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, TOKEN, WORKLOADS, freePort, load, option, prepareWard, startNoop, startWard, waitForOk } from './lib.mjs';

const MODE = option('mode', 'read');
const SECONDS = Number(option('seconds', 6));
const TOP = Number(option('top', 25));
const HZ = 1999;

if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench/where.mjs needs `perf` (apt-get install linux-perf)');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'ward-where-'));
const headers = { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' };
const workload = WORKLOADS[MODE];
if (!workload) throw new Error(`unknown --mode ${MODE}`);

/** Starts one server with perf symbol maps, loads it, samples it, returns per-request µs by category. */
async function measure(kind) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const perfMap = ['--perf-basic-prof-only-functions'];
  const child = kind === 'ward' ? startWard(port, 'sqlite', ROOT, perfMap) : startNoop(port, perfMap);
  try {
    if (kind === 'ward') {
      await waitForOk(`${url}/v1/sys/health`);
      await prepareWard(url, join(dir, 'audit.log'));
    } else {
      await waitForOk(url);
    }
    const { path, ...rest } = workload;
    const opts = { headers, connections: 50, ...rest, url: url + path };
    await load({ ...opts, title: `${kind} warm-up`, duration: 3 });
    const data = join(dir, `${kind}.data`);
    const rec = spawn('perf', ['record', '-q', '-F', String(HZ), '-g', '-p', String(child.pid), '-o', data, '--', 'sleep', String(SECONDS)], { stdio: 'ignore' });
    const r = await load({ ...opts, title: kind, duration: SECONDS });
    await new Promise((res) => rec.on('exit', res));
    const script = spawnSync('perf', ['script', '-i', data], { maxBuffer: 1 << 30, encoding: 'utf8' });
    return { rps: r.rps, ...categorise(script.stdout, child.pid, r.rps * SECONDS) };
  } finally {
    child.kill('SIGTERM');
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
}

const AUDIT = /\/dist\/src\/(audit|core\/audit)\//;
const GC = /Heap::CollectGarbage|Scavenger|MarkCompact|ConcurrentMarking|Sweeper|Heap::PerformGarbageCollection/;

/** Main-thread samples only: each is charged to the nearest JavaScript frame's owner. */
function categorise(text, pid, requests) {
  const perSample = 1e6 / HZ / requests;
  const byOwner = new Map();
  const byFrame = new Map();
  let total = 0;
  const add = (m, k) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter(Boolean);
    // "node <pid>/<tid> ..." or "node <tid> ...": the main thread's tid is the pid.
    if (lines.length < 2 || !new RegExp(`^\\S+\\s+(${pid}/)?${pid}\\s`).test(lines[0])) continue;
    total++;
    const frames = lines.slice(1).map((l) => l.trim().replace(/^[0-9a-f]+ /, '').replace(/\+0x[0-9a-f]+ \(.*\)$/, ''));
    const kernel = / \(\[kernel/.test(lines[1]) || /kallsyms/.test(lines[1]);
    if (GC.test(block)) {
      add(byOwner, 'gc');
      continue;
    }
    const js = frames.find((f) => f.startsWith('JS:'));
    let owner = 'no JavaScript (event loop, parser, natives)';
    if (js !== undefined) {
      const where = js.replace(/^JS:[*^~]?/, '');
      if (/\/dist\/src\/(http)\//.test(where)) owner = 'ward: http';
      else if (AUDIT.test(where)) owner = 'ward: audit';
      else if (/\/dist\/src\//.test(where)) owner = 'ward: core and backends';
      // The audit file's fs.writeSync is node's code, but the audit's cost.
      else owner = AUDIT.test(frames.find((f) => f.includes('/dist/src/')) ?? '') ? 'ward: audit' : "node's own JavaScript";
      add(byFrame, where.replace(/file:\/\/\S*\/dist\//, ''));
    }
    add(byOwner, kernel ? `${owner} (in the kernel)` : owner);
  }
  const scale = (m) => new Map([...m].map(([k, v]) => [k, v * perSample]).sort((a, b) => b[1] - a[1]));
  return { total: total * perSample, byOwner: scale(byOwner), byFrame: scale(byFrame) };
}

try {
  const ward = await measure('ward');
  const noop = await measure('noop');
  const fmt = (n) => n.toFixed(1).padStart(7);
  console.log(`\n${MODE}: main-thread CPU per request, µs (perf at ${HZ} Hz, ${SECONDS} s, 50 connections)\n`);
  console.log(`${'ward'.padStart(7)} ${'no-op'.padStart(7)}  category`);
  const keys = new Set([...ward.byOwner.keys(), ...noop.byOwner.keys()]);
  for (const k of keys) console.log(`${fmt(ward.byOwner.get(k) ?? 0)} ${fmt(noop.byOwner.get(k) ?? 0)}  ${k}`);
  console.log(`${fmt(ward.total)} ${fmt(noop.total)}  total (${Math.round(ward.rps)} and ${Math.round(noop.rps)} req/s)`);
  console.log(`\nWard, by nearest JavaScript function (self time plus the natives it called):`);
  for (const [k, v] of [...ward.byFrame].slice(0, TOP)) console.log(`${fmt(v)}  ${k}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
