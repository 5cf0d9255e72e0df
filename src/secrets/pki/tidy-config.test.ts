import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wardErrorOfSync } from '../../../test/helpers/errors.js';
import { DEFAULT_AUTO_TIDY, mergeAutoTidy, pauseMs } from './tidy-config.js';

describe('pauseMs', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['', 0],
    ['250ms', 250],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['10m', 600_000],
    ['500us', 0.5],
  ];
  for (const [text, ms] of ok) it(`${JSON.stringify(text)} is ${ms} ms`, () => assert.equal(pauseMs(text), ms));

  const bad: [string, RegExp][] = [
    ['-1s', /negative pause_duration/],
    ['soon', /error parsing pause_duration/],
    ['5', /error parsing pause_duration/],
    ['11m', /must not exceed 10m/],
  ];
  for (const [text, re] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      const e = wardErrorOfSync(() => pauseMs(text));
      assert.equal(e.status, 400);
      assert.match(e.message, re);
    });
  }
});

describe('mergeAutoTidy', () => {
  it('keeps what is not given and takes what is', () => {
    const a = mergeAutoTidy(DEFAULT_AUTO_TIDY, { tidy_cert_store: true, enabled: true, interval_duration: undefined });
    assert.deepEqual(a, { ...DEFAULT_AUTO_TIDY, tidy_cert_store: true, enabled: true });
    assert.equal(mergeAutoTidy(a, { enabled: false }).tidy_cert_store, true);
  });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ enabled: true }, /no tidy operations were requested/],
    [{ interval_duration: 0 }, /interval_duration must be greater than zero/],
    [{ safety_buffer: 0 }, /safety_buffer must be greater than zero/],
    [{ pause_duration: 'x' }, /pause_duration/],
  ];
  for (const [patch, re] of bad) {
    it(`refuses ${JSON.stringify(patch)}`, () => assert.match(wardErrorOfSync(() => mergeAutoTidy(DEFAULT_AUTO_TIDY, patch)).message, re));
  }
});
