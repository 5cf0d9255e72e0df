/**
 * Transit checked by someone other than transit: an exportable key is exported over HTTP
 * and node:crypto, using only Vault's documented layout
 * (vault:v<N>:base64(nonce(12) || ciphertext || tag(16))), decrypts what Ward encrypted
 * and encrypts what Ward then decrypts. A round trip through Ward alone cannot catch a
 * format that only Ward understands.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { errText } from '../../helpers/errors.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

type Algorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
const ALGORITHM: Record<string, Algorithm> = { 'aes128-gcm96': 'aes-128-gcm', 'aes256-gcm96': 'aes-256-gcm', 'chacha20-poly1305': 'chacha20-poly1305' };

/** Splits `vault:v<N>:<base64>` and opens it with `key`. */
function openLocally(type: string, key: Buffer, ciphertext: string, aad?: Buffer): { version: number; plaintext: Buffer } {
  const m = /^vault:v(\d+):([A-Za-z0-9+/=]+)$/.exec(ciphertext);
  assert.ok(m, `Vault's ciphertext format: ${ciphertext}`);
  const raw = Buffer.from(m[2] as string, 'base64');
  assert.ok(raw.length >= 12 + 16, 'nonce and tag are there');
  const d = createDecipheriv(ALGORITHM[type] as 'aes-256-gcm', key, raw.subarray(0, 12), { authTagLength: 16 });
  d.setAuthTag(raw.subarray(raw.length - 16));
  if (aad) d.setAAD(aad);
  return { version: Number(m[1]), plaintext: Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]) };
}

/** Seals `plaintext` with `key` in the same layout, for Ward to open. */
function sealLocally(type: string, key: Buffer, version: number, plaintext: Buffer, aad?: Buffer): string {
  const nonce = randomBytes(12);
  const c = createCipheriv(ALGORITHM[type] as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  if (aad) c.setAAD(aad);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return `vault:v${version}:${Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64')}`;
}

describe('transit ciphertext, checked with node:crypto and an exported key', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body === undefined ? {} : { body }) });
  /** The exported encryption keys of `name`, by version. */
  const exported = async (name: string): Promise<Map<number, Buffer>> => {
    const r = await call('GET', `transit/export/encryption-key/${name}`);
    assert.equal(r.status, 200, errText(r));
    assert.equal(r.body.data.name, name);
    return new Map(Object.entries(r.body.data.keys as Record<string, string>).map(([v, k]) => [Number(v), Buffer.from(k, 'base64')]));
  };

  before(async () => {
    s = await startTestServer();
    assert.equal((await call('POST', 'sys/mounts/transit', { type: 'transit' })).status, 204);
  });
  after(() => s.close());

  for (const [type, bytes] of [['aes256-gcm96', 32], ['aes128-gcm96', 16], ['chacha20-poly1305', 32]] as const) {
    it(`${type}: node:crypto opens Ward's ciphertext, and Ward opens node:crypto's`, async () => {
      const name = `exp-${type}`;
      assert.equal((await call('POST', `transit/keys/${name}`, { type, exportable: true })).status, 200);
      const keys = await exported(name);
      assert.deepEqual([...keys.keys()], [1]);
      assert.equal(keys.get(1)?.length, bytes, 'the key has the type\'s length');

      const message = Buffer.from(`order 4242 for ${type} \u2603`);
      const enc = await call('POST', `transit/encrypt/${name}`, { plaintext: message.toString('base64') });
      assert.equal(enc.status, 200, errText(enc));
      const opened = openLocally(type, keys.get(1) as Buffer, enc.body.data.ciphertext as string);
      assert.equal(opened.version, 1);
      assert.deepEqual(opened.plaintext, message);

      const mine = sealLocally(type, keys.get(1) as Buffer, 1, message);
      const dec = await call('POST', `transit/decrypt/${name}`, { ciphertext: mine });
      assert.equal(dec.status, 200, errText(dec));
      assert.equal(dec.body.data.plaintext, message.toString('base64'));
    });
  }

  it('associated_data is the AEAD additional data; a wrong one fails on both sides', async () => {
    assert.equal((await call('POST', 'transit/keys/aad', { exportable: true })).status, 200);
    const key = (await exported('aad')).get(1) as Buffer;
    const aad = Buffer.from('tenant=42');
    const enc = await call('POST', 'transit/encrypt/aad', { plaintext: Buffer.from('bound').toString('base64'), associated_data: aad.toString('base64') });
    assert.equal(enc.status, 200, errText(enc));
    assert.equal(openLocally('aes256-gcm96', key, enc.body.data.ciphertext, aad).plaintext.toString(), 'bound');
    assert.throws(() => openLocally('aes256-gcm96', key, enc.body.data.ciphertext, Buffer.from('tenant=43')), /unable to authenticate|auth/i);
    assert.throws(() => openLocally('aes256-gcm96', key, enc.body.data.ciphertext), /unable to authenticate|auth/i);
    const mine = sealLocally('aes256-gcm96', key, 1, Buffer.from('mine'), aad);
    const dec = await call('POST', 'transit/decrypt/aad', { ciphertext: mine, associated_data: aad.toString('base64') });
    assert.equal(Buffer.from(dec.body.data.plaintext, 'base64').toString(), 'mine');
    const wrong = await call('POST', 'transit/decrypt/aad', { ciphertext: mine, associated_data: Buffer.from('tenant=43').toString('base64') });
    assert.equal(wrong.status, 400);
  });

  it('after a rotation each version uses its own exported key, named by the prefix', async () => {
    assert.equal((await call('POST', 'transit/keys/rot', { exportable: true })).status, 200);
    const v1 = (await call('POST', 'transit/encrypt/rot', { plaintext: Buffer.from('one').toString('base64') })).body.data.ciphertext as string;
    assert.equal((await call('POST', 'transit/keys/rot/rotate')).status, 200);
    const v2 = (await call('POST', 'transit/encrypt/rot', { plaintext: Buffer.from('two').toString('base64') })).body.data.ciphertext as string;
    const keys = await exported('rot');
    assert.deepEqual([...keys.keys()].sort(), [1, 2]);
    assert.notDeepEqual(keys.get(1), keys.get(2));
    assert.equal(openLocally('aes256-gcm96', keys.get(1) as Buffer, v1).plaintext.toString(), 'one');
    const two = openLocally('aes256-gcm96', keys.get(2) as Buffer, v2);
    assert.deepEqual([two.version, two.plaintext.toString()], [2, 'two']);
    assert.throws(() => openLocally('aes256-gcm96', keys.get(1) as Buffer, v2), 'v2 ciphertext is not under the v1 key');
    const single = await call('GET', 'transit/export/encryption-key/rot/2');
    assert.deepEqual(Object.keys(single.body.data.keys), ['2']);
  });

  it('a key that is not exportable cannot be exported', async () => {
    assert.equal((await call('POST', 'transit/keys/closed', {})).status, 200);
    const r = await call('GET', 'transit/export/encryption-key/closed');
    assert.equal(r.status, 400);
    assert.match(errText(r), /not exportable|exportable/);
  });
});
