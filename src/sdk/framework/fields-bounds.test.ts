/**
 * Field values a backend could not keep: numbers past what storage and time arithmetic
 * hold exactly, durations past Go's int64 nanoseconds, and strings that are not Unicode.
 * Each is a 400 naming the field, before any handler runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WardError } from '../errors.js';
import { FieldData } from './field-data.js';
import { field, type Fields } from './fields.js';

function errorOf(fields: Fields, data: Record<string, unknown>): WardError {
  try {
    new FieldData(fields, data);
  } catch (e) {
    if (WardError.is(e)) return e;
    throw e;
  }
  assert.fail(`expected a 400 for ${JSON.stringify(data).slice(0, 80)}`);
}

const NINES = '9'.repeat(400);

test('ints past the safe integers are refused, not rounded or made Infinity', () => {
  const fields = { n: field.int() };
  for (const raw of [NINES, Number(NINES), 1e300, 2 ** 53, -(2 ** 53), '9007199254740993', '9223372036854775807', '-9223372036854775809']) {
    const e = errorOf(fields, { n: raw });
    assert.equal(e.status, 400, String(raw));
    assert.match(e.messages[0] ?? '', /for field "n": strconv\.ParseInt: parsing ".*": value out of range/, String(raw).slice(0, 30));
  }
  assert.equal(new FieldData(fields, { n: Number.MAX_SAFE_INTEGER }).get('n'), Number.MAX_SAFE_INTEGER);
  assert.equal(new FieldData(fields, { n: String(Number.MIN_SAFE_INTEGER) }).get('n'), Number.MIN_SAFE_INTEGER);
});

test('int lists refuse the same values element by element', () => {
  const e = errorOf({ ns: field.commaIntSlice() }, { ns: `1,${NINES}` });
  assert.equal(e.status, 400);
  assert.match(e.messages[0] ?? '', /value out of range/);
});

test('durations past int64 nanoseconds are a 400 with Go\'s text, for every duration kind', () => {
  for (const spec of [field.durationSecond(), field.signedDurationSecond()]) {
    for (const raw of [NINES, '99999999999h', 9223372037, `-${NINES}`]) {
      const e = errorOf({ ttl: spec }, { ttl: raw });
      assert.equal(e.status, 400);
      assert.match(e.messages[0] ?? '', /for field "ttl": time: invalid duration/, `${spec.kind} ${String(raw).slice(0, 20)}`);
    }
  }
  assert.equal(new FieldData({ ttl: field.durationSecond() }, { ttl: '2562047h47m16s' }).get('ttl'), 9223372036);
});

test('strings with an unpaired surrogate are refused by every string kind', () => {
  const lone = 'ab\ud800cd';
  const cases: [Fields, unknown][] = [
    [{ v: field.string() }, lone],
    [{ v: field.lowerCaseString() }, lone],
    [{ v: field.stringSlice() }, ['ok', lone]],
    [{ v: field.commaStringSlice() }, `ok,${lone}`],
    [{ v: field.kvPairs() }, { k: lone }],
    [{ v: field.kvPairs() }, { [lone]: 'x' }],
    [{ v: field.kvPairs() }, [`k=${lone}`]],
    [{ v: field.string() }, '\udc00'],
  ];
  for (const [fields, raw] of cases) {
    const e = errorOf(fields, { v: raw });
    assert.equal(e.status, 400, JSON.stringify(raw));
    assert.match(e.messages[0] ?? '', /for field "v".*(not valid UTF-8|unpaired surrogate)/, JSON.stringify(raw));
  }
  // A surrogate pair is one valid character.
  assert.equal(new FieldData({ v: field.string() }, { v: 'a\ud83d\ude00b' }).get('v'), 'a\u{1F600}b');
});

test('a secret field with an unpaired surrogate is refused without quoting it', () => {
  const e = errorOf({ password: field.string() }, { password: 'hunter2\ud800' });
  assert.equal(e.status, 400);
  assert.ok(!e.messages.join(' ').includes('hunter2'), e.messages.join(' '));
});

test('an error never echoes more than a short preview of a huge value', () => {
  const huge = 'x'.repeat(1_000_000);
  for (const [fields, raw] of [
    [{ v: field.int() }, huge],
    [{ v: field.bool() }, huge],
    [{ v: field.string({ allowed: ['pem', 'der'] }) }, huge],
    [{ v: field.kvPairs() }, [huge]],
    [{ v: field.durationSecond() }, huge],
  ] as [Fields, unknown][]) {
    const e = errorOf(fields, { v: raw });
    assert.equal(e.status, 400);
    assert.ok((e.messages[0] ?? '').length < 400, `${e.messages[0]?.length} characters: ${(e.messages[0] ?? '').slice(0, 80)}`);
  }
});

test('a value too deep to print is still a 400, not a stack overflow', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = [deep];
  const e = errorOf({ v: field.int() }, { v: deep });
  assert.equal(e.status, 400);
});
