import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionsChanged, secretDataFromKv, secretMac, setCondition, type Condition } from './secret-data.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('KV data becomes one key per field (strings as-is, others as JSON) plus _raw', () => {
  const v2 = { data: { username: 'u', port: 5432, nested: { a: true } }, metadata: { version: 3 } };
  assert.deepEqual(secretDataFromKv('kv-v2', v2), {
    username: b64('u'), port: b64('5432'), nested: b64('{"a":true}'), _raw: b64(JSON.stringify(v2)),
  });
  const v1 = { password: 'p' };
  assert.deepEqual(secretDataFromKv('kv-v1', v1), { password: b64('p'), _raw: b64('{"password":"p"}') });
});

test('a KV field named _raw is an error; so is a KV v2 answer without data', () => {
  assert.throws(() => secretDataFromKv('kv-v1', { _raw: 'x' }), { message: 'the secret data has a field named "_raw", which is reserved for the raw response' });
  assert.throws(() => secretDataFromKv('kv-v2', { data: null, metadata: { deletion_time: 'x' } }), { message: 'the KV v2 secret has no data (deleted or destroyed version)' });
});

test('the MAC depends on the data only (not key order), and never contains it', () => {
  const key = Buffer.alloc(32, 7);
  const a = secretMac(key, { a: b64('1'), b: b64('2') });
  assert.equal(a, secretMac(key, { b: b64('2'), a: b64('1') }));
  assert.notEqual(a, secretMac(key, { a: b64('1'), b: b64('3') }));
  assert.notEqual(a, secretMac(Buffer.alloc(32, 8), { a: b64('1'), b: b64('2') }));
  assert.match(a, /^[A-Za-z0-9+/]{43}=$/);
  assert.equal(secretMac(key, {}), secretMac(key, undefined));
});

test('setCondition keeps lastTransitionTime unless the status flips', () => {
  const t0 = '2026-01-01T00:00:00Z';
  const t1 = '2026-01-02T00:00:00Z';
  let cs: Condition[] = [];
  cs = setCondition(cs, { type: 'Ready', status: 'True', reason: 'Synced', message: 'ok', observedGeneration: 1 }, t0);
  const same = setCondition(cs, { type: 'Ready', status: 'True', reason: 'Synced', message: 'ok', observedGeneration: 1 }, t1);
  assert.equal(same[0]?.lastTransitionTime, t0);
  assert.equal(conditionsChanged(cs, same), false);
  const flipped = setCondition(cs, { type: 'Ready', status: 'False', reason: 'Bad', message: 'no', observedGeneration: 2 }, t1);
  assert.deepEqual(flipped, [{ type: 'Ready', status: 'False', reason: 'Bad', message: 'no', observedGeneration: 2, lastTransitionTime: t1 }]);
  assert.equal(conditionsChanged(cs, flipped), true);
});
