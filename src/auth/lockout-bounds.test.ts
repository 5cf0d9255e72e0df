/**
 * The lockout is total over any alias a login can bring: an unpaired surrogate made
 * encodeURIComponent throw (a 500 on AppRole login), and a megabyte alias became a
 * megabyte storage key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardError } from '../sdk/errors.js';
import { FieldData } from '../sdk/framework/field-data.js';
import { InmemStorage } from '../sdk/storage.js';
import { credentialField, DEFAULT_LOCKOUT, Lockout } from './lockout.js';

function setup() {
  const storage = new InmemStorage();
  const lockout = new Lockout(storage, DEFAULT_LOCKOUT, { now: () => 1_000_000 });
  return { storage, lockout };
}

describe('lockout keys for any alias', () => {
  it('an alias with an unpaired surrogate is counted and locked like any other', async () => {
    const { lockout } = setup();
    const alias = 'role\ud800';
    for (let i = 0; i < 5; i++) await lockout.recordFailure(alias);
    assert.equal(await lockout.isLocked(alias), true);
    const locked = await lockout.lockedUsers();
    assert.equal(locked.length, 1);
    assert.equal(locked[0]?.alias, 'role\ufffd', 'shown with U+FFFD, as Go decodes it');
    assert.equal(await lockout.unlock(alias), true);
    assert.equal(await lockout.isLocked(alias), false);
    await lockout.recordSuccess('x\udc00');
  });

  it('a huge alias gets a short storage key, and lock, list and unlock still work', async () => {
    const { storage, lockout } = setup();
    const alias = 'r'.repeat(2_000_000);
    for (let i = 0; i < 5; i++) await lockout.recordFailure(alias);
    assert.equal(await lockout.isLocked(alias), true);
    const keys = await storage.list('lockout/');
    assert.equal(keys.length, 1);
    assert.ok((keys[0] ?? '').length <= 100, `key of ${(keys[0] ?? '').length} characters`);
    assert.equal((await lockout.lockedUsers())[0]?.alias, alias);
    assert.equal(await lockout.unlock(alias), true);
    assert.equal(await lockout.isLocked(alias), false);
  });

  it('ordinary aliases keep their readable key, so state written before stays valid', async () => {
    const { storage, lockout } = setup();
    await lockout.recordFailure('team/app-1');
    assert.deepEqual(await storage.list('lockout/'), ['team%2Fapp-1']);
  });
});

describe('credential fields', () => {
  it('refuse an unpaired surrogate with a 400 that does not quote the value', () => {
    let err: unknown;
    try {
      new FieldData({ secret_id: credentialField('s', true) }, { secret_id: 'hunter2\ud800' });
    } catch (e) {
      err = e;
    }
    assert.ok(WardError.is(err));
    assert.equal(err.status, 400);
    assert.ok(!err.messages.join(' ').includes('hunter2'));
  });
});
