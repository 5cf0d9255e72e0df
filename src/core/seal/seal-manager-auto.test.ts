/**
 * SealManager with an auto seal (the static seal stands in for any): init with recovery
 * keys, self-unseal after a restart, recovery-key unseal after a manual seal, and seal
 * migration Shamir → static → Shamir with the data readable after each step.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { AesGcmBarrier } from '../barrier/barrier.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { SealError, type AutoSeal, type WrappedValue } from './auto-seal.js';
import { ROOT_KEY_PATH, SEAL_CONFIG_PATH, SealManager } from './seal-manager.js';
import { StaticSeal } from './static-seal.js';

const staticSeal = (k: Buffer, id = 'k1'): StaticSeal => new StaticSeal({ type: 'static', currentKeyId: id, currentKey: k });

/** A node (barrier + manager) over `physical`, as after a process restart. */
function node(physical: PhysicalBackend, seal: AutoSeal | null, previous: AutoSeal | null = null) {
  const barrier = new AesGcmBarrier(physical);
  return { barrier, seal: new SealManager(physical, barrier, { seal, previous }) };
}

async function readSecret(barrier: AesGcmBarrier): Promise<string | undefined> {
  return (await barrier.get('secret/app'))?.toString('utf8');
}

describe('SealManager with an auto seal', () => {
  test('init returns recovery keys only, leaves the barrier unsealed, stores no plaintext key', async () => {
    const physical = new InmemPhysical();
    const k = randomBytes(32);
    const { barrier, seal } = node(physical, staticSeal(k));
    await assert.rejects(seal.initialize(0, 0), isWardError(400, /^invalid recovery configuration: shares must be at least one$/));
    await assert.rejects(seal.initialize(0, 0, { shares: 3, threshold: 4 }), isWardError(400, /invalid recovery configuration: threshold cannot be larger than shares/));
    const { keys, recoveryKeys } = await seal.initialize(0, 0, { shares: 5, threshold: 3 });
    assert.deepEqual(keys, []);
    assert.equal(recoveryKeys.length, 5);
    assert.equal(barrier.isSealed(), false);
    assert.deepEqual(await seal.state(), { type: 'static', t: 3, n: 5, recoverySeal: true, migration: false });
    assert.equal(await physical.get(ROOT_KEY_PATH), null);
    const record = (await physical.get(SEAL_CONFIG_PATH))!.toString('utf8');
    assert.ok(!record.includes(k.toString('base64')) && !record.includes(k.toString('hex')));
  });

  test('a restarted node unseals itself; a wrong key refuses and leaves the data untouched', async () => {
    const physical = new InmemPhysical();
    const k = randomBytes(32);
    const first = node(physical, staticSeal(k));
    await first.seal.initialize(0, 0, { shares: 1, threshold: 1 });
    await first.barrier.put('secret/app', Buffer.from('hunter2'));
    first.barrier.seal();
    const before = new Map<string, string>();
    for (const key of await physical.list('')) before.set(key, String(await physical.get(key)));

    const wrong = node(physical, staticSeal(randomBytes(32)));
    await assert.rejects(wrong.seal.autoUnseal(), /does not decrypt the stored root key/);
    assert.equal(wrong.barrier.isSealed(), true);
    for (const [key, v] of before) assert.equal(String(await physical.get(key)), v, `${key} unchanged`);

    const again = node(physical, staticSeal(k));
    assert.equal(await again.seal.autoUnseal(), 'unsealed');
    assert.equal(await readSecret(again.barrier), 'hunter2');
  });

  test('after a manual seal, recovery keys unseal; wrong ones are a 400 that resets progress', async () => {
    const physical = new InmemPhysical();
    const { barrier, seal } = node(physical, staticSeal(randomBytes(32)));
    const { recoveryKeys } = await seal.initialize(0, 0, { shares: 3, threshold: 2 });
    barrier.seal();
    const other = await node(new InmemPhysical(), staticSeal(randomBytes(32))).seal.initialize(0, 0, { shares: 3, threshold: 2 });
    await seal.submitUnsealKey(other.recoveryKeys[0]!.toString('hex'));
    await assert.rejects(seal.submitUnsealKey(other.recoveryKeys[1]!.toString('hex')), isWardError(400, /recovery key shares do not reconstruct the recovery key/));
    assert.equal(seal.progress().progress, 0);
    await assert.rejects(seal.submitUnsealKey(recoveryKeys[0]!.toString('hex'), true), isWardError(400, /'migrate' parameter set true in JSON body when not in seal migration mode/));
    assert.equal((await seal.submitUnsealKey(recoveryKeys[0]!.toString('base64'))).progress, 1);
    assert.equal((await seal.submitUnsealKey(recoveryKeys[2]!.toString('hex'))).sealed, false);
  });

  test('migration Shamir → static → Shamir: the same shares unseal, data readable after each step', async () => {
    const physical = new InmemPhysical();
    const k = randomBytes(32);
    const shamir = node(physical, null);
    const { keys } = await shamir.seal.initialize(3, 2);
    await shamir.barrier.put('secret/app', Buffer.from('v1'));
    shamir.barrier.seal();

    // Shamir → static: the config names the static seal; storage is still Shamir.
    const toStatic = node(physical, staticSeal(k));
    assert.deepEqual(await toStatic.seal.state(), { type: 'static', t: 2, n: 3, recoverySeal: true, migration: true });
    assert.equal(await toStatic.seal.autoUnseal(), 'migration');
    await assert.rejects(toStatic.seal.submitUnsealKey(keys[0]!.toString('hex')), isWardError(400, /'migrate' parameter must be set true in JSON body when in seal migration mode/));
    await toStatic.seal.submitUnsealKey(keys[0]!.toString('hex'), true);
    assert.equal((await toStatic.seal.submitUnsealKey(keys[1]!.toString('hex'), true)).sealed, false);
    assert.equal((await toStatic.seal.state()).migration, false);
    assert.equal(await readSecret(toStatic.barrier), 'v1');
    assert.equal(await physical.get(ROOT_KEY_PATH), null, 'the Shamir-sealed root key is gone');
    await toStatic.barrier.put('secret/app', Buffer.from('v2'));
    toStatic.barrier.seal();

    // Restart on the static seal alone: unseals itself.
    const restarted = node(physical, staticSeal(k));
    assert.equal(await restarted.seal.autoUnseal(), 'unsealed');
    assert.equal(await readSecret(restarted.barrier), 'v2');
    restarted.barrier.seal();

    // Static → Shamir: only a disabled static stanza; the old unseal keys are now recovery keys and become unseal keys again.
    const noOld = node(physical, null);
    await assert.rejects(noOld.seal.autoUnseal(), /no seal "static" stanza/);
    const back = node(physical, null, staticSeal(k));
    assert.deepEqual(await back.seal.state(), { type: 'shamir', t: 2, n: 3, recoverySeal: false, migration: true });
    await back.seal.submitUnsealKey(keys[2]!.toString('hex'), true);
    assert.equal((await back.seal.submitUnsealKey(keys[0]!.toString('hex'), true)).sealed, false);
    assert.equal(await readSecret(back.barrier), 'v2');
    back.barrier.seal();

    const plain = node(physical, null);
    assert.equal(await plain.seal.autoUnseal(), 'manual');
    await plain.seal.submitUnsealKey(keys[1]!.toString('hex'));
    assert.equal((await plain.seal.submitUnsealKey(keys[2]!.toString('hex'))).sealed, false);
    assert.equal(await readSecret(plain.barrier), 'v2');
  });

  test('the static seal rotates through previous_key without a migration', async () => {
    const physical = new InmemPhysical();
    const keyA = randomBytes(32);
    const a = staticSeal(keyA, 'a');
    const first = node(physical, a);
    const { recoveryKeys } = await first.seal.initialize(0, 0, { shares: 1, threshold: 1 });
    await first.barrier.put('secret/app', Buffer.from('x'));
    first.barrier.seal();
    // Same type: the previous key is how the static seal rotates (no migration needed).
    const keyB = randomBytes(32);
    const rotated = node(physical, new StaticSeal({ type: 'static', currentKeyId: 'b', currentKey: keyB, previousKeyId: 'a', previousKey: keyA }));
    assert.equal(await rotated.seal.autoUnseal(), 'unsealed');
    assert.equal(await readSecret(rotated.barrier), 'x');
    // Unsealing re-wrapped the keys with the current key, so the previous key can go.
    rotated.barrier.seal();
    const onlyB = node(physical, new StaticSeal({ type: 'static', currentKeyId: 'b', currentKey: keyB }));
    assert.equal(await onlyB.seal.autoUnseal(), 'unsealed');
    assert.equal(await readSecret(onlyB.barrier), 'x');
    // The recovery key was re-wrapped too.
    onlyB.barrier.seal();
    assert.equal((await onlyB.seal.submitUnsealKey(recoveryKeys[0]!.toString('hex'))).sealed, false);
  });

  test('an unreachable seal at init is a 502 and leaves the node uninitialised', async () => {
    const physical = new InmemPhysical();
    const down: AutoSeal = {
      type: 'transit',
      wrap: async () => Promise.reject(new SealError('transit seal: cannot reach http://127.0.0.1:1', true)),
      unwrap: async () => Promise.reject(new SealError('transit seal: cannot reach http://127.0.0.1:1', true)),
      start: () => undefined,
      stop: () => undefined,
    };
    const { seal } = node(physical, down);
    await assert.rejects(seal.initialize(0, 0, { shares: 1, threshold: 1 }), isWardError(502, /cannot reach http:\/\/127\.0\.0\.1:1/));
    assert.equal(await seal.getConfig(), null);
    assert.deepEqual(await physical.list(''), []);
  });

  test('migration between two auto seals (transit → static) through the disabled old stanza', async () => {
    const physical = new InmemPhysical();
    // A transit-typed seal backed by a static key stands in for a transit server.
    const inner = staticSeal(randomBytes(32), 't');
    const transit: AutoSeal = {
      type: 'transit',
      wrap: async (p: Buffer, purpose: string) => ({ ...(await inner.wrap(p, purpose)), seal: 'transit' }),
      unwrap: (w: WrappedValue, purpose: string) => inner.unwrap(w, purpose),
      start: () => undefined,
      stop: () => undefined,
    };
    const first = node(physical, transit);
    const { recoveryKeys } = await first.seal.initialize(0, 0, { shares: 1, threshold: 1 });
    await first.barrier.put('secret/app', Buffer.from('t'));
    first.barrier.seal();
    const k = randomBytes(32);
    const next = node(physical, staticSeal(k), transit);
    assert.deepEqual(await next.seal.state(), { type: 'static', t: 1, n: 1, recoverySeal: true, migration: true });
    assert.equal((await next.seal.submitUnsealKey(recoveryKeys[0]!.toString('hex'), true)).sealed, false);
    assert.equal(await readSecret(next.barrier), 't');
    next.barrier.seal();
    const after = node(physical, staticSeal(k));
    assert.equal(await after.seal.autoUnseal(), 'unsealed');
    assert.equal(await readSecret(after.barrier), 't');
  });
});
