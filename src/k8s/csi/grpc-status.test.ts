import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { ApiError, ConnectionError } from '../../api/index.js';
import { InvalidArgument, ObjectReadError, PermissionDenied } from './errors.js';
import { grpcCode } from './grpc-status.js';

const api = (s: number) => new ApiError({ status: s, errors: ['x'], address: 'https://w', method: 'GET', path: 'p', body: null });

test('each failure kind gets the gRPC code the driver reports', () => {
  const table: [string, unknown, status][] = [
    ['bad parameter', new InvalidArgument('x'), status.INVALID_ARGUMENT],
    ['login refused', new PermissionDenied('x'), status.PERMISSION_DENIED],
    ['Ward unreachable', new ConnectionError('https://w', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), status.UNAVAILABLE],
    ['forbidden read', new ObjectReadError('o', api(403)), status.PERMISSION_DENIED],
    ['missing secret', new ObjectReadError('o', api(404)), status.NOT_FOUND],
    ['bad request', new ObjectReadError('o', api(400)), status.INVALID_ARGUMENT],
    ['sealed', new ObjectReadError('o', api(503)), status.UNAVAILABLE],
    ['rate limited', api(429), status.UNAVAILABLE],
    ['anything else', new Error('boom'), status.INTERNAL],
  ];
  for (const [name, e, code] of table) assert.equal(grpcCode(e), code, name);
});
