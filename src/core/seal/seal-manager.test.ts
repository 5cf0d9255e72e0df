import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import { AesGcmBarrier } from '../barrier/barrier.js';
import { ROOT_KEY_PATH, SEAL_CONFIG_PATH, ShamirSeal } from './seal-manager.js';
import { isWardError } from '../../../test/helpers/errors.js';

/** An initialised seal with one value written through the barrier, then sealed. */
async function sealedNode(shares = 5, threshold = 3) {
  const physical = new InmemPhysical();
  const barrier = new AesGcmBarrier(physical);
  const seal = new ShamirSeal(physical, barrier);
  const { keys } = await seal.initialize(shares, threshold);
  await barrier.put('secret/app', Buffer.from('hunter2'));
  barrier.seal();
  return { physical, barrier, seal, keys };
}

const is400 = (re: RegExp) => isWardError(400, re);

describe('ShamirSeal', () => {
  test('initialize 5/3 stores the config, returns 33-byte shares, leaves the barrier unsealed', async () => {
    const physical = new InmemPhysical();
    const barrier = new AesGcmBarrier(physical);
    const seal = new ShamirSeal(physical, barrier);
    assert.equal(await seal.getConfig(), null);
    const { keys } = await seal.initialize(5, 3);
    assert.equal(keys.length, 5);
    assert.ok(keys.every((k) => k.length === 33));
    assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, 5);
    assert.deepEqual(await seal.getConfig(), { type: 'shamir', secretShares: 5, secretThreshold: 3 });
    assert.equal(barrier.isSealed(), false);
    assert.ok((await physical.get(ROOT_KEY_PATH)) !== null);
    // The sealed root key record is not one of the shares, nor derivable from one alone.
    const stored = (await physical.get(ROOT_KEY_PATH))!;
    assert.ok(keys.every((k) => !stored.includes(k.subarray(0, 32))));
    await assert.rejects(seal.initialize(5, 3), is400(/^Vault is already initialized$/));
  });

  test('initialize rejects bad parameters without initialising anything', async () => {
    const physical = new InmemPhysical();
    const seal = new ShamirSeal(physical, new AesGcmBarrier(physical));
    await assert.rejects(seal.initialize(3, 1), is400(/threshold must be greater than one for multiple shares/));
    await assert.rejects(seal.initialize(2, 3), is400(/threshold cannot be larger than shares/));
    await assert.rejects(seal.initialize(0, 0), is400(/shares must be at least one/));
    await assert.rejects(seal.initialize(300, 2), is400(/shares must be less than 256/));
    assert.equal(await seal.getConfig(), null);
    assert.deepEqual(await physical.list(''), []);
  });

  for (const encoding of ['hex', 'base64'] as const) {
    test(`unseal with 3 of 5 shares in ${encoding}`, async () => {
      const { barrier, seal, keys } = await sealedNode();
      const first = await seal.submitUnsealKey(keys[4]!.toString(encoding));
      assert.equal(first.sealed, true);
      assert.equal(first.progress, 1);
      assert.match(first.nonce, /^[0-9a-f-]{36}$/);
      const second = await seal.submitUnsealKey(keys[1]!.toString(encoding));
      assert.deepEqual(second, { sealed: true, progress: 2, nonce: first.nonce });
      assert.deepEqual(seal.progress(), { progress: 2, nonce: first.nonce });
      const done = await seal.submitUnsealKey(keys[2]!.toString(encoding));
      assert.deepEqual(done, { sealed: false, progress: 0, nonce: '' });
      assert.equal(barrier.isSealed(), false);
      assert.equal((await barrier.get('secret/app'))?.toString(), 'hunter2');
      // Already unsealed: a further key is answered with the status, not an error.
      assert.deepEqual(await seal.submitUnsealKey(keys[0]!.toString(encoding)), { sealed: false, progress: 0, nonce: '' });
    });
  }

  test('a share repeated in one attempt counts once', async () => {
    const { barrier, seal, keys } = await sealedNode();
    const a = await seal.submitUnsealKey(keys[0]!.toString('hex'));
    const again = await seal.submitUnsealKey(keys[0]!.toString('base64'));
    assert.deepEqual(again, { sealed: true, progress: 1, nonce: a.nonce });
    await seal.submitUnsealKey(keys[1]!.toString('hex'));
    assert.equal(barrier.isSealed(), true);
    await seal.submitUnsealKey(keys[2]!.toString('hex'));
    assert.equal(barrier.isSealed(), false);
  });

  test('shares from another node reset progress with a 400 and leave data unreadable', async () => {
    const { barrier, seal, keys } = await sealedNode();
    const other = await sealedNode();
    await seal.submitUnsealKey(keys[0]!.toString('hex'));
    await seal.submitUnsealKey(other.keys[1]!.toString('hex'));
    let message = '';
    await assert.rejects(seal.submitUnsealKey(other.keys[2]!.toString('hex')), (e) => {
      is400(/^unseal failed/)(e);
      message = (e as WardError).message;
      return true;
    });
    for (const k of [...keys, ...other.keys]) {
      assert.equal(message.includes(k.toString('hex')), false);
      assert.equal(message.includes(k.toString('base64')), false);
    }
    assert.deepEqual(seal.progress(), { progress: 0, nonce: '' });
    assert.equal(barrier.isSealed(), true);
    await assert.rejects(barrier.get('secret/app'), isWardError(503));
    // A fresh attempt with the right shares still works.
    for (const k of keys.slice(2)) await seal.submitUnsealKey(k.toString('base64'));
    assert.equal((await barrier.get('secret/app'))?.toString(), 'hunter2');
  });

  test('shares with a colliding x-coordinate are a 400, not a crash', async () => {
    const { barrier, seal, keys } = await sealedNode();
    const forged = Buffer.from(keys[1]!);
    forged[32] = keys[0]![32]!; // same x as the first share, different y
    forged[0] = forged[0]! ^ 0xff;
    await seal.submitUnsealKey(keys[0]!.toString('hex'));
    await seal.submitUnsealKey(forged.toString('hex'));
    await assert.rejects(seal.submitUnsealKey(keys[2]!.toString('hex')), is400(/^unseal failed/));
    assert.equal(barrier.isSealed(), true);
  });

  test('resetUnseal discards progress and the nonce', async () => {
    const { barrier, seal, keys } = await sealedNode();
    const first = await seal.submitUnsealKey(keys[0]!.toString('hex'));
    await seal.submitUnsealKey(keys[1]!.toString('hex'));
    seal.resetUnseal();
    assert.deepEqual(seal.progress(), { progress: 0, nonce: '' });
    const restart = await seal.submitUnsealKey(keys[2]!.toString('hex'));
    assert.equal(restart.progress, 1);
    assert.notEqual(restart.nonce, first.nonce);
    await seal.submitUnsealKey(keys[3]!.toString('hex'));
    assert.equal(barrier.isSealed(), true);
    await seal.submitUnsealKey(keys[4]!.toString('hex'));
    assert.equal(barrier.isSealed(), false);
  });

  test('shares=1 returns the bare 32-byte key, which unseals in one step', async () => {
    const { barrier, seal, keys } = await sealedNode(1, 1);
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.length, 32);
    assert.equal(keys[0]!.toString('hex').length, 64);
    const wrong = Buffer.from(keys[0]!);
    wrong[0] = wrong[0]! ^ 1;
    await assert.rejects(seal.submitUnsealKey(wrong.toString('hex')), is400(/^unseal failed/));
    assert.deepEqual(await seal.submitUnsealKey(keys[0]!.toString('hex')), { sealed: false, progress: 0, nonce: '' });
    assert.equal((await barrier.get('secret/app'))?.toString(), 'hunter2');
  });

  test('malformed keys are a 400 and do not count as progress', async () => {
    const { seal, keys } = await sealedNode();
    await assert.rejects(seal.submitUnsealKey('zz-not-a-key'), is400(/'key' must be a valid hex or base64 string/));
    await assert.rejects(seal.submitUnsealKey(keys[0]!.subarray(0, 32).toString('hex')), is400(/33 bytes/));
    assert.deepEqual(seal.progress(), { progress: 0, nonce: '' });
  });

  test('unseal before initialisation is a 400', async () => {
    const physical = new InmemPhysical();
    const seal = new ShamirSeal(physical, new AesGcmBarrier(physical));
    await assert.rejects(seal.submitUnsealKey('00'.repeat(33)), is400(/not initialized/));
  });

  test('the seal config is plaintext JSON with Vault\'s field names; nothing secret is stored in clear', async () => {
    const { physical, keys } = await sealedNode(3, 2);
    const raw = JSON.parse((await physical.get(SEAL_CONFIG_PATH))!.toString('utf8'));
    assert.deepEqual(raw, { type: 'shamir', secret_shares: 3, secret_threshold: 2 });
    for (const key of await physical.list('core/')) {
      const v = (await physical.get(`core/${key}`))!;
      for (const k of keys) assert.equal(v.includes(k), false, `share stored at core/${key}`);
    }
  });
});
