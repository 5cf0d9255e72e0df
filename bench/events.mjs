#!/usr/bin/env node
// KV write throughput while event subscribers are attached: `ward server -dev` (SQLite) as a
// child process, autocannon POSTing KV v2 writes from this process, and the subscribers
// (root tokens, `kv*`, json=true) in another child process so their reading does not
// compete with autocannon here. Modes, measured in alternating rounds: no subscriber,
// N subscribers reading every event, N subscribers that never read (their sockets fill up
// and the server drops them; they reconnect after each round's start).
// Usage: npm run build && node bench/events.mjs [--subscribers 100 --rounds 3 --seconds 5]
import { spawn } from 'node:child_process';
import { ROOT, TOKEN, freePort, load, median, option, prepareWard, startWard, waitForOk } from './lib.mjs';

const N = Number(option('subscribers', 100));
const ROUNDS = Number(option('rounds', 3));
const SECONDS = Number(option('seconds', 5));

const port = await freePort();
const ward = startWard(port);
const url = `http://127.0.0.1:${port}`;
let subs = null;

// The subscriber process: opens N sockets; `read` decides whether they read at all. Prints
// "open" once all are open, and how many events it read when told to stop (stdin closes).
const SUBSCRIBER = `
const { WebSocket } = require(${JSON.stringify(`${ROOT}/node_modules/ws`)});
const [url, token, n, read] = process.argv.slice(1);
let events = 0, open = 0;
const socks = [];
for (let i = 0; i < Number(n); i++) {
  const ws = new WebSocket(url.replace('http', 'ws') + '/v1/sys/events/subscribe/kv*?json=true', { headers: { 'X-Vault-Token': token } });
  ws.on('open', () => { if (read === 'no') ws._socket.pause(); if (++open === Number(n)) console.log('open'); });
  ws.on('message', () => events++);
  ws.on('error', () => {});
  socks.push(ws);
}
process.stdin.on('end', () => { console.log('events ' + events); process.exit(0); });
process.stdin.resume();
`;

function startSubscribers(read) {
  const child = spawn(process.execPath, ['-e', SUBSCRIBER, url, TOKEN, String(N), read ? 'yes' : 'no'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const opened = new Promise((resolve) => {
    const t = setInterval(() => {
      if (out.includes('open')) {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
  return {
    opened,
    async stop() {
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await done;
      return Number(/events (\d+)/.exec(out)?.[1] ?? 0);
    },
  };
}

try {
  await waitForOk(`${url}/v1/sys/health`);
  await prepareWard(url, null);
  const headers = { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' };
  const write = { url: `${url}/v1/secret/data/bench`, method: 'POST', body: JSON.stringify({ data: { password: 'rotated' } }), headers, connections: 10 };
  await load({ ...write, title: 'warm-up', duration: 5 });
  const results = { none: [], reading: [], stalled: [] };
  const delivered = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? ['none', 'reading', 'stalled'] : ['stalled', 'reading', 'none']) {
      if (mode !== 'none') {
        subs = startSubscribers(mode === 'reading');
        await subs.opened;
      }
      const res = await load({ ...write, title: mode, duration: SECONDS });
      results[mode].push(res);
      if (subs) {
        const events = await subs.stop();
        if (mode === 'reading') delivered.push(events / (res.rps * SECONDS));
        subs = null;
      }
    }
  }
  console.log(`KV v2 writes (autocannon, 10 connections, ${ROUNDS} rounds of ${SECONDS} s per mode), ${N} subscribers`);
  console.log('mode                         req/s   worst p99 ms');
  for (const [mode, label] of [['none', 'no subscribers'], ['reading', `${N} reading`], ['stalled', `${N} never reading`]]) {
    const runs = results[mode];
    console.log(`${label.padEnd(24)} ${Math.round(median(runs.map((x) => x.rps))).toString().padStart(9)} ${Math.max(...runs.map((x) => x.p99)).toString().padStart(14)}`);
  }
  console.log(`events received per write per subscriber (reading): ${delivered.map((d) => (d / N).toFixed(2)).join(' ')}`);
} finally {
  if (subs) await subs.stop().catch(() => {});
  ward.kill('SIGTERM');
}
