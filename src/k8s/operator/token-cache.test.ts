import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterRenewal, fromAuth, renewDueAt, tokenAction, type CachedToken } from './token-cache.js';

const tok = (o: Partial<CachedToken> = {}): CachedToken => ({ token: 't', accessor: 'a', renewable: true, ttlMs: 90_000, refreshedAt: 1_000_000, ...o });

test('what to do with a cached token: use it until 2/3 of its TTL, then renew it if renewable, else log in again; near expiry always log in', () => {
  const cases: Array<[string, CachedToken, number, ReturnType<typeof tokenAction>]> = [
    ['fresh', tok(), 1_000_000, 'use'],
    ['just before 2/3', tok(), 1_059_999, 'use'],
    ['at 2/3, renewable', tok(), 1_060_000, 'renew'],
    ['at 2/3, not renewable', tok({ renewable: false }), 1_060_000, 'login'],
    ['expired', tok(), 1_090_000, 'login'],
    ['within the last second', tok(), 1_089_500, 'login'],
    ['short TTL: renewed at 2/3, not treated as expiring', tok({ ttlMs: 1000 }), 1_000_700, 'renew'],
    ['short TTL: last tenth', tok({ ttlMs: 1000 }), 1_000_900, 'login'],
    ['no TTL (never expires)', tok({ ttlMs: 0 }), 9_999_999_999, 'use'],
  ];
  for (const [name, t, now, want] of cases) assert.equal(tokenAction(t, now), want, name);
  assert.equal(renewDueAt(tok()), 1_060_000);
  assert.equal(renewDueAt(tok({ ttlMs: 0 })), undefined);
});

test('a login answer becomes a cache entry; a renewal shorter than the TTL asked for means max TTL is near: log in next time', () => {
  const auth = { client_token: 's.x', accessor: 'acc', lease_duration: 3600, renewable: true };
  assert.deepEqual(fromAuth(auth, 5), { token: 's.x', accessor: 'acc', renewable: true, ttlMs: 3_600_000, refreshedAt: 5 });
  const t = fromAuth(auth, 5);
  assert.deepEqual(afterRenewal(t, { ...auth, lease_duration: 3600 }, 10), { ...t, refreshedAt: 10 });
  assert.deepEqual(afterRenewal(t, { ...auth, lease_duration: 1200 }, 10), { ...t, ttlMs: 1_200_000, refreshedAt: 10, renewable: false });
  assert.throws(() => fromAuth({ lease_duration: 5 }, 0), /no client token/);
});
