#!/usr/bin/env node
// Ward benchmark: KV v2 read/write and token lookup-self against a real server on SQLite
// with a file audit device, each beside a no-op Node HTTP server measured in the same run.
// Usage: npm run bench [-- --duration 10 --connections 50 --large --only read,write]
//   --large  also measures reads with 1,000,000 stored secrets (takes several minutes).
//   --only   runs only the named workloads: read, write, lookup, 1k (and 1m with --large).
import { WORKLOADS, call, option, printTable, sideBySide, startPair } from './lib.mjs';

const DURATION = Number(option('duration', 10));
const CONNECTIONS = Number(option('connections', 50));
const LARGE = process.argv.includes('--large');
const ONLY = option('only', '')
  .split(',')
  .filter(Boolean);
const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);

async function populate(base, count) {
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => call(base, 'POST', `secret/data/bulk/k${i + j}`, { data: { v: `value-${i + j}` } })));
  }
}

const rows = [];
const pair = await startPair();
const { noopUrl, wardUrl } = pair;
const common = { noopUrl, wardUrl, connections: CONNECTIONS, duration: DURATION };
try {
  if (wanted('read')) rows.push(await sideBySide('KV v2 read', { ...common, ...WORKLOADS.read }));
  if (wanted('write')) rows.push(await sideBySide('KV v2 write', { ...common, ...WORKLOADS.write }));
  if (wanted('lookup')) rows.push(await sideBySide('token lookup-self', { ...common, ...WORKLOADS.lookup }));

  if (wanted('1k')) {
    await populate(wardUrl, 1000);
    let n = 0;
    rows.push(await sideBySide('KV v2 read, 1k stored', { ...common, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/secret/data/bulk/k${n++ % 1000}` }) }] }));
  }
  if (LARGE && wanted('1m')) {
    await populate(wardUrl, 1_000_000);
    let m = 0;
    rows.push(
      await sideBySide('KV v2 read, 1M stored', { ...common, requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/secret/data/bulk/k${(m++ * 7919) % 1_000_000}` }) }] }),
    );
  }
} finally {
  pair.stop();
}
printTable(`Ward benchmark: ${CONNECTIONS} connections, ${DURATION}s each, SQLite store, file audit device on`, rows);
