import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InmemStorage } from '../sdk/storage.js';
import { KeyedMutex, Lockout, lockoutFromEnv, lockedOutError, credentialField, DEFAULT_LOCKOUT } from './lockout.js';
import { gate } from '../../test/helpers/wait.js';

function setup(cfg = DEFAULT_LOCKOUT) {
  let now = 1_000_000;
  const storage = new InmemStorage();
  const lockout = new Lockout(storage, cfg, { now: () => now });
  return { storage, lockout, advance: (sec: number) => (now += sec * 1000) };
}

describe('lockout', () => {
  it('locks after the threshold and unlocks after the duration', async () => {
    const { lockout, advance } = setup();
    for (let i = 0; i < 4; i++) await lockout.recordFailure('alice');
    assert.equal(await lockout.isLocked('alice'), false, 'four failures are not enough');
    await lockout.recordFailure('alice');
    assert.equal(await lockout.isLocked('alice'), true);
    assert.deepEqual((await lockout.lockedUsers()).map((u) => [u.alias, u.failedLoginAttempts]), [['alice', 5]]);
    advance(899);
    assert.equal(await lockout.isLocked('alice'), true);
    advance(2);
    assert.equal(await lockout.isLocked('alice'), false, 'lockout_duration 15m elapsed');
    assert.deepEqual(await lockout.lockedUsers(), []);
  });

  it('forgets failures spread wider than the counter reset window', async () => {
    const { lockout, advance } = setup();
    for (let i = 0; i < 4; i++) await lockout.recordFailure('bob');
    advance(901);
    await lockout.recordFailure('bob');
    assert.equal(await lockout.isLocked('bob'), false);
  });

  it('a success clears the counter; unlock clears a lock and reports whether there was one', async () => {
    const { lockout } = setup();
    for (let i = 0; i < 4; i++) await lockout.recordFailure('c');
    await lockout.recordSuccess('c');
    await lockout.recordFailure('c');
    assert.equal(await lockout.isLocked('c'), false);
    for (let i = 0; i < 5; i++) await lockout.recordFailure('d');
    assert.equal(await lockout.unlock('d'), true);
    assert.equal(await lockout.isLocked('d'), false);
    assert.equal(await lockout.unlock('d'), false);
  });

  it('counts concurrent failures without losing any', async () => {
    const { lockout } = setup();
    await Promise.all(Array.from({ length: 5 }, () => lockout.recordFailure('e')));
    assert.equal(await lockout.isLocked('e'), true);
  });

  it('keeps aliases with slashes in one storage key', async () => {
    const { lockout, storage } = setup();
    for (let i = 0; i < 5; i++) await lockout.recordFailure('a/b');
    assert.deepEqual(await storage.list('lockout/'), ['a%2Fb']);
    assert.deepEqual((await lockout.lockedUsers()).map((u) => u.alias), ['a/b']);
  });

  it('can be disabled, as VAULT_DISABLE_USER_LOCKOUT does', async () => {
    const cfg = lockoutFromEnv({ VAULT_DISABLE_USER_LOCKOUT: 'true' });
    assert.equal(cfg.disabled, true);
    assert.equal(lockoutFromEnv({}).disabled, false);
    const { lockout } = setup(cfg);
    for (let i = 0; i < 10; i++) await lockout.recordFailure('f');
    assert.equal(await lockout.isLocked('f'), false);
  });

  it('answers a locked login with 400 permission denied', () => {
    const e = lockedOutError();
    assert.equal(e.status, 400);
    assert.deepEqual(e.messages, ['permission denied']);
  });

  it('credential fields never echo the rejected value', () => {
    const f = credentialField('pw');
    assert.throws(() => f.parse({ secret: 'hunter2' }), (e: Error) => !e.message.includes('hunter2'));
    assert.equal(f.parse('x'), 'x');
  });

  it('KeyedMutex serialises per key and survives a throwing task', async () => {
    const m = new KeyedMutex();
    const order: number[] = [];
    const release = gate();
    const slow = m.run('k', async () => {
      await release.promise;
      order.push(1);
    });
    const failing = m.run('k', async () => {
      order.push(2);
      throw new Error('boom');
    });
    const after = m.run('k', async () => order.push(3));
    // The later tasks are queued behind the first, which has not finished.
    await Promise.resolve();
    assert.deepEqual(order, []);
    release.open();
    await slow;
    await assert.rejects(failing);
    await after;
    assert.deepEqual(order, [1, 2, 3]);
  });
});
