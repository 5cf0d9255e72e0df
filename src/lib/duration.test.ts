import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DURATION_SECONDS, parseDurationSeconds } from './duration.js';
import { callInWorker } from '../../test/helpers/loop.js';

/** Whether parseDurationSeconds(input) returns or throws before the deadline (a scan that never ends cannot be interrupted in this thread). */
const finishesInWorker = async (input: string, deadlineMs: number): Promise<boolean> =>
  (await callInWorker(new URL('./duration.js', import.meta.url).href, 'parseDurationSeconds', [input], deadlineMs)).finished;

const refuses = (input: unknown, text?: RegExp) => () =>
  assert.throws(() => parseDurationSeconds(input), text ?? /time: invalid duration/, `${String(input).slice(0, 40)} should be refused`);

test('the accepted forms still parse as before', () => {
  assert.equal(parseDurationSeconds(90), 90);
  assert.equal(parseDurationSeconds(1.9), 1);
  assert.equal(parseDurationSeconds('90'), 90);
  assert.equal(parseDurationSeconds('+90'), 90);
  assert.equal(parseDurationSeconds('-90'), -90);
  assert.equal(parseDurationSeconds('1h30m'), 5400);
  assert.equal(parseDurationSeconds('1.5h'), 5400);
  assert.equal(parseDurationSeconds('2d'), 172800);
  assert.equal(parseDurationSeconds('1d2h'), 93600);
  assert.equal(parseDurationSeconds('500ms'), 0);
  assert.equal(parseDurationSeconds('1500ms'), 1);
  assert.equal(parseDurationSeconds('-1m'), -60);
  assert.equal(parseDurationSeconds(''), 0);
  assert.throws(() => parseDurationSeconds('1x'), /time: invalid duration "1x"/);
  assert.throws(() => parseDurationSeconds('h'), /time: invalid duration/);
  assert.throws(() => parseDurationSeconds(true), /invalid duration/);
});

test('the bound is int64 nanoseconds, as Go time.Duration', () => {
  assert.equal(MAX_DURATION_SECONDS, 9223372036);
  assert.equal(parseDurationSeconds(9223372036), 9223372036);
  assert.equal(parseDurationSeconds('9223372036'), 9223372036);
  assert.equal(parseDurationSeconds('2562047h47m16s'), 9223372036);
  assert.equal(parseDurationSeconds('2562047h47m16.854775807s'), 9223372036);
  assert.equal(parseDurationSeconds('-2562047h47m16.854775808s'), -9223372036);
  assert.equal(parseDurationSeconds('106751d'), 106751 * 86400);
});

test('durations past the bound are refused with Go\'s text instead of overflowing', () => {
  refuses(9223372037)();
  refuses(-9223372037)();
  refuses('9223372037')();
  refuses('2562047h47m17s')();
  refuses('2562047h47m16.854775808s')();
  refuses('99999999999h', /^Error: time: invalid duration "99999999999h"$/)();
  refuses('106752d')();
  refuses('9'.repeat(400))();
  refuses(`${'9'.repeat(400)}s`)();
  refuses(`${'9'.repeat(400)}ns`)();
  refuses(Number('9'.repeat(400)))();
  refuses(1e300)();
  refuses(Number.NaN, /invalid duration/)();
  refuses(Number.POSITIVE_INFINITY, /invalid duration/)();
  refuses('1h'.repeat(3_000_000))();
});

test('the error never quotes a huge input back in full', () => {
  const huge = 'y'.repeat(1_000_000);
  let message = '';
  try {
    parseDurationSeconds(huge);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^time: invalid duration "y+\.\.\."$/);
  assert.ok(message.length < 200, `message is ${message.length} characters`);
});

test('a megabyte of digits without a unit is refused in linear time, not by a backtracking scan', async () => {
  // The deadline is far above the linear parse (milliseconds) and far below the old
  // quadratic scan (hours for a megabyte).
  assert.equal(await finishesInWorker(`${'1'.repeat(1_000_000)}x`, 60_000), true, 'the parse did not finish');
  assert.equal(await finishesInWorker(`1${'.1'.repeat(500_000)}s`, 60_000), true, 'the parse did not finish');
  refuses(`${'1'.repeat(1_000_000)}x`)();
});
