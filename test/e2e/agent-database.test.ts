/**
 * Lease-aware re-rendering end to end: PostgreSQL credentials from the database engine
 * are renewed by the agent, and re-issued and re-rendered before their lease (capped by
 * max_ttl) runs out. The app side only reads the rendered file and logs in with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { api, startTestServer } from '../helpers/server.js';
import { appToken, put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';

const skip = postgresSkipReason();

async function canLogIn(port: number, user: string, password: string): Promise<boolean> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

test('database credentials are re-rendered before their lease expires', { skip, timeout: 60_000 }, async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const mount = await api(server, 'POST', 'sys/mounts/database', { token: server.rootToken, body: { type: 'database' } });
  const mounts = await api(server, 'GET', 'sys/mounts', { token: server.rootToken });
  if (!mounts.body?.data?.['database/'] && !mounts.body?.['database/']) {
    // The engine is another team's work: skip until it exists, fail under CI only once it does.
    t.skip(`database engine not available: ${JSON.stringify(mount.body)}`);
    return;
  }
  const db = await startPostgres();
  t.after(() => db.stop());
  const cfgRes = await api(server, 'POST', 'database/config/pg', {
    token: server.rootToken,
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
      username: db.superuser,
      password: db.password,
      allowed_roles: 'app',
    },
  });
  assert.ok(cfgRes.status < 300, JSON.stringify(cfgRes.body));
  const create = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`;
  const role = await api(server, 'POST', 'database/roles/app', { token: server.rootToken, body: { db_name: 'pg', creation_statements: create, default_ttl: '10s', max_ttl: '10s' } });
  assert.ok(role.status < 300, JSON.stringify(role.body));

  const dir = tempDir();
  put(dir, 'token', await appToken(server));
  const out = join(dir, 'db.json');
  const cfg = put(dir, 'agent.hcl', `
auto_auth {
  method "token_file" { config = { token_file_path = "${join(dir, 'token')}" } }
}
template {
  contents = "{{ with secret \\"database/creds/app\\" }}{\\"user\\":\\"{{ .Data.username }}\\",\\"password\\":\\"{{ .Data.password }}\\",\\"lease\\":\\"{{ .LeaseID }}\\"}{{ end }}"
  destination = "${out}"
  perms = "0400"
}
`);
  const agent = startAgent(server, cfg, ['-log-level=debug']);
  t.after(() => agent.stop());
  type Creds = { user: string; password: string; lease: string };
  const first = JSON.parse(await waitFor('first credentials', () => tryRead(out), 15_000, agent)) as Creds;
  const issuedAt = Date.now();
  assert.ok(await canLogIn(db.port, first.user, first.password), 'the rendered credentials work');
  const second = JSON.parse(
    await waitFor('re-issued credentials', () => {
      const text = tryRead(out);
      return text && !text.includes(first.user) ? text : undefined;
    }, 15_000, agent),
  ) as Creds;
  const age = Date.now() - issuedAt;
  assert.ok(age < 10_000, `re-rendered ${age}ms after issue, before the 10s lease ended`);
  assert.ok(age > 5_000, `not re-issued too early (renewed first): ${age}ms`);
  assert.notEqual(second.lease, first.lease);
  assert.match(agent.log(), /renewed database\/creds\/app\//, 'the lease was renewed before being replaced');
  assert.ok(await canLogIn(db.port, second.user, second.password), 'the new credentials work');
});
