/**
 * Strings no encoder can write (unpaired UTF-16 surrogates, which JSON's "\ud800" escape
 * makes) and strings of megabytes are a 400 with a Vault-like message where they enter a
 * backend, never a throw from encodeURIComponent or the X.509 encoder that became a 500
 * (issue 14, finding 6). Bodies are sent as JSON text so the escapes reach the server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, enableAll, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

const LONE = '\\ud800';

describe('unpaired surrogates and huge strings reach no encoder', () => {
  let s: TestServer;
  let root = '';
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    await enableAll(s, root, [
      ['sys/auth/approle', 'approle'],
      ['sys/auth/userpass', 'userpass'],
      ['sys/mounts/pki', 'pki'],
    ]);
    const ca = await api(s, 'POST', 'pki/root/generate/internal', { token: root, body: { common_name: 'example.com', key_type: 'ec' } });
    assert.equal(ca.status, 200, JSON.stringify(ca.body));
    const role = await api(s, 'POST', 'pki/roles/any', { token: root, body: { allow_any_name: true, enforce_hostnames: false, allowed_uri_sans: '*', key_type: 'ec' } });
    assert.equal(role.status, 200, JSON.stringify(role.body));
  });
  after(async () => {
    await s.close();
  });

  /** The PKI mount's stored keys (there is no API to list them). */
  async function storedKeys(): Promise<string[]> {
    const route = s.core.active?.router.get('pki/');
    assert.ok(route);
    return route.storage.list('config/key/');
  }

  it('AppRole login with an unpaired surrogate in role_id is a 400, and logins still work', async () => {
    const r = await api(s, 'POST', 'auth/approle/login', { body: `{"role_id":"a${LONE}","secret_id":"x"}` });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal((await api(s, 'GET', 'sys/health')).status, 200);
    const huge = await api(s, 'POST', 'auth/approle/login', { body: { role_id: 'r'.repeat(2_000_000), secret_id: 'x' } });
    assert.equal(huge.status, 400, JSON.stringify(huge.body));
    assert.ok(JSON.stringify(huge.body).length < 1000, 'the error does not echo the role_id');
  });

  it('userpass refuses an unpaired surrogate in a password instead of storing it', async () => {
    const r = await api(s, 'POST', 'auth/userpass/users/bob', { token: root, body: `{"password":"pw${LONE}"}` });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.doesNotMatch(errText(r), /pw/, 'the password is not echoed');
    assert.equal((await api(s, 'GET', 'auth/userpass/users/bob', { token: root })).status, 404);
  });

  for (const [label, body] of [
    ['an unpaired surrogate in common_name', `{"common_name":"a${LONE}.example.com","key_type":"ec"}`],
    ['a megabyte common_name', JSON.stringify({ common_name: 'a'.repeat(1_000_000), key_type: 'ec' })],
    ['an unpaired surrogate in organization', `{"common_name":"root2","organization":"o${LONE}","key_type":"ec"}`],
    ['a non-ASCII DNS name in alt_names', JSON.stringify({ common_name: 'root3', alt_names: 'bücher.example', key_type: 'ec' })],
  ] as const) {
    it(`root generate with ${label} is a 400 and stores no key`, async () => {
      const keysBefore = await storedKeys();
      const r = await api(s, 'POST', 'pki/root/generate/internal', { token: root, body });
      assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300));
      assert.ok(JSON.stringify(r.body).length < 1000, 'the error does not echo the input');
      assert.deepEqual(await storedKeys(), keysBefore, 'no key was generated and kept');
    });
  }

  for (const [label, body] of [
    ['an unpaired surrogate in common_name', `{"common_name":"a${LONE}"}`],
    ['a megabyte common_name', JSON.stringify({ common_name: 'a'.repeat(1_000_000) })],
    ['an unpaired surrogate in alt_names', `{"common_name":"a","alt_names":"b${LONE}"}`],
    ['a megabyte DNS name in alt_names', JSON.stringify({ common_name: 'a', alt_names: 'b'.repeat(1_000_000) })],
    ['20,000 alt_names', JSON.stringify({ common_name: 'a', alt_names: Array.from({ length: 20_000 }, (_, i) => `h${i}.example.com`).join(',') })],
    ['a non-ASCII URI SAN', JSON.stringify({ common_name: 'a', uri_sans: 'spiffe://tëst/x' })],
    ['an unpaired surrogate in uri_sans', `{"common_name":"a","uri_sans":"spiffe://x/${LONE}"}`],
    ['a megabyte IP SAN', JSON.stringify({ common_name: 'a', ip_sans: '1'.repeat(1_000_000) })],
  ] as const) {
    it(`issue with ${label} is a 400 without echoing megabytes`, async () => {
      const r = await api(s, 'POST', 'pki/issue/any', { token: root, body });
      assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300));
      assert.ok(JSON.stringify(r.body).length < 1000, `the error is ${JSON.stringify(r.body).length} bytes`);
    });
  }

  it('a role whose subject would not encode is refused when written', async () => {
    const r = await api(s, 'POST', 'pki/roles/bad', { token: root, body: `{"allow_any_name":true,"ou":"x${LONE}","key_type":"ec"}` });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    const long = await api(s, 'POST', 'pki/roles/bad', { token: root, body: { allow_any_name: true, organization: 'o'.repeat(100_000), key_type: 'ec' } });
    assert.equal(long.status, 400, JSON.stringify(long.body).slice(0, 300));
    assert.equal((await api(s, 'GET', 'pki/roles/bad', { token: root })).status, 404);
  });

  it('ordinary names, long but sane ones included, still issue', async () => {
    const r = await api(s, 'POST', 'pki/issue/any', {
      token: root,
      body: { common_name: `${'a'.repeat(200)}.example.com`, alt_names: 'x.example.com,mail@example.com', uri_sans: `spiffe://example.org/${'p'.repeat(1500)}`, ip_sans: '10.0.0.1' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
    assert.match(r.body.data.certificate, /BEGIN CERTIFICATE/);
  });
});
