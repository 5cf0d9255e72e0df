#!/usr/bin/env node
// Compares two builds of Ward on one workload, for judging a change on a machine whose
// speed drifts: both dev servers (SQLite, file audit device) and the no-op server run at
// once and are measured in alternating rounds, the order rotating each round. Prints the
// median req/s of each, the median of each one's per-round ratio to the no-op, and the
// new/base ratio of every round.
// Usage: node bench/compare.mjs --base ../ward-before [--new .] [--mode read|write|lookup]
//          [--rounds 6] [--seconds 3] [--connections 50]
//   --base and --new are checkouts with a built dist/ (npm run build).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TOKEN, WORKLOADS, freePort, load, median, option, prepareWard, startNoop, startWard, waitForOk } from './lib.mjs';

const baseRoot = option('base', '');
if (baseRoot === '') {
  console.error('usage: node bench/compare.mjs --base <checkout> [--new <checkout>] [--mode read|write|lookup]');
  process.exit(2);
}
const roots = { base: resolve(baseRoot), new: resolve(option('new', '.')) };
const MODE = option('mode', 'read');
const ROUNDS = Number(option('rounds', 6));
const SECONDS = Number(option('seconds', 3));
const CONNECTIONS = Number(option('connections', 50));
const workload = WORKLOADS[MODE];
if (!workload) throw new Error(`unknown --mode ${MODE}: read, write or lookup`);

const dir = mkdtempSync(join(tmpdir(), 'ward-compare-'));
const children = [];

async function ward(name) {
  const port = await freePort();
  children.push(startWard(port, 'sqlite', roots[name]));
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/v1/sys/health`);
  await prepareWard(url, join(dir, `${name}.log`));
  return url;
}

try {
  const noopPort = await freePort();
  children.push(startNoop(noopPort));
  const urls = { noop: `http://127.0.0.1:${noopPort}`, base: await ward('base'), new: await ward('new') };
  await waitForOk(urls.noop);
  const { path, ...opts } = workload;
  const headers = { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' };
  const run = (name, duration) => load({ title: name, headers, connections: CONNECTIONS, duration, ...opts, url: urls[name] + path });
  for (const name of Object.keys(urls)) await run(name, 2); // warm-up, not counted
  const rps = { noop: [], base: [], new: [] };
  const order = ['noop', 'base', 'new'];
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < order.length; i++) {
      const name = order[(i + r) % order.length];
      rps[name].push((await run(name, SECONDS)).rps);
    }
  }
  const ratio = (name) => median(rps[name].map((v, i) => v / rps.noop[i]));
  console.log(`${MODE}, ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections`);
  console.log(`  median req/s: base ${Math.round(median(rps.base))}, new ${Math.round(median(rps.new))}, no-op ${Math.round(median(rps.noop))}`);
  console.log(`  median ratio to the no-op: base ${ratio('base').toFixed(3)}, new ${ratio('new').toFixed(3)}`);
  console.log(`  new/base per round: ${rps.new.map((v, i) => (v / rps.base[i]).toFixed(2)).join(' ')}`);
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
