/**
 * The token auth method over HTTP: create rules, lookups, renewals with capping, revoke
 * trees, batch tokens, roles, accessors and tidy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';
import { FakeClock, runDueExpiries } from '../../helpers/clock.js';

const AUTH_KEYS = ['client_token', 'accessor', 'policies', 'token_policies', 'metadata', 'lease_duration', 'renewable', 'entity_id', 'token_type', 'orphan', 'mfa_requirement', 'num_uses'];

describe('auth/token over HTTP', () => {
  let s: TestServer;
  let root = '';
  // The expiry test moves this clock instead of sleeping past a TTL.
  const clock = new FakeClock(Date.now());
  const create = async (body: Record<string, unknown>, token = root, path = 'auth/token/create') => api(s, 'POST', path, { token, body });

  before(async () => {
    s = await startTestServer({ clock });
    root = s.rootToken;
    await api(s, 'PUT', 'sys/policies/acl/p1', { token: root, body: { policy: 'path "secret/data/p1/*" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }' } });
    await api(s, 'PUT', 'sys/policies/acl/p2', { token: root, body: { policy: 'path "secret/data/p2/*" { capabilities = ["read"] }' } });
    await api(s, 'POST', 'secret/data/p1/x', { token: root, body: { data: { v: '1' } } });
  });
  after(async () => {
    await s.close();
  });

  it('create returns a full auth block, data null, hvs. token, 24-char accessor', async () => {
    const r = await create({ policies: ['p1'], meta: { who: 'me' }, display_name: 'Build Bot!' });
    assert.equal(r.status, 200);
    assert.equal(r.body.data, null);
    for (const k of AUTH_KEYS) assert.ok(k in r.body.auth, `auth.${k}`);
    assert.match(r.body.auth.client_token, /^hvs\.[A-Za-z0-9_-]{24,}$/);
    assert.match(r.body.auth.accessor, /^[A-Za-z0-9]{24}$/);
    assert.deepEqual(r.body.auth.policies, ['default', 'p1']);
    assert.deepEqual(r.body.auth.token_policies, ['default', 'p1']);
    assert.deepEqual(r.body.auth.metadata, { who: 'me' });
    assert.equal(r.body.auth.lease_duration, 2764800);
    assert.equal(r.body.auth.renewable, true);
    assert.equal(r.body.auth.token_type, 'service');
    assert.equal(r.body.auth.orphan, false);
    const l = await api(s, 'GET', 'auth/token/lookup-self', { token: r.body.auth.client_token });
    assert.equal(l.status, 200);
    assert.equal(l.body.data.display_name, 'token-Build-Bot');
    assert.equal(l.body.data.path, 'auth/token/create');
    assert.equal(l.body.data.id, r.body.auth.client_token);
    assert.equal(l.body.data.accessor, r.body.auth.accessor);
    assert.equal(l.body.data.type, 'service');
    assert.ok(l.body.data.ttl > 2764790 && l.body.data.ttl <= 2764800);
    assert.ok(typeof l.body.data.expire_time === 'string');
  });

  it('unknown policy → warning; policies subset rule for non-root callers', async () => {
    const w = await create({ policies: ['no-such-policy'] });
    assert.equal(w.status, 200);
    assert.ok((w.body.warnings ?? []).some((x: string) => x.includes('Policy "no-such-policy" does not exist')), JSON.stringify(w.body.warnings));
    const parent = (await create({ policies: ['p1'] })).body.auth.client_token;
    const ok = await create({ policies: ['p1'] }, parent);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const inherit = await create({}, parent);
    assert.deepEqual(inherit.body.auth.policies, ['default', 'p1']);
    const bad = await create({ policies: ['p2'] }, parent);
    assert.equal(bad.status, 400);
    assert.ok(errText(bad).includes('child policies must be subset of parent'));
    const rootChild = await create({ policies: ['root'] }, parent);
    assert.equal(rootChild.status, 400);
    const orphan = await create({ no_parent: true }, parent);
    assert.equal(orphan.status, 400);
    assert.ok(errText(orphan).includes('root or sudo privileges required to create orphan token'));
    const period = await create({ period: '1h' }, parent);
    assert.equal(period.status, 400);
  });

  it('orphan, no_default_policy, ttl / explicit_max_ttl / period', async () => {
    const o = await create({ no_parent: true, policies: ['p1'] });
    assert.equal(o.body.auth.orphan, true);
    const o2 = await create({ policies: ['p1'] }, root, 'auth/token/create-orphan');
    assert.equal(o2.body.auth.orphan, true);
    const nd = await create({ policies: ['p1'], no_default_policy: true });
    assert.deepEqual(nd.body.auth.policies, ['p1']);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: nd.body.auth.client_token })).status, 403, 'no default policy → no lookup-self');
    const ttl = await create({ ttl: '1h', explicit_max_ttl: '2h' });
    assert.equal(ttl.body.auth.lease_duration, 3600);
    const capped = await create({ ttl: '3h', explicit_max_ttl: '2h' });
    assert.equal(capped.body.auth.lease_duration, 7200);
    const per = await create({ period: '30m' });
    assert.equal(per.body.auth.lease_duration, 1800);
    const lk = await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: per.body.auth.client_token } });
    assert.equal(lk.body.data.period, 1800);
    assert.equal((await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: ttl.body.auth.client_token } })).body.data.explicit_max_ttl, 7200);
  });

  it('num_uses: a 2-use token works twice then 403', async () => {
    const t = (await create({ policies: ['p1'], num_uses: 2 })).body.auth.client_token;
    const a = await api(s, 'GET', 'secret/data/p1/x', { token: t });
    assert.equal(a.status, 200);
    const b = await api(s, 'GET', 'secret/data/p1/x', { token: t });
    assert.equal(b.status, 200);
    const c = await api(s, 'GET', 'secret/data/p1/x', { token: t });
    assert.equal(c.status, 403);
    assert.ok(errText(c).includes('permission denied'));
    const lk = await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: t } });
    assert.equal(lk.status, 403, 'an exhausted token is gone (Vault: 403 bad token)');
  });

  it('num_uses is counted by lookups too and shown as remaining', async () => {
    const t = (await create({ num_uses: 3 })).body.auth.client_token;
    const lk = await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: t } });
    assert.equal(lk.body.data.num_uses, 3);
    const self = await api(s, 'GET', 'auth/token/lookup-self', { token: t });
    assert.equal(self.status, 200);
    const lk2 = await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: t } });
    assert.equal(lk2.body.data.num_uses, 2);
  });

  it('lookup, lookup-accessor (id hidden), GET lookup legacy', async () => {
    const cr = (await create({ policies: ['p1'] })).body.auth;
    const byAcc = await api(s, 'POST', 'auth/token/lookup-accessor', { token: root, body: { accessor: cr.accessor } });
    assert.equal(byAcc.status, 200);
    assert.equal(byAcc.body.data.id, '');
    assert.equal(byAcc.body.data.accessor, cr.accessor);
    assert.deepEqual(byAcc.body.data.policies, ['default', 'p1']);
    const bad = await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: 'hvs.doesnotexistdoesnotexist' } });
    assert.equal(bad.status, 403);
    assert.ok(errText(bad).includes('bad token'));
    const rootLk = await api(s, 'GET', 'auth/token/lookup-self', { token: root });
    assert.equal(rootLk.body.data.ttl, 0);
    assert.equal(rootLk.body.data.expire_time, null);
  });

  it('renew, renew-self, renew-accessor, capping warning and non-renewable', async () => {
    const t = (await create({ ttl: '10m', explicit_max_ttl: '1h' })).body.auth;
    const r1 = await api(s, 'POST', 'auth/token/renew-self', { token: t.client_token, body: { increment: '30m' } });
    assert.equal(r1.status, 200);
    assert.equal(r1.body.auth.lease_duration, 1800);
    assert.equal(r1.body.auth.client_token, t.client_token);
    const r2 = await api(s, 'POST', 'auth/token/renew', { token: root, body: { token: t.client_token, increment: '2h' } });
    assert.equal(r2.status, 200);
    assert.ok(r2.body.auth.lease_duration <= 3600 && r2.body.auth.lease_duration > 3590, String(r2.body.auth.lease_duration));
    assert.ok((r2.body.warnings ?? []).some((w: string) => w.includes('exceeded the effective max_ttl')), JSON.stringify(r2.body.warnings));
    const r3 = await api(s, 'POST', 'auth/token/renew-accessor', { token: root, body: { accessor: t.accessor, increment: 60 } });
    assert.equal(r3.status, 200);
    assert.equal(r3.body.auth.client_token, '');
    assert.equal(r3.body.auth.lease_duration, 60);
    const nr = (await create({ renewable: false, ttl: '10m' })).body.auth;
    assert.equal(nr.renewable, false);
    const r4 = await api(s, 'POST', 'auth/token/renew-self', { token: nr.client_token });
    assert.equal(r4.status, 400);
    assert.ok(errText(r4).includes('lease is not renewable'), errText(r4));
    const per = (await create({ period: '20m' })).body.auth;
    const r5 = await api(s, 'POST', 'auth/token/renew-self', { token: per.client_token, body: { increment: '5h' } });
    assert.equal(r5.body.auth.lease_duration, 1200, 'periodic tokens renew to their period');
  });

  it('revoke trees: child and its leases gone, orphan survives; revoke-orphan keeps children', async () => {
    const parent = (await create({ policies: ['p1'] })).body.auth.client_token;
    const child = (await create({ policies: ['p1'] }, parent)).body.auth.client_token;
    const grandchild = (await create({}, child)).body.auth.client_token;
    const orphan = (await create({ no_parent: true, policies: ['p1'] })).body.auth.client_token;
    await api(s, 'PUT', 'cubbyhole/keep', { token: child, body: { x: '1' } });
    assert.equal((await api(s, 'POST', 'auth/token/revoke', { token: root, body: { token: parent } })).status, 204);
    for (const t of [parent, child, grandchild]) {
      const r = await api(s, 'GET', 'auth/token/lookup-self', { token: t });
      assert.equal(r.status, 403);
    }
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: orphan })).status, 200);

    const p2 = (await create({ policies: ['p1'] })).body.auth.client_token;
    const c2 = (await create({}, p2)).body.auth.client_token;
    const ro = await api(s, 'POST', 'auth/token/revoke-orphan', { token: root, body: { token: p2 } });
    assert.equal(ro.status, 204);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: p2 })).status, 403);
    const c2l = await api(s, 'GET', 'auth/token/lookup-self', { token: c2 });
    assert.equal(c2l.status, 200);
    assert.equal(c2l.body.data.orphan, true);

    const self = (await create({})).body.auth.client_token;
    assert.equal((await api(s, 'POST', 'auth/token/revoke-self', { token: self })).status, 204);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: self })).status, 403);
    const byAcc = (await create({})).body.auth;
    assert.equal((await api(s, 'POST', 'auth/token/revoke-accessor', { token: root, body: { accessor: byAcc.accessor } })).status, 204);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: byAcc.client_token })).status, 403);
  });

  it('revoke-orphan needs root or sudo', async () => {
    const p = (await create({ policies: ['p1'] })).body.auth.client_token;
    const victim = (await create({})).body.auth.client_token;
    await api(s, 'PUT', 'sys/policies/acl/ro', { token: root, body: { policy: 'path "auth/token/revoke-orphan" { capabilities = ["update"] }' } });
    const t = (await create({ policies: ['ro'] })).body.auth.client_token;
    const r = await api(s, 'POST', 'auth/token/revoke-orphan', { token: t, body: { token: victim } });
    assert.equal(r.status, 403);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: victim })).status, 200);
    void p;
  });

  it('batch tokens: hvb., no accessor, not renewable, cannot create children, not revocable', async () => {
    const b = await create({ type: 'batch', policies: ['p1'], ttl: '10m' });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const t = b.body.auth.client_token;
    assert.match(t, /^hvb\./);
    assert.equal(b.body.auth.accessor, '');
    assert.equal(b.body.auth.token_type, 'batch');
    assert.equal(b.body.auth.renewable, false);
    assert.equal((await api(s, 'GET', 'secret/data/p1/x', { token: t })).status, 200);
    const self = await api(s, 'GET', 'auth/token/lookup-self', { token: t });
    assert.equal(self.status, 200);
    assert.equal(self.body.data.type, 'batch');
    assert.equal((await api(s, 'POST', 'auth/token/renew-self', { token: t })).status, 400);
    assert.equal((await create({}, t)).status, 400);
    assert.equal((await create({ type: 'batch', num_uses: 3 })).status, 400);
    assert.equal((await create({ type: 'batch', period: '1h' })).status, 400);
    assert.equal((await api(s, 'PUT', 'cubbyhole/x', { token: t, body: { a: 'b' } })).status >= 400, true, 'batch tokens have no cubbyhole');
    // Tampered batch token → 403.
    const tampered = `${t.slice(0, -4)}AAAA`;
    assert.equal((await api(s, 'GET', 'secret/data/p1/x', { token: tampered })).status, 403);
  });

  it('a batch child of a service parent dies with the parent', async () => {
    const parent = (await create({ policies: ['p1'] })).body.auth.client_token;
    const b = (await create({ type: 'batch', policies: ['p1'] }, parent)).body.auth.client_token;
    assert.equal((await api(s, 'GET', 'secret/data/p1/x', { token: b })).status, 200);
    await api(s, 'POST', 'auth/token/revoke', { token: root, body: { token: parent } });
    assert.equal((await api(s, 'GET', 'secret/data/p1/x', { token: b })).status, 403);
  });

  it('roles: CRUD, LIST, create against a role', async () => {
    const w = await api(s, 'POST', 'auth/token/roles/deployer', {
      token: root,
      body: { allowed_policies: ['p1', 'p2'], orphan: true, token_ttl: '20m', token_max_ttl: '1h', path_suffix: 'v1' },
    });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    const r = await api(s, 'GET', 'auth/token/roles/deployer', { token: root });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.allowed_policies, ['p1', 'p2']);
    assert.equal(r.body.data.orphan, true);
    assert.equal(r.body.data.token_ttl, 1200);
    const l = await api(s, 'LIST', 'auth/token/roles', { token: root });
    assert.deepEqual(l.body.data.keys, ['deployer']);
    const t = await create({ policies: ['p2'] }, root, 'auth/token/create/deployer');
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.auth.orphan, true);
    assert.equal(t.body.auth.lease_duration, 1200);
    assert.deepEqual(t.body.auth.policies, ['default', 'p2']);
    const lk = await api(s, 'GET', 'auth/token/lookup-self', { token: t.body.auth.client_token });
    assert.equal(lk.body.data.path, 'auth/token/create/deployer/v1');
    assert.equal(lk.body.data.role, 'deployer');
    const bad = await create({ policies: ['root'] }, root, 'auth/token/create/deployer');
    assert.equal(bad.status, 400);
    assert.equal((await create({}, root, 'auth/token/create/nope')).status, 400);
    assert.equal((await api(s, 'DELETE', 'auth/token/roles/deployer', { token: root })).status, 204);
    assert.equal((await api(s, 'GET', 'auth/token/roles/deployer', { token: root })).status, 404);
    assert.equal((await api(s, 'LIST', 'auth/token/roles', { token: root })).status, 404);
  });

  it('accessors LIST needs sudo; root sees accessors', async () => {
    const acc = (await create({})).body.auth.accessor;
    const l = await api(s, 'LIST', 'auth/token/accessors', { token: root });
    assert.equal(l.status, 200);
    assert.ok(l.body.data.keys.includes(acc));
    await api(s, 'PUT', 'sys/policies/acl/lister', { token: root, body: { policy: 'path "auth/token/accessors" { capabilities = ["list"] }' } });
    const nosudo = (await create({ policies: ['lister'] })).body.auth.client_token;
    assert.equal((await api(s, 'LIST', 'auth/token/accessors', { token: nosudo })).status, 403);
    await api(s, 'PUT', 'sys/policies/acl/lister2', { token: root, body: { policy: 'path "auth/token/accessors" { capabilities = ["list", "sudo"] }' } });
    const sudo = (await create({ policies: ['lister2'] })).body.auth.client_token;
    assert.equal((await api(s, 'GET', 'auth/token/accessors?list=true', { token: sudo })).status, 200);
  });

  it('tidy → 202 with a warning', async () => {
    const r = await api(s, 'POST', 'auth/token/tidy', { token: root });
    assert.equal(r.status, 202);
    assert.ok((r.body.warnings ?? []).length > 0);
  });

  it('an expired token is rejected (ttl 1s)', async () => {
    const t = (await create({ ttl: '1s' })).body.auth.client_token;
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 200);
    clock.advance(1);
    // Rejected from its expire time on, before the expiration manager revokes it …
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 403);
    // … and after.
    await runDueExpiries(s);
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 403);
    assert.equal((await api(s, 'POST', 'auth/token/lookup', { token: root, body: { token: t } })).status, 403);
  });

  it('Authorization: Bearer works, X-Vault-Token wins', async () => {
    const res = await fetch(`${s.url}/v1/auth/token/lookup-self`, { headers: { Authorization: `Bearer ${root}` } });
    assert.equal(res.status, 200);
    const res2 = await fetch(`${s.url}/v1/auth/token/lookup-self`, { headers: { Authorization: 'Bearer hvs.nope', 'X-Vault-Token': root } });
    assert.equal(res2.status, 200);
  });
});
