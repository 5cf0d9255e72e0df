import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { isAlreadyExists, isConflict, isForbidden, isGone, isNotFound, KubeError, toKubeError } from './errors.js';

const status = (code: number, reason: string, message: string): string => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

test('API exceptions map to status code, reason and the server message, without parsing by callers', () => {
  const rows: [ApiException<unknown>, number, string, string][] = [
    [new ApiException(404, 'Unknown API Status Code!', status(404, 'NotFound', 'secrets "x" not found'), {}), 404, 'NotFound', 'secrets "x" not found'],
    [new ApiException(409, 'Unknown API Status Code!', status(409, 'Conflict', 'the object has been modified'), {}), 409, 'Conflict', 'the object has been modified'],
    [new ApiException(409, 'Unknown API Status Code!', status(409, 'AlreadyExists', 'leases "l" already exists'), {}), 409, 'AlreadyExists', 'leases "l" already exists'],
    [new ApiException(410, 'Unknown API Status Code!', status(410, 'Expired', 'too old resource version: 1 (5)'), {}), 410, 'Expired', 'too old resource version: 1 (5)'],
    [new ApiException(403, 'Unknown API Status Code!', status(403, 'Forbidden', 'cannot get'), {}), 403, 'Forbidden', 'cannot get'],
    [new ApiException(401, 'Unauthorized', undefined, {}), 401, 'Unauthorized', 'Unauthorized'],
    [new ApiException(502, 'Unknown API Status Code!', '<html>bad gateway</html>', {}), 502, 'BadGateway', 'HTTP 502 from the Kubernetes API server'],
  ];
  for (const [e, code, reason, message] of rows) {
    const k = toKubeError(e);
    assert.ok(k instanceof KubeError);
    assert.deepEqual([k.status, k.reason, k.message], [code, reason, message]);
  }
});

test('the predicates answer by status and reason', () => {
  const nf = toKubeError(new ApiException(404, '', status(404, 'NotFound', 'x'), {}));
  const conflict = toKubeError(new ApiException(409, '', status(409, 'Conflict', 'x'), {}));
  const exists = toKubeError(new ApiException(409, '', status(409, 'AlreadyExists', 'x'), {}));
  const gone = toKubeError(new ApiException(410, '', status(410, 'Expired', 'x'), {}));
  const forbidden = toKubeError(new ApiException(403, '', status(403, 'Forbidden', 'x'), {}));
  assert.deepEqual([isNotFound(nf), isNotFound(conflict)], [true, false]);
  assert.deepEqual([isConflict(conflict), isConflict(exists)], [true, false]);
  assert.deepEqual([isAlreadyExists(exists), isAlreadyExists(conflict)], [true, false]);
  assert.equal(isGone(gone), true);
  assert.equal(isForbidden(forbidden), true);
  assert.equal(isNotFound(new Error('plain')), false);
});

test('watch failures (statusCode) and network failures become KubeErrors too', () => {
  const w = Object.assign(new Error('Gone'), { statusCode: 410 });
  assert.equal(isGone(toKubeError(w)), true);
  const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const k = toKubeError(net);
  assert.equal(k.status, 0);
  assert.equal(k.reason, 'ServiceUnavailable');
  assert.match(k.message, /ECONNREFUSED/);
  assert.equal(toKubeError(k), k, 'already mapped errors pass through');
});
