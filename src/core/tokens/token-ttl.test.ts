import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginSpec, tokenHarness } from './testing.js';
import { TIDY_WARNING } from './token-backend.js';
import { isWardError } from '../../../test/helpers/errors.js';

const is400 = (message: string) => isWardError(400, message);

const login = loginSpec;

test('ttl: defaults to the mount default, capped by the mount max with a warning', async () => {
  const h = await tokenHarness();
  const rootChild = await h.auth(h.root.id, 'create', {});
  assert.deepEqual([rootChild.policies, rootChild.lease_duration, rootChild.renewable], [['root'], 0, false], 'root begets a non-expiring root token');
  assert.equal((await h.auth(h.root.id, 'create', { policies: 'app' })).lease_duration, 3600);
  const capped = await h.auth(h.root.id, 'create', { policies: 'app', ttl: '48h' });
  assert.equal(capped.lease_duration, 86400);
  assert.deepEqual(capped.warnings, ['TTL of "48h0m0s" exceeded the effective max_ttl of "24h0m0s"; TTL value is capped accordingly']);
  h.exp.stop();
});

test('explicit_max_ttl caps creation and every renewal', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create', { ttl: 600, explicit_max_ttl: 1000 });
  assert.equal(t.lease_duration, 600);
  h.clock.advance(500);
  const r = await h.auth(t.client_token, 'renew-self', { increment: 900 });
  assert.equal(r.lease_duration, 500);
  h.clock.advance(500);
  assert.equal(await h.store.lookup(t.client_token), null);
  h.exp.stop();
});

test('period: each renewal resets the TTL to the period, past the mount max', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create', { period: '1h', ttl: 60 });
  assert.equal(t.lease_duration, 3600);
  for (let i = 0; i < 30; i++) {
    h.clock.advance(3000);
    const r = await h.auth(t.client_token, 'renew-self', { increment: 10 });
    assert.equal(r.lease_duration, 3600);
  }
  const data = (await h.call(t.client_token, 'read', 'lookup-self'))?.data;
  assert.equal(data?.period, 3600);
  assert.ok(data?.last_renewal);
  h.exp.stop();
});

test('renew: non-renewable and past-max tokens are refused; root cannot renew', async () => {
  const h = await tokenHarness();
  const fixed = await h.auth(h.root.id, 'create', { policies: 'app', renewable: false });
  await assert.rejects(h.call(fixed.client_token, 'update', 'renew-self', {}), is400('lease is not renewable'));
  await assert.rejects(h.call(h.root.id, 'update', 'renew-self', {}), is400('lease is not renewable'));
  await assert.rejects(h.call(h.root.id, 'update', 'renew', { token: 'hvs.missing' }), is400('token not found'));
  h.exp.stop();
});

test('expiry: the expiration manager revokes an expired token with its children and leases', async () => {
  const h = await tokenHarness();
  const parent = await h.auth(h.root.id, 'create', { ttl: 60 });
  const child = await h.auth(parent.client_token, 'create', { ttl: 3600 });
  const childEntry = await h.store.lookup(child.client_token);
  assert.ok(childEntry);
  await h.exp.registerSecret({ path: 'db/creds/ro', secret: { type: 'creds', ttl: 600, maxTtl: 0, renewable: true, internalData: { username: 'kid' } }, tokenKey: h.store.tokenKey(childEntry), mountPoint: 'db/', defaultTtl: 600, maxTtl: 6000 });
  h.clock.advance(61);
  await h.exp.tick();
  assert.equal(await h.store.lookup(child.client_token, { allowPendingRevocation: true }), null);
  assert.deepEqual(h.engine.revoked, ['kid']);
  assert.equal(h.exp.count(), 0);
  h.exp.stop();
});

test('roles: allowed/disallowed policies, orphan, path suffix, partial update, list and delete', async () => {
  const h = await tokenHarness();
  assert.equal(await h.call(h.root.id, 'update', 'roles/web', { allowed_policies: 'app,dev-1', orphan: true, path_suffix: 'v1', token_period: '30m' }), null);
  assert.equal(await h.call(h.root.id, 'update', 'roles/web', { disallowed_policies: 'ops' }), null);
  const role = (await h.call(h.root.id, 'read', 'roles/web'))?.data;
  assert.deepEqual(role?.allowed_policies, ['app', 'dev-1']);
  assert.deepEqual(role?.disallowed_policies, ['ops']);
  assert.equal(role?.orphan, true);
  assert.equal(role?.token_period, 1800);
  assert.equal(role?.period, 1800);
  assert.equal(role?.token_type, 'default-service');

  const app = await h.auth(h.root.id, 'create', { policies: 'app' });
  const t = await h.auth(app.client_token, 'create/web', { policies: 'dev-1' });
  assert.deepEqual(t.policies, ['default', 'dev-1'], 'the role, not the parent, bounds the policies');
  assert.equal(t.orphan, true);
  assert.equal(t.lease_duration, 1800);
  const looked = (await h.call(t.client_token, 'read', 'lookup-self'))?.data;
  assert.equal(looked?.path, 'auth/token/create/web/v1');
  assert.equal(looked?.role, 'web');
  const dflt = await h.auth(h.root.id, 'create/web', {});
  assert.deepEqual(dflt.policies, ['app', 'default', 'dev-1']);
  await assert.rejects(h.call(h.root.id, 'update', 'create/web', { policies: 'ops' }), isWardError(400, /disallowed/));
  await assert.rejects(h.call(h.root.id, 'update', 'create/web', { policies: 'dev-2' }), isWardError(400, /must be subset of the role's allowed policies/));
  await assert.rejects(h.call(h.root.id, 'update', 'create/nope', {}), is400('unknown role nope'));

  await h.call(h.root.id, 'update', 'roles/globby', { allowed_policies_glob: 'dev-*' });
  assert.deepEqual((await h.auth(h.root.id, 'create/globby', { policies: 'dev-2' })).policies, ['default', 'dev-2']);
  assert.deepEqual((await h.call(h.root.id, 'list', 'roles/'))?.data?.keys, ['globby', 'web']);
  await h.call(h.root.id, 'delete', 'roles/web');
  assert.equal(await h.call(h.root.id, 'read', 'roles/web'), null);
  await assert.rejects(h.call(h.root.id, 'update', 'roles/bad', { token_type: 'batch', token_period: 60 }), is400('batch tokens cannot be periodic'));
  h.exp.stop();
});

test('issueFromAuth: orphan login tokens named after the mount, TTL math from the mount', async () => {
  const h = await tokenHarness();
  const out = await h.store.issueFromAuth(login({ ttl: 7200, maxTtl: 3600 }), { path: 'auth/my/approle/login', mountPoint: 'auth/my/approle/', mountAccessor: 'auth_approle_1', defaultTtl: 600, maxTtl: 86400 });
  assert.equal(out.entry.displayName, 'my-approle-web');
  assert.equal(out.entry.parent, '');
  assert.equal(out.entry.ttl, 3600);
  assert.equal(out.warnings.length, 1);
  assert.deepEqual(out.entry.policies, ['app', 'default']);
  assert.equal(out.entry.mountAccessor, 'auth_approle_1');
  const plain = await h.store.issueFromAuth(login({ displayName: '', noDefaultPolicy: true }), { path: 'auth/kubernetes/login', mountPoint: 'auth/kubernetes/', mountAccessor: 'a', defaultTtl: 600, maxTtl: 86400 });
  assert.equal(plain.entry.displayName, 'kubernetes');
  assert.equal(plain.entry.ttl, 600);
  assert.deepEqual(plain.entry.policies, ['app']);
  // Renewal asks the issuing backend; it may grant less than asked through its max TTL
  // (an increment wins over the backend's TTL, as in Vault).
  h.backendRenew = async (e) => ({ ttl: 600, maxTtl: 300, warnings: [`renewed ${String(e.internalData.role)}`] });
  const r = await h.store.renew(plain.entry, 900);
  assert.equal(r.entry.ttl, 300);
  assert.equal(r.warnings[0], 'renewed web');
  const batch = await h.store.issueFromAuth(login({ tokenType: 'batch' }), { path: 'auth/kubernetes/login', mountPoint: 'auth/kubernetes/', mountAccessor: 'a', defaultTtl: 600, maxTtl: 86400 });
  assert.match(batch.entry.id, /^hvb\./);
  h.exp.stop();
});

test('tidy answers 202 with a warning; revoke-self works', async () => {
  const h = await tokenHarness();
  const res = await h.call(h.root.id, 'update', 'tidy');
  assert.equal(res?.status, 202);
  assert.deepEqual(res?.warnings, [TIDY_WARNING]);
  const t = await h.auth(h.root.id, 'create', {});
  assert.equal(await h.call(t.client_token, 'update', 'revoke-self'), null);
  assert.equal(await h.store.lookup(t.client_token), null);
  h.exp.stop();
});

test('custom ids need root and may not look like generated tokens', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create', { id: 'my-custom-token' });
  assert.equal(t.client_token, 'my-custom-token');
  assert.ok(await h.store.lookup('my-custom-token'));
  await assert.rejects(h.call(h.root.id, 'update', 'create', { id: 'hvs.abc' }), isWardError(400));
  await assert.rejects(h.call(h.root.id, 'update', 'create', { id: 'my-custom-token' }), is400('cannot create a token with a duplicate ID'));
  const app = await h.auth(h.root.id, 'create', { policies: 'app' });
  await assert.rejects(h.call(app.client_token, 'update', 'create', { id: 'x' }), is400('root or sudo privileges required to specify token id'));
  h.exp.stop();
});

test('revoking a token lease prefix (auth/token/create/) revokes those tokens', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create', { policies: 'app', ttl: 600 });
  const login = await h.store.issueFromAuth(
    { policies: ['app'], metadata: {}, displayName: 'x', ttl: 600, maxTtl: 0, explicitMaxTtl: 0, period: 0, numUses: 0, renewable: true, boundCidrs: [], tokenType: 'service', noDefaultPolicy: false, internalData: {} },
    { path: 'auth/approle/login', mountPoint: 'auth/approle/', mountAccessor: 'a', defaultTtl: 600, maxTtl: 3600 },
  );
  await h.exp.revokePrefix('auth/approle/');
  assert.equal(await h.store.lookup(login.entry.id), null);
  assert.ok(await h.store.lookup(t.client_token));
  await h.exp.revoke(`auth/token/create/${h.store.tokenKey((await h.store.lookup(t.client_token))!)}`);
  assert.equal(await h.store.lookup(t.client_token), null);
  assert.ok(await h.store.lookup(h.root.id), 'root tokens have no lease and survive');
  h.exp.stop();
});

test('create-orphan with every optional field sent as null (as generated clients do) uses the defaults', async () => {
  const h = await tokenHarness();
  const t = await h.auth(h.root.id, 'create-orphan', { policies: ['app'], renewable: null, ttl: null, period: null, num_uses: null, meta: null, display_name: null });
  assert.deepEqual([t.policies, t.lease_duration, t.renewable, t.orphan], [['app', 'default'], 3600, true, true]);
  h.exp.stop();
});
