import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRPCDeadlineExceededError, GRPCInvalidArgumentError, GRPCUnavailableError } from 'etcd3';
import { isRetryable, MemberSkipped, retryPolicy, skipRecentlyDown } from './retry-policy.js';

describe('etcd client fault handling', () => {
  test('transport failures and timeouts are retried; etcd\'s refusals and oversize messages are not', () => {
    assert.equal(isRetryable(new GRPCUnavailableError('14 UNAVAILABLE: connect ECONNREFUSED')), true);
    assert.equal(isRetryable(new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED')), true);
    assert.equal(isRetryable(new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: request is too large')), false);
    assert.equal(isRetryable(new Error('8 RESOURCE_EXHAUSTED: Received message larger than max')), false);
  });

  test('the retry policy tries again until the call succeeds, and gives up at once on what retrying cannot fix', async () => {
    const policy = retryPolicy({ budgetMs: 60_000, baseDelayMs: 1 });
    let calls = 0;
    const out = await policy.execute(() => {
      if (++calls < 3) throw new GRPCUnavailableError('down');
      return 'ok';
    });
    assert.equal(out, 'ok');
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(policy.execute(() => {
      calls++;
      throw new GRPCInvalidArgumentError('bad');
    }), /bad/);
    assert.equal(calls, 1);
    await assert.rejects(retryPolicy({ budgetMs: 0 }).execute(() => {
      throw new GRPCUnavailableError('still down');
    }), /still down/);
  });

  test('a member whose connection failed is skipped (retryably) for a while rather than called', async () => {
    const host = skipRecentlyDown(60_000)();
    await assert.rejects(host.execute(() => Promise.reject(new GRPCUnavailableError('connect ECONNREFUSED'))), GRPCUnavailableError);
    let called = false;
    await assert.rejects(host.execute(() => (called = true)), (e: Error) => e instanceof MemberSkipped && isRetryable(e) && /ECONNREFUSED/.test(e.message));
    assert.equal(called, false);
    // etcd answering with an error of its own is not a dead member.
    const other = skipRecentlyDown(60_000)();
    await assert.rejects(other.execute(() => Promise.reject(new GRPCUnavailableError('etcdserver: leader changed'))));
    assert.equal(await other.execute(() => 'answered'), 'answered');
  });
});
