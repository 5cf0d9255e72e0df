/**
 * ACL policies over HTTP: CRUD through both APIs, HCL and JSON, and the matching rules
 * (deny by default, glob, `+`, exact-beats-glob, deny precedence, sudo) as a client sees them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';


describe('policies over HTTP', () => {
  let s: TestServer;
  let root = '';
  const tokenWith = async (...policies: string[]): Promise<string> => {
    const r = await api(s, 'POST', 'auth/token/create', { token: root, body: { policies } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.auth.client_token;
  };
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    await api(s, 'POST', 'secret/data/app/db', { token: root, body: { data: { pw: 'p1' } } });
    await api(s, 'POST', 'secret/data/app/admin', { token: root, body: { data: { pw: 'p2' } } });
    await api(s, 'POST', 'secret/data/team/a/cfg', { token: root, body: { data: { v: 'a' } } });
    await api(s, 'POST', 'secret/data/team/a/deep/cfg', { token: root, body: { data: { v: 'deep' } } });
  });
  after(async () => {
    await s.close();
  });

  it('sys/policies/acl CRUD + LIST (verb and ?list=true)', async () => {
    const hcl = 'path "secret/data/app/*" {\n  capabilities = ["read", "list"]\n}\n';
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/app-read', { token: root, body: { policy: hcl } })).status, 204);
    const r = await api(s, 'GET', 'sys/policies/acl/app-read', { token: root });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.name, 'app-read');
    assert.equal(r.body.data.policy, hcl);
    const l1 = await api(s, 'LIST', 'sys/policies/acl', { token: root });
    assert.equal(l1.status, 200);
    assert.ok(l1.body.data.keys.includes('app-read'));
    assert.ok(l1.body.data.keys.includes('default'));
    assert.ok(l1.body.data.keys.includes('root'));
    const l2 = await api(s, 'GET', 'sys/policies/acl?list=true', { token: root });
    assert.deepEqual(l2.body.data.keys, l1.body.data.keys);
    assert.equal((await api(s, 'DELETE', 'sys/policies/acl/app-read', { token: root })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/policies/acl/app-read', { token: root })).status, 404);
    assert.ok(!(await api(s, 'LIST', 'sys/policies/acl', { token: root })).body.data.keys.includes('app-read'));
  });

  it('base64-encoded policy text and name lower-casing', async () => {
    const text = 'path "secret/data/b64" { capabilities = ["read"] }';
    const w = await api(s, 'PUT', 'sys/policies/acl/MixedCase', { token: root, body: { policy: Buffer.from(text).toString('base64') } });
    assert.ok(w.status === 200 || w.status === 204);
    const r = await api(s, 'GET', 'sys/policies/acl/mixedcase', { token: root });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.policy, text);
  });

  it('invalid policies and protected names', async () => {
    const empty = await api(s, 'PUT', 'sys/policies/acl/e', { token: root, body: { policy: '' } });
    assert.equal(empty.status, 400);
    const bad = await api(s, 'PUT', 'sys/policies/acl/bad', { token: root, body: { policy: 'path "x" { capabilities = ["fly"] }' } });
    assert.equal(bad.status, 400);
    const junk = await api(s, 'PUT', 'sys/policies/acl/junk', { token: root, body: { policy: 'path "x" {' } });
    assert.equal(junk.status, 400);
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/root', { token: root, body: { policy: 'path "x" { capabilities = ["read"] }' } })).status, 400);
    assert.equal((await api(s, 'DELETE', 'sys/policies/acl/root', { token: root })).status, 400);
    assert.equal((await api(s, 'DELETE', 'sys/policies/acl/default', { token: root })).status, 400);
    assert.equal((await api(s, 'GET', 'sys/policies/acl/default', { token: root })).status, 200);
  });

  it('legacy sys/policy: list with keys+policies top-level, read gives rules, write/delete', async () => {
    assert.equal((await api(s, 'PUT', 'sys/policy/legacy', { token: root, body: { policy: 'path "secret/*" { capabilities = ["list"] }' } })).status, 204);
    const l = await api(s, 'GET', 'sys/policy', { token: root });
    assert.equal(l.status, 200);
    assert.ok(l.body.data.keys.includes('legacy'));
    assert.ok(l.body.data.policies.includes('legacy'));
    assert.ok(l.body.policies.includes('legacy'), 'top-level injection');
    const r = await api(s, 'GET', 'sys/policy/legacy', { token: root });
    assert.equal(r.body.data.name, 'legacy');
    assert.equal(r.body.data.rules, 'path "secret/*" { capabilities = ["list"] }');
    assert.equal(r.body.rules, r.body.data.rules);
    assert.equal((await api(s, 'PUT', 'sys/policy/legacy2', { token: root, body: { rules: 'path "x" { capabilities = ["read"] }' } })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/policies/acl/legacy2', { token: root })).body.data.policy, 'path "x" { capabilities = ["read"] }');
    assert.equal((await api(s, 'DELETE', 'sys/policy/legacy', { token: root })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/policy/legacy', { token: root })).status, 404);
  });

  it('deny by default: a default-only token cannot read secret/, can use its cubbyhole and lookup-self', async () => {
    const t = await tokenWith('default');
    const r = await api(s, 'GET', 'secret/data/app/db', { token: t });
    assert.equal(r.status, 403);
    assert.ok(errText(r).includes('permission denied'));
    assert.equal((await api(s, 'GET', 'auth/token/lookup-self', { token: t })).status, 200);
    assert.equal((await api(s, 'PUT', 'cubbyhole/x', { token: t, body: { a: '1' } })).status, 204);
    assert.equal((await api(s, 'GET', 'sys/mounts', { token: t })).status, 403);
    // A missing token, a garbage token → 403 too.
    assert.equal((await api(s, 'GET', 'secret/data/app/db')).status, 403);
    const bogus = await api(s, 'GET', 'secret/data/app/db', { token: 'hvs.bogusbogusbogusbogusbogus' });
    assert.equal(bogus.status, 403);
    assert.ok(errText(bogus).includes('permission denied'));
  });

  it('JSON policy, glob, + segment, exact beats glob, deny precedence over HTTP', async () => {
    const json = JSON.stringify({
      path: {
        'secret/data/app/*': { capabilities: ['read'] },
        'secret/data/app/admin': { capabilities: ['deny'] },
        'secret/data/team/+/cfg': { capabilities: ['read', 'update'] },
      },
    });
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/mixed', { token: root, body: { policy: json } })).status, 204);
    const t = await tokenWith('mixed');
    assert.equal((await api(s, 'GET', 'secret/data/app/db', { token: t })).status, 200);
    const denied = await api(s, 'GET', 'secret/data/app/admin', { token: t });
    assert.equal(denied.status, 403, 'exact deny beats the glob');
    assert.ok(errText(denied).includes('permission denied'));
    assert.equal((await api(s, 'GET', 'secret/data/team/a/cfg', { token: t })).status, 200, '+ matches one segment');
    assert.equal((await api(s, 'GET', 'secret/data/team/a/deep/cfg', { token: t })).status, 403, '+ matches exactly one segment');
    assert.equal((await api(s, 'POST', 'secret/data/app/db', { token: t, body: { data: { pw: 'x' } } })).status, 403, 'read-only glob');
    const up = await api(s, 'POST', 'secret/data/team/a/cfg', { token: t, body: { data: { v: 'changed' } } });
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.equal((await api(s, 'POST', 'secret/data/team/b/cfg', { token: t, body: { data: { v: 'new' } } })).status, 403, 'create not granted');
  });

  it('deny in a second policy on the same pattern wins; more specific glob wins', async () => {
    await api(s, 'PUT', 'sys/policies/acl/allow-app', { token: root, body: { policy: 'path "secret/data/app/*" { capabilities = ["read", "update", "create"] }' } });
    await api(s, 'PUT', 'sys/policies/acl/deny-app', { token: root, body: { policy: 'path "secret/data/app/*" { capabilities = ["deny"] }' } });
    const t = await tokenWith('allow-app', 'deny-app');
    assert.equal((await api(s, 'GET', 'secret/data/app/db', { token: t })).status, 403);
    await api(s, 'PUT', 'sys/policies/acl/layered', {
      token: root,
      body: { policy: 'path "secret/data/*" { capabilities = ["deny"] }\npath "secret/data/app/*" { capabilities = ["read"] }' },
    });
    const t2 = await tokenWith('layered');
    assert.equal((await api(s, 'GET', 'secret/data/app/db', { token: t2 })).status, 200, 'longer glob wins over shorter');
    assert.equal((await api(s, 'GET', 'secret/data/team/a/cfg', { token: t2 })).status, 403);
  });

  it('policy changes apply to existing tokens immediately', async () => {
    await api(s, 'PUT', 'sys/policies/acl/live', { token: root, body: { policy: 'path "secret/data/app/db" { capabilities = ["read"] }' } });
    const t = await tokenWith('live');
    assert.equal((await api(s, 'GET', 'secret/data/app/db', { token: t })).status, 200);
    await api(s, 'PUT', 'sys/policies/acl/live', { token: root, body: { policy: 'path "secret/data/other" { capabilities = ["read"] }' } });
    assert.equal((await api(s, 'GET', 'secret/data/app/db', { token: t })).status, 403);
    await api(s, 'DELETE', 'sys/policies/acl/live', { token: root });
    assert.equal((await api(s, 'GET', 'secret/data/other', { token: t })).status, 403, 'a deleted policy acts as empty');
  });

  it('LIST is allowed by a rule on the path without the trailing slash', async () => {
    await api(s, 'PUT', 'sys/policies/acl/lister', { token: root, body: { policy: 'path "secret/metadata/app" { capabilities = ["list"] }' } });
    const t = await tokenWith('lister');
    const r = await api(s, 'LIST', 'secret/metadata/app', { token: t });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.data.keys.sort(), ['admin', 'db']);
  });

  it('sys/capabilities-self, sys/capabilities, sys/capabilities-accessor', async () => {
    await api(s, 'PUT', 'sys/policies/acl/caps', { token: root, body: { policy: 'path "secret/data/app/*" { capabilities = ["update", "read"] }' } });
    const cr = await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['caps'] } });
    const t = cr.body.auth.client_token;
    const acc = cr.body.auth.accessor;
    const self = await api(s, 'POST', 'sys/capabilities-self', { token: t, body: { paths: ['secret/data/app/x'] } });
    assert.equal(self.status, 200);
    assert.deepEqual(self.body.data['secret/data/app/x'], ['read', 'update']);
    assert.deepEqual(self.body.data.capabilities, ['read', 'update']);
    assert.deepEqual(self.body.capabilities, ['read', 'update'], 'top-level injection');
    const two = await api(s, 'POST', 'sys/capabilities-self', { token: t, body: { paths: ['secret/data/app/x', 'secret/data/nope'] } });
    assert.deepEqual(two.body.data['secret/data/nope'], ['deny']);
    assert.equal(two.body.data.capabilities, undefined);
    const other = await api(s, 'POST', 'sys/capabilities', { token: root, body: { token: t, paths: ['secret/data/app/y'] } });
    assert.deepEqual(other.body.data['secret/data/app/y'], ['read', 'update']);
    const byAcc = await api(s, 'POST', 'sys/capabilities-accessor', { token: root, body: { accessor: acc, paths: ['secret/data/app/z'] } });
    assert.deepEqual(byAcc.body.data['secret/data/app/z'], ['read', 'update']);
    const rootCaps = await api(s, 'POST', 'sys/capabilities-self', { token: root, body: { paths: ['anything'] } });
    assert.deepEqual(rootCaps.body.data.anything, ['root']);
    const legacy = await api(s, 'POST', 'sys/capabilities-self', { token: t, body: { path: 'secret/data/app/x' } });
    assert.deepEqual(legacy.body.data.capabilities, ['read', 'update']);
    // A default-policy token may not ask about another token.
    assert.equal((await api(s, 'POST', 'sys/capabilities', { token: t, body: { token: root, paths: ['x'] } })).status, 403);
  });

  it('sudo-protected paths: update without sudo → 403, with sudo → 204', async () => {
    await api(s, 'PUT', 'sys/policies/acl/nosudo', { token: root, body: { policy: 'path "sys/audit/*" { capabilities = ["create", "update", "delete"] }' } });
    await api(s, 'PUT', 'sys/policies/acl/withsudo', { token: root, body: { policy: 'path "sys/audit/*" { capabilities = ["create", "update", "delete", "sudo"] }' } });
    const t1 = await tokenWith('nosudo');
    const t2 = await tokenWith('withsudo');
    const body = { type: 'file', options: { file_path: 'discard' } };
    const r1 = await api(s, 'PUT', 'sys/audit/x', { token: t1, body });
    assert.equal(r1.status, 403);
    assert.ok(errText(r1).includes('permission denied'));
    const r2 = await api(s, 'PUT', 'sys/audit/x', { token: t2, body });
    assert.equal(r2.status, 204, JSON.stringify(r2.body));
    assert.equal((await api(s, 'DELETE', 'sys/audit/x', { token: t2 })).status, 204);
    // deny overrides sudo.
    await api(s, 'PUT', 'sys/policies/acl/denyaudit', { token: root, body: { policy: 'path "sys/audit/*" { capabilities = ["deny"] }' } });
    const t3 = await tokenWith('withsudo', 'denyaudit');
    assert.equal((await api(s, 'PUT', 'sys/audit/y', { token: t3, body })).status, 403);
  });
});
