import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InmemStorage, listRecursive } from '../../sdk/storage.js';
import { readAccessToken, sweepAccessTokens, writeAccessToken, type AccessToken } from './oidc-provider-store.js';

const at = (expireAt: number): AccessToken => ({ provider: 'p', clientId: 'c', entityId: 'e', scopes: [], expireAt });

test('access tokens: stored under a hash, never the value; expired ones read as absent', async () => {
  const s = new InmemStorage();
  await writeAccessToken(s, 'tok-secret-value', at(2000));
  const keys = await listRecursive(s, '');
  assert.equal(keys.length, 1);
  assert.ok(!keys[0]!.includes('tok-secret-value'));
  assert.deepEqual(await readAccessToken(s, 'tok-secret-value', 1999), at(2000));
  assert.equal(await readAccessToken(s, 'other', 1999), null);
  assert.equal(await readAccessToken(s, 'tok-secret-value', 2000), null);
  assert.deepEqual(await listRecursive(s, ''), [], 'an expired token read is deleted');
});

test('sweepAccessTokens: deletes the expired records, keeps the valid ones', async () => {
  const s = new InmemStorage();
  await writeAccessToken(s, 'a', at(1000));
  await writeAccessToken(s, 'b', at(3000));
  await writeAccessToken(s, 'c', at(500));
  assert.equal(await sweepAccessTokens(s, 2000), 2);
  assert.equal((await listRecursive(s, '')).length, 1);
  assert.deepEqual(await readAccessToken(s, 'b', 2000), at(3000));
});
