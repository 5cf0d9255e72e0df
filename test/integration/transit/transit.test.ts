/** Transit against a real Ward server: the wire format, ACL-gated upsert and policy-scoped tokens. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, startTestServer } from '../../helpers/server.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('transit over HTTP', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const root = server.rootToken;
  const call = (method: string, path: string, body?: unknown, token = root) => api(server, method, path, { token, ...(body === undefined ? {} : { body }) });

  assert.equal((await call('POST', 'sys/mounts/transit', { type: 'transit' })).status, 204);

  async function tokenWith(name: string, policy: string): Promise<string> {
    const p = await call('PUT', `sys/policies/acl/${name}`, { policy });
    assert.ok(p.status === 204 || p.status === 200, JSON.stringify(p.body));
    const tok = await call('POST', 'auth/token/create', { policies: [name] });
    assert.equal(tok.status, 200, JSON.stringify(tok.body));
    return tok.body.auth.client_token as string;
  }

  await t.test('encrypt, decrypt, rotate and rewrap round trip', async () => {
    const created = await call('POST', 'transit/keys/orders', {});
    assert.equal(created.status, 200);
    assert.equal(created.body.data.type, 'aes256-gcm96');
    const enc = await call('POST', 'transit/encrypt/orders', { plaintext: b64('card 4242') });
    assert.equal(enc.status, 200);
    assert.match(enc.body.data.ciphertext, /^vault:v1:[A-Za-z0-9+/=]+$/);
    const dec = await call('POST', 'transit/decrypt/orders', { ciphertext: enc.body.data.ciphertext });
    assert.equal(Buffer.from(dec.body.data.plaintext, 'base64').toString(), 'card 4242');

    const rot = await call('POST', 'transit/keys/orders/rotate');
    assert.equal(rot.body.data.latest_version, 2);
    const rw = await call('POST', 'transit/rewrap/orders', { ciphertext: enc.body.data.ciphertext });
    assert.match(rw.body.data.ciphertext, /^vault:v2:/);
    assert.equal(rw.body.data.key_version, 2);
    const dec2 = await call('POST', 'transit/decrypt/orders', { ciphertext: rw.body.data.ciphertext });
    assert.equal(dec2.body.data.plaintext, b64('card 4242'));

    const list = await call('LIST', 'transit/keys');
    assert.deepEqual(list.body.data.keys, ['orders']);
    const bad = await call('POST', 'transit/decrypt/orders', { ciphertext: 'nope' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, ['invalid ciphertext: no prefix']);
    const del = await call('DELETE', 'transit/keys/orders');
    assert.equal(del.status, 400);
    assert.equal((await call('POST', 'transit/decrypt/orders', { ciphertext: enc.body.data.ciphertext })).status, 200, 'key survives');
  });

  await t.test('batch with one bad item answers 400 with every result', async () => {
    const res = await call('POST', 'transit/encrypt/orders', { batch_input: [{ plaintext: b64('a'), reference: 'ok' }, { plaintext: '!!', reference: 'bad' }] });
    assert.equal(res.status, 400);
    assert.equal(res.body.data.batch_results[0].reference, 'ok');
    assert.match(res.body.data.batch_results[0].ciphertext, /^vault:v2:/);
    assert.deepEqual(res.body.data.batch_results[1], { error: 'failed to base64-decode plaintext', reference: 'bad' });
  });

  await t.test('upsert: root creates the key, an update-only token gets 400', async () => {
    const up = await call('POST', 'transit/encrypt/upserted', { plaintext: b64('x') });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal((await call('GET', 'transit/keys/upserted')).body.data.type, 'aes256-gcm96');

    const token = await tokenWith('transit-update-only', 'path "transit/encrypt/*" { capabilities = ["update"] }');
    const refused = await call('POST', 'transit/encrypt/fresh', { plaintext: b64('x') }, token);
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['encryption key not found']);
    assert.equal((await call('GET', 'transit/keys/fresh')).status, 404);
    assert.equal((await call('POST', 'transit/encrypt/upserted', { plaintext: b64('x') }, token)).status, 200, 'existing keys still encrypt');

    const creator = await tokenWith('transit-create', 'path "transit/encrypt/*" { capabilities = ["create", "update"] }');
    assert.equal((await call('POST', 'transit/encrypt/fresh', { plaintext: b64('x') }, creator)).status, 200);
  });

  await t.test('sign and verify with ed25519 and ecdsa-p256', async () => {
    for (const type of ['ed25519', 'ecdsa-p256']) {
      assert.equal((await call('POST', `transit/keys/sig-${type}`, { type })).status, 200);
      const s = await call('POST', `transit/sign/sig-${type}`, { input: b64('release-1.2.3') });
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.match(s.body.data.signature, /^vault:v1:/);
      const good = await call('POST', `transit/verify/sig-${type}`, { input: b64('release-1.2.3'), signature: s.body.data.signature });
      assert.equal(good.body.data.valid, true, type);
      const forged = await call('POST', `transit/verify/sig-${type}`, { input: b64('release-6.6.6'), signature: s.body.data.signature });
      assert.equal(forged.body.data.valid, false, type);
    }
  });

  await t.test('a policy-scoped token can encrypt but not decrypt', async () => {
    const token = await tokenWith('transit-encrypt-only', 'path "transit/encrypt/orders" { capabilities = ["update"] }');
    const enc = await call('POST', 'transit/encrypt/orders', { plaintext: b64('pii') }, token);
    assert.equal(enc.status, 200);
    const dec = await call('POST', 'transit/decrypt/orders', { ciphertext: enc.body.data.ciphertext }, token);
    assert.equal(dec.status, 403);
    assert.ok(dec.body.errors.some((e: string) => e.includes('permission denied')));
    assert.equal((await call('GET', 'transit/keys/orders', undefined, token)).status, 403);
    assert.equal((await call('POST', 'transit/decrypt/orders', { ciphertext: enc.body.data.ciphertext })).body.data.plaintext, b64('pii'));
  });

  await t.test('every endpoint answers with Vault\'s status: 200 with data, or 204 when Vault returns nothing', async () => {
    // [method, path, body, status, data keys (200 only)]
    const table: [string, string, unknown, number, string[]?][] = [
      ['POST', 'transit/keys/st', { exportable: true, allow_plaintext_backup: true, type: 'aes256-gcm96' }, 200, ['name', 'type', 'keys', 'latest_version']],
      ['GET', 'transit/keys/st', undefined, 200, ['name']],
      ['POST', 'transit/keys/st/config', { deletion_allowed: true }, 200, ['deletion_allowed']],
      ['POST', 'transit/keys/st/rotate', {}, 200, ['latest_version']],
      ['POST', 'transit/keys/st/config', { min_decryption_version: 2 }, 200, ['min_decryption_version']],
      ['POST', 'transit/keys/st/trim', { min_available_version: 2 }, 200, ['min_available_version']],
      ['GET', 'transit/export/encryption-key/st', undefined, 200, ['keys']],
      ['POST', 'transit/datakey/plaintext/st', {}, 200, ['plaintext', 'ciphertext']],
      ['POST', 'transit/hmac/st', { input: b64('x') }, 200, ['hmac']],
      ['POST', 'transit/random/16', {}, 200, ['random_bytes']],
      ['POST', 'transit/hash', { input: b64('x') }, 200, ['sum']],
      ['GET', 'transit/config/keys', undefined, 200, ['disable_upsert']],
      ['POST', 'transit/config/keys', { disable_upsert: false }, 200, ['disable_upsert']],
      ['GET', 'transit/cache-config', undefined, 200, ['size']],
      ['POST', 'transit/cache-config', { size: 100 }, 200, ['size']],
      ['GET', 'transit/backup/st', undefined, 200, ['backup']],
      ['POST', 'transit/restore/st-copy', 'BACKUP', 204],
      ['POST', 'transit/restore', 'BACKUP-FORCE', 204],
      ['DELETE', 'transit/keys/st', undefined, 204],
      ['LIST', 'transit/keys', undefined, 200, ['keys']],
    ];
    let backup = '';
    for (const [method, path, body, status, keys] of table) {
      const sent = body === 'BACKUP' ? { backup } : body === 'BACKUP-FORCE' ? { backup, force: true } : body;
      const r = await call(method, path, sent);
      assert.equal(r.status, status, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      if (status === 204) continue;
      for (const k of keys ?? []) assert.ok(k in r.body.data, `${method} ${path} answers ${k}`);
      if (path === 'transit/backup/st') backup = r.body.data.backup;
    }
    const restored = await call('GET', 'transit/keys/st-copy');
    assert.equal(restored.body.data.restore_info.version, 2, 'the restored key says so');
  });
});
