/**
 * Upgrading a KV v1 mount to v2 in place with `sys/mounts/<path>/tune`, over HTTP:
 * the data survives as version 1, downgrades are refused, and an upgrade interrupted
 * by a crash resumes on the next start.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { migrateV1ToV2, pendingV1Keys, UPGRADING_MESSAGE } from '../../../src/secrets/kv/v2/upgrade.js';
import { errText } from '../../helpers/errors.js';
import { waitFor } from '../../helpers/wait.js';


/** 50 secrets: 30 flat, 15 in folders, 5 deeper (a/b/c …). */
function secrets(): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < 30; i++) m.set(`s${i}`, { n: i, label: `flat-${i}` });
  for (let i = 0; i < 15; i++) m.set(`team${i % 3}/svc${i}`, { password: `pw-${i}`, nested: { ok: true } });
  for (const k of ['a/b/c', 'a/b/d', 'a/x', 'a/b/c/e', 'deep/1/2/3/4']) m.set(k, { path: k });
  return m;
}

/** Polls until a read is no longer refused with the upgrading 400; every 400 seen must carry that message. */
async function waitUpgraded(s: TestServer, token: string, path: string): Promise<void> {
  await waitFor('the upgrade to finish', async () => {
    const r = await api(s, 'GET', path, { token });
    if (r.status === 400) assert.equal(errText(r), UPGRADING_MESSAGE);
    return r.status !== 400;
  }, { intervalMs: 20 });
}

async function assertAllVersion1(s: TestServer, token: string, mount: string, data: Map<string, Record<string, unknown>>): Promise<void> {
  for (const [k, v] of data) {
    const r = await api(s, 'GET', `${mount}/data/${k}`, { token });
    assert.equal(r.status, 200, `${k}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body.data.data, v, k);
    assert.equal(r.body.data.metadata.version, 1, k);
    assert.equal(r.body.data.metadata.deletion_time, '');
  }
}

describe('KV v1 → v2 upgrade via tune', () => {
  let s: TestServer;
  let root = '';
  const data = secrets();
  before(async () => {
    s = await startTestServer();
    root = s.rootToken;
    assert.equal((await api(s, 'POST', 'sys/mounts/legacy', { token: root, body: { type: 'kv', options: { version: '1' } } })).status, 204);
    for (const [k, v] of data) assert.equal((await api(s, 'PUT', `legacy/${k}`, { token: root, body: v })).status, 204);
  });
  after(async () => {
    await s.close();
  });

  it('keeps every secret as version 1, with folders listed under metadata/', async () => {
    assert.equal(data.size, 50);
    const before = Date.now();
    const t = await api(s, 'POST', 'sys/mounts/legacy/tune', { token: root, body: { options: { version: '2' } } });
    assert.equal(t.status, 204, JSON.stringify(t.body));
    await waitUpgraded(s, root, 'legacy/data/s0');
    assert.equal((await api(s, 'GET', 'sys/mounts/legacy', { token: root })).body.data.options.version, '2');
    await assertAllVersion1(s, root, 'legacy', data);

    const meta = await api(s, 'GET', 'legacy/metadata/team1/svc4', { token: root });
    assert.equal(meta.body.data.current_version, 1);
    assert.ok(Date.parse(meta.body.data.created_time) >= before - 1000, 'created_time is the upgrade time');

    const top = await api(s, 'LIST', 'legacy/metadata/', { token: root });
    assert.equal(top.status, 200);
    for (const k of ['a/', 'deep/', 'team0/', 'team1/', 'team2/', 's0', 's29']) assert.ok(top.body.data.keys.includes(k), k);
    assert.deepEqual((await api(s, 'LIST', 'legacy/metadata/a/b/', { token: root })).body.data.keys, ['c', 'c/', 'd']);
    assert.deepEqual((await api(s, 'LIST', 'legacy/metadata/a/', { token: root })).body.data.keys, ['b/', 'x']);

    // The v1 paths are gone: the v2 engine points at `vault kv`.
    assert.equal((await api(s, 'GET', 'legacy/s0', { token: root })).status, 404);
  });

  it('new writes create version 2', async () => {
    const w = await api(s, 'POST', 'legacy/data/a/b/c', { token: root, body: { data: { path: 'a/b/c', v: 2 } } });
    assert.equal(w.status, 200);
    assert.equal(w.body.data.version, 2);
    const v1 = await api(s, 'GET', 'legacy/data/a/b/c?version=1', { token: root });
    assert.deepEqual(v1.body.data.data, { path: 'a/b/c' });
    const fresh = await api(s, 'POST', 'legacy/data/brand-new', { token: root, body: { data: { x: 1 } } });
    assert.equal(fresh.body.data.version, 1);
  });

  it('downgrading to version 1 or an unknown version is refused with 400', async () => {
    const d = await api(s, 'POST', 'sys/mounts/legacy/tune', { token: root, body: { options: { version: '1' } } });
    assert.equal(d.status, 400);
    assert.ok(errText(d).includes('cannot downgrade'), errText(d));
    assert.equal((await api(s, 'GET', 'sys/mounts/legacy', { token: root })).body.data.options.version, '2');
    assert.equal((await api(s, 'GET', 'legacy/data/s1', { token: root })).body.data.data.n, 1);
    await api(s, 'POST', 'sys/mounts/other1', { token: root, body: { type: 'kv', options: { version: '1' } } });
    const bad = await api(s, 'POST', 'sys/mounts/other1/tune', { token: root, body: { options: { version: '3' } } });
    assert.equal(bad.status, 400);
    assert.equal((await api(s, 'GET', 'sys/mounts/other1', { token: root })).body.data.options.version, '1');
  });

  it('tuning version 2 again is a no-op; other tune fields still apply', async () => {
    const t = await api(s, 'POST', 'sys/mounts/legacy/tune', { token: root, body: { options: { version: '2' }, description: 'upgraded' } });
    assert.equal(t.status, 204);
    assert.equal((await api(s, 'GET', 'sys/mounts/legacy', { token: root })).body.data.description, 'upgraded');
    assert.equal((await api(s, 'GET', 'legacy/data/a/b/c', { token: root })).body.data.metadata.version, 2);
  });
});

describe('KV v1 → v2 upgrade across a restart', () => {
  it('an upgrade interrupted by a crash resumes on the next start', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-kv-upgrade-'));
    const sqlitePath = join(dir, 'ward.db');
    const data = secrets();
    let s = await startTestServer({ sqlitePath });
    try {
      const root = s.rootToken;
      const key = s.unsealKeys[0] as string;
      await api(s, 'POST', 'sys/mounts/old', { token: root, body: { type: 'kv', options: { version: '1' } } });
      for (const [k, v] of data) await api(s, 'PUT', `old/${k}`, { token: root, body: v });

      // The state a crash mid-upgrade leaves: options.version = "2" persisted, part of
      // the data migrated, no marker. Built by hand so the interruption is deterministic.
      const subs = s.core.active;
      assert.ok(subs);
      const route = subs.router.get('old/');
      assert.ok(route);
      let n = 0;
      const partial = await migrateV1ToV2(route.storage, { shouldStop: () => n++ >= 20 });
      assert.equal(partial.completed, false);
      const left = (await pendingV1Keys(route.storage)).length;
      assert.ok(left > 0 && left < 50, `${left} v1 keys left`);
      const entry = subs.mounts.find('mounts', 'old');
      assert.ok(entry);
      entry.options = { ...(entry.options ?? {}), version: '2' };
      await subs.mounts.tune('mounts', 'old', {}); // persists the table as it stands
      await s.close();

      s = await startTestServer({ sqlitePath, dev: false });
      assert.equal((await api(s, 'PUT', 'sys/unseal', { body: { key } })).body.sealed, false);
      await waitUpgraded(s, root, 'old/data/s0');
      await assertAllVersion1(s, root, 'old', data);
      assert.equal((await api(s, 'LIST', 'old/metadata/', { token: root })).body.data.keys.length, 30 + 5);

      // A second restart after a completed upgrade changes nothing.
      await api(s, 'POST', 'old/data/s0', { token: root, body: { data: { n: 'two' } } });
      await s.close();
      s = await startTestServer({ sqlitePath, dev: false });
      await api(s, 'PUT', 'sys/unseal', { body: { key } });
      const r = await api(s, 'GET', 'old/data/s0', { token: root });
      assert.equal(r.body.data.metadata.version, 2);
      assert.deepEqual((await api(s, 'GET', 'old/data/s0?version=1', { token: root })).body.data.data, { n: 0, label: 'flat-0' });
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
