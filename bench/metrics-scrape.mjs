#!/usr/bin/env node
// sys/metrics scrape cost with many stored tokens: N service tokens stored, then Prometheus
// scrapes (GET sys/metrics?format=prometheus) by wrk on CPU 1 beside a no-op server, Ward
// and the no-op on CPU 0, as the median ratio of alternating rounds. The token-count gauges
// used to read every token entry on every scrape; they are now collected every
// usage_gauge_period (default 10m), so a scrape serves the last collection. --root runs
// another built checkout (the before of a change). KV reads are measured alongside as the
// reference the scrape ratio is read against.
// Usage: node bench/metrics-scrape.mjs [--tokens 20000] [--root ../before] [--rounds 6] [--seconds 3] [--connections 10]
import { call, option, WORKLOADS, ROOT } from './lib.mjs';
import { ratioRounds, startStoredState } from './stored-state.mjs';

const N = Number(option('tokens', 20_000));
const root = option('root', ROOT);
const s = await startStoredState({
  root,
  fill: async (core, req) => {
    for (let i = 0; i < N; i += 500) {
      const k = Math.min(500, N - i);
      await Promise.all(Array.from({ length: k }, (_, j) => req('auth/token/create', { policies: [`p${(i + j) % 20}`], ttl: '720h' })));
    }
  },
  ready: async (url) => {
    // Tokens are leases too: wait until the index is loaded, as for any steady node.
    for (let loaded = 0; loaded < N; await new Promise((r) => setTimeout(r, 200))) {
      const m = await call(url, 'GET', 'sys/metrics');
      loaded = m.Gauges.find((g) => /expire\.num_leases$/.test(g.Name))?.Value ?? 0;
    }
  },
});
try {
  const opts = { ...s, rounds: Number(option('rounds', 6)), seconds: Number(option('seconds', 3)), connections: Number(option('connections', 10)) };
  const scrape = await ratioRounds(`scrape with ${N} tokens`, { ...opts, path: '/v1/sys/metrics?format=prometheus' });
  const read = await ratioRounds('KV read', { ...opts, path: WORKLOADS.read.path });
  console.log(root);
  for (const r of [scrape, read]) console.log(`${r.title}: ${r.rps.toFixed(1)} req/s, median ratio to the no-op ${r.ratio.toFixed(4)}`);
} finally {
  s.stop();
}
