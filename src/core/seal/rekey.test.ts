import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import { AesGcmBarrier } from '../barrier/barrier.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { CANCEL_WITHOUT_NONCE_MS, Rekey } from './rekey.js';
import { ShamirSeal } from './seal-manager.js';

async function node() {
  const physical = new InmemPhysical();
  const seal = new ShamirSeal(physical, new AesGcmBarrier(physical));
  const { keys } = await seal.initialize(3, 2);
  return { physical, seal, keys, rekey: new Rekey(seal, physical, false) };
}

const req = { shares: 2, threshold: 2, pgpKeys: [], backup: false, requireVerification: false };

describe('Rekey', () => {
  test('cancel without the nonce: refused for ten minutes, then allowed (an abandoned attempt)', async () => {
    const { rekey } = await node();
    const st = await rekey.init(req);
    const start = Date.now();
    assert.throws(() => rekey.cancel('', start + 1000), isWardError(400, /^invalid request$/));
    assert.throws(() => rekey.cancel('', start + CANCEL_WITHOUT_NONCE_MS - 5000), isWardError(400, /^invalid request$/));
    rekey.cancel('', start + CANCEL_WITHOUT_NONCE_MS + 1000);
    assert.equal((await rekey.status()).started, false);
    await rekey.init(req);
    assert.notEqual((await rekey.status()).nonce, st.nonce, 'a new attempt, a new nonce');
  });

  test('the new shares replace the old ones in the stored record', async () => {
    const { rekey, seal, keys } = await node();
    const { nonce } = await rekey.init(req);
    await rekey.update(keys[0]!.toString('hex'), nonce);
    const done = await rekey.update(keys[1]!.toString('base64'), nonce);
    assert.ok('complete' in done && done.complete);
    assert.deepEqual(await seal.getConfig(), { type: 'shamir', secretShares: 2, secretThreshold: 2 });
  });
});
