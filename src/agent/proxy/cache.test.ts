import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseCache, cacheKey, evictForRevocation } from './cache.js';

const leased = (id: string, ttl = 100): Buffer => Buffer.from(JSON.stringify({ lease_id: id, lease_duration: ttl, renewable: true, data: { username: 'u' } }));
const entry = (body: Buffer, token = 't1', path = 'database/creds/app') => ({ status: 200, headers: {}, body, token, path });

test('only leased 200 responses are cached, until 90% of the lease', () => {
  let now = 0;
  const c = new LeaseCache(() => now);
  assert.equal(c.offer('k0', entry(Buffer.from('{"lease_id":"","lease_duration":0,"data":{}}'))), false, 'KV has no lease');
  assert.equal(c.offer('k1', { ...entry(leased('database/creds/app/1')), status: 404 }), false);
  assert.equal(c.offer('k2', entry(leased('database/creds/app/2', 10))), true);
  now = 8_999;
  assert.ok(c.get('k2'));
  now = 9_000;
  assert.equal(c.get('k2'), undefined);
});

test('revocations through the proxy evict what they revoke', () => {
  const c = new LeaseCache(() => 0);
  c.offer('a', entry(leased('database/creds/app/a')));
  c.offer('b', entry(leased('database/creds/app/b')));
  c.offer('c', entry(leased('database/creds/other/c'), 't2'));
  evictForRevocation(c, 'PUT', '/v1/sys/leases/revoke', Buffer.from('{"lease_id":"database/creds/app/a"}'), 't1');
  assert.equal(c.get('a'), undefined);
  assert.ok(c.get('b'));
  evictForRevocation(c, 'PUT', '/v1/sys/leases/revoke-prefix/database/creds/app', Buffer.alloc(0), 't1');
  assert.equal(c.get('b'), undefined);
  assert.ok(c.get('c'));
  evictForRevocation(c, 'POST', '/v1/auth/token/revoke', Buffer.from('{"token":"t2"}'), 'root');
  assert.equal(c.size, 0);
});

test('cache keys differ by token and body', () => {
  const k = cacheKey('GET', '/v1/x', 't', Buffer.alloc(0));
  assert.notEqual(k, cacheKey('GET', '/v1/x', 'u', Buffer.alloc(0)));
  assert.notEqual(k, cacheKey('GET', '/v1/x', 't', Buffer.from('{}')));
});
