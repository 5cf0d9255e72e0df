#!/usr/bin/env node
// The baseline of bench/engines.mjs: the storage engine driven directly from Node, with no
// Ward in between, at a given concurrency. Run as its own process (so it gets a core of its
// own, as Ward does) with one JSON argument; it prepares, then on each line "run <seconds>"
// read from stdin it runs the workload and answers one JSON line {rps, p99}.
//   engine: "postgresql" {url, table} | "etcd" {address, prefix}
//   op: "write" (pg INSERT ... ON CONFLICT DO UPDATE, as Ward's put; etcd put)
//       "write2" (two such writes at once, of `size` and `size2` bytes: the engine work of one
//                 KV v2 write, which stores the new version and the secret's metadata)
//       "read"  (pg SELECT by primary key, as Ward's get; etcd get, linearizable as Ward's)
//   size: value bytes; keys: how many distinct keys the workers cycle through; concurrency.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';

const o = JSON.parse(process.argv[2]);
const value = randomBytes(o.size);
const value2 = randomBytes(o.size2 ?? o.size);

async function postgres() {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: o.url, max: o.concurrency });
  const t = `"${o.table}"`;
  // The same statements (and the same table and index) as Ward's store, under a prefix of its own.
  const put = `INSERT INTO ${t} (parent_path, path, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (path, key) DO UPDATE SET parent_path = excluded.parent_path, value = excluded.value`;
  const get = `SELECT value FROM ${t} WHERE path = $1 AND key = $2`;
  const args = (i) => ['/bench-direct/', '/bench-direct/', `k${i}`];
  for (let i = 0; i < o.keys; i++) await pool.query(put, [...args(i), value]);
  const write = (i, k = `k${i}`, v = value) => pool.query({ text: put, values: ['/bench-direct/', '/bench-direct/', k, v] });
  const ops = {
    write,
    write2: (i) => Promise.all([write(i), write(i, `m${i}`, value2)]),
    read: (i) => pool.query({ text: get, values: args(i).slice(1) }),
  };
  return { op: ops[o.op], close: () => pool.end() };
}

async function etcd() {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: o.address.split(',') });
  const key = (i) => `${o.prefix}bench-direct/k${i}`;
  for (let i = 0; i < o.keys; i++) await client.put(key(i)).value(value);
  const write = (i, k = key(i), v = value) => client.kv.put({ key: Buffer.from(k), value: v });
  const ops = {
    write,
    write2: (i) => Promise.all([write(i), write(i, `${key(i)}-m`, value2)]),
    read: (i) => client.kv.range({ key: Buffer.from(key(i)) }),
  };
  return { op: ops[o.op], close: async () => client.close() };
}

/** `concurrency` workers, each issuing its next operation when the last one completes. */
async function run(op, seconds) {
  const end = performance.now() + seconds * 1000;
  const latencies = [];
  let n = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await op(next++ % o.keys);
      latencies.push(performance.now() - t);
      n++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  latencies.sort((a, b) => a - b);
  return { rps: n / ((performance.now() - started) / 1000), p99: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0) };
}

const engine = o.engine === 'postgresql' ? await postgres() : await etcd();
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const m = /^run (\d+(?:\.\d+)?)$/.exec(line.trim());
  if (!m) break;
  process.stdout.write(`${JSON.stringify(await run(engine.op, Number(m[1])))}\n`);
}
await engine.close();
