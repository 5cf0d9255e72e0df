// Tests for src/core/sys/paths-policies.ts, kept here so `run-tests.mjs policy` runs them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { Backend, LogicalResponse, Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { policyPaths } from '../sys/paths-policies.js';
import { PolicyStore } from './policy-store.js';
import { rejectsWard } from '../../../test/helpers/errors.js';
import { SYS_MOUNT, testRequest } from '../../sdk/testing.js';

async function setup(): Promise<{ sys: Backend; call: (op: Operation, path: string, data?: Record<string, unknown>) => Promise<LogicalResponse | null> }> {
  const storage = new InmemStorage();
  const store = new PolicyStore(storage);
  await store.setup();
  const sys = defineBackend({ type: 'system', kind: 'secret', paths: policyPaths(store) });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | null> =>
    sys.handleRequest(testRequest(storage, operation, path, data, SYS_MOUNT));
  return { sys, call };
}

const POLICY = 'path "secret/*" { capabilities = ["read", "list"] }';

describe('sys/policies/acl', () => {
  it('lists, writes, reads and deletes', async () => {
    const { call } = await setup();
    assert.deepEqual(await call('list', 'policies/acl/'), { data: { keys: ['default', 'root'] } });
    assert.equal(await call('update', 'policies/acl/app', { policy: POLICY }), null);
    assert.deepEqual(await call('read', 'policies/acl/app'), { data: { name: 'app', policy: POLICY } });
    assert.deepEqual(await call('list', 'policies/acl'), { data: { keys: ['app', 'default', 'root'] } });
    assert.equal(await call('delete', 'policies/acl/app'), null);
    assert.equal(await call('read', 'policies/acl/app'), null);
  });

  it('create is handled like update', async () => {
    const { call } = await setup();
    await call('create', 'policies/acl/new', { policy: POLICY });
    assert.deepEqual(await call('read', 'policies/acl/new'), { data: { name: 'new', policy: POLICY } });
  });

  it('accepts base64 and reads back the decoded text', async () => {
    const { call } = await setup();
    await call('update', 'policies/acl/b64', { policy: Buffer.from(POLICY).toString('base64') });
    assert.deepEqual(await call('read', 'policies/acl/b64'), { data: { name: 'b64', policy: POLICY } });
  });

  it('warns when the name is lower-cased', async () => {
    const { call } = await setup();
    assert.deepEqual(await call('update', 'policies/acl/Admins', { policy: POLICY }), {
      warnings: ['policy name was converted to admins'],
    });
    assert.deepEqual(await call('read', 'policies/acl/ADMINS'), { data: { name: 'admins', policy: POLICY } });
  });

  it('reads root as an empty policy', async () => {
    const { call } = await setup();
    assert.deepEqual(await call('read', 'policies/acl/root'), { data: { name: 'root', policy: '' } });
  });

  it('rejects empty, invalid and protected writes with 400', async () => {
    const { call } = await setup();
    await rejectsWard(call('update', 'policies/acl/x', {}), 400, "'policy' parameter not supplied or empty");
    await rejectsWard(call('update', 'policies/acl/x', { policy: 'path "a" {' }), 400, /^failed to parse policy: At 1:/);
    await rejectsWard(call('update', 'policies/acl/root', { policy: POLICY }), 400, 'cannot update "root" policy');
    await rejectsWard(call('delete', 'policies/acl/default'), 400, 'cannot delete "default" policy');
  });
});

describe('sys/policy (legacy)', () => {
  it('lists twice, uses "rules", and accepts either field on write', async () => {
    const { call } = await setup();
    assert.deepEqual(await call('read', 'policy'), { data: { keys: ['default', 'root'], policies: ['default', 'root'] } });
    await call('update', 'policy/old', { rules: POLICY });
    assert.deepEqual(await call('read', 'policy/old'), { data: { name: 'old', rules: POLICY } });
    await call('update', 'policy/new', { policy: POLICY });
    assert.deepEqual(await call('read', 'policy/new'), { data: { name: 'new', rules: POLICY } });
    assert.deepEqual(await call('read', 'policy'), {
      data: { keys: ['default', 'new', 'old', 'root'], policies: ['default', 'new', 'old', 'root'] },
    });
    await call('delete', 'policy/old');
    assert.equal(await call('read', 'policy/old'), null);
  });
});
