/**
 * The identity mount passes `Authorization` through to its backend (the OIDC provider's
 * client_secret_basic needs it), as Vault's does. Mount tables written before that was so
 * lack the header; loading one adds it, so such an install is not left with a token
 * endpoint that refuses every confidential client sending Basic auth.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s.close());

const passthrough = async (): Promise<string[]> => {
  const r = await api(s, 'GET', 'sys/mounts/identity/tune', { token: s.rootToken });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.data.passthrough_request_headers ?? [];
};

test('a fresh identity mount passes Authorization through', async () => {
  assert.deepEqual(await passthrough(), ['Authorization']);
});

test('a mount table whose identity entry lacks Authorization gets it back when it is loaded (unseal)', async () => {
  // Stands in for a table written before the OIDC provider: the header tuned away and stored.
  const tuned = await api(s, 'POST', 'sys/mounts/identity/tune', { token: s.rootToken, body: { passthrough_request_headers: [] } });
  assert.equal(tuned.status, 204, JSON.stringify(tuned.body));
  assert.deepEqual(await passthrough(), []);
  assert.equal((await api(s, 'PUT', 'sys/seal', { token: s.rootToken })).status, 204);
  for (const key of s.unsealKeys) await api(s, 'PUT', 'sys/unseal', { body: { key } });
  assert.deepEqual(await passthrough(), ['Authorization']);
});
