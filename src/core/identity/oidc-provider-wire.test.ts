import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicCredentials, codeChallenge, halfHash, oauthHeaders, oauthStatus, parseScopes, sameSecret, validIssuer } from './oidc-provider-wire.js';

test('oauthStatus: Vault statuses per endpoint and error', () => {
  const cases: [Parameters<typeof oauthStatus>[0], string, number][] = [
    ['authorize', 'access_denied', 400],
    ['authorize', 'invalid_request', 400],
    ['authorize', 'server_error', 500],
    ['token', 'invalid_client', 401],
    ['token', 'invalid_grant', 400],
    ['token', 'unsupported_grant_type', 400],
    ['userinfo', 'invalid_token', 401],
    ['userinfo', 'access_denied', 403],
    ['userinfo', 'invalid_request', 400],
  ];
  for (const [ep, code, status] of cases) assert.equal(oauthStatus(ep, code), status, `${ep} ${code}`);
});

test('codeChallenge: RFC 7636 appendix B vector and plain', () => {
  assert.equal(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'S256'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  assert.equal(codeChallenge('abc', 'plain'), 'abc');
});

test('halfHash: left half of the algorithm hash', () => {
  assert.equal(halfHash('RS256', 'x').length, 22);
  assert.equal(halfHash('ES384', 'x').length, 32);
  assert.equal(halfHash('RS512', 'x').length, 43);
  assert.equal(halfHash('EdDSA', 'x'), halfHash('RS512', 'x'));
});

test('basicCredentials: parses client_secret_basic, refuses anything else', () => {
  const enc = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  assert.deepEqual(basicCredentials(enc('id:se:cret')), { id: 'id', secret: 'se:cret' });
  assert.deepEqual(basicCredentials(enc('a%3Ab:c+d')), { id: 'a:b', secret: 'c d' });
  for (const bad of [undefined, '', 'Bearer abc', enc('nocolon'), 'Basic !!!']) assert.equal(basicCredentials(bad), null, String(bad));
});

test('validIssuer: scheme, host and port only', () => {
  for (const ok of ['https://example.com', 'http://127.0.0.1:8200', 'https://example.com:8200']) assert.equal(validIssuer(ok), true, ok);
  for (const bad of ['', 'example.com', 'ftp://example.com', 'https://example.com/', 'https://example.com/path', 'https://example.com?q=1', 'https://u:p@example.com']) assert.equal(validIssuer(bad), false, bad);
});

test('sameSecret and parseScopes', () => {
  assert.equal(sameSecret('a', 'a'), true);
  assert.equal(sameSecret('a', 'ab'), false);
  assert.deepEqual(parseScopes('user  openid user email'), ['email', 'openid', 'user']);
});

test('oauthHeaders: Vault\'s headers per endpoint and error', () => {
  const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  const cases: [Parameters<typeof oauthHeaders>[0], string, string, Record<string, string> | undefined][] = [
    ['token', '', '', noStore],
    ['token', 'invalid_grant', 'authorization grant is invalid or expired', noStore],
    ['token', 'invalid_client', 'client failed to authenticate', { ...noStore, 'WWW-Authenticate': 'Basic' }],
    ['userinfo', '', '', undefined],
    ['userinfo', 'access_denied', 'client not found', undefined],
    ['userinfo', 'invalid_token', 'access token is expired', { 'WWW-Authenticate': 'Bearer error="invalid_token",error_description="access token is expired"' }],
    ['userinfo', 'invalid_request', 'claim "a" in scopes "x", "y"', { 'WWW-Authenticate': 'Bearer error="invalid_request",error_description="claim \\"a\\" in scopes \\"x\\", \\"y\\""' }],
    ['userinfo', 'invalid_request', 'caf\u00e9\n', { 'WWW-Authenticate': 'Bearer error="invalid_request",error_description="caf\\u00e9\\n"' }],
    ['authorize', 'invalid_request', 'x', undefined],
  ];
  for (const [ep, code, description, want] of cases) assert.deepEqual(oauthHeaders(ep, code, description), want, `${ep} ${code}`);
});
