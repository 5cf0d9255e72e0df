import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validRedirect } from './path-oidc.js';

describe('validRedirect', () => {
  const allowed = ['http://localhost:8250/oidc/callback', 'https://ward.example.com/ui/vault/auth/oidc/oidc/callback', 'http://127.0.0.1:8250/cb'];
  const cases: Array<[string, boolean]> = [
    ['http://localhost:8250/oidc/callback', true],
    ['http://localhost:9000/oidc/callback', true],
    ['http://127.0.0.1:1234/cb', true],
    ['http://localhost:8250/other', false],
    ['https://localhost:8250/oidc/callback', false],
    ['http://127.0.0.1:8250/oidc/callback', false],
    ['https://ward.example.com/ui/vault/auth/oidc/oidc/callback', true],
    ['https://ward.example.com:8443/ui/vault/auth/oidc/oidc/callback', false],
    ['https://evil.example/cb', false],
    ['not a url', false],
  ];
  for (const [uri, want] of cases) it(`${uri} → ${want}`, () => assert.equal(validRedirect(uri, allowed), want));
});
