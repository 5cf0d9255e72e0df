import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineBackend } from '../../sdk/framework/backend.js';
import type { LockedUser, LogicalRequest, Operation } from '../../sdk/logical.js';
import { InmemStorage } from '../../sdk/storage.js';
import { lockedUserPaths } from './paths-locked-users.js';

function fakeMount(accessor: string, aliases: string[]) {
  const locked = new Set(aliases);
  return {
    accessor,
    backend: {
      lockedUsers: async (): Promise<LockedUser[]> => [...locked].map((alias) => ({ alias, failedLoginAttempts: 5, lastFailedLoginTime: 0 })),
      unlockUser: async (alias: string) => locked.delete(alias),
    },
  };
}

describe('sys/locked-users', () => {
  const mounts = [fakeMount('auth_userpass_1', ['alice', 'bob']), fakeMount('auth_approle_2', ['role-id-1']), { accessor: 'auth_token_3', backend: {} }];
  const sys = defineBackend({ type: 'system', kind: 'secret', paths: lockedUserPaths({ authMounts: () => mounts }) });
  const call = (operation: Operation, path: string, data: Record<string, unknown> = {}) =>
    sys.handleRequest({ id: 'r', operation, path, data, storage: new InmemStorage(), mountPoint: 'sys/', mountType: 'system', mountAccessor: 'system_1', clientToken: '', caller: null, connection: { remoteAddress: '127.0.0.1', remotePort: 1 }, headers: {}, wrapTtl: 0 } satisfies LogicalRequest);

  it('reports locked aliases by mount accessor', async () => {
    const res = await call('read', 'locked-users');
    assert.deepEqual(res?.data, {
      by_namespace: [
        {
          namespace_id: 'root',
          namespace_path: '',
          counts: 3,
          mount_accessors: [
            { mount_accessor: 'auth_approle_2', counts: 1, alias_identifiers: ['role-id-1'] },
            { mount_accessor: 'auth_userpass_1', counts: 2, alias_identifiers: ['alice', 'bob'] },
          ],
        },
      ],
      total: 3,
    });
    const only = await call('read', 'locked-users', { mount_accessor: 'auth_approle_2' });
    assert.equal(only?.data?.total, 1);
  });

  it('unlocks one alias (204) and tolerates unknown mounts', async () => {
    assert.equal(await call('update', 'locked-users/auth_userpass_1/unlock/alice'), null);
    assert.equal(await call('update', 'locked-users/auth_nope/unlock/x'), null);
    const res = await call('read', 'locked-users', { mount_accessor: 'auth_userpass_1' });
    assert.deepEqual((res?.data?.by_namespace as { mount_accessors: { alias_identifiers: string[] }[] }[])[0]?.mount_accessors[0]?.alias_identifiers, ['bob']);
    await call('update', 'locked-users/auth_userpass_1/unlock/bob');
    await call('update', 'locked-users/auth_approle_2/unlock/role-id-1');
    assert.deepEqual((await call('read', 'locked-users'))?.data, { by_namespace: [], total: 0 });
  });
});
