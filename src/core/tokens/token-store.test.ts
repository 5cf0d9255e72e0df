import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenHarness } from './testing.js';
import { isWardError } from '../../../test/helpers/errors.js';

const is400 = (message: string) => isWardError(400, message);

test('root token: never expires, not renewable, auth block has every key', async () => {
  const h = await tokenHarness();
  assert.match(h.root.id, /^hvs\.[0-9A-Za-z]{24}$/);
  assert.match(h.root.accessor, /^[0-9A-Za-z]{24}$/);
  const block = h.store.authBlock(h.root);
  assert.deepEqual(Object.keys(block).sort(), [
    'accessor', 'client_token', 'entity_id', 'lease_duration', 'metadata', 'mfa_requirement', 'num_uses', 'orphan', 'policies', 'renewable', 'token_policies', 'token_type',
  ]);
  assert.deepEqual(block.policies, ['root']);
  assert.equal(block.lease_duration, 0);
  assert.equal(block.renewable, false);
  assert.equal(block.orphan, true);
  assert.equal(block.metadata, null);
  const data = h.store.lookupData(h.root);
  assert.equal(data.expire_time, null);
  assert.equal(data.path, 'auth/token/root');
  assert.equal(data.display_name, 'root');
  h.exp.stop();
});

test('create, lookup-self, lookup, lookup-accessor', async () => {
  const h = await tokenHarness();
  const a = await h.auth(h.root.id, 'create', { policies: 'app,ops', meta: { team: 'x' }, display_name: 'my app!', ttl: '1h' });
  assert.match(a.client_token, /^hvs\./);
  assert.deepEqual(a.policies, ['app', 'default', 'ops']);
  assert.equal(a.lease_duration, 3600);
  assert.equal(a.renewable, true);
  assert.equal(a.orphan, false);
  assert.deepEqual(a.metadata, { team: 'x' });
  h.clock.advance(60);
  const self = await h.call(a.client_token, 'read', 'lookup-self');
  assert.equal(self?.data?.display_name, 'token-my-app');
  assert.equal(self?.data?.ttl, 3540);
  assert.equal(self?.data?.creation_ttl, 3600);
  assert.equal(self?.data?.path, 'auth/token/create');
  const other = await h.call(h.root.id, 'update', 'lookup', { token: a.client_token });
  assert.equal(other?.data?.id, a.client_token);
  const byAcc = await h.call(h.root.id, 'update', 'lookup-accessor', { accessor: a.accessor });
  assert.equal(byAcc?.data?.id, '');
  assert.equal(byAcc?.data?.accessor, a.accessor);
  await assert.rejects(h.call(h.root.id, 'update', 'lookup', { token: 'hvs.nope' }), isWardError(403));
  await assert.rejects(h.call(h.root.id, 'update', 'lookup-accessor', { accessor: 'nope' }), is400('invalid accessor'));
  h.exp.stop();
});

test('policies: non-root child must be a subset; root only from root; unknown policy warns', async () => {
  const h = await tokenHarness();
  const app = await h.auth(h.root.id, 'create', { policies: ['app'] });
  await assert.rejects(h.call(app.client_token, 'update', 'create', { policies: ['ops'] }), is400('child policies must be subset of parent'));
  const child = await h.auth(app.client_token, 'create', {});
  assert.deepEqual(child.policies, ['app', 'default']);
  const warned = await h.auth(h.root.id, 'create', { policies: ['ghost'] });
  assert.deepEqual(warned.warnings, ['Policy "ghost" does not exist']);
  await assert.rejects(h.call(app.client_token, 'update', 'create', { no_parent: true }), is400('root or sudo privileges required to create orphan token'));
  await assert.rejects(h.call(app.client_token, 'update', 'create', { period: 60 }), is400('root or sudo privileges required to create periodic token'));
  const orphan = await h.auth(app.client_token, 'create-orphan', {});
  assert.equal(orphan.orphan, true);
  h.exp.stop();
});

test('revoke: the whole tree and its leases go; orphans survive', async () => {
  const h = await tokenHarness();
  const a = await h.auth(h.root.id, 'create', {});
  const b = await h.auth(a.client_token, 'create', {});
  const c = await h.auth(b.client_token, 'create', {});
  const o = await h.auth(a.client_token, 'create-orphan', {});
  const cEntry = await h.store.lookup(c.client_token);
  assert.ok(cEntry);
  await h.exp.registerSecret({ path: 'db/creds/ro', secret: { type: 'creds', ttl: 600, maxTtl: 0, renewable: true, internalData: { username: 'c-user' } }, tokenKey: h.store.tokenKey(cEntry), mountPoint: 'db/', defaultTtl: 600, maxTtl: 6000 });
  assert.equal(await h.call(h.root.id, 'update', 'revoke', { token: a.client_token }), null);
  for (const t of [a, b, c]) assert.equal(await h.store.lookup(t.client_token), null);
  assert.ok(await h.store.lookup(o.client_token));
  assert.deepEqual(h.engine.revoked, ['c-user']);
  assert.equal(h.cubbyholesDestroyed.length, 3);
  assert.equal(await h.store.lookupAccessor(b.accessor), null);
  h.exp.stop();
});

test('revoke-orphan: children become orphans; needs root/sudo', async () => {
  const h = await tokenHarness();
  const a = await h.auth(h.root.id, 'create', { policies: 'app' });
  const b = await h.auth(a.client_token, 'create', {});
  await assert.rejects(h.call(a.client_token, 'update', 'revoke-orphan', { token: a.client_token }), is400('root or sudo privileges required to revoke and orphan'));
  await h.call(h.root.id, 'update', 'revoke-orphan', { token: a.client_token });
  assert.equal(await h.store.lookup(a.client_token), null);
  const child = await h.call(h.root.id, 'update', 'lookup', { token: b.client_token });
  assert.equal(child?.data?.orphan, true);
  h.exp.stop();
});

test('accessors: list, renew-accessor hides the token, revoke-accessor', async () => {
  const h = await tokenHarness();
  const a = await h.auth(h.root.id, 'create', { ttl: 600 });
  const list = await h.call(h.root.id, 'list', 'accessors/');
  assert.deepEqual(list?.data?.keys, [a.accessor, h.root.accessor].sort());
  const renewed = await h.auth(h.root.id, 'renew-accessor', { accessor: a.accessor, increment: 300 });
  assert.equal(renewed.client_token, '');
  assert.equal(renewed.lease_duration, 300);
  await h.call(h.root.id, 'update', 'revoke-accessor', { accessor: a.accessor });
  assert.equal(await h.store.lookup(a.client_token), null);
  await assert.rejects(h.call(h.root.id, 'update', 'revoke-accessor', { accessor: a.accessor }), is400('invalid accessor'));
  h.exp.stop();
});

test('num_uses: counted per use, last use marks the token for revocation', async () => {
  const h = await tokenHarness();
  const a = await h.auth(h.root.id, 'create', { num_uses: 2 });
  assert.equal(a.num_uses, 2);
  let entry = await h.store.lookup(a.client_token);
  assert.ok(entry);
  assert.deepEqual(await h.store.useToken(entry), { revokeAfter: false });
  assert.equal((await h.call(h.root.id, 'update', 'lookup', { token: a.client_token }))?.data?.num_uses, 1);
  entry = await h.store.lookup(a.client_token);
  assert.ok(entry);
  assert.deepEqual(await h.store.useToken(entry), { revokeAfter: true });
  assert.equal(await h.store.lookup(a.client_token), null, 'other requests see it as gone');
  const self = await h.call(a.client_token, 'read', 'lookup-self');
  assert.equal(self?.data?.num_uses, 0, 'the current request can still look itself up');
  await assert.rejects(h.store.useToken(entry), isWardError(403));
  await h.store.revokeTree(entry);
  assert.equal(await h.store.lookup(a.client_token, { allowPendingRevocation: true }), null);
  await assert.rejects(h.call(h.root.id, 'update', 'create', { num_uses: -1 }), is400('number of uses cannot be negative'));
  h.exp.stop();
});

test('batch tokens: self-contained, no accessor, not renewable, restricted fields', async () => {
  const h = await tokenHarness();
  const b = await h.auth(h.root.id, 'create', { type: 'batch', ttl: 120, policies: 'app' });
  assert.match(b.client_token, /^hvb\./);
  assert.equal(b.accessor, '');
  assert.equal(b.renewable, false);
  assert.equal(b.token_type, 'batch');
  const entry = await h.store.lookup(b.client_token);
  assert.deepEqual(entry?.policies, ['app', 'default']);
  await assert.rejects(h.call(b.client_token, 'update', 'renew-self', {}), is400('batch tokens cannot be renewed'));
  await assert.rejects(h.call(b.client_token, 'update', 'create', {}), is400('batch tokens cannot create non-orphan tokens'));
  for (const [k, v, msg] of [
    ['num_uses', 3, 'batch tokens cannot have a limited number of uses'],
    ['period', 60, 'batch tokens cannot be periodic'],
    ['explicit_max_ttl', 60, 'batch tokens cannot have an explicit max TTL'],
  ] as const) {
    await assert.rejects(h.call(h.root.id, 'update', 'create', { type: 'batch', [k]: v }), is400(msg));
  }
  assert.equal(await h.store.lookup(`${b.client_token.slice(0, -2)}xx`), null, 'tampering breaks it');
  h.clock.advance(121);
  assert.equal(await h.store.lookup(b.client_token), null);
  h.exp.stop();
});

test('batch token dies with its parent', async () => {
  const h = await tokenHarness();
  const p = await h.auth(h.root.id, 'create', { ttl: 600 });
  const b = await h.auth(p.client_token, 'create', { type: 'batch', ttl: 6000 });
  assert.equal(b.lease_duration, 600, 'capped at the parent’s remaining TTL');
  assert.ok(await h.store.lookup(b.client_token));
  await h.call(h.root.id, 'update', 'revoke', { token: p.client_token });
  assert.equal(await h.store.lookup(b.client_token), null);
  h.exp.stop();
});

test('peek answers as lookup does for tokens in memory, and defers the rest', async () => {
  const h = await tokenHarness();
  const agree = async (token: string): Promise<void> => {
    const quick = h.store.peek(token);
    if (quick !== undefined) assert.equal(quick, await h.store.lookup(token), token);
  };
  const a = await h.auth(h.root.id, 'create', { ttl: '1h', num_uses: 1 });
  assert.equal(h.store.peek(''), null);
  assert.equal(h.store.peek('hvs.unknown'), undefined, 'never seen: only storage can tell');
  assert.equal((await h.store.lookup(a.client_token))?.accessor, a.accessor);
  assert.equal(h.store.peek(a.client_token)?.accessor, a.accessor);
  const b = await h.auth(h.root.id, 'create', { type: 'batch', ttl: 120 });
  assert.equal(h.store.peek(b.client_token), undefined, 'batch tokens always go through lookup');

  const entry = await h.store.lookup(a.client_token);
  assert.ok(entry);
  await h.store.useToken(entry);
  assert.equal(h.store.peek(a.client_token), null, 'last use consumed');
  await agree(a.client_token);

  const c = await h.auth(h.root.id, 'create', { ttl: 60 });
  await h.store.lookup(c.client_token);
  h.clock.advance(61);
  assert.equal(h.store.peek(c.client_token), null, 'expired');
  await agree(c.client_token);

  const d = await h.auth(h.root.id, 'create', {});
  await h.store.lookup(d.client_token);
  await h.call(h.root.id, 'update', 'revoke', { token: d.client_token });
  assert.ok(!h.store.peek(d.client_token), 'revoked');
  await agree(d.client_token);
  h.exp.stop();
});
