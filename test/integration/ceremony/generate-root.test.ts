/**
 * sys/generate-root and sys/decode-token over real sockets with real Shamir shares: the OTP
 * flow gives a working root token, the PGP flow one only the key holder can read, and bad
 * input gets Vault's status and text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api } from '../../helpers/server.js';
import { openpgpDecrypt, testPgpKey } from '../../helpers/pgp.js';
import { initCluster, type Cluster } from './harness.js';

describe('sys/generate-root', () => {
  let c: Cluster;
  before(async () => {
    c = await initCluster(3, 2);
  });
  after(() => c.close());

  it('status before an attempt, and update without one', async () => {
    const st = await api(c.server, 'GET', 'sys/generate-root/attempt');
    assert.deepEqual(st.body, { nonce: '', started: false, progress: 0, required: 2, complete: false, encoded_token: '', encoded_root_token: '', pgp_fingerprint: '', otp: '', otp_length: 28 });
    const none = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[0], nonce: 'x' } });
    assert.deepEqual([none.status, none.body.errors], [400, ['no root generation in progress']]);
    const short = await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: { otp: 'abc' } });
    assert.deepEqual([short.status, short.body.errors], [400, ['OTP string is wrong length']]);
    const badPgp = await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: { pgp_key: 'abc' } });
    assert.deepEqual([badPgp.status, badPgp.body.errors], [400, ['error parsing PGP key: error decoding given PGP key: illegal base64 data']]);
    assert.equal((await api(c.server, 'GET', 'sys/generate-root/nope')).status, 404);
  });

  it('with a generated OTP: decode-token gives a working root token', async () => {
    const start = await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: {} });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const { otp, nonce } = start.body;
    assert.match(otp, /^[0-9A-Za-z]{28}$/);
    assert.equal(start.body.started, true);
    assert.equal(start.body.otp_length, 28);
    assert.equal((await api(c.server, 'GET', 'sys/generate-root/attempt')).body.otp, '', 'the OTP is shown once');
    const again = await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: {} });
    assert.deepEqual([again.status, again.body.errors], [400, ['root generation already in progress']]);
    const wrong = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[0], nonce: 'nope' } });
    assert.deepEqual(wrong.body.errors, [`incorrect nonce supplied; nonce for this root generation operation is "${nonce}"`]);
    const one = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[0], nonce } });
    assert.deepEqual([one.body.progress, one.body.complete], [1, false]);
    const dup = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[0], nonce } });
    assert.deepEqual([dup.status, dup.body.errors], [400, ['given key has already been provided during this generation operation']]);
    const done = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[1], nonce } });
    assert.equal(done.body.complete, true, JSON.stringify(done.body));
    assert.equal(done.body.encoded_token, done.body.encoded_root_token);
    assert.doesNotMatch(done.body.encoded_token, /=/);
    assert.equal((await api(c.server, 'GET', 'sys/generate-root/attempt')).body.started, false);

    const decoded = await api(c.server, 'PUT', 'sys/decode-token', { body: { encoded_token: done.body.encoded_token, otp } });
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    const token = decoded.body.data.token as string;
    assert.match(token, /^hvs\./);
    assert.notEqual(token, c.root);
    const self = await api(c.server, 'GET', 'auth/token/lookup-self', { token });
    assert.deepEqual(self.body.data.policies, ['root']);
    const missing = await api(c.server, 'PUT', 'sys/decode-token', { body: { otp } });
    assert.deepEqual([missing.status, missing.body.errors], [400, ['missing encoded_token']]);
  });

  it('a wrong share at the threshold ends the attempt with a 400; cancel is a 204', async () => {
    const { nonce } = (await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: {} })).body;
    await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[0], nonce } });
    const bad = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: randomBytes(33).toString('hex'), nonce } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.errors[0], /verification failed/);
    assert.equal((await api(c.server, 'GET', 'sys/generate-root/attempt')).body.started, false);
    await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: {} });
    assert.equal((await api(c.server, 'DELETE', 'sys/generate-root/attempt')).status, 204);
    assert.equal((await api(c.server, 'GET', 'sys/generate-root/attempt')).body.started, false);
  });

  it('with a PGP key: the encoded token decrypts to a working root token', async () => {
    const k = await testPgpKey('carol');
    const start = await api(c.server, 'PUT', 'sys/generate-root/attempt', { body: { pgp_key: k.base64Public } });
    assert.equal(start.body.pgp_fingerprint, k.fingerprint);
    assert.equal(start.body.otp, '');
    await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[1], nonce: start.body.nonce } });
    const done = await api(c.server, 'PUT', 'sys/generate-root/update', { body: { key: c.keys[2], nonce: start.body.nonce } });
    assert.equal(done.body.pgp_fingerprint, k.fingerprint);
    const token = await openpgpDecrypt(k, Buffer.from(done.body.encoded_token, 'base64'));
    assert.equal((await api(c.server, 'GET', 'auth/token/lookup-self', { token })).status, 200);
  });

  it('while sealed: 503 Vault is sealed', async () => {
    assert.equal((await api(c.server, 'PUT', 'sys/seal', { token: c.root })).status, 204);
    const r = await api(c.server, 'GET', 'sys/generate-root/attempt');
    assert.deepEqual([r.status, r.body.errors], [503, ['Vault is sealed']]);
    assert.equal((await api(c.server, 'GET', 'sys/rekey/init')).status, 503);
  });
});
