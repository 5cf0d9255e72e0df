import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64, mount, rejects, type Obj } from './mount.test-helper.js';

describe('transit keys/', () => {
  it('creates an aes256-gcm96 key by default and reads key info exactly', async () => {
    const t = mount();
    const created = await t.write('keys/app');
    const info = await t.data('read', 'keys/app');
    assert.deepEqual(created, info);
    assert.deepEqual(info, {
      name: 'app', type: 'aes256-gcm96', keys: { '1': Math.floor(t.clock.t / 1000) },
      latest_version: 1, min_available_version: 0, min_decryption_version: 1, min_encryption_version: 0,
      deletion_allowed: false, derived: false, exportable: false, allow_plaintext_backup: false, auto_rotate_period: 0,
      imported_key: false, supports_encryption: true, supports_decryption: true, supports_derivation: true, supports_signing: false,
    });
  });

  it('reports derivation settings and warns on re-create without changing the key', async () => {
    const t = mount();
    const info = await t.write('keys/d', { derived: true, convergent_encryption: 'true', type: 'chacha20-poly1305' });
    assert.equal(info.kdf, 'hkdf_sha256');
    assert.equal(info.convergent_encryption, true);
    const again = await t.call('update', 'keys/d', { type: 'aes128-gcm96' });
    assert.deepEqual(again?.warnings, ['key d already existed']);
    assert.equal(again?.data?.type, 'chacha20-poly1305');
  });

  it('shows public keys for asymmetric types and key_size for hmac', async () => {
    const t = mount();
    const ed = await t.write('keys/ed', { type: 'ed25519' });
    const v1 = (ed.keys as Obj)['1'] as Obj;
    assert.equal(v1.name, 'ed25519');
    assert.equal(Buffer.from(String(v1.public_key), 'base64').length, 32);
    assert.match(String(v1.creation_time), /^\d{4}-\d\d-\d\dT/);
    const ec = await t.write('keys/ec', { type: 'ecdsa-p384' });
    assert.equal(((ec.keys as Obj)['1'] as Obj).name, 'P-384');
    assert.match(String(((ec.keys as Obj)['1'] as Obj).public_key), /^-----BEGIN PUBLIC KEY-----/);
    const h = await t.write('keys/h', { type: 'hmac', key_size: 64 });
    assert.equal(h.key_size, 64);
    assert.equal(h.supports_signing, false);
  });

  it('refuses bad create options with 400s', async () => {
    const t = mount();
    await rejects(t.write('keys/x', { type: 'aes512' }), 400, 'unknown key type aes512');
    await rejects(t.write('keys/x', { convergent_encryption: true }), 400, /requires derivation/);
    await rejects(t.write('keys/x', { type: 'ed25519', derived: true }), 400, /not supported for keys of type ed25519/);
    await rejects(t.write('keys/x', { auto_rotate_period: '30m' }), 400, /at least an hour/);
    await rejects(t.write('keys/x', { key_size: 64 }), 400, /key_size is not valid/);
    await rejects(t.write('keys/x', { type: 'hmac', key_size: 8 }), 400, /between 32 and 512/);
    await rejects(t.write('keys/x', { derived: 'maybe' }), 400);
    assert.equal(await t.call('read', 'keys/x'), null);
    assert.equal((await t.write('keys/r', { auto_rotate_period: '2h' })).auto_rotate_period, 7200);
  });

  it('lists keys', async () => {
    const t = mount();
    await t.write('keys/b');
    await t.write('keys/a');
    assert.deepEqual(await t.data('list', 'keys/'), { keys: ['a', 'b'] });
  });

  it('deletes only when deletion_allowed', async () => {
    const t = mount();
    await t.write('keys/k');
    await rejects(t.call('delete', 'keys/k'), 400, 'error deleting policy k: deletion is not allowed for this key');
    assert.ok(await t.call('read', 'keys/k'), 'still there');
    await t.write('keys/k/config', { deletion_allowed: true });
    assert.equal(await t.call('delete', 'keys/k'), null);
    assert.equal(await t.call('read', 'keys/k'), null);
    await rejects(t.call('delete', 'keys/k'), 400, /not found/);
  });

  it('rotates, configures version bounds and trims', async () => {
    const t = mount();
    await t.write('keys/k');
    for (let i = 0; i < 3; i++) {
      t.clock.t += 1000;
      await t.write('keys/k/rotate');
    }
    let info = await t.data('read', 'keys/k');
    assert.equal(info.latest_version, 4);
    assert.deepEqual(Object.keys(info.keys as Obj), ['1', '2', '3', '4']);
    await rejects(t.write('keys/k/config', { min_decryption_version: 5 }), 400, /latest key version is 4/);
    await rejects(t.write('keys/k/config', { min_decryption_version: 3, min_encryption_version: 2 }), 400, /should not be less than min decryption/);
    info = await t.write('keys/k/config', { min_decryption_version: 2, min_encryption_version: 3 });
    assert.equal(info.min_decryption_version, 2);
    assert.equal(info.min_encryption_version, 3);
    await rejects(t.write('keys/k/trim', { min_available_version: 3 }), 400, /greater than minimum decryption/);
    await rejects(t.write('keys/k/trim', { min_available_version: 0 }), 400, /positive/);
    await rejects(t.write('keys/k/trim', {}), 400, 'missing min_available_version');
    info = await t.write('keys/k/trim', { min_available_version: 2 });
    assert.deepEqual(Object.keys(info.keys as Obj), ['2', '3', '4']);
    assert.equal(info.min_available_version, 2);
    await rejects(t.write('keys/k/config', { min_decryption_version: 1 }), 400, /min available version/);
    await rejects(t.write('keys/nope/rotate'), 400, 'no existing key named nope could be found');
  });

  it('makes exportable and allow_plaintext_backup one-way', async () => {
    const t = mount();
    await t.write('keys/k');
    await t.write('keys/k/config', { exportable: true, allow_plaintext_backup: true });
    await rejects(t.write('keys/k/config', { exportable: false }), 400, /cannot be disabled/);
    await rejects(t.write('keys/k/config', { allow_plaintext_backup: false }), 400, /cannot be disabled/);
    const info = await t.data('read', 'keys/k');
    assert.equal(info.exportable, true);
    assert.equal(info.allow_plaintext_backup, true);
  });

  it('serialises concurrent rotations so none is lost', async () => {
    const t = mount();
    await t.write('keys/k');
    await Promise.all(Array.from({ length: 10 }, () => t.write('keys/k/rotate')));
    await Promise.all([t.write('keys/k/config', { deletion_allowed: true }), t.write('keys/k/rotate'), t.write('keys/k/config', { exportable: true })]);
    const info = await t.data('read', 'keys/k');
    assert.equal(info.latest_version, 12);
    assert.equal(info.deletion_allowed, true);
    assert.equal(info.exportable, true);
  });

  it('rotates automatically once auto_rotate_period has passed', async () => {
    const t = mount();
    await t.write('keys/k', { auto_rotate_period: '1h' });
    const first = await t.write('encrypt/k', { plaintext: b64('x') });
    assert.equal(first.key_version, 1);
    t.clock.t += 3601_000;
    const second = await t.write('encrypt/k', { plaintext: b64('x') });
    assert.equal(second.key_version, 2);
    assert.equal((await t.data('read', 'keys/k')).latest_version, 2);
  });
});
