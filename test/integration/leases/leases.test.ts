/**
 * Leases as a client sees them, using a tiny dynamic-secret engine mounted at `dyn/`
 * (test/helpers/lease-engine.ts): ids, lookup, renew, revoke, prefixes, token
 * revocation cascading to leases, and expiry on time.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, type TestServer } from '../../helpers/server.js';
import { leaseLog, startLeaseServer, tempDbPath } from '../../helpers/lease-engine.js';
import { FakeClock, runDueExpiries } from '../../helpers/clock.js';
import { waitFor } from '../../helpers/wait.js';
import { errText } from '../../helpers/errors.js';


describe('leases over HTTP', () => {
  let s: TestServer;
  let root = '';
  // Expiry tests move this clock instead of sleeping past a TTL.
  const clock = new FakeClock(Date.now());
  const creds = async (role: string, token = root) => {
    const r = await api(s, 'GET', `dyn/creds/${role}`, { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    s = await startLeaseServer({ clock });
    root = s.rootToken;
  });
  after(async () => {
    await s.close();
  });

  it('a dynamic secret carries lease_id <path>/<24 base62>, lease_duration, renewable', async () => {
    const b = await creds('app');
    assert.match(b.lease_id, /^dyn\/creds\/app\/[A-Za-z0-9]{24}$/);
    assert.equal(b.lease_duration, 60);
    assert.equal(b.renewable, true);
    assert.equal(b.data.username, leaseLog.issued.at(-1));
    assert.equal(b.mount_type, 'leasetest');
    const f = await creds('fixed');
    assert.equal(f.renewable, false);
  });

  it('sys/leases/lookup: id, issue_time, expire_time, last_renewal null, renewable, ttl', async () => {
    const b = await creds('app');
    const r = await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: b.lease_id } });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.id, b.lease_id);
    assert.equal(r.body.data.renewable, true);
    assert.equal(r.body.data.last_renewal, null);
    assert.ok(r.body.data.ttl > 55 && r.body.data.ttl <= 60);
    const span = Date.parse(r.body.data.expire_time) - Date.parse(r.body.data.issue_time);
    assert.ok(Math.abs(span - 60000) < 1500, String(span));
    const bad = await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: 'dyn/creds/app/nope' } });
    assert.equal(bad.status, 400);
    assert.ok(errText(bad).includes('invalid lease ID'), errText(bad));
  });

  it('renew: increment honoured, capped at max with a warning, non-renewable refused', async () => {
    const b = await creds('app');
    const r = await api(s, 'PUT', 'sys/leases/renew', { token: root, body: { lease_id: b.lease_id, increment: 90 } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.lease_id, b.lease_id);
    assert.equal(r.body.renewable, true);
    assert.equal(r.body.lease_duration, 90);
    assert.ok(leaseLog.renewed.includes(b.data.username), 'backend renew was called');
    const lk = await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: b.lease_id } });
    assert.notEqual(lk.body.data.last_renewal, null);
    const capped = await api(s, 'PUT', 'sys/leases/renew', { token: root, body: { lease_id: b.lease_id, increment: '1h' } });
    assert.equal(capped.status, 200);
    assert.ok(capped.body.lease_duration <= 120 && capped.body.lease_duration >= 115, String(capped.body.lease_duration));
    assert.ok((capped.body.warnings ?? []).some((w: string) => w.includes('exceeded the effective max_ttl')), JSON.stringify(capped.body.warnings));
    const f = await creds('fixed');
    const nr = await api(s, 'PUT', 'sys/leases/renew', { token: root, body: { lease_id: f.lease_id } });
    assert.equal(nr.status, 400);
    assert.ok(errText(nr).includes('lease is not renewable'));
    const unknown = await api(s, 'PUT', 'sys/leases/renew', { token: root, body: { lease_id: 'dyn/creds/app/zzz' } });
    assert.equal(unknown.status, 400);
  });

  it('renew with the lease id in the URL; body wins; legacy sys/renew', async () => {
    const b = await creds('app');
    const u = await api(s, 'PUT', `sys/leases/renew/${b.lease_id}`, { token: root, body: { increment: 30 } });
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.equal(u.body.lease_duration, 30);
    const legacy = await api(s, 'PUT', 'sys/renew', { token: root, body: { lease_id: b.lease_id, increment: 40 } });
    assert.equal(legacy.status, 200);
    assert.equal(legacy.body.lease_duration, 40);
    const legacyUrl = await api(s, 'PUT', `sys/renew/${b.lease_id}`, { token: root, body: { increment: 45 } });
    assert.equal(legacyUrl.body.lease_duration, 45);
  });

  it('token leases cannot be renewed through sys/leases/renew', async () => {
    const r = await api(s, 'PUT', 'sys/leases/renew', { token: root, body: { lease_id: 'auth/token/create/abcdef' } });
    assert.equal(r.status, 400);
    assert.ok(errText(r).includes('tokens cannot be renewed through this endpoint'));
  });

  it('revoke (new and legacy, body and URL): backend revoke called, lease gone', async () => {
    const a = await creds('app');
    assert.equal((await api(s, 'PUT', 'sys/leases/revoke', { token: root, body: { lease_id: a.lease_id } })).status, 204);
    assert.ok(leaseLog.revoked.includes(a.data.username));
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: a.lease_id } })).status, 400);
    const b = await creds('app');
    assert.equal((await api(s, 'PUT', 'sys/revoke', { token: root, body: { lease_id: b.lease_id } })).status, 204);
    assert.ok(leaseLog.revoked.includes(b.data.username));
    const c = await creds('app');
    assert.equal((await api(s, 'PUT', `sys/revoke/${c.lease_id}`, { token: root })).status, 204);
    assert.ok(leaseLog.revoked.includes(c.data.username));
  });

  it('LIST sys/leases/lookup/<prefix>/ (sudo)', async () => {
    const a = await creds('listme');
    const b = await creds('listme');
    const l = await api(s, 'LIST', 'sys/leases/lookup/dyn/creds/listme/', { token: root });
    assert.equal(l.status, 200, JSON.stringify(l.body));
    const ids = [a.lease_id, b.lease_id].map((x: string) => x.split('/').at(-1));
    assert.deepEqual([...l.body.data.keys].sort(), ids.sort());
    const up = await api(s, 'LIST', 'sys/leases/lookup/dyn/creds/', { token: root });
    assert.ok(up.body.data.keys.includes('listme/'), JSON.stringify(up.body.data.keys));
    assert.equal((await api(s, 'GET', 'sys/leases/lookup/dyn/creds/listme/?list=true', { token: root })).status, 200);
    await api(s, 'PUT', 'sys/policies/acl/leaselist', { token: root, body: { policy: 'path "sys/leases/lookup/*" { capabilities = ["list"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['leaselist'] } })).body.auth.client_token;
    assert.equal((await api(s, 'LIST', 'sys/leases/lookup/dyn/creds/listme/', { token: t })).status, 403);
    const empty = await api(s, 'LIST', 'sys/leases/lookup/dyn/creds/none/', { token: root });
    assert.equal(empty.status, 404);
  });

  it('revoke-prefix needs sudo and revokes everything under the prefix', async () => {
    const a = await creds('pfx');
    const b = await creds('pfx');
    const keep = await creds('other');
    await api(s, 'PUT', 'sys/policies/acl/rp', { token: root, body: { policy: 'path "sys/leases/revoke-prefix/*" { capabilities = ["update"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['rp'] } })).body.auth.client_token;
    const denied = await api(s, 'PUT', 'sys/leases/revoke-prefix/dyn/creds/pfx', { token: t });
    assert.equal(denied.status, 403);
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: a.lease_id } })).status, 200);
    assert.equal((await api(s, 'PUT', 'sys/leases/revoke-prefix/dyn/creds/pfx', { token: root })).status, 204);
    for (const x of [a, b]) {
      assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: x.lease_id } })).status, 400);
      assert.ok(leaseLog.revoked.includes(x.data.username));
    }
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: keep.lease_id } })).status, 200);
    const c = await creds('pfx2');
    assert.equal((await api(s, 'PUT', 'sys/revoke-prefix/dyn/creds/pfx2', { token: root })).status, 204);
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: c.lease_id } })).status, 400);
    const d = await creds('pfx3');
    assert.equal((await api(s, 'PUT', 'sys/leases/revoke-force/dyn/creds/pfx3', { token: root })).status, 204);
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: d.lease_id } })).status, 400);
  });

  it("revoking a token revokes its leases and its children's leases", async () => {
    await api(s, 'PUT', 'sys/policies/acl/dyn', { token: root, body: { policy: 'path "dyn/*" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }' } });
    const parent = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['dyn'] } })).body.auth.client_token;
    const child = (await api(s, 'POST', 'auth/token/create', { token: parent, body: { policies: ['dyn'] } })).body.auth.client_token;
    const orphan = (await api(s, 'POST', 'auth/token/create-orphan', { token: root, body: { policies: ['dyn'] } })).body.auth.client_token;
    const pl = await creds('tok', parent);
    const cl = await creds('tok', child);
    const ol = await creds('tok', orphan);
    assert.equal((await api(s, 'POST', 'auth/token/revoke', { token: root, body: { token: parent } })).status, 204);
    for (const x of [pl, cl]) {
      assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: x.lease_id } })).status, 400, x.lease_id);
      assert.ok(leaseLog.revoked.includes(x.data.username), x.data.username);
    }
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: ol.lease_id } })).status, 200);
    assert.ok(!leaseLog.revoked.includes(ol.data.username));
  });

  it('num_uses exhaustion revokes the token and its leases', async () => {
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['dyn'], num_uses: 1 } })).body.auth.client_token;
    const l = await creds('once', t);
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: l.lease_id } })).status, 400);
    assert.ok(leaseLog.revoked.includes(l.data.username));
  });

  it('a lease expires on time and the backend revoke is called', async () => {
    const b = await creds('short');
    assert.equal(b.lease_duration, 2);
    clock.advance(1);
    await runDueExpiries(s);
    assert.ok(!leaseLog.revoked.includes(b.data.username), 'not before its TTL');
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: b.lease_id } })).status, 200);
    clock.advance(1);
    await runDueExpiries(s);
    assert.ok(leaseLog.revoked.includes(b.data.username), 'revoked by expiry');
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: b.lease_id } })).status, 400);
  });

  it('a token expiring revokes its leases', async () => {
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['dyn'], ttl: '2s' } })).body.auth.client_token;
    const l = await creds('exp', t);
    assert.equal(l.lease_duration, 60, 'a lease is not capped by its token; it dies with it');
    clock.advance(1);
    await runDueExpiries(s);
    assert.ok(!leaseLog.revoked.includes(l.data.username), 'the token is still alive');
    clock.advance(1);
    await runDueExpiries(s);
    assert.ok(leaseLog.revoked.includes(l.data.username));
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 403);
  });

  it('sys/leases/tidy → 202', async () => {
    const r = await api(s, 'PUT', 'sys/leases/tidy', { token: root });
    assert.equal(r.status, 202);
    assert.ok(r.body.warnings.length > 0);
  });

  it('disabling the mount revokes its leases', async () => {
    const b = await creds('unmount');
    assert.equal((await api(s, 'DELETE', 'sys/mounts/dyn', { token: root })).status, 204);
    assert.ok(leaseLog.revoked.includes(b.data.username));
    assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: b.lease_id } })).status, 400);
  });
});

describe('leases across restart and seal', () => {
  it('a short lease made before a restart expires on time after it; a long one survives', { timeout: 30_000 }, async () => {
    const db = tempDbPath();
    const clock = new FakeClock(Date.now());
    let s = await startLeaseServer({ sqlitePath: db.path, clock });
    try {
      const root = s.rootToken;
      const key = s.unsealKeys[0] as string;
      const short = (await api(s, 'GET', 'dyn/creds/short', { token: root })).body;
      const long = (await api(s, 'GET', 'dyn/creds/app', { token: root })).body;
      await s.close();
      s = await startLeaseServer({ sqlitePath: db.path, dev: false, clock });
      assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
      const lk = await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: long.lease_id } });
      assert.equal(lk.status, 200);
      assert.equal(lk.body.data.id, long.lease_id);
      await runDueExpiries(s);
      assert.ok(!leaseLog.revoked.includes(short.data.username), 'not before its TTL');
      clock.advance(2);
      await runDueExpiries(s);
      assert.ok(leaseLog.revoked.includes(short.data.username), 'expired after restart; backend revoke called');
      assert.equal((await api(s, 'PUT', 'sys/leases/lookup', { token: root, body: { lease_id: short.lease_id } })).status, 400);
      assert.equal((await api(s, 'PUT', 'sys/leases/renew', { token: root, body: { lease_id: long.lease_id, increment: 30 } })).status, 200);
    } finally {
      await s.close();
      db.cleanup();
    }
  });

  it('a lease that expires while sealed is revoked after unseal', { timeout: 30_000 }, async () => {
    const clock = new FakeClock(Date.now());
    const s = await startLeaseServer({ clock });
    try {
      const root = s.rootToken;
      const short = (await api(s, 'GET', 'dyn/creds/short', { token: root })).body;
      assert.equal((await api(s, 'PUT', 'sys/seal', { token: root })).status, 204);
      clock.advance(3);
      assert.equal(s.core.active, null, 'sealed: no expiration manager runs');
      assert.ok(!leaseLog.revoked.includes(short.data.username), 'nothing runs while sealed');
      assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key: s.unsealKeys[0] } })).body.sealed, false);
      // No tick from the test: restoring the index after unseal fires the overdue lease by itself.
      await waitFor('the overdue lease revoked after unseal', () => leaseLog.revoked.includes(short.data.username), { timeoutMs: 10_000 });
    } finally {
      await s.close();
    }
  });

  it('remounting a dynamic engine revokes its leases (their ids embed the old path)', async () => {
    const s = await startLeaseServer();
    try {
      const root = s.rootToken;
      const l = (await api(s, 'GET', 'dyn/creds/app', { token: root })).body;
      const r = await api(s, 'POST', 'sys/remount', { token: root, body: { from: 'dyn', to: 'dyn2' } });
      assert.equal(r.status, 200);
      assert.ok(leaseLog.revoked.includes(l.data.username));
      const n = await api(s, 'GET', 'dyn2/creds/app', { token: root });
      assert.match(n.body.lease_id, /^dyn2\/creds\/app\//);
      assert.equal((await api(s, 'GET', 'dyn/creds/app', { token: root })).status, 404);
    } finally {
      await s.close();
    }
  });
});
