import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from './cli-args.js';

describe('fuzz command line', () => {
  it('reads --requests, --seed, --replay and both value styles', () => {
    const a = parseArgs(['--requests', '500', '--seed=42', '--replay', '#3, 17,499', '--no-confirm']);
    assert.equal(a.requests, 500);
    assert.equal(a.seed, 42);
    assert.deepEqual(a.replay, [3, 17, 499]);
    assert.equal(a.confirm, false);
  });

  it('defaults to 3,000 requests and a random seed', () => {
    const a = parseArgs([]);
    assert.equal(a.requests, 3000);
    assert.ok(Number.isInteger(a.seed) && a.seed >= 0);
  });

  it('refuses what would make a run unreproducible or meaningless', () => {
    assert.throws(() => parseArgs(['--seed', '-1']), /non-negative integer/);
    assert.throws(() => parseArgs(['--seed', '4294967296']), /32 bits/);
    assert.throws(() => parseArgs(['--requests', '0']), /at least 1/);
    assert.throws(() => parseArgs(['--requests', '10', '--replay', '10']), /outside a run/);
    assert.throws(() => parseArgs(['--replay', 'a,b']), /request numbers/);
    assert.throws(() => parseArgs(['--requests']), /needs a value/);
    assert.throws(() => parseArgs(['--bogus']), /unknown option/);
  });
});
