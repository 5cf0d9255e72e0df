import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter (a token bucket per client)', () => {
  it('allows `rate` requests in a burst, then refuses until the bucket refills', () => {
    const l = new RateLimiter(3, 1000, 0);
    const seen = [0, 0, 0, 0].map(() => l.allow('10.0.0.1', 0));
    assert.deepEqual(seen.map((a) => a.allowed), [true, true, true, false]);
    assert.deepEqual(seen.map((a) => a.remaining), [2, 1, 0, 0]);
    assert.equal(seen[3]?.retryAfter, 1);
    assert.equal(l.allow('10.0.0.1', 340).allowed, true, 'a third of the interval refills one request');
    assert.equal(l.allow('10.0.0.1', 340).allowed, false);
  });

  it('keeps one bucket per client address', () => {
    const l = new RateLimiter(1, 1000, 0);
    assert.equal(l.allow('a', 0).allowed, true);
    assert.equal(l.allow('a', 0).allowed, false);
    assert.equal(l.allow('b', 0).allowed, true);
  });

  it('with a block interval, a client over the limit is refused for that long', () => {
    const l = new RateLimiter(1, 1000, 5000);
    assert.equal(l.allow('a', 0).allowed, true);
    const refused = l.allow('a', 10);
    assert.deepEqual([refused.allowed, refused.retryAfter], [false, 5]);
    assert.equal(l.allow('a', 3000).allowed, false, 'still blocked though the bucket refilled');
    assert.equal(l.allow('a', 3000).retryAfter, 3);
    assert.equal(l.allow('a', 5011).allowed, true);
  });

  it('forgets clients idle for three minutes', () => {
    const l = new RateLimiter(1, 1000, 0);
    l.allow('a', 0);
    l.allow('b', 170_000);
    l.sweep(181_000);
    assert.equal(l.clientCount, 1);
  });
});
