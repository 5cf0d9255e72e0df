import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uuid } from '../../lib/ids.js';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { harness } from '../expiration/testing.js';
import { leasePaths, LEASE_TIDY_WARNING, type LeaseRenewResponse } from './paths-leases.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { SYS_MOUNT, testRequest } from '../../sdk/testing.js';

function sys() {
  const h = harness();
  const backend = defineBackend({ type: 'system', kind: 'secret', paths: leasePaths(h.exp) });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}) =>
    backend.handleRequest(testRequest(new InmemStorage(), operation, path, data, { ...SYS_MOUNT, id: uuid(), clientToken: 'hvs.root' }));
  const lease = (path = 'db/creds/ro', ttl = 600) =>
    h.exp.registerSecret({ path, secret: { type: 'creds', ttl, maxTtl: 0, renewable: true, internalData: { username: path } }, tokenKey: 'tk', mountPoint: 'db/', defaultTtl: 600, maxTtl: 3600 });
  return { h, call, lease };
}

const is400 = (message: string) => isWardError(400, message);

test('sys/leases/lookup and LIST sys/leases/lookup/<prefix>', async () => {
  const { h, call, lease } = sys();
  const l = await lease();
  await lease('db/creds/rw');
  const res = await call('update', 'leases/lookup', { lease_id: l.leaseId });
  assert.equal(res?.data?.id, l.leaseId);
  assert.equal(res?.data?.ttl, 600);
  assert.equal(res?.data?.renewable, true);
  assert.deepEqual((await call('list', 'leases/lookup/db/creds/'))?.data?.keys, ['ro/', 'rw/']);
  assert.deepEqual((await call('list', 'leases/lookup/'))?.data?.keys, ['db/']);
  assert.deepEqual((await call('list', 'leases/lookup/db/creds/ro/'))?.data?.keys, [l.leaseId.split('/').pop()]);
  await assert.rejects(call('update', 'leases/lookup', { lease_id: 'db/creds/ro/x' }), is400('invalid lease ID'));
  await assert.rejects(call('update', 'leases/lookup', {}), is400('lease_id must be specified'));
  h.exp.stop();
});

test('sys/leases/renew: body lease_id wins over the URL; lease info for the envelope; legacy path', async () => {
  const { h, call, lease } = sys();
  const l = await lease();
  const res = (await call('update', 'leases/renew/db/creds/ro/bogus', { lease_id: l.leaseId, increment: '20m' })) as LeaseRenewResponse;
  assert.deepEqual(res.lease, { leaseId: l.leaseId, ttl: 1200, renewable: true });
  assert.deepEqual(res.data, { renewed: true });
  const legacy = (await call('update', `renew/${l.leaseId}`, { increment: 60 })) as LeaseRenewResponse;
  assert.equal(legacy.lease.ttl, 60);
  await assert.rejects(call('update', 'leases/renew', { lease_id: 'auth/token/create/abc' }), is400('tokens cannot be renewed through this endpoint'));
  await assert.rejects(call('update', 'leases/renew', { lease_id: 'db/creds/ro/unknown' }), is400('lease not found'));
  h.exp.stop();
});

test('sys/leases/revoke (sync default true), revoke-prefix, revoke-force and legacy routes', async () => {
  const { h, call, lease } = sys();
  const a = await lease();
  assert.equal(await call('update', 'leases/revoke', { lease_id: a.leaseId }), null);
  assert.deepEqual(h.engine.revoked, ['db/creds/ro']);
  const b = await lease();
  await call('update', `revoke/${b.leaseId}`);
  assert.equal(h.engine.revoked.length, 2);
  for (let i = 0; i < 5; i++) await lease('db/creds/rw');
  await call('update', 'leases/revoke-prefix/db/creds/rw');
  assert.equal(h.engine.revoked.length, 7);
  const stuck = await lease('db/creds/x');
  h.engine.failRevokes = 10;
  await assert.rejects(call('update', 'revoke-prefix/db/creds/x'), isWardError(500));
  assert.notEqual(await h.exp.record(stuck.leaseId), null);
  await call('update', 'leases/revoke-force/db/creds/x');
  assert.equal(await h.exp.record(stuck.leaseId), null);
  const later = await lease();
  await call('update', 'leases/revoke', { lease_id: later.leaseId, sync: false });
  assert.notEqual(await h.exp.record(later.leaseId), null);
  h.engine.failRevokes = 0;
  await h.exp.tick();
  assert.equal(await h.exp.record(later.leaseId), null);
  h.exp.stop();
});

test('sys/leases/tidy answers 202 with a warning', async () => {
  const { h, call } = sys();
  const res = await call('update', 'leases/tidy');
  assert.equal(res?.status, 202);
  assert.deepEqual(res?.warnings, [LEASE_TIDY_WARNING]);
  await h.exp.tidy();
  h.exp.stop();
});
