import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from './testing.js';
import { ExpirationManager } from './expiration-manager.js';
import type { SecretSpec } from '../../sdk/logical.js';

const secret = (ttl: number): SecretSpec => ({ type: 'creds', ttl, maxTtl: 0, renewable: true, internalData: { username: 'u' } });
const register = (h: ReturnType<typeof harness>, ttl: number, path = 'db/creds/ro') =>
  h.exp.registerSecret({ path, secret: secret(ttl), tokenKey: 'tk1', mountPoint: 'db/', defaultTtl: 3600, maxTtl: 86400 });

/** What the quota used to compute by walking every scheduled lease: the reference the counters must match. */
const walk = (exp: ExpirationManager, prefix: string): number => exp.secretLeaseIds().filter((id) => id.startsWith(prefix)).length;

const PREFIXES = ['', 'db/', 'db/creds/ro', 'db/creds/rw/', 'other/'];
function assertCounts(exp: ExpirationManager, expected: Record<string, number>): void {
  for (const p of PREFIXES) {
    assert.equal(exp.secretLeasesUnder(p), walk(exp, p), `counter for ${JSON.stringify(p)} matches the walk`);
    if (p in expected) assert.equal(exp.secretLeasesUnder(p), expected[p], `count under ${JSON.stringify(p)}`);
  }
}

test('secretLeasesUnder: counts follow create, revoke, prefix revoke, expiry and token expiries', async () => {
  const h = harness();
  // Asked before any lease exists: the prefix is watched from here on.
  assert.equal(h.exp.secretLeasesUnder('db/'), 0);
  const a = await register(h, 60);
  await register(h, 600);
  await register(h, 600, 'db/creds/rw');
  await h.exp.registerToken('tokA', h.clock.now() + 60_000, 'auth/token/create', { isNew: true });
  assertCounts(h.exp, { '': 3, 'db/': 3, 'db/creds/ro': 2, 'db/creds/rw/': 1, 'other/': 0 });
  await h.exp.revoke(a.leaseId);
  assertCounts(h.exp, { '': 2, 'db/creds/ro': 1 });
  // Renewal moves a lease in the heap without adding one.
  const ids = h.exp.secretLeaseIds();
  await h.exp.renew(ids.find((i) => i.startsWith('db/creds/ro/')) as string, 900);
  assertCounts(h.exp, { 'db/creds/ro': 1 });
  h.clock.advance(700);
  await h.exp.tick();
  assertCounts(h.exp, { '': 1, 'db/creds/ro': 1, 'db/creds/rw/': 0 });
  await h.exp.revokePrefix('db/');
  assertCounts(h.exp, { '': 0, 'db/': 0 });
  h.exp.stop();
});

test('secretLeasesUnder: a new manager (unseal, standby promotion) counts the leases it restores', async () => {
  const h = harness();
  for (let i = 0; i < 5; i++) await register(h, 600);
  await register(h, 600, 'db/creds/rw');
  h.exp.stop();
  // Sealing drops the manager; unsealing (or promotion) builds a new one on the same storage.
  const next = new ExpirationManager(h.deps);
  assert.equal(next.secretLeasesUnder('db/creds/ro'), 0, 'nothing is loaded before restore');
  await next.restore();
  await next.whenRestored();
  assertCounts(next, { '': 6, 'db/': 6, 'db/creds/ro': 5, 'db/creds/rw/': 1 });
  h.clock.advance(601);
  await next.tick();
  assertCounts(next, { '': 0, 'db/creds/ro': 0 });
  next.stop();
});
