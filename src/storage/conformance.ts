/**
 * The behaviour every PhysicalBackend must show, as one node:test suite that each store's
 * own test file runs against itself. A new store is done when this passes unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PhysicalBackend } from './physical.js';

type Entry = { key: string; value: Buffer };

/** Every entry a scan yields, and how many batches carried them. */
async function collect(s: PhysicalBackend): Promise<{ entries: Entry[]; batches: number }> {
  const entries: Entry[] = [];
  let batches = 0;
  for await (const batch of s.scan()) {
    batches++;
    entries.push(...batch);
  }
  return { entries, batches };
}

const asText = (es: Entry[]): Array<[string, string]> => es.map((e) => [e.key, e.value.toString('utf8')]);
/** More entries than any store's scan page (~500), so a scan must cross page boundaries. */
const MANY = 1100;
const manyKeys = (): string[] => Array.from({ length: MANY }, (_, i) => `page/${String(i).padStart(5, '0')}`);

/**
 * Registers the shared conformance tests under `describe(name)`. `make` must return a fresh,
 * empty store each call; the suite closes every store it makes.
 */
export function exercisePhysical(name: string, make: () => Promise<PhysicalBackend>): void {
  /** Runs `fn` on a fresh store and always closes it. */
  const withStore = (fn: (s: PhysicalBackend) => Promise<void>) => async () => {
    const s = await make();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };
  const utf8 = (s: PhysicalBackend, key: string) => s.get(key).then((v) => v?.toString('utf8') ?? null);

  describe(`${name}: physical conformance`, () => {
    test('get of a missing key is null', withStore(async (s) => {
      assert.equal(await s.get('nope'), null);
      assert.equal(await s.get('deep/nope'), null);
    }));

    test('put/get roundtrips arbitrary bytes, including empty values', withStore(async (s) => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await s.put('bin', all);
      await s.put('empty', Buffer.alloc(0));
      assert.deepEqual(await s.get('bin'), all);
      assert.deepEqual(await s.get('empty'), Buffer.alloc(0));
    }));

    test('stored bytes do not alias the caller\'s buffers', withStore(async (s) => {
      const input = Buffer.from('original');
      const pending = s.put('k', input);
      input.fill(0x21); // caller reuses its buffer before the write resolves
      await pending;
      const out = await s.get('k');
      out?.fill(0x3f);
      assert.equal(await utf8(s, 'k'), 'original');
    }));

    test('put overwrites', withStore(async (s) => {
      await s.put('k', Buffer.from('one'));
      await s.put('k', Buffer.from('two'));
      assert.equal(await utf8(s, 'k'), 'two');
      assert.deepEqual(await s.list(''), ['k']);
    }));

    test('delete removes; deleting a missing key is fine', withStore(async (s) => {
      await s.put('k', Buffer.from('v'));
      await s.put('other', Buffer.from('w'));
      await s.delete('k');
      await s.delete('never-existed');
      assert.equal(await s.get('k'), null);
      assert.equal(await utf8(s, 'other'), 'w');
      assert.deepEqual(await s.list(''), ['other']);
    }));

    test('list returns immediate children: leaves and folders ending in "/", sorted', withStore(async (s) => {
      for (const k of ['b/d/e', 'a', 'b/c', 'ab', 'b/d/f/g', 'c/', 'b/d/z']) await s.put(k, Buffer.from(k));
      assert.deepEqual(await s.list(''), ['a', 'ab', 'b/', 'c/']);
      assert.deepEqual(await s.list('b/'), ['c', 'd/']);
      assert.deepEqual(await s.list('b/d/'), ['e', 'f/', 'z']);
      // A prefix need not end in "/": children are whatever follows it.
      assert.deepEqual(await s.list('a'), ['b']);
      // "c/" itself is a key with an empty child name, which is not a child.
      assert.deepEqual(await s.list('c/'), []);
    }));

    test('list of an empty store or a missing prefix is []', withStore(async (s) => {
      assert.deepEqual(await s.list(''), []);
      await s.put('x/y', Buffer.from('1'));
      assert.deepEqual(await s.list('missing/'), []);
      assert.deepEqual(await s.list('x/y/'), []);
    }));

    test('list stops at the folder boundary even when siblings sort between subtree keys', withStore(async (s) => {
      // "a-b" sorts between "a/" keys' neighbours ("-" < "/" < "0"): a naive scan mixes them.
      for (const k of ['a/1', 'a-b', 'a/z/9', 'a0', 'a.b/c']) await s.put(k, Buffer.from(k));
      assert.deepEqual(await s.list(''), ['a-b', 'a.b/', 'a/', 'a0']);
      assert.deepEqual(await s.list('a/'), ['1', 'z/']);
    }));

    test('unicode keys roundtrip and list', withStore(async (s) => {
      const keys = ['ünï/cødé', 'ünï/日本語', 'ünï/emoji-😀', 'ünï/\u{10ffff}', 'ünï\u{10ffff}/x', 'ünj'];
      for (const k of keys) await s.put(k, Buffer.from(k, 'utf8'));
      for (const k of keys) assert.equal(await utf8(s, k), k);
      assert.deepEqual(await s.list('ünï/'), ['cødé', 'emoji-😀', '日本語', '\u{10ffff}'].sort());
      assert.deepEqual(await s.list(''), ['ünj', 'ünï/', 'ünï\u{10ffff}/'].sort());
      assert.deepEqual(await s.list('ünï\u{10ffff}/'), ['x']);
    }));

    test('transaction applies puts and deletes together', withStore(async (s) => {
      await s.put('old', Buffer.from('x'));
      await s.put('keep', Buffer.from('k'));
      const tx = s.transaction([
        { op: 'put', key: 'tx/a', value: Buffer.from('A') },
        { op: 'delete', key: 'old' },
        { op: 'put', key: 'tx/b', value: Buffer.from('B') },
      ]);
      // A reader racing the transaction sees all of it or none of it.
      const racing = await Promise.all([utf8(s, 'tx/a'), utf8(s, 'old'), utf8(s, 'tx/b')]);
      assert.ok(
        JSON.stringify(racing) === JSON.stringify(['A', null, 'B']) || JSON.stringify(racing) === JSON.stringify([null, 'x', null]),
        `partial transaction visible: ${JSON.stringify(racing)}`,
      );
      await tx;
      assert.deepEqual(await Promise.all([utf8(s, 'tx/a'), utf8(s, 'old'), utf8(s, 'tx/b'), utf8(s, 'keep')]), ['A', null, 'B', 'k']);
      assert.deepEqual(await s.list(''), ['keep', 'tx/']);
    }));

    test('transaction with several ops on one key keeps the last', withStore(async (s) => {
      await s.transaction([
        { op: 'put', key: 'k', value: Buffer.from('1') },
        { op: 'delete', key: 'k' },
        { op: 'put', key: 'j', value: Buffer.from('1') },
        { op: 'put', key: 'j', value: Buffer.from('2') },
      ]);
      assert.equal(await s.get('k'), null);
      assert.equal(await utf8(s, 'j'), '2');
    }));

    test('200 concurrent puts are all readable and listed afterwards', withStore(async (s) => {
      const keys = Array.from({ length: 200 }, (_, i) => `many/${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((k) => s.put(k, Buffer.from(`v-${k}`))));
      const values = await Promise.all(keys.map((k) => utf8(s, k)));
      assert.deepEqual(values, keys.map((k) => `v-${k}`));
      assert.deepEqual(await s.list('many/'), keys.map((k) => k.slice('many/'.length)));
    }));

    test('scan of an empty store yields no entries', withStore(async (s) => {
      assert.deepEqual((await collect(s)).entries, []);
    }));

    test('scan yields every entry with its bytes, in UTF-8 byte order of the keys', withStore(async (s) => {
      // Byte order is what SQLite, etcd and PostgreSQL's "C" collation give natively. It
      // differs from JS code-unit order for U+E000..U+FFFF vs astral characters.
      const keys = ['b/c', 'a-b', 'a/1', 'a0', 'a/z/9', 'k\u{10000}', 'k\uE000', 'ünï/日本語', 'c/', 'zzz'];
      for (const k of keys) await s.put(k, Buffer.from(`v:${k}`));
      await s.put('bin', Buffer.from([0, 255, 1]));
      await s.put('empty', Buffer.alloc(0));
      const { entries } = await collect(s);
      const expected = [...keys, 'bin', 'empty'].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      assert.deepEqual(entries.map((e) => e.key), expected);
      assert.ok(expected.indexOf('k\uE000') < expected.indexOf('k\u{10000}'), 'the test covers the byte-order case');
      assert.deepEqual(entries.find((e) => e.key === 'bin')?.value, Buffer.from([0, 255, 1]));
      assert.deepEqual(entries.find((e) => e.key === 'empty')?.value, Buffer.alloc(0));
      assert.equal(entries.find((e) => e.key === 'a/z/9')?.value.toString('utf8'), 'v:a/z/9');
    }));

    test('scan pages through a store larger than one batch, losing and repeating nothing', withStore(async (s) => {
      const keys = manyKeys();
      await Promise.all(keys.map((k) => s.put(k, Buffer.from(`v-${k}`))));
      const { entries, batches } = await collect(s);
      assert.deepEqual(asText(entries), keys.map((k) => [k, `v-${k}`]));
      assert.ok(batches > 1, `a store of ${MANY} entries came back in one batch: scan must page`);
    }));

    test('a scan sees the store as it was when it began, not writes made while it runs', withStore(async (s) => {
      const keys = manyKeys();
      await Promise.all(keys.map((k) => s.put(k, Buffer.from('old'))));
      const it = s.scan()[Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(first.done, false);
      const seen: Entry[] = [...(first.value as Entry[])];
      assert.ok(seen.length < MANY, 'the first batch holds part of the store');
      // Changes both ahead of the scan's position and behind it.
      const last = keys[MANY - 1] as string;
      await Promise.all([
        s.put(last, Buffer.from('new')),
        s.delete(keys[MANY - 2] as string),
        s.put('page/zzz-added', Buffer.from('new')),
        s.put('aaa-before', Buffer.from('new')),
        s.put(keys[0] as string, Buffer.from('new')),
      ]);
      for (let r = await it.next(); !r.done; r = await it.next()) seen.push(...r.value);
      assert.deepEqual(asText(seen), keys.map((k) => [k, 'old']));
      // A scan begun afterwards sees the writes.
      const after = asText((await collect(s)).entries);
      assert.deepEqual(after.slice(0, 2), [['aaa-before', 'new'], [keys[0], 'new']]);
      assert.deepEqual(after.slice(-2), [[last, 'new'], ['page/zzz-added', 'new']]);
      assert.equal(after.length, MANY + 1);
    }));

    test('a scan abandoned part-way leaves the store usable', withStore(async (s) => {
      const keys = manyKeys();
      await Promise.all(keys.map((k) => s.put(k, Buffer.from('v'))));
      for await (const batch of s.scan()) {
        assert.ok(batch.length > 0);
        break;
      }
      await s.put('after', Buffer.from('w'));
      assert.equal(await utf8(s, 'after'), 'w');
      assert.equal((await collect(s)).entries.length, MANY + 1);
    }));

    test('scan returns copies: changing a yielded value changes nothing stored', withStore(async (s) => {
      await s.put('k', Buffer.from('original'));
      for await (const batch of s.scan()) for (const e of batch) e.value.fill(0x3f);
      assert.equal(await utf8(s, 'k'), 'original');
    }));

    test('a write is visible to reads issued before it resolves', withStore(async (s) => {
      const w = s.put('rw', Buffer.from('now'));
      assert.equal(await utf8(s, 'rw'), 'now');
      assert.deepEqual(await s.list(''), ['rw']);
      await w;
    }));
  });
}
