import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger, type Backend, type LogicalRequest, type LogicalResponse, type Operation } from '../../sdk/logical.js';
import { InmemStorage, listRecursive } from '../../sdk/storage.js';
import { DEFAULT_LOCKOUT } from '../lockout.js';
import { createUserpassBackend } from './index.js';
import { wardErrorOf } from '../../../test/helpers/errors.js';
import { driveBackend } from '../../sdk/testing.js';

function harness() {
  const storage = new InmemStorage();
  let now = 1_000_000;
  const backend: Backend = createUserpassBackend(
    { storage, mountPoint: 'auth/userpass/', mountType: 'userpass', system: { defaultLeaseTtl: () => 3600, maxLeaseTtl: () => 7200, options: () => ({}) }, logger: silentLogger },
    { clock: { now: () => now }, lockout: DEFAULT_LOCKOUT },
  );
  const driver = driveBackend(backend, storage, { mountPoint: 'auth/userpass/', mountType: 'userpass', mountAccessor: 'auth_userpass_1', clientToken: '' });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}, remoteAddress = '127.0.0.1'): Promise<LogicalResponse | null> =>
    driver.call(operation, path, data, { connection: { remoteAddress, remotePort: 1 } });
  const req = { storage } as unknown as LogicalRequest;
  return { storage, backend, call, req, advance: (s: number) => (now += s * 1000) };
}

const errorOf = wardErrorOf;

describe('userpass', () => {
  it('creates, reads (never the hash), lists and deletes users', async () => {
    const { call, storage } = harness();
    await call('update', 'users/Alice', { password: 'pw1', token_policies: 'B,a', token_ttl: '1h', token_bound_cidrs: '127.0.0.1/32' });
    const read = await call('read', 'users/alice');
    assert.deepEqual(read?.data?.token_policies, ['a', 'b']);
    assert.equal(read?.data?.token_ttl, 3600);
    assert.deepEqual(read?.data?.token_bound_cidrs, ['127.0.0.1/32']);
    assert.ok(!JSON.stringify(read).includes('scrypt'), 'no hash in a read');
    assert.ok(!('password' in (read?.data ?? {})));
    const raw = (await storage.get('user/alice'))?.toString() ?? '';
    assert.match(raw, /"passwordHash":"scrypt\$16384\$8\$1\$/);
    assert.ok(!raw.includes('pw1'), 'the password itself is never stored');
    assert.deepEqual((await call('list', 'users/'))?.data?.keys, ['alice']);
    await call('delete', 'users/alice');
    assert.equal(await call('read', 'users/alice'), null);
  });

  it('requires a password on create and validates token fields', async () => {
    const { call } = harness();
    assert.match((await errorOf(call('update', 'users/bob', {}))).messages[0] ?? '', /missing password/);
    assert.equal((await errorOf(call('update', 'users/bob', { password: 'x', token_bound_cidrs: 'nope' }))).status, 400);
    assert.equal((await errorOf(call('update', 'users/bob', { password: 'x', token_ttl: 20, token_max_ttl: 10 }))).status, 400);
    assert.equal((await errorOf(call('update', 'users/bob', { password: 'x', token_type: 'weird' }))).status, 400);
    await call('update', 'users/bob', { password: 'x' });
    await call('update', 'users/bob', { token_num_uses: 3 });
    assert.equal((await call('read', 'users/bob'))?.data?.token_num_uses, 3, 'a partial update keeps the password');
    assert.ok(await call('update', 'login/bob', { password: 'x' }));
  });

  it('logs in with the user token settings', async () => {
    const { call } = harness();
    await call('update', 'users/carol', { password: 'secret', policies: 'dev', token_ttl: 60, token_max_ttl: 120, token_type: 'batch' });
    const res = await call('update', 'login/CAROL', { password: 'secret' });
    const auth = res?.auth;
    assert.ok(auth);
    assert.deepEqual(auth.policies, ['dev']);
    assert.deepEqual(auth.metadata, { username: 'carol' });
    assert.deepEqual(auth.alias, { name: 'carol' });
    assert.equal(auth.displayName, 'carol');
    assert.equal(auth.ttl, 60);
    assert.equal(auth.maxTtl, 120);
    assert.equal(auth.tokenType, 'batch');
  });

  it('answers a wrong password and an unknown user identically', async () => {
    const { call } = harness();
    await call('update', 'users/dave', { password: 'right' });
    const wrong = await errorOf(call('update', 'login/dave', { password: 'wrong' }));
    const unknown = await errorOf(call('update', 'login/nobody', { password: 'wrong' }));
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.messages, ['invalid username or password']);
    assert.deepEqual([unknown.status, unknown.messages], [wrong.status, wrong.messages]);
    const missing = await errorOf(call('update', 'login/dave', {}));
    assert.deepEqual(missing.messages, ['missing password']);
  });

  it('updates the password and the policies through their own paths', async () => {
    const { call } = harness();
    await call('update', 'users/erin', { password: 'old' });
    await call('update', 'users/erin/password', { password: 'new' });
    await errorOf(call('update', 'login/erin', { password: 'old' }));
    assert.ok((await call('update', 'login/erin', { password: 'new' }))?.auth);
    await call('update', 'users/erin/policies', { policies: ['p2', 'p1'] });
    assert.deepEqual((await call('read', 'users/erin'))?.data?.token_policies, ['p1', 'p2']);
    assert.match((await errorOf(call('update', 'users/ghost/password', { password: 'x' }))).messages[0] ?? '', /username does not exist/);
  });

  it('refuses a login from outside token_bound_cidrs', async () => {
    const { call } = harness();
    await call('update', 'users/frank', { password: 'pw', token_bound_cidrs: '10.0.0.0/8' });
    const e = await errorOf(call('update', 'login/frank', { password: 'pw' }, '127.0.0.1'));
    assert.equal(e.status, 403);
    assert.ok((await call('update', 'login/frank', { password: 'pw' }, '::ffff:10.1.2.3'))?.auth);
  });

  it('locks a user after 5 failures, even with the right password, and unlocks', async () => {
    const { call, backend, advance } = harness();
    await call('update', 'users/gina', { password: 'pw' });
    for (let i = 0; i < 5; i++) await errorOf(call('update', 'login/gina', { password: 'bad' }));
    const locked = await errorOf(call('update', 'login/gina', { password: 'pw' }));
    assert.deepEqual([locked.status, locked.messages], [400, ['permission denied']]);
    const lockedWrong = await errorOf(call('update', 'login/gina', { password: 'bad' }));
    assert.deepEqual(lockedWrong.messages, locked.messages, 'no oracle while locked');
    assert.deepEqual((await backend.lockedUsers?.())?.map((u) => u.alias), ['gina']);
    assert.equal(await backend.unlockUser?.('GINA'), true);
    assert.ok((await call('update', 'login/gina', { password: 'pw' }))?.auth);
    for (let i = 0; i < 5; i++) await errorOf(call('update', 'login/gina', { password: 'bad' }));
    advance(901);
    assert.ok((await call('update', 'login/gina', { password: 'pw' }))?.auth, 'the lock expires after 15m');
  });

  it('locks unknown names the same way', async () => {
    const { call, backend } = harness();
    for (let i = 0; i < 5; i++) await errorOf(call('update', 'login/ghost', { password: 'bad' }));
    assert.deepEqual((await errorOf(call('update', 'login/ghost', { password: 'bad' }))).messages, ['permission denied']);
    assert.deepEqual((await backend.lockedUsers?.())?.map((u) => u.alias), ['ghost']);
  });

  it('renews while the user exists with the same policies', async () => {
    const { call, backend, req, storage } = harness();
    await call('update', 'users/hal', { password: 'pw', token_policies: 'a', token_ttl: 30, token_max_ttl: 90 });
    const view = { policies: ['a', 'default'], metadata: { username: 'hal' }, internalData: { username: 'hal' }, ttl: 30, increment: 0, issueTime: 0, period: 0 };
    assert.deepEqual(await backend.renewAuth?.(req, view), { ttl: 30, maxTtl: 90 });
    await call('update', 'users/hal/policies', { token_policies: 'b' });
    assert.match((await errorOf(backend.renewAuth!(req, view))).messages[0] ?? '', /policies have changed/);
    await call('delete', 'users/hal');
    assert.match((await errorOf(backend.renewAuth!(req, view))).messages[0] ?? '', /no longer exists/);
    assert.ok((await listRecursive(storage)).every((k) => !k.startsWith('user/')));
  });
});
