import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WardError, badRequest } from '../../sdk/errors.js';
import { LockLostError } from '../../storage/physical.js';
import { ValueTooLargeError } from '../../storage/etcd/errors.js';
import { storageError } from './storage-errors.js';

describe('storageError', () => {
  it('an entry too large for the engine is a 413 naming the engine and limit, never the key', () => {
    const e = storageError(new ValueTooLargeError('value of "logical/abc/versions/x/2"', 2_100_000, 2_100_100, 1_572_864), 'etcd');
    assert.ok(WardError.is(e));
    assert.equal(e.status, 413);
    assert.match(e.messages[0]!, /^put failed due to value being too large: .*2100100 bytes.* etcd .*1572864 bytes$/);
    assert.doesNotMatch(e.messages[0]!, /logical/);
  });

  it('finds the size error below a wrapper, and takes SQLite\'s SQLITE_TOOBIG', () => {
    const inner = Object.assign(new Error('string or blob too big'), { code: 'SQLITE_TOOBIG' });
    const e = storageError(new Error('write failed', { cause: inner }), 'sqlite');
    assert.ok(WardError.is(e));
    assert.equal(e.status, 413);
    assert.match(e.messages[0]!, /sqlite storage engine's size limit$/);
  });

  it('leaves fencing refusals and Ward errors as they are', () => {
    const lost = new LockLostError();
    assert.equal(storageError(lost, 'postgresql'), lost);
    const bad = badRequest('nope');
    assert.equal(storageError(bad, 'postgresql'), bad);
  });

  it('anything else is a 500 naming the engine; the driver text stays in the cause, not the message', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const e = storageError(cause, 'postgresql');
    assert.ok(WardError.is(e));
    assert.equal(e.status, 500);
    assert.deepEqual(e.messages, ['storage error: the postgresql storage engine did not complete the request (the server log has the cause)']);
    assert.equal(e.cause, cause);
  });
});
