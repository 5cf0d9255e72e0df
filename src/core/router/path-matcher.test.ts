import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PathMatcher } from './router.js';

test('special-path patterns: exact, trailing-* prefix, and "+" for one whole segment as Vault', () => {
  const m = new PathMatcher(['ca', 'cert/*', 'issuers/', 'issuer/+/pem', 'issuer/+/crl/*']);
  const cases: [string, boolean][] = [
    ['ca', true],
    ['ca/pem', false],
    ['cert/0a:0b', true],
    ['issuers/', true],
    ['issuer/root/pem', true],
    ['issuer/4c5e-aa/pem', true],
    ['issuer/root/der', false],
    ['issuer//pem', false],
    ['issuer/a/b/pem', false],
    ['issuer/root', false],
    ['issuer/root/pem/extra', false],
    ['issuer/root/crl/delta', true],
    ['issuer/root/crl', false],
  ];
  for (const [path, want] of cases) assert.equal(m.matches(path), want, path);
});
