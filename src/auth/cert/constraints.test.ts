import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extensionMetadata, matchesConstraints } from './constraints.js';

const subject = {
  commonName: 'web-1.example.com',
  dnsNames: ['web-1.example.com', 'web.internal'],
  emails: ['ops@example.com'],
  uris: ['spiffe://cluster.local/ns/app/sa/web'],
  organizationalUnits: ['Platform'],
  extensionStrings: new Map([['1.2.3.4', 'team-a'], ['1.2.3.5', '']]),
};
const none: Record<'allowedNames' | 'allowedCommonNames' | 'allowedDnsSans' | 'allowedEmailSans' | 'allowedUriSans' | 'allowedOrganizationalUnits' | 'requiredExtensions', string[]> = { allowedNames: [], allowedCommonNames: [], allowedDnsSans: [], allowedEmailSans: [], allowedUriSans: [], allowedOrganizationalUnits: [], requiredExtensions: [] };

describe('cert constraints', () => {
  const cases: [string, Partial<typeof none>, boolean][] = [
    ['no constraints allow all', {}, true],
    ['allowed_names matches the CN', { allowedNames: ['web-*'] }, true],
    ['allowed_names matches a DNS SAN', { allowedNames: ['*.internal'] }, true],
    ['allowed_names matches an email SAN', { allowedNames: ['ops@*'] }, true],
    ['allowed_names matches nothing', { allowedNames: ['db-*'] }, false],
    ['allowed_common_names glob', { allowedCommonNames: ['*.example.com'] }, true],
    ['allowed_common_names does not look at SANs', { allowedCommonNames: ['web.internal'] }, false],
    ['allowed_common_names is case-sensitive', { allowedCommonNames: ['WEB-*'] }, false],
    ['allowed_dns_sans one of several', { allowedDnsSans: ['nope', 'web.*'] }, true],
    ['allowed_dns_sans none', { allowedDnsSans: ['*.bad.example'] }, false],
    ['allowed_email_sans', { allowedEmailSans: ['*@example.com'] }, true],
    ['allowed_uri_sans', { allowedUriSans: ['spiffe://cluster.local/ns/app/*'] }, true],
    ['allowed_uri_sans other namespace', { allowedUriSans: ['spiffe://cluster.local/ns/db/*'] }, false],
    ['allowed_organizational_units', { allowedOrganizationalUnits: ['Plat*'] }, true],
    ['allowed_organizational_units none', { allowedOrganizationalUnits: ['Finance'] }, false],
    ['required_extensions value glob', { requiredExtensions: ['1.2.3.4:team-*'] }, true],
    ['required_extensions all must hold', { requiredExtensions: ['1.2.3.4:team-a', '1.2.3.9:*'] }, false],
    ['required_extensions wrong value', { requiredExtensions: ['1.2.3.4:team-b'] }, false],
    ['every constraint must hold', { allowedCommonNames: ['web-*'], allowedDnsSans: ['*.bad'] }, false],
  ];
  for (const [name, c, want] of cases) {
    it(name, () => assert.equal(matchesConstraints({ ...none, ...c }, subject), want));
  }
  it('extension metadata: dots become dashes, absent OIDs are left out', () => {
    assert.deepEqual(extensionMetadata(['1.2.3.4', '9.9'], subject), { '1-2-3-4': 'team-a' });
  });
});
