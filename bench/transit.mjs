#!/usr/bin/env node
// Ward transit benchmark: encrypt and decrypt with an aes256-gcm96 key against a dev server
// on SQLite (file audit device on, as in bench/run.mjs), each beside a no-op Node HTTP server
// measured in the same run.
// Usage: npm run build && node bench/transit.mjs [--duration 10 --connections 50 --no-audit]
import { call, option, printTable, sideBySide, startPair } from './lib.mjs';

const DURATION = Number(option('duration', 10));
const CONNECTIONS = Number(option('connections', 50));
const AUDIT = !process.argv.includes('--no-audit');

const rows = [];
const pair = await startPair({ audit: AUDIT });
const { noopUrl, wardUrl } = pair;
try {
  await call(wardUrl, 'POST', 'sys/mounts/transit', { type: 'transit' });
  await call(wardUrl, 'POST', 'transit/keys/bench', { type: 'aes256-gcm96' });
  // A typical small payload: a 64-byte secret.
  const plaintext = Buffer.from('x'.repeat(64)).toString('base64');
  const { data } = await call(wardUrl, 'POST', 'transit/encrypt/bench', { plaintext });

  const common = { noopUrl, wardUrl, connections: CONNECTIONS, duration: DURATION };
  rows.push(await sideBySide('transit encrypt', { ...common, path: '/v1/transit/encrypt/bench', method: 'POST', body: JSON.stringify({ plaintext }) }));
  rows.push(await sideBySide('transit decrypt', { ...common, path: '/v1/transit/decrypt/bench', method: 'POST', body: JSON.stringify({ ciphertext: data.ciphertext }) }));
} finally {
  pair.stop();
}

printTable(`Ward transit benchmark: ${CONNECTIONS} connections, ${DURATION}s each, SQLite store, file audit device ${AUDIT ? 'on' : 'off'}`, rows);
