/**
 * Vault's renewal rule (framework.CalculateTTL): the increment when the client gives one;
 * else the TTL the backend answers (a login backend: its role's token_ttl; auth/token:
 * the token's own TTL as last granted; a secret engine: what it answers, else the lease's
 * own TTL); else the mount default. Then capped by the max TTLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from '../expiration/testing.js';
import { loginSpec, tokenHarness } from './testing.js';

const login = loginSpec;

test('auth/token: no increment renews to the TTL the token was given, not the mount default', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create', { policies: 'app', ttl: 600 });
  assert.equal(t.lease_duration, 600);
  h.clock.advance(100);
  const r = await h.auth(t.client_token, 'renew-self', {});
  assert.equal(r.lease_duration, 600);
  assert.deepEqual(r.warnings, []);
  assert.equal((await h.auth(h.root.id, 'renew', { token: t.client_token })).lease_duration, 600);
  assert.equal((await h.auth(h.root.id, 'renew-accessor', { accessor: t.accessor })).lease_duration, 600);
  h.exp.stop();
});

test('auth/token: the next plain renewal repeats the TTL last granted', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create', { policies: 'app', ttl: 600 });
  assert.equal((await h.auth(t.client_token, 'renew-self', { increment: 100 })).lease_duration, 100);
  assert.equal((await h.auth(t.client_token, 'renew-self', {})).lease_duration, 100);
  h.exp.stop();
});

test('login tokens: the backend TTL applies without an increment; an increment wins over it', async () => {
  const h = await tokenHarness();
  const ctx = { path: 'auth/approle/login', mountPoint: 'auth/approle/', mountAccessor: 'auth_approle_1', defaultTtl: 900, maxTtl: 86400 };
  const { entry } = await h.store.issueFromAuth(login({ ttl: 1200 }), ctx);
  assert.equal(entry.ttl, 1200);
  let roleTtl = 1200;
  h.backendRenew = async () => ({ ttl: roleTtl });
  assert.equal((await h.store.renew(entry, 0)).entry.ttl, 1200);
  assert.equal((await h.store.renew(entry, 60)).entry.ttl, 60, 'the increment, not the role TTL');
  roleTtl = 0; // the role has no token_ttl: the mount default, as Vault's system view
  assert.equal((await h.store.renew(entry, 0)).entry.ttl, 900);
  h.exp.stop();
});

test('leases: no increment renews to what the engine answers, else the lease\'s own TTL; an increment wins', async () => {
  const h = harness();
  const lease = await h.exp.registerSecret({
    path: 'db/creds/ro',
    secret: { type: 'creds', ttl: 600, maxTtl: 0, renewable: true, internalData: { username: 'u' } },
    tokenKey: 'tk',
    mountPoint: 'db/',
    defaultTtl: 3600,
    maxTtl: 86400,
  });
  assert.equal(lease.ttl, 600);
  h.clock.advance(10);
  let r = await h.exp.renew(lease.leaseId, 0);
  assert.equal(r.ttl, 600, 'the engine said nothing: the lease keeps its TTL');
  assert.deepEqual(r.warnings, []);
  h.engine.grantTtl = 120;
  assert.equal((await h.exp.renew(lease.leaseId, 0)).ttl, 120, 'the engine\'s answer');
  r = await h.exp.renew(lease.leaseId, 30);
  assert.equal(r.ttl, 30, 'the increment wins over the engine\'s default');
  h.exp.stop();
});
