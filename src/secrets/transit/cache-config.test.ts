import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { b64, mount, rejects } from './mount.test-helper.js';

describe('transit cache-config', () => {
  it('reads 0 (unlimited) by default and stores a size of 0 or at least 10, as Vault', async () => {
    const t = mount();
    assert.deepEqual(await t.data('read', 'cache-config'), { size: 0 });
    assert.deepEqual(await t.write('cache-config', { size: 25 }), { size: 25 });
    assert.deepEqual(await t.data('read', 'cache-config'), { size: 25 });
    for (const size of [1, 9, -1]) {
      await rejects(t.call('update', 'cache-config', { size }), 400, 'size must be 0 or a value greater or equal to 10');
    }
    await rejects(t.call('update', 'cache-config', { size: 'many' }), 400, /field "size"/);
    assert.deepEqual(await t.write('cache-config', { size: 0 }), { size: 0 });
    assert.deepEqual(await t.data('read', 'cache-config'), { size: 0 });
  });

  it('a bounded cache holds the most recently used keys only; 0 holds them all', async () => {
    // Storage is changed behind the cache's back, so what answers shows what was cached.
    for (const [size, oldestCached] of [[10, false], [0, true]] as const) {
      const t = mount();
      await t.write('cache-config', { size });
      const sealed: string[] = [];
      for (let i = 0; i < 15; i++) {
        await t.write(`keys/k${i}`);
        sealed.push(String((await t.write(`encrypt/k${i}`, { plaintext: b64(`p${i}`) })).ciphertext));
      }
      await t.storage.delete('policy/k0');
      await t.storage.delete('policy/k14');
      const k14 = await t.write('decrypt/k14', { ciphertext: sealed[14] });
      assert.equal(Buffer.from(String(k14.plaintext), 'base64').toString(), 'p14', 'the newest key is cached');
      if (oldestCached) assert.ok(await t.call('update', 'decrypt/k0', { ciphertext: sealed[0] }), 'unlimited: the oldest is still cached');
      else await rejects(t.call('update', 'decrypt/k0', { ciphertext: sealed[0] }), 400, 'encryption key not found');
    }
  });
});
