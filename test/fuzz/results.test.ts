import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FuzzRequest } from './request.js';
import { relatedHistory, signatureOf, type HistoryEntry } from './results.js';

const req = (over: Partial<FuzzRequest> = {}): FuzzRequest => ({
  index: 99,
  generator: 'duration',
  note: '',
  method: 'POST',
  target: '/v1/auth/token/create/fz',
  token: { kind: 'root', header: 'x-vault-token' },
  headers: [],
  body: null,
  mount: 'auth/token/',
  object: 'fz',
  targetId: 'auth/token/create/(?<role_name>x)',
  ...over,
});
const h = (index: number, targetId: string, object: string | null, mount = 'auth/token/'): HistoryEntry => ({ index, method: 'POST', target: '', status: 204, mount, object, targetId, body: '' });
const LOG = (error: string): string => `{"@level":"error","@message":"request failed","status":500,"code":"internal","error":"${error}"}`;

describe('failure grouping', () => {
  it('groups 5xx by the error the server logged, whatever the path or numbers', () => {
    const a = signatureOf('server-error', req(), 500, 'x', LOG('Invalid time value at 123'));
    const b = signatureOf('server-error', req({ mount: 'kv2/', targetId: 'kv2/data' }), 500, 'y', LOG('Invalid time value at 456'));
    assert.equal(a, b);
    assert.notEqual(a, signatureOf('server-error', req(), 500, 'x', LOG('URI malformed')));
  });

  it('groups dropped connections by trick, ignoring the guard remark', () => {
    const a = signatureOf('reset', req({ generator: 'header', note: 'chunked malformed' }), null, '', '');
    const b = signatureOf('reset', req({ generator: 'header', note: 'chunked malformed [guard: no token, x]' }), null, '', '');
    assert.equal(a, b);
  });
});

describe('earlier writes a failure may depend on', () => {
  it('keeps the latest write of each path on the object, old or not, and mount-wide settings', () => {
    const role = h(1, 'auth/token/roles/(?<role_name>x)', 'fz');
    const noise = Array.from({ length: 20 }, (_, i) => h(10 + i, 'auth/token/lookup-self', null));
    const other = h(40, 'auth/token/roles/(?<role_name>x)', 'other');
    const elsewhere = h(41, 'kv2/config', null, 'kv2/');
    const got = relatedHistory([role, ...noise, other, elsewhere], { kind: 'server-error', index: 99, generator: 'duration', request: req(), reason: '', status: 500, serverLog: '' });
    assert.ok(got.includes(role), 'the role written long ago is kept');
    assert.ok(!got.includes(other) && !got.includes(elsewhere));
    assert.ok(got.length <= 14);
  });

  it('lists none for a dropped connection or a routing trick', () => {
    const all = [h(1, 'auth/token/roles/(?<role_name>x)', 'fz')];
    const base = { index: 99, request: req(), reason: '', status: null, serverLog: '' };
    assert.deepEqual(relatedHistory(all, { ...base, kind: 'reset', generator: 'header' }), []);
    assert.deepEqual(relatedHistory(all, { ...base, kind: 'wedged', generator: 'path-trick' }), []);
  });
});
