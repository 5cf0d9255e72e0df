import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { WardError } from '../../sdk/errors.js';
import { silentLogger, type Backend, type CallerInfo, type LogicalRequest, type Operation } from '../../sdk/logical.js';
import { InmemStorage, listRecursive } from '../../sdk/storage.js';
import { cubbyholeFactory, cubbyholeStorageFor, destroyCubbyhole } from './index.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { driveBackend } from '../../sdk/testing.js';

async function mount() {
  const storage = new InmemStorage();
  const backend: Backend = await cubbyholeFactory({
    storage, mountPoint: 'cubbyhole/', mountType: 'cubbyhole', logger: silentLogger,
    system: { defaultLeaseTtl: () => 0, maxLeaseTtl: () => 0, options: () => ({}) },
  });
  const driver = driveBackend(backend, storage, { mountPoint: 'cubbyhole/', mountType: 'cubbyhole', mountAccessor: 'cubbyhole_1' });
  const call = (token: string, operation: Operation, path: string, data: Record<string, unknown> = {}, caller: CallerInfo | null = null) =>
    driver.call(operation, path, data, { clientToken: token, caller });
  return { storage, backend, call };
}

const is400 = isWardError(400);

describe('cubbyhole', () => {
  it('stores, reads, lists and deletes per token', async () => {
    const c = await mount();
    assert.equal(await c.call('t1', 'update', 'a', { secret: 'one' }), null);
    await c.call('t1', 'update', 'dir/b', { secret: 'two' });
    assert.deepEqual(await c.call('t1', 'read', 'a'), { data: { secret: 'one' } });
    assert.deepEqual(await c.call('t1', 'list', ''), { data: { keys: ['a', 'dir/'] } });
    assert.deepEqual(await c.call('t1', 'list', 'dir/'), { data: { keys: ['b'] } });
    await c.call('t1', 'delete', 'a');
    assert.equal(await c.call('t1', 'read', 'a'), null);
    await assert.rejects(c.call('t1', 'update', 'x', {}), (e: unknown) => is400(e) && (e as WardError).messages[0] === 'missing data fields');
  });

  it('isolates tokens from each other and keys storage by the token hash', async () => {
    const c = await mount();
    await c.call('t1', 'update', 'shared-name', { owner: 't1' });
    assert.equal(await c.call('t2', 'read', 'shared-name'), null);
    assert.deepEqual(await c.call('t2', 'list', ''), { data: { keys: [] } });
    await c.call('t2', 'update', 'shared-name', { owner: 't2' });
    assert.deepEqual((await c.call('t1', 'read', 'shared-name'))?.data, { owner: 't1' });
    const hash = createHash('sha256').update('t1').digest('hex');
    assert.deepEqual(await c.storage.list(''), [hash + '/', createHash('sha256').update('t2').digest('hex') + '/'].sort());
    assert.ok(!(await listRecursive(c.storage)).some((k) => k.includes('t1')), 'the raw token never appears in storage keys');
  });

  it('uses the existence check per token', async () => {
    const c = await mount();
    const req = (token: string) => ({ operation: 'update', path: 'k', data: {}, storage: c.storage, clientToken: token }) as unknown as LogicalRequest;
    await c.call('t1', 'update', 'k', { v: 1 });
    assert.equal(await c.backend.existenceCheck(req('t1')), true);
    assert.equal(await c.backend.existenceCheck(req('t2')), false);
  });

  it('refuses requests without a token and from batch tokens', async () => {
    const c = await mount();
    await assert.rejects(c.call('', 'read', 'a'), is400);
    await assert.rejects(c.call('', 'update', 'a', { v: 1 }), is400);
    const batch = { tokenType: 'batch' } as CallerInfo;
    await assert.rejects(c.call('b1', 'read', 'a', {}, batch), is400);
  });

  it('exposes the token view for the core and destroys a whole cubbyhole', async () => {
    const c = await mount();
    const view = cubbyholeStorageFor(c.storage, 'wrap');
    await view.put('response', Buffer.from(JSON.stringify({ response: '{"data":{}}' })));
    assert.deepEqual((await c.call('wrap', 'read', 'response'))?.data, { response: '{"data":{}}' });
    await c.call('wrap', 'update', 'deep/er/key', { v: 1 });
    await c.call('other', 'update', 'keep', { v: 1 });
    await destroyCubbyhole(c.storage, 'wrap');
    assert.equal(await c.call('wrap', 'read', 'response'), null);
    assert.deepEqual(await listRecursive(view), []);
    assert.deepEqual((await c.call('other', 'read', 'keep'))?.data, { v: 1 });
    await destroyCubbyhole(c.storage, 'never-used');
  });
});
