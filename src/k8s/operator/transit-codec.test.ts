import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelope, startFakeServer } from '../../api/fake-server.js';
import { WardClients, type LoginTarget } from './clients.js';
import { transitCodec } from './transit-codec.js';

test('transit codec: encrypt/decrypt under the operator VaultAuth\'s key, logged in as it; an entry of another VaultAuth\'s key is refused', async (t) => {
  const srv = await startFakeServer((r) => {
    if (r.path === 'auth/k8s/login') return { status: 200, body: envelope(null, { auth: { client_token: 'enc-tok', accessor: 'a', lease_duration: 3600, renewable: true, policies: [], token_policies: [], metadata: {}, entity_id: '', token_type: 'service', orphan: true } }) };
    const b = r.body as { plaintext?: string; ciphertext?: string };
    if (r.path === 'transit/encrypt/cache-key') return { status: 200, body: envelope({ ciphertext: `vault:v1:${b.plaintext}` }) };
    if (r.path === 'transit/decrypt/cache-key') return { status: 200, body: envelope({ plaintext: String(b.ciphertext).replace('vault:v1:', '') }) };
    return undefined;
  });
  t.after(() => srv.close());
  const clients = new WardClients({ mintToken: async () => 'jwt' });
  t.after(() => clients.close());
  const target: LoginTarget = {
    connection: { address: srv.url, headers: {}, tlsServerName: undefined, caCertSecretRef: undefined, caCertPath: undefined, skipTLSVerify: false, timeoutMs: undefined },
    caPem: undefined,
    auth: { vaultConnectionRef: undefined, namespace: undefined, method: 'kubernetes', mount: 'k8s', allowedNamespaces: undefined, params: {}, headers: {}, kubernetes: { role: 'cache', serviceAccount: 'cache', audiences: [], tokenExpirationSeconds: 600 }, storageEncryption: { mount: 'transit', keyName: 'cache-key' } },
    authKey: 'x@1|y@1',
    namespace: 'ward',
  };
  const codec = transitCodec(clients, async () => ({ name: 'cache-encryption', target }));
  const { ciphertext, keyRef } = await codec.encrypt('{"token":"hvs.x"}');
  assert.equal(keyRef, 'cache-encryption');
  assert.match(ciphertext, /^vault:v1:/);
  const enc = srv.requests.find((r) => r.path === 'transit/encrypt/cache-key');
  assert.equal(enc?.headers['x-vault-token'], 'enc-tok');
  assert.deepEqual(enc?.body, { plaintext: Buffer.from('{"token":"hvs.x"}').toString('base64') });
  assert.equal(await codec.decrypt(ciphertext, 'cache-encryption'), '{"token":"hvs.x"}');
  await assert.rejects(codec.decrypt(ciphertext, 'someone-else'), { message: 'the entry was encrypted with VaultAuth someone-else\'s key, not cache-encryption\'s' });
  const noKey = transitCodec(clients, async () => ({ name: 'plain', target: { ...target, auth: { ...target.auth, storageEncryption: undefined } } }));
  await assert.rejects(noKey.encrypt('x'), { message: 'VaultAuth plain has no spec.storageEncryption' });
});
