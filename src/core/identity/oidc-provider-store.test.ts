import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InmemStorage, listRecursive } from '../../sdk/storage.js';
import { clientById, deleteClient, readAccessToken, sweepAccessTokens, writeAccessToken, writeClient, type AccessToken, type Client } from './oidc-provider-store.js';

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

const client = (name: string, clientId: string): Client => ({
  name, clientId, clientSecret: `hvo_secret_${name}`, redirectUris: [], assignments: [], key: 'default', idTokenTtl: 60, accessTokenTtl: 60, type: 'confidential',
});

test('clientById: the token endpoint (unauthenticated) finds a client by one indexed read, not by reading every client', async () => {
  const s = new InmemStorage();
  for (let i = 0; i < 50; i++) await writeClient(s, client(`app-${i}`, `id-${i}`));
  let gets = 0;
  const counting = Object.assign(Object.create(s) as InmemStorage, { get: (k: string) => (gets++, s.get(k)) });
  assert.equal((await clientById(counting, 'id-37'))?.name, 'app-37');
  assert.ok(gets <= 2, `${gets} storage reads for one lookup`);
  gets = 0;
  assert.equal(await clientById(counting, 'id-unknown'), null);
  assert.ok(gets <= 1, `${gets} storage reads for an unknown id`);
  // Deleting a client drops its index entry; an updated client keeps its id.
  await deleteClient(s, 'app-37');
  assert.equal(await clientById(s, 'id-37'), null);
  await writeClient(s, { ...client('app-3', 'id-3'), idTokenTtl: 120 });
  assert.equal((await clientById(s, 'id-3'))?.idTokenTtl, 120);
  assert.deepEqual((await listRecursive(s, 'oidc_provider/client/')).length, 49);
});
