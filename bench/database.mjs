#!/usr/bin/env node
// Ward benchmark: database engine credential issuance. Starts a throwaway PostgreSQL
// (test/helpers/postgres) and a dev server, then measures GET database/creds/<role>:
// each request creates a PostgreSQL role in a transaction and registers a lease.
// Usage: npm run build && node bench/database.mjs [--duration 10 --connections 10 --scram]
//   --scram  password_authentication=scram-sha-256: Ward hashes passwords, PostgreSQL does not.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TOKEN, call, freePort, waitForOk } from './lib.mjs';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? def : args[i + 1];
};
const DURATION = Number(opt('duration', 10));
const CONNECTIONS = Number(opt('connections', 10));
const SCRAM = args.includes('--scram');
// --cheap: a creation statement without a password, to show Ward's own cost per credential.
const CHEAP = args.includes('--cheap');

const helper = join(ROOT, 'dist/test/helpers/postgres.js');
if (!existsSync(helper)) {
  console.error('bench/database.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { startPostgres, postgresSkipReason } = await import(helper);
const why = postgresSkipReason();
if (why) {
  console.error(`bench/database.mjs: ${why}`);
  process.exit(1);
}

const db = await startPostgres();
const port = await freePort();
const ward = spawn(process.execPath, [join(ROOT, 'bin/ward'), 'server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${TOKEN}`, '-log-level=error'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
const base = `http://127.0.0.1:${port}`;
let result;
try {
  await waitForOk(`${base}/v1/sys/health`);
  await call(base, 'POST', 'sys/mounts/database', { type: 'database' });
  await call(base, 'POST', 'database/config/pg', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
    username: db.superuser,
    password: db.password,
    allowed_roles: 'ro',
    max_open_connections: CONNECTIONS,
    ...(SCRAM ? { password_authentication: 'scram-sha-256' } : {}),
  });
  await call(base, 'POST', 'database/roles/ro', {
    db_name: 'pg',
    creation_statements: CHEAP ? 'CREATE ROLE "{{name}}" WITH LOGIN' : `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT pg_read_all_data TO "{{name}}";`,
    default_ttl: '1h',
  });
  await call(base, 'GET', 'database/creds/ro'); // warm the pool
  result = await new Promise((resolve, reject) => {
    autocannon(
      { url: `${base}/v1/database/creds/ro`, connections: CONNECTIONS, duration: DURATION, pipelining: 1, headers: { 'X-Vault-Token': TOKEN } },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
} finally {
  ward.kill('SIGTERM');
  await new Promise((r) => ward.once('exit', r));
  await db.stop();
}
if (result.non2xx > 0 || result.errors > 0) console.error(`warning: ${result.non2xx} non-2xx, ${result.errors} errors`);
console.log(`\nWard database engine: GET database/creds/<role>, ${CONNECTIONS} connections, ${DURATION}s, in-memory store, PostgreSQL on loopback${SCRAM ? ', scram-sha-256 verifiers' : ''}${CHEAP ? ', password-less CREATE ROLE' : ''}`);
console.log(`creds issued/s: ${Math.round(result.requests.average)}   p50: ${result.latency.p50}ms   p99: ${result.latency.p99}ms   total: ${result.requests.total}`);
