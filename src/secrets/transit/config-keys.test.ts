import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64, mount, rejects } from './mount.test-helper.js';

describe('transit config/keys', () => {
  it('reads disable_upsert (false by default), answers writes with the setting, and stops encrypt from creating keys', async () => {
    const t = mount();
    assert.deepEqual(await t.data('read', 'config/keys'), { disable_upsert: false });
    assert.deepEqual(await t.write('config/keys', { disable_upsert: true }), { disable_upsert: true });
    assert.deepEqual(await t.data('read', 'config/keys'), { disable_upsert: true });
    await rejects(t.call('update', 'encrypt/new', { plaintext: b64('x') }, true), 400, 'encryption key not found');
    assert.equal(await t.call('read', 'keys/new'), null, 'no key was created');
    await t.write('keys/made');
    assert.match(String((await t.write('encrypt/made', { plaintext: b64('x') })).ciphertext), /^vault:v1:/, 'existing keys still encrypt');
    assert.deepEqual(await t.write('config/keys', { disable_upsert: false }), { disable_upsert: false });
    assert.match(String((await t.call('update', 'encrypt/new', { plaintext: b64('x') }, true))?.data?.ciphertext), /^vault:v1:/);
  });
});
