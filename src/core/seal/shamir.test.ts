import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { combineShares, decodeKey, splitKey, validateSealParams } from './shamir.js';
import { isWardError } from '../../../test/helpers/errors.js';

const rejects400 = (re: RegExp) => isWardError(400, re);

describe('shamir helpers', () => {
  test('validateSealParams follows Vault\'s rules and wording', () => {
    const cases: [number, number, RegExp | null][] = [
      [1, 1, null],
      [5, 3, null],
      [255, 255, null],
      [0, 1, /shares must be at least one/],
      [3, 0, /threshold must be at least one/],
      [3, 1, /threshold must be greater than one for multiple shares/],
      [256, 3, /shares must be less than 256/],
      [3, 4, /threshold cannot be larger than shares/],
      [2.5, 2, /must be an integer/],
    ];
    for (const [n, t, err] of cases) {
      if (err === null) assert.doesNotThrow(() => validateSealParams(n, t), `${n}/${t}`);
      else assert.throws(() => validateSealParams(n, t), rejects400(err), `${n}/${t}`);
    }
    assert.throws(() => validateSealParams(0, 1), rejects400(/^invalid seal configuration: /));
  });

  test('any threshold-sized subset of shares rebuilds the key; fewer do not', async () => {
    const key = randomBytes(32);
    const shares = await splitKey(key, 5, 3);
    assert.equal(shares.length, 5);
    assert.ok(shares.every((s) => s.length === 33));
    assert.deepEqual(await combineShares([shares[4]!, shares[0]!, shares[2]!]), key);
    assert.deepEqual(await combineShares([shares[1]!, shares[3]!, shares[4]!]), key);
    assert.notDeepEqual(await combineShares([shares[1]!, shares[3]!]), key);
  });

  test('one share is the key itself, copied', async () => {
    const key = randomBytes(32);
    const [only] = await splitKey(key, 1, 1);
    assert.deepEqual(only, key);
    only!.fill(0);
    assert.notDeepEqual(only, key);
  });

  test('decodeKey takes hex of the right length, else strict base64', () => {
    const share = randomBytes(33);
    assert.deepEqual(decodeKey(share.toString('hex'), 33), share);
    assert.deepEqual(decodeKey(share.toString('hex').toUpperCase(), 33), share);
    assert.deepEqual(decodeKey(share.toString('base64'), 33), share);
    const key = randomBytes(32);
    assert.deepEqual(decodeKey(key.toString('hex'), 32), key);
    assert.deepEqual(decodeKey(key.toString('base64'), 32), key);
    // 64 hex digits are not a 33-byte share; read as base64 they are 48 bytes: wrong size.
    assert.throws(() => decodeKey(key.toString('hex'), 33), rejects400(/33 bytes/));
    for (const bad of ['', 'not a key!', 'abc-_def', share.toString('base64').slice(1)]) {
      assert.throws(() => decodeKey(bad, 33), rejects400(/'key' must be a valid hex or base64 string/), bad);
    }
  });
});
