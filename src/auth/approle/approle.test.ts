import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger, type LogicalRequest, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage, listRecursive } from '../../sdk/storage.js';
import { DEFAULT_LOCKOUT } from '../lockout.js';
import { createAppRoleBackend } from './index.js';
import { tidySecretIds } from './path-tidy-secret-id.js';
import { AppRoleStore } from './store.js';
import { wardErrorOf } from '../../../test/helpers/errors.js';
import { driveBackend } from '../../sdk/testing.js';

function harness() {
  const storage = new InmemStorage();
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const backend = createAppRoleBackend(
    { storage, mountPoint: 'auth/approle/', mountType: 'approle', system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 7200, options: () => ({}) }, logger: silentLogger },
    { clock, lockout: DEFAULT_LOCKOUT },
  );
  const driver = driveBackend(backend, storage, { mountPoint: 'auth/approle/', mountType: 'approle', mountAccessor: 'auth_approle_1', clientToken: '' });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}, remoteAddress = '127.0.0.1'): Promise<LogicalResponse | null> =>
    driver.call(operation, path, data, { connection: { remoteAddress, remotePort: 1 } });
  const data = async (op: Operation, path: string, body: Record<string, unknown> = {}) => (await call(op, path, body))?.data ?? {};
  const roleId = async (name: string) => String((await data('read', `role/${name}/role-id`)).role_id);
  const secretId = async (name: string, body: Record<string, unknown> = {}) => (await data('update', `role/${name}/secret-id`, body)) as { secret_id: string; secret_id_accessor: string; secret_id_ttl: number; secret_id_num_uses: number };
  return { storage, backend, call, data, roleId, secretId, clock, advance: (s: number) => (now += s * 1000) };
}

const errorOf = wardErrorOf;

describe('approle roles', () => {
  it('creates with defaults, reads in seconds, lists, and deletes with its secret IDs', async () => {
    const { call, data, secretId, storage } = harness();
    await call('update', 'role/My-App', { token_policies: 'p1', token_ttl: '1h', secret_id_ttl: '10m' });
    const r = await data('read', 'role/my-app');
    assert.equal(r.bind_secret_id, true);
    assert.equal(r.secret_id_ttl, 600);
    assert.equal(r.token_ttl, 3600);
    assert.deepEqual(r.token_policies, ['p1']);
    assert.deepEqual(r.policies, ['p1'], 'deprecated mirror');
    assert.equal(r.local_secret_ids, false);
    assert.equal(r.token_type, 'default');
    assert.ok(!('role_id' in r));
    assert.deepEqual((await data('list', 'role/')).keys, ['my-app']);
    await secretId('my-app');
    await call('delete', 'role/MY-APP');
    assert.equal(await call('read', 'role/my-app'), null);
    assert.deepEqual((await listRecursive(storage)).filter((k) => k !== 'hmac_key'), [], 'role, role_id index, secret and accessor gone');
  });

  it('requires at least one constraint and validates fields', async () => {
    const { call } = harness();
    const e = await errorOf(call('update', 'role/r', { bind_secret_id: false }));
    assert.deepEqual(e.messages, ['at least one constraint should be enabled on the role']);
    await call('update', 'role/r', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    await call('update', 'role/t', { bind_secret_id: false, token_bound_cidrs: ['127.0.0.1/32'] });
    assert.equal((await errorOf(call('update', 'role/x', { secret_id_bound_cidrs: 'bogus' }))).status, 400);
    assert.equal((await errorOf(call('update', 'role/x', { secret_id_num_uses: -1 }))).status, 400);
    assert.equal((await errorOf(call('update', 'role/x', { token_type: 'batch', token_period: 60 }))).status, 400);
    assert.equal((await errorOf(call('update', 'role/r/bind-secret-id', {}))).messages[0], 'missing bind_secret_id');
    const viaDelete = await errorOf(call('delete', 'role/r/secret-id-bound-cidrs'));
    assert.deepEqual(viaDelete.messages, ['at least one constraint should be enabled on the role']);
  });

  it('keeps local_secret_ids immutable after creation', async () => {
    const { call, data } = harness();
    await call('update', 'role/l', { local_secret_ids: true });
    assert.equal((await data('read', 'role/l/local-secret-ids')).local_secret_ids, true);
    const e = await errorOf(call('update', 'role/l', { local_secret_ids: false }));
    assert.match(e.messages[0] ?? '', /only be modified during role creation/);
    await call('update', 'role/l', { local_secret_ids: true, token_ttl: 5 });
    assert.equal((await errorOf(call('update', 'role/l/local-secret-ids', { local_secret_ids: false }))).status, 405);
  });

  it('reads and replaces the role_id, refusing one already in use', async () => {
    const { call, roleId } = harness();
    await call('update', 'role/a', { role_id: 'custom-a' });
    await call('update', 'role/b', {});
    assert.equal(await roleId('a'), 'custom-a');
    assert.match(await roleId('b'), /^[0-9a-f-]{36}$/);
    assert.deepEqual((await errorOf(call('update', 'role/b/role-id', { role_id: 'custom-a' }))).messages, ['role_id already in use']);
    assert.deepEqual((await errorOf(call('update', 'role/c', { role_id: 'custom-a' }))).messages, ['role_id already in use']);
    await call('update', 'role/a/role-id', { role_id: 'new-a' });
    assert.equal(await roleId('a'), 'new-a');
  });

  it('serves every single-field sub-path', async () => {
    const { call, data } = harness();
    await call('update', 'role/f', {});
    const cases: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] = [
      ['policies', { policies: 'x,Y' }, { token_policies: ['x', 'y'], policies: ['x', 'y'] }, { token_policies: [], policies: [] }],
      ['secret-id-num-uses', { secret_id_num_uses: 4 }, { secret_id_num_uses: 4 }, { secret_id_num_uses: 0 }],
      ['secret-id-ttl', { secret_id_ttl: '2m' }, { secret_id_ttl: 120 }, { secret_id_ttl: 0 }],
      ['token-ttl', { token_ttl: 30 }, { token_ttl: 30 }, { token_ttl: 0 }],
      ['token-max-ttl', { token_max_ttl: 90 }, { token_max_ttl: 90 }, { token_max_ttl: 0 }],
      ['token-num-uses', { token_num_uses: 2 }, { token_num_uses: 2 }, { token_num_uses: 0 }],
      ['secret-id-bound-cidrs', { secret_id_bound_cidrs: '10.0.0.0/8' }, { secret_id_bound_cidrs: ['10.0.0.0/8'] }, { secret_id_bound_cidrs: [] }],
      ['token-bound-cidrs', { token_bound_cidrs: '10.0.0.0/8' }, { token_bound_cidrs: ['10.0.0.0/8'] }, { token_bound_cidrs: [] }],
      ['period', { period: 300 }, { token_period: 300, period: 300 }, { token_period: 0, period: 0 }],
      ['bind-secret-id', { bind_secret_id: true }, { bind_secret_id: true }, { bind_secret_id: true }],
    ];
    for (const [path, body, after, reset] of cases) {
      await call('update', `role/f/${path}`, body);
      assert.deepEqual(await data('read', `role/f/${path}`), after, path);
      await call('delete', `role/f/${path}`);
      assert.deepEqual(await data('read', `role/f/${path}`), reset, `${path} after delete`);
    }
    assert.equal(await call('read', 'role/none/token-ttl'), null);
    assert.equal((await errorOf(call('update', 'role/none/token-ttl', { token_ttl: 1 }))).status, 404);
  });
});

describe('approle secret IDs', () => {
  it('generates, lists, looks up and destroys, storing only HMACs', async () => {
    const { call, data, secretId, storage } = harness();
    await call('update', 'role/app', { secret_id_ttl: 600, secret_id_num_uses: 5, secret_id_bound_cidrs: '127.0.0.0/8' });
    const res = await call('update', 'role/app/secret-id', { metadata: '{"env":"prod"}', cidr_list: '127.0.0.1/32', num_uses: 3 });
    const s = res?.data as { secret_id: string; secret_id_accessor: string };
    assert.equal(res?.wrappedAccessor, s.secret_id_accessor, 'wrap_info.wrapped_accessor');
    assert.deepEqual({ ...res?.data, secret_id: '', secret_id_accessor: '' }, { secret_id: '', secret_id_accessor: '', secret_id_ttl: 600, secret_id_num_uses: 3 });
    const dump = (await Promise.all((await listRecursive(storage)).map(async (k) => k + (await storage.get(k))?.toString()))).join('\n');
    assert.ok(!dump.includes(s.secret_id), 'the SecretID is never stored in clear');
    assert.deepEqual((await data('list', 'role/app/secret-id/')).keys, [s.secret_id_accessor]);
    const look = await data('update', 'role/app/secret-id/lookup', { secret_id: s.secret_id });
    assert.deepEqual(look.metadata, { env: 'prod' });
    assert.deepEqual(look.cidr_list, ['127.0.0.1/32']);
    assert.equal(look.secret_id_num_uses, 3);
    assert.equal(look.expiration_time, '2023-11-14T22:23:20.000000000Z');
    assert.equal(look.creation_time, '2023-11-14T22:13:20.000000000Z');
    const byAcc = await data('update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: s.secret_id_accessor });
    assert.deepEqual(byAcc, look);
    assert.equal(await call('update', 'role/app/secret-id/lookup', { secret_id: 'nope' }), null, 'unknown → 204');
    assert.equal((await errorOf(call('update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: 'nope' }))).status, 404);
    await call('delete', 'role/app/secret-id/destroy', { secret_id: s.secret_id });
    assert.equal(await call('update', 'role/app/secret-id/lookup', { secret_id: s.secret_id }), null);
    const s2 = await secretId('app');
    await call('update', 'role/app/secret-id-accessor/destroy', { secret_id_accessor: s2.secret_id_accessor });
    assert.equal(await call('update', 'role/app/secret-id/lookup', { secret_id: s2.secret_id }), null);
    const s3 = await secretId('app');
    await call('update', 'role/app/secret-id/destroy', { secret_id: s3.secret_id });
    assert.equal((await call('list', 'role/app/secret-id/'))?.data?.keys?.toString(), '');
  });

  it('only lets a SecretID narrow the role limits', async () => {
    const { call, secretId } = harness();
    await call('update', 'role/n', { secret_id_ttl: 60, secret_id_num_uses: 2, secret_id_bound_cidrs: '10.0.0.0/8', token_bound_cidrs: '10.0.0.0/16' });
    const inherited = await secretId('n');
    assert.deepEqual([inherited.secret_id_ttl, inherited.secret_id_num_uses], [60, 2]);
    const lower = await secretId('n', { ttl: 30, num_uses: 1, cidr_list: '10.1.0.0/16', token_bound_cidrs: '10.0.1.0/24' });
    assert.deepEqual([lower.secret_id_ttl, lower.secret_id_num_uses], [30, 1]);
    for (const body of [{ ttl: 0 }, { ttl: 61 }, { num_uses: 0 }, { num_uses: 3 }, { num_uses: -1 }, { cidr_list: '192.168.0.0/16' }, { cidr_list: '10.0.0.0/7' }, { token_bound_cidrs: '10.0.0.0/8' }, { metadata: '[1]' }, { metadata: '{"a":1}' }, { metadata: 'not json' }]) {
      assert.equal((await errorOf(call('update', 'role/n/secret-id', body))).status, 400, JSON.stringify(body));
    }
  });

  it('registers a custom SecretID once and refuses one for a role without bind_secret_id', async () => {
    const { call, data } = harness();
    await call('update', 'role/c', {});
    const res = await data('update', 'role/c/custom-secret-id', { secret_id: 'my-own-secret' });
    assert.equal(res.secret_id, 'my-own-secret');
    const dup = await errorOf(call('update', 'role/c/custom-secret-id', { secret_id: 'my-own-secret' }));
    assert.ok(!dup.messages.join().includes('my-own-secret'));
    await call('update', 'role/nb', { bind_secret_id: false, token_bound_cidrs: '127.0.0.1/32' });
    assert.match((await errorOf(call('update', 'role/nb/secret-id'))).messages[0] ?? '', /bind_secret_id is not set/);
    assert.match((await errorOf(call('update', 'role/missing/secret-id'))).messages[0] ?? '', /does not exist/);
  });

  it('tidies expired and orphaned SecretIDs', async () => {
    const { call, secretId, storage, advance, clock } = harness();
    await call('update', 'role/t', { secret_id_ttl: 10 });
    const a = await secretId('t');
    await secretId('t', { ttl: 5 });
    advance(6);
    const store = new AppRoleStore(storage);
    // an orphan: a secret folder whose role is gone without cleanup
    await storage.put('secret_id/gone/abc', Buffer.from(JSON.stringify({ accessor: 'acc-gone', expirationTime: 0 })));
    await storage.put('accessor/dangling', Buffer.from(JSON.stringify({ roleName: 't', secretIdHmac: 'nothing' })));
    assert.deepEqual(await tidySecretIds(store, clock), { secretIds: 2, accessors: 1 });
    assert.deepEqual((await call('list', 'role/t/secret-id/'))?.data?.keys, [a.secret_id_accessor]);
    const res = await call('update', 'tidy/secret-id');
    assert.equal(res?.status, 202);
    assert.match(res?.warnings?.[0] ?? '', /Tidy operation successfully started/);
  });
});

describe('approle login', () => {
  it('logs in, merges metadata, aliases by role_id and counts uses down to deletion', async () => {
    const { call, roleId, secretId } = harness();
    await call('update', 'role/web', { token_policies: 'web', token_ttl: 60, token_max_ttl: 120, token_num_uses: 4, token_bound_cidrs: '127.0.0.0/8' });
    const rid = await roleId('web');
    const s = await secretId('web', { num_uses: 2, metadata: { team: 'blue', role_name: 'spoofed' }, token_bound_cidrs: '127.0.0.1/32' });
    const auth = (await call('update', 'login', { role_id: rid, secret_id: s.secret_id }))?.auth;
    assert.ok(auth);
    assert.deepEqual(auth.policies, ['web']);
    assert.deepEqual(auth.metadata, { team: 'blue', role_name: 'web' }, 'role_name cannot be overridden by SecretID metadata');
    assert.deepEqual(auth.alias?.name, rid);
    assert.equal(auth.displayName, '');
    assert.deepEqual([auth.ttl, auth.maxTtl, auth.numUses], [60, 120, 4]);
    assert.deepEqual(auth.boundCidrs, ['127.0.0.1/32'], "the SecretID's token_bound_cidrs win");
    assert.deepEqual(auth.internalData, { role_name: 'web', secret_id_accessor: s.secret_id_accessor });
    assert.equal((await call('update', 'role/web/secret-id/lookup', { secret_id: s.secret_id }))?.data?.secret_id_num_uses, 1);
    assert.ok((await call('update', 'login', { role_id: rid, secret_id: s.secret_id }))?.auth);
    assert.equal(await call('update', 'role/web/secret-id/lookup', { secret_id: s.secret_id }), null, 'deleted at 0 uses');
    const again = await errorOf(call('update', 'login', { role_id: rid, secret_id: s.secret_id }));
    assert.deepEqual([again.status, again.messages], [400, ['invalid role or secret ID']]);
  });

  it('gives one error for every bad half, and never echoes credentials', async () => {
    const { call, roleId, secretId } = harness();
    await call('update', 'role/r', {});
    const rid = await roleId('r');
    const s = await secretId('r');
    const errors = await Promise.all([
      errorOf(call('update', 'login', { role_id: 'wrong-role', secret_id: s.secret_id })),
      errorOf(call('update', 'login', { role_id: rid, secret_id: 'wrong-secret' })),
      errorOf(call('update', 'login', { role_id: rid })),
    ]);
    for (const e of errors) {
      assert.deepEqual([e.status, e.messages], [400, ['invalid role or secret ID']]);
      assert.ok(!e.messages.join().includes(s.secret_id) && !e.messages.join().includes(rid));
    }
    assert.deepEqual((await errorOf(call('update', 'login', {}))).messages, ['missing role_id']);
  });

  it('concurrent logins cannot both spend a single-use SecretID', async () => {
    const { call, roleId, secretId } = harness();
    await call('update', 'role/once', {});
    const rid = await roleId('once');
    const s = await secretId('once', { num_uses: 1 });
    const results = await Promise.allSettled([1, 2, 3].map(() => call('update', 'login', { role_id: rid, secret_id: s.secret_id })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it('rejects an expired SecretID', async () => {
    const { call, roleId, secretId, advance } = harness();
    await call('update', 'role/e', {});
    const s = await secretId('e', { ttl: 1 });
    advance(2);
    assert.deepEqual((await errorOf(call('update', 'login', { role_id: await roleId('e'), secret_id: s.secret_id }))).messages, ['invalid role or secret ID']);
  });

  it('enforces the role and SecretID CIDRs without consuming a use', async () => {
    const { call, roleId, secretId } = harness();
    await call('update', 'role/net', { secret_id_bound_cidrs: '10.0.0.0/8' });
    const rid = await roleId('net');
    const s = await secretId('net', { num_uses: 1 });
    const e = await errorOf(call('update', 'login', { role_id: rid, secret_id: s.secret_id }, '::ffff:127.0.0.1'));
    assert.deepEqual(e.messages, ['source address "127.0.0.1" unauthorized by CIDR restrictions on the role']);
    const s2 = await secretId('net', { cidr_list: '10.1.0.0/16' });
    const e2 = await errorOf(call('update', 'login', { role_id: rid, secret_id: s2.secret_id }, '10.2.0.1'));
    assert.match(e2.messages[0] ?? '', /unauthorized through CIDR restrictions on the secret ID/);
    assert.ok((await call('update', 'login', { role_id: rid, secret_id: s.secret_id }, '10.9.9.9'))?.auth, 'the use was not spent');
    await call('update', 'role/open', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
    assert.match((await errorOf(call('update', 'login', { role_id: await roleId('open') }))).messages[0] ?? '', /CIDR restrictions on the role/);
    assert.ok((await call('update', 'login', { role_id: await roleId('open') }, '10.0.0.1'))?.auth);
  });

  it('locks a role_id after 5 failures and reports it', async () => {
    const { call, roleId, secretId, backend } = harness();
    await call('update', 'role/lk', {});
    const rid = await roleId('lk');
    const s = await secretId('lk');
    for (let i = 0; i < 5; i++) await errorOf(call('update', 'login', { role_id: rid, secret_id: 'bad' }));
    assert.deepEqual((await errorOf(call('update', 'login', { role_id: rid, secret_id: s.secret_id }))).messages, ['permission denied']);
    assert.deepEqual((await backend.lockedUsers?.())?.map((u) => u.alias), [rid]);
    assert.equal(await backend.unlockUser?.(rid), true);
    assert.ok((await call('update', 'login', { role_id: rid, secret_id: s.secret_id }))?.auth);
  });

  it('renews only while the role exists, with its current TTLs', async () => {
    const { call, backend, storage } = harness();
    await call('update', 'role/rn', { token_ttl: 40, token_max_ttl: 80 });
    const req = { storage } as unknown as LogicalRequest;
    const view = { policies: [], metadata: {}, internalData: { role_name: 'rn' }, ttl: 40, increment: 0, issueTime: 0, period: 0 };
    assert.deepEqual(await backend.renewAuth?.(req, view), { ttl: 40, maxTtl: 80 });
    await call('delete', 'role/rn');
    assert.match((await errorOf(backend.renewAuth!(req, view))).messages[0] ?? '', /does not exist during renewal/);
  });
});
