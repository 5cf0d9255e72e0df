/**
 * The KV v1 / v2 curl sessions from the Vault docs, and cubbyhole isolation, as an
 * operator would run them against a dev server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { errText } from '../../helpers/errors.js';

const MERGE = { 'Content-Type': 'application/merge-patch+json' };

describe('KV v1', () => {
  let s: TestServer;
  let root = '';
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    await api(s, 'POST', 'sys/mounts/kv', { token: root, body: { type: 'kv', options: { version: '1' } } });
  });
  after(async () => {
    await s.close();
  });

  it('write 204, read envelope with lease_duration default, ttl hint', async () => {
    assert.equal((await api(s, 'POST', 'kv/my-secret', { token: root, body: { foo: 'bar', n: 1 } })).status, 204);
    const r = await api(s, 'GET', 'kv/my-secret', { token: root });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { foo: 'bar', n: 1 });
    assert.equal(r.body.lease_id, '');
    assert.equal(r.body.renewable, false);
    assert.equal(r.body.lease_duration, 2764800);
    assert.equal(r.body.mount_type, 'kv');
    assert.equal((await api(s, 'PUT', 'kv/with-ttl', { token: root, body: { v: 'x', ttl: '30m' } })).status, 204);
    const t = await api(s, 'GET', 'kv/with-ttl', { token: root });
    assert.equal(t.body.lease_duration, 1800);
    assert.equal(t.body.lease_id, '');
  });

  it('write replaces the whole secret; empty body → 400', async () => {
    await api(s, 'PUT', 'kv/rep', { token: root, body: { a: '1', b: '2' } });
    await api(s, 'PUT', 'kv/rep', { token: root, body: { c: '3' } });
    assert.deepEqual((await api(s, 'GET', 'kv/rep', { token: root })).body.data, { c: '3' });
    const e = await api(s, 'PUT', 'kv/empty', { token: root, body: {} });
    assert.equal(e.status, 400);
    assert.ok(errText(e).includes('missing data fields'));
    assert.equal((await api(s, 'PUT', 'kv/empty', { token: root })).status, 400);
  });

  it('LIST verb and ?list=true: folders end with /, none → bare 404', async () => {
    await api(s, 'PUT', 'kv/dir/a', { token: root, body: { v: 1 } });
    await api(s, 'PUT', 'kv/dir/sub/b', { token: root, body: { v: 1 } });
    const l = await api(s, 'LIST', 'kv/dir', { token: root });
    assert.equal(l.status, 200);
    assert.deepEqual(l.body.data.keys, ['a', 'sub/']);
    const q = await api(s, 'GET', 'kv/dir/?list=true', { token: root });
    assert.deepEqual(q.body.data.keys, ['a', 'sub/']);
    const none = await api(s, 'LIST', 'kv/nothing', { token: root });
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, { errors: [] });
    assert.equal((await api(s, 'GET', 'kv/dir?list=maybe', { token: root })).status, 400);
  });

  it('delete 204; missing read → bare 404', async () => {
    assert.equal((await api(s, 'DELETE', 'kv/my-secret', { token: root })).status, 204);
    const r = await api(s, 'GET', 'kv/my-secret', { token: root });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { errors: [] });
  });

  it('create vs update capability via the existence check', async () => {
    await api(s, 'PUT', 'sys/policies/acl/upd', { token: root, body: { policy: 'path "kv/*" { capabilities = ["update", "read"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['upd'] } })).body.auth.client_token;
    await api(s, 'PUT', 'kv/exists', { token: root, body: { v: 'old' } });
    assert.equal((await api(s, 'PUT', 'kv/exists', { token: t, body: { v: 'new' } })).status, 204);
    const c = await api(s, 'PUT', 'kv/brand-new', { token: t, body: { v: 'x' } });
    assert.equal(c.status, 403, 'creating needs create');
    assert.equal((await api(s, 'GET', 'kv/brand-new', { token: root })).status, 404);
  });
});

describe('KV v2', () => {
  let s: TestServer;
  let root = '';
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
  });
  after(async () => {
    await s.close();
  });

  it('write returns metadata; read returns data + metadata; ?version=', async () => {
    const w1 = await api(s, 'POST', 'secret/data/my-secret', { token: root, body: { data: { foo: 'a' } } });
    assert.equal(w1.status, 200);
    assert.equal(w1.body.data.version, 1);
    assert.equal(w1.body.data.deletion_time, '');
    assert.equal(w1.body.data.destroyed, false);
    assert.ok(!Number.isNaN(Date.parse(w1.body.data.created_time)));
    const w2 = await api(s, 'PUT', 'secret/data/my-secret', { token: root, body: { data: { foo: 'b', bar: 'c' } } });
    assert.equal(w2.body.data.version, 2);
    const r = await api(s, 'GET', 'secret/data/my-secret', { token: root });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.data, { foo: 'b', bar: 'c' });
    assert.equal(r.body.data.metadata.version, 2);
    assert.equal(r.body.data.metadata.custom_metadata, null);
    const v1 = await api(s, 'GET', 'secret/data/my-secret?version=1', { token: root });
    assert.deepEqual(v1.body.data.data, { foo: 'a' });
    assert.equal((await api(s, 'GET', 'secret/data/my-secret?version=9', { token: root })).status, 404);
    const nodata = await api(s, 'POST', 'secret/data/x', { token: root, body: { foo: 'bar' } });
    assert.equal(nodata.status, 400);
    assert.ok(errText(nodata).includes('no data provided'), errText(nodata));
  });

  it('CAS: mismatch → 400, cas 0 = must not exist, cas_required', async () => {
    const bad = await api(s, 'POST', 'secret/data/my-secret', { token: root, body: { data: { foo: 'x' }, options: { cas: 1 } } });
    assert.equal(bad.status, 400);
    assert.ok(errText(bad).includes('check-and-set parameter did not match the current version'));
    const good = await api(s, 'POST', 'secret/data/my-secret', { token: root, body: { data: { foo: 'x' }, options: { cas: 2 } } });
    assert.equal(good.status, 200);
    assert.equal(good.body.data.version, 3);
    assert.equal((await api(s, 'POST', 'secret/data/my-secret', { token: root, body: { data: { foo: 'y' }, options: { cas: 0 } } })).status, 400);
    assert.equal((await api(s, 'POST', 'secret/data/cas-new', { token: root, body: { data: { foo: 'y' }, options: { cas: 0 } } })).status, 200);
    assert.equal((await api(s, 'POST', 'secret/metadata/cas-req', { token: root, body: { cas_required: true } })).status, 204);
    const req = await api(s, 'POST', 'secret/data/cas-req', { token: root, body: { data: { a: 1 } } });
    assert.equal(req.status, 400);
    assert.ok(errText(req).includes('check-and-set parameter required for this call'));
    assert.equal((await api(s, 'POST', 'secret/data/cas-req', { token: root, body: { data: { a: 1 }, options: { cas: 0 } } })).status, 200);
  });

  it('PATCH merges with merge-patch+json; wrong content type → 415; missing secret → 404', async () => {
    await api(s, 'POST', 'secret/data/patchme', { token: root, body: { data: { a: '1', b: { c: '2', d: '3' } } } });
    const bad = await api(s, 'PATCH', 'secret/data/patchme', { token: root, body: { data: { a: 'z' } }, headers: { 'Content-Type': 'application/json' } });
    assert.equal(bad.status, 415);
    assert.ok(errText(bad).includes('application/merge-patch+json'));
    const ok = await api(s, 'PATCH', 'secret/data/patchme', { token: root, body: { data: { a: 'z', b: { d: null }, e: 'new' } }, headers: MERGE });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.data.version, 2);
    const r = await api(s, 'GET', 'secret/data/patchme', { token: root });
    assert.deepEqual(r.body.data.data, { a: 'z', b: { c: '2' }, e: 'new' });
    const missing = await api(s, 'PATCH', 'secret/data/no-such', { token: root, body: { data: { a: 'z' } }, headers: MERGE });
    assert.equal(missing.status, 404);
    const casBad = await api(s, 'PATCH', 'secret/data/patchme', { token: root, body: { data: { a: 'q' }, options: { cas: 1 } }, headers: MERGE });
    assert.equal(casBad.status, 400);
    // patch needs the patch capability.
    await api(s, 'PUT', 'sys/policies/acl/rw', { token: root, body: { policy: 'path "secret/data/*" { capabilities = ["read", "update", "create"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['rw'] } })).body.auth.client_token;
    assert.equal((await api(s, 'PATCH', 'secret/data/patchme', { token: t, body: { data: { a: 'q' } }, headers: MERGE })).status, 403);
  });

  it('soft delete: 404 with a body (data null, metadata filled); undelete; destroy', async () => {
    for (let i = 1; i <= 3; i++) await api(s, 'POST', 'secret/data/del', { token: root, body: { data: { v: String(i) } } });
    assert.equal((await api(s, 'DELETE', 'secret/data/del', { token: root })).status, 204);
    const r = await api(s, 'GET', 'secret/data/del', { token: root });
    assert.equal(r.status, 404);
    assert.equal(r.body.data.data, null);
    assert.equal(r.body.data.metadata.version, 3);
    assert.notEqual(r.body.data.metadata.deletion_time, '');
    assert.equal(r.body.data.metadata.destroyed, false);
    assert.ok('request_id' in r.body, 'a full envelope');
    assert.equal((await api(s, 'POST', 'secret/delete/del', { token: root, body: { versions: [1] } })).status, 204);
    assert.equal((await api(s, 'GET', 'secret/data/del?version=1', { token: root })).status, 404);
    assert.equal((await api(s, 'POST', 'secret/undelete/del', { token: root, body: { versions: [3, 1] } })).status, 204);
    assert.deepEqual((await api(s, 'GET', 'secret/data/del', { token: root })).body.data.data, { v: '3' });
    assert.deepEqual((await api(s, 'GET', 'secret/data/del?version=1', { token: root })).body.data.data, { v: '1' });
    assert.equal((await api(s, 'PUT', 'secret/destroy/del', { token: root, body: { versions: [2] } })).status, 204);
    const d = await api(s, 'GET', 'secret/data/del?version=2', { token: root });
    assert.equal(d.status, 404);
    assert.equal(d.body.data.metadata.destroyed, true);
    assert.equal((await api(s, 'POST', 'secret/undelete/del', { token: root, body: { versions: [2] } })).status, 204);
    assert.equal((await api(s, 'GET', 'secret/data/del?version=2', { token: root })).status, 404, 'destroyed is permanent');
    const nope = await api(s, 'GET', 'secret/data/never-written', { token: root });
    assert.equal(nope.status, 404);
    assert.deepEqual(nope.body, { errors: [] });
  });

  it('metadata: read, write custom_metadata, max_versions purges the oldest, patch, delete all', async () => {
    await api(s, 'POST', 'secret/metadata/meta', { token: root, body: { max_versions: 2, custom_metadata: { owner: 'ops' } } });
    for (let i = 1; i <= 4; i++) await api(s, 'POST', 'secret/data/meta', { token: root, body: { data: { v: i } } });
    const m = await api(s, 'GET', 'secret/metadata/meta', { token: root });
    assert.equal(m.status, 200);
    assert.equal(m.body.data.current_version, 4);
    assert.equal(m.body.data.oldest_version, 3);
    assert.equal(m.body.data.max_versions, 2);
    assert.deepEqual(Object.keys(m.body.data.versions).sort(), ['3', '4']);
    assert.deepEqual(m.body.data.custom_metadata, { owner: 'ops' });
    assert.equal(m.body.data.delete_version_after, '0s');
    assert.equal((await api(s, 'GET', 'secret/data/meta?version=1', { token: root })).status, 404);
    const rd = await api(s, 'GET', 'secret/data/meta', { token: root });
    assert.deepEqual(rd.body.data.metadata.custom_metadata, { owner: 'ops' });
    const p = await api(s, 'PATCH', 'secret/metadata/meta', { token: root, body: { custom_metadata: { team: 'x' } }, headers: MERGE });
    assert.equal(p.status, 204);
    assert.deepEqual((await api(s, 'GET', 'secret/metadata/meta', { token: root })).body.data.custom_metadata, { owner: 'ops', team: 'x' });
    assert.equal((await api(s, 'DELETE', 'secret/metadata/meta', { token: root })).status, 204);
    assert.equal((await api(s, 'GET', 'secret/metadata/meta', { token: root })).status, 404);
    assert.equal((await api(s, 'GET', 'secret/data/meta', { token: root })).status, 404);
  });

  it('config: read defaults, write, read back', async () => {
    const c = await api(s, 'GET', 'secret/config', { token: root });
    assert.equal(c.status, 200);
    assert.equal(c.body.data.max_versions, 0);
    assert.equal(c.body.data.cas_required, false);
    assert.equal(c.body.data.delete_version_after, '0s');
    assert.equal((await api(s, 'POST', 'secret/config', { token: root, body: { max_versions: 5, delete_version_after: '1h' } })).status, 204);
    const c2 = await api(s, 'GET', 'secret/config', { token: root });
    assert.equal(c2.body.data.max_versions, 5);
    assert.equal(c2.body.data.delete_version_after, '1h0m0s');
    await api(s, 'POST', 'secret/config', { token: root, body: { max_versions: 0, delete_version_after: '0s' } });
  });

  it('subkeys', async () => {
    await api(s, 'POST', 'secret/data/sub', { token: root, body: { data: { a: 'x', b: { c: 'y', d: { e: 'z' } } } } });
    const r = await api(s, 'GET', 'secret/subkeys/sub', { token: root });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.subkeys, { a: null, b: { c: null, d: { e: null } } });
    assert.equal(r.body.data.metadata.version, 1);
    const d1 = await api(s, 'GET', 'secret/subkeys/sub?depth=1', { token: root });
    assert.deepEqual(d1.body.data.subkeys, { a: null, b: null });
    assert.ok(!JSON.stringify(r.body).includes('"z"'), 'values never leak');
  });

  it('LIST metadata with verb and ?list=true', async () => {
    await api(s, 'POST', 'secret/data/ls/a', { token: root, body: { data: { v: 1 } } });
    await api(s, 'POST', 'secret/data/ls/b/c', { token: root, body: { data: { v: 1 } } });
    const l = await api(s, 'LIST', 'secret/metadata/ls', { token: root });
    assert.equal(l.status, 200);
    assert.deepEqual(l.body.data.keys, ['a', 'b/']);
    const q = await api(s, 'GET', 'secret/metadata/ls?list=true', { token: root });
    assert.deepEqual(q.body.data.keys, ['a', 'b/']);
    const none = await api(s, 'LIST', 'secret/metadata/nothing', { token: root });
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, { errors: [] });
  });

  it('the wrong path on a v2 mount → 404 with a warning', async () => {
    const r = await api(s, 'GET', 'secret/my-secret', { token: root });
    assert.equal(r.status, 404);
    assert.ok(Array.isArray(r.body.warnings) && r.body.warnings.length > 0, JSON.stringify(r.body));
    const w = await api(s, 'PUT', 'secret/my-secret', { token: root, body: { foo: 'bar' } });
    assert.equal(w.status, 404);
    assert.ok(Array.isArray(w.body.warnings) && w.body.warnings.length > 0, JSON.stringify(w.body));
  });

  it('ACL mapping: delete-versions needs update on delete/, destroy on destroy/', async () => {
    await api(s, 'POST', 'secret/data/acl', { token: root, body: { data: { v: 1 } } });
    await api(s, 'PUT', 'sys/policies/acl/dataonly', { token: root, body: { policy: 'path "secret/data/*" { capabilities = ["read", "update", "create", "delete"] }' } });
    const t = (await api(s, 'POST', 'auth/token/create', { token: root, body: { policies: ['dataonly'] } })).body.auth.client_token;
    assert.equal((await api(s, 'POST', 'secret/destroy/acl', { token: t, body: { versions: [1] } })).status, 403);
    assert.equal((await api(s, 'GET', 'secret/metadata/acl', { token: t })).status, 403);
    assert.equal((await api(s, 'GET', 'secret/data/acl', { token: root })).status, 200);
    assert.equal((await api(s, 'DELETE', 'secret/data/acl', { token: t })).status, 204);
  });
});

describe('cubbyhole', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  it('isolated between two tokens (even root), gone after revoke', async () => {
    const mk = async () => (await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: ['default'] } })).body.auth.client_token;
    const a = await mk();
    const b = await mk();
    assert.equal((await api(s, 'PUT', 'cubbyhole/secret', { token: a, body: { mine: 'a-only' } })).status, 204);
    const ra = await api(s, 'GET', 'cubbyhole/secret', { token: a });
    assert.equal(ra.status, 200);
    assert.deepEqual(ra.body.data, { mine: 'a-only' });
    assert.equal(ra.body.lease_duration, 0);
    assert.equal((await api(s, 'GET', 'cubbyhole/secret', { token: b })).status, 404);
    assert.equal((await api(s, 'GET', 'cubbyhole/secret', { token: s.rootToken })).status, 404);
    assert.equal((await api(s, 'LIST', 'cubbyhole/', { token: b })).status, 404);
    assert.deepEqual((await api(s, 'LIST', 'cubbyhole/', { token: a })).body.data.keys, ['secret']);
    await api(s, 'PUT', 'cubbyhole/secret', { token: b, body: { mine: 'b-only' } });
    assert.deepEqual((await api(s, 'GET', 'cubbyhole/secret', { token: a })).body.data, { mine: 'a-only' });

    // Revoke a; its cubbyhole is destroyed (checked in storage, since a can no longer ask).
    const before = await s.core.active!.router.get('cubbyhole/')!.storage.list('');
    assert.equal(before.length, 2);
    assert.equal((await api(s, 'POST', 'auth/token/revoke', { token: s.rootToken, body: { token: a } })).status, 204);
    assert.equal((await api(s, 'GET', 'cubbyhole/secret', { token: a })).status, 403);
    const afterList = await s.core.active!.router.get('cubbyhole/')!.storage.list('');
    assert.equal(afterList.length, 1);
    assert.deepEqual((await api(s, 'GET', 'cubbyhole/secret', { token: b })).body.data, { mine: 'b-only' });
    assert.equal((await api(s, 'DELETE', 'cubbyhole/secret', { token: b })).status, 204);
    assert.equal((await api(s, 'GET', 'cubbyhole/secret', { token: b })).status, 404);
  });
});
