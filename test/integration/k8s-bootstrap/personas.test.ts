/**
 * The bootstrap job's admin and provisioner policies on a real core: what each persona may
 * and may not do, as sys/capabilities-self reports it (the ACL the server enforces).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminPolicy, provisionerPolicy } from '../../../src/k8s/bootstrap/policies.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('bootstrap personas', () => {
  let s: TestServer;
  const tokens: Record<string, string> = {};
  before(async () => {
    s = await startTestServer();
    for (const [name, policy] of [['admin', adminPolicy()], ['provisioner', provisionerPolicy('secret')]] as const) {
      assert.equal((await api(s, 'PUT', `sys/policies/acl/${name}`, { token: s.rootToken, body: { policy } })).status, 204);
      const r = await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: [name] } });
      tokens[name] = r.body.auth.client_token;
    }
  });
  after(() => s.close());

  const caps = async (who: string, paths: string[]): Promise<Record<string, string[]>> => {
    const r = await api(s, 'POST', 'sys/capabilities-self', { token: tokens[who], body: { paths } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return Object.fromEntries(paths.map((p) => [p, r.body.data[p]]));
  };

  test('admin manages mounts, auth methods and policies, and reads no secret', async () => {
    assert.deepEqual(await caps('admin', ['sys/mounts/kv', 'sys/auth/approle', 'sys/policies/acl/app', 'auth/kubernetes/config', 'secret/data/app/db', 'sys/audit/file', 'sys/seal', 'auth/token/create']), {
      'sys/mounts/kv': ['create', 'delete', 'list', 'read', 'sudo', 'update'],
      'sys/auth/approle': ['create', 'delete', 'read', 'sudo', 'update'],
      'sys/policies/acl/app': ['create', 'delete', 'list', 'read', 'update'],
      'auth/kubernetes/config': ['create', 'delete', 'list', 'read', 'update'],
      'secret/data/app/db': ['deny'],
      'sys/audit/file': ['deny'],
      'sys/seal': ['deny'],
      'auth/token/create': ['create', 'delete', 'list', 'read', 'update'],
    });
  });

  test('provisioner writes secrets and roles, reads no secret, changes no policy or mount', async () => {
    assert.deepEqual(await caps('provisioner', ['secret/data/app/db', 'secret/metadata/app', 'auth/approle/role/ci', 'auth/kubernetes/role/web', 'database/roles/app', 'pki/roles/web', 'sys/policies/acl/provisioner', 'sys/mounts/kv', 'auth/approle/login', 'database/creds/app']), {
      'secret/data/app/db': ['create', 'update'],
      'secret/metadata/app': ['list'],
      'auth/approle/role/ci': ['create', 'list', 'read', 'update'],
      'auth/kubernetes/role/web': ['create', 'list', 'read', 'update'],
      'database/roles/app': ['create', 'list', 'read', 'update'],
      'pki/roles/web': ['create', 'list', 'read', 'update'],
      'sys/policies/acl/provisioner': ['deny'],
      'sys/mounts/kv': ['deny'],
      'auth/approle/login': ['deny'],
      'database/creds/app': ['deny'],
    });
  });
});
