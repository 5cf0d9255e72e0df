import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './testing.js';
import { ExpirationManager } from './expiration-manager.js';
import { InmemStorage } from '../../sdk/storage.js';
import { silentLogger } from '../../sdk/logical.js';
import type { SecretSpec } from '../../sdk/logical.js';
import { isWardError, rejectsWard } from '../../../test/helpers/errors.js';

const secret = (ttl: number, o: Partial<SecretSpec> = {}): SecretSpec => ({
  type: 'creds',
  ttl,
  maxTtl: 0,
  renewable: true,
  internalData: { username: 'alice' },
  ...o,
});

const register = (h: ReturnType<typeof harness>, ttl: number, o: { path?: string; tokenKey?: string; secret?: Partial<SecretSpec>; maxTtl?: number } = {}) =>
  h.exp.registerSecret({
    path: o.path ?? 'db/creds/ro',
    secret: secret(ttl, o.secret),
    tokenKey: o.tokenKey ?? 'tk1',
    mountPoint: 'db/',
    defaultTtl: 3600,
    maxTtl: o.maxTtl ?? 86400,
  });

test('registerSecret: lease id format, TTL defaults and lookup shape', async () => {
  const h = harness();
  const lease = await register(h, 0);
  assert.match(lease.leaseId, /^db\/creds\/ro\/[0-9A-Za-z]{24}$/);
  assert.equal(lease.ttl, 3600);
  assert.equal(lease.renewable, true);
  assert.deepEqual(lease.warnings, []);
  h.clock.advance(100);
  const info = await h.exp.lookup(lease.leaseId);
  assert.deepEqual(Object.keys(info).sort(), ['expire_time', 'id', 'issue_time', 'last_renewal', 'renewable', 'ttl']);
  assert.equal(info.ttl, 3500);
  assert.equal(info.last_renewal, null);
  assert.equal(info.issue_time, '2024-01-01T00:00:00.000000000Z');
  await rejectsWard(h.exp.lookup('db/creds/ro/nope'), 400, 'invalid lease ID');
  h.exp.stop();
});

test('registerSecret: TTL is capped by the mount max with Vault’s warning', async () => {
  const h = harness();
  const lease = await register(h, 7200, { maxTtl: 1800 });
  assert.equal(lease.ttl, 1800);
  assert.deepEqual(lease.warnings, ['TTL of "2h0m0s" exceeded the effective max_ttl of "30m0s"; TTL value is capped accordingly']);
  const byBackend = await register(h, 600, { secret: { maxTtl: 300 } });
  assert.equal(byBackend.ttl, 300);
  h.exp.stop();
});

test('renew: grants from now, caps at issue + max, then refuses', async () => {
  const h = harness();
  const lease = await register(h, 600, { maxTtl: 1000 });
  h.clock.advance(300);
  const r1 = await h.exp.renew(lease.leaseId, 400);
  assert.equal(r1.ttl, 400);
  assert.deepEqual(r1.data, { renewed: true });
  assert.equal(h.engine.renewed[0]?.increment, 400);
  assert.notEqual((await h.exp.lookup(lease.leaseId)).last_renewal, null);
  h.clock.advance(300);
  const r2 = await h.exp.renew(lease.leaseId, 900);
  assert.equal(r2.ttl, 400);
  assert.match(r2.warnings[0] ?? '', /exceeded the effective max_ttl of "6m40s"/);
  h.clock.advance(399);
  await h.exp.renew(lease.leaseId, 10);
  h.clock.advance(1);
  await rejectsWard(h.exp.renew(lease.leaseId, 10), 400, 'past the max TTL, cannot renew');
  h.exp.stop();
});

test('renew: unknown, non-renewable and token leases are refused', async () => {
  const h = harness();
  await rejectsWard(h.exp.renew('db/creds/ro/missing', 10), 400, 'lease not found');
  const fixed = await register(h, 60, { secret: { renewable: false } });
  await rejectsWard(h.exp.renew(fixed.leaseId, 10), 400, 'lease is not renewable');
  await h.exp.registerToken('tokkey', h.clock.now() + 60_000, 'auth/token/create');
  await rejectsWard(h.exp.renew('auth/token/create/tokkey', 10), 400, 'tokens cannot be renewed through this endpoint');
  h.exp.stop();
});

test('expiry: the timer (tick) revokes through the backend when the clock passes', async () => {
  const h = harness();
  const lease = await register(h, 60);
  assert.equal(h.exp.count(), 1);
  h.clock.advance(59);
  assert.equal(await h.exp.tick(), 0);
  assert.deepEqual(h.engine.revoked, []);
  h.clock.advance(1);
  await h.exp.tick();
  assert.deepEqual(h.engine.revoked, ['alice']);
  assert.equal(h.exp.count(), 0);
  await rejectsWard(h.exp.lookup(lease.leaseId), 400, 'invalid lease ID');
  h.exp.stop();
});

test('expiry: a renewed lease is not revoked at its old time', async () => {
  const h = harness();
  const lease = await register(h, 60);
  h.clock.advance(30);
  await h.exp.renew(lease.leaseId, 120);
  h.clock.advance(31);
  await h.exp.tick();
  assert.deepEqual(h.engine.revoked, []);
  h.clock.advance(90);
  await h.exp.tick();
  assert.deepEqual(h.engine.revoked, ['alice']);
  h.exp.stop();
});

test('backend revoke failure keeps the lease and retries with backoff', async () => {
  const h = harness();
  const lease = await register(h, 10);
  h.engine.failRevokes = 2;
  h.clock.advance(10);
  await h.exp.tick();
  const rec = await h.exp.record(lease.leaseId);
  assert.equal(rec?.revokeAttempts, 1);
  assert.equal(rec?.kind === 'secret' ? rec.lastError : '', 'database unreachable');
  h.clock.advance(5);
  await h.exp.tick();
  assert.equal((await h.exp.record(lease.leaseId))?.revokeAttempts, 1, 'no retry before the backoff');
  h.clock.advance(5);
  await h.exp.tick();
  assert.equal((await h.exp.record(lease.leaseId))?.revokeAttempts, 2);
  h.clock.advance(20);
  await h.exp.tick();
  assert.equal(await h.exp.record(lease.leaseId), null);
  assert.deepEqual(h.engine.revoked, ['alice']);
  h.exp.stop();
});

test('sync revoke surfaces a backend failure but keeps the lease; force deletes it', async () => {
  const h = harness();
  const lease = await register(h, 600);
  h.engine.failRevokes = 1;
  await assert.rejects(h.exp.revoke(lease.leaseId), isWardError(500));
  assert.notEqual(await h.exp.record(lease.leaseId), null);
  h.engine.failRevokes = 5;
  await h.exp.revokePrefix('db/creds', { force: true });
  assert.equal(await h.exp.record(lease.leaseId), null);
  await h.exp.revoke('db/creds/ro/unknown');
  h.exp.stop();
});

test('revoke with sync=false expires the lease for the next tick', async () => {
  const h = harness();
  const lease = await register(h, 600);
  await h.exp.revoke(lease.leaseId, { sync: false });
  assert.deepEqual(h.engine.revoked, []);
  await h.exp.tick();
  assert.deepEqual(h.engine.revoked, ['alice']);
  h.exp.stop();
});

test('restore: a fresh manager over the same storage finds and expires every lease', async () => {
  const first = harness();
  const a = await register(first, 60);
  await register(first, 120, { path: 'db/creds/rw' });
  await first.exp.registerToken('tok-a', first.clock.now() + 90_000, 'auth/approle/login');
  first.exp.stop();

  const second = harness({ storage: first.storage, clock: first.clock, engine: first.engine });
  await second.exp.restore();
  await second.exp.whenRestored();
  assert.equal(second.exp.count(), 3);
  assert.equal((await second.exp.lookup(a.leaseId)).ttl, 60);
  second.clock.advance(100);
  await second.exp.tick();
  assert.deepEqual(first.engine.revoked, ['alice']);
  assert.deepEqual(second.expiredTokens, ['tok-a']);
  second.clock.advance(100);
  await second.exp.tick();
  assert.equal(second.exp.count(), 0);
  second.exp.stop();
});

test('revokePrefix over many leases, listPrefix shows ids and sub-prefixes', async () => {
  const h = harness();
  for (let i = 0; i < 1200; i++) await register(h, 600, { path: i % 2 ? 'db/creds/ro' : 'db/creds/rw' });
  const other = await register(h, 600, { path: 'db/static/x' });
  assert.deepEqual(await h.exp.listPrefix('db/'), ['creds/', 'static/']);
  assert.equal((await h.exp.listPrefix('db/creds/ro')).length, 600);
  await h.exp.revokePrefix('db/creds');
  assert.equal(h.engine.revoked.length, 1200);
  assert.deepEqual(await h.exp.listPrefix('db/'), ['static/']);
  assert.equal(h.exp.count(), 1);
  assert.notEqual(await h.exp.record(other.leaseId), null);
  h.exp.stop();
});

test('revokeByToken revokes only that token’s leases', async () => {
  const h = harness();
  await register(h, 600, { tokenKey: 'k1' });
  await register(h, 600, { tokenKey: 'k1' });
  const kept = await register(h, 600, { tokenKey: 'k2' });
  await h.exp.revokeByToken('k1');
  assert.equal(h.engine.revoked.length, 2);
  assert.deepEqual(await h.exp.listPrefix('db/creds/ro/'), [kept.leaseId.split('/').pop()]);
  h.exp.stop();
});

test('token expiries: register, re-register on renewal, unregister, prefix revocation', async () => {
  const h = harness();
  await h.exp.registerToken('t1', h.clock.now() + 60_000, 'auth/token/create');
  await h.exp.registerToken('t2', h.clock.now() + 60_000, 'auth/approle/login');
  await h.exp.registerToken('t3', h.clock.now() + 60_000, 'auth/token/create');
  await h.exp.registerToken('t1', h.clock.now() + 600_000, 'auth/token/create');
  await h.exp.unregisterToken('t3');
  h.clock.advance(61);
  await h.exp.tick();
  assert.deepEqual(h.expiredTokens, ['t2']);
  await h.exp.revokePrefix('auth/token/');
  assert.deepEqual(h.expiredTokens, ['t2', 't1']);
  assert.equal(h.exp.count(), 0);
  h.exp.stop();
});

test('tidy drops dangling index entries and revokes leases of vanished tokens', async () => {
  const h = harness();
  h.deps.tokenExists = async (k) => k !== 'gone';
  await register(h, 600, { tokenKey: 'gone' });
  const kept = await register(h, 600, { tokenKey: 'alive' });
  await h.storage.put('exp/00/ZGFuZ2xpbmc.123', Buffer.alloc(0));
  await h.exp.tidy();
  // Only the dangling entry must go: a live lease's index entry may hash into bucket 00 too.
  assert.ok(!(await h.storage.list('exp/00/')).includes('ZGFuZ2xpbmc.123'));
  assert.equal(h.engine.revoked.length, 1);
  assert.notEqual(await h.exp.record(kept.leaseId), null);
  h.exp.stop();
});

test('restore returns before the index is loaded and yields to the event loop while loading', async () => {
  const first = harness();
  for (let i = 0; i < 3000; i++) await first.storage.put(`exp/${(i % 256).toString(16).padStart(2, '0')}/${Buffer.from(`db/creds/ro/L${i}`).toString('base64url')}.${first.clock.now() + 1_000_000}`, Buffer.alloc(0));
  first.exp.stop();
  const second = harness({ storage: first.storage, clock: first.clock });
  await second.exp.restore();
  assert.ok(second.exp.count() < 3000, 'restore() did not wait for the whole index');
  let ticks = 0;
  const counting = setInterval(() => ticks++, 0);
  await second.exp.whenRestored();
  clearInterval(counting);
  assert.equal(second.exp.count(), 3000);
  assert.ok(ticks > 0, 'timers ran while the index loaded');
  // Entries without a record are dropped when they come due.
  second.clock.advance(1001);
  await second.exp.tick();
  assert.equal(second.exp.count(), 0);
  second.exp.stop();
});

test('a restore cut short by a stop (seal, step-down) is not logged as a failure', async () => {
  /** A store whose listings fail once sealed, answering only after the test lets them. */
  class SealingStorage extends InmemStorage {
    sealed = false;
    release: () => void = () => {};
    override async list(prefix: string): Promise<string[]> {
      await new Promise<void>((r) => (this.release = r));
      if (this.sealed) throw new Error('Vault is sealed');
      return super.list(prefix);
    }
  }
  const storage = new SealingStorage();
  const h = harness({ storage });
  const errors: string[] = [];
  const exp = new ExpirationManager({ ...h.deps, logger: { ...silentLogger, error: (msg: string) => void errors.push(msg) } });
  await exp.restore();
  // A listing is in flight when the node stops and its barrier seals.
  exp.stop();
  storage.sealed = true;
  storage.release();
  await exp.whenRestored();
  assert.deepEqual(errors, []);
});
