import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AuditFormatter } from './formatter.js';
import { hashedJson, hmacValue } from './hash.js';
import type { AuditAuth, AuditEntryInput } from './types.js';

const salt = randomBytes(32);
const h = (s: string): string => hmacValue(salt, s);
const TIME = '2024-05-01T10:00:00.123000000Z';

function auth(): AuditAuth {
  return {
    clientToken: 'hvs.client',
    accessor: 'acc123',
    displayName: 'token',
    policies: ['default', 'dev'],
    tokenPolicies: ['default', 'dev'],
    metadata: { team: 'a' },
    entityId: '',
    tokenType: 'service',
    tokenTtl: 3600,
    tokenIssueTime: '2024-05-01T09:00:00Z',
    policyResults: { allowed: true, grantingPolicies: [{ name: 'dev' }] },
  };
}

function entry(): AuditEntryInput {
  return {
    auth: auth(),
    request: {
      id: 'req-1',
      operation: 'update',
      mountType: 'kv',
      mountAccessor: 'kv_1234abcd',
      mountPoint: 'secret/',
      clientToken: 'hvs.client',
      clientTokenAccessor: 'acc123',
      path: 'secret/app',
      data: { password: 'hunter2', port: 5432, tls: true, none: null, nested: { list: ['a', 1, { deep: 'b' }] } },
      remoteAddress: '127.0.0.1',
      remotePort: 50000,
      wrapTtl: 0,
    },
    response: {
      mountType: 'kv',
      mountAccessor: 'kv_1234abcd',
      secret: { leaseId: 'secret/app/lease1' },
      data: { value: 's3cret', count: 2 },
      warnings: ['careful'],
      wrapInfo: { ttl: 60, token: 'hvs.wrap', accessor: 'wacc', creationTime: TIME, creationPath: 'secret/app', wrappedAccessor: 'inner' },
    },
    error: 'boom',
  };
}

type Rec = Record<string, Record<string, unknown>>;
const parse = (s: string): Rec => JSON.parse(s) as Rec;

describe('hmacValue', () => {
  it('is hmac-sha256 of the string under the salt, hex', () => {
    const want = createHmac('sha256', salt).update('foo').digest('hex');
    assert.equal(hmacValue(salt, 'foo'), `hmac-sha256:${want}`);
    assert.notEqual(hmacValue(randomBytes(32), 'foo'), hmacValue(salt, 'foo'));
  });
});

describe('hashedJson', () => {
  // The reference: JSON.stringify's own output, parsed, with every string leaf hashed.
  const reference = (v: unknown): string => JSON.stringify(JSON.parse(JSON.stringify(v) ?? 'null', (_k, x: unknown) => (typeof x === 'string' ? h(x) : x)));

  it('is JSON.stringify of the value with every string leaf hashed', () => {
    const cases: unknown[] = [
      'plain',
      '',
      42,
      -0.5,
      true,
      null,
      [],
      {},
      ['a', 1, null, undefined, () => 1, { b: 'c' }, [[]]],
      { a: 'x', n: 1, nested: { list: ['y', false, { deep: 'z' }] }, skip: undefined, fn: () => 1, nan: Number.NaN, inf: Infinity },
      { 2: 'two', 1: 'one', b: 'bee', a: 'ay', '10': 'ten' },
      { 'quo"te': 'back\\slash', 'uni\u00e9': 'line\nbreak', emoji: '\ud83d\udd11', lone: '\ud800' },
      { when: new Date(Date.UTC(2024, 4, 1)), custom: { toJSON: () => ({ inner: 'v' }) } },
      JSON.parse('{"__proto__":{"polluted":"yes"},"ok":"fine"}'),
      [1, , 'hole'],
      [-0, 1e21, 5e-7, 0.1 + 0.2, Number.MAX_SAFE_INTEGER, -Infinity, Number.NaN, false],
    ];
    for (const v of cases) assert.equal(hashedJson(v, h, null), reference(v), JSON.stringify(v));
  });

  it('keeps the whole value of a clear key unhashed, at any depth', () => {
    const v = { secret: 'x', ttl: '1h', nested: { ttl: { deep: 'kept' }, other: 'y' } };
    assert.equal(hashedJson(v, h, new Set(['ttl'])), `{"secret":"${h('x')}","ttl":"1h","nested":{"ttl":{"deep":"kept"},"other":"${h('y')}"}}`);
  });

  it('throws on a bigint, as JSON.stringify does', () => {
    assert.throws(() => hashedJson({ big: 1n }, h, null), TypeError);
  });
});

describe('AuditFormatter', () => {
  it('writes a request record with snake_case fields and hashed secrets', () => {
    const rec = parse(new AuditFormatter(salt).format('request', entry(), TIME));
    assert.equal(rec['time'] as unknown, TIME);
    assert.equal(rec['type'] as unknown, 'request');
    assert.equal(rec['response'], undefined);
    assert.equal(rec['error'] as unknown, 'boom');
    const a = rec['auth']!;
    assert.equal(a['client_token'], h('hvs.client'));
    assert.equal(a['accessor'], h('acc123'));
    assert.deepEqual(a['policies'], ['default', 'dev']);
    assert.deepEqual(a['metadata'], { team: 'a' });
    assert.equal(a['token_ttl'], 3600);
    assert.equal(a['token_issue_time'], '2024-05-01T09:00:00Z');
    assert.deepEqual(a['policy_results'], { allowed: true, granting_policies: [{ name: 'dev' }] });
    const r = rec['request']!;
    assert.equal(r['client_token'], h('hvs.client'));
    assert.equal(r['client_token_accessor'], h('acc123'));
    assert.equal(r['path'], 'secret/app');
    assert.equal(r['mount_point'], 'secret/');
    assert.equal(r['remote_address'], '127.0.0.1');
    assert.equal(r['remote_port'], 50000);
    assert.deepEqual(r['namespace'], { id: 'root' });
    assert.deepEqual(r['data'], {
      password: h('hunter2'),
      port: 5432,
      tls: true,
      none: null,
      nested: { list: [h('a'), 1, { deep: h('b') }] },
    });
  });

  it('writes a response record: data, wrap_info hashed; lease id, warnings, error clear', () => {
    const rec = parse(new AuditFormatter(salt).format('response', entry(), TIME));
    assert.equal(rec['type'] as unknown, 'response');
    assert.equal(rec['request']!['client_token'], h('hvs.client'));
    const r = rec['response']!;
    assert.equal(r['mount_type'], 'kv');
    assert.deepEqual(r['secret'], { lease_id: 'secret/app/lease1' });
    assert.deepEqual(r['data'], { value: h('s3cret'), count: 2 });
    assert.deepEqual(r['warnings'], ['careful']);
    assert.deepEqual(r['wrap_info'], {
      token: h('hvs.wrap'),
      accessor: h('wacc'),
      ttl: 60,
      creation_time: TIME,
      creation_path: 'secret/app',
      wrapped_accessor: h('inner'),
    });
    assert.equal(rec['error'] as unknown, 'boom');
  });

  it('hashes the token a login issued (response.auth)', () => {
    const e = entry();
    e.response!.auth = { ...auth(), clientToken: 'hvs.new', accessor: 'newacc' };
    const r = parse(new AuditFormatter(salt).format('response', e, TIME))['response']!;
    const a = r['auth'] as Record<string, unknown>;
    assert.equal(a['client_token'], h('hvs.new'));
    assert.equal(a['accessor'], h('newacc'));
  });

  it('never mutates its input', () => {
    const e = entry();
    const before = JSON.stringify(e);
    const f = new AuditFormatter(salt);
    f.format('request', e, TIME);
    f.format('response', e, TIME);
    assert.equal(JSON.stringify(e), before);
  });

  it('log_raw leaves everything clear', () => {
    const f = new AuditFormatter(salt, { logRaw: true, hmacAccessor: true, elideListResponses: false });
    const rec = parse(f.format('response', entry(), TIME));
    assert.equal(rec['auth']!['client_token'], 'hvs.client');
    assert.equal(rec['request']!['client_token_accessor'], 'acc123');
    assert.equal((rec['request']!['data'] as Record<string, unknown>)['password'], 'hunter2');
    assert.equal((rec['response']!['data'] as Record<string, unknown>)['value'], 's3cret');
    assert.equal((rec['response']!['wrap_info'] as Record<string, unknown>)['token'], 'hvs.wrap');
  });

  it('hmac_accessor=false leaves accessors clear but still hashes tokens', () => {
    const f = new AuditFormatter(salt, { logRaw: false, hmacAccessor: false, elideListResponses: false });
    const rec = parse(f.format('response', entry(), TIME));
    assert.equal(rec['auth']!['accessor'], 'acc123');
    assert.equal(rec['auth']!['client_token'], h('hvs.client'));
    assert.equal(rec['request']!['client_token_accessor'], 'acc123');
    const w = rec['response']!['wrap_info'] as Record<string, unknown>;
    assert.equal(w['accessor'], 'wacc');
    assert.equal(w['wrapped_accessor'], 'inner');
    assert.equal(w['token'], h('hvs.wrap'));
  });

  it('keeps non-HMAC request and response keys clear', () => {
    const e = { ...entry(), nonHmacRequestKeys: ['password'], nonHmacResponseKeys: ['value'] };
    const rec = parse(new AuditFormatter(salt).format('response', e, TIME));
    const req = rec['request']!['data'] as Record<string, unknown>;
    assert.equal(req['password'], 'hunter2');
    assert.deepEqual(req['nested'], { list: [h('a'), 1, { deep: h('b') }] });
    const res = rec['response']!['data'] as Record<string, unknown>;
    assert.equal(res['value'], 's3cret');
  });

  it('elides list keys when elide_list_responses is set', () => {
    const e = entry();
    e.request.operation = 'list';
    e.response!.data = { keys: ['a', 'b', 'c'], key_info: { a: {}, b: {} } };
    const on = new AuditFormatter(salt, { logRaw: false, hmacAccessor: true, elideListResponses: true });
    assert.deepEqual(parse(on.format('response', e, TIME))['response']!['data'], { keys: 3, key_info: 2 });
    const off = parse(new AuditFormatter(salt).format('response', e, TIME))['response']!['data'] as Record<string, unknown>;
    assert.deepEqual(off['keys'], [h('a'), h('b'), h('c')]);
  });

  it('keeps a "__proto__" data key as an ordinary key', () => {
    const e = entry();
    e.request.data = JSON.parse('{"__proto__":{"x":"y"}}') as Record<string, unknown>;
    const line = new AuditFormatter(salt).format('request', e, TIME);
    assert.ok(line.includes(`"__proto__":{"x":"${h('y')}"}`));
  });

  it('omits empty values and auth when there is no token', () => {
    const e = entry();
    e.auth = null;
    e.request.clientToken = '';
    e.request.clientTokenAccessor = '';
    e.request.data = null;
    delete e.error;
    const rec = parse(new AuditFormatter(salt).format('request', e, TIME));
    assert.equal(rec['auth'], undefined);
    assert.equal(rec['error'], undefined);
    assert.equal(rec['request']!['client_token'], undefined);
    assert.equal(rec['request']!['data'], undefined);
  });

  it('describes each request as it is when one token repeats or varies its requests', () => {
    const f = new AuditFormatter(salt);
    const request = (path: string, operation: string, mountAccessor = 'kv_1234abcd'): Record<string, unknown> => {
      const e = entry();
      Object.assign(e.request, { path, operation, mountAccessor, data: null });
      delete e.error;
      return parse(f.format('request', e, TIME))['request']!;
    };
    assert.equal(request('secret/app', 'read')['path'], 'secret/app');
    assert.equal(request('secret/app', 'read')['path'], 'secret/app');
    const other = request('secret/other', 'read');
    assert.equal(other['path'], 'secret/other');
    assert.equal(other['operation'], 'read');
    assert.equal(request('secret/other', 'delete')['operation'], 'delete');
    assert.equal(request('secret/other', 'delete', 'kv_99')['mount_accessor'], 'kv_99');
  });

  it('describes a shared response record with the mount that served it', () => {
    const f = new AuditFormatter(salt);
    const shared = Object.freeze({ value: 's3cret' });
    const response = (mountAccessor: string): Record<string, unknown> => {
      const e = entry();
      e.response = { mountType: 'kv', mountAccessor, data: shared };
      return parse(f.format('response', e, TIME))['response']!;
    };
    assert.deepEqual(response('kv_a'), { mount_type: 'kv', mount_accessor: 'kv_a', data: { value: h('s3cret') } });
    assert.deepEqual(response('kv_a'), { mount_type: 'kv', mount_accessor: 'kv_a', data: { value: h('s3cret') } });
    assert.deepEqual(response('kv_b'), { mount_type: 'kv', mount_accessor: 'kv_b', data: { value: h('s3cret') } });
  });
});
