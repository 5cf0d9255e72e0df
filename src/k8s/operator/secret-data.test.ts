import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionsChanged, kvFields, secretMac, setCondition, type Condition } from './secret-data.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('the fields of a KV answer: v1 as is, v2 its data.data; a KV v2 answer without data is an error', () => {
  assert.deepEqual(kvFields('kv-v2', { data: { username: 'u' }, metadata: { version: 3 } }), { username: 'u' });
  assert.deepEqual(kvFields('kv-v1', { password: 'p' }), { password: 'p' });
  assert.throws(() => kvFields('kv-v2', { data: null, metadata: { deletion_time: 'x' } }), { message: 'the KV v2 secret has no data (deleted or destroyed version)' });
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
