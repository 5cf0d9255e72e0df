/**
 * Lease-count quotas over a real socket: sys/quotas/lease-count/:name CRUD and LIST, a
 * request under the quota's path refused once its leases reach max_leases (before the
 * backend issues another), the count right after a seal and unseal (restored leases), and
 * bad input answered with Vault's status and text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../../helpers/server.js';
import { leaseLog, startLeaseServer } from '../../helpers/lease-engine.js';

describe('lease-count quotas', () => {
  let s: TestServer;
  before(async () => {
    s = await startLeaseServer();
  });
  after(async () => {
    await s.close();
  });

  it('stores, reads and lists a quota', async () => {
    assert.equal((await api(s, 'PUT', 'sys/quotas/lease-count/dyn-two', { token: s.rootToken, body: { path: 'dyn/', max_leases: 2 } })).status, 204);
    const r = await api(s, 'GET', 'sys/quotas/lease-count/dyn-two', { token: s.rootToken });
    assert.deepEqual(r.body.data, { name: 'dyn-two', type: 'lease-count', path: 'dyn/', max_leases: 2, role: '', inheritable: false });
    assert.deepEqual((await api(s, 'LIST', 'sys/quotas/lease-count', { token: s.rootToken })).body.data.keys, ['dyn-two']);
  });

  it('refuses a request under the path once the leases there reach max_leases, before the backend runs', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken })).status, 200);
    const issued = leaseLog.issued.length;
    const refused = await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken });
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, { errors: ['1 error occurred:\n\t* request path "dyn/creds/app": lease count quota exceeded\n\n'] });
    assert.equal(leaseLog.issued.length, issued, 'the backend issued nothing');
    // Revoking the leases makes room again.
    assert.equal((await api(s, 'PUT', 'sys/leases/revoke-prefix/dyn/', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken })).status, 200);
  });

  it('counts the leases restored after a seal and unseal, and follows revocations from there', async () => {
    // One lease is left from the test above; a second one fills the quota.
    assert.equal((await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken })).status, 200);
    assert.equal((await api(s, 'PUT', 'sys/seal', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: s.unsealKeys[0] } })).status, 200);
    await s.core.active!.expiration.whenRestored();
    assert.equal((await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken })).status, 429, 'the restored leases fill the quota');
    assert.equal((await api(s, 'PUT', 'sys/leases/revoke-prefix/dyn/', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'GET', 'dyn/creds/app', { token: s.rootToken })).status, 200);
  });

  it('answers bad input with Vault\'s status and text, and DELETE lifts the quota', async () => {
    const bad = await api(s, 'PUT', 'sys/quotas/lease-count/bad', { token: s.rootToken, body: { max_leases: 0 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { errors: ["'max_leases' is invalid"] });
    const mount = await api(s, 'PUT', 'sys/quotas/lease-count/bad', { token: s.rootToken, body: { max_leases: 1, path: 'nosuch/' } });
    assert.deepEqual([mount.status, mount.body], [400, { errors: ['invalid mount path "nosuch/"'] }]);
    assert.equal((await api(s, 'DELETE', 'sys/quotas/lease-count/dyn-two', { token: s.rootToken })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/quotas/lease-count/dyn-two', { token: s.rootToken })).status, 404);
  });
});
