/**
 * Lease-aware re-rendering end to end: PostgreSQL credentials from the database engine
 * are renewed by the agent, and re-issued and re-rendered before their lease (capped by
 * max_ttl) runs out. The app side only reads the rendered file and logs in with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres } from '../helpers/postgres.js';
import { api, startTestServer } from '../helpers/server.js';
import { appToken, put, startAgent, tempDir, tryRead, waitFor } from './agent-harness.js';
import { POSTGRES, skipUnless } from '../helpers/requirement.js';

const skip = skipUnless(POSTGRES);

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

test('database credentials are re-rendered before their lease expires', { skip, timeout: 120_000 }, async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const mount = await api(server, 'POST', 'sys/mounts/database', { token: server.rootToken, body: { type: 'database' } });
  assert.equal(mount.status, 204, JSON.stringify(mount.body));
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
  // 30 s: the agent re-fetches at 85-95 % of what is left after the truncated renewal, which
  // with 10 s left only 0.6-1.2 s before expiry for the render, too little on a loaded machine.
  const role = await api(server, 'POST', 'database/roles/app', { token: server.rootToken, body: { db_name: 'pg', creation_statements: create, default_ttl: '30s', max_ttl: '30s' } });
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
  assert.ok(await canLogIn(db.port, first.user, first.password), 'the rendered credentials work');
  // default_ttl = max_ttl: renewals cannot move this, so it is when the first lease ends.
  const lookup = await api(server, 'PUT', 'sys/leases/lookup', { token: server.rootToken, body: { lease_id: first.lease } });
  assert.equal(lookup.status, 200, JSON.stringify(lookup.body));
  const firstExpires = Date.parse(lookup.body.data.expire_time as string);
  let logWhenReplaced = '';
  const second = JSON.parse(
    await waitFor('re-issued credentials', () => {
      const text = tryRead(out);
      if (!text || text.includes(first.user)) return undefined;
      logWhenReplaced = agent.log();
      return text;
    }, 45_000, agent),
  ) as Creds;
  assert.notEqual(second.lease, first.lease);
  // Ordering, not durations: the agent renewed the first lease before replacing it, and
  // wrote the new credentials (file mtime) before the first lease's own expire_time.
  assert.ok(logWhenReplaced.includes(`renewed ${first.lease}`), `the lease was renewed before being replaced:\n${logWhenReplaced}`);
  const rewrittenAt = statSync(out).mtimeMs;
  assert.ok(rewrittenAt < firstExpires, `re-rendered at ${new Date(rewrittenAt).toISOString()}, after the first lease ended at ${new Date(firstExpires).toISOString()}`);
  assert.ok(await canLogIn(db.port, second.user, second.password), 'the new credentials work');
});
