/**
 * Response wrapping over HTTP: X-Vault-Wrap-TTL on a KV read and on token creation,
 * lookup (GET with header, POST with body, unauthenticated), single-use unwrap,
 * rewrap, expiry and creation_path tamper evidence.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';
import { FakeClock, runDueExpiries } from '../../helpers/clock.js';

const INVALID = 'wrapping token is not valid or does not exist';

describe('response wrapping', () => {
  let s: TestServer;
  let root = '';
  // The expiry test moves this clock instead of sleeping past the wrap TTL.
  const clock = new FakeClock(Date.now());
  const wrapped = async (method: string, path: string, ttl: string, body?: unknown, token = root) => {
    const r = await api(s, method, path, { token, body, headers: { 'X-Vault-Wrap-TTL': ttl } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    s = await startTestServer({ clock });
    root = s.rootToken;
    await api(s, 'POST', 'secret/data/wrapme', { token: root, body: { data: { password: 'hunter2' } } });
  });
  after(async () => {
    await s.close();
  });

  it('wrapping a KV read: empty request_id, null data, wrap_info with creation_path', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '5m');
    assert.equal(b.request_id, '');
    assert.equal(b.lease_id, '');
    assert.equal(b.lease_duration, 0);
    assert.equal(b.data, null);
    assert.equal(b.auth, null);
    assert.match(b.wrap_info.token, /^hvs\./);
    assert.match(b.wrap_info.accessor, /^[A-Za-z0-9]{24}$/);
    assert.equal(b.wrap_info.ttl, 300);
    assert.equal(b.wrap_info.creation_path, 'secret/data/wrapme');
    assert.ok(!Number.isNaN(Date.parse(b.wrap_info.creation_time)));
    assert.ok(!JSON.stringify(b).includes('hunter2'));
  });

  it('lookup: GET with X-Vault-Token and POST with body, unauthenticated, not consuming', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '10m');
    const tok = b.wrap_info.token;
    const g = await api(s, 'GET', 'sys/wrapping/lookup', { token: tok });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    assert.equal(g.body.data.creation_path, 'secret/data/wrapme');
    assert.equal(g.body.data.creation_ttl, 600);
    assert.ok(!Number.isNaN(Date.parse(g.body.data.creation_time)));
    const p = await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: tok } });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.data.creation_path, 'secret/data/wrapme');
    const bad = await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: 'hvs.nopenopenopenopenopenope' } });
    assert.equal(bad.status, 400);
    assert.ok(errText(bad).includes(INVALID));
    // A non-wrapping token is not a wrapping token.
    const notWrap = await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: root } });
    assert.equal(notWrap.status, 400);
    // Still unwrappable after lookups.
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: tok });
    assert.equal(u.status, 200);
  });

  it('unwrap once gives the original envelope, then 400', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '5m');
    const tok = b.wrap_info.token;
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: tok });
    assert.equal(u.status, 200);
    assert.deepEqual(u.body.data.data, { password: 'hunter2' });
    assert.match(u.body.request_id, /^[0-9a-f-]{36}$/);
    assert.equal(u.body.wrap_info, null);
    assert.equal(u.body.mount_type, 'kv');
    const again = await api(s, 'POST', 'sys/wrapping/unwrap', { token: tok });
    assert.equal(again.status, 400, JSON.stringify(again.body));
    assert.ok(errText(again).includes(INVALID), errText(again));
    const lk = await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: tok } });
    assert.equal(lk.status, 400);
  });

  it('unwrap with the token in the body by another token', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '5m');
    const other = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['default'] } })).body.auth.client_token;
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: other, body: { token: b.wrap_info.token } });
    assert.equal(u.status, 200, JSON.stringify(u.body));
    assert.deepEqual(u.body.data.data, { password: 'hunter2' });
    assert.equal((await api(s, 'POST', 'sys/wrapping/unwrap', { token: other, body: { token: b.wrap_info.token } })).status, 400);
  });

  it('the wrapping token cannot read anything else', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '5m');
    const r = await api(s, 'GET', 'secret/data/wrapme', { token: b.wrap_info.token });
    assert.equal(r.status, 403);
  });

  it('wrapping auth/token/create: wrapped_accessor; unwrap yields the auth block', async () => {
    const b = await wrapped('POST', 'auth/token/create', '5m', { policies: ['default'] });
    assert.equal(b.auth, null);
    assert.match(b.wrap_info.wrapped_accessor, /^[A-Za-z0-9]{24}$/);
    assert.equal(b.wrap_info.creation_path, 'auth/token/create');
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: b.wrap_info.token });
    assert.equal(u.status, 200);
    assert.equal(u.body.auth.accessor, b.wrap_info.wrapped_accessor);
    const t = u.body.auth.client_token;
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 200);
  });

  it('sys/wrapping/wrap requires the header; wraps arbitrary data', async () => {
    const no = await api(s, 'POST', 'sys/wrapping/wrap', { token: root, body: { a: 'b' } });
    assert.equal(no.status, 400);
    assert.ok(errText(no).includes('endpoint requires response wrapping to be used'));
    const b = await wrapped('POST', 'sys/wrapping/wrap', '60', { a: 'b', n: 2 });
    assert.equal(b.wrap_info.creation_path, 'sys/wrapping/wrap');
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: b.wrap_info.token });
    assert.deepEqual(u.body.data, { a: 'b', n: 2 });
  });

  it('bad X-Vault-Wrap-TTL → 400; 204 responses are never wrapped', async () => {
    const bad = await api(s, 'GET', 'secret/data/wrapme', { token: root, headers: { 'X-Vault-Wrap-TTL': 'soon' } });
    assert.equal(bad.status, 400);
    assert.ok(errText(bad).includes('error parsing X-Vault-Wrap-TTL header'));
    const neg = await api(s, 'GET', 'secret/data/wrapme', { token: root, headers: { 'X-Vault-Wrap-TTL': '-5' } });
    assert.equal(neg.status, 400);
    const w = await api(s, 'POST', 'sys/policies/acl/nowrap', { token: root, body: { policy: 'path "x" { capabilities = ["read"] }' }, headers: { 'X-Vault-Wrap-TTL': '60' } });
    assert.equal(w.status, 204);
  });

  it('rewrap keeps creation_path and TTL, old token dies', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '7m');
    const rw = await api(s, 'POST', 'sys/wrapping/rewrap', { token: root, body: { token: b.wrap_info.token } });
    assert.equal(rw.status, 200, JSON.stringify(rw.body));
    assert.equal(rw.body.wrap_info.creation_path, 'secret/data/wrapme');
    assert.equal(rw.body.wrap_info.ttl, 420);
    assert.notEqual(rw.body.wrap_info.token, b.wrap_info.token);
    assert.equal((await api(s, 'POST', 'sys/wrapping/unwrap', { token: b.wrap_info.token })).status, 400);
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: rw.body.wrap_info.token });
    assert.deepEqual(u.body.data.data, { password: 'hunter2' });
  });

  it('expiry destroys the payload: wrap TTL 1s, time passes, unwrap → 400', async () => {
    const b = await wrapped('GET', 'secret/data/wrapme', '1s');
    assert.equal((await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: b.wrap_info.token } })).status, 200, 'valid within its TTL');
    clock.advance(1);
    assert.ok((await runDueExpiries(s)) >= 1, 'the wrapping token expired through the expiration manager');
    const u = await api(s, 'POST', 'sys/wrapping/unwrap', { token: b.wrap_info.token });
    assert.equal(u.status, 400);
    assert.ok(errText(u).includes(INVALID));
    assert.equal((await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: b.wrap_info.token } })).status, 400);
  });

  it('creation_path tamper evidence: a sys/wrapping/wrap payload cannot pose as a KV read', async () => {
    const fake = await wrapped('POST', 'sys/wrapping/wrap', '5m', { data: { password: 'attacker' } });
    const lk = await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: fake.wrap_info.token } });
    assert.equal(lk.body.data.creation_path, 'sys/wrapping/wrap');
    // Its cubbyhole cannot be rewritten by anyone: not even the wrapping token itself can write.
    const w = await api(s, 'PUT', 'cubbyhole/wrapinfo', { token: fake.wrap_info.token, body: { creation_path: 'secret/data/wrapme' } });
    assert.equal(w.status, 403);
    const lk2 = await api(s, 'POST', 'sys/wrapping/lookup', { body: { token: fake.wrap_info.token } });
    assert.equal(lk2.body.data.creation_path, 'sys/wrapping/wrap');
  });
});
