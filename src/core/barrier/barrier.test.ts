import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { listRecursive } from '../../sdk/storage.js';
import { InmemPhysical } from '../../storage/inmem/inmem-physical.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { AesGcmBarrier, KEYRING_PATH } from './barrier.js';
import { termOf } from './aes-gcm.js';
import { isWardError } from '../../../test/helpers/errors.js';

/** Counts physical reads and can hold one read until released (to stage races). */
class SpyPhysical extends InmemPhysical {
  gets = 0;
  hold: Promise<void> | null = null;
  override async get(key: string): Promise<Buffer | null> {
    this.gets++;
    const hold = this.hold;
    const v = await super.get(key);
    if (hold !== null) await hold;
    return v;
  }
}

async function unsealedBarrier(physical: PhysicalBackend = new InmemPhysical(), opts = {}) {
  const rootKey = randomBytes(32);
  const barrier = new AesGcmBarrier(physical, opts);
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return { barrier, physical, rootKey };
}

const text = async (p: Promise<Buffer | null>) => (await p)?.toString('utf8') ?? null;


describe('AesGcmBarrier', () => {
  test('initialize stores a keyring but leaves the barrier sealed', async () => {
    const physical = new InmemPhysical();
    const barrier = new AesGcmBarrier(physical);
    assert.equal(await barrier.isInitialized(), false);
    await barrier.initialize(randomBytes(32));
    assert.equal(await barrier.isInitialized(), true);
    assert.equal(barrier.isSealed(), true);
    assert.ok((await physical.get(KEYRING_PATH)) !== null);
    await assert.rejects(barrier.initialize(randomBytes(32)), isWardError(400, /already initialized/));
  });

  test('every storage call while sealed is a 503 sealed error', async () => {
    const barrier = new AesGcmBarrier(new InmemPhysical());
    await barrier.initialize(randomBytes(32));
    const sealed = isWardError(503, /Vault is sealed/);
    await assert.rejects(barrier.get('a'), sealed);
    await assert.rejects(barrier.put('a', Buffer.from('x')), sealed);
    await assert.rejects(barrier.delete('a'), sealed);
    await assert.rejects(barrier.list(''), sealed);
    await assert.rejects(barrier.rotate(), sealed);
    assert.throws(() => barrier.keyStatus(), sealed);
  });

  test('unseal with the wrong key is a 400 and stays sealed; the right key opens it', async () => {
    const rootKey = randomBytes(32);
    const barrier = new AesGcmBarrier(new InmemPhysical());
    await barrier.initialize(rootKey);
    await assert.rejects(barrier.unseal(randomBytes(32)), isWardError(400, /^invalid key/));
    await assert.rejects(barrier.unseal(randomBytes(16)), isWardError(400, /^invalid key/));
    assert.equal(barrier.isSealed(), true);
    await barrier.unseal(rootKey);
    assert.equal(barrier.isSealed(), false);
  });

  test('put/get/list/delete roundtrip; a new barrier on the same store reads the data', async () => {
    const { barrier, physical, rootKey } = await unsealedBarrier();
    const bytes = randomBytes(1000);
    await barrier.put('secret/a', bytes);
    await barrier.put('secret/b/c', Buffer.from('c'));
    assert.deepEqual(await barrier.get('secret/a'), bytes);
    assert.deepEqual(await barrier.list('secret/'), ['a', 'b/']);
    await barrier.delete('secret/b/c');
    assert.equal(await barrier.get('secret/b/c'), null);
    assert.equal(await barrier.get('never'), null);

    const other = new AesGcmBarrier(physical);
    await other.unseal(rootKey);
    assert.deepEqual(await other.get('secret/a'), bytes);
  });

  test('the physical store never holds a plaintext value', async () => {
    const { barrier, physical } = await unsealedBarrier();
    const marker = 'PLAINTEXT-MARKER-7f3a9c';
    await barrier.put('kv/data/app', Buffer.from(`{"password":"${marker}"}`));
    await barrier.view('logical/uuid/').put('x', Buffer.from(marker));
    await barrier.rotate();
    await barrier.put('kv/again', Buffer.from(marker));
    const keys = await listRecursive(physical);
    assert.ok(keys.includes('logical/uuid/x'));
    for (const k of keys) {
      const raw = await physical.get(k);
      assert.ok(raw !== null);
      assert.equal(raw.includes(marker), false, `plaintext found at ${k}`);
      assert.equal(raw.includes(Buffer.from(marker).toString('base64')), false, `base64 plaintext at ${k}`);
    }
  });

  test('rotate installs term N+1 for new writes and keeps old values readable after reload', async () => {
    const { barrier, physical, rootKey } = await unsealedBarrier();
    const t0 = Date.now();
    assert.equal(barrier.keyStatus().term, 1);
    await barrier.put('old', Buffer.from('written under term 1'));
    const status = await barrier.rotate();
    assert.equal(status.term, 2);
    assert.ok(status.installTime >= t0 && status.installTime <= Date.now());
    await barrier.put('new', Buffer.from('written under term 2'));
    assert.equal(termOf((await physical.get('old')) as Buffer), 1);
    assert.equal(termOf((await physical.get('new')) as Buffer), 2);

    // Concurrent rotations each get their own term.
    const terms = (await Promise.all([barrier.rotate(), barrier.rotate()])).map((r) => r.term).sort();
    assert.deepEqual(terms, [3, 4]);

    barrier.seal();
    await barrier.unseal(rootKey); // reloads the persisted keyring
    assert.equal(barrier.keyStatus().term, 4);
    assert.equal(await text(barrier.get('old')), 'written under term 1');
    assert.equal(await text(barrier.get('new')), 'written under term 2');
  });

  test('keyStatus counts encryptions since unseal', async () => {
    const { barrier, rootKey } = await unsealedBarrier();
    assert.equal(barrier.keyStatus().encryptions, 0);
    await barrier.put('a', Buffer.from('1'));
    await barrier.put('a', Buffer.from('2'));
    await barrier.get('a');
    assert.equal(barrier.keyStatus().encryptions, 2);
    barrier.seal();
    await barrier.unseal(rootKey);
    assert.equal(barrier.keyStatus().encryptions, 0);
  });

  test('a tampered or truncated ciphertext is a clean 500 that leaks nothing', async () => {
    const { barrier, physical, rootKey } = await unsealedBarrier();
    await barrier.put('a', Buffer.from('TOP-SECRET'));
    await barrier.put('b', Buffer.from('TOP-SECRET'));
    const raw = (await physical.get('a')) as Buffer;
    raw[raw.length - 20] = (raw[raw.length - 20] as number) ^ 0x01;
    await physical.put('a', raw);
    await physical.put('b', Buffer.from([1, 0]));
    const fresh = new AesGcmBarrier(physical); // no cached plaintext
    await fresh.unseal(rootKey);
    for (const key of ['a', 'b']) {
      await assert.rejects(fresh.get(key), (e) => {
        isWardError(500)(e);
        assert.equal((e as WardError).message.includes('TOP-SECRET'), false);
        return true;
      });
    }
  });

  test('a ciphertext moved to another key fails to decrypt', async () => {
    const { barrier, physical, rootKey } = await unsealedBarrier();
    await barrier.put('users/alice', Buffer.from('alice-policy'));
    await physical.put('users/mallory', (await physical.get('users/alice')) as Buffer);
    const fresh = new AesGcmBarrier(physical);
    await fresh.unseal(rootKey);
    await assert.rejects(fresh.get('users/mallory'), isWardError(500));
    assert.equal(await text(fresh.get('users/alice')), 'alice-policy');
  });

  test('seal() zeroes the live key buffers and drops cached plaintext', async () => {
    const physical = new SpyPhysical();
    const { barrier, rootKey } = await unsealedBarrier(physical);
    await barrier.rotate();
    await barrier.put('hot', Buffer.from('cached'));
    const keys = barrier.keyBuffersForTest();
    assert.equal(keys.length, 3); // two terms + the root key
    assert.ok(keys.every((k) => k.length === 32 && k.some((b) => b !== 0)));
    barrier.seal();
    assert.ok(barrier.isSealed());
    assert.ok(keys.every((k) => k.every((b) => b === 0)), 'a key buffer survived seal()');
    assert.notEqual(rootKey.every((b) => b === 0), true, "the caller's root key is its own");

    await barrier.unseal(rootKey);
    const before = physical.gets;
    assert.equal(await text(barrier.get('hot')), 'cached');
    assert.equal(physical.gets, before + 1, 'read after unseal must come from storage');
  });

  test('the read cache serves hot keys without storage, follows puts and deletes, and is bounded', async () => {
    const physical = new SpyPhysical();
    const { barrier } = await unsealedBarrier(physical, { cacheEntries: 2 });
    await barrier.put('a', Buffer.from('1'));
    const start = physical.gets;
    assert.equal(await text(barrier.get('a')), '1');
    assert.equal(physical.gets, start, 'a fresh put should be served from the cache');
    const out = (await barrier.get('a')) as Buffer;
    out.fill(0); // callers get copies
    assert.equal(await text(barrier.get('a')), '1');
    await barrier.put('a', Buffer.from('2'));
    assert.equal(await text(barrier.get('a')), '2');
    await barrier.delete('a');
    assert.equal(await barrier.get('a'), null);

    await barrier.put('x', Buffer.from('x'));
    await barrier.put('y', Buffer.from('y'));
    await barrier.put('z', Buffer.from('z')); // evicts x
    const g = physical.gets;
    await barrier.get('y');
    await barrier.get('z');
    assert.equal(physical.gets, g);
    assert.equal(await text(barrier.get('x')), 'x');
    assert.equal(physical.gets, g + 1);
  });

  test('past its size the cache keeps the recent keys, drops the old ones, and zeroes what it drops', async () => {
    const physical = new SpyPhysical();
    const { barrier } = await unsealedBarrier(physical, { cacheEntries: 100 });
    const written: Buffer[] = [];
    const spy = barrier as unknown as { cache: { young: Map<string, { value: Buffer }>; old: Map<string, { value: Buffer }> } };
    for (let i = 0; i < 1000; i++) {
      await barrier.put(`k${i}`, Buffer.from(`v${i}`));
      written.push((spy.cache.young.get(`k${i}`) as { value: Buffer }).value);
    }
    assert.ok(spy.cache.young.size + spy.cache.old.size <= 100, 'bounded by cache_size');
    const g = physical.gets;
    for (let i = 960; i < 1000; i++) assert.equal(await text(barrier.get(`k${i}`)), `v${i}`);
    assert.equal(physical.gets, g, 'the 40 newest keys come from the cache');
    assert.equal(await text(barrier.get('k0')), 'v0');
    assert.equal(physical.gets, g + 1, 'the oldest key was dropped');
    assert.ok(written[0]!.every((b) => b === 0), 'a dropped plaintext is zeroed');
  });

  test('a read racing a write never leaves a stale value in the cache', async () => {
    const physical = new SpyPhysical();
    const { barrier, rootKey } = await unsealedBarrier(physical);
    await barrier.put('k', Buffer.from('old'));
    barrier.seal();
    await barrier.unseal(rootKey); // cold cache
    let release = (): void => undefined;
    physical.hold = new Promise<void>((r) => (release = r));
    const slowRead = barrier.get('k'); // has read "old" from storage, parked before decrypting
    physical.hold = null;
    await barrier.put('k', Buffer.from('new'));
    release();
    assert.equal(await text(slowRead), 'old'); // it began before the write: either answer is fair
    assert.equal(await text(barrier.get('k')), 'new');
  });

  test('writes to the bootstrap records are refused; views are chrooted', async () => {
    const { barrier, physical } = await unsealedBarrier();
    const keyring = await physical.get(KEYRING_PATH);
    await assert.rejects(barrier.put(KEYRING_PATH, Buffer.from('x')), isWardError(500));
    await assert.rejects(barrier.delete(KEYRING_PATH), isWardError(500));
    assert.deepEqual(await physical.get(KEYRING_PATH), keyring);
    const view = barrier.view('logical/abc/');
    await view.put('cfg', Buffer.from('v'));
    assert.deepEqual(await view.list(''), ['cfg']);
    assert.equal(await text(barrier.get('logical/abc/cfg')), 'v');
    assert.ok((await physical.get('logical/abc/cfg')) !== null);
  });
});

describe('AesGcmBarrier decoded values', () => {
  const counting = () => {
    const calls = { n: 0 };
    const decode = (raw: Buffer): unknown => {
      calls.n++;
      return Object.freeze(JSON.parse(raw.toString('utf8')) as object);
    };
    return { calls, decode };
  };

  test('a miss decodes once; reads then share that object until the value changes', async () => {
    const { barrier, physical, rootKey } = await unsealedBarrier();
    await barrier.put('k', Buffer.from('{"v":1}'));
    // A second barrier on the same store starts with an empty cache: its first read misses.
    const cold = new AesGcmBarrier(physical);
    await cold.unseal(rootKey);
    const { calls, decode } = counting();
    const first = await cold.getDecoded('k', decode);
    const second = await cold.getDecoded('k', decode);
    assert.deepEqual(first, { v: 1 });
    assert.equal(first, second, 'the same object while the value is unchanged');
    assert.equal(calls.n, 1, 'decoded once, on the miss');
    await cold.put('k', Buffer.from('{"v":2}'));
    assert.deepEqual(await cold.getDecoded('k', decode), { v: 2 });
    assert.equal(calls.n, 2);
    assert.equal(await cold.getDecoded('absent', decode), null);
  });

  test('putDecoded leaves the written object for the next read, which decodes nothing', async () => {
    const { barrier } = await unsealedBarrier();
    const { calls, decode } = counting();
    const written = Object.freeze({ v: 3 });
    await barrier.putDecoded('k', Buffer.from('{"v":3}'), decode, written);
    assert.equal(await barrier.getDecoded('k', decode), written);
    assert.equal(calls.n, 0);
    // Another decoder never sees this one's object.
    const other = counting();
    assert.notEqual(await barrier.getDecoded('k', other.decode), written);
    assert.equal(other.calls.n, 1);
    assert.equal(await text(barrier.get('k')), '{"v":3}');
  });
});
