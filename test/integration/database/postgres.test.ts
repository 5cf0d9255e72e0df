/**
 * The database engine end to end: a real Ward server and a real PostgreSQL cluster.
 * Issued users must be able to log in; renewals, revocations, expiry, outages, root and
 * static rotation are checked in PostgreSQL itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { POSTGRES, skipUnless } from '../../helpers/requirement.js';
import { waitFor as waitUntil } from '../../helpers/wait.js';

const skip = skipUnless(POSTGRES);

/** Polls a PostgreSQL-side condition (a real server: no fake clock reaches it). */
const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<boolean> => waitUntil(what, check, { timeoutMs, intervalMs: 200 });

describe('database engine against PostgreSQL', { skip }, () => {
  let db: TestPostgres;
  let server: TestServer;
  let admin: pg.Pool;
  const CREATE = `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT pg_read_all_data TO "{{name}}";`;

  const call = (method: string, path: string, body?: unknown, token = server.rootToken) => api(server, method, path, { token, ...(body === undefined ? {} : { body }) });

  /** Connects as the given user and runs SELECT 1; resolves with the error on failure. */
  async function login(user: string, password: string): Promise<Error | null> {
    const c = new pg.Client({ host: db.host, port: db.port, user, password, database: 'postgres' });
    try {
      await c.connect();
      const r = await c.query('SELECT 1 AS one');
      assert.equal(r.rows[0]?.one, 1);
      return null;
    } catch (e) {
      return e as Error;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  const roleExists = async (name: string) => ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;
  const validUntil = async (name: string): Promise<number> => {
    const r = await admin.query<{ rolvaliduntil: Date | null }>('SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1', [name]);
    return r.rows[0]?.rolvaliduntil?.getTime() ?? 0;
  };
  async function issue(role: string, token?: string): Promise<{ username: string; password: string; leaseId: string; duration: number }> {
    const r = await call('GET', `database/creds/${role}`, undefined, token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { username: r.body.data.username, password: r.body.data.password, leaseId: r.body.lease_id, duration: r.body.lease_duration };
  }

  before(async () => {
    db = await startPostgres();
    admin = new pg.Pool({ connectionString: db.url, max: 2 });
    admin.on('error', () => undefined);
    server = await startTestServer();
    assert.equal((await call('POST', 'sys/mounts/database', { type: 'database' })).status, 204);
  });

  after(async () => {
    await server?.close();
    await admin?.end().catch(() => undefined);
    await db?.stop();
  });

  it('configures a connection, verifying it, and never returns the password', async () => {
    const bad = await call('POST', 'database/config/broken', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
      username: db.superuser,
      password: 'wrong-password-123',
      allowed_roles: '*',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0], /error verifying connection/);
    assert.ok(!JSON.stringify(bad.body).includes('wrong-password-123'));

    const ok = await call('POST', 'database/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
      username: db.superuser,
      password: db.password,
      allowed_roles: ['ro', 'short', 'static1'],
    });
    assert.ok(ok.status === 204 || ok.status === 200, JSON.stringify(ok.body));
    const read = await call('GET', 'database/config/pg');
    assert.equal(read.status, 200);
    assert.equal(read.body.data.connection_details.username, db.superuser);
    assert.ok(!JSON.stringify(read.body).includes(db.password));
    assert.deepEqual((await call('LIST', 'database/config')).body.data.keys, ['pg']);
  });

  it('issues credentials that log in to PostgreSQL, renews them and revokes them', async () => {
    assert.equal((await call('POST', 'database/roles/ro', { db_name: 'pg', creation_statements: CREATE, default_ttl: '1h', max_ttl: '24h' })).status, 204);
    const c = await issue('ro');
    assert.match(c.username, /^v-root-ro-[A-Za-z0-9]{20}-\d+$/);
    assert.match(c.leaseId, /^database\/creds\/ro\/[A-Za-z0-9]+$/);
    assert.equal(c.duration, 3600);
    assert.equal(await login(c.username, c.password), null);
    const v1 = await validUntil(c.username);
    // VALID UNTIL is the lease's own expiry, written with whole seconds.
    const expires = Date.parse((await call('PUT', 'sys/leases/lookup', { lease_id: c.leaseId })).body.data.expire_time as string);
    assert.ok(v1 <= expires && expires - v1 < 2000, `VALID UNTIL ${new Date(v1).toISOString()}, lease expires ${new Date(expires).toISOString()}`);

    const renewed = await call('PUT', 'sys/leases/renew', { lease_id: c.leaseId, increment: 7200 });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(renewed.body.lease_duration, 7200);
    const v2 = await validUntil(c.username);
    assert.ok(v2 - v1 > 3000_000, 'renewal extended VALID UNTIL by about an hour');
    // Without an increment the role's default_ttl applies again, not the mount's 768h.
    const plain = await call('PUT', 'sys/leases/renew', { lease_id: c.leaseId });
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.equal(plain.body.lease_duration, 3600);
    assert.equal(plain.body.warnings, null);

    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: c.leaseId })).status, 204);
    assert.equal(await roleExists(c.username), false);
    assert.notEqual(await login(c.username, c.password), null);
  });

  it('drops the user when the creating token is revoked', async () => {
    const child = await call('POST', 'auth/token/create', { policies: ['root'] });
    const token: string = child.body.auth.client_token;
    const c = await issue('ro', token);
    assert.equal(await login(c.username, c.password), null);
    assert.equal((await call('POST', 'auth/token/revoke', { token })).status, 204);
    await waitFor('the user to be dropped', async () => !(await roleExists(c.username)));
    assert.notEqual(await login(c.username, c.password), null);
  });

  it('drops the user when the lease expires', async () => {
    await call('POST', 'database/roles/short', { db_name: 'pg', creation_statements: CREATE, default_ttl: 2 });
    const c = await issue('short');
    assert.equal(c.duration, 2);
    assert.equal(await login(c.username, c.password), null);
    await waitFor('the expired user to be dropped', async () => !(await roleExists(c.username)), 15_000);
  });

  it('answers roles the connection does not allow with 500 and unknown roles with 400', async () => {
    await call('POST', 'database/roles/denied', { db_name: 'pg', creation_statements: CREATE });
    const denied = await call('GET', 'database/creds/denied');
    assert.equal(denied.status, 500);
    assert.deepEqual(denied.body.errors, ['"denied" is not an allowed role']);
    const unknown = await call('GET', 'database/creds/nope');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.errors[0], /unknown role/);
  });

  it('keeps a lease whose database is down and revokes it once the database is back', async () => {
    const c = await issue('ro');
    await db.stopServer();
    try {
      const down = await call('GET', 'database/creds/ro');
      assert.equal(down.status, 502);
      assert.match(down.body.errors[0], /could not connect to database "pg"/);
      assert.ok(!JSON.stringify(down.body).includes(db.password));
      const revoke = await call('PUT', 'sys/leases/revoke', { lease_id: c.leaseId });
      assert.ok(revoke.status >= 500, `revoke while down answered ${revoke.status}`);
      assert.ok(!JSON.stringify(revoke.body).includes(db.password));
      assert.equal((await call('PUT', 'sys/leases/lookup', { lease_id: c.leaseId })).status, 200, 'the lease is kept');
    } finally {
      await db.startServer();
    }
    assert.equal(await roleExists(c.username), true);
    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: c.leaseId })).status, 204);
    assert.equal(await roleExists(c.username), false);
    assert.equal((await call('PUT', 'sys/leases/lookup', { lease_id: c.leaseId })).status, 400);
    const again = await issue('ro');
    assert.equal(await login(again.username, again.password), null, 'issuing works again');
    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: again.leaseId })).status, 204);
  });

  it('rotates the root password: the old one stops working, Ward keeps issuing', async () => {
    await admin.query(`CREATE ROLE rotroot WITH LOGIN SUPERUSER PASSWORD 'rotroot-initial-pw'`);
    const cfg = {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
      username: 'rotroot',
      password: 'rotroot-initial-pw',
      allowed_roles: 'rot',
    };
    await call('POST', 'database/config/rot', cfg);
    await call('POST', 'database/roles/rot', { db_name: 'rot', creation_statements: CREATE });
    assert.equal((await call('POST', 'database/rotate-root/rot')).status, 204);
    assert.notEqual(await login('rotroot', 'rotroot-initial-pw'), null, 'old root password refused');
    const c = await issue('rot');
    assert.equal(await login(c.username, c.password), null);
    const read = await call('GET', 'database/config/rot');
    assert.ok(!JSON.stringify(read.body).includes('rotroot-initial-pw'));
    assert.equal(read.body.data.connection_details.password, undefined);
    assert.equal((await call('POST', 'database/reset/rot')).status, 204);
    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: c.leaseId })).status, 204);
  });

  it('rotates static role passwords on request and on schedule', async () => {
    await admin.query(`CREATE ROLE static_user WITH LOGIN PASSWORD 'static-initial-pw'`);
    const w = await call('POST', 'database/static-roles/static1', { db_name: 'pg', username: 'static_user', rotation_period: '5s' });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    assert.notEqual(await login('static_user', 'static-initial-pw'), null, 'Ward took the account over');
    const first = (await call('GET', 'database/static-creds/static1')).body;
    assert.equal(first.lease_id, '');
    assert.equal(first.data.username, 'static_user');
    assert.equal(first.data.rotation_period, 5);
    assert.ok(first.data.ttl <= 5);
    assert.equal(await login('static_user', first.data.password), null);

    assert.equal((await call('POST', 'database/rotate-role/static1')).status, 204);
    const second = (await call('GET', 'database/static-creds/static1')).body.data;
    assert.notEqual(second.password, first.data.password);
    assert.equal(await login('static_user', second.password), null);
    assert.notEqual(await login('static_user', first.data.password), null);

    let third = second;
    await waitFor('a scheduled rotation', async () => {
      third = (await call('GET', 'database/static-creds/static1')).body.data;
      return third.password !== second.password;
    }, 15_000);
    assert.equal(await login('static_user', third.password), null);
    const role = (await call('GET', 'database/static-roles/static1')).body.data;
    assert.equal(role.username, 'static_user');
    assert.equal(role.password, undefined);
    assert.equal((await call('DELETE', 'database/static-roles/static1')).status, 204);
  });

  it('sends SCRAM verifiers instead of plaintext passwords when password_authentication is scram-sha-256', async () => {
    const w = await call('POST', 'database/config/scram', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
      username: db.superuser,
      password: db.password,
      allowed_roles: 'scram',
      password_authentication: 'scram-sha-256',
    });
    assert.ok(w.status === 204 || w.status === 200, JSON.stringify(w.body));
    await call('POST', 'database/roles/scram', { db_name: 'scram', creation_statements: CREATE });
    const c = await issue('scram');
    const stored = await admin.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [c.username]);
    assert.match(stored.rows[0]?.rolpassword ?? '', /^SCRAM-SHA-256\$4096:/);
    assert.equal(await login(c.username, c.password), null);
    assert.equal((await call('PUT', 'sys/leases/revoke', { lease_id: c.leaseId })).status, 204);
  });

  it('keeps credentials out of every config and role read', async () => {
    const reads = await Promise.all(['database/config/pg', 'database/config/rot', 'database/roles/ro'].map((p) => call('GET', p)));
    const text = JSON.stringify(reads.map((r) => r.body));
    assert.ok(!text.includes(db.password));
    assert.ok(!/"password"\s*:/.test(text), text);
  });

  it('revokes outstanding users and closes its pools when the mount is disabled', async () => {
    const c = await issue('ro');
    assert.equal(await login(c.username, c.password), null);
    assert.equal((await call('DELETE', 'sys/mounts/database')).status, 204);
    assert.equal(await roleExists(c.username), false);
    const open = await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [db.superuser]);
    assert.ok((open.rows[0]?.n ?? 0) <= 2, 'only the test admin pool stays connected');
  });
});
