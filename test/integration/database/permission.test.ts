/**
 * The database engine behind the ACL. A token allowed to read one role's credentials gets
 * past the ACL for that path only; everything else answers 403 "permission denied"
 * before the engine runs (no PostgreSQL is needed: a denied request never reaches it).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errText } from '../../helpers/errors.js';
import { freePort } from '../../helpers/net.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('database permission denied', () => {
  let s: TestServer;
  let root = '';
  let creds = '';
  const asRoot = (method: string, path: string, body?: unknown) => api(s, method, path, { token: root, ...(body === undefined ? {} : { body }) });
  const assertDenied = (r: { status: number; body: unknown }, what: string): void => {
    assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.body)}`);
    assert.match(errText(r as { body: { errors?: string[] } }), /permission denied/, what);
  };
  const CONFIG_PASSWORD = 'superuser-password-8841';

  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    assert.equal((await asRoot('POST', 'sys/mounts/database', { type: 'database' })).status, 204);
    // A connection to a port nothing listens on, saved without verifying it.
    const port = await freePort();
    const cfg = await asRoot('POST', 'database/config/pg', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres?sslmode=disable`,
      username: 'admin',
      password: CONFIG_PASSWORD,
      allowed_roles: '*',
      verify_connection: false,
    });
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body));
    for (const role of ['app', 'admin']) {
      assert.equal((await asRoot('POST', `database/roles/${role}`, { db_name: 'pg', creation_statements: 'CREATE ROLE "{{name}}";' })).status, 204);
    }
    const policy = 'path "database/creds/app" { capabilities = ["read"] }';
    assert.equal((await asRoot('PUT', 'sys/policies/acl/db-app', { policy })).status, 204);
    creds = (await asRoot('POST', 'auth/token/create', { policies: ['db-app'] })).body.auth.client_token as string;
  });
  after(() => s.close());

  it('the allowed path gets past the ACL to the engine (which cannot reach the database)', async () => {
    const r = await api(s, 'GET', 'database/creds/app', { token: creds });
    assert.notEqual(r.status, 403, JSON.stringify(r.body));
    assert.ok(!JSON.stringify(r.body).includes(CONFIG_PASSWORD), 'the connection password is not echoed');
  });

  it('every other database operation is refused with 403 before the engine runs', async () => {
    const attempts: [string, string, unknown][] = [
      ['GET', 'database/creds/admin', undefined],
      ['GET', 'database/config/pg', undefined],
      ['LIST', 'database/config', undefined],
      ['POST', 'database/config/pg', { plugin_name: 'postgresql-database-plugin', connection_url: 'postgresql://evil', verify_connection: false }],
      ['DELETE', 'database/config/pg', undefined],
      ['POST', 'database/reset/pg', {}],
      ['POST', 'database/rotate-root/pg', {}],
      ['GET', 'database/roles/app', undefined],
      ['LIST', 'database/roles', undefined],
      ['POST', 'database/roles/app', { db_name: 'pg', creation_statements: 'CREATE ROLE "{{name}}" SUPERUSER;' }],
      ['DELETE', 'database/roles/admin', undefined],
      ['POST', 'database/static-roles/owned', { db_name: 'pg', username: 'postgres', rotation_period: '1h' }],
      ['GET', 'database/static-creds/owned', undefined],
      ['POST', 'database/rotate-role/owned', {}],
    ];
    for (const [method, path, body] of attempts) assertDenied(await api(s, method, path, { token: creds, ...(body === undefined ? {} : { body }) }), `${method} ${path}`);
  });

  it('a default-policy token and a request without a token get no credentials', async () => {
    const t = (await asRoot('POST', 'auth/token/create', { policies: ['default'] })).body.auth.client_token as string;
    assertDenied(await api(s, 'GET', 'database/creds/app', { token: t }), 'default policy');
    assertDenied(await api(s, 'GET', 'database/creds/app'), 'no token');
  });

  it('nothing the denied requests asked for happened', async () => {
    const cfg = await asRoot('GET', 'database/config/pg');
    assert.equal(cfg.status, 200);
    assert.match(cfg.body.data.connection_details.connection_url, /^postgresql:\/\/\{\{username\}\}/, 'the connection was not replaced');
    assert.ok(!JSON.stringify(cfg.body).includes(CONFIG_PASSWORD));
    assert.equal((await asRoot('GET', 'database/roles/admin')).status, 200, 'the admin role still exists');
    assert.deepEqual((await asRoot('GET', 'database/roles/app')).body.data.creation_statements, ['CREATE ROLE "{{name}}";']);
    assert.equal((await asRoot('GET', 'database/static-roles/owned')).status, 404);
  });
});
