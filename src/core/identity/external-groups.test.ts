import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { externalMembership } from './external-groups.js';
import type { Group } from './types.js';

const group = (id: string, o: Partial<Group> = {}): Group => ({
  id, name: id, type: 'external', metadata: {}, policies: [], memberEntityIds: [], memberGroupIds: [], creationTime: '', lastUpdateTime: '', modifyIndex: 1,
  alias: { id: `ga-${id}`, canonicalId: id, mountAccessor: 'auth_jwt_1', name: id.toUpperCase(), creationTime: '', lastUpdateTime: '' },
  ...o,
});

describe('externalMembership', () => {
  const groups = [
    group('dev'),
    group('ops', { memberEntityIds: ['e1', 'e2'] }),
    group('old', { memberEntityIds: ['e1'] }),
    group('other-mount', { alias: { id: 'x', canonicalId: 'other-mount', mountAccessor: 'auth_oidc_2', name: 'dev', creationTime: '', lastUpdateTime: '' } }),
    group('internal', { type: 'internal', alias: null, memberEntityIds: ['e1'] }),
    group('alias-deleted', { alias: null, memberEntityIds: ['e1'] }),
  ];
  it('adds the entity to groups whose alias the login names, drops it from the mount\'s others', () => {
    const changed = externalMembership(groups, 'auth_jwt_1', 'e1', ['dev', 'OPS', 'unknown']);
    assert.deepEqual(
      changed.map((g) => [g.id, g.memberEntityIds]),
      [['dev', ['e1']], ['old', []], ['alias-deleted', []]],
    );
  });
  it('takes the entity out of an external group whose alias was deleted, from any mount, as Vault does', () => {
    assert.deepEqual(
      externalMembership(groups, 'auth_userpass_3', 'e1', []).map((g) => [g.id, g.memberEntityIds]),
      [['alias-deleted', []]],
    );
  });
  it('changes nothing when memberships already match', () => {
    assert.deepEqual(externalMembership(groups, 'auth_jwt_1', 'e2', ['ops']), []);
  });
});
