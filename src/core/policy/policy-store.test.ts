import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InmemStorage, type Storage } from '../../sdk/storage.js';
import { DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY } from './builtin.js';
import { PolicyStore } from './policy-store.js';
import { rejectsWard } from '../../../test/helpers/errors.js';

/** Counts storage reads so tests can prove the hot path stays in memory. */
class CountingStorage extends InmemStorage {
  gets = 0;
  override async get(key: string): Promise<Buffer | null> {
    this.gets++;
    return super.get(key);
  }
}

async function store(storage: Storage = new InmemStorage()): Promise<PolicyStore> {
  const s = new PolicyStore(storage);
  await s.setup();
  return s;
}

const READ_KV = 'path "kv/*" { capabilities = ["read"] }';

describe('PolicyStore', () => {
  it('setup writes the built-in policies; list shows default and root', async () => {
    const s = await store();
    assert.deepEqual(await s.list(), ['default', 'root']);
    assert.equal((await s.get('default'))?.raw, DEFAULT_POLICY);
    assert.equal((await s.get('response-wrapping'))?.raw, RESPONSE_WRAPPING_POLICY);
    assert.equal(await s.exists('root'), true);
    assert.equal(await s.exists('nope'), false);
  });

  it('setup keeps an edited default policy', async () => {
    const storage = new InmemStorage();
    const s1 = await store(storage);
    await s1.set('default', READ_KV);
    const s2 = await store(storage);
    assert.equal((await s2.get('default'))?.raw, READ_KV);
  });

  it('stores, lists, reads and deletes a policy', async () => {
    const s = await store();
    assert.deepEqual(await s.set('app', READ_KV), { warnings: [] });
    assert.deepEqual(await s.list(), ['app', 'default', 'root']);
    assert.equal((await s.get('app'))?.rules[0]?.path, 'kv/*');
    await s.delete('app');
    assert.equal(await s.get('app'), null);
    assert.deepEqual(await s.list(), ['default', 'root']);
    await s.delete('app'); // deleting twice is fine
  });

  it('lower-cases names with a warning', async () => {
    const s = await store();
    const { warnings } = await s.set('MyApp', READ_KV);
    assert.deepEqual(warnings, ['policy name was converted to myapp']);
    assert.equal((await s.get('MYAPP'))?.name, 'myapp');
    assert.deepEqual(await s.list(), ['default', 'myapp', 'root']);
  });

  it('lists names containing slashes', async () => {
    const s = await store();
    await s.set('team/a', READ_KV);
    assert.deepEqual(await s.list(), ['default', 'root', 'team/a']);
  });

  it('protects root, default and response-wrapping', async () => {
    const s = await store();
    await rejectsWard(s.set('root', READ_KV), 400, 'cannot update "root" policy');
    await rejectsWard(s.set('Root', READ_KV), 400, 'cannot update "root" policy');
    await rejectsWard(s.delete('root'), 400, 'cannot delete "root" policy');
    await rejectsWard(s.delete('default'), 400, 'cannot delete "default" policy');
    await rejectsWard(s.set('response-wrapping', READ_KV), 400, 'cannot update "response-wrapping" policy');
    await rejectsWard(s.delete('response-wrapping'), 400, 'cannot delete "response-wrapping" policy');
    await s.set('default', READ_KV);
    assert.equal((await s.get('default'))?.raw, READ_KV);
  });

  it('refuses empty and invalid policies without storing them', async () => {
    const s = await store();
    await rejectsWard(s.set('x', '   '), 400, "'policy' parameter not supplied or empty");
    await rejectsWard(s.set('x', 'path "a" { capabilities = ["fly"] }'), 400, /invalid capability "fly"/);
    assert.equal(await s.exists('x'), false);
  });

  it('acl(): missing policies act as empty, root makes a root ACL', async () => {
    const s = await store();
    const none = await s.acl(['ghost']);
    assert.deepEqual(none.capabilities('kv/x'), ['deny']);
    const def = await s.acl(['default', 'ghost']);
    assert.deepEqual(def.capabilities('auth/token/lookup-self'), ['read']);
    assert.deepEqual(def.capabilities('cubbyhole/x'), ['create', 'delete', 'list', 'read', 'update']);
    assert.equal((await s.acl(['default', 'root'])).root, true);
  });

  it('acl(): a cache hit does not touch storage', async () => {
    const storage = new CountingStorage();
    const s = await store(storage);
    await s.set('app', READ_KV);
    const first = await s.acl(['default', 'app']);
    const reads = storage.gets;
    const again = await s.acl(['app', 'default', 'APP']);
    assert.equal(again, first);
    assert.equal(storage.gets, reads);
  });

  it('acl(): changing or deleting a policy changes what a new ACL allows', async () => {
    const s = await store();
    await s.set('app', READ_KV);
    // One list object throughout, as a token's requests pass it: the by-identity cache
    // must notice the change as well.
    const policies = ['app'];
    const can = async (op: 'read' | 'update'): Promise<boolean> =>
      (await s.acl(policies)).allowOperation({ path: 'kv/x', operation: op }).allowed;
    assert.equal(await can('read'), true);
    assert.equal(await can('update'), false);
    await s.set('app', 'path "kv/*" { capabilities = ["update"] }');
    assert.equal(await can('read'), false);
    assert.equal(await can('update'), true);
    await s.delete('app');
    assert.equal(await can('update'), false);
  });

  it('loads policies written by another instance over the same storage', async () => {
    const storage = new InmemStorage();
    await (await store(storage)).set('app', READ_KV);
    const fresh = new PolicyStore(storage);
    assert.equal((await fresh.acl(['app'])).allowOperation({ path: 'kv/a', operation: 'read' }).allowed, true);
  });
});
