import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpInFlight } from './http-requests.js';

describe('HttpInFlight', () => {
  it('lists what is in flight, removes entries in any order, and ignores a second end', () => {
    const t = new HttpInFlight();
    const a = t.begin('GET', '/v1/a?x=1', '127.0.0.1', 1);
    const b = t.begin('PUT', '/v1/b', '::1', 2);
    const c = t.begin('LIST', '/v1/c/', '10.0.0.1', 3);
    assert.equal(t.size, 3);
    t.end(b);
    t.end(b);
    assert.equal(t.size, 2);
    const rows = Object.values(t.list());
    assert.deepEqual(rows.map((r) => [r['request_method'], r['request_path'], r['client_remote_address']]).sort(), [
      ['GET', '/v1/a', '127.0.0.1:1'],
      ['LIST', '/v1/c/', '10.0.0.1:3'],
    ]);
    t.end(c);
    t.end(a);
    assert.equal(t.size, 0);
    assert.deepEqual(t.list(), {});
    const d = t.begin('GET', '/v1/d', '::1', 4);
    assert.deepEqual(Object.values(t.list()).map((r) => r['client_remote_address']), ['[::1]:4']);
    // An id, once given, stays the request's id.
    assert.deepEqual(Object.keys(t.list()), Object.keys(t.list()));
    t.end(d);
  });
});
