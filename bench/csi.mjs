#!/usr/bin/env node
// CSI provider benchmark: Mount latency for a SecretProviderClass of 10 KV v2 objects with a
// cached Ward token, as the driver's rotation poll sees it. The world is the e2e harness: Ward
// in this process (in-memory store) behind a TLS listener, Kubernetes auth against the fake
// API server, and the provider as a real `ward k8s csi-provider` process on a unix socket.
// Usage: npm run build && node bench/csi.mjs [--iterations 500 --concurrency 1]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, option } from './lib.mjs';

const harness = join(ROOT, 'dist/test/integration/k8s-csi/harness.js');
if (!existsSync(harness)) {
  console.error('bench/csi.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { startWorld } = await import(harness);

const ITERATIONS = Number(option('iterations', 500));
const CONCURRENCY = Number(option('concurrency', 1));
const OBJECTS = 10;

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const w = await startWorld();
try {
  for (let i = 0; i < OBJECTS; i++) {
    const r = await fetch(`${w.ward.url}/v1/secret/data/app/s${i}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': w.ward.rootToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ data: { value: `v-${i}-${'x'.repeat(48)}` } }),
    });
    if (r.status !== 200) throw new Error(`writing s${i}: ${r.status}`);
  }
  const objects = Array.from({ length: OBJECTS }, (_, i) => `- objectName: s${i}\n  secretPath: secret/data/app/s${i}\n  secretKey: value\n`).join('');
  const attrs = { ...(await w.podAttributes()), roleName: 'web', vaultCACertPath: w.caFile, objects };
  const one = async () => {
    const t = process.hrtime.bigint();
    const res = await w.driver.mount(attrs);
    if (res.files.length !== OBJECTS) throw new Error(`got ${res.files.length} files`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  await one(); // the login: not part of the cached-token numbers
  for (let i = 0; i < 50; i++) await one(); // warm-up
  const samples = [];
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < ITERATIONS) samples.push(await one());
    }),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  samples.sort((a, b) => a - b);
  console.log(`CSI Mount, ${OBJECTS} KV v2 objects, cached token, TLS to Ward, ${ITERATIONS} mounts at concurrency ${CONCURRENCY}`);
  console.log(`p50 ${pct(samples, 50).toFixed(2)} ms  p90 ${pct(samples, 90).toFixed(2)} ms  p99 ${pct(samples, 99).toFixed(2)} ms  max ${samples.at(-1).toFixed(2)} ms  (${((samples.length / wallMs) * 1000).toFixed(0)} mounts/s)`);
} finally {
  await w.close();
}
