#!/usr/bin/env node
// Failover time with real processes (issue 15's benchmark): under a steady KV v2 write load,
// kill -9 the active node and time it to the first acknowledged write on the new active;
// the killed node is restarted (a static seal unseals it) before the next round. Runs on
// 3 Ward nodes over a 3-member etcd cluster and on 2 Ward nodes over one PostgreSQL, then
// reads back every acknowledged write: the count lost must be 0. Goal: max ≤ 5 s.
// Usage: npm run build && node bench/failover.mjs [--rounds 10] [--engines etcd,postgresql] [--lock-timeout 3]
import { option } from './lib.mjs';

const dist = new URL('../dist/test/helpers/', import.meta.url);
const { startWardCluster } = await import(new URL('ward-cluster.js', dist));
const { KvLoad } = await import(new URL('kv-load.js', dist));
const { killRounds, mountKv } = await import(new URL('failover-rounds.js', dist));

const rounds = Number(option('rounds', 10));
const engines = option('engines', 'etcd,postgresql').split(',');
const lockTimeoutSeconds = Number(option('lock-timeout', 3));
const NODES = { etcd: 3, postgresql: 2 };

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

const rows = [];
for (const engine of engines) {
  const cluster = await startWardCluster({ engine, nodes: NODES[engine], lockTimeoutSeconds });
  const load = new KvLoad(cluster);
  try {
    await mountKv(cluster);
    load.start();
    const times = await killRounds(cluster, load, rounds);
    await load.stop();
    const lost = await load.lost(await cluster.active());
    rows.push({ engine: `${engine} (${NODES[engine]} nodes)`, rounds, p50: pct(times, 50), max: Math.max(...times), acked: load.acks.length, lost: lost.length, all: times.join(' ') });
    if (lost.length > 0) console.error(`${engine}: lost acknowledged writes:\n${lost.slice(0, 20).join('\n')}`);
  } finally {
    await load.stop();
    await cluster.close();
  }
}

console.log(`\nkill -9 of the active → first acknowledged write on the new active (lock_timeout ${lockTimeoutSeconds}s)\n`);
console.log('| engine | rounds | p50 ms | max ms | writes acknowledged | acknowledged writes lost |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.engine} | ${r.rounds} | ${r.p50} | ${r.max} | ${r.acked} | ${r.lost} |`);
console.log('');
for (const r of rows) console.log(`${r.engine}: ${r.all}`);
process.exitCode = rows.some((r) => r.lost > 0) ? 1 : 0;
