import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../../test/helpers/wait.js';
import { silentLogger, type Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { saveAccessEntry, tidyable, validateReauth, type AccessListEntry } from './access-list.js';
import { createAwsAuthFactory } from './index.js';

const stored = (o: Partial<AccessListEntry> = {}): AccessListEntry => ({
  role: 'web', clientNonce: 'n1', creationTime: '', disallowReauthentication: false, pendingTime: '2026-12-01T10:00:00Z', expirationTime: '', lastUpdatedTime: '', ...o,
});

test('validateReauth follows Vault: disabled, nonce, migration by a newer document, older documents', () => {
  const cases: [string, AccessListEntry, string, string, boolean, string | null][] = [
    ['same nonce, same document', stored(), 'n1', '2026-12-01T10:00:00Z', false, null],
    ['same nonce, newer document', stored(), 'n1', '2026-12-02T10:00:00Z', false, null],
    ['same nonce, older document', stored(), 'n1', '2026-11-01T10:00:00Z', false, 'instance meta-data is older than the one used for previous login'],
    ['wrong nonce', stored(), 'n2', '2026-12-02T10:00:00Z', false, 'client nonce mismatch'],
    ['wrong nonce, migration, same document', stored(), 'n2', '2026-12-01T10:00:00Z', true, 'client nonce mismatch and instance meta-data incorrect'],
    ['wrong nonce, migration, newer document', stored(), 'n2', '2026-12-02T10:00:00Z', true, null],
    ['reauthentication disabled', stored({ disallowReauthentication: true, clientNonce: '' }), 'n1', '2026-12-02T10:00:00Z', false, 'reauthentication is disabled'],
    ['no stored nonce', stored({ clientNonce: '' }), '', '2026-12-02T10:00:00Z', false, 'client nonce missing in stored identity'],
    ['unparsable pendingTime', stored(), 'n1', 'yesterday', false, 'invalid pendingTime "yesterday" in the identity document'],
  ];
  for (const [name, s, nonce, pending, migrate, want] of cases) assert.equal(validateReauth(s, nonce, pending, migrate), want, name);
});

test('tidyable: expired longer than the safety buffer, or unreadable', () => {
  const now = Date.parse('2026-12-10T00:00:00Z');
  assert.equal(tidyable({ expirationTime: '2026-12-09T00:00:00Z' }, now, 3600), true);
  assert.equal(tidyable({ expirationTime: '2026-12-09T00:00:00Z' }, now, 259_200), false);
  assert.equal(tidyable({ expirationTime: '2026-12-11T00:00:00Z' }, now, 0), false);
  assert.equal(tidyable({ expirationTime: 'garbage' }, now, 0), true);
});

test('tidy/identity-accesslist removes expired entries in the background (202) and keeps the rest', async () => {
  const storage = new InmemStorage();
  const backend = await createAwsAuthFactory()({
    storage, mountPoint: 'auth/aws/', mountType: 'aws', logger: silentLogger,
    system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) },
  });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}) => backend.handleRequest({
    id: 'r', operation, path, data, storage, mountPoint: 'auth/aws/', mountType: 'aws', mountAccessor: 'auth_aws_1',
    clientToken: '', caller: null, connection: { remoteAddress: '127.0.0.1', remotePort: 1 }, headers: {}, wrapTtl: 0,
  });
  const day = 86_400_000;
  await saveAccessEntry(storage, 'i-old', stored({ expirationTime: new Date(Date.now() - 10 * day).toISOString() }));
  await saveAccessEntry(storage, 'i-recent', stored({ expirationTime: new Date(Date.now() - day).toISOString() }));
  await saveAccessEntry(storage, 'i-live', stored({ expirationTime: new Date(Date.now() + day).toISOString() }));
  const r = await call('update', 'tidy/identity-accesslist', {});
  assert.equal(r?.status, 202);
  const keys = async () => ((await call('list', 'identity-accesslist/'))?.data?.['keys'] as string[]).sort();
  await waitFor('default buffer removes the 10-day-old entry', async () => !(await keys()).includes('i-old'));
  assert.deepEqual(await keys(), ['i-live', 'i-recent']);
  await call('update', 'tidy/identity-accesslist', { safety_buffer: '1h' });
  await waitFor('a 1h buffer removes the 1-day-old entry', async () => !(await keys()).includes('i-recent'));
  assert.deepEqual(await keys(), ['i-live']);
});
