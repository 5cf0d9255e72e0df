import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { emptySans, type SanList } from './cert-builder.js';
import { checkCertText, MAX_NAME_LENGTH, MAX_SANS } from './name-bounds.js';
import { hostAllowed, type NamePolicy } from './names.js';
import { callInWorker } from '../../../test/helpers/loop.js';

/** Whether hostAllowed(policy, name) returns before the deadline, run in a worker thread. */
const finishesInWorker = async (policy: NamePolicy, name: string, deadlineMs: number): Promise<boolean> =>
  (await callInWorker(new URL('./names.js', import.meta.url).href, 'hostAllowed', [policy, name], deadlineMs)).finished;

const refused = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    assert.ok(WardError.is(e), String(e));
    assert.equal(e.status, 400);
    assert.ok(e.messages.join(' ').length < 400, 'the message does not echo the input');
    return e.messages.join(' ');
  }
  assert.fail('expected a 400');
};

const sans = (o: Partial<SanList>): SanList => ({ ...emptySans(), ...o });

describe('certificate names the encoder can write', () => {
  it('accepts ordinary names, Unicode subjects and the longest allowed values', () => {
    checkCertText({ commonName: 'Zürich CA ✓', organization: ['Ünïcode AG'] }, sans({ dns: ['a.example.com'], email: ['x@example.com'], ip: ['::1'], uri: ['spiffe://e.org/w'] }));
    checkCertText({ commonName: 'c'.repeat(MAX_NAME_LENGTH) }, sans({ uri: [`spiffe://e.org/${'p'.repeat(MAX_NAME_LENGTH - 15)}`] }));
    checkCertText({ commonName: 'x' }, sans({ dns: Array.from({ length: MAX_SANS }, (_, i) => `h${i}.example.com`) }));
  });

  it('refuses unpaired surrogates in any subject value', () => {
    assert.match(refused(() => checkCertText({ commonName: 'a\ud800' }, emptySans())), /common name is not valid UTF-8/);
    assert.match(refused(() => checkCertText({ commonName: 'a', ou: ['ok', '\udc00'] }, emptySans())), /ou value is not valid UTF-8/);
  });

  it('refuses values past the length bound, and too many SANs', () => {
    assert.match(refused(() => checkCertText({ commonName: 'a'.repeat(1_000_000) }, emptySans())), /common name is too long: 1000000 characters, at most 2048/);
    assert.match(refused(() => checkCertText({ commonName: 'a', locality: ['l'.repeat(MAX_NAME_LENGTH + 1)] }, emptySans())), /locality value is too long/);
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ dns: ['d'.repeat(1_000_000)] }))), /subject alternate name is too long/);
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ dns: Array.from({ length: MAX_SANS + 1 }, (_, i) => `h${i}`) }))), /too many subject alternative names: 1001, at most 1000/);
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ ip: ['1'.repeat(1_000_000)] }))), /is not a valid IP address/);
    const many = Array.from({ length: 200 }, (_, i) => `${'n'.repeat(2000)}${i}`);
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ uri: many }))), /too long together/);
  });

  it('refuses non-ASCII DNS, email and URI SANs (IA5String), as Go x509 does', () => {
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ dns: ['bücher.example'] }))), /"bücher\.example" cannot be encoded as an IA5String/);
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ email: ['ü@example.com'] }))), /IA5String/);
    assert.match(refused(() => checkCertText({ commonName: 'a' }, sans({ uri: ['spiffe://x/\ud800'] }))), /IA5String/);
  });
});

describe('glob allowed_domains', () => {
  const glob = (pattern: string): NamePolicy => ({
    allowed_domains: [pattern],
    allow_subdomains: false,
    allow_bare_domains: false,
    allow_glob_domains: true,
    allow_any_name: false,
    allow_localhost: false,
    allow_wildcard_certificates: true,
    allow_ip_sans: true,
    enforce_hostnames: false,
    allowed_uri_sans: [],
  });

  it('matches as Vault\'s glob: * spans any characters, dots included, case-insensitively', () => {
    const cases: [string, string, boolean][] = [
      ['*.svc.cluster.local', 'db.ns.svc.cluster.local', true],
      ['*.svc.cluster.local', 'svc.cluster.local', false],
      ['web-*.example.com', 'WEB-1.example.com', true],
      ['web-*.example.com', 'web-.example.com', true],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'acb', false],
      ['a*a', 'a', false],
      ['*', 'anything', true],
      ['**x', 'x', true],
    ];
    for (const [pattern, name, want] of cases) assert.equal(hostAllowed(glob(pattern), name), want, `${pattern} ~ ${name}`);
  });

  it('a pattern with many stars against a long name finishes (a compiled regexp backtracked for minutes)', async () => {
    const pattern = `${'*a'.repeat(24)}*b`;
    assert.equal(await finishesInWorker(glob(pattern), 'a'.repeat(60), 60_000), true, 'the match did not finish');
  });
});
