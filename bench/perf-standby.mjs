#!/usr/bin/env node
// Performance standby read scaling (issue 15's benchmark): two Ward processes on a 3-member
// etcd cluster (or one PostgreSQL with --engine postgresql) with performance_standby = true, the active pinned to CPU 0 and the standby
// to CPU 1 (taskset, every thread). KV v2 reads of one secret with wrk: first all against
// the active alone, then the same connection count split over active + standby (run at
// once). Reports both throughputs and their ratio (goal >= 1.7). On a 2-core machine the
// load generator and the etcd members run on the same two cores: the ratio is then bounded
// well below 2, and this says so in its output.
// Rounds alternate (alone, spread, alone, spread, ...) and medians are reported, so load from
// anything else on the machine weighs on both sides alike.
// Usage: npm run build && node bench/perf-standby.mjs [--engine etcd|postgresql] [--rounds 3] [--duration 10] [--connections 32] [--threads 1]
import { execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { option } from './lib.mjs';

const dist = new URL('../dist/test/helpers/', import.meta.url);
const { startWardCluster } = await import(new URL('ward-cluster.js', dist));
const { mountKv } = await import(new URL('failover-rounds.js', dist));

const duration = Number(option('duration', 10));
const connections = Number(option('connections', 32));
const threads = Number(option('threads', 1));
const engine = option('engine', 'etcd');
const rounds = Number(option('rounds', 3));

function need(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${cmd} is not installed (apt-get install ${cmd === 'taskset' ? 'util-linux' : cmd})`);
  }
}
need('wrk');
need('taskset');

/** Pins every thread of `pid` to `cpu`. */
const pin = (pid, cpu) => execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });

/** One wrk run; resolves with requests/s and the non-2xx count. */
function wrk(url, token, conns) {
  return new Promise((resolve, reject) => {
    const args = [`-t${Math.min(threads, conns)}`, `-c${conns}`, `-d${duration}s`, '-H', `X-Vault-Token: ${token}`, url];
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk failed:\n${out}`));
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
      resolve({ rps, non2xx, cmd: `wrk ${args.map((a) => (a.includes(' ') ? `'${a.replace(token, '$TOKEN')}'` : a)).join(' ')}` });
    });
  });
}

// Vault's default lock TTL: on 2 saturated cores PostgreSQL itself took up to 3 s to answer a
// SELECT 1, and with the tests' 3 s TTL the active lost its lock mid-run (503s in the figures).
const cluster = await startWardCluster({ engine, nodes: 2, performanceStandby: true, lockTimeoutSeconds: 15 });
try {
  await mountKv(cluster);
  const active = await cluster.active();
  const standby = cluster.nodes.find((n) => n !== active);
  const put = await fetch(`${active.url}/v1/secret/data/bench`, { method: 'POST', headers: { 'X-Vault-Token': cluster.rootToken }, body: JSON.stringify({ data: { user: 'app', password: 'x'.repeat(64) } }) });
  if (put.status !== 200) throw new Error(`write: ${put.status}`);
  const index = put.headers.get('x-vault-index');
  for (let i = 0; i < 200; i++) {
    if ((await standby.health()) === 473) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const probe = await fetch(`${standby.url}/v1/secret/data/bench`, { headers: { 'X-Vault-Token': cluster.rootToken, 'X-Vault-Index': index } });
  await probe.arrayBuffer();
  if (probe.headers.get('x-ward-served-by') !== 'perf-standby') throw new Error('the standby did not serve the read itself');
  pin(active.proc.child.pid, 0);
  pin(standby.proc.child.pid, 1);

  const path = '/v1/secret/data/bench';
  const half = Math.max(1, Math.floor(connections / 2));
  const alones = [];
  const spreads = [];
  let errors = 0;
  let cmds = '';
  for (let r = 0; r < rounds; r++) {
    const alone = await wrk(`${active.url}${path}`, cluster.rootToken, connections);
    const [a, s] = await Promise.all([wrk(`${active.url}${path}`, cluster.rootToken, half), wrk(`${standby.url}${path}`, cluster.rootToken, connections - half)]);
    alones.push(alone.rps);
    spreads.push({ total: a.rps + s.rps, active: a.rps, standby: s.rps });
    errors += alone.non2xx + a.non2xx + s.non2xx;
    cmds = `${alone.cmd} ; then at once ${a.cmd} and ${s.cmd}`;
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const aloneMed = median(alones);
  const spreadMed = median(spreads.map((x) => x.total));
  const mid = spreads.find((x) => x.total === spreadMed);
  console.log(`\nKV v2 read of one secret on ${engine}, ${connections} connections, ${duration} s per run (active on CPU 0, standby on CPU 1; ${availableParallelism()} CPUs)\n`);
  console.log('| setup | requests/s |');
  console.log('|---|---|');
  console.log(`| active alone (median of ${rounds}) | ${aloneMed.toFixed(0)} |`);
  console.log(`| active + performance standby (median of ${rounds}) | ${spreadMed.toFixed(0)} (active ${mid.active.toFixed(0)}, standby ${mid.standby.toFixed(0)}) |`);
  console.log(`\nratio: ${(spreadMed / aloneMed).toFixed(2)} (goal >= 1.7); rounds alone ${alones.map((x) => x.toFixed(0)).join(' ')}, spread ${spreads.map((x) => x.total.toFixed(0)).join(' ')}`);
  if (availableParallelism() <= 2) console.log(`note: 2 CPUs only: wrk and ${engine === 'etcd' ? 'the three etcd members' : 'PostgreSQL'} share the two cores with the Ward nodes (and other work on the machine varies between runs): expect noise, and a ceiling below 2.`);
  console.log(`commands: ${cmds}`);
  if (errors > 0) {
    console.error(`non-2xx responses: ${errors}`);
    process.exitCode = 1;
  }
} finally {
  await cluster.close();
}
