import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNames, collectSans, hostAllowed, isHostname, type NamePolicy } from './names.js';
import { wardErrorOfSync } from '../../../test/helpers/errors.js';

const base: NamePolicy = {
  allowed_domains: ['example.com'],
  allow_subdomains: false,
  allow_bare_domains: false,
  allow_glob_domains: false,
  allow_any_name: false,
  allow_localhost: true,
  allow_wildcard_certificates: true,
  allow_ip_sans: true,
  enforce_hostnames: true,
  allowed_uri_sans: [],
};

describe('pki name policy', () => {
  const cases: [string, Partial<NamePolicy>, string, boolean][] = [
    ['subdomain allowed', { allow_subdomains: true }, 'app.example.com', true],
    ['deep subdomain allowed', { allow_subdomains: true }, 'a.b.example.com', true],
    ['bare refused without allow_bare_domains', { allow_subdomains: true }, 'example.com', false],
    ['bare allowed', { allow_bare_domains: true }, 'example.com', true],
    ['subdomain refused without allow_subdomains', { allow_bare_domains: true }, 'app.example.com', false],
    ['suffix trick refused', { allow_subdomains: true }, 'evilexample.com', false],
    ['other domain refused', { allow_subdomains: true }, 'app.example.org', false],
    ['case-insensitive', { allow_subdomains: true }, 'APP.Example.COM', true],
    ['wildcard allowed', { allow_subdomains: true }, '*.example.com', true],
    ['wildcard refused when disabled', { allow_subdomains: true, allow_wildcard_certificates: false }, '*.example.com', false],
    ['glob', { allowed_domains: ['*.svc.cluster.local'], allow_glob_domains: true }, 'db.ns.svc.cluster.local', true],
    ['glob is not a literal otherwise', { allowed_domains: ['*.svc.cluster.local'] }, 'db.svc.cluster.local', false],
    ['localhost', {}, 'localhost', true],
    ['localhost disabled', { allow_localhost: false }, 'localhost', false],
    ['any name', { allow_any_name: true }, 'anything.test', true],
    ['any name still enforces hostnames', { allow_any_name: true }, 'not a host', false],
    ['any name without enforcement', { allow_any_name: true, enforce_hostnames: false }, 'not a host', true],
  ];
  for (const [title, over, name, want] of cases) {
    it(title, () => assert.equal(hostAllowed({ ...base, ...over }, name), want));
  }

  it('validates hostnames', () => {
    assert.ok(isHostname('a-b.example.com', false));
    assert.ok(!isHostname('-a.example.com', false));
    assert.ok(!isHostname('*.example.com', false));
    assert.ok(isHostname('*.example.com', true));
    assert.ok(!isHostname('a..b', true));
  });

  it('reports the refused value in a 400', () => {
    const p = { ...base, allow_subdomains: true };
    const msg = (f: () => void): string => {
      const e = wardErrorOfSync(f);
      assert.equal(e.status, 400);
      return e.messages[0] ?? '';
    };
    assert.equal(msg(() => checkNames(p, 'x.other.com', collectSans('x.other.com', [], [], [], false))), 'common name x.other.com not allowed by this role');
    assert.equal(msg(() => checkNames(p, 'a.example.com', collectSans('a.example.com', ['b.other.com'], [], [], false))), 'subject alternate name b.other.com not allowed by this role');
    assert.match(msg(() => checkNames({ ...p, allow_ip_sans: false }, 'a.example.com', collectSans('a.example.com', [], ['10.0.0.1'], [], false))), /IP Subject Alternative Names are not allowed/);
    assert.match(msg(() => checkNames(p, 'a.example.com', collectSans('a.example.com', [], ['10.0.0.300'], [], false))), /not a valid IP/);
    assert.doesNotThrow(() => checkNames(p, 'ops@a.example.com', collectSans('ops@a.example.com', [], [], [], false)));
  });

  it('collects SANs with the CN first and no duplicates', () => {
    assert.deepEqual(collectSans('a.example.com', ['a.example.com', 'b.example.com', 'x@example.com'], ['127.0.0.1'], [], false), {
      dns: ['a.example.com', 'b.example.com'],
      email: ['x@example.com'],
      ip: ['127.0.0.1'],
      uri: [],
    });
    assert.deepEqual(collectSans('a.example.com', [], [], [], true).dns, []);
    assert.deepEqual(collectSans('My CA', [], [], [], false).dns, [], 'a CN that is not a hostname stays out of the SANs');
  });
});

// Vault's generateCreationBundle: URI SANs need allowed_uri_sans (globs, `*` spans '/'),
// and the message says whether they came from the CSR or the request's uri_sans.
describe('pki URI SANs', () => {
  const uris = (...u: string[]) => collectSans('a.example.com', [], [], u, false);
  const refusal = (over: Partial<NamePolicy>, sans: ReturnType<typeof uris>, from?: 'CSR' | 'the API'): string | null => {
    try {
      checkNames({ ...base, allow_subdomains: true, ...over }, 'a.example.com', sans, from);
      return null;
    } catch {
      const e = wardErrorOfSync(() => checkNames({ ...base, allow_subdomains: true, ...over }, 'a.example.com', sans, from));
      assert.equal(e.status, 400);
      return e.messages[0] ?? '';
    }
  };
  const spiffe = { allowed_uri_sans: ['spiffe://example.com/*'] };
  const cases: [string, Partial<NamePolicy>, ReturnType<typeof uris>, 'CSR' | 'the API' | undefined, string | null][] = [
    ['none asked, none allowed', {}, uris(), undefined, null],
    ['refused without allowed_uri_sans (API)', {}, uris('spiffe://example.com/x'), undefined, 'URI Subject Alternative Names are not allowed in this role, but were provided via the API'],
    ['refused without allowed_uri_sans (CSR)', {}, uris('spiffe://example.com/x'), 'CSR', 'URI Subject Alternative Names are not allowed in this role, but were provided via CSR'],
    ['allow_any_name does not cover URIs', { allow_any_name: true }, uris('spiffe://example.com/x'), undefined, 'URI Subject Alternative Names are not allowed in this role, but were provided via the API'],
    ['a glob match, across slashes', spiffe, uris('spiffe://example.com/ns/web/sa/app'), undefined, null],
    ['every URI must match', spiffe, uris('spiffe://example.com/a', 'spiffe://evil.org/a'), undefined, 'URI Subject Alternative Names were provided via the API which are not valid for this role'],
    ['no match (CSR)', spiffe, uris('https://example.com/'), 'CSR', 'URI Subject Alternative Names were provided via CSR which are not valid for this role'],
    ['"*" allows any', { allowed_uri_sans: ['*'] }, uris('urn:x:y'), undefined, null],
    ['a role stored before the field existed refuses', { allowed_uri_sans: undefined as unknown as string[] }, uris('urn:x'), undefined, 'URI Subject Alternative Names are not allowed in this role, but were provided via the API'],
  ];
  for (const [title, over, sans, from, want] of cases) {
    it(title, () => assert.equal(refusal(over, sans, from), want));
  }
});
