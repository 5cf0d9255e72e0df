import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InmemStorage } from '../../sdk/storage.js';
import { QuotaManager, type RateLimitQuota } from './quota-manager.js';

const rate = (name: string, path: string, r: number, role = ''): RateLimitQuota => ({ name, path, rate: r, interval: 60, blockInterval: 0, role, inheritable: false });
const LOGIN = 'auth/approle/login';

async function manager(...qs: RateLimitQuota[]): Promise<QuotaManager> {
  const m = new QuotaManager(new InmemStorage());
  for (const q of qs) await m.put(q);
  return m;
}

describe('role-scoped rate-limit quotas', () => {
  it('with no role quota, no path needs a role resolved', async () => {
    const m = await manager(rate('mount', 'auth/approle/', 1));
    assert.equal(m.roleMountOf(LOGIN), null);
    assert.equal(m.roleMountOf('secret/data/x'), null);
  });

  it('a role quota makes its mount need the role, and defers the body-less check there', async () => {
    const m = await manager(rate('web', 'auth/approle/', 1, 'web'), rate('global', '', 1));
    assert.equal(m.roleMountOf(LOGIN), 'auth/approle/');
    assert.equal(m.roleMountOf('auth/userpass/login/bob'), null);
    // The front check leaves the mount's requests to the role check (the global quota is applied there).
    assert.equal(m.check(LOGIN, 'c', 0), null);
    assert.equal(m.check(LOGIN, 'c', 0), null);
    // Elsewhere the global quota still applies before the body is read.
    assert.equal(m.check('secret/x', 'c', 0), null);
    assert.match(m.check('secret/x', 'c', 0)?.message ?? '', /rate limit quota exceeded/);
  });

  it('limits logins that resolve to the role only', async () => {
    const m = await manager(rate('web', 'auth/approle/', 1, 'web'));
    assert.equal(m.checkRole(LOGIN, 'web', 'c', 0), null);
    const refused = m.checkRole(LOGIN, 'web', 'c', 0);
    assert.equal(refused?.message, `request path "${LOGIN}": rate limit quota exceeded`);
    assert.deepEqual(refused?.headers.slice(0, 2), ['Retry-After', '60']);
    for (let i = 0; i < 3; i++) assert.equal(m.checkRole(LOGIN, 'db', 'c', 0), null, 'another role is not limited');
    assert.equal(m.checkRole(LOGIN, '', 'c', 0), null, 'a login that names no role is not limited');
  });

  it('a role quota beats the mount and global quotas; a path-suffix quota beats the role quota (Vault precedence)', async () => {
    const m = await manager(rate('mount', 'auth/approle/', 1), rate('web', 'auth/approle/', 3, 'web'), rate('global', '', 1));
    assert.deepEqual([0, 1, 2, 3].map(() => m.checkRole(LOGIN, 'web', 'c', 0) === null), [true, true, true, false]);
    // Another role falls to the mount's own quota (rate 1).
    assert.deepEqual([0, 1].map(() => m.checkRole(LOGIN, 'db', 'c', 0) === null), [true, false]);
    await m.put(rate('suffix', LOGIN, 5));
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(() => m.checkRole(LOGIN, 'web', 'd', 0) === null), [true, true, true, true, true, false]);
  });

  it('deleting the last role quota ends the deferral; load() restores role quotas', async () => {
    const storage = new InmemStorage();
    const m = new QuotaManager(storage);
    await m.put(rate('web', 'auth/approle/', 1, 'web'));
    const again = new QuotaManager(storage);
    await again.load();
    assert.equal(again.roleMountOf(LOGIN), 'auth/approle/');
    await m.delete('web');
    assert.equal(m.roleMountOf(LOGIN), null);
  });
});

describe('role-scoped lease-count quotas', () => {
  const lease = (name: string, path: string, max: number, role = '') => ({ name, path, maxLeases: max, role, inheritable: false });

  it("count the live tokens of the role's logins; the body-less check leaves them alone", async () => {
    const m = new QuotaManager(new InmemStorage());
    await m.putLeaseQuota(lease('web', 'auth/approle/', 2, 'web'));
    assert.equal(m.roleMountOf(LOGIN), 'auth/approle/');
    assert.equal(m.checkLeases(LOGIN, () => 99), null, 'a role quota is not applied without the role');
    const live = new Set<string>();
    const alive = async (accessor: string): Promise<boolean> => live.has(accessor);
    const first = await m.checkLeasesRole(LOGIN, 'web', alive);
    assert.equal(first.refusal, null);
    assert.equal(first.quota, 'web');
    live.add('a1');
    m.roleLoginDone('web', 'a1');
    assert.equal((await m.checkLeasesRole(LOGIN, 'web', alive)).refusal, null);
    live.add('a2');
    m.roleLoginDone('web', 'a2');
    const full = await m.checkLeasesRole(LOGIN, 'web', alive);
    assert.equal(full.refusal?.message, `1 error occurred:\n\t* request path "${LOGIN}": lease count quota exceeded\n\n`);
    assert.deepEqual(await m.checkLeasesRole(LOGIN, 'db', alive), { refusal: null, quota: null }, 'another role is not counted');
    // A revoked token makes room.
    live.delete('a1');
    assert.equal((await m.checkLeasesRole(LOGIN, 'web', alive)).refusal, null);
  });
});

describe('role-scoped lease-count quotas under concurrent logins', () => {
  it('a login let through holds its place until its outcome is known: concurrent logins cannot overshoot', async () => {
    const m = new QuotaManager(new InmemStorage());
    await m.putLeaseQuota({ name: 'web', path: 'auth/approle/', maxLeases: 1, role: 'web', inheritable: false });
    const live = new Set<string>();
    const alive = async (a: string): Promise<boolean> => live.has(a);
    const first = await m.checkLeasesRole(LOGIN, 'web', alive);
    assert.equal(first.refusal, null);
    assert.match((await m.checkLeasesRole(LOGIN, 'web', alive)).refusal?.message ?? '', /lease count quota exceeded/, 'the first login is still in flight');
    // The first login failed: no token, its place is given back.
    m.roleLoginDone('web', null);
    assert.equal((await m.checkLeasesRole(LOGIN, 'web', alive)).refusal, null);
    live.add('a1');
    m.roleLoginDone('web', 'a1');
    assert.match((await m.checkLeasesRole(LOGIN, 'web', alive)).refusal?.message ?? '', /lease count quota exceeded/);
  });

  it('two logins checked at once, with one token already counted, cannot both take the last place', async () => {
    const m = new QuotaManager(new InmemStorage());
    await m.putLeaseQuota({ name: 'web', path: 'auth/approle/', maxLeases: 2, role: 'web', inheritable: false });
    const live = new Set<string>();
    const alive = async (a: string): Promise<boolean> => {
      await new Promise((r) => setImmediate(r));
      return live.has(a);
    };
    assert.equal((await m.checkLeasesRole(LOGIN, 'web', alive)).refusal, null);
    live.add('a1');
    m.roleLoginDone('web', 'a1');
    const both = await Promise.all([m.checkLeasesRole(LOGIN, 'web', alive), m.checkLeasesRole(LOGIN, 'web', alive)]);
    assert.deepEqual(both.map((b) => b.refusal === null), [true, false]);
  });
});
