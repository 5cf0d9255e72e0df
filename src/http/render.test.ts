import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreResult } from '../core/api-types.js';
import type { Operation } from '../sdk/logical.js';
import { WardError, notFound, permissionDenied } from '../sdk/errors.js';
import { injectsTopLevel, renderError, renderResult } from './render.js';

function res(operation: Operation, path: string, response: CoreResult['response'], extra: Partial<CoreResult> = {}): CoreResult {
  return { operation, path, requestId: 'rid', response, leaseId: '', leaseDuration: 0, renewable: false, auth: null, wrapInfo: null, mountType: 'kv', ...extra };
}
const body = (r: { body: string | Buffer }): Record<string, unknown> => JSON.parse(r.body.toString()) as Record<string, unknown>;
const ENVELOPE_KEYS = ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info'];

describe('renderResult', () => {
  it('renders the full envelope with every key present', () => {
    const r = renderResult(res('read', 'secret/x', { data: { a: 1 } }));
    assert.equal(r.status, 200);
    const b = body(r);
    assert.deepEqual(Object.keys(b).sort(), ENVELOPE_KEYS);
    assert.deepEqual(b, { request_id: 'rid', lease_id: '', renewable: false, lease_duration: 0, data: { a: 1 }, wrap_info: null, warnings: null, auth: null, mount_type: 'kv' });
  });

  it('sends a help answer bare, as Vault does (api.Help reads help and openapi at the top)', () => {
    const r = renderResult(res('help', 'secret/data/x', { data: { help: 'text', see_also: null, openapi: { openapi: '3.0.2' } } }));
    assert.equal(r.status, 200);
    assert.deepEqual(body(r), { help: 'text', see_also: null, openapi: { openapi: '3.0.2' } });
  });

  it('uses the lease duration, or the ttl hint when there is no lease', () => {
    assert.equal(body(renderResult(res('read', 'secret/x', { data: {}, ttlHint: 3600 })))['lease_duration'], 3600);
    const leased = renderResult(res('read', 'db/creds/r', { data: { u: 'x' }, ttlHint: 5 }, { leaseId: 'db/creds/r/abc', leaseDuration: 60, renewable: true }));
    const b = body(leased);
    assert.equal(b['lease_duration'], 60);
    assert.equal(b['lease_id'], 'db/creds/r/abc');
    assert.equal(b['renewable'], true);
  });

  it('renders a shared (frozen) record as the envelope JSON.stringify gives, read after read', () => {
    const shared = Object.freeze({ data: Object.freeze({ password: 'p"w' }), metadata: Object.freeze({ version: 3 }) });
    const cases: CoreResult[] = [
      res('read', 'secret/data/app', { data: shared }, { requestId: 'r1' }),
      res('read', 'secret/data/app', { data: shared }, { requestId: 'r2' }),
      res('read', 'secret/data/app', { data: shared, ttlHint: 60 }, { requestId: 'r3' }),
      res('read', 'secret/data/app', { data: shared }, { requestId: 'r4', leaseId: 'secret/data/app/l1', leaseDuration: 30, renewable: true }),
      res('read', 'other/data/app', { data: shared }, { requestId: 'r5', mountType: 'generic' }),
      res('read', 'secret/data/app', { data: shared, warnings: ['w'] }, { requestId: 'r6' }),
    ];
    for (const c of cases) {
      const expected = { request_id: c.requestId, lease_id: c.leaseId, renewable: c.renewable, lease_duration: c.leaseId === '' ? (c.response?.ttlHint ?? 0) : c.leaseDuration, data: shared, wrap_info: null, warnings: c.response?.warnings ?? null, auth: null, mount_type: c.mountType };
      assert.equal(renderResult(c).body, JSON.stringify(expected), c.requestId);
    }
  });

  it('read with nothing is a bare 404; write with nothing is 204', () => {
    const r = renderResult(res('read', 'secret/x', null));
    assert.equal(r.status, 404);
    assert.deepEqual(body(r), { errors: [] });
    const w = renderResult(res('update', 'secret/x', null));
    assert.equal(w.status, 204);
    assert.equal(w.body, '');
    assert.equal(renderResult(res('delete', 'secret/x', { warnings: [] })).status, 204);
  });

  it('a response with only warnings is 200', () => {
    const r = renderResult(res('update', 'sys/policy/p', { warnings: ['careful'] }));
    assert.equal(r.status, 200);
    assert.deepEqual(body(r)['warnings'], ['careful']);
  });

  it('empty lists are 404 unless there are warnings or other data', () => {
    assert.equal(renderResult(res('list', 'secret/', null)).status, 404);
    assert.equal(renderResult(res('list', 'secret/', { data: {} })).status, 404);
    assert.equal(renderResult(res('list', 'secret/', { data: { keys: [] } })).status, 404);
    assert.equal(renderResult(res('list', 'secret/', { data: { keys: [] }, warnings: ['w'] })).status, 200);
    assert.equal(renderResult(res('list', 'secret/', { data: { other: 1 } })).status, 200);
    assert.equal(renderResult(res('list', 'secret/', { data: { keys: ['a'] } })).status, 200);
  });

  it('honours status overrides (202 tidy, 404 with body)', () => {
    assert.equal(renderResult(res('update', 'auth/token/tidy', { warnings: ['tidy started'], status: 202 })).status, 202);
    const r = renderResult(res('read', 'secret/data/x', { data: { data: null, metadata: { deletion_time: 'x' } }, status: 404 }));
    assert.equal(r.status, 404);
    assert.deepEqual((body(r)['data'] as Record<string, unknown>)['data'], null);
  });

  it('writes raw and verbatim bodies as given', () => {
    const raw = renderResult(res('read', 'pki/ca/pem', { raw: { status: 200, contentType: 'application/pem-certificate-chain', body: '-----BEGIN' } }));
    assert.equal(raw.contentType, 'application/pem-certificate-chain');
    assert.equal(raw.body, '-----BEGIN');
    const v = renderResult({ ...res('update', 'sys/wrapping/unwrap', null), verbatimBody: '{"request_id":"old"}' });
    assert.equal(v.status, 200);
    assert.equal(v.body, '{"request_id":"old"}');
  });

  it('wrapped responses have an empty request_id and no data/auth', () => {
    const wrapInfo = { token: 'hvs.w', accessor: 'a', ttl: 60, creation_time: 't', creation_path: 'secret/x' };
    const r = renderResult(res('read', 'secret/x', { data: { a: 1 } }, { wrapInfo }));
    const b = body(r);
    assert.equal(r.status, 200);
    assert.equal(b['request_id'], '');
    assert.equal(b['data'], null);
    assert.deepEqual(b['wrap_info'], wrapInfo);
  });

  it('renders auth', () => {
    const auth = { client_token: 'hvs.x', accessor: 'acc', policies: ['default'] };
    const b = body(renderResult(res('update', 'auth/approle/login', null, { auth, mountType: 'approle' })));
    assert.deepEqual(b['auth'], auth);
    assert.equal(b['data'], null);
  });

  it('injects data at the top level on the legacy sys routes only', () => {
    assert.ok(injectsTopLevel('sys/mounts'));
    assert.ok(injectsTopLevel('sys/mounts/secret'));
    assert.ok(injectsTopLevel('sys/policy/'));
    assert.ok(injectsTopLevel('sys/capabilities-self'));
    assert.ok(!injectsTopLevel('sys/mountsx'));
    assert.ok(!injectsTopLevel('secret/data/x'));
    const b = body(renderResult(res('read', 'sys/mounts', { data: { 'secret/': { type: 'kv' }, data: 'evil' } }, { mountType: 'system' })));
    assert.deepEqual(b['secret/'], { type: 'kv' });
    assert.deepEqual((b['data'] as Record<string, unknown>)['secret/'], { type: 'kv' });
    assert.equal(typeof b['data'], 'object', 'envelope keys are never overwritten');
    assert.equal(body(renderResult(res('read', 'secret/x', { data: { z: 1 } })))['z'], undefined);
  });
});

describe('renderError', () => {
  it('renders WardErrors with their status and messages', () => {
    const r = renderError(permissionDenied());
    assert.equal(r.status, 403);
    assert.deepEqual(body(r), { errors: ['permission denied'] });
    assert.deepEqual(body(renderError(notFound())), { errors: [] });
  });

  it('merges WardError.body', () => {
    const e = new WardError('not_found', [], { body: { data: { metadata: { version: 3 } } } });
    const r = renderError(e);
    assert.equal(r.status, 404);
    assert.deepEqual(body(r), { data: { metadata: { version: 3 } }, errors: [] });
  });

  it('turns anything else into a generic 500 and logs the cause', () => {
    const logged: Record<string, unknown>[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (_m: string, f?: Record<string, unknown>) => void logged.push(f ?? {}) };
    const r = renderError(new TypeError('x is undefined at core.ts:1'), logger);
    assert.equal(r.status, 500);
    assert.deepEqual(body(r), { errors: ['internal error'] });
    assert.equal(logged[0]?.['error'], 'x is undefined at core.ts:1');
    assert.equal(renderError('a string').status, 500);
  });
});
