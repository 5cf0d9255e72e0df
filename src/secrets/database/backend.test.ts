import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger, type Backend } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { databaseFactory } from './index.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { driveBackend } from '../../sdk/testing.js';

/** Drives the engine as the core does, with no database behind it (verify_connection=false). */
async function harness() {
  const storage = new InmemStorage();
  const backend: Backend = await databaseFactory({
    storage, mountPoint: 'database/', mountType: 'database', logger: silentLogger,
    system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 86400, options: () => ({}) },
  });
  const { call } = driveBackend(backend, storage, { mountPoint: 'database/', mountType: 'database', mountAccessor: 'database_1', clientToken: '' });
  return { backend, storage, call };
}

const CONFIG = {
  plugin_name: 'postgresql-database-plugin',
  connection_url: 'postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres',
  username: 'admin',
  password: 'root-secret-pw',
  allowed_roles: 'ro, other',
  verify_connection: false,
};

describe('database engine (no database)', async () => {
  const h = await harness();
  after(() => h.backend.cleanup?.());

  it('stores a connection and never returns its password', async () => {
    assert.equal(await h.call('update', 'config/pg', CONFIG), null);
    const res = await h.call('read', 'config/pg');
    const data = res?.data as Record<string, unknown>;
    assert.deepEqual(data.allowed_roles, ['ro', 'other']);
    assert.equal(data.plugin_name, 'postgresql-database-plugin');
    const details = data.connection_details as Record<string, unknown>;
    assert.equal(details.username, 'admin');
    assert.equal(details.max_open_connections, 4);
    assert.equal(details.connection_url, CONFIG.connection_url);
    assert.ok(!JSON.stringify(res).includes('root-secret-pw'));
    assert.deepEqual((await h.call('list', 'config/'))?.data, { keys: ['pg'] });
  });

  it('validates connections', async () => {
    await rejectsWard(h.call('update', 'config/x', { ...CONFIG, plugin_name: 'mysql-database-plugin' }), 400, /unsupported plugin_name/);
    await rejectsWard(h.call('update', 'config/x', { ...CONFIG, plugin_name: '' }), 400, /plugin_name/);
    await rejectsWard(h.call('update', 'config/x', { ...CONFIG, connection_url: '' }), 400, /connection_url/);
    await rejectsWard(h.call('update', 'config/x', { ...CONFIG, username_template: '{{ bogus }}' }), 400, /username template/);
  });

  it('refuses a connection it cannot reach when verify_connection is on, without leaking the password', async () => {
    const e = await rejectsWard(h.call('update', 'config/down', { ...CONFIG, verify_connection: true }), 400, /error verifying connection/);
    assert.ok(!e.messages.join(' ').includes('root-secret-pw'));
    assert.equal(await h.call('read', 'config/down'), null);
  });

  it('manages roles with partial updates', async () => {
    await rejectsWard(h.call('update', 'roles/ro', { db_name: 'pg' }), 400, /empty creation statements/);
    await rejectsWard(h.call('update', 'roles/ro', { creation_statements: 'SELECT 1' }), 400, /empty database name/);
    await h.call('update', 'roles/ro', { db_name: 'pg', creation_statements: [`CREATE ROLE "{{name}}"`], default_ttl: '1h', max_ttl: 7200 });
    await h.call('update', 'roles/ro', { max_ttl: '3h' });
    const r = (await h.call('read', 'roles/ro'))?.data as Record<string, unknown>;
    assert.equal(r.default_ttl, 3600);
    assert.equal(r.max_ttl, 10800);
    assert.deepEqual(r.creation_statements, ['CREATE ROLE "{{name}}"']);
    assert.equal(r.credential_type, 'password');
    await rejectsWard(h.call('update', 'roles/ro', { default_ttl: '4h' }), 400, /max_ttl/);
    assert.deepEqual((await h.call('list', 'roles/'))?.data, { keys: ['ro'] });
  });

  it('answers creds for unknown roles with 400 and for roles the connection does not allow with 500', async () => {
    await rejectsWard(h.call('read', 'creds/missing'), 400, /unknown role: missing/);
    await h.call('update', 'roles/notallowed', { db_name: 'pg', creation_statements: 'SELECT 1' });
    await rejectsWard(h.call('read', 'creds/notallowed'), 500, /"notallowed" is not an allowed role/);
  });

  it('reports an unreachable database as 502 when issuing credentials', async () => {
    const e = await rejectsWard(h.call('read', 'creds/ro'), 502, /could not connect to database "pg"/);
    assert.ok(!e.messages.join(' ').includes('root-secret-pw'));
  });

  it('validates static roles', async () => {
    await rejectsWard(h.call('update', 'static-roles/s', { db_name: 'pg', username: 'u', rotation_period: 2 }), 400, /5 seconds/);
    await rejectsWard(h.call('update', 'static-roles/s', { db_name: 'pg', rotation_period: 60 }), 400, /username/);
    await rejectsWard(h.call('update', 'static-roles/s', { db_name: 'pg', username: 'u', rotation_period: 60 }), 400, /not an allowed role/);
    await rejectsWard(h.call('read', 'static-creds/s'), 400, /unknown role/);
    await rejectsWard(h.call('update', 'rotate-role/s'), 400, /no static role/);
  });

  it('deletes connections', async () => {
    await h.call('delete', 'config/pg');
    assert.equal(await h.call('read', 'config/pg'), null);
    await rejectsWard(h.call('update', 'reset/pg'), 400, /failed to find entry/);
  });
});
