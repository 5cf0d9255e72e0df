import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthCodes, type AuthCodeGrant } from './oidc-provider-codes.js';

const grant: AuthCodeGrant = { provider: 'p', clientId: 'c', entityId: 'e', redirectUri: 'https://x/cb', nonce: '', scopes: [], authTime: 0, challenge: '', method: '' };

test('AuthCodes: a code is taken once', () => {
  const codes = new AuthCodes(() => 1000);
  const code = codes.issue(grant);
  assert.match(code, /^[A-Za-z0-9]{32}$/);
  assert.deepEqual(codes.take(code), grant);
  assert.equal(codes.take(code), null);
  assert.equal(codes.take('unknown'), null);
});

test('AuthCodes: a code expires after five minutes', () => {
  let now = 0;
  const codes = new AuthCodes(() => now);
  const fresh = codes.issue(grant);
  const stale = codes.issue(grant);
  now = 5 * 60_000 - 1;
  assert.deepEqual(codes.take(fresh), grant);
  now = 5 * 60_000;
  assert.equal(codes.take(stale), null);
});
