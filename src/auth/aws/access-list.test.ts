import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateReauth, type AccessListEntry } from './access-list.js';

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
