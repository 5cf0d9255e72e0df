import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WardError } from './errors.js';
import { decodeRecord, encodeRecord } from './record.js';
import { getJSON, getSharedJSON, InmemStorage, putJSON, putSharedJSON } from './storage.js';

const refused = (value: unknown, text: RegExp) => {
  let err: unknown;
  try {
    encodeRecord(value);
  } catch (e) {
    err = e;
  }
  assert.ok(WardError.is(err), `expected a WardError for ${String(value)}`);
  assert.equal(err.status, 400);
  assert.match(err.messages[0] ?? '', text);
};

test('what is encoded decodes to the same value', () => {
  const v = { a: 1, b: [true, null, 'x', { c: -2.5, 'ü': 'é\u{1F600}' }], big: 1e300, neg: -0.125 };
  assert.deepEqual(decodeRecord(encodeRecord(v)), v);
});

test('non-finite numbers are refused wherever they sit, instead of becoming null', () => {
  for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
    refused({ a: bad }, /finite/);
    refused({ a: [1, { b: bad }] }, /finite/);
    refused([bad], /finite/);
  }
});

test('strings and keys that are not valid Unicode are refused', () => {
  refused({ a: 'x\ud800' }, /unpaired surrogate/);
  refused({ a: ['ok', '\udfff'] }, /unpaired surrogate/);
  refused({ ['k\ud800']: 1 }, /unpaired surrogate/);
});

test('a value nested past the bound is refused instead of overflowing the stack', () => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  refused({ deep }, /nested too deeply/);
});

test('values JSON cannot hold are refused: bigint, functions and undefined in lists', () => {
  refused({ a: 10n }, /cannot store/);
  refused([undefined], /cannot store/);
  refused({ f: () => 1 }, /cannot store/);
  // An undefined property is simply absent, as JSON.stringify leaves it.
  assert.deepEqual(decodeRecord(encodeRecord({ a: undefined, b: 1 })), { b: 1 });
});

test('objects with toJSON (dates) are checked by what they serialise to', () => {
  const d = new Date(0);
  assert.deepEqual(decodeRecord(encodeRecord({ d })), { d: '1970-01-01T00:00:00.000Z' });
  refused({ d: new Date(Number.NaN) }, /cannot store/);
});

test('a record written by an older version with a bare Infinity or NaN reads back with 0 in its place', () => {
  const legacy = Buffer.from('{"a":Infinity,"b":-Infinity,"c":NaN,"s":"Infinity, NaN: \\"x\\":Infinity","n":[1,Infinity]}', 'utf8');
  assert.deepEqual(decodeRecord(legacy), { a: 0, b: 0, c: 0, s: 'Infinity, NaN: "x":Infinity', n: [1, 0] });
  assert.throws(() => decodeRecord(Buffer.from('{"a":', 'utf8')), SyntaxError);
});

test('putJSON and putSharedJSON refuse what the codec refuses, and getJSON reads legacy records', async () => {
  const s = new InmemStorage();
  await assert.rejects(putJSON(s, 'k', { ttl: Number.POSITIVE_INFINITY }), (e: unknown) => WardError.is(e) && e.status === 400);
  await assert.rejects(putSharedJSON(s, 'k', { v: 'a\ud800' }), (e: unknown) => WardError.is(e) && e.status === 400);
  assert.equal(await s.get('k'), null, 'nothing was written');
  await s.put('legacy', Buffer.from('{"ttl":Infinity}', 'utf8'));
  assert.deepEqual(await getJSON(s, 'legacy'), { ttl: 0 });
  assert.deepEqual(await getSharedJSON(s, 'legacy'), { ttl: 0 });
});
